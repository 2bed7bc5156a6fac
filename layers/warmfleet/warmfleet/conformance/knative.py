"""knative conformance kinds for ``python -m warmfleet.conformance`` (filled in by issue 6)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

KINDS: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {}
