"""The scaler function's logic: validate the tick, observe, decide with `warmfleet.core`, claim, act, report.

The Step Functions loop invokes the scaler with exactly `{"warmfleet": "tick"}`; anything else is rejected
before any AWS call. A tick then:

1. loads the scaler's state (history, launch times, owed launches; `warmfleet.aws.scaler_state`),
2. observes the group and its signals (`warmfleet.signals`; a failed collector leaves its signals missing),
3. decides with `warmfleet.core.decide` (pause flag from the SSM parameter or the group tag),
4. stores the new state conditionally — if another invocation (the alarm path) stored first, this one logs
   and exits without acting,
5. acts through `warmfleet.aws.autoscaling` (nothing when paused or in dry run, which log what they would
   do), logs the whole decision and emits its metrics (Powertools EMF) — that half lives in
   `warmfleet.handlers.scaler_act`.

boto3 is imported only when the first tick builds the runtime, so importing this module stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from aws_lambda_powertools import Logger

from warmfleet.config import ScalerConfig
from warmfleet.exceptions import ConcurrentUpdateError, ConfigurationError, InvalidEventError
from warmfleet.handlers.outcome import Outcome, OutcomeStatus, RejectReason, parse_event, rejected
from warmfleet.handlers.scaler_act import act, emit_decision_metrics, log_failed_activities, outcome_of
from warmfleet.models import ScalerTick

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient

    from warmfleet.aws.autoscaling import GroupActuator
    from warmfleet.aws.scaler_state import ScalerState, ScalerStateStore
    from warmfleet.core import Policy
    from warmfleet.schedules import ScheduleBounds, ScheduleWindow
    from warmfleet.signals import Collectors, MetricSource
    from warmfleet.signals.warmup_lead import WarmupLeadCache

logger = Logger(child=True)

#: The key of the POLICY document that points signals at other metrics (popped before the core sees it).
METRIC_SOURCES_KEY = "metric_sources"
TICK_WRITER = "tick"


def classify(event: object) -> ScalerTick | Outcome:
    try:
        return parse_event(ScalerTick, event)
    except InvalidEventError as error:
        return rejected(RejectReason.MALFORMED, str(error))


@dataclass
class ScalerRuntime:
    """Everything a tick uses, built once per container (clients, policy, collectors, store, clock)."""

    policy: Policy
    sources: dict[str, MetricSource]
    collectors: Collectors
    store: ScalerStateStore
    actuator: GroupActuator
    cloudwatch: CloudWatchClient
    clock: Callable[[], datetime]
    # Busy-hour windows (SCHEDULE_WINDOWS) and the measured warm-up that leads their pre-warm (issue 12).
    windows: tuple[ScheduleWindow, ...] = ()
    warmup_lead: WarmupLeadCache | None = None


class StateChange(Protocol):
    """What the alarm path adds to the one pipeline: a change to the stored state, made before deciding."""

    @property
    def writer(self) -> str:
        """Who stores the state (`writer` in the item, and in the decision's log)."""

    def update(self, state: ScalerState) -> ScalerState | None:
        """The state with the change applied, or None when there is nothing to change (a duplicate)."""


RuntimeProvider = Callable[[ScalerConfig], ScalerRuntime]


def handle(event: object, config: ScalerConfig, runtime: RuntimeProvider) -> dict[str, Any]:
    parsed = classify(event)
    if isinstance(parsed, Outcome):
        logger.warning("event not acted on", extra={"outcome": parsed.as_dict()})
        return parsed.as_dict()
    return on_tick(parsed, config, runtime)


def load_scaler_policy(config: ScalerConfig) -> tuple[Policy, dict[str, MetricSource]]:
    """The core policy from POLICY, and the metric sources its optional `metric_sources` key overrides."""
    from warmfleet import signals  # noqa: PLC0415 - see the module doc: imported on the first tick
    from warmfleet.policy_loader import POLICY_VARIABLE, parse_policy  # noqa: PLC0415 - likewise

    document = dict(config.policy)
    overrides = document.pop(METRIC_SOURCES_KEY, None) or {}
    if not isinstance(overrides, dict):
        raise ConfigurationError(f"{POLICY_VARIABLE}.{METRIC_SOURCES_KEY} must be a JSON object")
    policy = parse_policy(document, f"environment variable {POLICY_VARIABLE}")
    sources = signals.metric_sources(overrides)
    signals.check_signals_have_sources([signal.name for signal in policy.signals], sources)
    return policy, sources


def build_runtime(
    config: ScalerConfig,
    *,
    client: Callable[[str], Any] | None = None,
    clock: Callable[[], datetime] | None = None,
    windows: tuple[ScheduleWindow, ...] = (),
) -> ScalerRuntime:
    """Build the runtime; `client(service)` makes boto3 clients (adaptive retries by default)."""
    from warmfleet import signals  # noqa: PLC0415 - see the module doc: imported on the first tick
    from warmfleet.aws import autoscaling, scaler_state  # noqa: PLC0415 - likewise
    from warmfleet.aws.clients import adaptive_client  # noqa: PLC0415 - likewise
    from warmfleet.schedules import check_policy_schedules  # noqa: PLC0415 - likewise
    from warmfleet.signals.warmup_lead import WarmupLeadCache  # noqa: PLC0415 - likewise

    policy, sources = load_scaler_policy(config)
    check_policy_schedules(policy.schedules, windows)
    make = client or adaptive_client
    cloudwatch, asg_client = make("cloudwatch"), make("autoscaling")
    collectors = signals.Collectors(
        group=config.group_name,
        autoscaling=asg_client,
        ec2=make("ec2"),
        cloudwatch=cloudwatch,
        sqs=make("sqs"),
        sources=sources,
        signals=[signals.SignalSpec(s.name, s.staleness_seconds) for s in policy.signals],
        queue_url=config.queue_url,
        include_delayed=config.queue_count_delayed,
        pause_switch=signals.PauseSwitch(make("ssm"), config.pause_parameter)
        if config.pause_parameter
        else None,
    )
    kind = scaler_state.StateKind.DRY_RUN if config.dry_run else scaler_state.StateKind.LIVE
    return ScalerRuntime(
        policy=policy,
        sources=sources,
        collectors=collectors,
        store=scaler_state.ScalerStateStore(make("dynamodb"), config.state_table, config.group_name, kind),
        actuator=autoscaling.GroupActuator(asg_client, config.group_name),
        cloudwatch=cloudwatch,
        clock=clock or (lambda: datetime.now(UTC)),
        windows=windows,
        warmup_lead=WarmupLeadCache(cloudwatch, config.group_name) if windows else None,
    )


def on_tick(tick: ScalerTick, config: ScalerConfig, provide: RuntimeProvider) -> dict[str, Any]:
    """Collect, decide and act once (see the module doc); returns the outcome it logged."""
    return run_pipeline(provide(config), config)


def schedule_bounds(runtime: ScalerRuntime, now: datetime) -> ScheduleBounds:
    """The floor and ceiling of the busy-hour windows at `now`, pre-warm led by the measured warm-up."""
    from warmfleet import schedules  # noqa: PLC0415 - see the module doc

    if not runtime.windows:
        return schedules.ScheduleBounds(None, None, ())
    measured = runtime.warmup_lead.measured(now).p90_seconds if runtime.warmup_lead else None
    return schedules.schedule_bounds(runtime.windows, now, schedules.prewarm_lead(measured).seconds)


def run_pipeline(
    runtime: ScalerRuntime, config: ScalerConfig, change: StateChange | None = None, *, attempts: int = 1
) -> dict[str, Any]:
    """The one collect -> decide -> store -> act pipeline, for the tick (no change) and the alarm path.

    With a `change`, a conditional write lost to another invocation is retried from a fresh read up to
    `attempts` times, then raises `ConcurrentUpdateError` (Lambda retries the event): the alarm's change must
    not be lost, whereas a tick that loses simply exits.
    """
    from warmfleet import core, signals  # noqa: PLC0415 - see the module doc: imported on the first tick

    writer = change.writer if change else TICK_WRITER
    now = runtime.clock()
    loaded = runtime.store.load(reuse_last_saved=change is None)
    if change is not None and change.update(loaded) is None:
        # A duplicate (or older) event: nothing to change, so nothing is observed, decided or stored.
        return {"status": str(OutcomeStatus.IGNORED), "reason": "duplicate", "message": "already applied"}
    observation = runtime.collectors.observe(now=now, known_launch_times=loaded.launch_times)
    for attempt in range(1, attempts + 1):
        if attempt > 1:
            loaded = runtime.store.load()
        state = change.update(loaded) if change else loaded
        if state is None:
            return {"status": str(OutcomeStatus.IGNORED), "reason": "duplicate", "message": "already applied"}
        group = observation.group
        unlisted = max(0, group.capacity.desired_capacity - group.listed_toward_desired)
        owed = signals.track_unlisted_launches(state.pending_launches, unlisted, now.timestamp())
        windows = schedule_bounds(runtime, now)
        inputs = core.DecisionInputs(
            group=group.capacity,
            instances=group.instances + signals.unlisted_launch_instances(owed),
            signals=tuple(observation.readings.values()),
            active_alarms=state.active_alarms,
            schedule_floor=windows.floor,
            schedule_ceiling=windows.ceiling,
            paused=observation.paused,
        )
        decision = core.decide(inputs, runtime.policy, state.history, now=now)
        failed_after = log_failed_activities(runtime, config, state, unlisted)
        new_state = state.evolve(
            history=decision.history,
            launch_times=dict(group.launch_times),
            pending_launches=owed,
            last_failed_activity_at=failed_after,
            active_schedules=windows.active,
        )
        try:
            runtime.store.save(loaded, new_state, now=now, writer=writer)
            break
        except ConcurrentUpdateError as error:
            if attempt < attempts:
                logger.info("another invocation stored first: deciding again", extra={"error": str(error)})
                continue
            if change is not None:
                # A change must not be lost: failing the invocation lets Lambda deliver the event again.
                raise
            logger.warning("another invocation stored first: not acting", extra={"error": str(error)})
            return {
                "status": str(OutcomeStatus.IGNORED),
                "reason": "concurrent-update",
                "message": str(error),
            }
    report = act(runtime, config, decision, observation, unlisted=unlisted, now=now)
    outcome = outcome_of(config, decision, observation, report)
    logger.info(
        "scaler decision",
        extra={
            "decision": decision.to_dict(),
            "outcome": outcome,
            "collectorErrors": list(observation.errors),
            "warmupSeconds": observation.warmup.longest_seconds,
            "writer": writer,
            "windows": [status.as_dict() for status in windows.statuses],
        },
    )
    if observation.warmup.exceeds(runtime.policy.warmup_budget_seconds):
        logger.warning(
            "launches take longer than the warm-up budget: warming capacity stops counting early",
            extra={
                "longestWarmupSeconds": observation.warmup.longest_seconds,
                "warmupBudgetSeconds": runtime.policy.warmup_budget_seconds,
            },
        )
    emit_decision_metrics(config.group_name, decision, collector_errors=len(observation.errors))
    return outcome
