"""The in-flight alarm of the deployed stack, evaluated as CloudWatch does, for the alarm path.

The template's ``InFlightHigh`` alarm watches the group's mean in-flight requests per instance at high
resolution (10-s periods) and goes to ALARM when at least ``datapoints`` of the last three datapoints are
above the threshold (``GreaterThanThreshold``, "M out of N"), back to OK when fewer are; missing
datapoints count as not breaching (``TreatMissingData: notBreaching``). Each state change reaches the
alarm function at once, which runs ``decide()`` with the alarm active: its step (``AlarmStep`` in the
policy) raises the floor immediately, and every tick while the alarm lasts keeps it. The simulator
evaluates the alarm at each agent sample on the datapoints readable then, from its own 10-s
:class:`~warmfleet.sim.cloudwatch.MetricStore` (the scaler's query period may be longer).
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
"""

from __future__ import annotations

from dataclasses import dataclass

from warmfleet.sim.cloudwatch import MetricStore

#: The alarm's name in the stack's policy (``alarm_steps[].alarm_name``).
IN_FLIGHT_ALARM = "InFlightHigh"
#: High-resolution alarm period and evaluation range, as in the template.
ALARM_PERIOD_SECONDS = 10.0
EVALUATION_PERIODS = 3


@dataclass(slots=True)
class InFlightAlarm:
    """The alarm's state; :meth:`evaluate` returns True when it changed.

    >>> store = MetricStore(period=10.0, delay=0.0)
    >>> alarm = InFlightAlarm(threshold=8.0, datapoints=2)
    >>> for at, total in ((0.0, 20.0), (10.0, 20.0)):
    ...     store.record(at, total=total, publishers=2)
    >>> alarm.evaluate(store, 20.0), alarm.in_alarm
    (True, True)
    """

    threshold: float
    datapoints: int
    in_alarm: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.datapoints <= EVALUATION_PERIODS:
            raise ValueError(f"alarm datapoints must be 1 to {EVALUATION_PERIODS}, got {self.datapoints}")

    def evaluate(self, store: MetricStore, now: float) -> bool:
        """Re-evaluate on the last three readable periods; True when the state changed."""
        points = store.window(now, ALARM_PERIOD_SECONDS * EVALUATION_PERIODS)
        breaching = sum(1 for point in points if point.average > self.threshold)
        in_alarm = breaching >= self.datapoints
        changed, self.in_alarm = in_alarm != self.in_alarm, in_alarm
        return changed

    @property
    def active(self) -> tuple[str, ...]:
        """The active alarm names, as ``DecisionInputs.active_alarms`` takes them."""
        return (IN_FLIGHT_ALARM,) if self.in_alarm else ()
