"""Step 2: capacity already bought counts; what occupies the group without serving does not.

Launching instances (Pending, Pending:Wait, Pending:Proceed) within the warm-up
budget count as capacity and, like the HPA's unready pods, do not dilute a
per-instance average on a scale-up (step 1 applies that rule). Past the budget a
launch stops counting, so a stuck launch never blocks a scale-out: it and any
unhealthy instance are added on top of the proposals, since they hold a place
in the desired capacity. Launches the group has asked for but not yet listed
(``DesiredCapacity`` above the listed instances) count as warming. Terminating,
Standby and warm-pool instances are outside the desired capacity.
"""

from __future__ import annotations

from warmfleet.core.decision import Capacity, StepOutcome, new_record
from warmfleet.core.inputs import LAUNCHING_STATES, DecisionInputs, LifecycleState
from warmfleet.core.reasons import Reason, Step

_STANDBY = frozenset({LifecycleState.STANDBY, LifecycleState.ENTERING_STANDBY})
_LEAVING = frozenset(
    {
        LifecycleState.TERMINATING,
        LifecycleState.TERMINATING_WAIT,
        LifecycleState.TERMINATING_PROCEED,
        LifecycleState.TERMINATED,
        LifecycleState.DETACHING,
    }
)
# Bound once: Enum class attribute access is slow on Python 3.11 (see steps/proposals.py).
_IN_SERVICE, _WARMING, _WARMING_COUNTED = LifecycleState.IN_SERVICE, Step.WARMING, Reason.WARMING_COUNTED


def count_capacity(inputs: DecisionInputs, warmup_budget_seconds: float, now: float) -> Capacity:
    """Count the group's instances by how they serve (see the module doc)."""
    ready = warming = stuck = unhealthy = standby = terminating = protected = 0
    in_service, launching, standing_by, leaving = (
        _IN_SERVICE,
        LAUNCHING_STATES,
        _STANDBY,
        _LEAVING,
    )
    launched_after = now - warmup_budget_seconds
    for instance in inputs.instances:
        state = instance.lifecycle_state
        if state is in_service:
            if instance.healthy:
                ready += 1
            else:
                unhealthy += 1
        elif state in launching:
            if not instance.healthy:
                unhealthy += 1
            elif instance.launch_time.timestamp() >= launched_after:
                warming += 1
            else:
                stuck += 1
        elif state in standing_by:
            standby += 1
            continue
        elif state in leaving:
            terminating += 1
            continue
        else:  # warm pool, quarantined, detached: not part of the desired capacity
            continue
        if instance.protected_from_scale_in:
            protected += 1
    listed = ready + warming + stuck + unhealthy
    unseen = max(0, inputs.group.desired_capacity - listed)
    return Capacity.of(
        ready=ready,
        warming=warming,
        unseen=unseen,
        stuck=stuck,
        unhealthy=unhealthy,
        standby=standby,
        terminating=terminating,
        protected=protected,
    )


def account_warming(capacity: Capacity) -> StepOutcome:
    """Step 2's outcome: what counts as capacity, and what is added on top of every proposal.

    Step 1 already applied both rules to each proposal (warming instances count as
    idle on a scale-up; ``Proposal.desired`` adds the occupying instances), so
    each proposal is built once.
    """
    occupying = capacity.occupying
    message = (
        f"{capacity.ready} ready and {capacity.warming + capacity.unseen} warming count as "
        f"{capacity.counted} instances of capacity"
    )
    if occupying:
        message += (
            f"; {capacity.stuck} launches past the warm-up budget and {capacity.unhealthy} unhealthy "
            f"instances do not count and are added on top"
        )
    return new_record(StepOutcome, (_WARMING, capacity.counted + occupying, _WARMING_COUNTED, message))
