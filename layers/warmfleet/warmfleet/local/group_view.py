"""What the real handlers see of the group: moto's Auto Scaling and EC2 APIs with the local fleet's
instances in place of moto's.

moto keeps the group's record (bounds, desired capacity, tags) and the scaler's SetDesiredCapacity goes to
it unchanged, but moto cannot hold an instance in `Pending:Wait` or `Terminating:Wait`. So the scaler gets
these two clients: `DescribeAutoScalingGroups` answers moto's group with the local instances and their hook
states, `TerminateInstanceInAutoScalingGroup` starts the local instance's terminate hook (and lowers
moto's desired capacity when asked to), `DescribeInstances` gives their launch times and private
addresses; every other call goes to moto as it is. `FleetAddresses` and `VpcHttpClient` let the lifecycle
function verify an instance at `<private ip>:APP_PORT`, as it does over the VPC, by sending the request to
that instance's loopback port.
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from warmfleet.lifecycle.verify import UrllibHttpClient
from warmfleet.local.fleet import LocalFleet
from warmfleet.local.stage import APP_PORT, REGION


class GroupAutoScaling:
    """A boto3 `autoscaling` client whose group lists the local fleet's instances."""

    def __init__(self, moto_client: Any, fleet: LocalFleet) -> None:
        self._moto = moto_client
        self._fleet = fleet

    def __getattr__(self, name: str) -> Any:
        return getattr(self._moto, name)

    def describe_auto_scaling_groups(self, **params: Any) -> Any:
        answer = copy.deepcopy(self._moto.describe_auto_scaling_groups(**params))
        for group in answer.get("AutoScalingGroups", []):
            group["Instances"] = [
                {
                    "InstanceId": instance.instance_id,
                    "LifecycleState": self._fleet.state(instance.instance_id),
                    "HealthStatus": "Healthy",
                    "ProtectedFromScaleIn": False,
                    "AvailabilityZone": f"{REGION}a",
                }
                for instance in self._fleet.listed()
            ]
        return answer

    def terminate_instance_in_auto_scaling_group(
        self,
        *,
        InstanceId: str,  # noqa: N803 - boto3's parameter names
        ShouldDecrementDesiredCapacity: bool,  # noqa: N803
    ) -> dict[str, Any]:
        self._fleet.begin_termination(InstanceId, decrement=ShouldDecrementDesiredCapacity)
        return {"Activity": {"ActivityId": f"terminate-{InstanceId}", "StatusCode": "InProgress"}}


class FleetEc2:
    """A boto3 `ec2` client that describes the local fleet's instances (launch time, private address)."""

    def __init__(self, moto_client: Any, fleet: LocalFleet) -> None:
        self._moto = moto_client
        self._fleet = fleet

    def __getattr__(self, name: str) -> Any:
        return getattr(self._moto, name)

    def describe_instances(self, *, InstanceIds: list[str]) -> dict[str, Any]:  # noqa: N803 - boto3's name
        found = [self._fleet.instances[i] for i in InstanceIds if i in self._fleet.instances]
        return {
            "Reservations": [
                {
                    "Instances": [
                        {
                            "InstanceId": instance.instance_id,
                            "LaunchTime": instance.launch_time,
                            "PrivateIpAddress": instance.private_ip,
                            "State": {"Name": "terminated" if instance.terminated_at else "running"},
                        }
                        for instance in found
                    ]
                }
            ]
        }


class FleetAddresses:
    """`InstanceAddresses` for the lifecycle gate: the instance's private address, None once it is gone."""

    def __init__(self, fleet: LocalFleet) -> None:
        self._fleet = fleet

    def private_ip(self, instance_id: str) -> str | None:
        instance = self._fleet.instances.get(instance_id)
        return None if instance is None or instance.terminated_at is not None else instance.private_ip


class VpcHttpClient:
    """The gate's `HttpClient`: `http://<private ip>:APP_PORT/...` reaches that instance's loopback port."""

    def __init__(self, fleet: LocalFleet) -> None:
        self._fleet = fleet
        self._http = UrllibHttpClient()

    def request(self, method: str, url: str, body: bytes | None, timeout: float) -> tuple[int, bytes]:
        parts = urlsplit(url)
        target = next((i for i in self._fleet.instances.values() if i.private_ip == parts.hostname), None)
        if target is None or parts.port != APP_PORT:
            raise OSError(f"no route to {parts.netloc}")
        local = urlunsplit((parts.scheme, f"127.0.0.1:{target.port}", parts.path, parts.query, ""))
        return self._http.request(method, local, body, timeout)
