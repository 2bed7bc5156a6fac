"""Build the bootstrap's `Instance Warm-up Failed` event with the agent's own event builder.

The bootstrap reports its failures even when installing the environment is what failed, so it cannot rely on
the installed packages: it runs this module straight from the downloaded wheel with the AMI's `python3`
(`PYTHONPATH=WHEEL python3 -m warmfleet_inference.publishing.report --wheel WHEEL ...`). The agent's event
module needs only the standard library, but the `agent` package's `__init__` imports the whole agent (httpx
and more), so with `--wheel` the module file is loaded from the wheel by itself rather than imported through
its package. The event is printed as the JSON list `aws events put-events --entries` takes; the bootstrap
sends it with the AWS CLI, the one AWS client it is sure to have.
"""

from __future__ import annotations

import argparse
import json
import sys
import types
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

EVENTS_MODULE_PATH = "warmfleet_inference/agent/events.py"


def load_events_module(wheel: Path | None) -> types.ModuleType:
    """The agent's `events` module: from `wheel` alone when given, else imported normally."""
    if wheel is None:
        from warmfleet_inference.agent import events  # noqa: PLC0415 - only this branch may import the agent

        return events
    try:
        with zipfile.ZipFile(wheel) as archive:
            source = archive.read(EVENTS_MODULE_PATH)
    except (OSError, KeyError, zipfile.BadZipFile) as error:
        raise ValueError(f"{wheel} does not hold {EVENTS_MODULE_PATH}: {error}") from error
    module = types.ModuleType("warmfleet_bootstrap_agent_events")
    # dataclasses looks the defining module up in sys.modules while it builds the classes.
    sys.modules[module.__name__] = module
    exec(compile(source, f"{wheel}/{EVENTS_MODULE_PATH}", "exec"), module.__dict__)
    return module


def build_bootstrap_failure(
    events: types.ModuleType,
    *,
    group: str,
    instance_id: str,
    model_version: str,
    reason: str,
    waited_seconds: float,
) -> dict[str, Any]:
    """The PutEvents entry of `Instance Warm-up Failed` for a bootstrap that stopped with `reason`."""
    # This module and the events module come from the same wheel, so the reason code is always there.
    code = events.WarmupFailureReason.BOOTSTRAP_FAILED
    identity = events.InstanceIdentity(instance_id, group, model_version)
    return cast(dict[str, Any], events.build_warmup_failed_event(identity, code, reason, waited_seconds))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m warmfleet_inference.publishing.report",
        description="Print the PutEvents entries of the bootstrap's Instance Warm-up Failed event.",
    )
    parser.add_argument("--wheel", type=Path, help="load the agent's event module from this wheel")
    parser.add_argument("--group", required=True)
    parser.add_argument("--instance-id", required=True)
    parser.add_argument("--model-version", required=True)
    parser.add_argument("--reason", required=True)
    parser.add_argument("--waited-seconds", type=float, default=0.0)
    args = parser.parse_args(argv)
    if not args.reason.strip():
        parser.error("--reason must say why the bootstrap failed")
    try:
        events = load_events_module(args.wheel)
    except ValueError as error:
        parser.error(str(error))
    entry = build_bootstrap_failure(
        events,
        group=args.group,
        instance_id=args.instance_id,
        model_version=args.model_version,
        reason=args.reason,
        waited_seconds=args.waited_seconds,
    )
    print(json.dumps([entry]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
