"""The small core every other package stands on: outcomes and statuses (``outcome``), the error
classes and their exit codes (``errors``), settings and paths (``config``), redaction of secrets
(``redact``), duration parsing (``durations``) and
modules imported at their first use (``lazy``).

May import: the standard library only (and itself). Nothing here knows a suite, a source, a check
or the results store.
"""
