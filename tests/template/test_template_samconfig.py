"""samconfig.toml: default, dev and prod environments that only set the template's own parameters; and the
README's deploy section documents every parameter."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tomllib
from typing import Any

import pytest

from .template_support import DEFAULT_IMAGE_PARAMETER, ROOT

SAMCONFIG = ROOT / "samconfig.toml"


@pytest.fixture(scope="module")
def samconfig() -> dict[str, Any]:
    return tomllib.loads(SAMCONFIG.read_text(encoding="utf-8"))


def _overrides(environment: dict[str, Any]) -> dict[str, str]:
    pairs = shlex.split(environment["deploy"]["parameters"].get("parameter_overrides", ""))
    return dict(pair.split("=", 1) for pair in pairs)


@pytest.mark.parametrize(
    ("environment", "stack_name", "environment_name"),
    [
        pytest.param("default", "warmfleet", "dev", id="default"),
        pytest.param("dev", "warmfleet-dev", "dev", id="dev"),
        pytest.param("prod", "warmfleet-prod", "prod", id="prod"),
    ],
)
def test_environment_deploys_its_own_stack(
    samconfig: dict[str, Any],
    sam_template: dict[str, Any],
    environment: str,
    stack_name: str,
    environment_name: str,
) -> None:
    # GIVEN one environment of samconfig.toml
    config = samconfig[environment]
    overrides = _overrides(config)
    # THEN it names its stack, needs the IAM capabilities, and overrides only real template parameters
    assert config["global"]["parameters"]["stack_name"] == stack_name
    assert set(config["deploy"]["parameters"]["capabilities"].split()) == {
        "CAPABILITY_IAM",
        "CAPABILITY_AUTO_EXPAND",
    }
    assert overrides["EnvironmentName"] == environment_name
    assert set(overrides) <= set(sam_template["Parameters"])


def test_no_account_ids_or_secrets() -> None:
    # GIVEN the settings (comments aside) THEN no account id and no credential-like setting appears
    lines = SAMCONFIG.read_text(encoding="utf-8").splitlines()
    text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    assert not re.search(r"\b\d{12}\b", text)
    assert not re.search(r"(?i)secret|password|token|aws_access_key", text)


def test_readme_documents_every_parameter(sam_template: dict[str, Any]) -> None:
    # GIVEN the README's deploy section THEN its parameter table is the template's, row for row
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("<!-- BEGIN:deploy -->") : readme.index("<!-- END:deploy -->")]
    rows = set(re.findall(r"^\| `(\w+)` \|", section, flags=re.MULTILINE))
    assert set(sam_template["Parameters"]) <= rows
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "readme_parameters.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_template_and_readme_name_one_ami(sam_template: dict[str, Any]) -> None:
    # GIVEN the template's AMI defaults and the README's deploy and instance sections
    parameters = sam_template["Parameters"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sections = [
        readme[readme.index(f"<!-- BEGIN:{name} -->") : readme.index(f"<!-- END:{name} -->")]
        for name in ("deploy", "instance")
    ]
    # THEN the template launches the instance side's AMI (AWS's Deep Learning Base OSS NVIDIA Driver GPU AMI
    # for Ubuntu 24.04) with its root device, and both sections name that AMI only
    assert parameters["ImageId"]["Default"] == DEFAULT_IMAGE_PARAMETER
    assert parameters["RootDeviceName"]["Default"] == "/dev/sda1"
    for section in sections:
        assert re.findall(r"/aws/service/deeplearning/ami/[\w./-]+", section) == [DEFAULT_IMAGE_PARAMETER]
