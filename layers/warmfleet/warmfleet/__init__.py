"""warmfleet: the Lambda-side package (the content of the `warmfleet` layer).

It holds the pure decision core (`warmfleet.core`), the collectors that observe (`warmfleet.signals`), the
adapters that act (`warmfleet.aws`), the lifecycle gate (`warmfleet.lifecycle`) and the typed models of the
events the functions receive (`warmfleet.models`). The handlers in `functions/` only wire these together.
"""

from __future__ import annotations

__version__ = "0.1.0"
