"""`warmfleet demo` end to end: a short run of the whole system on this machine.

One run per module (about two minutes): moto's server, the version published with the real command, instances
started by the real bootstrap (real server and agent processes), the real lifecycle and scaler handlers,
and 40 s of trace A replayed through the balancer. The run must scale out and back in through the
hooks (every instance CONTINUEd only after its warm-up was verified, every removed one only after it
drained), fail no request, leave no process behind, and write its JSON and PNG.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import alive

# Real processes and servers, all on loopback; part of `make test`.
pytestmark = pytest.mark.slow

# Trace A's eleventh minute: 40 s of sustained load (5 to 14 requests/s in every 5-s bin but one), then
# nothing, so the group comes back to one. The agent samples the server's in-flight gauge every 10 s, and with
# the server's batch window that gauge is a sawtooth (0 up to ~20 every 1.5 s): a target of 1 makes any
# sample but the lowest propose more instances, so the scale-out does not hang on where the samples fall.
DEMO_ARGUMENTS = [
    "--offset",
    "600",
    "--duration",
    "40",
    "--target",
    "1",
    "--max-size",
    "3",
    "--cooldown",
    "90",
]


@dataclass(frozen=True)
class Run:
    result: subprocess.CompletedProcess[str]
    document: dict[str, Any]
    out: Path


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    # GIVEN nothing running WHEN the README's demo command runs, shortened
    out = tmp_path_factory.mktemp("demo")
    command = [str(Path(sys.executable).parent / "warmfleet"), "demo", "--out", str(out), *DEMO_ARGUMENTS]
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    result = subprocess.run(
        command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=420, check=False
    )
    document_path = out / "demo.json"
    assert document_path.is_file(), f"no demo.json; stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    yield Run(result, json.loads(document_path.read_text()), out)


def test_it_exits_0_with_zero_failed_requests(run: Run) -> None:
    # THEN every replayed request succeeded, and the command says so with its exit code
    requests = run.document["requests"]
    assert run.result.returncode == 0, run.result.stderr[-3000:]
    assert requests["sent"] > 50 and requests["failed"] == 0 and requests["succeeded"] == requests["sent"]
    assert run.document["ok"] is True
    assert "0 failed" in run.result.stdout


def test_the_scaler_scaled_out_and_back_in(run: Run) -> None:
    # THEN the real scaler raised the desired capacity above 1, with its reasons, and lowered it back to 1
    actions = run.document["scaling"]
    assert any(a["desired"] > a["previous"] for a in actions), actions
    assert actions[-1]["desired"] == 1 and all(a["reason"] and a["message"] for a in actions)
    assert run.document["max_in_service"] >= 2
    last = run.document["timeline"][-1]
    assert (last["desired"], last["in_service"], last["pending"], last["terminating"]) == (1, 1, 0, 0)


def test_every_launch_was_continued_only_after_its_warm_up_was_verified(run: Run) -> None:
    lifecycle, instances = run.document["lifecycle"], run.document["instances"]
    served = [i for i in instances if i["in_service_t"] is not None]
    assert len(served) >= 2
    for instance in served:
        mine = [o for o in lifecycle if o.get("instanceId") == instance["id"]]
        events = [(o["event"], o["reason"]) for o in mine]
        # THEN the launch action was recorded, then `Instance Warm` verified over HTTP and CONTINUEd
        assert events[:2] == [
            ("EC2 Instance-launch Lifecycle Action", "new-action"),
            ("Instance Warm", "verified"),
        ]
        assert instance["launched_t"] < instance["in_service_t"] and instance["bootstrap_exit"] == 0
    assert len(run.document["gate_metrics"]["WarmupSeconds"]) == len(served)
    # AND the balancer sent every request to an instance the gate had let in, none to any other
    assert sum(i["requests"] for i in served) == run.document["requests"]["sent"]
    assert all(i["requests"] == 0 for i in instances if i["in_service_t"] is None)


def test_every_removed_instance_was_terminated_only_after_it_drained(run: Run) -> None:
    instances = run.document["instances"]
    removed = [i for i in instances if i["terminated_t"] is not None]
    assert len(removed) >= 1 and len(removed) == len(instances) - 1
    for instance in removed:
        mine = [
            (o["event"], o["reason"])
            for o in run.document["lifecycle"]
            if o.get("instanceId") == instance["id"]
        ]
        assert instance["terminating_t"] < instance["terminated_t"]
        if instance["in_service_t"] is None:
            # THEN a launch given up before it served is let go at once (a slow machine's scale-in)
            assert ("EC2 Instance-terminate Lifecycle Action", "never-in-service") in mine
            continue
        # THEN the terminate action marked it draining, and only `Instance Drained` let it go
        terminate = mine.index(("EC2 Instance-terminate Lifecycle Action", "new-action"))
        assert ("Instance Drained", "drained") in mine[terminate:]
    drained = [i for i in removed if i["in_service_t"] is not None]
    assert len(drained) >= 1 and len(run.document["gate_metrics"]["DrainSeconds"]) == len(drained)


def test_every_process_it_started_is_gone(run: Run) -> None:
    processes = run.document["processes"]
    # THEN it started the bootstraps, servers and agents (3 per instance) and stopped every one
    instances = run.document["instances"]
    served = [i for i in instances if i["in_service_t"] is not None]
    assert 3 * len(served) <= len(processes["started"]) <= 3 * len(instances)
    assert processes["alive_after_stop"] == []
    assert [pid for pid in processes["started"] if alive(pid)] == []


def test_the_result_document_and_plot(run: Run) -> None:
    document = run.document
    # THEN the JSON has the schema's sections and the PNG is a PNG
    assert document["schema"] == "warmfleet.demo/1"
    assert set(document) >= {
        "settings", "trace", "requests", "scaling", "lifecycle", "instances", "timeline", "processes",
        "gate_metrics", "max_in_service", "wall_seconds", "ok",
    }  # fmt: skip
    assert document["trace"]["file"] == "AzureLLMInferenceTrace_code.csv"
    assert set(document["requests"]["latency_ms"]) == {"p50", "p95", "max"}
    assert document["requests"]["latency_ms"]["p95"] >= document["requests"]["latency_ms"]["p50"] > 0
    assert all(
        set(row) == {"t", "desired", "pending", "in_service", "terminating", "rps", "failed"}
        for row in document["timeline"]
    )
    assert (run.out / "demo.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
