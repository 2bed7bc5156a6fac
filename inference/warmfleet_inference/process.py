"""How the instance's two processes end: the exit codes of server and agent, and the default drain timeout.

systemd's restart policy keys on these codes (`inference/systemd/*.service`): a drain is the end of an
instance's life, so a process that exits after one, cleanly (0) or with work cut short by the drain timeout
(`DRAIN_CUT_SHORT`), must not be restarted on an instance that is terminating; a crash (1, or a signal) is
restarted; options that cannot work (`USAGE`) are not, since a restart cannot fix them. The default drain
timeout is the stack's (`DrainTimeoutSeconds`); the bootstrap passes the stack's value to both processes and
gives systemd `DRAIN_STOP_MARGIN_SECONDS` more before it kills either.
"""

from __future__ import annotations

from enum import IntEnum

DEFAULT_DRAIN_TIMEOUT_SECONDS = 300.0
# What systemd's TimeoutStopSec adds to the drain timeout: the exit after the drain (uvicorn's graceful
# shutdown, the agent's last PutEvents) must fit in it.
DRAIN_STOP_MARGIN_SECONDS = 30


class ExitCode(IntEnum):
    """The exit status of `warmfleet-inference serve` and `warmfleet-inference agent`."""

    OK = 0  # drained: every accepted request answered / Instance Drained sent
    FAILED = 1  # a crash (Python's own status for an uncaught exception): systemd restarts it
    USAGE = 2  # options that cannot work together (argparse's status too)
    DRAIN_CUT_SHORT = 3  # the drain ended without finishing: timeout, or Instance Drained unsent
