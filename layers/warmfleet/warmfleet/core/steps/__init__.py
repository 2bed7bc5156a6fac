"""The seven steps of ``decide()``, one small pure function each, in pipeline order.

1. :func:`.proposals.propose` - a proposal per signal (HPA ratio or KEDA-style total).
2. :func:`.warming.account_warming` - warming capacity counts (as idle on a
   scale-up, inside step 1's ratio); instances that occupy the group without
   serving are added on top of every proposal.
3. :func:`.combine.combine` - the max of valid proposals; invalid signals never
   cause a scale-in; the fallback holds or raises.
4. :func:`.panic.panic` - Knative panic mode.
5. :func:`.behaviour.behaviour` - HPA stabilization windows and rate limits.
6. :func:`.limits.limits` - alarm steps and the schedule floor raise, the ceiling caps.
7. :func:`.bounds.bounds` - scale-in protection, then the group's ``[MinSize, MaxSize]``.

Each returns a :class:`~warmfleet.core.decision.StepOutcome` ``(value, reason, message)``.
"""
