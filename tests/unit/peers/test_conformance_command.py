"""``python -m warmfleet.conformance`` passes the KEDA, Knative and Ray Serve vectors, none skipped."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).parents[2] / "data" / "peer_vectors"
FILES = ["keda.jsonl", "knative_kpa.jsonl", "rayserve.jsonl"]


def test_conformance_command_passes_the_peer_vectors() -> None:
    # GIVEN the copied peer-vector files
    paths = [str(DATA / name) for name in FILES]

    # WHEN the conformance command evaluates them in a fresh interpreter
    completed = subprocess.run(
        [sys.executable, "-m", "warmfleet.conformance", *paths],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    # THEN every case passes, none is skipped, and each file is reported
    last = completed.stdout.strip().splitlines()[-1]
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert last.endswith(" passed, 0 failed, 0 skipped"), last
    assert int(last.split()[0]) == 22 + 13 + 25
    for name in FILES:
        assert name in completed.stdout
