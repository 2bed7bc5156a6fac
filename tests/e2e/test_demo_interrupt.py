"""Ctrl-C in the middle of `warmfleet demo` stops every process it started, by pid, and exits 130.

The demo logs the pid of every process it starts (each bootstrap, and the server and agent each bootstrap
started); the test interrupts it once the first instance serves the replay, then checks each of those pids
is gone.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import alive

pytestmark = pytest.mark.slow

PID = re.compile(r"\b(?:bootstrap|server|agent) pid (\d+)")


def test_ctrl_c_stops_every_process_it_started(tmp_path: Path) -> None:
    # GIVEN a demo whose first instance is serving the replay
    command = [
        str(Path(sys.executable).parent / "warmfleet"),
        "demo",
        "--out",
        str(tmp_path),
        "--duration",
        "60",
    ]
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    demo = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in demo.stdout or []:
            lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    seen: list[str] = []
    deadline = time.monotonic() + 240
    try:
        while not any("replaying" in line for line in seen):
            assert time.monotonic() < deadline and demo.poll() is None, "".join(seen)
            try:
                seen.append(lines.get(timeout=1))
            except queue.Empty:
                continue
        # WHEN it gets Ctrl-C
        demo.send_signal(signal.SIGINT)
        _, stderr = demo.communicate(timeout=120)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    reader.join(timeout=5)
    while not lines.empty():
        seen.append(lines.get())
    pids = [int(pid) for line in seen for pid in PID.findall(line)]
    # THEN it says so, exits 130, and every process it started (bootstrap, server, agent) is gone
    assert demo.returncode == 130, stderr
    assert "interrupted" in stderr
    assert len(pids) >= 3, "".join(seen)
    assert [pid for pid in pids if alive(pid)] == []
    assert not (tmp_path / "demo.json").exists()
