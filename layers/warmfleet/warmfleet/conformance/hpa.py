"""Kubernetes HPA conformance kinds for ``python -m warmfleet.conformance``.

Maps each kind of ``hpa_replica_calculator.jsonl`` (its ``calc`` field) and
``hpa_behavior.jsonl`` (its ``kind`` field) to a function that takes the whole
test-vector case and returns the produced outputs under the same keys as the
case's ``expected`` (``{"error": message}`` for an HPA error case). The runner
compares; the rules themselves live in :mod:`warmfleet.core.peers.hpa`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

KINDS: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {}
