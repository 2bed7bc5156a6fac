"""The scaling rules shared by ``decide()`` and the peers, one implementation of each.

Each module holds one rule as small pure functions over plain numbers, so that
:func:`warmfleet.core.decide` and the peer policies in :mod:`warmfleet.core.peers`
(HPA, KEDA, Knative, Ray Serve) reuse the same code where the semantics are the
same: :mod:`.tolerance` (the HPA tolerance band), :mod:`.replica_ratio` (the HPA
replica ratio with unready and missing handling), :mod:`.stabilization`
(stabilization windows), :mod:`.rate_limit` (behaviour rate-limit policies),
:mod:`.activation` (KEDA-style totals and activation), :mod:`.panic` (the Knative
panic window) and :mod:`.fallback` (KEDA fallback after consecutive failures).
Time is always a float of seconds passed in by the caller; nothing here reads a clock.
"""
