"""The local fleet and `warmfleet demo`: the whole system on one machine (DESIGN.md, "Simulator and local
fleet").

moto's server stands in for the AWS APIs it emulates well (`stage`); the local fleet stands in for EC2, the
Auto Scaling group's instances, its lifecycle hooks, the load balancer and IMDS (`fleet`, `network`): every
instance is a real process tree started by the real `bootstrap.sh` in local mode. The real lifecycle and
scaler handlers run in-process on the events and schedules AWS would give them (`control`, `group_view`),
while a real trace is replayed through the balancer (`load`); `demo` runs it all and `report` writes the
result. Nothing in the Lambda layer imports this package; the heavy imports happen when the demo runs.
"""

from __future__ import annotations

from warmfleet.local.demo import DEMO_POLICY, DemoSettings, run_demo

__all__ = ["DEMO_POLICY", "DemoSettings", "run_demo"]
