"""Benchmark: how long a warm instance waits for traffic — the lifecycle gate beside the ALB's health checks.

Gate: the lifecycle function's own work from `Instance Warm` to CompleteLifecycleAction CONTINUE, with one
verification attempt: the real handler (`warmfleet.handlers.lifecycle.handle`) reads the action from
DynamoDB (moto's server on loopback standing in), verifies the real `warmfleet-inference serve` subprocess
over HTTP (`GET /ready`, `GET /v2/models/{name}`, one canary `POST .../infer`), completes the action (the
in-memory hook state machine: moto has no CompleteLifecycleAction) and stores the closed record. Each run
uses a fresh instance whose launch action was recorded first (not timed).

Baseline: what the default ALB health-check path makes a new, already warm target wait before it gets
traffic — 5 consecutive healthy `GET /health` checks (HealthyThresholdCount 5) at a 30 s interval, the
first check landing at a random phase of the interval. The checker runs for real against the same server,
time-compressed by `--compress` (an interval of 30 s / compress), and its elapsed time is scaled back.

    .venv/bin/python bench/bench_lifecycle.py [--runs 30] [--compress 200]

It prints percentiles for both and the ratio baseline/gate; the target is a gate p95 under 2 s.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import boto3
from moto.server import ThreadedMotoServer
from warmfleet.aws import DynamoActionStore
from warmfleet.config import LifecycleConfig
from warmfleet.handlers import lifecycle
from warmfleet.lifecycle import InMemoryLifecycleHooks, InstanceVerifier, VerifySettings, build_gate

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ALB_INTERVAL_S, ALB_HEALTHY_THRESHOLD = 30.0, 5
TARGET_S = 2.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def event(name: str) -> dict[str, Any]:
    return dict(json.loads((ROOT / "events" / name).read_text()))


def start_server(workdir: Path) -> tuple[subprocess.Popen[bytes], int]:
    model = workdir / "mlp.onnx"
    subprocess.run(
        [str(BIN / "warmfleet-inference"), "make-model", str(model)], check=True, capture_output=True
    )
    port = free_port()
    command = [str(BIN / "warmfleet-inference"), "serve", "--model", str(model), "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--host", "127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=1) as answer:
                if answer.status == 200:
                    return server, port
        except OSError:
            time.sleep(0.05)
    os.kill(server.pid, signal.SIGKILL)
    raise SystemExit("the inference server did not become ready within 60 s")


def gate_runs(runs: int, port: int, endpoint: str) -> list[float]:
    dynamodb = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")
    table = "bench-state"
    dynamodb.create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in ("pk", "sk")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        BillingMode="PAY_PER_REQUEST",
    )
    env = {**event("env/lifecycle.json"), "STATE_TABLE": table, "APP_PORT": str(port), "MODEL_NAME": "mlp"}
    config = LifecycleConfig.from_env({**env, "VERIFY_ATTEMPTS": "1"})
    hooks = InMemoryLifecycleHooks(time.time)

    class Loopback:
        def private_ip(self, instance_id: str) -> str | None:
            return "127.0.0.1"

    class Discard:
        def add_metric(self, name: str, unit: str, value: float) -> None:
            return None

    store = DynamoActionStore(dynamodb, table, config.group_name, config.warmup_budget_seconds)
    gate = build_gate(config, store=store, hooks=hooks, addresses=Loopback(), metrics=Discard())
    launch, warm = event("lifecycle/launch.json"), event("instance/warm.json")
    seconds: list[float] = []
    for run in range(runs + 1):
        instance = f"i-{run:017x}"
        token = hooks.launch(
            config.group_name, instance, config.launch_hook_name, config.hook_heartbeat_seconds
        )
        launch["detail"].update(EC2InstanceId=instance, LifecycleActionToken=token)
        lifecycle.handle(launch, config, lambda: gate)
        warm["detail"]["instanceId"] = instance
        started = time.perf_counter()
        outcome = lifecycle.handle(warm, config, lambda: gate)
        elapsed = time.perf_counter() - started
        if outcome["reason"] != "verified" or hooks.state(instance) != "InService":
            raise SystemExit(f"run {run} did not CONTINUE: {outcome}")
        if run:  # the first run warms the HTTP and boto3 connections; Lambda keeps them between events too
            seconds.append(elapsed)
    return seconds


def verify_runs(runs: int, port: int) -> list[float]:
    """The verification alone (`GET /ready`, metadata, canary infer), to split the gate's time."""
    verifier = InstanceVerifier(VerifySettings(port, 5, "mlp"))
    results = [verifier.verify("127.0.0.1") for _ in range(runs + 1)][1:]
    if not all(result.passed for result in results):
        raise SystemExit(f"verification failed: {[r.message for r in results if not r.passed][:1]}")
    return [result.seconds for result in results]


def alb_runs(runs: int, port: int, compress: float, seed: int = 7) -> list[float]:
    """Real `GET /health` checks on the compressed ALB schedule; returns the uncompressed wait per run."""
    interval = ALB_INTERVAL_S / compress
    rng = random.Random(seed)
    waits: list[float] = []
    for _ in range(runs):
        # Sleeps are scaled back by `compress`; the checks' own HTTP time is counted as it is.
        slept = _sleep(rng.uniform(0, interval))  # the target became warm somewhere inside an interval
        checking = 0.0
        healthy = 0
        while healthy < ALB_HEALTHY_THRESHOLD:
            started = time.perf_counter()
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as answer:
                healthy = healthy + 1 if answer.status == 200 else 0
            checking += time.perf_counter() - started
            if healthy < ALB_HEALTHY_THRESHOLD:
                slept += _sleep(interval)
        waits.append(slept * compress + checking)
    return waits


def _sleep(seconds: float) -> float:
    started = time.perf_counter()
    time.sleep(seconds)
    # A late wake-up is this machine's, not the ALB's.
    return min(time.perf_counter() - started, seconds * 1.05)


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--compress", type=float, default=200.0, help="ALB schedule time compression")
    args = parser.parse_args()
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(variable, "bench")  # only the local moto server is called
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    moto_port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
    moto.start()
    with tempfile.TemporaryDirectory() as workdir:
        server, port = start_server(Path(workdir))
        try:
            gate = gate_runs(args.runs, port, f"http://127.0.0.1:{moto_port}")
            verify = verify_runs(args.runs, port)
            alb = alb_runs(args.runs, port, args.compress)
        finally:
            os.kill(server.pid, signal.SIGTERM)
            server.wait(timeout=15)
            moto.stop()
    print(
        f"Instance Warm -> CONTINUE, one verification attempt, {len(gate)} runs (real server, moto DynamoDB):"
    )
    print(
        f"  gate  p50 {statistics.median(gate) * 1000:7.1f} ms   p95 {quantile(gate, 0.95) * 1000:7.1f} ms   "
        f"max {max(gate) * 1000:7.1f} ms"
    )
    print(
        f"  of which verification p50 {statistics.median(verify) * 1000:7.1f} ms   "
        f"p95 {quantile(verify, 0.95) * 1000:7.1f} ms"
    )
    print(
        f"default ALB health checks ({ALB_HEALTHY_THRESHOLD} x {ALB_INTERVAL_S:.0f} s), {len(alb)} runs "
        f"(real /health checks, time x{args.compress:.0f}):"
    )
    print(
        f"  ALB   p50 {statistics.median(alb):7.1f} s    p95 {quantile(alb, 0.95):7.1f} s    "
        f"max {max(alb):7.1f} s"
    )
    ratio = statistics.median(alb) / statistics.median(gate)
    verdict = "met" if quantile(gate, 0.95) < TARGET_S else "MISSED"
    print(f"ratio ALB/gate (p50): {ratio:,.0f}x; target gate p95 < {TARGET_S:.0f} s: {verdict}")
    return 0 if verdict == "met" else 1


if __name__ == "__main__":
    raise SystemExit(main())
