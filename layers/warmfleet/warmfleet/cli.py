"""The `warmfleet` command: the operator's entry point to the decision core, the simulator and the demo.

Each subcommand registers itself in one small function; the ones whose issue has not landed yet say so and
exit 2 instead of pretending to work.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from warmfleet import __version__
from warmfleet.cli_decide import add_decide_parser
from warmfleet.cli_demo import add_demo_parser
from warmfleet.cli_simulate import add_simulate_parser

_PENDING: dict[str, str] = {}


def _add_pending(subparsers: argparse._SubParsersAction[argparse.ArgumentParser], name: str) -> None:
    help_text = _PENDING[name]
    parser = subparsers.add_parser(name, help=help_text, description=help_text)
    parser.set_defaults(run=lambda _args: _not_yet(name))


def _not_yet(name: str) -> int:
    print(f"warmfleet {name}: not available yet — {_PENDING[name]}", file=sys.stderr)
    return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="warmfleet",
        description="Serverless autoscaling for GPU inference fleets: decide, simulate, demo.",
    )
    parser.add_argument("--version", action="version", version=f"warmfleet {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_decide_parser(subparsers)
    add_simulate_parser(subparsers)
    add_demo_parser(subparsers)
    for name in _PENDING:
        _add_pending(subparsers, name)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return int(args.run(args))


if __name__ == "__main__":
    raise SystemExit(main())
