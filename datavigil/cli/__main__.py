"""``python -m datavigil.cli``: the same command as ``datavigil``."""

from datavigil.cli.main import run

run()
