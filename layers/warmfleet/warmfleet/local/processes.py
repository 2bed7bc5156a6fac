"""Every process the demo starts, and stopping them by process id.

The bootstrap starts each instance's server and agent in sessions of their own and records their pids; the
demo starts the bootstrap itself in a new session too. `ProcessBook` remembers every pid it was told about,
stops a session with SIGTERM (the agent and the server drain on it) and SIGKILL after a grace period, and
says which are still alive — the demo's last check is that none is.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterable


def alive(pid: int) -> bool:
    """True while `pid` exists and is not a zombie of ours (reaped here when it is)."""
    try:
        reaped, _ = os.waitpid(pid, os.WNOHANG)
        if reaped == pid:
            return False
    except ChildProcessError:
        pass  # not our child: only signal 0 can tell
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


class ProcessBook:
    """The pids the demo started (each the leader of its own session)."""

    def __init__(self) -> None:
        self.started: list[int] = []

    def add(self, pid: int) -> None:
        if pid not in self.started:
            self.started.append(pid)

    def stop(self, pids: Iterable[int], grace_seconds: float = 10.0) -> None:
        """SIGTERM each session, wait up to `grace_seconds` for all, then SIGKILL what is left."""
        pending = [pid for pid in pids if alive(pid)]
        for pid in pending:
            _signal_session(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_seconds
        while pending and time.monotonic() < deadline:
            time.sleep(0.05)
            pending = [pid for pid in pending if alive(pid)]
        for pid in pending:
            _signal_session(pid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while pending and time.monotonic() < deadline:
            time.sleep(0.05)
            pending = [pid for pid in pending if alive(pid)]

    def stop_all(self) -> None:
        self.stop(self.started)

    def still_alive(self) -> list[int]:
        return [pid for pid in self.started if alive(pid)]


def _signal_session(pid: int, signum: signal.Signals) -> None:
    """Signal the process group `pid` leads (its children too), or `pid` alone if it leads none."""
    try:
        os.killpg(pid, signum)
    except ProcessLookupError:
        return
    except PermissionError:
        os.kill(pid, signum)
