"""The peers' own scaling rules, reproduced to pass their own test cases.

One module per peer policy (``hpa`` here; KEDA, Knative and Ray Serve beside it),
built from the shared building blocks of :mod:`warmfleet.core.rules` wherever the
rule is the same as ``decide()``'s. The simulator's peer baselines are these
modules, and ``python -m warmfleet.conformance`` checks them against the vectors
transcribed from the peers' test suites. Pure like the rest of the core.
"""
