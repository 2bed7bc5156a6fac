"""Dynamic micro-batching: requests that arrive within a window run as one batch, up to a maximum of rows.

The semantics are Triton's dynamic batcher (`max_queue_delay_microseconds`,
https://docs.nvidia.com/deeplearning/triton-inference-server/user-guide/docs/user_guide/model_configuration.html#dynamic-batcher):
a batch closes when it holds `max_batch_size` rows or when its oldest request has waited `window_s`. Requests
are never split; one that does not fit leads the next batch. The model runs on a single worker thread (one
batch at a time keeps a GPU or the CPU cores busy without contention); while it runs, new requests queue,
so under load the next batch is already full or past its window and starts at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

LOGGER = logging.getLogger(__name__)
Tensors = dict[str, np.ndarray]


@dataclass
class _Pending:
    inputs: Tensors
    rows: int
    future: asyncio.Future[Tensors]
    enqueued_at: float = field(default_factory=time.monotonic)


class MicroBatcher:
    """Queue requests, run them in batches through `run`, and hand each request its own rows back.

    Example
    -------
    >>> batcher = MicroBatcher(model.run, max_batch_size=32, window_s=0.002)  # doctest: +SKIP
    >>> batcher.start(); outputs = await batcher.infer({"input": rows}, len(rows))  # doctest: +SKIP
    """

    def __init__(
        self,
        run: Callable[[Tensors], Tensors],
        max_batch_size: int,
        window_s: float,
        on_batch: Callable[[int], None] = lambda _rows: None,
    ) -> None:
        if max_batch_size < 1 or window_s < 0:
            raise ValueError("max_batch_size must be at least 1 and window_s not negative")
        self._run, self._max_rows, self._window_s, self._on_batch = run, max_batch_size, window_s, on_batch
        self._queue: deque[_Pending] = deque()
        self._queued_rows = 0
        self._arrived = asyncio.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="model")
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="micro-batcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def infer(self, inputs: Tensors, rows: int) -> Tensors:
        """Queue one request of `rows` rows (at most `max_batch_size`) and wait for its outputs."""
        future: asyncio.Future[Tensors] = asyncio.get_running_loop().create_future()
        self._queue.append(_Pending(inputs, rows, future))
        self._queued_rows += rows
        self._arrived.set()
        return await future

    async def _loop(self) -> None:
        while True:
            while not self._queue:
                self._arrived.clear()
                await self._arrived.wait()
            deadline = self._queue[0].enqueued_at + self._window_s
            while self._queued_rows < self._max_rows and (remaining := deadline - time.monotonic()) > 0:
                self._arrived.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._arrived.wait(), remaining)
            await self._run_batch(self._take_batch())

    def _take_batch(self) -> list[_Pending]:
        batch = [self._queue.popleft()]
        rows = batch[0].rows
        while self._queue and rows + self._queue[0].rows <= self._max_rows:
            rows += self._queue[0].rows
            batch.append(self._queue.popleft())
        self._queued_rows -= rows
        return batch

    async def _run_batch(self, batch: list[_Pending]) -> None:
        live = [pending for pending in batch if not pending.future.done()]
        if not live:
            return
        names = live[0].inputs.keys()
        merged = (
            live[0].inputs
            if len(live) == 1
            else {name: np.concatenate([pending.inputs[name] for pending in live]) for name in names}
        )
        rows = sum(pending.rows for pending in live)
        self._on_batch(rows)
        try:
            outputs = await asyncio.get_running_loop().run_in_executor(self._executor, self._run, merged)
        except Exception as error:  # the model's failure is every waiting request's failure
            LOGGER.exception("batch of %d rows failed", rows)
            for pending in live:
                if not pending.future.done():
                    pending.future.set_exception(error)
            return
        offset = 0
        for pending in live:
            if not pending.future.done():
                pending.future.set_result(
                    {name: value[offset : offset + pending.rows] for name, value in outputs.items()}
                )
            offset += pending.rows
