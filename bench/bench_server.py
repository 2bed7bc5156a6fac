"""Benchmark: the inference server under concurrent load, beside ONNX Runtime called in-process.

For each request batch size it measures, in one run and on one model:
  * raw: ONNX Runtime in this process, `session.run` back to back, with ONNX Runtime's default session
    options and with the server's (intra-op spinning off); the faster of the two is the baseline;
  * server, 1 client: the added latency of HTTP + JSON + validation + batching per request;
  * server, saturated: enough concurrent clients to keep the micro-batcher full (throughput, p50/p99);
  * for batch 1, the same saturated load on a server with batching off (`--max-batch-size 1`).
It prints rows/s, p50/p99 and the ratios server/raw at the same batch size and against raw at the largest
batch (the best raw ONNX Runtime can do), plus CPU time per row of raw ONNX Runtime and of the server
process. Each batch size runs `--rounds` rounds of raw-then-server and shows the median round, since a
shared machine's load drifts. The server is the real `warmfleet-inference serve` subprocess on 127.0.0.1;
the load comes from threads with keep-alive `http.client` connections and pre-encoded bodies.

    .venv/bin/python bench/bench_server.py [--duration 1.5] [--rounds 3] [--batch-sizes 1,8,32] [--model PATH]

Note that on a small machine the clients, the HTTP stack and ONNX Runtime share the same cores, which
costs the server side; the README records the figures with the machine they came from.
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort
from warmfleet_inference.model_factory import ModelSpec, write_model
from warmfleet_inference.server.model import session_options
from warmfleet_inference.server.providers import select_providers

BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Result:
    """One measurement: rows per second and per-call latency percentiles in milliseconds."""

    rows_per_s: float
    p50_ms: float
    p99_ms: float
    calls: int
    failures: int = 0
    label: str = ""
    cpu_ms_per_row: float = 0.0


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)] * 1000


def _result(latencies: list[float], rows: int, elapsed: float, failures: int = 0) -> Result:
    return Result(
        len(latencies) * rows / elapsed,
        _percentile(latencies, 0.50),
        _percentile(latencies, 0.99),
        len(latencies),
        failures,
    )


def raw_sessions(model: Path) -> dict[str, ort.InferenceSession]:
    """ONNX Runtime's defaults, and the options the server uses (`session_options`: no spinning, and on a
    small CPU machine one intra-op thread fewer than its CPUs); the faster one is the baseline."""
    providers = select_providers(ort.get_available_providers())
    server = session_options(providers)
    label = f"server's, {server.intra_op_num_threads or 'default'} thr"
    return {
        "default": ort.InferenceSession(str(model), providers=providers),
        label: ort.InferenceSession(str(model), sess_options=server, providers=providers),
    }


def best_raw(sessions: dict[str, ort.InferenceSession], batch: int, width: int, duration: float) -> Result:
    """The faster of the sessions at this batch size, labelled with its options."""
    results = {label: measure_raw(session, batch, width, duration / 2) for label, session in sessions.items()}
    label, result = max(results.items(), key=lambda item: item[1].rows_per_s)
    return dataclasses.replace(result, label=label)


def measure_raw(session: ort.InferenceSession, batch: int, width: int, duration: float) -> Result:
    """ONNX Runtime in-process: back-to-back runs of one batch."""
    rows = np.random.default_rng(batch).standard_normal((batch, width)).astype(np.float32)
    for _ in range(3):
        session.run(None, {"input": rows})
    latencies: list[float] = []
    started, cpu_started = time.perf_counter(), time.process_time()
    while (now := time.perf_counter()) - started < duration:
        session.run(None, {"input": rows})
        latencies.append(time.perf_counter() - now)
    cpu_ms = (time.process_time() - cpu_started) * 1000
    result = _result(latencies, batch, time.perf_counter() - started)
    return dataclasses.replace(result, cpu_ms_per_row=cpu_ms / (len(latencies) * batch))


@dataclass(frozen=True)
class Load:
    """`clients` threads, each posting one request of `batch` rows after another, for `duration` seconds."""

    port: int
    model: str
    batch: int
    width: int
    clients: int
    duration: float

    def body(self) -> bytes:
        rows = np.random.default_rng(self.batch).standard_normal((self.batch, self.width)).astype(np.float32)
        tensor = {"name": "input", "shape": [self.batch, self.width], "datatype": "FP32"}
        return json.dumps({"inputs": [{**tensor, "data": rows.ravel().tolist()}]}).encode()


def measure_server(load: Load, server_cpu: Callable[[], float] | None = None) -> Result:
    """Run `load` against the server; the first half second only fills the pipeline and is not counted.

    With `server_cpu` (the server process's CPU seconds so far), the result carries the server's CPU time
    per counted row — a figure a busy machine distorts far less than throughput.
    """
    body, path = load.body(), f"/v2/models/{load.model}/infer"
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    warm_until = time.perf_counter() + min(0.5, load.duration / 4)
    stop_at = warm_until + load.duration

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", load.port, timeout=120)
        mine: list[float] = []
        seen: Counter[int] = Counter()
        while (now := time.perf_counter()) < stop_at:
            connection.request("POST", path, body=body, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            if now >= warm_until:
                mine.append(time.perf_counter() - now)
                seen[response.status] += 1
        connection.close()
        with lock:
            latencies.extend(mine)
            statuses.update(seen)

    threads = [threading.Thread(target=client) for _ in range(load.clients)]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, warm_until - time.perf_counter()))
    cpu_started = server_cpu() if server_cpu else 0.0
    for thread in threads:
        thread.join()
    # Requests still running at the stop are not counted but their CPU is: a bias against the server.
    cpu_ms = (server_cpu() - cpu_started) * 1000 if server_cpu else 0.0
    failures = sum(count for status, count in statuses.items() if status != 200)
    result = _result(latencies, load.batch, load.duration, failures)
    return dataclasses.replace(result, cpu_ms_per_row=cpu_ms / max(1, len(latencies) * load.batch))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """`warmfleet-inference serve` as a subprocess; stopped by its pid (SIGTERM = drain)."""

    def __init__(self, model: Path, *options: str) -> None:
        self.port = _free_port()
        self.model = model.stem
        command = [str(BIN / "warmfleet-inference"), "serve", "--model", str(model), "--port", str(self.port)]
        self.log = Path(tempfile.gettempdir()) / f"bench-server-{self.port}.log"
        with self.log.open("wb") as sink:
            self.process = subprocess.Popen([*command, *options], stdout=sink, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while not self._ready():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not become ready; its log:\n{self.log.read_text()}")
            time.sleep(0.1)

    def _get(self, path: str) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read().decode()
        finally:
            connection.close()

    def _ready(self) -> bool:
        try:
            return self._get("/ready")[0] == 200
        except OSError:
            return False

    def batch_histogram(self) -> tuple[float, float]:
        """(sum, count) of the server's batch-size histogram."""
        text = self._get("/metrics")[1]
        values = dict(line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#"))
        return float(values["warmfleet_batch_size_sum"]), float(values["warmfleet_batch_size_count"])

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far (Linux `/proc`)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        os.kill(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def _row(label: str, result: Result, extra: str = "") -> str:
    failures = f"  FAILED {result.failures}" if result.failures else ""
    cpu = f"   CPU {result.cpu_ms_per_row:.3f} ms/row" if result.cpu_ms_per_row else ""
    return (
        f"  {label:<34} {result.rows_per_s:>8.0f} rows/s   p50 {result.p50_ms:>7.2f} ms   "
        f"p99 {result.p99_ms:>7.2f} ms{cpu}{extra}{failures}"
    )


@dataclass(frozen=True)
class Round:
    """One round at one request batch size: raw ORT at that size and at the largest, then the server."""

    raw: Result
    raw_largest: Result
    single: Result
    saturated: Result
    mean_batch: float

    @property
    def ratio(self) -> float:
        return self.saturated.rows_per_s / self.raw.rows_per_s

    @property
    def cpu_efficiency(self) -> float:
        """Raw ORT's CPU per row at the largest batch over the server's: 1.0 means no overhead at all."""
        return self.raw_largest.cpu_ms_per_row / max(self.saturated.cpu_ms_per_row, 1e-9)

    @property
    def ratio_to_largest(self) -> float:
        return self.saturated.rows_per_s / max(self.raw_largest.rows_per_s, self.raw.rows_per_s)


def _round(
    args: argparse.Namespace, server: Server, sessions: dict[str, ort.InferenceSession], size: int
) -> Round:
    width = int(sessions["default"].get_inputs()[0].shape[1])
    raw = best_raw(sessions, size, width, args.duration)
    largest = (
        raw if size == args.max_batch_size else best_raw(sessions, args.max_batch_size, width, args.duration)
    )
    clients = max(4, math.ceil(2 * args.max_batch_size / size))
    single = measure_server(Load(server.port, server.model, size, width, 1, args.duration))
    before = server.batch_histogram()
    saturated = measure_server(
        Load(server.port, server.model, size, width, clients, args.duration), server.cpu_seconds
    )
    after = server.batch_histogram()
    return Round(raw, largest, single, saturated, (after[0] - before[0]) / max(after[1] - before[1], 1))


def _run_batched(args: argparse.Namespace, model: Path, sessions: dict[str, ort.InferenceSession]) -> Result:
    """Per batch size, `--rounds` rounds of raw ORT then the server right after it; the median round is shown.

    Returns raw ORT at batch 1 (from the median round), the baseline of the unbatched run.
    """
    options = ["--max-batch-size", str(args.max_batch_size), "--batch-window-ms", str(args.batch_window_ms)]
    server = Server(model, *options)
    raw_single = Result(0.0, 0.0, 0.0, 0)
    try:
        for size in args.batch_sizes:
            rounds = sorted(
                (_round(args, server, sessions, size) for _ in range(args.rounds)), key=lambda r: r.ratio
            )
            median = rounds[len(rounds) // 2]
            raw_single = median.raw if size == 1 else raw_single
            clients = max(4, math.ceil(2 * args.max_batch_size / size))
            print(f"request batch {size} (median of {args.rounds} rounds by ratio):")
            print(_row(f"onnxruntime in-process ({median.raw.label})", median.raw))
            print(
                _row(
                    "server, 1 client",
                    median.single,
                    f"   added p50 {median.single.p50_ms - median.raw.p50_ms:.2f} ms",
                )
            )
            print(
                _row(
                    f"server, {clients} clients",
                    median.saturated,
                    f"   mean model batch {median.mean_batch:.1f}",
                )
            )
            ratios = ", ".join(f"{r.ratio:.2f}" for r in rounds)
            to_largest = sorted(r.ratio_to_largest for r in rounds)[len(rounds) // 2]
            print(f"  RATIO server/raw at batch {size}: {median.ratio:.2f}x (rounds: {ratios}); "
                  f"against raw at batch {args.max_batch_size}: {to_largest:.2f}x (median)")  # fmt: skip
            efficiency = sorted(r.cpu_efficiency for r in rounds)[len(rounds) // 2]
            print(f"  CPU per row, raw at batch {args.max_batch_size} / server: {efficiency:.2f}x (median)\n")
    finally:
        server.stop()
    return raw_single


def _run_unbatched(args: argparse.Namespace, model: Path, raw: Result, width: int) -> None:
    server = Server(model, "--max-batch-size", "1", "--warmup-batch-sizes", "1")
    clients = max(4, 2 * args.max_batch_size)
    try:
        result = measure_server(Load(server.port, model.stem, 1, width, clients, args.duration))
    finally:
        server.stop()
    print("request batch 1, batching off (--max-batch-size 1):")
    print(
        _row(
            f"server, {clients} clients",
            result,
            f"   ratio to raw: {result.rows_per_s / raw.rows_per_s:.2f}x",
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--model", type=Path, help="an ONNX model (default: make-model's default, written now)"
    )
    parser.add_argument("--duration", type=float, default=1.5, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per batch size; the median is shown")
    parser.add_argument(
        "--batch-sizes", type=lambda text: [int(part) for part in text.split(",")], default=[1, 8, 32]
    )
    parser.add_argument("--max-batch-size", type=int, default=32)
    parser.add_argument("--batch-window-ms", type=float, default=2.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        model: Path = args.model or Path(scratch) / "mlp.onnx"
        if args.model is None:
            write_model(model, ModelSpec())
        sessions = raw_sessions(model)
        session = sessions["default"]
        width = int(session.get_inputs()[0].shape[1])
        print(f"model {model.name}: input [-1, {width}], {session.get_providers()[0]}, {os.cpu_count()} CPUs")
        print(f"server: --max-batch-size {args.max_batch_size} --batch-window-ms {args.batch_window_ms}\n")
        raw_single = _run_batched(args, model, sessions)
        if 1 in args.batch_sizes:
            _run_unbatched(args, model, raw_single, width)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
