"""Reading trace A: every row replayed, slices and compression exact, malformed input refused by line."""

from __future__ import annotations

import csv
import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from warmfleet.exceptions import TraceError
from warmfleet.sim import Request, load_trace

from tests.conftest import ROOT

TRACES = ROOT / "tests" / "data" / "traces"
CODE = TRACES / "AzureLLMInferenceTrace_code.csv"
CONV = TRACES / "AzureLLMInferenceTrace_conv.csv"
SERVEGEN = TRACES / "servegen_m-large_total_10min.csv"
HEADER = "TIMESTAMP,ContextTokens,GeneratedTokens\r\n"
GOOD_ROW = "2023-11-16 18:15:46.6805900,374,44\r\n"


def _published_digests() -> dict[str, str]:
    # The README's SHA-256 block: "<hex>  <file name>" lines.
    readme = (TRACES / "README.md").read_text(encoding="utf-8")
    return {
        parts[1]: parts[0]
        for line in readme.splitlines()
        if len(parts := line.split()) == 2 and len(parts[0]) == 64 and parts[1].endswith(".csv")
    }


def _rows_in_window(path: Path, seconds: float) -> int:
    # An independent count: the csv module and datetime, not the loader.
    with path.open(newline="", encoding="utf-8") as handle:
        times = [datetime.fromisoformat(row[0]) for row in list(csv.reader(handle))[1:]]
    return sum(1 for at in times if (at - times[0]).total_seconds() < seconds)


@pytest.mark.parametrize(
    "path",
    [pytest.param(CODE, id="code"), pytest.param(CONV, id="conv"), pytest.param(SERVEGEN, id="servegen")],
)
def test_the_copied_trace_is_the_published_file(path: Path) -> None:
    # GIVEN a trace file in tests/data/traces WHEN hashed THEN it matches the README's SHA-256
    assert hashlib.sha256(path.read_bytes()).hexdigest() == _published_digests()[path.name]


@pytest.mark.parametrize(
    ("paths", "duration", "speed", "expected"),
    [
        pytest.param((CODE,), None, 1.0, 8819, id="code-whole-file"),
        pytest.param((CONV,), None, 1.0, 19366, id="conv-whole-file"),
        pytest.param((CODE, CONV), None, 1.0, 28185, id="code-and-conv-merged"),
        pytest.param((CONV,), 300.0, 1.0, _rows_in_window(CONV, 300.0), id="conv-first-5-minutes"),
        pytest.param((CONV,), 300.0, 4.0, _rows_in_window(CONV, 300.0), id="conv-5-minutes-4x-faster"),
    ],
)
def test_every_arrival_of_the_slice_is_replayed(
    paths: tuple[Path, ...], duration: float | None, speed: float, expected: int
) -> None:
    # GIVEN trace files, a slice and a speed WHEN loaded
    trace = load_trace(paths, duration_seconds=duration, speed=speed)
    # THEN the request count is the file's, in arrival order, inside the compressed span
    arrivals = [r.arrival for r in trace.requests]
    assert len(arrivals) == expected
    assert arrivals == sorted(arrivals)
    assert arrivals[0] == 0.0
    assert arrivals[-1] <= trace.duration
    if duration is not None:
        assert trace.duration == pytest.approx(duration / speed)


def test_an_offset_starts_the_replay_later() -> None:
    # GIVEN the conv trace WHEN the first 60 s are skipped and 60 s replayed
    trace = load_trace([CONV], offset_seconds=60.0, duration_seconds=60.0)
    # THEN the slice holds exactly the rows of [60 s, 120 s)
    assert len(trace.requests) == _rows_in_window(CONV, 120.0) - _rows_in_window(CONV, 60.0)
    assert all(0.0 <= r.arrival < 60.0 for r in trace.requests)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("", "expected the header", id="empty-file"),
        pytest.param("time,in,out\r\n" + GOOD_ROW, "expected the header", id="foreign-header"),
        pytest.param(HEADER + "2023-11-16 18:15:46.68,374\r\n", ":2: expected 3 fields", id="missing-field"),
        pytest.param(HEADER + GOOD_ROW + "yesterday,374,44\r\n", ":3: Invalid isoformat", id="bad-timestamp"),
        pytest.param(HEADER + "2023-11-16 18:15:46.68,many,44\r\n", ":2: invalid literal", id="bad-tokens"),
        pytest.param(
            HEADER + "2023-11-16 18:15:46.68,374,-1\r\n", ":2: negative token", id="negative-tokens"
        ),
        pytest.param(HEADER, "no requests", id="header-only"),
    ],
)
def test_a_malformed_trace_is_refused_with_its_line(tmp_path: Path, content: str, message: str) -> None:
    # GIVEN a trace file with one defect
    path = tmp_path / "trace.csv"
    path.write_text(content, encoding="utf-8", newline="")
    # WHEN loaded THEN a TraceError names the file (and the line) and the defect
    with pytest.raises(TraceError, match=message) as raised:
        load_trace([path])
    assert str(path) in str(raised.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"speed": 0.0}, "speed and duration must be > 0", id="zero-speed"),
        pytest.param({"duration_seconds": -5.0}, "speed and duration must be > 0", id="negative-duration"),
        pytest.param({"offset_seconds": 99_999.0}, "no request in the slice", id="slice-after-the-end"),
    ],
)
def test_an_impossible_slice_is_refused(kwargs: dict[str, Any], message: str) -> None:
    # GIVEN a valid trace and impossible slice arguments WHEN loaded THEN a TraceError says why
    with pytest.raises(TraceError, match=message):
        load_trace([CONV], **kwargs)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    # GIVEN a path that does not exist WHEN loaded THEN a TraceError names it
    with pytest.raises(TraceError, match="No such file"):
        load_trace([tmp_path / "absent.csv"])


def _servegen_counts(windows: int) -> list[int]:
    # An independent read of the first windows' request counts.
    with SERVEGEN.open(newline="", encoding="utf-8") as handle:
        return [int(row["total_requests"]) for row in list(csv.DictReader(handle))[:windows]]


@pytest.mark.parametrize(
    ("divisor", "offset", "duration"),
    [
        pytest.param(100.0, 0.0, 3600.0, id="first-hour-divided-by-100"),
        pytest.param(250.0, 1800.0, 1800.0, id="half-hour-from-a-window-boundary-divided-by-250"),
    ],
)
def test_trace_b_keeps_every_window_count(divisor: float, offset: float, duration: float) -> None:
    # GIVEN trace B's totals, a slice on window boundaries and a divisor
    trace = load_trace([SERVEGEN], offset_seconds=offset, duration_seconds=duration, divisor=divisor,
                       token_source=CONV)  # fmt: skip
    # WHEN the generated arrivals are counted per 10-minute window
    windows = int(duration // 600)
    counted = [sum(1 for r in trace.requests if k * 600 <= r.arrival < (k + 1) * 600) for k in range(windows)]
    # THEN each window holds the trace's count divided by the divisor, and nothing falls outside the slice
    first = int(offset // 600)
    assert counted == [round(n / divisor) for n in _servegen_counts(first + windows)[first:]]
    assert len(trace.requests) == sum(counted)
    assert trace.duration == duration


def test_trace_b_draws_tokens_from_the_source_and_depends_only_on_the_seed() -> None:
    # GIVEN the first hour of trace B, twice with seed 5 and once with seed 6
    def hour(seed: int) -> tuple[Request, ...]:
        return load_trace([SERVEGEN], duration_seconds=3600.0, seed=seed, token_source=CONV).requests

    first, again, other = hour(5), hour(5), hour(6)
    # THEN the same seed gives the same requests, another seed others
    assert first == again and first != other
    # AND every request's token counts are those of a request of the source
    with CONV.open(newline="", encoding="utf-8") as handle:
        pairs = {(int(row[1]), int(row[2])) for row in list(csv.reader(handle))[1:]}
    assert all((r.context_tokens, r.generated_tokens) in pairs for r in first)


@pytest.mark.parametrize(
    ("paths", "kwargs", "message"),
    [
        pytest.param([SERVEGEN], {}, "trace B has no token counts", id="no-token-source"),
        pytest.param([SERVEGEN, CONV], {"token_source": CONV}, "replayed alone", id="mixed-with-trace-a"),
        pytest.param(
            [SERVEGEN], {"token_source": CONV, "divisor": 0.0}, "divisor must be > 0", id="zero-divisor"
        ),
    ],
)
def test_an_impossible_trace_b_replay_is_refused(
    paths: list[Path], kwargs: dict[str, Any], message: str
) -> None:
    # GIVEN trace B with a missing or contradictory argument WHEN loaded THEN a TraceError says why
    with pytest.raises(TraceError, match=message):
        load_trace(paths, **kwargs)


def test_a_malformed_trace_b_row_is_refused_with_its_line(tmp_path: Path) -> None:
    # GIVEN trace B's header and first rows, then a row whose count is not a number
    lines = [*SERVEGEN.read_text(encoding="utf-8").splitlines()[:3], "1200,lots,1.0,40,90.0,1.5"]
    path = tmp_path / "servegen.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # WHEN loaded THEN a TraceError names the file and line 4
    with pytest.raises(TraceError, match=r":4: invalid literal"):
        load_trace([path], token_source=CONV)
