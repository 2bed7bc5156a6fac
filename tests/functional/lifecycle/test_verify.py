"""The verification client over real HTTP: the real inference server, and scripted answers for the rest."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from warmfleet.aws import Ec2InstanceAddresses
from warmfleet.lifecycle import InstanceVerifier, VerifyOutcome, VerifySettings

from tests.conftest import free_port
from tests.functional.bootstrap.test_bring_your_own import Standin, running_standin
from tests.functional.inference.conftest import ServerProcess
from tests.functional.lifecycle.conftest import ScriptedServer, server_port

READY = (200, {"state": "ready"})
METADATA = {"name": "m", "inputs": [{"name": "x", "datatype": "INT32", "shape": [-1, 2]}], "outputs": []}
OUTPUTS = {"outputs": [{"name": "y", "datatype": "FP32", "shape": [1, 1], "data": [0.5]}]}


def test_real_server_passes_with_a_canary_built_from_its_metadata(warm_server: ServerProcess) -> None:
    # GIVEN the real server, warm, and MODEL_NAME set as the template sets it
    verifier = InstanceVerifier(VerifySettings(server_port(warm_server), 5, "mlp"))
    # WHEN it is verified
    result = verifier.verify("127.0.0.1")
    # THEN /ready and the canary inference passed
    assert result.outcome is VerifyOutcome.PASSED, result.message
    assert "canary infer on 'mlp'" in result.message and result.seconds < 5


def test_real_server_without_model_name_is_discovered_from_its_listing(warm_server: ServerProcess) -> None:
    # GIVEN no MODEL_NAME (the template's default), and the real server, which lists its model
    result = InstanceVerifier(VerifySettings(server_port(warm_server), 5)).verify("127.0.0.1")
    # THEN the model it lists is the one probed
    assert result.outcome is VerifyOutcome.PASSED, result.message
    assert "canary infer on 'mlp'" in result.message


@pytest.fixture(scope="module")
def triton_like_server() -> Iterator[Standin]:
    """The bring-your-own stand-in (Flask/Werkzeug, Triton's paths: no `/ready`), warm, stopped by its pid."""
    with running_standin(warmup_seconds=0) as started:
        yield started


@pytest.mark.parametrize(
    ("ready_path", "outcome", "message"),
    [
        pytest.param(
            "/v2/health/ready",
            VerifyOutcome.PASSED,
            "canary infer on 'standin' returned",
            id="configured-triton-path-passes",
        ),
        pytest.param(
            "/ready", VerifyOutcome.NOT_READY, "GET /ready answered 404", id="default-path-never-passes"
        ),
    ],
)
def test_bring_your_own_server_with_its_own_ready_path(
    triton_like_server: Standin, ready_path: str, outcome: VerifyOutcome, message: str
) -> None:
    # GIVEN a warm server that serves readiness only at Triton's /v2/health/ready, and its model's name
    port = int(triton_like_server.url.rsplit(":", 1)[1])
    settings = VerifySettings(port, 5, "standin", ready_path=ready_path)
    # WHEN it is verified with READY_PATH as configured
    result = InstanceVerifier(settings).verify("127.0.0.1")
    # THEN only its own readiness path lets it pass (the canary is then built from its v2 metadata)
    assert result.outcome is outcome, result.message
    assert message in result.message


CASES: list[Any] = [
    pytest.param(
        {
            ("GET", "/ready"): READY,
            ("GET", "/v2/models"): (200, {"models": [{"name": "m"}]}),
            ("GET", "/v2/models/m"): (200, METADATA),
            ("POST", "/v2/models/m/infer"): (200, OUTPUTS),
        },
        {},
        VerifyOutcome.PASSED,
        "canary infer on 'm'",
        {
            "inputs": [{"name": "x", "datatype": "INT32", "shape": [1, 2], "data": [0, 0]}],
            "id": "warmfleet-canary",
        },
        id="model-discovered-from-listing",
    ),
    pytest.param(
        {
            ("GET", "/ready"): READY,
            ("POST", "/v2/repository/index"): (200, [{"name": "m", "state": "READY"}]),
            ("GET", "/v2/models/m"): (200, METADATA),
            ("POST", "/v2/models/m/infer"): (200, OUTPUTS),
        },
        {},
        VerifyOutcome.PASSED,
        "canary infer on 'm'",
        None,
        id="model-discovered-from-triton-repository-index",
    ),
    pytest.param(
        {("GET", "/ready"): READY},
        {},
        VerifyOutcome.FAILED,
        "MODEL_NAME is not set",
        None,
        id="no-model-name-and-no-listing",
    ),
    pytest.param(
        {("GET", "/ready"): READY, ("POST", "/generate"): (200, {"text": "ok"})},
        {"canary_request": {"path": "/generate", "body": {"prompt": "hi", "max_tokens": 1}}},
        VerifyOutcome.PASSED,
        "POST /generate answered 200",
        {"prompt": "hi", "max_tokens": 1},
        id="bring-your-own-server-canary",
    ),
    pytest.param(
        {("GET", "/ready"): READY, ("POST", "/v2/models/m/infer"): (200, OUTPUTS)},
        {
            "model_name": "m",
            "canary_request": {"inputs": [{"name": "x", "datatype": "INT32", "shape": [1], "data": [7]}]},
        },
        VerifyOutcome.PASSED,
        "canary infer",
        {"inputs": [{"name": "x", "datatype": "INT32", "shape": [1], "data": [7]}]},
        id="configured-v2-canary",
    ),
    pytest.param(
        {("GET", "/ready"): (503, {"state": "warming", "reason": "3 of 8 warm-up batches"})},
        {"model_name": "m"},
        VerifyOutcome.NOT_READY,
        "state warming: 3 of 8",
        None,
        id="not-ready",
    ),
    pytest.param(
        {
            ("GET", "/ready"): READY,
            ("GET", "/v2/models/m"): (200, METADATA),
            ("POST", "/v2/models/m/infer"): (200, {}),
        },
        {"model_name": "m"},
        VerifyOutcome.FAILED,
        "no outputs",
        None,
        id="infer-without-outputs",
    ),
    pytest.param(
        {("GET", "/ready"): READY, ("GET", "/v2/models/m"): (404, {"error": "unknown model"})},
        {"model_name": "m"},
        VerifyOutcome.FAILED,
        "answered 404",
        None,
        id="unknown-model",
    ),
]


@pytest.mark.parametrize(("routes", "options", "outcome", "message", "canary"), CASES)
def test_scripted_answers(
    routes: dict[tuple[str, str], tuple[int, Any]],
    options: dict[str, Any],
    outcome: VerifyOutcome,
    message: str,
    canary: object,
    scripted: Callable[..., ScriptedServer],
) -> None:
    # GIVEN a server answering as scripted
    server = scripted(routes)
    # WHEN it is verified
    result = InstanceVerifier(VerifySettings(server.port, 5, **options)).verify("127.0.0.1")
    # THEN the outcome and its reason are as expected, and the canary sent was the one expected
    assert result.outcome is outcome, result.message
    assert message in result.message
    if canary is not None:
        assert server.requests[-1][2] == canary


def test_nothing_listening_fails_without_raising() -> None:
    result = InstanceVerifier(VerifySettings(free_port(), 1, "m")).verify("127.0.0.1")
    assert result.outcome is VerifyOutcome.FAILED and "no answer" in result.message


def described(state: str) -> dict[str, Any]:
    instance = {
        "InstanceId": "i-0a1b2c3d4e5f60718",
        "PrivateIpAddress": "10.0.1.17",
        "State": {"Name": state, "Code": 16},
    }
    return {"Reservations": [{"ReservationId": "r-1", "Instances": [instance]}]}


@pytest.mark.parametrize(
    ("answer", "address"),
    [
        pytest.param(described("running"), "10.0.1.17", id="running"),
        pytest.param(described("pending"), "10.0.1.17", id="booting"),
        pytest.param(described("shutting-down"), None, id="terminating"),
        pytest.param({"Reservations": []}, None, id="not-listed"),
        pytest.param(("InvalidInstanceID.NotFound", "The instance ID does not exist"), None, id="unknown"),
    ],
)
def test_instance_addresses_from_ec2(answer: Any, address: str | None) -> None:
    # GIVEN EC2's answer to DescribeInstances for the instance (request and response checked by the Stubber)
    ec2 = boto3.client("ec2", region_name="us-east-1")
    with Stubber(ec2) as stubber:
        expected = {"InstanceIds": ["i-0a1b2c3d4e5f60718"]}
        if isinstance(answer, tuple):
            stubber.add_client_error(
                "describe_instances", answer[0], answer[1], 400, expected_params=expected
            )
        else:
            stubber.add_response("describe_instances", answer, expected_params=expected)
        # WHEN / THEN a live instance has its private IP, a leaving or unknown one is gone
        assert Ec2InstanceAddresses(ec2).private_ip("i-0a1b2c3d4e5f60718") == address
