"""The one exceptions module of the `warmfleet` package.

Every error warmfleet raises on purpose derives from `WarmfleetError`, so a handler can tell its own
refusals (a malformed or foreign event, an invalid configuration) from a bug or an AWS failure. Names end in
`Error`, as in Powertools.
"""

from __future__ import annotations


class WarmfleetError(Exception):
    """Base class of every error warmfleet raises on purpose."""


class ConfigurationError(WarmfleetError):
    """A function's environment or a policy file is missing a setting or holds an invalid one."""


class InvalidEventError(WarmfleetError):
    """An event does not parse into the model of the function that received it."""


class ForeignEventError(WarmfleetError):
    """A well-formed event that belongs to another group, stack or function: ignored, never acted on."""


class NotYetImplementedError(WarmfleetError):
    """A valid event reached a path whose behaviour a later issue adds; nothing was changed."""


class ConcurrentUpdateError(WarmfleetError):
    """A stored record changed between read and conditional write: another invocation is acting on it."""


class VerificationError(WarmfleetError):
    """An instance's server did not pass the readiness check and canary inference before CONTINUE."""


class TraceError(WarmfleetError):
    """A request trace the simulator was given is missing, empty or has a malformed row."""
