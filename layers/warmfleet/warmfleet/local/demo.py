"""`warmfleet demo`: the whole system on this machine, end to end, then a report.

Order: moto's server and the stack's resources (`stage`), the version published with the real command, the
version's `bootstrap.sh` fetched from S3 and checked against its published sha256 (what the launch template's
user data does), the balancer, the fleet, the real lifecycle and scaler handlers (`control`). The group
starts at one instance; once it is InService the trace slice is replayed through the balancer (`load`)
while the control loop delivers events, ticks the scaler, sweeps, and lets the fleet follow the desired
capacity. After the replay it waits (at most `cooldown` seconds) for the group to come back to its
minimum through the terminate hook and the drain, stops every process it started by pid — also on Ctrl-C
or an error — and writes `demo.json` and `demo.png`.
"""

from __future__ import annotations

import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from warmfleet.exceptions import WarmfleetError
from warmfleet.lifecycle import InMemoryLifecycleHooks
from warmfleet.local.control import EventRouter, Scaler, lifecycle_config
from warmfleet.local.fleet import IN_SERVICE, LAUNCHING, TERMINATING, LocalFleet
from warmfleet.local.load import Outcome, Replay, arrivals
from warmfleet.local.network import Balancer
from warmfleet.local.processes import ProcessBook
from warmfleet.local.report import SCHEMA, summarize_requests, summary_lines, write_json, write_plot
from warmfleet.local.stage import VERSION, create_stage, fetch_bootstrap, moto_server, publish_version

#: The demo's scaling policy: warmfleet's pipeline with its windows shortened to the demo's time scale.
DEMO_POLICY: dict[str, Any] = {
    "signals": [{"name": "InFlightRequests", "target": 3.0, "staleness_seconds": 60}],
    "behavior": {
        "scale_up": {
            "stabilization_window_seconds": 0,
            "policies": [{"type": "Pods", "value": 2, "period_seconds": 10}],
        },
        "scale_down": {
            "stabilization_window_seconds": 20,
            "policies": [{"type": "Pods", "value": 1, "period_seconds": 10}],
        },
    },
    "panic": {"enabled": False},
    "warmup_budget_seconds": 120,
}


#: The launch hook's heartbeat timeout; the warm-up budget is twice it (as the template's defaults relate).
HEARTBEAT_SECONDS = 300
#: How long the group must rest at one instance after the replay before the demo ends (about 3 ticks and
#: one agent interval: the scaler has then read the replay's last datapoints).
SETTLE_SECONDS = 15.0


@dataclass(frozen=True)
class DemoSettings:
    """One run: the trace slice (`offset`, `duration` wall seconds at `speed`, `rate` of its requests,
    `seed`), the group (`max_size`), the compressed schedules (`tick_seconds`, `sweep_seconds`), the version's
    `batch_window_ms`, the stack's `drain_timeout`, how long to wait for the scale-in (`cooldown`) and the
    first instance, and the scaler's POLICY document."""

    trace: Path
    out: Path
    duration: float = 90.0
    offset: float = 180.0
    speed: float = 1.0
    rate: float = 1.0
    seed: int = 1
    max_size: int = 4
    tick_seconds: float = 5.0
    sweep_seconds: float = 20.0
    batch_window_ms: float = 1500.0
    drain_timeout: int = 60
    cooldown: float = 90.0
    first_instance_timeout: float = 180.0
    policy: dict[str, Any] = field(default_factory=lambda: dict(DEMO_POLICY))


@dataclass
class Timeline:
    """The group once a second: desired capacity and instances by hook state (requests added at the end)."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    def sample(self, t: float, fleet: LocalFleet, desired: int) -> None:
        states = [fleet.state(i.instance_id) for i in fleet.listed()]
        self.rows.append(
            {
                "t": round(t, 2),
                "desired": desired,
                "pending": states.count(LAUNCHING),
                "in_service": states.count(IN_SERVICE),
                "terminating": states.count(TERMINATING),
            }
        )

    def with_requests(self, outcomes: list[Outcome]) -> list[dict[str, Any]]:
        """The rows with the requests sent, and those that failed, in the second before each."""
        return [
            {
                **row,
                "rps": sum(1 for o in outcomes if row["t"] - 1.0 <= o.sent_at < row["t"]),
                "failed": sum(1 for o in outcomes if row["t"] - 1.0 <= o.sent_at < row["t"] and o.failed),
            }
            for row in self.rows
        ]


@dataclass
class _Parts:
    """What one run is made of, once the stage is up (the control loop's view)."""

    fleet: LocalFleet
    router: EventRouter
    scaler: Scaler
    replay: Replay

    def step(self) -> int:
        """Deliver waiting events, let the fleet follow its hooks and the desired capacity; return it."""
        self.router.drain()
        return self.fleet.reconcile()


def _assemble(
    stack: ExitStack,
    settings: DemoSettings,
    *,
    processes: ProcessBook,
    workdir: Path,
    clock: Callable[[], float],
    log: Callable[[str], None],
) -> _Parts:
    endpoint = stack.enter_context(moto_server())
    log(f"moto server on {endpoint}; publishing version {VERSION} with warmfleet-inference publish")
    stage = create_stage(endpoint, max_size=settings.max_size, drain_timeout=settings.drain_timeout)
    publish_version(stage, workdir, batch_window_ms=settings.batch_window_ms)
    balancer = Balancer()
    stack.callback(balancer.close)
    fleet = LocalFleet(
        stage, InMemoryLifecycleHooks(time.time), balancer, processes,
        workdir=workdir, bootstrap=fetch_bootstrap(stage, workdir), hook_heartbeat_seconds=HEARTBEAT_SECONDS,
        drain_timeout_seconds=settings.drain_timeout, clock=clock, log=log,
    )  # fmt: skip
    stack.callback(fleet.close)
    config = lifecycle_config(drain_timeout=settings.drain_timeout, heartbeat=HEARTBEAT_SECONDS)
    router = EventRouter(stage, fleet, config, fleet.now)
    scaler = Scaler(stage, fleet, settings.policy, fleet.now)
    return _Parts(fleet, router, scaler, Replay(balancer.url, [], fleet.now))


def _wait_for_first_instance(parts: _Parts, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not parts.fleet.balancer.targets():
        parts.step()
        if time.monotonic() > deadline:
            raise WarmfleetError(f"no instance was InService within {timeout:g} s (logs: instances/*.log)")
        time.sleep(0.2)


def _control_loop(
    parts: _Parts, settings: DemoSettings, timeline: Timeline, log: Callable[[str], None]
) -> None:
    """Tick, sweep and sample on their schedules until the replay is over and the group is back to one."""
    fleet = parts.fleet
    next_tick = next_sweep = next_sample = fleet.now()
    quiet_since: float | None = None
    settled_since: float | None = None
    while True:
        desired = parts.step()
        now = fleet.now()
        if now >= next_tick:
            acted = len(parts.scaler.actions)
            parts.scaler.tick()
            for action in parts.scaler.actions[acted:]:
                log(f"scaler: {action['previous']} -> {action['desired']} ({action['reason']})")
            next_tick = now + settings.tick_seconds
        if now >= next_sweep:
            parts.router.sweep()
            next_sweep = now + settings.sweep_seconds
        if now >= next_sample:
            timeline.sample(now, fleet, desired)
            next_sample = now + 1.0
        if parts.replay.done:
            quiet_since = now if quiet_since is None else quiet_since
            settled = desired == 1 and len(fleet.listed()) == 1 and len(fleet.balancer.targets()) == 1
            settled_since = (settled_since or now) if settled else None
            # Settled for a few ticks: the scaler has seen the replay's last datapoints and stayed at one.
            if (settled_since is not None and now - settled_since >= SETTLE_SECONDS) or (
                now - quiet_since > settings.cooldown
            ):
                return
        time.sleep(0.2)


@contextmanager
def _uninterrupted() -> Iterator[None]:
    """Ignore a second Ctrl-C while the processes are being stopped (it would leave some running)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def run_demo(settings: DemoSettings, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run the demo; returns the result document (also written to `settings.out`)."""
    times, in_slice = arrivals(
        settings.trace, offset=settings.offset, duration=settings.duration, speed=settings.speed,
        rate=settings.rate, seed=settings.seed,
    )  # fmt: skip
    settings.out.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="warmfleet-demo-"))
    processes, timeline = ProcessBook(), Timeline()
    started = time.monotonic()

    def clock() -> float:
        return time.monotonic() - started

    def say(message: str) -> None:
        log(f"[{clock():6.1f}s] {message}")

    try:
        with ExitStack() as stack:
            parts = _assemble(stack, settings, processes=processes, workdir=workdir, clock=clock, log=say)
            parts.replay = Replay(parts.fleet.balancer.url, times, parts.fleet.now)
            stack.callback(parts.replay.stop)
            _wait_for_first_instance(parts, settings.first_instance_timeout)
            name, seconds = settings.trace.name, settings.duration
            say(f"replaying {len(times)} of {in_slice} requests of {name} over {seconds:g} s")
            parts.replay.start()
            _control_loop(parts, settings, timeline, say)
            document = _document(settings, parts, timeline, in_slice)
    finally:
        with _uninterrupted():
            processes.stop_all()
            alive = processes.still_alive()
            shutil.rmtree(workdir, ignore_errors=True)
    document["processes"] = {"started": processes.started, "alive_after_stop": alive}
    document["wall_seconds"] = round(time.monotonic() - started, 1)
    document["ok"] = document["requests"]["failed"] == 0 and not alive and document["requests"]["sent"] > 0
    write_json(document, settings.out / "demo.json")
    write_plot(document, settings.out / "demo.png")
    for line in summary_lines(document):
        log(line)
    return document


def _document(settings: DemoSettings, parts: _Parts, timeline: Timeline, in_slice: int) -> dict[str, Any]:
    fleet, router, scaler, outcomes = parts.fleet, parts.router, parts.scaler, parts.replay.outcomes
    served = dict(fleet.balancer.served)
    warmups = [value for name, value in router.metrics.values if name == "WarmupSeconds"]
    drains = [value for name, value in router.metrics.values if name == "DrainSeconds"]
    return {
        "schema": SCHEMA,
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(settings).items()},
        "trace": {
            "file": settings.trace.name,
            "offset_seconds": settings.offset,
            "speed": settings.speed,
            "rate": settings.rate,
            "requests_in_slice": in_slice,
        },
        "requests": summarize_requests(sorted(outcomes, key=lambda o: o.sent_at)),
        "scaling": scaler.actions,
        "decisions": scaler.decisions,
        "lifecycle": router.outcomes,
        "gate_metrics": {"WarmupSeconds": warmups, "DrainSeconds": drains},
        "instances": [
            {
                "id": i.instance_id,
                "port": i.port,
                "launched_t": round(i.launched_at, 2),
                "in_service_t": None if i.in_service_at is None else round(i.in_service_at, 2),
                "terminating_t": None if i.terminating_at is None else round(i.terminating_at, 2),
                "terminated_t": None if i.terminated_at is None else round(i.terminated_at, 2),
                "bootstrap_exit": i.bootstrap_exit,
                "requests": served.get(i.instance_id, 0),
            }
            for i in fleet.instances.values()
        ],
        "max_in_service": max((row["in_service"] for row in timeline.rows), default=0),
        "timeline": timeline.with_requests(outcomes),
    }
