"""``warmfleet simulate``: replay a real request trace against warmfleet and the peers' policies.

Loads one or more trace A files or the trace B totals (:mod:`warmfleet.sim.trace`), optionally a slice
and time compression, runs :func:`warmfleet.sim.run_simulation` for the chosen policies, prints one line
per policy, and writes ``simulation.json`` and ``simulation.png`` into ``--out``. Bad input (a missing or
malformed trace, an unknown policy, an invalid constant or policy file) prints the reason on stderr and
exits 2, before anything is written.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from warmfleet.exceptions import ConfigurationError, TraceError
from warmfleet.policy_loader import load_policy
from warmfleet.sim import POLICY_NAMES, FleetModel, load_trace, run_simulation, write_json, write_plot

HELP = "replay a request trace against warmfleet and the peers' policies, with a perfect-foresight bound"

#: ``--flag`` -> (FleetModel field, type, what it is), for the constants a user may change.
_MODEL_FLAGS: Mapping[str, tuple[str, type, str]] = {
    "concurrency": ("concurrency", int, "requests one instance serves at once"),
    "min_size": ("min_size", int, "the group's MinSize"),
    "max_size": ("max_size", int, "the group's MaxSize"),
    "target": ("target_in_flight", float, "requests in flight per instance every policy aims at"),
    "launch_seconds": ("launch_seconds", float, "launch to serving: boot, download, warm-up"),
    "metric_period": ("metric_period_seconds", float, "CloudWatch period the scaler reads, seconds"),
    "metric_delay": ("metric_delay_seconds", float, "seconds until a period's datapoint is readable"),
    "tick": ("tick_seconds", float, "seconds between scaler decisions"),
    "warmup": (
        "warmup_seconds",
        float,
        "seconds at the start in which no policy acts (default: 60 + the metric period + its delay)",
    ),
    "slo_ttft": ("slo_ttft_seconds", float, "the SLO on time to first token, seconds"),
    "alarm_threshold": ("alarm_threshold", float, "in-flight alarm threshold per instance"),
    "alarm_datapoints": ("alarm_datapoints", int, "breaching datapoints of 3 that set the alarm off"),
}


def add_simulate_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Register ``simulate`` on the ``warmfleet`` command's subparsers."""
    parser = subparsers.add_parser("simulate", help=HELP, description=HELP)
    parser.add_argument(
        "--trace", type=Path, action="append", required=True, metavar="FILE.csv",
        help="a trace A CSV (repeat to merge code and conv) or the trace B totals CSV",
    )  # fmt: skip
    parser.add_argument(
        "--policy", action="append", metavar="NAME",
        help=f"{', '.join(POLICY_NAMES)} or all (default); repeat for several",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, default=Path("out/sim"), metavar="DIR", help="(default: out/sim)")
    parser.add_argument(
        "--seed", type=int, default=1, help="seeds the launch jitter and trace B's arrivals (default: 1)"
    )
    parser.add_argument("--offset", type=float, default=0.0, metavar="S", help="skip the first S seconds")
    parser.add_argument("--duration", type=float, metavar="S", help="replay only S seconds of the trace")
    parser.add_argument("--speed", type=float, default=1.0, help="time compression: 2 replays twice as fast")
    parser.add_argument(
        "--divisor", type=float, default=100.0, metavar="D",
        help="trace B only: divide its request counts by D (default: 100)",
    )  # fmt: skip
    parser.add_argument(
        "--tokens-from", type=Path, metavar="FILE.csv",
        help="trace B only: a trace A file whose requests' token counts are drawn at random",
    )  # fmt: skip
    parser.add_argument("--warmfleet-policy", type=Path, metavar="POLICY.yaml", help="warmfleet's policy")
    parser.add_argument("--fixed-size", type=int, metavar="N", help="fixed fleet size (default: oracle peak)")
    parser.add_argument("--initial-size", type=int, metavar="N", help="instances serving at the start")
    parser.add_argument("--no-plot", action="store_true", help="write the JSON only")
    parser.add_argument(
        "--no-alarm", action="store_true", help="no in-flight alarm (warmfleet's alarm path off)"
    )
    defaults = FleetModel()
    for flag, (field, kind, meaning) in _MODEL_FLAGS.items():
        parser.add_argument(
            f"--{flag.replace('_', '-')}", type=kind, metavar="N",
            help=meaning if "(default" in meaning else f"{meaning} (default: {getattr(defaults, field)})",
        )  # fmt: skip
    parser.set_defaults(run=run_simulate)
    return parser


def _model(args: argparse.Namespace) -> FleetModel:
    overrides: dict[str, Any] = {
        field: getattr(args, flag)
        for flag, (field, _, _) in _MODEL_FLAGS.items()
        if getattr(args, flag) is not None
    }
    if args.no_alarm:
        overrides["alarm_threshold"] = None
    try:
        return FleetModel(**overrides)
    except ValueError as error:
        raise ConfigurationError(str(error)) from None


def _print_rows(rows: Sequence[Mapping[str, Any]]) -> None:
    print(f"{'policy':<10} {'requests':>8} {'in SLO':>8} {'TTFT p50':>9} {'p95':>8} {'p99':>8} "
          f"{'inst-h':>8} {'actions':>7} {'peak':>5}")  # fmt: skip
    for row in rows:
        ttft = [row[f"ttft_p{p}_seconds"] for p in (50, 95, 99)]
        shown = ["-" if t is None else f"{t:.2f}" for t in ttft]
        print(
            f"{row['policy']:<10} {row['requests']:>8} {row['within_slo']:>8.2%} {shown[0]:>9} "
            f"{shown[1]:>8} {shown[2]:>8} {row['instance_hours']:>8.2f} {row['scaling_actions']:>7} "
            f"{row['peak_instances']:>5}"
        )


def run_simulate(args: argparse.Namespace) -> int:
    """Run the simulation the arguments describe; 0 on success, 2 on bad input."""
    try:
        model = _model(args)
        for value, name in ((args.fixed_size, "--fixed-size"), (args.initial_size, "--initial-size")):
            if value is not None and value < 0:
                raise ConfigurationError(f"{name} must be >= 0, got {value}")
        trace = load_trace(
            args.trace,
            offset_seconds=args.offset,
            duration_seconds=args.duration,
            speed=args.speed,
            seed=args.seed,
            divisor=args.divisor,
            token_source=args.tokens_from,
        )
        policy = load_policy(args.warmfleet_policy) if args.warmfleet_policy else None
        result = run_simulation(
            trace,
            model,
            args.policy or ["all"],
            seed=args.seed,
            offset_seconds=args.offset,
            fixed_size=args.fixed_size,
            initial_size=args.initial_size,
            warmfleet_policy=policy,
        )
    except (ConfigurationError, TraceError) as error:
        print(f"warmfleet simulate: {error}", file=sys.stderr)
        return 2
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        written = [write_json(result.document, args.out / "simulation.json")]
        if not args.no_plot:
            written.append(write_plot(result.document, args.out / "simulation.png"))
    except OSError as error:
        print(f"warmfleet simulate: cannot write to {args.out}: {error.strerror or error}", file=sys.stderr)
        return 2
    trace_info = result.document["trace"]
    print(
        f"{trace_info['requests']} requests over {trace_info['duration_seconds']:.0f} s "
        f"({', '.join(trace_info['sources'])}, speed {trace_info['speed']:g}), seed {args.seed}, "
        f"SLO: TTFT <= {model.slo_ttft_seconds:g} s"
    )
    _print_rows(result.document["policies"])
    for path in written:
        print(f"wrote {path}")
    return 0
