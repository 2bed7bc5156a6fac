"""`ApiFailure`: what one log line says about a failed AWS call (code, HTTP status, retries, message)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, ConnectTimeoutError
from warmfleet.aws.autoscaling import ApiFailure


def client_error(code: str, message: str, status: int, retries: int) -> ClientError:
    """The error botocore raises for an AWS error answer, after `retries` retries."""
    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {
                "RequestId": "0f0e0d0c",
                "HostId": "",
                "HTTPStatusCode": status,
                "HTTPHeaders": {},
                "RetryAttempts": retries,
            },
        },
        "DescribeAutoScalingGroups",
    )


THROTTLED = client_error("Throttling", "Rate exceeded", 400, 4)
DENIED = client_error("AccessDenied", "not authorized to perform autoscaling:Describe*", 403, 0)


@pytest.mark.parametrize(
    ("error", "fields", "text"),
    [
        pytest.param(
            THROTTLED,
            ("Throttling", 400, 4),
            "DescribeAutoScalingGroups failed (Throttling, after 4 retries): Rate exceeded",
            id="throttled-after-retries",
        ),
        pytest.param(
            DENIED,
            ("AccessDenied", 403, 0),
            "DescribeAutoScalingGroups failed (AccessDenied): not authorized",
            id="access-denied",
        ),
        pytest.param(
            ConnectTimeoutError(endpoint_url="https://autoscaling.us-east-1.amazonaws.com"),
            ("ConnectTimeoutError", None, None),
            "DescribeAutoScalingGroups failed (ConnectTimeoutError): Connect timeout on endpoint URL",
            id="no-answer-at-all",
        ),
    ],
)
def test_failure_fields_and_text(
    error: Exception, fields: tuple[str, int | None, int | None], text: str
) -> None:
    # GIVEN the error botocore raised / WHEN described for the log
    failure = ApiFailure.of("DescribeAutoScalingGroups", error)
    # THEN its code, HTTP status and retry count are fields, and the text says all of it in one line
    assert (failure.code, failure.http_status, failure.retry_attempts) == fields
    assert str(failure).startswith(text)
    assert failure.as_log()["errorCode"] == fields[0]
