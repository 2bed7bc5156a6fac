"""The functions' logic behind `functions/*/app.py`: validate and filter first, then hand over.

Each module turns a raw event into either a typed event of this stack (and calls the named function that
acts on it) or an `Outcome` saying why it was rejected or ignored — before any AWS call. The entry points in
`functions/` only read the configuration, set up logging and call `handle`.
"""

from __future__ import annotations

from warmfleet.handlers.outcome import Outcome, OutcomeStatus, RejectReason

__all__ = ["Outcome", "OutcomeStatus", "RejectReason"]
