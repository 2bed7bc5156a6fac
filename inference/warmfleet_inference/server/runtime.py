"""The server's life: fetch, load and warm the model in the background, then serve, then drain and exit.

`ServerRuntime` owns the readiness state, the metrics, the loaded model and the micro-batcher. The model is
prepared on a daemon thread so that `/health` answers (and `/ready` says `loading` or `warming`) from the
first second; a failure leaves the process running with `/ready` at 503 `failed` and the reason, which is how
the agent learns that warm-up failed. A drain (SIGTERM or `POST /drain`) turns `/ready` to `draining`, lets
every request already accepted finish, and then asks the HTTP server to exit: code 0, or
`ExitCode.DRAIN_CUT_SHORT` (3) when `drain_timeout_s` passed with requests still in flight; systemd restarts
neither.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from warmfleet_inference.artifact import artifact_stem, default_cache_dir, fetch_artifact
from warmfleet_inference.exceptions import WarmfleetInferenceError
from warmfleet_inference.process import DEFAULT_DRAIN_TIMEOUT_SECONDS, ExitCode
from warmfleet_inference.server.batching import MicroBatcher
from warmfleet_inference.server.metrics import ServerMetrics
from warmfleet_inference.server.model import LoadedModel, warm_up
from warmfleet_inference.server.readiness import Readiness, ReadinessState

LOGGER = logging.getLogger(__name__)
DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class ServerConfig:
    """Everything `warmfleet-inference serve` is told; see its `--help` for each option."""

    model_uri: str
    port: int
    host: str = "127.0.0.1"
    name: str | None = None
    max_batch_size: int = 32
    batch_window_ms: float = 2.0
    warmup_iterations: int = 3
    warmup_batch_sizes: tuple[int, ...] = (1, 8, 32)
    cache_dir: Path = field(default_factory=default_cache_dir)
    sha256: str | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    drain_timeout_s: float = DEFAULT_DRAIN_TIMEOUT_SECONDS
    intra_op_threads: int = 0  # 0: the server's choice (`providers.intra_op_threads`)
    retry_after_s: int = 1

    def __post_init__(self) -> None:
        checks = {
            "port must be 0..65535": 0 <= self.port <= 65535,
            "max batch size must be at least 1": self.max_batch_size >= 1,
            "batch window must not be negative": self.batch_window_ms >= 0,
            "warm-up iterations must not be negative": self.warmup_iterations >= 0,
            "warm-up batch sizes must be positive": all(size >= 1 for size in self.warmup_batch_sizes),
            "max body bytes must be positive": self.max_body_bytes >= 1,
            "drain timeout must not be negative": self.drain_timeout_s >= 0,
            "intra-op threads must not be negative": self.intra_op_threads >= 0,
        }
        failed = [message for message, ok in checks.items() if not ok]
        if failed:
            raise ValueError("; ".join(failed))

    @property
    def model_name(self) -> str:
        return self.name or artifact_stem(self.model_uri)

    @property
    def effective_warmup_batch_sizes(self) -> tuple[int, ...]:
        """Warm-up sizes above the maximum batch are clipped to it: the server never runs a larger batch."""
        return tuple(sorted({min(size, self.max_batch_size) for size in self.warmup_batch_sizes}))


class ServerRuntime:
    """State shared by the routes, the loader thread and the drain."""

    def __init__(self, config: ServerConfig, started_at: float) -> None:
        self.config = config
        self.readiness = Readiness()
        self.metrics = ServerMetrics(lambda: self.readiness.snapshot().is_ready)
        self.model: LoadedModel | None = None
        self.batcher: MicroBatcher | None = None
        self.exit_code: int = ExitCode.OK
        self.request_exit: Callable[[bool], None] = lambda _force: None
        self._started_at = started_at
        self._loop: asyncio.AbstractEventLoop | None = None
        self._idle = asyncio.Event()
        self._drain_task: asyncio.Task[None] | None = None
        self._stop_loading = threading.Event()
        self._loader: threading.Thread | None = None

    def start(self) -> None:
        """Called on the event loop at startup: begin preparing the model in the background."""
        self._loop = asyncio.get_running_loop()
        loop_type = type(self._loop)
        LOGGER.info("event loop %s.%s", loop_type.__module__, loop_type.__qualname__)
        self._loader = threading.Thread(target=self._prepare, name="model-loader", daemon=True)
        self._loader.start()

    def stop_loader(self, timeout_s: float) -> bool:
        """Ask the loader to stop at its next safe point and wait; False if still busy after `timeout_s`.

        The process must not end while the loader is inside ONNX Runtime: finalising the interpreter under a
        running session aborts the process (SIGABRT) instead of exiting with the drain's code.
        """
        self._stop_loading.set()
        if self._loader is not None:
            self._loader.join(timeout_s)
        return self._loader is None or not self._loader.is_alive()

    async def stop(self) -> None:
        if self.batcher is not None:
            await self.batcher.stop()

    def _prepare(self) -> None:
        config = self.config
        sizes = config.effective_warmup_batch_sizes
        try:
            artifact = fetch_artifact(config.model_uri, config.cache_dir, config.sha256)
            model = LoadedModel(artifact.path, config.model_name, config.intra_op_threads)
            plan = f"{config.warmup_iterations} warm-up inference(s) at each batch size {list(sizes)}"
            if not self.readiness.advance(ReadinessState.WARMING, f"running {plan}"):
                return
            LOGGER.info("model %r loaded from %s; running %s", config.model_name, artifact.path, plan)
            warm_up(model, sizes, config.warmup_iterations, should_stop=self._stop_loading.is_set)
            if self._stop_loading.is_set():
                return
        except Exception as error:  # whatever went wrong is the reason /ready reports
            reason = f"model {config.model_uri} could not be loaded: {error}"
            # A traceback only for what is not a refusal of ours nor an I/O error: that would be a bug.
            LOGGER.error("%s", reason, exc_info=not isinstance(error, WarmfleetInferenceError | OSError))
            self.readiness.advance(ReadinessState.FAILED, reason)
            return
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._become_ready, model)

    def _become_ready(self, model: LoadedModel) -> None:
        if self.readiness.snapshot().state is not ReadinessState.WARMING:
            return  # a drain arrived while warming; this instance will never serve
        config = self.config
        window_s = config.batch_window_ms / 1000
        self.batcher = MicroBatcher(model.run, config.max_batch_size, window_s, self.metrics.record_batch)
        self.batcher.start()
        self.model = model
        self.metrics.warmup_seconds = time.monotonic() - self._started_at
        self.readiness.advance(ReadinessState.READY, "warm")
        LOGGER.info("ready after %.2f s on %s", self.metrics.warmup_seconds, model.providers[0])

    def admit(self) -> None:
        """Count an accepted infer request; a drain waits for every admitted request to be released."""
        self.metrics.request_started()
        self._idle.clear()

    def release(self) -> None:
        self.metrics.request_finished()
        if self.metrics.inflight == 0:
            self._idle.set()

    def drain_from_signal(self, source: str) -> bool:
        """Schedule a drain from a signal handler; False when the loop is not running yet."""
        if self._loop is None:
            return False
        self._loop.call_soon_threadsafe(self.begin_drain, source)
        return True

    def begin_drain(self, source: str) -> None:
        """Stop admitting requests, wait for the admitted ones, then exit (idempotent)."""
        if self._drain_task is not None:
            return
        LOGGER.info("drain requested by %s with %d request(s) in flight", source, self.metrics.inflight)
        self._stop_loading.set()
        self.readiness.advance(ReadinessState.DRAINING, f"drain requested by {source}")
        self._drain_task = asyncio.get_running_loop().create_task(self._drain(), name="drain")

    async def _drain(self) -> None:
        started = time.monotonic()
        try:
            await asyncio.wait_for(self._wait_idle(), self.config.drain_timeout_s)
        except TimeoutError:
            self.exit_code = ExitCode.DRAIN_CUT_SHORT
            LOGGER.error(
                "drain timed out after %.0f s with %d request(s) in flight",
                self.config.drain_timeout_s,
                self.metrics.inflight,
            )
        else:
            LOGGER.info("drained in %.2f s; exiting", time.monotonic() - started)
        # Forced after a timeout: the requests still held would otherwise keep uvicorn waiting for them.
        self.request_exit(self.exit_code != ExitCode.OK)

    async def _wait_idle(self) -> None:
        while self.metrics.inflight > 0:
            self._idle.clear()
            await self._idle.wait()
