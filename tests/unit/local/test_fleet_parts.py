"""The local fleet's pure parts, table-driven: the balancer's choice, reconciliation toward the desired
capacity, the report's percentiles and request summary, and the `warmfleet demo` command's refusals of bad
input (exit 2 before anything starts). No fleet and no server: the demo itself is tested in tests/e2e."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
import warmfleet.local
from warmfleet.local.fleet import Member, ReconcilePlan, plan_reconcile
from warmfleet.local.load import Outcome
from warmfleet.local.network import RoundRobin
from warmfleet.local.report import percentile, summarize_requests

from tests.conftest import EVENTS, ROOT, imported_modules

LOCAL_MODULES = sorted(i.name for i in pkgutil.walk_packages(warmfleet.local.__path__, "warmfleet.local."))
PACKAGE = ROOT / "layers" / "warmfleet" / "warmfleet"


@pytest.mark.parametrize(
    ("targets_per_call", "expected"),
    [
        pytest.param([["a", "b", "c"]] * 4, ["a", "b", "c", "a"], id="cycles-in-order"),
        pytest.param([["a"]] * 3, ["a", "a", "a"], id="one-target-gets-all"),
        pytest.param([[]], [None], id="no-target-is-none"),
        pytest.param([["a", "b"], ["b"], ["a", "b"]], ["a", "b", "a"], id="target-removed-between-calls"),
        pytest.param([["a", "b"], [], ["a", "b"]], ["a", None, "b"], id="empty-does-not-advance"),
    ],
)
def test_round_robin_choice(targets_per_call: list[list[str]], expected: list[str | None]) -> None:
    # GIVEN a fresh balancer WHEN it chooses once per target list THEN it takes the targets in turn
    balancer = RoundRobin()
    assert [balancer.choose(targets) for targets in targets_per_call] == expected


def _members(*specs: tuple[str, str, float]) -> list[Member]:
    return [Member(instance_id, state, launched) for instance_id, state, launched in specs]


@pytest.mark.parametrize(
    ("desired", "members", "expected"),
    [
        pytest.param(1, [], ReconcilePlan(1, ()), id="empty-group-launches"),
        pytest.param(
            3, _members(("i-a", "InService", 0.0)), ReconcilePlan(2, ()), id="shortfall-launches-the-rest"
        ),
        pytest.param(
            2,
            _members(("i-a", "InService", 0.0), ("i-b", "Pending:Wait", 9.0)),
            ReconcilePlan(0, ()),
            id="warming-instances-count-toward-desired",
        ),
        pytest.param(
            1,
            _members(("i-a", "InService", 0.0), ("i-b", "InService", 5.0), ("i-c", "InService", 9.0)),
            ReconcilePlan(0, ("i-c", "i-b")),
            id="surplus-terminates-newest-first",
        ),
        pytest.param(
            2,
            _members(("i-a", "InService", 0.0), ("i-b", "Pending:Wait", 1.0), ("i-c", "InService", 9.0)),
            ReconcilePlan(0, ("i-b",)),
            id="surplus-gives-up-a-launch-before-a-server",
        ),
        pytest.param(0, _members(("i-a", "InService", 0.0)), ReconcilePlan(0, ("i-a",)), id="desired-zero"),
        pytest.param(
            -1, _members(("i-a", "InService", 0.0)), ReconcilePlan(0, ("i-a",)), id="negative-desired-as-zero"
        ),
    ],
)
def test_plan_reconcile(desired: int, members: Sequence[Member], expected: ReconcilePlan) -> None:
    # GIVEN the instances that count toward the desired capacity WHEN planned THEN launches or terminations
    assert plan_reconcile(desired, members) == expected


@pytest.mark.parametrize(
    ("values", "share", "expected"),
    [
        pytest.param([], 0.5, None, id="none-for-no-values"),
        pytest.param([7.0], 0.95, 7.0, id="single-value"),
        pytest.param([float(v) for v in range(1, 101)], 0.95, 95.0, id="p95-of-1-to-100"),
        pytest.param([float(v) for v in range(1, 101)], 0.5, 50.0, id="p50-of-1-to-100"),
        pytest.param([3.0, 1.0, 2.0], 1.0, 3.0, id="max-unsorted"),
    ],
)
def test_percentile(values: list[float], share: float, expected: float | None) -> None:
    assert percentile(values, share) == expected


def test_summary_counts_failures_and_times_only_successes() -> None:
    # GIVEN two successes, a 503 from the balancer and a request that got no answer
    outcomes = [
        Outcome(0.0, 0.1, 200),
        Outcome(1.0, 0.3, 200),
        Outcome(2.0, 0.001, 503, "no InService target"),
        Outcome(3.0, 5.0, 0, "connection refused"),
    ]
    # WHEN summarised
    summary = summarize_requests(outcomes)
    # THEN both failures count, with their reasons, and latency is over the successes only
    assert (summary["sent"], summary["succeeded"], summary["failed"]) == (4, 2, 2)
    assert summary["latency_ms"] == {"p50": 100.0, "p95": 300.0, "max": 300.0}
    assert [f["status"] for f in summary["failures"]] == [503, 0]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param(["--rate", "0"], "--rate 0 must be in (0, 1]", id="rate-zero"),
        pytest.param(["--rate", "1.5"], "--rate 1.5 must be in (0, 1]", id="rate-above-one"),
        pytest.param(["--duration", "0"], "must be positive", id="duration-zero"),
        pytest.param(["--max-size", "1"], "no room to scale out", id="max-size-one"),
        pytest.param(["--trace", "no/such/trace.csv"], "does not exist", id="missing-trace"),
        pytest.param(["--offset", "99999"], "no request in the slice", id="slice-past-the-trace"),
        pytest.param(["--target", "-1"], "--target must be positive", id="negative-target"),
        pytest.param(["--batch-window-ms", "-5"], "cannot be negative", id="negative-batch-window"),
        pytest.param(["--policy", "no/such/policy.json"], "no/such/policy.json", id="missing-policy"),
        pytest.param(
            ["--policy", str(EVENTS / "demo" / "policy-invalid.json")],
            "invalid policy: signals.0.target",
            id="invalid-policy",
        ),
    ],
)
def test_demo_refuses_bad_input_before_starting_anything(
    arguments: list[str], message: str, tmp_path: Path
) -> None:
    # GIVEN bad options WHEN the command runs
    out = tmp_path / "out"
    command = [str(Path(sys.executable).parent / "warmfleet"), "demo", "--out", str(out), *arguments]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False, timeout=60)
    # THEN it says why, exits 2, and wrote nothing
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("name", ["warmfleet.local", *LOCAL_MODULES])
def test_docstring_examples_run(name: str) -> None:
    assert doctest.testmod(importlib.import_module(name)).failed == 0


def test_the_lambda_side_never_imports_the_local_fleet() -> None:
    # GIVEN every module of the layer outside warmfleet.local and the command line, and every function
    files = [p for p in PACKAGE.rglob("*.py") if "local" not in p.parts and not p.name.startswith("cli")]
    files += list((ROOT / "functions").rglob("*.py"))
    offenders = [
        f"{path.name}: {name}"
        for path in files
        for name in imported_modules(path)
        if name.startswith("warmfleet.local")
    ]
    # THEN none imports it
    assert files and offenders == []


def test_the_command_line_loads_neither_the_fleet_nor_matplotlib() -> None:
    modules = "('matplotlib', 'warmfleet.local', 'moto')"
    code = f"import sys, warmfleet.cli; print(sorted(m for m in {modules} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
