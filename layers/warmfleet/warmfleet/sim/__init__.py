"""``warmfleet simulate``: replay a real request trace against warmfleet's decision core and its peers.

A discrete-event model of the fleet (:mod:`.fleet`) with a service time per request from its tokens and
every delay the real system has (:mod:`.model`), CloudWatch's aggregation and delay (:mod:`.cloudwatch`),
the scaler tick running the real :func:`warmfleet.core.decide` or a peer of :mod:`warmfleet.core.peers`
(:mod:`.policies`), a perfect-foresight lower bound (:mod:`.oracle`), and the report, JSON and PNG
(:mod:`.report`). Simulated time only: ``now`` is passed in, nothing sleeps or reads a clock, and a run is
deterministic for a given seed. Not part of :mod:`warmfleet.core`, which never imports it.

Examples
--------
>>> from pathlib import Path
>>> trace = load_trace([Path("tests/data/traces/AzureLLMInferenceTrace_conv.csv")], duration_seconds=120)
>>> result = run_simulation(trace, FleetModel(), ["fixed", "oracle"], seed=7)
>>> [row["policy"] for row in result.document["policies"]], result.document["policies"][0]["within_slo"]
(['fixed', 'oracle'], 1.0)
"""

from __future__ import annotations

from warmfleet.sim.fleet import RunResult, TickRecord, simulate
from warmfleet.sim.model import FleetModel
from warmfleet.sim.oracle import OracleResult, oracle
from warmfleet.sim.policies import POLICY_NAMES, FleetView, ScalingPolicy, build_policy
from warmfleet.sim.report import write_json, write_plot
from warmfleet.sim.run import Simulation, policy_names, run_simulation
from warmfleet.sim.trace import Request, Trace, load_trace

__all__ = [
    "POLICY_NAMES",
    "FleetModel",
    "FleetView",
    "OracleResult",
    "Request",
    "RunResult",
    "ScalingPolicy",
    "Simulation",
    "TickRecord",
    "Trace",
    "build_policy",
    "load_trace",
    "oracle",
    "policy_names",
    "run_simulation",
    "simulate",
    "write_json",
    "write_plot",
]
