"""What the real handlers see of the local fleet (`warmfleet.local.group_view`), on a stand-in fleet: the
group lists the local instances with their hook states, a termination goes to the fleet, EC2 describes
launch times and addresses, and the gate's HTTP to `<private ip>:APP_PORT` reaches only a known instance."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

import pytest
from warmfleet.local.fleet import LocalFleet, LocalInstance
from warmfleet.local.group_view import FleetAddresses, FleetEc2, GroupAutoScaling, VpcHttpClient
from warmfleet.local.stage import APP_PORT

LAUNCHED = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def _instance(instance_id: str, ip: str, port: int = 1, *, terminated: bool = False) -> LocalInstance:
    return LocalInstance(
        instance_id, port, ip, Path("/nonexistent"), 0.0, LAUNCHED, terminated_at=5.0 if terminated else None
    )


@dataclass
class StandInFleet:
    """The parts of `LocalFleet` the views read, and a record of the terminations they start."""

    instances: dict[str, LocalInstance]
    states: dict[str, str]
    terminations: list[tuple[str, bool]] = field(default_factory=list)

    def state(self, instance_id: str) -> str:
        return self.states.get(instance_id, "Terminated")

    def listed(self) -> list[LocalInstance]:
        return [i for i in self.instances.values() if i.terminated_at is None]

    def begin_termination(self, instance_id: str, *, decrement: bool = False) -> None:
        self.terminations.append((instance_id, decrement))


class MotoAutoScaling:
    """moto's answer for the group: bounds, desired, and instances of its own that must not show."""

    def describe_auto_scaling_groups(self, **_: Any) -> dict[str, Any]:
        return {
            "AutoScalingGroups": [
                {
                    "AutoScalingGroupName": "demo-fleet",
                    "MinSize": 1,
                    "MaxSize": 4,
                    "DesiredCapacity": 2,
                    "Instances": [{"InstanceId": "i-0000000000moto", "LifecycleState": "InService"}],
                }
            ]
        }

    def set_desired_capacity(self, **params: Any) -> dict[str, Any]:
        return {"called": params}


@pytest.fixture
def fleet() -> StandInFleet:
    instances = {
        "i-aaaaaaaaaaaaaaaaa": _instance("i-aaaaaaaaaaaaaaaaa", "10.0.0.5"),
        "i-bbbbbbbbbbbbbbbbb": _instance("i-bbbbbbbbbbbbbbbbb", "10.0.0.6"),
        "i-ccccccccccccccccc": _instance("i-ccccccccccccccccc", "10.0.0.7", terminated=True),
    }
    states = {"i-aaaaaaaaaaaaaaaaa": "InService", "i-bbbbbbbbbbbbbbbbb": "Pending:Wait"}
    return StandInFleet(instances, states)


def test_the_group_lists_the_local_instances_with_their_hook_states(fleet: StandInFleet) -> None:
    # GIVEN one instance in service, one warming and one terminated
    view = GroupAutoScaling(MotoAutoScaling(), cast(LocalFleet, fleet))
    # WHEN the scaler describes the group
    group = view.describe_auto_scaling_groups(AutoScalingGroupNames=["demo-fleet"])["AutoScalingGroups"][0]
    # THEN moto's bounds and desired capacity, the local instances (not moto's) with their hook states
    assert (group["MinSize"], group["MaxSize"], group["DesiredCapacity"]) == (1, 4, 2)
    assert {i["InstanceId"]: i["LifecycleState"] for i in group["Instances"]} == {
        "i-aaaaaaaaaaaaaaaaa": "InService",
        "i-bbbbbbbbbbbbbbbbb": "Pending:Wait",
    }


@pytest.mark.parametrize("decrement", [pytest.param(True, id="decrement"), pytest.param(False, id="replace")])
def test_a_termination_starts_the_fleets_terminate_hook(fleet: StandInFleet, decrement: bool) -> None:
    view = GroupAutoScaling(MotoAutoScaling(), cast(LocalFleet, fleet))
    view.terminate_instance_in_auto_scaling_group(
        InstanceId="i-aaaaaaaaaaaaaaaaa", ShouldDecrementDesiredCapacity=decrement
    )
    assert fleet.terminations == [("i-aaaaaaaaaaaaaaaaa", decrement)]
    # AND any other call goes to moto as it is
    assert view.set_desired_capacity(DesiredCapacity=3) == {"called": {"DesiredCapacity": 3}}


def test_ec2_describes_known_instances_only(fleet: StandInFleet) -> None:
    ec2 = FleetEc2(object(), cast(LocalFleet, fleet))
    answer = ec2.describe_instances(InstanceIds=["i-aaaaaaaaaaaaaaaaa", "i-ccccccccccccccccc", "i-unknown"])
    described = {i["InstanceId"]: i for r in answer["Reservations"] for i in r["Instances"]}
    assert set(described) == {"i-aaaaaaaaaaaaaaaaa", "i-ccccccccccccccccc"}
    assert described["i-aaaaaaaaaaaaaaaaa"]["LaunchTime"] == LAUNCHED
    assert described["i-ccccccccccccccccc"]["State"]["Name"] == "terminated"


@pytest.mark.parametrize(
    ("instance_id", "expected"),
    [
        pytest.param("i-aaaaaaaaaaaaaaaaa", "10.0.0.5", id="live-instance"),
        pytest.param("i-ccccccccccccccccc", None, id="terminated-is-gone"),
        pytest.param("i-unknown", None, id="unknown-is-gone"),
    ],
)
def test_addresses(fleet: StandInFleet, instance_id: str, expected: str | None) -> None:
    assert FleetAddresses(cast(LocalFleet, fleet)).private_ip(instance_id) == expected


@pytest.fixture
def server() -> Iterator[int]:
    class Ready(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return None

        def do_GET(self) -> None:
            body = self.path.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Ready)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield int(httpd.server_address[1])
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize(
    ("url", "reaches"),
    [
        pytest.param(f"http://10.0.0.5:{APP_PORT}/ready", True, id="instance-address-and-app-port"),
        pytest.param("http://10.0.0.5:9/ready", False, id="other-port-no-route"),
        pytest.param(f"http://10.9.9.9:{APP_PORT}/ready", False, id="unknown-address-no-route"),
    ],
)
def test_the_gates_http_reaches_the_instance_behind_its_address(
    fleet: StandInFleet, server: int, url: str, reaches: bool
) -> None:
    # GIVEN the instance at 10.0.0.5 listening on a loopback port
    fleet.instances["i-aaaaaaaaaaaaaaaaa"].port = server
    client = VpcHttpClient(cast(LocalFleet, fleet))
    if reaches:
        # THEN its private address and the app port reach that port, path and all
        assert client.request("GET", url, None, 5) == (200, b"/ready")
    else:
        # THEN anything else has no route, as in a VPC
        with pytest.raises(OSError, match="no route"):
            client.request("GET", url, None, 5)
