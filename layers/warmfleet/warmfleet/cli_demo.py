"""``warmfleet demo``: the whole system on this machine — moto's server, a local fleet of real processes
started by the real bootstrap, the real lifecycle and scaler handlers, and a slice of a real trace.

Prints what happens as it happens, then the report; writes ``demo.json`` and ``demo.png`` into ``--out``.
Exits 0 when every request succeeded and every process it started is gone, 1 otherwise (or when the fleet
could not start), 2 on bad input (nothing started), 130 on Ctrl-C or SIGTERM after stopping everything.
"""

from __future__ import annotations

import argparse
import signal
import sys
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from warmfleet.exceptions import ConfigurationError, WarmfleetError
from warmfleet.policy_loader import parse_policy, read_document

if TYPE_CHECKING:
    from warmfleet.local import DemoSettings

HELP = "run the whole system on this machine: moto, a local fleet of real processes, a real trace"
DEFAULT_TRACE = Path("tests/data/traces/AzureLLMInferenceTrace_code.csv")


def add_demo_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Register ``demo`` on the ``warmfleet`` command's subparsers."""
    parser = subparsers.add_parser("demo", help=HELP, description=HELP)
    add = parser.add_argument
    # Defaults live in DemoSettings (one place); None here means "the settings' default".
    add("--duration", type=float, metavar="S", help="wall seconds of replay (default 90)")
    add("--out", type=Path, default=Path("out/demo"), metavar="DIR", help="(default: out/demo)")
    add(
        "--trace", type=Path, default=DEFAULT_TRACE, metavar="FILE.csv", help="a trace A file (default: code)"
    )
    add("--offset", type=float, metavar="S", help="where the slice starts in the trace (default 180)")
    add("--speed", type=float, help="time compression: trace seconds per wall second (default 1)")
    add("--rate", type=float, help="share of the slice's requests replayed, (0, 1] (default 1)")
    add("--seed", type=int, help="seeds which requests --rate keeps (default 1)")
    add("--max-size", type=int, help="the group's MaxSize (default 4; each instance is 2 processes)")
    add("--tick", type=float, metavar="S", help="seconds between scaler ticks (default 5; AWS: 15)")
    add("--target", type=float, help="in-flight requests per instance the policy aims at (default 3)")
    add("--batch-window-ms", type=float, help="the server's batch window, each request's hold (default 1500)")
    add("--cooldown", type=float, metavar="S", help="most seconds to wait for the scale-in (default 90)")
    add("--policy", type=Path, metavar="POLICY.json", help="a scaler POLICY document instead of the demo's")
    parser.set_defaults(run=run_demo_command)
    return parser


#: Options that map one to one onto DemoSettings fields.
_SETTINGS = {
    "duration": "duration", "offset": "offset", "speed": "speed", "rate": "rate", "seed": "seed",
    "max_size": "max_size", "tick": "tick_seconds", "batch_window_ms": "batch_window_ms",
    "cooldown": "cooldown",
}  # fmt: skip


def _settings(args: argparse.Namespace) -> DemoSettings:
    from warmfleet.local import DEMO_POLICY, DemoSettings  # noqa: PLC0415 - only when the command runs

    given = {field: getattr(args, option) for option, field in _SETTINGS.items()}
    settings = DemoSettings(
        trace=args.trace, out=args.out, **{k: v for k, v in given.items() if v is not None}
    )
    if min(settings.duration, settings.speed, settings.tick_seconds) <= 0 or settings.cooldown < 0:
        raise ConfigurationError("--duration, --speed and --tick must be positive, --cooldown not negative")
    if not 0 < settings.rate <= 1:
        raise ConfigurationError(f"--rate {settings.rate:g} must be in (0, 1]")
    if settings.max_size < 2:
        raise ConfigurationError(
            f"--max-size {settings.max_size} leaves no room to scale out: give at least 2"
        )
    if settings.batch_window_ms < 0:
        raise ConfigurationError(f"--batch-window-ms {settings.batch_window_ms:g} cannot be negative")
    if not args.trace.is_file():
        raise ConfigurationError(f"trace {args.trace} does not exist (run from the repository root)")
    policy = dict(read_document(args.policy)) if args.policy else {**DEMO_POLICY}
    if args.target is not None:
        if args.target <= 0 or args.policy:
            raise ConfigurationError("--target must be positive, and goes without --policy")
        policy["signals"] = [{**policy["signals"][0], "target": args.target}]
    # Checked now, before anything starts (the scaler checks it again, as the function does at its start).
    parse_policy({k: v for k, v in policy.items() if k != "metric_sources"}, str(args.policy or "--target"))
    return replace(settings, policy=policy)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run_demo_command(args: argparse.Namespace) -> int:
    """Run the demo from the parsed options; see the module doc for the exit codes."""
    from warmfleet.exceptions import TraceError  # noqa: PLC0415
    from warmfleet.local import run_demo  # noqa: PLC0415 - only when the command runs

    try:
        settings = _settings(args)
    except (ConfigurationError, TraceError, ValueError, OSError) as error:
        print(f"warmfleet demo: {error}", file=sys.stderr)
        return 2

    def log(message: str) -> None:
        print(message, flush=True)

    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        document = run_demo(settings, log)
    except KeyboardInterrupt:
        print("warmfleet demo: interrupted; every process it started is stopped", file=sys.stderr)
        return 130
    except TraceError as error:
        print(f"warmfleet demo: {error}", file=sys.stderr)
        return 2
    except WarmfleetError as error:
        print(f"warmfleet demo: failed: {error}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
    print(f"wrote {args.out / 'demo.json'} and {args.out / 'demo.png'}")
    if not document["ok"]:
        failed, alive = document["requests"]["failed"], document["processes"]["alive_after_stop"]
        print(f"warmfleet demo: {failed} failed requests, processes left alive: {alive}", file=sys.stderr)
        return 1
    return 0
