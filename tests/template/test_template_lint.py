"""The template passes cfn-lint (no errors, no warnings) and `sam validate --lint`."""

from __future__ import annotations

import subprocess

import pytest

from .template_support import ROOT, VENV_BIN, tool_env


def test_cfn_lint_reports_nothing() -> None:
    # GIVEN the template as committed
    # WHEN cfn-lint checks it with its default rules (errors and warnings)
    result = subprocess.run(
        [str(VENV_BIN / "cfn-lint"), "--format", "parseable", "template.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # THEN it reports no finding at all
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


@pytest.mark.slow
def test_sam_validate_lint_accepts_the_template() -> None:
    # GIVEN the template WHEN the SAM CLI validates it with its linter
    result = subprocess.run(
        [str(VENV_BIN / "sam"), "validate", "--lint", "--template-file", "template.yaml"],
        cwd=ROOT,
        env=tool_env(AWS_DEFAULT_REGION="us-east-1"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # THEN it is valid
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr
