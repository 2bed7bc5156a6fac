"""`warmfleet simulate`: a run writes its JSON and PNG; bad input exits 2 with a reason and writes nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from warmfleet.cli import main

from tests.conftest import EVENTS, ROOT

CONV = ROOT / "tests" / "data" / "traces" / "AzureLLMInferenceTrace_conv.csv"
SERVEGEN = ROOT / "tests" / "data" / "traces" / "servegen_m-large_total_10min.csv"
BIN = Path(sys.executable).parent
SHORT = ["--trace", str(CONV), "--duration", "120"]


def test_simulate_prints_a_row_per_policy_and_writes_its_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN two minutes of the conversation trace
    out = tmp_path / "out"
    # WHEN warmfleet and the oracle are simulated
    code = main(["simulate", *SHORT, "--policy", "warmfleet", "--policy", "oracle", "--out", str(out)])
    printed = capsys.readouterr().out
    # THEN it exits 0, prints one line per policy and writes the result file and the plot
    assert code == 0
    assert [line.split()[0] for line in printed.splitlines()[2:4]] == ["warmfleet", "oracle"]
    document = json.loads((out / "simulation.json").read_text())
    assert [row["policy"] for row in document["policies"]] == ["warmfleet", "oracle"]
    assert document["trace"]["duration_seconds"] == 120.0
    assert (out / "simulation.png").read_bytes()[:4] == b"\x89PNG"


def test_model_flags_reach_the_model(tmp_path: Path) -> None:
    # GIVEN command-line constants WHEN simulated without a plot THEN the result file records them
    argv = ["simulate", *SHORT, "--policy", "fixed", "--out", str(tmp_path), "--no-plot"]
    flags = ["--concurrency", "4", "--slo-ttft", "1.5", "--metric-period", "60", "--seed", "9", "--no-alarm"]
    assert main([*argv, *flags]) == 0
    document = json.loads((tmp_path / "simulation.json").read_text())
    model = document["model"]
    assert (model["concurrency"], model["slo_ttft_seconds"], model["metric_period_seconds"]) == (4, 1.5, 60.0)
    assert model["alarm_threshold"] is None
    assert document["seed"] == 9
    assert not (tmp_path / "simulation.png").exists()


def test_trace_b_runs_with_a_token_source(tmp_path: Path) -> None:
    # GIVEN half an hour of trace B, its rate divided by 200, tokens drawn from the conversation trace
    argv = ["simulate", "--trace", str(SERVEGEN), "--tokens-from", str(CONV), "--duration", "1800"]
    # WHEN warmfleet is simulated
    assert (
        main([*argv, "--divisor", "200", "--policy", "warmfleet", "--out", str(tmp_path), "--no-plot"]) == 0
    )
    # THEN the result records the generated trace: its windows' counts / 200, and how they were made
    document = json.loads((tmp_path / "simulation.json").read_text())
    assert document["trace"]["requests"] == sum(round(n / 200) for n in (127668, 107819, 112633))
    assert document["trace"]["sources"][1:] == [
        "tokens: AzureLLMInferenceTrace_conv.csv",
        "rate / 200",
        "seed 1",
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["--trace", "absent.csv"], "absent.csv", id="missing-trace"),
        pytest.param([*SHORT, "--policy", "autopilot"], "unknown policy autopilot", id="unknown-policy"),
        pytest.param([*SHORT, "--speed", "0"], "speed and duration must be > 0", id="zero-speed"),
        pytest.param([*SHORT, "--concurrency", "0"], "concurrency must be > 0", id="no-slots"),
        pytest.param([*SHORT, "--fixed-size", "-2"], "--fixed-size must be >= 0", id="negative-fixed-size"),
        pytest.param(
            [*SHORT, "--warmfleet-policy", str(EVENTS / "sim" / "policy_unknown_signal.yaml")],
            "publishes only InFlightRequests",
            id="policy-with-an-unmodelled-signal",
        ),
        pytest.param([*SHORT, "--warmfleet-policy", str(CONV)], "not valid", id="policy-not-a-document"),
        pytest.param(["--trace", str(SERVEGEN)], "trace B has no token counts", id="trace-b-without-tokens"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN one bad argument WHEN simulate runs
    out = tmp_path / "out"
    code = main(["simulate", *argv, "--out", str(out)])
    # THEN it exits 2 with the reason on stderr, and creates nothing
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_a_malformed_row_exits_2_without_a_traceback(tmp_path: Path) -> None:
    # GIVEN a trace whose fourth line (after the header and two good rows) has no such second
    trace = tmp_path / "broken.csv"
    trace.write_bytes(b"\r\n".join([*CONV.read_bytes().split(b"\r\n")[:3], b"2023-11-16 18:15:99.0,1,1"]))
    # WHEN the console script simulates it
    result = subprocess.run(
        [str(BIN / "warmfleet"), "simulate", "--trace", str(trace), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    # THEN it exits 2 naming the file and line, and prints no traceback
    assert result.returncode == 2
    assert f"{trace}:4: second must be in 0..59" in result.stderr
    assert "Traceback" not in result.stderr
