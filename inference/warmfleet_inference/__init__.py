"""warmfleet_inference: the instance side of warmfleet.

Everything that runs on a GPU instance of the fleet: the ONNX Runtime inference server speaking the Open
Inference Protocol, the agent that publishes metrics and instance events and drains on termination, the
queue worker for asynchronous inference, and the tools that publish the artifact the bootstrap installs.
"""

from __future__ import annotations

__version__ = "0.1.0"
