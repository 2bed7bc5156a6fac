"""Peer conformance: evaluate the peers' own test vectors against :mod:`warmfleet.core.peers`.

``python -m warmfleet.conformance FILE.jsonl ...`` reads files in the schema of the peer-vector README
(``tests/data/peer_vectors/README.md``), runs every case through the peer module that claims its kind
(:mod:`.hpa`, :mod:`.keda`, :mod:`.knative`, :mod:`.rayserve` map kinds to adapters; the rules live in
:mod:`warmfleet.core.peers`), compares with the README's rules (:mod:`.compare`) and reports per file and
per kind (:mod:`.runner`), ending with ``N passed, M failed, K skipped``.
"""

from __future__ import annotations

from warmfleet.conformance.runner import DESCRIBED_KINDS, CaseResult, Outcome, evaluate, run

__all__ = ["DESCRIBED_KINDS", "CaseResult", "Outcome", "evaluate", "run"]
