"""Prometheus text parsing and the interval p95 computed from histogram bucket deltas."""

from __future__ import annotations

import math
from typing import Any

import pytest
from warmfleet_inference.agent.prometheus import (
    HistogramCounts,
    MetricNames,
    bucket_deltas,
    histogram_quantile,
    interval_latency_p95_ms,
    parse_exposition,
    read_server_snapshot,
)


def test_snapshot_reads_every_contract_metric(prometheus_text: Any) -> None:
    # GIVEN a scrape of the warmfleet server
    # WHEN it is reduced to a snapshot
    snapshot = read_server_snapshot(prometheus_text("server-metrics-t0.prom"))
    # THEN every metric of the contract is read, the latency histogram with its +Inf bucket
    assert snapshot.inflight == 3
    assert snapshot.requests_by_status == {"ok": 100, "error": 2}
    assert snapshot.ready == 1
    assert snapshot.warmup_seconds == 42.5
    assert snapshot.latency is not None
    assert snapshot.latency.buckets == {0.01: 10, 0.05: 60, 0.1: 90, 0.5: 100, math.inf: 102}
    assert (snapshot.latency.count, snapshot.latency.total) == (102, 4.5)


def test_series_with_extra_labels_are_summed(prometheus_text: Any) -> None:
    # GIVEN a server exposing one series per model
    snapshot = read_server_snapshot(prometheus_text("server-metrics-per-model.prom"))
    # THEN the agent sees one instance-wide figure
    assert snapshot.inflight == 3
    assert snapshot.requests_by_status == {"ok": 12}
    assert snapshot.latency == HistogramCounts(buckets={0.1: 10, math.inf: 12}, count=12, total=0.7)


def test_a_foreign_server_reads_as_missing_metrics(prometheus_text: Any) -> None:
    # GIVEN a bring-your-own server with other metric names, a timestamp and an escaped label value
    text = prometheus_text("byo-server-metrics.prom")
    # WHEN it is parsed
    samples = parse_exposition(text)
    snapshot = read_server_snapshot(text)
    # THEN the labels are unescaped and the warmfleet metrics read as None, not zero
    assert samples[0].labels == {"model_name": 'llama "3", 8b'}
    assert samples[0].value == 4
    assert (snapshot.inflight, snapshot.latency, snapshot.warmup_seconds) == (None, None, None)


@pytest.mark.parametrize(
    "fixture",
    [
        pytest.param("malformed-labels.prom", id="unclosed-labels"),
        pytest.param("malformed-value.prom", id="word"),
    ],
)
def test_malformed_text_is_refused_with_the_line(prometheus_text: Any, fixture: str) -> None:
    # GIVEN a scrape with a broken line; WHEN parsed; THEN the error names line 1
    with pytest.raises(ValueError, match="line 1"):
        parse_exposition(prometheus_text(fixture))


INF = math.inf


@pytest.mark.parametrize(
    ("quantile", "cumulative", "expected"),
    [
        pytest.param(0.95, {0.1: 10, 0.2: 20, 0.5: 30, INF: 30}, 0.455, id="interpolated-in-bucket"),
        pytest.param(0.5, {0.1: 10, 0.2: 20, INF: 20}, 0.1, id="on-a-bucket-edge"),
        pytest.param(0.5, {1.0: 4, INF: 4}, 0.5, id="first-bucket-from-zero"),
        pytest.param(0.99, {0.1: 10, 0.5: 10, INF: 20}, 0.5, id="in-inf-bucket-gives-highest-bound"),
        pytest.param(0.95, {0.1: 0, INF: 0}, None, id="no-observation"),
    ],
)
def test_histogram_quantile(quantile: float, cumulative: dict[float, float], expected: float | None) -> None:
    # GIVEN cumulative bucket counts; WHEN the quantile is computed; THEN it matches Prometheus' rule
    result = histogram_quantile(quantile, cumulative)
    assert result == (None if expected is None else pytest.approx(expected))


@pytest.mark.parametrize(
    ("quantile", "cumulative"),
    [
        pytest.param(1.5, {INF: 1}, id="quantile-above-one"),
        pytest.param(0.5, {0.1: 1}, id="no-inf-bucket"),
    ],
)
def test_histogram_quantile_refuses_bad_input(quantile: float, cumulative: dict[float, float]) -> None:
    with pytest.raises(ValueError):
        histogram_quantile(quantile, cumulative)


def test_p95_of_an_interval_uses_only_that_interval(prometheus_text: Any) -> None:
    # GIVEN two scrapes one interval apart: 100 requests in between, the slowest 10 between 100 and 500 ms
    before = read_server_snapshot(prometheus_text("server-metrics-t0.prom")).latency
    after = read_server_snapshot(prometheus_text("server-metrics-t1.prom")).latency
    assert after is not None
    # WHEN the interval's p95 is computed
    p95 = interval_latency_p95_ms(before, after)
    # THEN it comes from the 100 new observations only: rank 95 is halfway into the (0.1, 0.5] bucket
    assert p95 == pytest.approx(300.0)


def test_a_counter_reset_counts_from_zero() -> None:
    # GIVEN the server restarted between scrapes (its counts went down)
    before = HistogramCounts(buckets={0.1: 50, INF: 60}, count=60, total=3.0)
    after = HistogramCounts(buckets={0.1: 5, INF: 6}, count=6, total=0.4)
    # WHEN deltas are taken; THEN the new counts are the increase, as Prometheus' rate() does
    assert bucket_deltas(before, after) == {0.1: 5, INF: 6}


def test_an_idle_interval_has_no_p95() -> None:
    # GIVEN no request completed between two scrapes; THEN there is no latency to publish
    same = HistogramCounts(buckets={0.1: 5, INF: 6}, count=6, total=0.4)
    assert interval_latency_p95_ms(same, same) is None


def test_a_foreign_server_is_measured_through_its_own_names(prometheus_text: Any) -> None:
    # GIVEN a vLLM-style scrape and the agent configured with vLLM's in-flight gauge
    names = MetricNames(
        inflight="vllm:num_requests_running", latency_histogram="vllm:e2e_request_latency_seconds"
    )
    # WHEN it is read; THEN the in-flight reading comes from that gauge
    assert read_server_snapshot(prometheus_text("byo-server-metrics.prom"), names).inflight == 4
