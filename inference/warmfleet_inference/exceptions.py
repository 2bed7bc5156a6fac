"""The one exceptions module of the instance side (`warmfleet_inference`), mirroring `warmfleet.exceptions`.

Every error the instance side raises on purpose derives from `WarmfleetInferenceError`, so a caller can tell
its refusals (a missing artifact, a checksum that does not match, a model it cannot serve) from a bug. Each
also derives from the built-in exception it replaced (`FileNotFoundError`, `ValueError`), so code that
caught those keeps working. The server shows the message as the reason of `/ready`'s `failed` state.
Names end in `Error`.
"""

from __future__ import annotations


class WarmfleetInferenceError(Exception):
    """Base class of every error the instance side raises on purpose."""


class ArtifactNotFoundError(WarmfleetInferenceError, FileNotFoundError):
    """The model artifact, or the checksum that must vouch for it, does not exist."""


class ChecksumMismatchError(WarmfleetInferenceError, ValueError):
    """The artifact's bytes do not have the sha256 they were published with."""


class InvalidArtifactReferenceError(WarmfleetInferenceError, ValueError):
    """An artifact URI or checksum text is malformed (not `s3://bucket/key`, not 64 hex characters)."""


class UnservableModelError(WarmfleetInferenceError, ValueError):
    """The ONNX model loads but cannot be served: an element type or a non-batchable first dimension."""
