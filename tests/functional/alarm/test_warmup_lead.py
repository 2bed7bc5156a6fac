"""The warm-up lead collector against botocore's Stubber: the exact GetMetricData request (p90 and
SampleCount of WarmupSeconds over one day, one period), its parsing, the refresh interval and a failed read.

moto cannot compute percentiles (its GetMetricData fails on a `p90` statistic), so the request and response
are checked against the CloudWatch API model instead; the end-to-end tests use this same real collector.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from warmfleet.schedules import DEFAULT_LEAD_SECONDS, LeadSource, prewarm_lead
from warmfleet.signals.warmup_lead import MeasuredWarmup, WarmupLeadCache, collect_warmup_lead

GROUP = "warmfleet-dev-fleet"
NOW = datetime(2026, 11, 27, 12, 40, 31, tzinfo=UTC)
START = datetime(2026, 11, 26, 12, 40, tzinfo=UTC)


def request(start: datetime = START) -> dict[str, Any]:
    metric = {
        "Namespace": "warmfleet",
        "MetricName": "WarmupSeconds",
        "Dimensions": [{"Name": "AutoScalingGroupName", "Value": GROUP}],
    }
    return {
        "MetricDataQueries": [
            {
                "Id": "p90",
                "MetricStat": {"Metric": metric, "Period": 86400, "Stat": "p90"},
                "ReturnData": True,
            },
            {
                "Id": "count",
                "MetricStat": {"Metric": metric, "Period": 86400, "Stat": "SampleCount"},
                "ReturnData": True,
            },
        ],
        "StartTime": start,
        "EndTime": start + timedelta(days=1),
    }


def response(p90: float | None, samples: float) -> dict[str, Any]:
    def result(query_id: str, value: float | None) -> dict[str, Any]:
        values = [] if value is None else [value]
        return {
            "Id": query_id,
            "Timestamps": [START] if values else [],
            "Values": values,
            "StatusCode": "Complete",
        }

    return {"MetricDataResults": [result("p90", p90), result("count", samples if samples else None)]}


def stubbed(*responses: dict[str, Any] | Exception, every: timedelta = timedelta(0)) -> tuple[Any, Stubber]:
    """A CloudWatch client answering each expected request in turn (the n-th one `n * every` later)."""
    client = boto3.client("cloudwatch", region_name="us-east-1")
    stubber = Stubber(client)
    for index, answer in enumerate(responses):
        expected = request(START + index * every)
        if isinstance(answer, Exception):
            stubber.add_client_error(
                "get_metric_data",
                service_error_code="Throttling",
                http_status_code=400,
                expected_params=expected,
            )
        else:
            stubber.add_response("get_metric_data", answer, expected)
    stubber.activate()
    return client, stubber


@pytest.mark.parametrize(
    ("p90", "samples", "measured", "lead", "source"),
    [
        pytest.param(
            None, 0, MeasuredWarmup(None, 0), DEFAULT_LEAD_SECONDS, LeadSource.DEFAULT, id="none-yet"
        ),
        pytest.param(312.0, 14, MeasuredWarmup(312.0, 14), 360.0, LeadSource.MEASURED, id="measured"),
        pytest.param(1500.0, 3, MeasuredWarmup(1500.0, 3), 1500.0, LeadSource.MEASURED, id="slow-boots"),
    ],
)
def test_the_lead_follows_the_measured_warmup(
    p90: float | None, samples: int, measured: MeasuredWarmup, lead: float, source: LeadSource
) -> None:
    # GIVEN CloudWatch's answer for the last day (the request is checked against the exact expected one)
    client, stubber = stubbed(response(p90, samples))
    # WHEN the collector reads it and the lead is derived
    found = collect_warmup_lead(client, GROUP, now=NOW)
    # THEN the p90 and the sample count come back, and the lead follows them (default before any measure)
    assert found == measured
    assert (prewarm_lead(found.p90_seconds).seconds, prewarm_lead(found.p90_seconds).source) == (lead, source)
    stubber.assert_no_pending_responses()


def test_the_cache_reads_once_per_refresh_and_survives_a_failed_read() -> None:
    # GIVEN a measure, then a throttled read, then a new measure
    client, stubber = stubbed(
        response(300.0, 5), Exception("throttled"), response(420.0, 6), every=timedelta(minutes=15)
    )
    cache = WarmupLeadCache(client, GROUP, refresh_seconds=900)
    # WHEN asked every minute for a quarter of an hour THEN one read
    assert {cache.measured(NOW + timedelta(minutes=m)).p90_seconds for m in range(15)} == {300.0}
    # WHEN the refresh fails THEN the last measure stays, and the error is kept for the log
    assert cache.measured(NOW + timedelta(minutes=15)).p90_seconds == 300.0
    assert cache.last_error is not None and "Throttling" in cache.last_error
    # WHEN the next refresh succeeds THEN the new measure replaces it
    assert cache.measured(NOW + timedelta(minutes=30)).p90_seconds == 420.0
    assert cache.last_error is None
    stubber.assert_no_pending_responses()
