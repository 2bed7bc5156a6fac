"""List every CloudWatch metric that template.yaml's alarms and dashboard read, as JSON.

The metric contract (DESIGN.md) says each metric an alarm, the dashboard or the scaler reads must be one
something in the project publishes, with the same namespace, name and dimensions. This script is the
template's side of that comparison: `python tools/template_metrics.py [--namespace warmfleet]` prints a
sorted JSON list of {"namespace", "metric", "dimensions"} objects (dimension names, sorted). A wiring test
can run it, or import `metrics_read` from this file, and compare against the publishers.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from samcli.yamlhelper import yaml_parse

TEMPLATE = Path(__file__).resolve().parents[1] / "template.yaml"
MetricRead = tuple[str, str, tuple[str, ...]]
# ${Name} and ${Resource.Attribute} in a Fn::Sub body (not the ${!literal} escape).
_SUB_VARIABLE = re.compile(r"\$\{(?P<name>[^}!][^}]*)\}")
# A dashboard SEARCH expression: SEARCH('{Namespace,Dim1,Dim2} MetricName="Name" ...', 'Stat', Period).
# The schema in braces matches the metrics with exactly those dimension names; a namespace with a slash is
# quoted. https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/search-expression-syntax.html
_SEARCH = re.compile(r"SEARCH\(\s*'\{(?P<schema>[^}]*)\}(?P<terms>[^']*)'")
_METRIC_NAME_TERM = re.compile(r'MetricName\s*=\s*"(?P<name>[^"]+)"')


def _dimension_names(dimensions: list[dict[str, Any]]) -> tuple[str, ...]:
    return tuple(sorted(str(dimension["Name"]) for dimension in dimensions))


def _alarm_metrics(properties: dict[str, Any]) -> Iterator[MetricRead]:
    if "MetricName" in properties:
        yield (
            str(properties["Namespace"]),
            str(properties["MetricName"]),
            _dimension_names(properties.get("Dimensions", [])),
        )
    for query in properties.get("Metrics", []):
        stat = query.get("MetricStat")
        if stat:
            metric = stat["Metric"]
            yield (
                str(metric["Namespace"]),
                str(metric["MetricName"]),
                _dimension_names(metric.get("Dimensions", [])),
            )


def _search_metrics(expression: str) -> Iterator[MetricRead]:
    for search in _SEARCH.finditer(expression):
        namespace, *dimensions = (part.strip().strip('"') for part in search["schema"].split(","))
        name = _METRIC_NAME_TERM.search(search["terms"])
        if name is None:
            raise ValueError(f"a SEARCH without a MetricName term reads no one metric: {expression}")
        yield namespace, name["name"], tuple(sorted(dimensions))


def _dashboard_metrics(body: str) -> Iterator[MetricRead]:
    # Sub variables stand inside JSON strings; give them placeholder text so the body parses.
    document = json.loads(_SUB_VARIABLE.sub(lambda match: f"SUB_{match['name']}", body))
    for widget in document["widgets"]:
        for row in widget.get("properties", {}).get("metrics", []):
            names = [item for item in row if isinstance(item, str)]
            if not names:  # [{"expression": ..., "id": ...}]: a math or SEARCH expression
                yield from _search_metrics(str(row[0].get("expression", "")))
                continue
            # A row is [namespace, name, dim1, value1, dim2, value2, ..., {options}].
            yield names[0], names[1], tuple(sorted(names[2::2]))


def _dashboard_body(properties: dict[str, Any]) -> str:
    body = properties["DashboardBody"]
    if isinstance(body, str):
        return body
    sub = body["Fn::Sub"]
    return str(sub[0] if isinstance(sub, list) else sub)


def metrics_read(template: dict[str, Any]) -> set[MetricRead]:
    """(namespace, metric name, sorted dimension names) of every metric the alarms and dashboard read."""
    found: set[MetricRead] = set()
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::CloudWatch::Alarm":
            found.update(_alarm_metrics(resource["Properties"]))
        elif resource["Type"] == "AWS::CloudWatch::Dashboard":
            found.update(_dashboard_metrics(_dashboard_body(resource["Properties"])))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", type=Path, default=TEMPLATE)
    parser.add_argument("--namespace", help="only metrics of this namespace (e.g. warmfleet)")
    args = parser.parse_args(argv)
    template = yaml_parse(args.template.read_text(encoding="utf-8"))
    rows = [
        {"namespace": namespace, "metric": metric, "dimensions": list(dimensions)}
        for namespace, metric, dimensions in sorted(metrics_read(template))
        if args.namespace in (None, namespace)
    ]
    json.dump(rows, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
