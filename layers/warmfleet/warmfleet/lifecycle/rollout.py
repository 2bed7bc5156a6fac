"""After the gate completes a launch action, tell a CloudFormation roll-out how it ended (DESIGN.md,
"Lifecycle", "Model updates": a failed gate stops and rolls back the roll-out).

CONTINUE (verified warm) signals SUCCESS for the instance, ABANDON (warm-up failed, verification failed,
budget exceeded, instance gone) FAILURE. `ActionRunner.complete` calls `signal_rollout` only after AWS
accepted the completion and the closed record is stored: the completion comes first and nothing here can
undo it. A redelivered event finds the record closed and never reaches the completion again, and a second
completion of the same action is refused by AWS ("No active Lifecycle Action"), so each action signals at
most once. Outside a roll-out CloudFormation refuses the signal (`SignalOutcome.NOT_IN_ROLLOUT`): a debug
line, nothing else. Any other failure is logged as an error with the instance id and token, and not
retried: the roll-out's `PauseTime` then runs out without this instance's signal, which fails the update too
(the safe side).
"""

from __future__ import annotations

from aws_lambda_powertools import Logger

from warmfleet.aws.autoscaling import ApiFailure
from warmfleet.aws.rollout_signal import RolloutSignals, SignalOutcome, SignalStatus
from warmfleet.lifecycle.records import ActionKind, ActionRecord, HookResult

logger = Logger(child=True)

SIGNAL_FAILED = "failed"
_STATUS = {HookResult.CONTINUE: SignalStatus.SUCCESS, HookResult.ABANDON: SignalStatus.FAILURE}


def signal_rollout(rollout: RolloutSignals | None, record: ActionRecord, result: HookResult) -> str | None:
    """Signal a completed launch action's `result`; the outcome (`sent`, `not-in-rollout`, `failed`), or None
    when nothing is signalled (not configured, a terminate action, a result AWS did not take)."""
    status = _STATUS.get(result)
    if rollout is None or status is None or record.kind is not ActionKind.LAUNCH:
        return None
    context = {"instanceId": record.instance_id, "token": record.token or "adopted", "signal": str(status)}
    try:
        sent = rollout.signal(record.instance_id, status)
    except Exception as error:
        # Nothing a signal raises may fail an action AWS already completed. Not only ClientError and
        # BotoCoreError: an endpoint answering something unparseable raises botocore's ResponseParserError.
        failure = ApiFailure.of("SignalResource", error)
        logger.error(
            f"roll-out signal not sent, the completion stands: {failure}", extra=context | failure.as_log()
        )
        return SIGNAL_FAILED
    if sent is SignalOutcome.NOT_IN_ROLLOUT:
        logger.debug("no roll-out in progress: nothing waits for this signal", extra=context)
    else:
        logger.info(f"roll-out signalled {status}", extra=context)
    return str(sent)
