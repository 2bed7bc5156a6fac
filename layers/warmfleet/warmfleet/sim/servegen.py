"""Trace B (ServeGen, Alibaba Cloud Model Studio, 14 days): request counts per 10-minute window, replayed.

``servegen_m-large_total_10min.csv`` gives the exact number of requests in each 600-s window, and nothing
inside a window. The replay states its choices, as the trace's README asks:

* **Rate.** Each window's count is divided by ``divisor`` (the operator's ~196 req/s would need thousands of
  simulated GPUs; the default 100 gives about 2 req/s, 5 to 10 instances of the default model) and rounded
  half to even, so the replay keeps the trace's shape exactly, window by window.
* **Arrivals.** A window's arrivals are independent and uniform inside it: a Poisson process at the
  window's rate, conditioned on its count (the README's option 1, piecewise-constant Poisson). The
  per-client burstiness of the clients file is not replayed.
* **Tokens.** Trace B has none, so each request takes the prompt and output lengths of a request drawn at
  random from a token source (a trace A file; the conversation service is the closest to a chat model).

All randomness comes from the one ``random.Random(seed)``. The trace has no date: arrival 0 is dated
1970-01-01T00:00Z, so a reading's epoch seconds are the trace's own seconds (t = 0 is local midnight).
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from pathlib import Path

from warmfleet.exceptions import TraceError

#: The header of ``servegen_m-large_total_10min.csv``.
SERVEGEN_HEADER = (
    "window_start_s",
    "total_requests",
    "total_rate_rps",
    "active_clients",
    "max_client_rate_rps",
    "rate_weighted_mean_cv",
)
WINDOW_SECONDS = 600.0


def read_servegen_totals(path: Path) -> list[tuple[float, int]]:
    """Every window of the totals file as ``(window start in seconds, requests)``, strictly checked.

    >>> windows = read_servegen_totals(Path("tests/data/traces/servegen_m-large_total_10min.csv"))
    >>> len(windows), windows[0], sum(n for _, n in windows)
    (2016, (0.0, 127668), 236892826)
    """
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None or tuple(header) != SERVEGEN_HEADER:
                raise TraceError(f"{path}:1: expected the header {','.join(SERVEGEN_HEADER)}, got {header!r}")
            windows = [_window(row, f"{path}:{reader.line_num}") for row in reader if row]
    except OSError as error:
        raise TraceError(f"{path}: {error.strerror or error}") from None
    starts = [start for start, _ in windows]
    if starts != sorted(starts) or len(set(starts)) != len(starts):
        raise TraceError(f"{path}: windows are not in increasing order of window_start_s")
    return windows


def _window(row: list[str], where: str) -> tuple[float, int]:
    if len(row) != len(SERVEGEN_HEADER):
        raise TraceError(f"{where}: expected {len(SERVEGEN_HEADER)} fields, got {row!r}")
    try:
        start, requests = float(row[0]), int(row[1])
    except ValueError as error:
        raise TraceError(f"{where}: {error} in {row!r}") from None
    if start < 0 or requests < 0:
        raise TraceError(f"{where}: negative window start or request count in {row!r}")
    return start, requests


def servegen_arrivals(
    windows: Sequence[tuple[float, int]],
    *,
    divisor: float,
    rng: random.Random,
    offset_seconds: float = 0.0,
    duration_seconds: float | None = None,
) -> list[float]:
    """Arrival times (seconds from ``offset``) of the windows inside the slice, scaled by ``divisor``.

    A window partly inside the slice keeps the share of its count that falls inside.

    >>> arrivals = servegen_arrivals([(0.0, 1000), (600.0, 3000)], divisor=100, rng=random.Random(1))
    >>> len(arrivals), sum(1 for at in arrivals if at < 600), arrivals == sorted(arrivals)
    (40, 10, True)
    """
    if divisor <= 0:
        raise TraceError(f"the rate divisor must be > 0, got {divisor}")
    end = float("inf") if duration_seconds is None else offset_seconds + duration_seconds
    arrivals: list[float] = []
    for start, requests in windows:
        low, high = max(start, offset_seconds), min(start + WINDOW_SECONDS, end)
        if high <= low:
            continue
        count = round(requests / divisor * (high - low) / WINDOW_SECONDS)
        arrivals.extend(rng.uniform(low, high) - offset_seconds for _ in range(count))
    arrivals.sort()
    return arrivals
