"""A simulation's outcome per policy: requests, share within the SLO, percentiles, instance-hours, actions.

:func:`summarize` turns one run (or the oracle) into the figures the README and the result file report;
:func:`write_json` writes the whole result (trace, model constants, seed, summaries, timelines);
:func:`write_plot` draws load and capacity over time to a PNG. matplotlib is imported inside
:func:`write_plot` only, so nothing else here (or in the Lambda layer) pulls it in.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from warmfleet.sim.fleet import RunResult
from warmfleet.sim.model import FleetModel
from warmfleet.sim.oracle import OracleResult
from warmfleet.sim.trace import Trace

#: Bumped when the result file's layout changes.
RESULT_VERSION = 1


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile of already sorted ``values`` (None when empty).

    >>> percentile([1.0, 2.0, 3.0, 4.0], 0.5), percentile([1.0, 2.0, 3.0, 4.0], 0.99), percentile([], 0.5)
    (2.0, 4.0, None)
    """
    if not values:
        return None
    return values[max(0, math.ceil(share * len(values)) - 1)]


def summarize(
    name: str,
    *,
    ttft: Sequence[float],
    latency: Sequence[float],
    instance_seconds: float,
    scaling_actions: int,
    model: FleetModel,
    peak_instances: int,
) -> dict[str, Any]:
    """One policy's row: a request never served (NaN) counts as outside the SLO and in no percentile."""
    served_ttft = sorted(t for t in ttft if not math.isnan(t))
    served_latency = sorted(t for t in latency if not math.isnan(t))
    within = sum(1 for t in served_ttft if t <= model.slo_ttft_seconds)
    row: dict[str, Any] = {
        "policy": name,
        "requests": len(ttft),
        "served": len(served_ttft),
        "within_slo": within / len(ttft) if ttft else 1.0,
    }
    for label, values in (("ttft", served_ttft), ("latency", served_latency)):
        for share in (50, 95, 99):
            found = percentile(values, share / 100)
            row[f"{label}_p{share}_seconds"] = None if found is None else round(found, 4)
    row["instance_hours"] = round(instance_seconds / 3600, 4)
    row["scaling_actions"] = scaling_actions
    row["peak_instances"] = peak_instances
    return row


def summarize_run(run: RunResult, model: FleetModel) -> dict[str, Any]:
    """:func:`summarize` for a simulated policy; peak instances are the most launched or serving at a tick."""
    peak = max((t.warming + t.ready + t.draining for t in run.timeline), default=0)
    return summarize(
        run.policy,
        ttft=run.ttft,
        latency=run.latency,
        instance_seconds=run.instance_seconds,
        scaling_actions=run.scaling_actions,
        model=model,
        peak_instances=peak,
    )


def summarize_oracle(result: OracleResult, model: FleetModel) -> dict[str, Any]:
    """:func:`summarize` for the oracle."""
    return summarize(
        "oracle",
        ttft=result.ttft,
        latency=result.latency,
        instance_seconds=result.instance_seconds,
        scaling_actions=result.scaling_actions,
        model=model,
        peak_instances=max(result.capacity, default=0),
    )


def misses_per_minute(trace: Trace, ttft: Sequence[float], slo_seconds: float) -> list[int]:
    """Requests outside the SLO (or never served) by the minute they arrived in.

    >>> from datetime import UTC, datetime
    >>> from warmfleet.sim.trace import Request
    >>> trace = Trace((Request(1.0, 0, 1), Request(61.0, 0, 1)), datetime(2026, 1, 1, tzinfo=UTC), 90.0, ())
    >>> misses_per_minute(trace, [3.0, 0.5], 2.0), misses_per_minute(trace, [0.1, math.nan], 2.0)
    ([1, 0], [0, 1])
    """
    counts = [0] * (int(trace.duration // 60) + 1)
    for request, seconds in zip(trace.requests, ttft, strict=True):
        if math.isnan(seconds) or seconds > slo_seconds:
            counts[min(int(request.arrival // 60), len(counts) - 1)] += 1
    return counts


def result_document(
    trace: Trace,
    model: FleetModel,
    *,
    seed: int,
    offset_seconds: float,
    rows: Sequence[Mapping[str, Any]],
    runs: Sequence[RunResult],
    oracle: OracleResult | None,
) -> dict[str, Any]:
    """The result file's content: inputs, constants, one row per policy, misses per minute, timelines."""
    timelines: dict[str, Any] = {
        run.policy: {
            "fields": ["at", "desired", "warming", "ready", "draining", "in_flight", "reason"],
            "rows": [list(record) for record in run.timeline],
        }
        for run in runs
    }
    if oracle is not None:
        timelines["oracle"] = {
            "fields": ["at", "instances"],
            "rows": [[k * model.tick_seconds, size] for k, size in enumerate(oracle.capacity)],
        }
    return {
        "version": RESULT_VERSION,
        "trace": {
            "sources": list(trace.sources),
            "start": trace.start.isoformat(),
            "offset_seconds": offset_seconds,
            "duration_seconds": trace.duration,
            "speed": trace.speed,
            "requests": len(trace.requests),
        },
        "seed": seed,
        "model": model.to_dict(),
        "policies": [dict(row) for row in rows],
        "arrivals_per_minute": trace.arrivals_per_minute(),
        "misses_per_minute": {
            run.policy: misses_per_minute(trace, run.ttft, model.slo_ttft_seconds) for run in runs
        },
        "timelines": timelines,
    }


def write_json(document: Mapping[str, Any], path: Path) -> Path:
    """Write the result document as indented JSON; returns the path."""
    path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return path


def _line_style(name: str) -> dict[str, float]:
    # warmfleet wide and underneath, so a peer that decides the same stays visible on top of it
    return {"linewidth": 4.0, "zorder": 1} if name == "warmfleet" else {"linewidth": 1.4, "zorder": 2}


def write_plot(document: Mapping[str, Any], path: Path) -> Path:
    """Load (arrivals per minute) on top, capacity (instances launching or serving) per policy in the
    middle, requests outside the SLO per minute per policy below."""
    import matplotlib  # noqa: PLC0415 - lazily: the layer never needs matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    figure, (load, capacity, misses) = plt.subplots(
        3, 1, figsize=(11, 9), sharex=True, gridspec_kw={"height_ratios": [2, 3, 1.5]}
    )
    per_minute = document["arrivals_per_minute"]
    load.step([minute for minute in range(len(per_minute))], per_minute, where="post", color="black")
    load.set_ylabel("arrivals / minute")
    load.set_title(f"warmfleet simulate: {', '.join(document['trace']['sources'])}")
    for name, timeline in document["timelines"].items():
        rows = timeline["rows"]
        minutes = [row[0] / 60 for row in rows]
        if name == "oracle":
            sizes = [row[1] for row in rows]
            capacity.step(minutes, sizes, where="post", label=name, color="grey", linestyle="--")
        else:
            sizes = [row[2] + row[3] for row in rows]  # launching + serving: what the group holds
            capacity.step(minutes, sizes, where="post", label=name, **_line_style(name))
    capacity.set_ylabel("instances (launching + serving)")
    capacity.legend(loc="upper right")
    colors = {line.get_label(): line.get_color() for line in capacity.get_lines()}
    for name, counts in document["misses_per_minute"].items():
        misses.step(range(len(counts)), counts, where="post", color=colors.get(name), **_line_style(name))
    misses.set_ylabel("outside the SLO / minute")
    misses.set_xlabel("minutes from the trace's start")
    figure.tight_layout()
    figure.savefig(path, format="png", dpi=100)
    plt.close(figure)
    return path
