"""The small core every other package stands on: outcomes and statuses (``outcome``), the error
classes and their exit codes (``errors``), settings and paths (``config``), redaction of secrets
(``redact``) and duration parsing (``durations``).

May import: the standard library only (and itself). Nothing here knows a suite, a source, a check
or the results store.
"""
