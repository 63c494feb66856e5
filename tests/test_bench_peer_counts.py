"""benchmarks/peers/datavigil_peer.py's statement counts: a scan holding the one pass's shift
probes (`(SELECT ... LIMIT 1) AS k0`) is a scan, not a failure sample (it counted the scalars'
statement and the ANOVA's as samples: "4 scans, 3 samples" where one statement was a sample).
No benchmark runs here: a statement log written by hand."""

from __future__ import annotations

import json
import sys
from pathlib import Path

PEERS = Path(__file__).resolve().parents[1] / "benchmarks" / "peers"


def test_shift_probes_are_not_samples(tmp_path: Path) -> None:
    sys.path.insert(0, str(PEERS))  # the peers import each other as top-level modules
    try:
        import datavigil_peer
    finally:
        sys.path.remove(str(PEERS))
    scan = "SELECT sum(d) FROM src JOIN (SELECT (SELECT x FROM src WHERE x != $1 LIMIT $2) AS k0)"
    sample = "SELECT src.age FROM src WHERE src.age > $1 LIMIT $2"
    log = tmp_path / "log.json"
    rows = [{"url": "duckdb://", "sql": sql, "params": "", "exec_s": 0.5} for sql in (scan, sample)]
    log.write_text(json.dumps(rows))
    env = {"DATAVIGIL_RESULTS_URL": "sqlite://"}
    got = datavigil_peer.statement_counts(log, env, ("src",))
    assert (got["scans"], got["samples"], got["samples_s"]) == (2, 1, 0.5), got
