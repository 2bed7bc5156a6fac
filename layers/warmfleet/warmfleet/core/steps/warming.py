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

from dataclasses import replace

from warmfleet.core.decision import Capacity, Proposal, StepOutcome
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


def count_capacity(inputs: DecisionInputs, warmup_budget_seconds: float, now: float) -> Capacity:
    """Count the group's instances by how they serve (see the module doc)."""
    ready = warming = stuck = unhealthy = standby = terminating = protected = 0
    for instance in inputs.instances:
        state = instance.lifecycle_state
        if state is LifecycleState.IN_SERVICE:
            if instance.healthy:
                ready += 1
            else:
                unhealthy += 1
        elif state in LAUNCHING_STATES:
            if not instance.healthy:
                unhealthy += 1
            elif now - instance.launch_time.timestamp() <= warmup_budget_seconds:
                warming += 1
            else:
                stuck += 1
        elif state in _STANDBY:
            standby += 1
            continue
        elif state in _LEAVING:
            terminating += 1
            continue
        else:  # warm pool, quarantined, detached: not part of the desired capacity
            continue
        if instance.protected_from_scale_in:
            protected += 1
    listed = ready + warming + stuck + unhealthy
    unseen = max(0, inputs.group.desired_capacity - listed)
    return Capacity(
        ready=ready,
        warming=warming,
        unseen=unseen,
        stuck=stuck,
        unhealthy=unhealthy,
        standby=standby,
        terminating=terminating,
        protected=protected,
    )


def account_warming(
    proposals: tuple[Proposal, ...], capacity: Capacity
) -> tuple[tuple[Proposal, ...], StepOutcome]:
    """Turn each proposal (serving instances) into a desired capacity: add what occupies, not serving."""
    occupying = capacity.occupying
    adjusted = tuple(
        replace(p, desired=p.replicas + occupying) if p.replicas is not None else p for p in proposals
    )
    message = (
        f"{capacity.ready} ready and {capacity.warming + capacity.unseen} warming count as "
        f"{capacity.counted} instances of capacity"
    )
    if occupying:
        message += (
            f"; {capacity.stuck} launches past the warm-up budget and {capacity.unhealthy} unhealthy "
            f"instances do not count and are added on top"
        )
    return adjusted, StepOutcome(Step.WARMING, capacity.counted + occupying, Reason.WARMING_COUNTED, message)
