"""The local fleet: the Auto Scaling group's instances as real process trees on this machine.

Each instance is started the way the launch template starts one: the version's `bootstrap.sh`, checked
against its published sha256, run in local mode (`--root`, `--no-systemd`) against the moto server, which
installs the version (reusing this environment) and starts the real server and agent on a loopback port of
the instance's own. What AWS does around an instance is done here: the launch and terminate hooks hold it in
`Pending:Wait` / `Terminating:Wait` (`InMemoryLifecycleHooks`, the same state machine the lifecycle
function completes actions on), their lifecycle-action events are put on moto's EventBridge, the balancer
sends traffic only to InService instances, and IMDS tells the agent when its instance is terminating.
`plan_reconcile` is the pure part: what to launch or terminate to reach the desired capacity.
"""

from __future__ import annotations

import json
import secrets
import socket
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from warmfleet.lifecycle import InMemoryLifecycleHooks
from warmfleet.local.network import Balancer, MetadataService
from warmfleet.local.processes import ProcessBook
from warmfleet.local.stage import ACCOUNT, GROUP, LAUNCH_HOOK, REGION, STACK, TERMINATE_HOOK, Stage

LAUNCHING = "Pending:Wait"
IN_SERVICE = "InService"
TERMINATING = "Terminating:Wait"
TERMINATED = "Terminated"
GROUP_ARN = f"arn:aws:autoscaling:{REGION}:{ACCOUNT}:autoScalingGroup:demo:autoScalingGroupName/{GROUP}"


@dataclass(frozen=True)
class Member:
    """What reconciliation needs to know of an instance that counts toward the desired capacity."""

    instance_id: str
    state: str
    launched_at: float


@dataclass(frozen=True)
class ReconcilePlan:
    """How many instances to launch, and which to terminate."""

    launch: int
    terminate: tuple[str, ...]


def plan_reconcile(desired: int, members: Sequence[Member]) -> ReconcilePlan:
    """Launch the shortfall, or terminate the surplus: launching instances first, then the newest.

    (AWS's default termination policy also weighs Availability Zones and launch templates; one zone and one
    template leave the newest-first part, and a launch not yet in service is the cheapest to give up.)

    >>> plan_reconcile(3, [Member("i-a", "InService", 0.0)])
    ReconcilePlan(launch=2, terminate=())
    >>> plan_reconcile(1, [Member("i-a", "InService", 0.0), Member("i-b", "InService", 5.0)])
    ReconcilePlan(launch=0, terminate=('i-b',))
    """
    surplus = len(members) - max(0, desired)
    if surplus <= 0:
        return ReconcilePlan(-surplus, ())
    order = sorted(members, key=lambda m: (m.state != LAUNCHING, -m.launched_at, m.instance_id))
    return ReconcilePlan(0, tuple(member.instance_id for member in order[:surplus]))


@dataclass
class LocalInstance:
    """One instance: its address and port, install root, bootstrap, process ids, and when it changed state
    (seconds on the demo's clock)."""

    instance_id: str
    port: int
    private_ip: str
    root: Path
    launched_at: float
    launch_time: datetime
    bootstrap: subprocess.Popen[bytes] | None = None
    bootstrap_exit: int | None = None
    pids: list[int] = field(default_factory=list)
    in_service_at: float | None = None
    terminating_at: float | None = None
    terminated_at: float | None = None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalFleet:
    """The group's instances; `reconcile(now)` moves them toward moto's desired capacity."""

    def __init__(
        self,
        stage: Stage,
        hooks: InMemoryLifecycleHooks,
        balancer: Balancer,
        processes: ProcessBook,
        *,
        workdir: Path,
        bootstrap: Path,
        hook_heartbeat_seconds: int,
        drain_timeout_seconds: int,
        clock: Callable[[], float],
        log: Callable[[str], None] = print,
    ) -> None:
        self.stage, self.hooks, self.balancer, self.processes = stage, hooks, balancer, processes
        self.workdir, self.bootstrap_script = workdir, bootstrap
        self.heartbeat, self.drain_timeout = hook_heartbeat_seconds, drain_timeout_seconds
        self.instances: dict[str, LocalInstance] = {}
        self.imds = MetadataService(self.target_lifecycle_state)
        self._autoscaling, self._events = stage.client("autoscaling"), stage.client("events")
        self._log = log
        #: Seconds since the demo started: the clock of the timeline, the actions and the log.
        self.now = clock

    # --- what the group's API answers (warmfleet.local.group_view reads these) -------------------------
    def state(self, instance_id: str) -> str:
        return self.hooks.state(instance_id) or TERMINATED

    def listed(self) -> list[LocalInstance]:
        """Instances the group still lists (anything not yet terminated)."""
        return [i for i in self.instances.values() if i.terminated_at is None]

    def target_lifecycle_state(self, instance_id: str) -> str | None:
        """IMDS `autoscaling/target-lifecycle-state`: where the group means the instance to end up."""
        instance = self.instances.get(instance_id)
        if instance is None:
            return None
        return TERMINATED if instance.terminating_at is not None else IN_SERVICE

    def desired(self) -> int:
        groups = self._autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[GROUP])
        return int(groups["AutoScalingGroups"][0]["DesiredCapacity"])

    # --- AWS's side --------------------------------------------------------------------------------------
    def reconcile(self) -> int:
        """Follow hook states (traffic, stops), then launch or terminate toward the desired capacity (which
        it returns)."""
        for instance in list(self.instances.values()):
            self._follow(instance)
        members = [
            Member(i.instance_id, self.state(i.instance_id), i.launched_at)
            for i in self.listed()
            if i.terminating_at is None and self.state(i.instance_id) in (LAUNCHING, IN_SERVICE)
        ]
        desired = self.desired()
        plan = plan_reconcile(desired, members)
        for _ in range(plan.launch):
            self.launch()
        for instance_id in plan.terminate:
            self.begin_termination(instance_id)
        return desired

    def _follow(self, instance: LocalInstance) -> None:
        if instance.bootstrap is not None and instance.bootstrap_exit is None:
            code = instance.bootstrap.poll()
            if code is not None:
                instance.bootstrap_exit = code
                self._adopt_pids(instance)
                if code != 0:
                    self._log(f"{instance.instance_id}: bootstrap failed ({code}), see {instance.root}")
        state = self.state(instance.instance_id)
        if state == IN_SERVICE and instance.in_service_at is None and instance.terminating_at is None:
            instance.in_service_at = self.now()
            self.balancer.register(instance.instance_id, instance.port)
            self._log(f"{instance.instance_id}: InService, receiving traffic (port {instance.port})")
        if state == TERMINATED and instance.terminated_at is None:
            self.balancer.deregister(instance.instance_id)
            self._stop(instance)
            instance.terminated_at = self.now()
            self._log(f"{instance.instance_id}: terminated")

    def _adopt_pids(self, instance: LocalInstance) -> None:
        """Take over the pids the bootstrap recorded (`ROOT/run/warmfleet/{server,agent}.pid`)."""
        found = []
        for name in ("server", "agent"):
            pid_file = instance.root / "run/warmfleet" / f"{name}.pid"
            if pid_file.is_file():
                pid = int(pid_file.read_text().strip())
                instance.pids.append(pid)
                self.processes.add(pid)
                found.append(f"{name} pid {pid}")
        if found:
            self._log(f"{instance.instance_id}: bootstrap started the {', '.join(found)}")

    def launch(self) -> LocalInstance:
        """A new instance: held in Pending:Wait, its launch event put, its bootstrap started."""
        instance_id = f"i-{secrets.token_hex(9)[:17]}"
        number = len(self.instances) + 1
        instance = LocalInstance(
            instance_id=instance_id,
            port=free_port(),
            private_ip=f"10.0.{number // 250}.{number % 250 + 4}",
            root=self.workdir / "instances" / instance_id,
            launched_at=self.now(),
            launch_time=datetime.now(UTC),
        )
        self.instances[instance_id] = instance
        token = self.hooks.launch(GROUP, instance_id, LAUNCH_HOOK, self.heartbeat)
        self._put_lifecycle_event(instance_id, token, launching=True)
        instance.root.mkdir(parents=True)
        command = ["bash", str(self.bootstrap_script), "--stack-name", STACK, "--root", str(instance.root)]
        command += ["--no-systemd", "--port", str(instance.port), "--instance-id", instance_id]
        command += ["--region", REGION, "--imds-url", self.imds.url_for(instance_id)]
        command += ["--python", sys.executable, "--reuse-venv", sys.prefix]
        env = self.stage.environment()
        # The AWS CLI the bootstrap calls: this environment's, first on the PATH.
        env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
        with open(instance.root.parent / f"{instance_id}.bootstrap.log", "wb") as log:
            instance.bootstrap = subprocess.Popen(
                command,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.add(instance.bootstrap.pid)
        self._log(f"{instance_id}: launched, Pending:Wait (bootstrap pid {instance.bootstrap.pid})")
        return instance

    def begin_termination(self, instance_id: str, *, decrement: bool = False) -> None:
        """The group terminates `instance_id`: no new traffic, Terminating:Wait, its terminate event put."""
        instance = self.instances[instance_id]
        if instance.terminating_at is not None or instance.terminated_at is not None:
            return
        self.balancer.deregister(instance_id)
        instance.terminating_at = self.now()
        token = self.hooks.terminate(GROUP, instance_id, TERMINATE_HOOK, self.drain_timeout)
        self._put_lifecycle_event(instance_id, token, launching=False)
        if decrement:
            desired = max(0, self.desired() - 1)
            self._autoscaling.set_desired_capacity(AutoScalingGroupName=GROUP, DesiredCapacity=desired)
        self._log(f"{instance_id}: Terminating:Wait, deregistered from the balancer")

    def _put_lifecycle_event(self, instance_id: str, token: str, *, launching: bool) -> None:
        kind = "launch" if launching else "terminate"
        detail = {
            "LifecycleActionToken": token,
            "AutoScalingGroupName": GROUP,
            "LifecycleHookName": LAUNCH_HOOK if launching else TERMINATE_HOOK,
            "EC2InstanceId": instance_id,
            "LifecycleTransition": f"autoscaling:EC2_INSTANCE_{'LAUNCHING' if launching else 'TERMINATING'}",
            "Origin": "EC2" if launching else "AutoScalingGroup",
            "Destination": "AutoScalingGroup" if launching else "EC2",
        }
        answer = self._events.put_events(
            Entries=[
                {
                    "Source": "aws.autoscaling",
                    "DetailType": f"EC2 Instance-{kind} Lifecycle Action",
                    "Detail": json.dumps(detail),
                    "Resources": [GROUP_ARN],
                }
            ]
        )
        if answer.get("FailedEntryCount"):
            self._log(f"{instance_id}: the {kind} lifecycle event was not accepted: {answer}")

    def _stop(self, instance: LocalInstance) -> None:
        if instance.bootstrap is not None and instance.bootstrap_exit is None:
            self.processes.stop([instance.bootstrap.pid])
            instance.bootstrap_exit = instance.bootstrap.wait(timeout=5)
            self._adopt_pids(instance)
        self.processes.stop(instance.pids)

    def close(self) -> None:
        """Stop every instance's processes (the demo's end, a Ctrl-C, an error) and the metadata service."""
        for instance in self.instances.values():
            self._stop(instance)
        self.imds.close()
