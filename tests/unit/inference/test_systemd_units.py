"""The shipped systemd units agree with the processes they run: stop timeouts and restart policy."""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest
from warmfleet_inference.process import DEFAULT_DRAIN_TIMEOUT_SECONDS, DRAIN_STOP_MARGIN_SECONDS, ExitCode

UNITS = Path(__file__).resolve().parents[3] / "inference" / "systemd"


def _service(name: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read_string((UNITS / name).read_text())
    return parser["Service"]


@pytest.mark.parametrize(
    "unit",
    [
        pytest.param("warmfleet-server.service", id="server"),
        pytest.param("warmfleet-agent.service", id="agent"),
    ],
)
def test_a_drained_process_is_never_killed_mid_drain_nor_restarted(unit: str) -> None:
    # GIVEN the unit as the bootstrap installs it (before its drain-timeout drop-in)
    service = _service(unit)
    # THEN systemd waits the default drain timeout plus the margin before it kills the process
    assert int(service["TimeoutStopSec"]) == DEFAULT_DRAIN_TIMEOUT_SECONDS + DRAIN_STOP_MARGIN_SECONDS
    # AND a crash is restarted, but not the end of a drain (clean or cut short) nor unusable options
    assert service["Restart"] == "on-failure"  # a clean exit (0, a finished drain) is never restarted
    prevented = {int(code) for code in service["RestartPreventExitStatus"].split()}
    assert prevented == {ExitCode.DRAIN_CUT_SHORT, ExitCode.USAGE}
    assert ExitCode.FAILED not in prevented
