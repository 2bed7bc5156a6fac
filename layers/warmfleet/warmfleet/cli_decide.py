"""``warmfleet decide``: what the scaler would decide now, and why.

Reads a policy (YAML or JSON), the inputs (JSON in the schema of
:class:`warmfleet.core.DecisionInputs`) and optionally a history (the JSON that
``--history-out`` writes, :meth:`warmfleet.core.History.to_dict`), runs the real
:func:`warmfleet.core.decide` and prints the decision as JSON. Bad input prints
the reason on stderr and exits 2; nothing is written.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from warmfleet.core import DecisionInputs, History, decide
from warmfleet.exceptions import ConfigurationError
from warmfleet.policy_loader import describe_validation_error, load_policy, read_document

HELP = "print what the scaler would decide now, and why, as JSON"


def add_decide_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Register ``decide`` on the ``warmfleet`` command's subparsers."""
    parser = subparsers.add_parser("decide", help=HELP, description=HELP)
    parser.add_argument(
        "--policy", type=Path, required=True, metavar="POLICY.yaml", help="policy, YAML or JSON"
    )
    parser.add_argument(
        "--inputs", type=Path, required=True, metavar="INPUTS.json", help="group, instances, signals"
    )
    parser.add_argument(
        "--history", type=Path, metavar="HISTORY.json", help="the previous decision's history"
    )
    parser.add_argument(
        "--now", metavar="ISO8601", help="decision time with a UTC offset (default: the clock)"
    )
    parser.add_argument("--history-out", type=Path, metavar="PATH", help="write the new history here")
    parser.set_defaults(run=run_decide)
    return parser


def _parse_now(raw: str | None) -> datetime:
    if raw is None:
        return datetime.now(UTC)
    try:
        now = datetime.fromisoformat(raw)
    except ValueError:
        raise ConfigurationError(f"--now {raw!r} is not an ISO 8601 time") from None
    if now.tzinfo is None:
        raise ConfigurationError(f"--now {raw!r} needs a UTC offset (for example 2026-01-01T12:00:00Z)")
    return now


def _validated(path: Path, parse: Any) -> Any:
    try:
        return parse(read_document(path))
    except ValidationError as error:
        raise ConfigurationError(f"{path}: {describe_validation_error(error)}") from None


def run_decide(args: argparse.Namespace) -> int:
    """Run one decision from the files named in ``args``; 0 on success, 2 on bad input."""
    try:
        policy = load_policy(args.policy)
        inputs = _validated(args.inputs, DecisionInputs.model_validate)
        history = _validated(args.history, History.from_dict) if args.history else History()
        decision = decide(inputs, policy, history, now=_parse_now(args.now))
    except (ConfigurationError, ValueError) as error:
        print(f"warmfleet decide: {error}", file=sys.stderr)
        return 2
    print(json.dumps(decision.to_dict(), indent=2))
    if args.history_out:
        args.history_out.write_text(json.dumps(decision.history.to_dict(), indent=2) + "\n", encoding="utf-8")
    return 0
