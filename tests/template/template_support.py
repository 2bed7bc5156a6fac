"""Loading, transforming and deploying `template.yaml` for the template tests, offline.

`load_sam_template` parses the SAM template (short-form tags such as `!Sub` become their long forms);
`transform` runs the SAM translator `sam deploy` runs server-side, locally, with the code locations
pointed at an S3 bucket so the result deploys to a moto server. `metrics_read` is the template's side of
the metric-contract wiring test (tools/template_metrics.py).
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
from samcli.yamlhelper import yaml_parse
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
REGION = "us-east-1"
CODE_BUCKET = "warmfleet-test-artifacts"
ARTIFACT_BUCKET = "warmfleet-test-models"
MODEL_ARTIFACT_URI = f"s3://{ARTIFACT_BUCKET}/warmfleet/v1/model/resnet50.onnx"
# The template's AMI, the instance side's: Deep Learning Base OSS NVIDIA Driver GPU AMI, Ubuntu 24.04.
DEFAULT_IMAGE_PARAMETER = (
    "/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-24.04/latest/ami-id"
)
TEST_IMAGE_PARAMETER = "/warmfleet-test/gpu-ami"
PYENV_VERSION = "3.11.7:3.12.1:3.13.0"
VENV_BIN = Path(sys.executable).parent

# The template's code, by logical id; the tests upload each folder as s3://CODE_BUCKET/code/<id>.zip.
CODE_LOCATIONS: dict[str, str] = {
    "WarmfleetLayer": "layers/warmfleet",
    "LifecycleFunction": "functions/lifecycle",
    "ScalerFunction": "functions/scaler",
    "AlarmFunction": "functions/alarm",
}

_spec = importlib.util.spec_from_file_location("template_metrics", ROOT / "tools" / "template_metrics.py")
assert _spec is not None and _spec.loader is not None
_template_metrics = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_template_metrics)
metrics_read = _template_metrics.metrics_read


def load_sam_template(path: Path = TEMPLATE) -> dict[str, Any]:
    """The SAM template as a dict, intrinsic functions in their long (JSON) form."""
    parsed: dict[str, Any] = yaml_parse(path.read_text(encoding="utf-8"))
    return parsed


def code_key(logical_id: str) -> str:
    return f"code/{logical_id}.zip"


def transform(sam_template: dict[str, Any]) -> dict[str, Any]:
    """The CloudFormation template `sam deploy` would create, code at s3://CODE_BUCKET/code/<id>.zip."""
    template = copy.deepcopy(sam_template)
    for logical_id in CODE_LOCATIONS:
        resource = template["Resources"][logical_id]
        key = "ContentUri" if resource["Type"] == "AWS::Serverless::LayerVersion" else "CodeUri"
        resource["Properties"][key] = f"s3://{CODE_BUCKET}/{code_key(logical_id)}"
    translator = Translator(
        managed_policy_map=None,
        sam_parser=Parser(),
        boto_session=boto3.Session(region_name=REGION),
    )
    translated: dict[str, Any] = translator.translate(
        sam_template=template, parameter_values={}, get_managed_policy_map=lambda: {}
    )
    return translated


def resources_of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == resource_type
    }


def walk(value: Any) -> Iterator[Any]:
    """Every node of a JSON-like value, depth first."""
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


# Credentials for the moto server, passed explicitly so the tests never change the process environment.
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def aws_client(service: str, endpoint_url: str) -> Any:
    """A boto3 client for `service` on the moto endpoint (typed Any: the service is a runtime value)."""
    session: Any = boto3.session.Session(
        region_name=REGION,
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    return session.client(service, endpoint_url=endpoint_url)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def tool_env(**extra: str) -> dict[str, str]:
    """Environment for the SAM CLI and friends: the project's bin first, no telemetry, python3.13 visible."""
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["SAM_CLI_TELEMETRY"] = "0"
    env.setdefault("PYENV_VERSION", PYENV_VERSION)
    if "AWS_ACCESS_KEY_ID" in extra:  # talking to moto: no profile or session token of the developer's
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
            env.pop(name, None)
    env.update(extra)
    return env


def python313_missing_reason() -> str | None:
    """Why `sam build` for python3.13 cannot run here, or None when it can."""
    interpreter = shutil.which("python3.13", path=tool_env()["PATH"])
    if interpreter is None:
        return "python3.13 is not on PATH (sam build needs it for the python3.13 runtime)"
    probe = subprocess.run(
        [interpreter, "--version"], env=tool_env(), capture_output=True, text=True, check=False
    )
    if probe.returncode != 0:
        pyenv_version = tool_env()["PYENV_VERSION"]
        return f"python3.13 does not run (PYENV_VERSION={pyenv_version}): {probe.stderr.strip()}"
    return None


# ------------------------------------------------------------------ resolving values offline
STACK_NAME = "warmfleet-dev"
PSEUDO_PARAMETERS = {
    "AWS::StackName": STACK_NAME,
    "AWS::Region": REGION,
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::NoValue": None,
}
_SUB_REFERENCE = re.compile(r"\$\{(?P<name>[^}!][^}]*)\}")


class Resolver:
    """Evaluates the intrinsic functions of a template for one set of parameter values, offline.

    Parameters resolve to their value (or Default), pseudo parameters to a fixed dev stack, resources to
    `<LogicalId>` and attributes to `<LogicalId.Attribute>` placeholders.
    """

    def __init__(self, template: dict[str, Any], parameters: dict[str, str] | None = None) -> None:
        self.template = template
        self.values: dict[str, Any] = {
            name: spec.get("Default") for name, spec in template.get("Parameters", {}).items()
        }
        self.values.update(parameters or {})
        self.values.update(PSEUDO_PARAMETERS)

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.template["Conditions"][name]))

    def _ref(self, name: str) -> Any:
        if name in self.values:
            value = self.values[name]
            spec = self.template.get("Parameters", {}).get(name, {})
            if spec.get("Type") == "CommaDelimitedList" or str(spec.get("Type", "")).startswith("List<"):
                return [item for item in str(value).split(",")] if value is not None else []
            return value
        return f"<{name}>"

    def _sub(self, text: str, variables: dict[str, Any]) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match["name"]
            if name in variables:
                return str(variables[name])
            if "." in name and name.split(".")[0] not in self.values:
                return f"<{name}>"
            return str(self._ref(name))

        return _SUB_REFERENCE.sub(replace, text).replace("${!", "${")

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [item for item in (self.resolve(item) for item in value) if item is not None]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref":
                return self._ref(argument)
            if key == "Fn::Sub":
                text, variables = (argument, {}) if isinstance(argument, str) else argument
                return self._sub(text, {name: self.resolve(v) for name, v in variables.items()})
            if key == "Fn::Join":
                return argument[0].join(str(item) for item in self.resolve(argument[1]))
            if key == "Fn::If":
                chosen = argument[1] if self.condition(argument[0]) else argument[2]
                return self.resolve(chosen)
            if key == "Fn::Equals":
                left, right = self.resolve(argument)
                return str(left) == str(right)
            if key == "Fn::Not":
                return not self.resolve(argument[0])
            if key == "Fn::And":
                return all(self.resolve(item) for item in argument)
            if key == "Fn::Or":
                return any(self.resolve(item) for item in argument)
            if key == "Condition":
                return self.condition(argument)
            if key == "Fn::GetAtt":
                target = argument if isinstance(argument, str) else ".".join(argument)
                return f"<{target}>"
            if key == "Fn::Select":
                return self.resolve(argument[1])[int(argument[0])]
            if key == "Fn::Split":
                return str(self.resolve(argument[1])).split(argument[0])
        return {key: self.resolve(item) for key, item in value.items()}


def function_environment(
    sam_template: dict[str, Any], function: str, parameters: dict[str, str] | None = None
) -> dict[str, str]:
    """A function's environment variables (Globals merged), resolved for the given parameters."""
    resolver = Resolver(sam_template, parameters)
    merged = dict(sam_template["Globals"]["Function"]["Environment"]["Variables"])
    merged.update(sam_template["Resources"][function]["Properties"]["Environment"]["Variables"])
    return {name: str(resolver.resolve(value)) for name, value in merged.items()}


# ------------------------------------------------------------------ moto
def moto_template(transformed: dict[str, Any]) -> dict[str, Any]:
    """The copy of the transformed template deployed to moto, with two moto quirks worked around.

    moto resolves an SSM-typed parameter's Default even when a value is passed, and refuses to create
    `/aws/...` parameters, so the ImageId default points at a parameter the tests create; and moto's target
    group has no CloudFormation attributes (TargetGroupFullName), so the dashboard, which reads them, is
    left out. template.yaml itself is never changed.
    """
    template: dict[str, Any] = json.loads(json.dumps(transformed))
    template["Parameters"]["ImageId"]["Default"] = TEST_IMAGE_PARAMETER
    del template["Resources"]["Dashboard"]
    del template["Outputs"]["DashboardUrl"]
    return template


def deploy_to_moto(
    account: dict[str, str], transformed: dict[str, Any], stack_name: str, **parameters: str
) -> dict[str, Any]:
    """Create `stack_name` on the moto server of `account`; its DescribeStacks entry."""
    cloudformation = aws_client("cloudformation", account["endpoint"])
    values = {key: value for key, value in account.items() if key[0].isupper()} | parameters
    cloudformation.create_stack(
        StackName=stack_name,
        TemplateBody=json.dumps(moto_template(transformed)),
        Parameters=[{"ParameterKey": key, "ParameterValue": value} for key, value in values.items()],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    return dict(cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0])


def stack_outputs(stack: dict[str, Any]) -> dict[str, str]:
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
