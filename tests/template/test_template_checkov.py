"""checkov over the SAM-transformed template: no failed check, and every suppression has a reason.

checkov runs from its own tool environment (`tools/checkov-env.sh` creates `.tools/checkov`), because its
pins fight the project's. Suppressions live in the resources' Metadata in template.yaml, and in
`.checkov.yaml` for the Lambda functions SAM generates (which cannot carry their own).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .template_support import ROOT, walk

pytestmark = pytest.mark.slow
CONFIG = ROOT / ".checkov.yaml"


@pytest.fixture(scope="module")
def checkov() -> Path:
    result = subprocess.run(
        [str(ROOT / "tools" / "checkov-env.sh")],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"could not create the checkov environment:\n{result.stderr}"
    return Path(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def checkov_report(
    checkov: Path, transformed: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("checkov")
    template = work / "transformed.json"
    template.write_text(json.dumps(transformed, indent=1), encoding="utf-8")
    result = subprocess.run(
        [str(checkov), "--config-file", str(CONFIG), "-f", str(template), "-o", "json"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.stdout.strip(), result.stderr
    report = json.loads(result.stdout)
    return report[0] if isinstance(report, list) else dict(report)


def test_no_check_fails(checkov_report: dict[str, Any]) -> None:
    # GIVEN checkov's report on the transformed template
    failed = [
        f"{check['check_id']} {check['resource']}: {check['check_name']}"
        for check in checkov_report["results"]["failed_checks"]
    ]
    # THEN nothing failed, and it really checked the stack (not an empty parse)
    assert failed == []
    assert checkov_report["summary"]["parsing_errors"] == 0
    assert checkov_report["summary"]["passed"] > 100


def test_every_template_suppression_gives_a_reason(sam_template: dict[str, Any]) -> None:
    # GIVEN the checkov suppressions in the template's Metadata
    skips = [
        skip
        for node in walk(sam_template["Resources"])
        if isinstance(node, dict) and isinstance(node.get("checkov"), dict)
        for skip in node["checkov"]["skip"]
    ]
    # THEN each names a check and says why, in a sentence
    assert skips
    for skip in skips:
        assert re.fullmatch(r"CKV2?_AWS_\d+", skip["id"])
        assert len(skip.get("comment", "").split()) >= 6, skip


def test_every_config_suppression_gives_a_reason() -> None:
    # GIVEN .checkov.yaml, where each skipped check is preceded by a "# ID: reason" comment
    text = CONFIG.read_text(encoding="utf-8")
    skipped = re.findall(r"^\s*-\s*(CKV2?_AWS_\d+)\s*$", text, flags=re.MULTILINE)
    # THEN every skipped id has its reason comment
    assert skipped
    for check_id in skipped:
        assert re.search(rf"^\s*#\s*{check_id}: \S.{{20,}}", text, flags=re.MULTILINE), check_id
