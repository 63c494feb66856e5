"""Fixtures of the engine tests (the S3 server lives in tests/engine/s3.py)."""

from tests.engine.s3 import s3, s3_server  # noqa: F401  (fixtures)
