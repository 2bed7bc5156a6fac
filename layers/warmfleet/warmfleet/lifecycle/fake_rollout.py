"""A stateful, in-memory model of the one CloudFormation resource a roll-out signals (moto has no
SignalResource).

It implements the `RolloutSignals` port with the semantics CloudFormation documents for an Auto Scaling
group's rolling update with `WaitOnResourceSignals`
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatepolicy.html): while the
group updates, each new instance's SUCCESS counts towards the batch, and once the expected count has arrived
the resource is `UPDATE_COMPLETE`; a FAILURE fails the update at once (the stack rolls back). A resource that
is not updating, or a stack that does not exist, gets the same `ValidationError` AWS gives. The tests and the
local fleet use it; the contract test holds it to the adapter.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from warmfleet.aws.rollout_signal import RolloutTarget, SignalOutcome, SignalStatus

IN_PROGRESS = "UPDATE_IN_PROGRESS"


def _validation_error(message: str) -> ClientError:
    return ClientError({"Error": {"Code": "ValidationError", "Message": message}}, "SignalResource")


class InMemoryRolloutSignals:
    """The signalled resource of one stack: not waiting until `begin_update`, then counting signals."""

    def __init__(self, target: RolloutTarget) -> None:
        self.target = target
        self.stack_exists = True
        self.stack_status = "CREATE_COMPLETE"
        self.resource_status = "CREATE_COMPLETE"
        self._expected = 0
        self.signals: dict[str, SignalStatus] = {}
        self.calls: list[tuple[str, SignalStatus]] = []

    # --- what CloudFormation would do on its own ------------------------------------------------------
    def begin_update(self, expected_signals: int) -> None:
        """A deploy replaces `expected_signals` instances: the group waits for that many SUCCESS signals."""
        self.stack_status = self.resource_status = IN_PROGRESS
        self._expected = expected_signals
        self.signals.clear()

    def delete_stack(self) -> None:
        self.stack_exists = False

    # --- the RolloutSignals port ----------------------------------------------------------------------
    def signal(self, instance_id: str, status: SignalStatus) -> SignalOutcome:
        self.calls.append((instance_id, status))
        if not self.stack_exists:
            raise _validation_error(f"Stack with id {self.target.stack_name} does not exist")
        # CloudFormation answers "Stack ... / Resource ... is in <state> state and can not be signaled" (a
        # ValidationError, which the adapter reads as this outcome).
        if self.stack_status != IN_PROGRESS or self.resource_status != IN_PROGRESS:
            return SignalOutcome.NOT_IN_ROLLOUT
        self.signals[instance_id] = status
        if status is SignalStatus.FAILURE:
            self.resource_status, self.stack_status = "UPDATE_FAILED", "UPDATE_ROLLBACK_IN_PROGRESS"
        elif sum(s is SignalStatus.SUCCESS for s in self.signals.values()) >= self._expected:
            self.resource_status = self.stack_status = "UPDATE_COMPLETE"
        return SignalOutcome.SENT
