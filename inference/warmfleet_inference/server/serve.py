"""Run the inference server under uvicorn, with SIGTERM meaning "drain", not "stop now".

uvicorn's own SIGTERM handling closes the listening socket at once and re-raises the signal after shutdown
(so the process would end with -15). warmfleet needs the opposite: keep listening and answer new infer
requests 503 while the accepted ones finish, then exit 0. `DrainingServer` routes SIGTERM to the runtime's
drain, and the drain sets `should_exit` once the last admitted request is answered. SIGINT keeps uvicorn's
behaviour (a developer's Ctrl+C).
"""

from __future__ import annotations

import logging
import os
import signal
from types import FrameType

import uvicorn

from warmfleet_inference.server.app import create_app
from warmfleet_inference.server.runtime import ServerConfig, ServerRuntime

# Longer than the ALB's default 60 s idle timeout, as AWS advises for targets, so the balancer never
# sends a request on a connection the server has just closed.
KEEP_ALIVE_SECONDS = 65
# A warm-up inference takes milliseconds to seconds; the loader stops at the next one.
LOADER_JOIN_SECONDS = 10
LOGGER = logging.getLogger(__name__)


class DrainingServer(uvicorn.Server):
    """A uvicorn server whose SIGTERM starts the runtime's drain."""

    def __init__(self, config: uvicorn.Config, runtime: ServerRuntime) -> None:
        super().__init__(config)
        self._runtime = runtime

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if sig == signal.SIGTERM and self._runtime.drain_from_signal("SIGTERM"):
            return
        super().handle_exit(sig, frame)


def serve(config: ServerConfig, started_at: float) -> int:
    """Serve until drained; return the exit code (`ExitCode.OK`, or `DRAIN_CUT_SHORT` on a timeout)."""
    runtime = ServerRuntime(config, started_at)
    uvicorn_config = uvicorn.Config(
        create_app(runtime),
        host=config.host,
        port=config.port,
        log_config=None,
        access_log=False,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        timeout_graceful_shutdown=5,
    )
    # loop="auto" and http="auto" (the defaults) pick uvloop and httptools when installed, as
    # uvicorn[standard] does; resolved here to say which the request path really uses.
    uvicorn_config.load()
    LOGGER.info(
        "uvicorn %s, HTTP protocol %s", uvicorn.__version__, uvicorn_config.http_protocol_class.__name__
    )
    server = DrainingServer(uvicorn_config, runtime)

    def request_exit(force: bool) -> None:
        server.should_exit = True
        server.force_exit = force

    runtime.request_exit = request_exit
    server.run()
    if not runtime.stop_loader(timeout_s=LOADER_JOIN_SECONDS):
        # Still downloading or creating the session: exiting normally would finalise the interpreter under
        # ONNX Runtime and abort. Flush the logs and leave with the drain's code instead.
        LOGGER.warning("the model loader is still busy after %d s; exiting without it", LOADER_JOIN_SECONDS)
        logging.shutdown()
        os._exit(runtime.exit_code)
    return runtime.exit_code
