"""checkov over the SAM-transformed template: no failed check, and every suppression has a reason.

checkov runs from its own tool environment (`tools/checkov-env.sh` creates `.tools/checkov`), because its
pins fight the project's. Suppressions live in the resources' Metadata in template.yaml, and in
`.checkov.yaml` for the Lambda functions SAM generates (which cannot carry their own).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from .template_support import ROOT, walk

pytestmark = pytest.mark.slow
CONFIG = ROOT / ".checkov.yaml"


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
