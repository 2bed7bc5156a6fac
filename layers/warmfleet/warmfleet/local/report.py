"""The demo's result: the JSON document (schema `warmfleet.demo/1`), its summary lines and its plot.

`summarize_requests` and `percentile` are pure. The document carries the settings, the trace slice, every
request's outcome summarised (failures with their first reasons), every scaling action the scaler took with
its reason, every lifecycle outcome, each instance's life, a per-second timeline of the group and the pids
still alive after the stop (which must be none). The plot shows the instances by state and the desired
capacity over time, with the request rate under them; matplotlib is imported only to draw it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from warmfleet.local.load import Outcome

SCHEMA = "warmfleet.demo/1"


def percentile(values: Sequence[float], share: float) -> float | None:
    """The nearest-rank percentile (`share` in (0, 1]); None for no values.

    >>> percentile([4.0, 1.0, 3.0, 2.0], 0.5), percentile([], 0.95)
    (2.0, None)
    """
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summarize_requests(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Counts, latency percentiles in milliseconds (successful requests) and the first failures."""
    latencies = [o.seconds * 1000 for o in outcomes if not o.failed]
    failures = [o for o in outcomes if o.failed]

    def ms(share: float) -> float | None:
        value = percentile(latencies, share)
        return None if value is None else round(value, 1)

    return {
        "sent": len(outcomes),
        "succeeded": len(outcomes) - len(failures),
        "failed": len(failures),
        "latency_ms": {"p50": ms(0.5), "p95": ms(0.95), "max": ms(1.0)},
        "failures": [{"t": round(o.sent_at, 2), "status": o.status, "error": o.error} for o in failures[:20]],
    }


def summary_lines(document: Mapping[str, Any]) -> list[str]:
    requests, latency = document["requests"], document["requests"]["latency_ms"]
    lines = [
        f"requests: {requests['sent']} sent, {requests['succeeded']} succeeded, {requests['failed']} failed; "
        f"latency p50 {latency['p50']} ms, p95 {latency['p95']} ms",
        f"instances: {len(document['instances'])} launched, at most {document['max_in_service']} in service",
        "scaling actions (the scaler's reasons):",
    ]
    lines += [
        f"  t={action['t']:7.1f}s  {action['previous']} -> {action['desired']}  {action['reason']}: "
        f"{action['message']}"
        for action in document["scaling"]
    ] or ["  none"]
    lines.append("lifecycle (the lifecycle function's outcomes):")
    lines += [
        f"  t={item['t']:7.1f}s  {item.get('instanceId') or '-':20} {item['event']:40} {item['reason']}"
        for item in document["lifecycle"]
        if item.get("instanceId")
    ]
    alive = document["processes"]["alive_after_stop"]
    lines.append(
        f"processes: {len(document['processes']['started'])} started, "
        f"{len(alive)} alive after the stop{'' if not alive else ': ' + str(alive)}"
    )
    return lines


def write_json(document: Mapping[str, Any], path: Path) -> Path:
    path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return path


def write_plot(document: Mapping[str, Any], path: Path) -> Path:
    """Instances by state and the desired capacity on top, requests per second below."""
    import matplotlib  # noqa: PLC0415 - lazily: the layer never needs matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    rows = document["timeline"]
    seconds = [row["t"] for row in rows]
    figure, (fleet, load) = plt.subplots(
        2, 1, figsize=(11, 7), sharex=True, gridspec_kw={"height_ratios": [3, 2]}
    )
    for key, label, style in (
        ("desired", "desired capacity", {"color": "black", "linestyle": "--"}),
        ("in_service", "InService", {"color": "tab:green", "linewidth": 2.5}),
        ("pending", "Pending:Wait (warming)", {"color": "tab:orange"}),
        ("terminating", "Terminating:Wait (draining)", {"color": "tab:red"}),
    ):
        fleet.step(seconds, [row[key] for row in rows], where="post", label=label, **style)
    for action in document["scaling"]:
        fleet.axvline(action["t"], color="grey", alpha=0.3)
    fleet.set_ylabel("instances")
    fleet.legend(loc="upper right")
    fleet.set_title(f"warmfleet demo: {document['trace']['file']} (real processes, moto, real handlers)")
    load.step(seconds, [row["rps"] for row in rows], where="post", color="tab:blue", label="sent")
    load.step(seconds, [row["failed"] for row in rows], where="post", color="tab:red", label="failed")
    load.set_ylabel("requests / second")
    load.set_xlabel("seconds from the start of the demo")
    load.legend(loc="upper right")
    figure.tight_layout()
    figure.savefig(path, format="png", dpi=100)
    plt.close(figure)
    return path
