"""Compose the agent from real clients and run it until drained (what `warmfleet-inference agent` runs).

The composition root of the instance side's agent: boto3 clients (endpoints and region from the usual
environment, so `AWS_ENDPOINT_URL` points it at a local moto server), the IMDSv2 client, the server client,
the NVML sampler, the background publisher and, with `--queue-url`, the queue worker. SIGTERM and SIGINT
start the drain; the command exits 0 once `Instance Drained` is sent, 3 (`ExitCode.DRAIN_CUT_SHORT`) if it
could not be sent, 2 when the options cannot work together: systemd restarts none of them, only a crash.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import time
from typing import TYPE_CHECKING, Any

import boto3
import httpx
from botocore.config import Config

from warmfleet_inference.agent.events import DrainTrigger, InstanceIdentity
from warmfleet_inference.agent.gpu import GpuSampler
from warmfleet_inference.agent.imds import DEFAULT_IMDS_URL, ImdsClient
from warmfleet_inference.agent.loop import Agent, AgentSettings
from warmfleet_inference.agent.prometheus import MetricNames
from warmfleet_inference.agent.publisher import BackgroundPublisher
from warmfleet_inference.agent.server_client import ServerClient
from warmfleet_inference.process import ExitCode
from warmfleet_inference.worker.results import ResultStore
from warmfleet_inference.worker.settings import WorkerSettings
from warmfleet_inference.worker.worker import QueueWorker

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

logger = logging.getLogger(__name__)
# Bounded retries inside botocore; the publisher retries again on top, off the loop.
_AWS_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=30)


def _max_receive_count(sqs: SQSClient, queue_url: str) -> int | None:
    try:
        attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["RedrivePolicy"])
        policy = attributes.get("Attributes", {}).get("RedrivePolicy")
        return int(json.loads(policy)["maxReceiveCount"]) if policy else None
    except Exception as error:  # the worker runs without it: no failed result on the last receive
        logger.warning("could not read the queue's redrive policy: %s", error)
        return None


def _resolve_identity(args: argparse.Namespace) -> tuple[str, ImdsClient | None]:
    if args.instance_id:
        return args.instance_id, ImdsClient(args.imds_url) if args.imds_url else None
    imds = ImdsClient(args.imds_url or DEFAULT_IMDS_URL)
    for attempt in range(1, 6):
        try:
            return imds.instance_id(), imds
        except (httpx.HTTPError, RuntimeError) as error:
            logger.warning("IMDS instance-id not available (attempt %d of 5): %s", attempt, error)
            time.sleep(min(2.0 * attempt, 5.0))
    raise ValueError("cannot read the instance id from IMDSv2; pass --instance-id off EC2")


def build_agent(args: argparse.Namespace, session: Any = boto3) -> tuple[Agent, BackgroundPublisher]:
    """Compose the agent from the parsed options; raises ValueError on an unusable combination."""
    instance_id, imds = _resolve_identity(args)
    identity = InstanceIdentity(instance_id, args.group, args.model_version)
    server = ServerClient(
        args.server, ready_url=args.ready_url, metrics_url=args.metrics_url, drain_url=args.drain_url
    )
    worker = None
    if args.queue_url:
        sqs = session.client("sqs", config=_AWS_CONFIG)
        settings = WorkerSettings(
            queue_url=args.queue_url,
            instance_id=instance_id,
            results_bucket=args.results_bucket,
            reply_queue_url=args.reply_queue_url,
            concurrency=args.worker_concurrency,
            wait_seconds=args.queue_wait_seconds,
            visibility_timeout=args.visibility_timeout,
            retry_delay=args.retry_delay,
            max_receive_count=_max_receive_count(sqs, args.queue_url),
        )
        worker = QueueWorker(
            settings, sqs, ResultStore(session.client("s3", config=_AWS_CONFIG), sqs), server
        )
    # Last, once the options are known to work together: it starts the sending thread.
    publisher = BackgroundPublisher(
        session.client("cloudwatch", config=_AWS_CONFIG), session.client("events", config=_AWS_CONFIG)
    )
    agent_settings = AgentSettings(
        identity=identity,
        interval=args.interval,
        inflight_sample=args.inflight_sample,
        ready_poll=args.ready_poll,
        warmup_timeout=args.warmup_timeout,
        lifecycle_poll=args.lifecycle_poll,
        drain_timeout=args.drain_timeout,
        event_bus=args.event_bus,
        metric_names=MetricNames(inflight=args.inflight_metric, latency_histogram=args.latency_histogram),
    )
    agent = Agent(
        agent_settings,
        server=server,
        publisher=publisher,
        gpu=GpuSampler.from_environment(),
        imds=imds,
        worker=worker,
    )
    return agent, publisher


def run(args: argparse.Namespace) -> int:
    try:
        agent, publisher = build_agent(args)
    except ValueError as error:
        print(f"warmfleet-inference agent: {error}", file=sys.stderr)
        return ExitCode.USAGE
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda _signum, _frame: agent.request_termination(DrainTrigger.SIGTERM))
    logger.info("agent started for %s in %s", agent.settings.identity.instance_id, args.group)
    outcome = agent.run()
    sent = publisher.close(timeout=30.0)
    logger.info("agent done: drained in %.1fs%s", outcome.drain_seconds, "" if sent else " (events unsent)")
    return ExitCode.OK if sent else ExitCode.DRAIN_CUT_SHORT
