"""Loading a scaling policy from a YAML or JSON file, or from a function's environment.

Outside the pure core on purpose: this is the one place that reads files and
environment variables for a :class:`warmfleet.core.Policy`. Any problem (an
unreadable file, bad YAML/JSON, a field that fails validation) raises
:class:`~warmfleet.exceptions.ConfigurationError` naming the source and the field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from warmfleet.core import Policy
from warmfleet.exceptions import ConfigurationError

#: The environment variable holding the scaler's policy as a JSON object (``{}``: the defaults).
POLICY_VARIABLE = "POLICY"


def describe_validation_error(error: ValidationError) -> str:
    """One line per invalid field: ``field.path: message``."""
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '(document)'}: {e['msg']}" for e in error.errors()
    )


def parse_policy(document: Any, source: str) -> Policy:
    """Validate a parsed policy document (``source`` names it in errors).

    >>> parse_policy({"signals": [{"name": "gpu", "target": 70}]}, "example").signals[0].target
    70.0
    """
    if document is None:
        document = {}
    if not isinstance(document, Mapping):
        raise ConfigurationError(f"{source}: a policy must be a mapping, got {type(document).__name__}")
    try:
        return Policy.model_validate(dict(document))
    except ValidationError as error:
        raise ConfigurationError(f"{source}: invalid policy: {describe_validation_error(error)}") from None


def read_document(path: Path) -> Any:
    """Parse a ``.yaml``/``.yml`` or ``.json`` file (by suffix)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigurationError(f"{path}: cannot read: {error.strerror or error}") from None
    try:
        if path.suffix.lower() in {".yaml", ".yml"}:
            return yaml.safe_load(text)
        return json.loads(text)
    except (yaml.YAMLError, json.JSONDecodeError) as error:
        raise ConfigurationError(
            f"{path}: not valid {path.suffix.lstrip('.').upper() or 'JSON'}: {error}"
        ) from None


def load_policy(path: Path) -> Policy:
    """Load a policy from a YAML or JSON file."""
    return parse_policy(read_document(path), str(path))


def policy_from_environment(env: Mapping[str, str], variable: str = POLICY_VARIABLE) -> Policy:
    """The policy in environment variable ``variable`` (a JSON object; unset or empty: the defaults)."""
    raw = env.get(variable, "").strip()
    if not raw:
        return Policy()
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ConfigurationError(f"environment variable {variable} is not valid JSON: {error}") from None
    return parse_policy(document, f"environment variable {variable}")
