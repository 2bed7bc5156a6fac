"""Metric wiring (DESIGN.md, the metric contract): every metric an alarm, the dashboard or the scaler reads is
published by something in the project, with the same namespace, name and dimension names.

Both sides are extracted from the code, never listed here:

* read: the template's alarms and dashboard (`tools/template_metrics.py`), and the scaler's own
  GetMetricData queries, built by the same functions the scaler calls (`warmfleet.signals`);
* published: the agent's PutMetricData payload (`build_metric_data` with every reading present), the lifecycle
  function's Powertools metrics (its `add_metric` calls and its default dimensions, read from the source),
  the scaler's EMF documents (emitted for a real decision and parsed), and AWS's own namespaces with the
  dimensions AWS documents for them.
"""

from __future__ import annotations

import ast
import importlib.util
import json
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from samcli.yamlhelper import yaml_parse
from warmfleet.core import DecisionInputs, Policy, decide
from warmfleet.handlers.scaler_act import emit_decision_metrics
from warmfleet.signals import IN_FLIGHT_METRIC, metric_sources
from warmfleet.signals.cloudwatch import MetricQuery, build_signal_queries
from warmfleet.signals.instances import build_instance_queries
from warmfleet.signals.warmup import build_warmup_query
from warmfleet.signals.warmup_lead import build_warmup_lead_queries
from warmfleet_inference.agent.metrics import NAMESPACE, IntervalReading, build_metric_data

ROOT = Path(__file__).resolve().parents[2]
Metric = tuple[str, str, tuple[str, ...]]  # namespace, name, sorted dimension names

# Metrics AWS publishes, with the dimension sets its documentation lists for them:
# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html
# https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-metrics.html
AWS_DIMENSIONS: dict[str, set[tuple[str, ...]]] = {
    "AWS/SQS": {("QueueName",)},
    "AWS/ApplicationELB": {
        ("LoadBalancer",),
        ("LoadBalancer", "TargetGroup"),
        ("AvailabilityZone", "LoadBalancer"),
        ("AvailabilityZone", "LoadBalancer", "TargetGroup"),
        ("TargetGroup",),
    },
    "AWS/AutoScaling": {("AutoScalingGroupName",)},
}


def template_reads() -> set[Metric]:
    spec = importlib.util.spec_from_file_location("template_metrics", ROOT / "tools" / "template_metrics.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    template = yaml_parse((ROOT / "template.yaml").read_text(encoding="utf-8"))
    return set(module.metrics_read(template))


def _query_metric(query: MetricQuery) -> Metric:
    return query.namespace, query.metric_name, tuple(sorted(name for name, _ in query.dimensions))


def scaler_reads() -> set[Metric]:
    """The scaler's queries: every signal it can read by default, the warm-up figures (the tick's and the
    schedules' pre-warm lead), the scale-in choice."""
    queries = [
        *build_signal_queries(list(metric_sources().values()), "group"),
        build_warmup_query("group", period_seconds=900),
        *build_warmup_lead_queries("group"),
        *build_instance_queries(IN_FLIGHT_METRIC, "group", ["i-0123456789abcdef0"]),
    ]
    return {_query_metric(query) for query in queries}


def agent_publishes() -> set[Metric]:
    reading = IntervalReading(**{field.name: 1.0 for field in fields(IntervalReading)})
    data = build_metric_data(reading, group="group", instance_id="i-0", timestamp=datetime.now(UTC))
    return {(NAMESPACE, d["MetricName"], tuple(sorted(x["Name"] for x in d["Dimensions"]))) for d in data}


def _string_values(function: ast.AST, name: str) -> set[str]:
    """String constants assigned to `name` in `function` (both arms of a conditional expression)."""
    values: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            values |= {
                c.value
                for c in ast.walk(node.value)
                if isinstance(c, ast.Constant) and isinstance(c.value, str)
            }
    return values


def lifecycle_publishes() -> set[Metric]:
    """The lifecycle's `add_metric` names under the namespace and default dimensions its app.py sets."""
    app = ast.parse((ROOT / "functions" / "lifecycle" / "app.py").read_text())
    namespaces = {
        str(kw.value.value)
        for node in ast.walk(app)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Metrics"
        for kw in node.keywords
        if kw.arg == "namespace" and isinstance(kw.value, ast.Constant)
    }
    dimensions = {
        tuple(sorted(str(kw.arg) for kw in node.keywords))
        for node in ast.walk(app)
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "set_default_dimensions"
    }
    names: set[str] = set()
    for path in sorted((ROOT / "layers" / "warmfleet" / "warmfleet" / "lifecycle").glob("*.py")):
        for function in ast.walk(ast.parse(path.read_text())):
            if not isinstance(function, ast.FunctionDef):
                continue
            for call in ast.walk(function):
                if (
                    isinstance(call, ast.Call)
                    and getattr(call.func, "attr", None) == "add_metric"
                    and call.args
                ):
                    first = call.args[0]
                    if isinstance(first, ast.Constant) and isinstance(first.value, str):
                        names.add(first.value)
                    elif isinstance(first, ast.Name):
                        names |= _string_values(function, first.id)
    return {(namespace, name, dims) for namespace in namespaces for name in names for dims in dimensions}


def scaler_publishes(capsys: pytest.CaptureFixture[str]) -> set[Metric]:
    """The EMF documents the scaler prints for a real decision (a signal per kind, so each proposal shows)."""
    policy = Policy.model_validate(
        {
            "signals": [
                {"name": "InFlightRequests", "target": 4},
                {"name": "QueueBacklog", "kind": "total", "target": 10},
            ]
        }
    )
    now = datetime(2026, 11, 27, tzinfo=UTC)
    inputs = DecisionInputs.model_validate(
        {
            "group": {"min_size": 1, "max_size": 10, "desired_capacity": 2},
            "instances": [
                {
                    "instance_id": f"i-{n}",
                    "lifecycle_state": "InService",
                    "launch_time": "2026-11-26T00:00:00Z",
                }
                for n in range(2)
            ],
            "signals": [
                {"name": "InFlightRequests", "value": 8, "timestamp": now.isoformat()},
                {"name": "QueueBacklog", "value": 30, "timestamp": now.isoformat()},
            ],
        }
    )
    capsys.readouterr()
    emit_decision_metrics("group", decide(inputs, policy, None, now=now), collector_errors=0)
    published: set[Metric] = set()
    for line in capsys.readouterr().out.splitlines():
        document: dict[str, Any] = json.loads(line)
        for directive in document["_aws"]["CloudWatchMetrics"]:
            for dimension_set in directive["Dimensions"]:
                for metric in directive["Metrics"]:
                    published.add((directive["Namespace"], metric["Name"], tuple(sorted(dimension_set))))
    return published


def aws_publishes(metric: Metric) -> bool:
    return metric[2] in AWS_DIMENSIONS.get(metric[0], set())


@pytest.fixture
def published(capsys: pytest.CaptureFixture[str]) -> set[Metric]:
    return agent_publishes() | lifecycle_publishes() | scaler_publishes(capsys)


READS = sorted({("template", m) for m in template_reads()} | {("scaler", m) for m in scaler_reads()})


@pytest.mark.parametrize(
    ("reader", "metric"), [pytest.param(r, m, id=f"{r}:{m[0]}/{m[1]}{{{','.join(m[2])}}}") for r, m in READS]
)
def test_every_metric_read_is_published(reader: str, metric: Metric, published: set[Metric]) -> None:
    # GIVEN a metric that an alarm, the dashboard or the scaler reads
    # THEN the project (or AWS, in its own namespaces) publishes it with that namespace, name and dimensions
    assert metric in published or aws_publishes(metric), f"{reader} reads {metric}, which nothing publishes"


def test_extractors_find_every_publisher(published: set[Metric]) -> None:
    # GIVEN the publishers as extracted from their code
    # THEN each one is found: the agent twice per metric, the lifecycle's three, the scaler's own
    names = {name for _, name, _ in published}
    assert {"GPUUtilization", "InFlightRequests", "RequestLatencyP95", "QueueWorkerBusy"} <= names
    assert ("warmfleet", "InFlightRequests", ("AutoScalingGroupName", "InstanceId")) in published
    assert {"WarmupSeconds", "DrainSeconds", "Abandoned"} <= names
    assert {"DesiredCapacity", "ProposedCapacity", "Decisions"} <= names
    assert len(READS) > 10


@pytest.mark.parametrize(
    "metric",
    [
        pytest.param(("warmfleet", "InflightRequests", ("AutoScalingGroupName",)), id="misspelt-name"),
        pytest.param(("warmfleet", "InFlightRequests", ("InstanceId",)), id="dimensions-differ"),
        pytest.param(("CWAgent", "InFlightRequests", ("AutoScalingGroupName",)), id="other-namespace"),
        pytest.param(
            ("warmfleet", "DesiredCapacity", ("AutoScalingGroupName", "service")), id="powertools-service"
        ),
        pytest.param(
            ("AWS/SQS", "ApproximateNumberOfMessagesVisible", ("Queue",)), id="aws-undocumented-dims"
        ),
    ],
)
def test_a_mismatch_is_caught(metric: Metric, published: set[Metric]) -> None:
    # GIVEN a read that differs from every publisher in one respect, THEN the comparison rejects it
    assert metric not in published and not aws_publishes(metric)
