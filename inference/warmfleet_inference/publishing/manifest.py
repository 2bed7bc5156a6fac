"""The manifest of one published version: every file with its sha256, the model, and the package version.

The manifest is the bootstrap's single source of truth: its own sha256 is in SSM (written by the publisher,
readable only with the stack's IAM permissions), and it lists the sha256 of every other file, so an instance
verifies the whole chain from SSM down before it installs anything. Paths are relative to the version's S3
prefix. The bootstrap reads it with the AMI's `python3` and the standard library only.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

MANIFEST_SCHEMA = 1


class FileRole(StrEnum):
    """What each published file is for; the bootstrap picks files by role."""

    WHEEL = "wheel"
    REQUIREMENTS = "requirements"
    MODEL = "model"
    MODEL_CHECKSUM = "model-checksum"
    BOOTSTRAP = "bootstrap"
    SYSTEMD_UNIT = "systemd-unit"


@dataclass(frozen=True)
class ManifestFile:
    """One published file: its path under the version prefix, its role, size and sha256."""

    path: str
    role: FileRole
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """Everything one version holds; `to_json` is what is uploaded as `manifest.json`."""

    version: str
    package_name: str
    package_version: str
    accelerator: str
    model_name: str
    model_uri: str
    model_sha256: str
    created_at: str
    files: tuple[ManifestFile, ...]
    server: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        body: dict[str, Any] = {"schema": MANIFEST_SCHEMA} | asdict(self)
        body["files"] = [asdict(item) | {"role": item.role.value} for item in self.files]
        return json.dumps(body, indent=2, sort_keys=True) + "\n"

    def by_role(self, role: FileRole) -> list[ManifestFile]:
        return [item for item in self.files if item.role is role]

    @classmethod
    def from_json(cls, text: str, source: str = "manifest") -> Manifest:
        """Parse a manifest; a wrong schema or a missing field is a ValueError naming the source."""
        try:
            body = json.loads(text)
            if body.get("schema") != MANIFEST_SCHEMA:
                raise ValueError(f"schema {body.get('schema')!r}, expected {MANIFEST_SCHEMA}")
            files = tuple(
                ManifestFile(
                    path=item["path"], role=FileRole(item["role"]), size=item["size"], sha256=item["sha256"]
                )
                for item in body["files"]
            )
            fields = {key: body[key] for key in cls.__dataclass_fields__ if key != "files"}
            return cls(files=files, **fields)
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"{source} is not a warmfleet manifest: {error}") from error


def manifest_file(root: Path, relative: str, role: FileRole, sha256: str) -> ManifestFile:
    """The manifest entry of `root/relative`, whose sha256 the caller computed."""
    return ManifestFile(path=relative, role=role, size=(root / relative).stat().st_size, sha256=sha256)
