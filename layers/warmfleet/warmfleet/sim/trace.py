"""Request traces for the simulator: the Azure LLM inference trace 2023 (trace A), read row by row.

A trace is the list of requests a replay feeds the simulated fleet: each request's arrival (seconds from
the first request of the trace, after the optional slice and time compression) and its prompt and output
token counts, from which :mod:`warmfleet.sim.model` derives its service time. The files are the published
``AzureLLMInferenceTrace_{code,conv}.csv`` (header ``TIMESTAMP,ContextTokens,GeneratedTokens``, CRLF, UTC
timestamps with 7 fractional digits; ``tests/data/traces/README.md``); several files are merged in arrival
order. A trace B totals file (ServeGen, 14 days of 10-minute counts) is recognised by its header and
replayed by :mod:`warmfleet.sim.servegen`. Reading is strict: a missing file, a foreign header, a
malformed row or an empty slice raises :class:`~warmfleet.exceptions.TraceError` naming the file and
line, and nothing is simulated.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from warmfleet.exceptions import TraceError
from warmfleet.sim.servegen import SERVEGEN_HEADER, WINDOW_SECONDS, read_servegen_totals, servegen_arrivals

#: The header of the published trace A files.
AZURE_HEADER = ("TIMESTAMP", "ContextTokens", "GeneratedTokens")


class Request(NamedTuple):
    """One request of a trace: arrival in seconds from the trace's start, and its token counts."""

    arrival: float
    context_tokens: int
    generated_tokens: int


@dataclass(frozen=True, slots=True)
class Trace:
    """The requests to replay, in arrival order, and where they came from.

    ``start`` is the wall-clock time of arrival 0 (the first request of the whole
    file, plus the slice's offset); ``duration`` is the span the slice covers, in
    simulated seconds (after compression), so an idle tail still counts.
    """

    requests: tuple[Request, ...]
    start: datetime
    duration: float
    sources: tuple[str, ...]
    speed: float = 1.0

    def arrivals_per_minute(self) -> list[int]:
        """Arrivals in each simulated minute from 0 (the load line of the plot)."""
        counts = [0] * (int(self.duration // 60) + 1)
        for request in self.requests:
            counts[min(int(request.arrival // 60), len(counts) - 1)] += 1
        return counts


def _parse_row(row: list[str], where: str) -> tuple[datetime, int, int]:
    if len(row) != len(AZURE_HEADER):
        raise TraceError(f"{where}: expected 3 fields (TIMESTAMP,ContextTokens,GeneratedTokens), got {row!r}")
    try:
        at = datetime.fromisoformat(row[0])
        context, generated = int(row[1]), int(row[2])
    except ValueError as error:
        raise TraceError(f"{where}: {error} in {row!r}") from None
    if context < 0 or generated < 0:
        raise TraceError(f"{where}: negative token count in {row!r}")
    # The published trace gives no time zone; its 2024 sibling is UTC, so UTC is assumed.
    return (at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)), context, generated


def read_azure_csv(path: Path) -> list[tuple[datetime, int, int]]:
    """Every row of one trace A file as ``(arrival time, context tokens, generated tokens)``.

    >>> rows = read_azure_csv(Path("tests/data/traces/AzureLLMInferenceTrace_code.csv"))
    >>> len(rows), rows[0][1:]
    (8819, (4808, 10))
    """
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None or tuple(h.strip() for h in header) != AZURE_HEADER:
                raise TraceError(f"{path}:1: expected the header {','.join(AZURE_HEADER)}, got {header!r}")
            return [_parse_row(row, f"{path}:{reader.line_num}") for row in reader if row]
    except OSError as error:
        raise TraceError(f"{path}: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise TraceError(f"{path}: not a UTF-8 text file ({error.reason})") from None


def _is_servegen(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8") as handle:
            return tuple(handle.readline().strip().split(",")) == SERVEGEN_HEADER
    except (OSError, UnicodeDecodeError):
        return False  # the trace A reader reports it


def _load_servegen(
    path: Path,
    *,
    offset_seconds: float,
    duration_seconds: float | None,
    speed: float,
    seed: int,
    divisor: float,
    token_source: Path | None,
) -> Trace:
    if token_source is None:
        raise TraceError(f"{path}: trace B has no token counts; name a trace A file to draw them from")
    windows = read_servegen_totals(path)
    tokens = [(context, generated) for _, context, generated in read_azure_csv(token_source)]
    if not tokens:
        raise TraceError(f"{token_source}: no requests to draw token counts from")
    rng = random.Random(seed)
    arrivals = servegen_arrivals(
        windows, divisor=divisor, rng=rng, offset_seconds=offset_seconds, duration_seconds=duration_seconds
    )
    if not arrivals:
        raise TraceError(f"no request in the slice [{offset_seconds:g} s, +{duration_seconds} s) of {path}")
    span = windows[-1][0] + WINDOW_SECONDS - offset_seconds
    if duration_seconds is not None:
        span = min(span, duration_seconds)
    return Trace(
        requests=tuple(Request(at / speed, *rng.choice(tokens)) for at in arrivals),
        start=datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=offset_seconds),
        duration=span / speed,
        sources=(path.name, f"tokens: {token_source.name}", f"rate / {divisor:g}", f"seed {seed}"),
        speed=speed,
    )


def load_trace(
    paths: Sequence[Path],
    *,
    offset_seconds: float = 0.0,
    duration_seconds: float | None = None,
    speed: float = 1.0,
    seed: int = 1,
    divisor: float = 100.0,
    token_source: Path | None = None,
) -> Trace:
    """Load and merge trace A files, keep ``[offset, offset + duration)``, compress time by ``speed``.

    ``speed`` 2 replays the slice in half the time: arrivals come twice as fast,
    while each request's tokens (hence its service time) are unchanged, so the load
    doubles. It is the knob for short tests, and for scaling a trace to a fleet.
    One trace B totals file instead (:mod:`warmfleet.sim.servegen`) generates its
    arrivals from ``seed``, at its rate divided by ``divisor``, with token counts
    drawn from the trace A file ``token_source``.

    >>> trace = load_trace([Path("tests/data/traces/AzureLLMInferenceTrace_conv.csv")], duration_seconds=60)
    >>> len(trace.requests), trace.requests[0].arrival, trace.duration
    (191, 0.0, 60.0)
    """
    if not paths:
        raise TraceError("no trace file given")
    if speed <= 0 or offset_seconds < 0 or (duration_seconds is not None and duration_seconds <= 0):
        raise TraceError("speed and duration must be > 0 and the offset >= 0")
    if any(_is_servegen(path) for path in paths):
        if len(paths) != 1:
            raise TraceError("a trace B file is replayed alone: give one --trace")
        return _load_servegen(
            paths[0],
            offset_seconds=offset_seconds,
            duration_seconds=duration_seconds,
            speed=speed,
            seed=seed,
            divisor=divisor,
            token_source=token_source,
        )
    rows = sorted(row for path in paths for row in read_azure_csv(path))
    if not rows:
        raise TraceError(f"{', '.join(map(str, paths))}: no requests")
    first = rows[0][0]
    span = (rows[-1][0] - first).total_seconds() - offset_seconds
    if duration_seconds is not None:
        span = min(span, duration_seconds)
    requests = tuple(
        Request((seconds - offset_seconds) / speed, context, generated)
        for seconds, context, generated in (
            ((at - first).total_seconds(), context, generated) for at, context, generated in rows
        )
        if offset_seconds <= seconds
        and (duration_seconds is None or seconds < offset_seconds + duration_seconds)
    )
    if not requests:
        raise TraceError(
            f"no request in the slice [{offset_seconds:g} s, +{duration_seconds} s) of the trace"
        )
    return Trace(
        requests=requests,
        start=first + timedelta(seconds=offset_seconds),
        duration=max(span, 0.0) / speed,
        sources=tuple(path.name for path in paths),
        speed=speed,
    )
