"""The `warmfleet-inference` command: everything that runs on an instance of the fleet.

Each subcommand registers itself in one small function; the ones whose issue has not landed yet say so and
exit 2 instead of pretending to work.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from warmfleet_inference import __version__

_PENDING = {
    "serve": "serve an ONNX model over the Open Inference Protocol (issue 7)",
    "make-model": "write the deterministic demo/test ONNX model (issue 7)",
    "agent": "publish metrics and instance events, run the queue worker, drain on termination (issue 8)",
    "submit": "send an asynchronous inference request and wait for its result (issue 8)",
    "publish": "build and upload the instance artifact and its SSM parameters (issue 9)",
}


def _add_pending(subparsers: argparse._SubParsersAction[argparse.ArgumentParser], name: str) -> None:
    parser = subparsers.add_parser(name, help=_PENDING[name], description=_PENDING[name])
    parser.set_defaults(run=lambda _args: _not_yet(name))


def _not_yet(name: str) -> int:
    print(f"warmfleet-inference {name}: not available yet — {_PENDING[name]}", file=sys.stderr)
    return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="warmfleet-inference", description="The instance side of warmfleet."
    )
    parser.add_argument("--version", action="version", version=f"warmfleet-inference {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
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
