"""`warmfleet-inference agent`: the subcommand's options; running it composes the agent (`compose.py`).

Only the standard library is imported here, so `warmfleet-inference --help` stays fast; boto3, httpx and
the agent itself are imported when the command runs.
"""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from warmfleet_inference.agent.prometheus import INFLIGHT_METRIC, LATENCY_METRIC
from warmfleet_inference.process import DEFAULT_DRAIN_TIMEOUT_SECONDS

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text}")
    return value


def add_agent_parser(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "agent",
        help="run the instance agent: metrics, instance events, queue worker, drain",
        description="Gate warm-up (Instance Warm / Warm-up Failed), publish the metric contract every "
        "interval, run the queue worker, and drain on SIGTERM or an IMDSv2 target lifecycle state of "
        "Terminated before sending Instance Drained. AWS settings come from the boto3 environment.",
    )
    parser.add_argument("--group", required=True, help="the Auto Scaling group's name")
    parser.add_argument("--server", required=True, help="the inference server's base URL")
    parser.add_argument("--instance-id", help="default: from IMDSv2")
    parser.add_argument(
        "--imds-url",
        help="IMDSv2 base URL (default: the instance's own); with --instance-id, giving it still watches "
        "the target lifecycle state",
    )
    parser.add_argument("--model-version", default=os.environ.get("WARMFLEET_MODEL_VERSION", "unknown"))
    parser.add_argument("--interval", type=_positive, default=10.0, help="seconds between metric publishes")
    parser.add_argument(
        "--inflight-sample",
        type=_positive,
        default=1.0,
        help="seconds between reads of the in-flight gauge; a publish sends the mean of its interval's reads",
    )
    parser.add_argument("--warmup-timeout", type=_positive, default=900.0, help="seconds to become ready")
    parser.add_argument(
        "--drain-timeout",
        type=_positive,
        default=DEFAULT_DRAIN_TIMEOUT_SECONDS,
        help="seconds a drain may take (the stack's DrainTimeoutSeconds)",
    )
    parser.add_argument("--lifecycle-poll", type=_positive, default=5.0, help="seconds between IMDS reads")
    parser.add_argument("--ready-poll", type=_positive, default=1.0, help="seconds between /ready polls")
    parser.add_argument("--event-bus", default="default")
    byo = parser.add_argument_group("bring your own server (default: the --server URL's own paths)")
    byo.add_argument("--ready-url")
    byo.add_argument("--metrics-url")
    byo.add_argument("--drain-url")
    byo.add_argument("--inflight-metric", default=INFLIGHT_METRIC, help="gauge of requests in flight")
    byo.add_argument("--latency-histogram", default=LATENCY_METRIC, help="latency histogram, in seconds")
    queue = parser.add_argument_group("queue worker (runs only with --queue-url)")
    queue.add_argument("--queue-url")
    queue.add_argument(
        "--results-bucket",
        help="result target of a message that names none: s3://BUCKET/results/ID.json",
    )
    queue.add_argument(
        "--reply-queue-url", help="result target of a message that names none, when no --results-bucket"
    )
    queue.add_argument("--worker-concurrency", type=int, default=4)
    queue.add_argument("--visibility-timeout", type=int, default=60, help="seconds; extended while working")
    queue.add_argument("--queue-wait-seconds", type=int, default=20, help="long-poll wait (0-20)")
    queue.add_argument("--retry-delay", type=int, default=10, help="seconds before a failed message returns")
    parser.set_defaults(run=run_agent)


def run_agent(args: argparse.Namespace) -> int:
    from warmfleet_inference.agent.compose import run  # noqa: PLC0415 - boto3 and httpx: only when run

    return run(args)
