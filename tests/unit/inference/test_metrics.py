"""The Prometheus exposition: the contract names, cumulative buckets, counters by status."""

from __future__ import annotations

import pytest
from warmfleet_inference.server.metrics import Histogram, ServerMetrics

CONTRACT_SAMPLES = (
    "warmfleet_inflight_requests ",
    'warmfleet_requests_total{status="200"} ',
    "warmfleet_request_latency_seconds_bucket{",
    "warmfleet_request_latency_seconds_sum ",
    "warmfleet_request_latency_seconds_count ",
    "warmfleet_batch_size_bucket{",
    "warmfleet_batch_size_sum ",
    "warmfleet_batch_size_count ",
    "warmfleet_ready ",
    "warmfleet_warmup_seconds ",
)


def _samples(text: str) -> dict[str, str]:
    return dict(line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#"))


def test_every_contract_metric_is_exposed_with_its_type() -> None:
    # GIVEN metrics after one answered request and one batch
    metrics = ServerMetrics(is_ready=lambda: True)
    metrics.record_response(200, 0.004)
    metrics.record_batch(3)
    # WHEN rendered
    text = metrics.render()
    # THEN each contract name has a sample and its TYPE line
    for prefix in CONTRACT_SAMPLES:
        assert any(line.startswith(prefix) for line in text.splitlines()), prefix
    for name, kind in [
        ("warmfleet_inflight_requests", "gauge"),
        ("warmfleet_requests_total", "counter"),
        ("warmfleet_request_latency_seconds", "histogram"),
        ("warmfleet_batch_size", "histogram"),
        ("warmfleet_ready", "gauge"),
        ("warmfleet_warmup_seconds", "gauge"),
    ]:
        assert f"# TYPE {name} {kind}\n" in text


def test_counters_gauges_and_histograms_count_what_happened() -> None:
    # GIVEN two requests in flight, one finished, and answers 200, 200, 400
    metrics = ServerMetrics(is_ready=lambda: False)
    for _ in range(2):
        metrics.request_started()
    metrics.request_finished()
    for status, latency in [(200, 0.003), (200, 0.02), (400, 0.0005)]:
        metrics.record_response(status, latency)
    metrics.warmup_seconds = 12.5
    # WHEN rendered
    samples = _samples(metrics.render())
    # THEN every value reflects those events
    assert samples["warmfleet_inflight_requests"] == "1"
    assert samples['warmfleet_requests_total{status="200"}'] == "2"
    assert samples['warmfleet_requests_total{status="400"}'] == "1"
    assert samples['warmfleet_request_latency_seconds_bucket{le="0.001"}'] == "1"
    assert samples['warmfleet_request_latency_seconds_bucket{le="0.005"}'] == "2"
    assert samples['warmfleet_request_latency_seconds_bucket{le="+Inf"}'] == "3"
    assert samples["warmfleet_request_latency_seconds_count"] == "3"
    assert samples["warmfleet_ready"] == "0"
    assert samples["warmfleet_warmup_seconds"] == "12.5"


@pytest.mark.parametrize(
    ("value", "bucket"),
    [
        pytest.param(1.0, "1", id="on-a-bound-counts-in-it"),
        pytest.param(1.5, "2", id="between-bounds"),
        pytest.param(500.0, "+Inf", id="above-the-last-bound"),
    ],
)
def test_a_value_lands_in_the_first_bucket_at_or_above_it(value: float, bucket: str) -> None:
    # GIVEN a histogram with bounds 1, 2, 4
    histogram = Histogram("h", "help", (1.0, 2.0, 4.0))
    # WHEN one value is observed
    histogram.observe(value)
    samples = _samples("\n".join(histogram.render()))
    # THEN the first bucket at or above it, and every later one, count it; earlier ones do not
    bounds = ["1", "2", "4", "+Inf"]
    for bound in bounds:
        expected = "1" if bounds.index(bound) >= bounds.index(bucket) else "0"
        assert samples[f'h_bucket{{le="{bound}"}}'] == expected
