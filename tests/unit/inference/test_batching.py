"""Dynamic micro-batching: the window merges requests, the maximum caps them, each gets its own rows back."""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest
from warmfleet_inference.server.batching import MicroBatcher, Tensors


class RecordingModel:
    """Doubles its input and records the rows of every batch it ran (called on the worker thread)."""

    def __init__(self, fail: bool = False) -> None:
        self.batches: list[int] = []
        self.fail = fail
        self.gate = threading.Event()
        self.gate.set()

    def run(self, inputs: Tensors) -> Tensors:
        self.gate.wait(5)
        if self.fail:
            raise RuntimeError("device lost")
        self.batches.append(inputs["x"].shape[0])
        return {"y": inputs["x"] * 2}


def _rows(first: float, count: int) -> np.ndarray:
    return np.arange(first, first + count, dtype=np.float32).reshape(count, 1)


async def _submit_all(batcher: MicroBatcher, sizes: list[int]) -> list[Tensors]:
    batcher.start()
    try:
        return await asyncio.gather(
            *(batcher.infer({"x": _rows(100 * index, size)}, size) for index, size in enumerate(sizes))
        )
    finally:
        await batcher.stop()


@pytest.mark.parametrize(
    ("sizes", "max_batch", "expected_batches"),
    [
        pytest.param([1] * 8, 32, [8], id="eight-singles-one-batch"),
        pytest.param([1] * 10, 4, [4, 4, 2], id="capped-at-max-rows"),
        pytest.param([3, 3, 3], 4, [3, 3, 3], id="requests-are-never-split"),
        pytest.param([2, 1, 3, 2], 4, [3, 3, 2], id="a-request-that-does-not-fit-leads-the-next-batch"),
    ],
)
def test_requests_in_one_window_share_batches(
    sizes: list[int], max_batch: int, expected_batches: list[int]
) -> None:
    # GIVEN a batcher with a long window, and requests queued together
    model = RecordingModel()
    batcher = MicroBatcher(model.run, max_batch_size=max_batch, window_s=0.2)
    # WHEN they are submitted at once
    results = asyncio.run(_submit_all(batcher, sizes))
    # THEN the model ran the expected batches, and each request got exactly its own rows back, doubled
    assert model.batches == expected_batches
    for index, (size, result) in enumerate(zip(sizes, results, strict=True)):
        np.testing.assert_array_equal(result["y"], _rows(100 * index, size) * 2)


def test_a_zero_window_runs_each_request_as_soon_as_the_model_is_free() -> None:
    # GIVEN a zero window and requests that arrive one after another
    model = RecordingModel()
    batcher = MicroBatcher(model.run, max_batch_size=32, window_s=0.0)

    async def scenario() -> None:
        batcher.start()
        for index in range(3):
            await batcher.infer({"x": _rows(index, 1)}, 1)
        await batcher.stop()

    # WHEN each is awaited before the next is sent
    asyncio.run(scenario())
    # THEN each ran alone
    assert model.batches == [1, 1, 1]


def test_requests_arriving_while_the_model_runs_form_the_next_batch() -> None:
    # GIVEN a model held busy on a first request
    model = RecordingModel()
    model.gate.clear()
    batcher = MicroBatcher(model.run, max_batch_size=32, window_s=0.0)

    async def scenario() -> None:
        batcher.start()
        first = asyncio.ensure_future(batcher.infer({"x": _rows(0, 1)}, 1))
        await asyncio.sleep(0.05)
        rest = [asyncio.ensure_future(batcher.infer({"x": _rows(i, 1)}, 1)) for i in range(5)]
        await asyncio.sleep(0.05)
        model.gate.set()
        await asyncio.gather(first, *rest)
        await batcher.stop()

    # WHEN five more arrive during that run
    asyncio.run(scenario())
    # THEN they run together as soon as it finishes, even with a zero window
    assert model.batches == [1, 5]


def test_a_model_failure_fails_every_request_of_the_batch() -> None:
    # GIVEN a model that raises
    batcher = MicroBatcher(RecordingModel(fail=True).run, max_batch_size=8, window_s=0.05)

    async def scenario() -> list[object]:
        batcher.start()
        try:
            return await asyncio.gather(
                *(batcher.infer({"x": _rows(i, 1)}, 1) for i in range(3)), return_exceptions=True
            )
        finally:
            await batcher.stop()

    # WHEN three requests share its batch / THEN each gets the model's error
    outcomes = asyncio.run(scenario())
    assert [str(outcome) for outcome in outcomes] == ["device lost"] * 3


def test_the_batch_size_is_reported() -> None:
    # GIVEN a batcher reporting each batch's rows
    seen: list[int] = []
    batcher = MicroBatcher(RecordingModel().run, max_batch_size=8, window_s=0.2, on_batch=seen.append)
    # WHEN three requests of 2 rows run together / THEN one batch of 6 is reported
    asyncio.run(_submit_all(batcher, [2, 2, 2]))
    assert seen == [6]


@pytest.mark.parametrize(
    ("max_batch", "window_s"),
    [pytest.param(0, 0.01, id="zero-batch"), pytest.param(8, -1.0, id="negative-window")],
)
def test_invalid_settings_are_refused(max_batch: int, window_s: float) -> None:
    # GIVEN / WHEN impossible settings / THEN the batcher refuses them
    with pytest.raises(ValueError, match="max_batch_size must be at least 1"):
        MicroBatcher(RecordingModel().run, max_batch_size=max_batch, window_s=window_s)
