"""One contract for the roll-out signal port, passed by the boto3 adapter and by the in-memory fake.

Each case says what CloudFormation holds (for the fake: set up through its controls) and what it answers to
the adapter's exact request (for the adapter: queued on botocore's Stubber, which also checks every request's
parameters and every response's shape against the service model). Both must give the same results. The
refusals are CloudFormation's ValidationErrors: "Stack arn:... is in UPDATE_COMPLETE state and can not
be signaled", "Resource FleetGroup is in UPDATE_FAILED state and can not be signaled", "Stack with id ...
does not exist".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from warmfleet.aws import (
    CloudFormationRolloutSignals,
    RolloutSignals,
    RolloutTarget,
    SignalOutcome,
    SignalStatus,
)
from warmfleet.lifecycle import InMemoryRolloutSignals

TARGET = RolloutTarget("warmfleet-dev", "FleetGroup")
STACK_ARN = (
    "arn:aws:cloudformation:us-east-1:123456789012:stack/warmfleet-dev/0a1b2c3d-0000-4000-8000-0a1b2c3d4e5f"
)
FIRST, SECOND = "i-00000000000000001", "i-00000000000000002"
SUCCESS, FAILURE = SignalStatus.SUCCESS, SignalStatus.FAILURE


@dataclass(frozen=True)
class Exchange:
    """One SignalResource the adapter must send, and CloudFormation's answer (empty, or a ValidationError)."""

    instance_id: str
    status: SignalStatus
    refusal: str | None = None

    @property
    def params(self) -> dict[str, Any]:
        return {
            "StackName": TARGET.stack_name,
            "LogicalResourceId": TARGET.resource_id,
            "UniqueId": self.instance_id,
            "Status": str(self.status),
        }


def not_updating(instance_id: str, status: SignalStatus, what: str) -> Exchange:
    return Exchange(instance_id, status, f"{what} state and can not be signaled")


Setup = Callable[[InMemoryRolloutSignals], None]
CASES: list[Any] = [
    pytest.param(
        lambda cfn: cfn.begin_update(expected_signals=2),
        [Exchange(FIRST, SUCCESS), Exchange(SECOND, SUCCESS)],
        [SignalOutcome.SENT, SignalOutcome.SENT],
        id="roll-out-counts-each-new-instance",
    ),
    pytest.param(
        lambda cfn: cfn.begin_update(expected_signals=1),
        [
            Exchange(FIRST, SUCCESS),
            not_updating(SECOND, SUCCESS, f"Resource {TARGET.resource_id} is in UPDATE_COMPLETE"),
        ],
        [SignalOutcome.SENT, SignalOutcome.NOT_IN_ROLLOUT],
        id="group-done-waiting-after-its-signals",
    ),
    pytest.param(
        lambda cfn: cfn.begin_update(expected_signals=2),
        [
            Exchange(FIRST, FAILURE),
            not_updating(SECOND, SUCCESS, f"Resource {TARGET.resource_id} is in UPDATE_FAILED"),
        ],
        [SignalOutcome.SENT, SignalOutcome.NOT_IN_ROLLOUT],
        id="failure-fails-the-update-at-once",
    ),
    pytest.param(
        lambda cfn: None,
        [
            not_updating(FIRST, SUCCESS, f"Stack {STACK_ARN} is in CREATE_COMPLETE"),
            not_updating(FIRST, FAILURE, f"Stack {STACK_ARN} is in CREATE_COMPLETE"),
        ],
        [SignalOutcome.NOT_IN_ROLLOUT, SignalOutcome.NOT_IN_ROLLOUT],
        id="no-roll-out-in-progress",
    ),
    pytest.param(
        lambda cfn: cfn.delete_stack(),
        [Exchange(FIRST, SUCCESS, f"Stack with id {TARGET.stack_name} does not exist")],
        ["ValidationError"],
        id="missing-stack-is-an-error-not-no-roll-out",
    ),
]


def fake_backend(setup: Setup, exchanges: list[Exchange]) -> tuple[RolloutSignals, Callable[[], None]]:
    cloudformation = InMemoryRolloutSignals(TARGET)
    setup(cloudformation)
    return cloudformation, lambda: None


def boto3_backend(setup: Setup, exchanges: list[Exchange]) -> tuple[RolloutSignals, Callable[[], None]]:
    client = boto3.client("cloudformation", region_name="us-east-1")
    stubber = Stubber(client)
    for exchange in exchanges:
        if exchange.refusal:
            stubber.add_client_error(
                "signal_resource", "ValidationError", exchange.refusal, 400, expected_params=exchange.params
            )
        else:
            stubber.add_response("signal_resource", {}, expected_params=exchange.params)
    stubber.activate()
    return CloudFormationRolloutSignals(client, TARGET), stubber.assert_no_pending_responses


def send(signals: RolloutSignals, exchange: Exchange) -> object:
    try:
        return signals.signal(exchange.instance_id, exchange.status)
    except ClientError as error:
        return error.response["Error"]["Code"]


@pytest.mark.parametrize(
    "backend", [pytest.param(fake_backend, id="fake"), pytest.param(boto3_backend, id="boto3")]
)
@pytest.mark.parametrize(("setup", "exchanges", "expected"), CASES)
def test_rollout_signals_contract(
    backend: Callable[[Setup, list[Exchange]], tuple[RolloutSignals, Callable[[], None]]],
    setup: Setup,
    exchanges: list[Exchange],
    expected: list[object],
) -> None:
    # GIVEN the stack as CloudFormation holds it (or answers for it)
    signals, all_answered = backend(setup, exchanges)
    # WHEN the signals are sent in order
    results = [send(signals, exchange) for exchange in exchanges]
    # THEN both backends give the same results, and the adapter sent exactly the expected requests
    assert results == expected
    all_answered()


def test_other_errors_propagate_for_the_caller_to_log() -> None:
    # GIVEN CloudFormation throttling the call
    client = boto3.client("cloudformation", region_name="us-east-1")
    with Stubber(client) as stubber:
        stubber.add_client_error("signal_resource", "Throttling", "Rate exceeded", 400)
        # WHEN / THEN the adapter does not mistake it for "no roll-out in progress"
        with pytest.raises(ClientError, match="Throttling"):
            CloudFormationRolloutSignals(client, TARGET).signal(FIRST, SUCCESS)
