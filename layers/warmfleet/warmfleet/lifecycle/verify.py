"""The verification client: is this instance's server really warm? (`GET /ready`, then one canary infer.)

The lifecycle function runs in the VPC and calls the instance's private IP on `APP_PORT` directly, before
the instance is InService (the ALB does not send it traffic yet). One verification is: `GET {READY_PATH}`
answers 200 (any other answer is `NOT_READY`, with the server's state and reason where it gives them: the
bundled server's `/ready` answers 503 with a JSON state, Triton's `/v2/health/ready` a bare 400, vLLM's and
TGI's `/health` a 5xx), then one canary inference succeeds — the
configured `CANARY_REQUEST` for bring-your-own servers, otherwise a batch-of-1 request built from
`GET /v2/models/{name}` metadata. The model name is `MODEL_NAME`, or, when empty, the single model that
`GET /v2/models` or Triton's `POST /v2/repository/index` lists (servers without either need `MODEL_NAME`).
The whole check shares one deadline of `VERIFY_TIMEOUT_SECONDS`. The HTTP client is injectable; the default
uses the standard library, so the Lambda layer needs no HTTP package.

`CANARY_REQUEST` is either a v2 infer body (`{"inputs": [...]}`, posted to the model's infer URL) or
`{"path": "/generate", "body": {...}}`, posted as given; any 2xx answer passes the latter.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from warmfleet.exceptions import VerificationError
from warmfleet.lifecycle.canary import canary_from_metadata, check_infer_response, model_name_from_listing


class VerifyOutcome(StrEnum):
    PASSED = "passed"
    NOT_READY = "not-ready"
    FAILED = "failed"


@dataclass(frozen=True)
class VerificationResult:
    outcome: VerifyOutcome
    message: str
    seconds: float

    @property
    def passed(self) -> bool:
        return self.outcome is VerifyOutcome.PASSED


class HttpClient(Protocol):
    def request(self, method: str, url: str, body: bytes | None, timeout: float) -> tuple[int, bytes]:
        """Send one request; return (status, body) for any HTTP answer, raise OSError when none came."""
        ...


class UrllibHttpClient:
    """`HttpClient` on `urllib.request` (no proxies: the target is a private IP in the VPC)."""

    def __init__(self) -> None:
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def request(self, method: str, url: str, body: bytes | None, timeout: float) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        req = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with self._opener.open(req, timeout=timeout) as response:
                return int(response.status), response.read()
        except urllib.error.HTTPError as error:
            return int(error.code), error.read()


@dataclass(frozen=True)
class VerifySettings:
    port: int
    timeout_seconds: float
    model_name: str | None = None
    canary_request: Mapping[str, Any] | None = None
    # The bundled server's; bring-your-own servers name theirs (Triton: /v2/health/ready, vLLM/TGI: /health).
    ready_path: str = "/ready"


class InstanceVerifier:
    """Runs one verification against `http://<host>:<port>`; never raises for what the server answers."""

    def __init__(
        self,
        settings: VerifySettings,
        http: HttpClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._http = http or UrllibHttpClient()
        self._clock = clock

    def verify(self, host: str) -> VerificationResult:
        started = self._clock()
        deadline = started + self._settings.timeout_seconds
        try:
            outcome, message = self._verify(f"http://{host}:{self._settings.port}", deadline)
        except VerificationError as error:
            outcome, message = VerifyOutcome.FAILED, str(error)
        except OSError as error:  # refused, unreachable, timed out: no HTTP answer at all
            outcome, message = VerifyOutcome.FAILED, f"no answer from {host}:{self._settings.port}: {error}"
        return VerificationResult(outcome, message, self._clock() - started)

    def _verify(self, base: str, deadline: float) -> tuple[VerifyOutcome, str]:
        ready_path = self._settings.ready_path
        status, ready = self._call("GET", f"{base}{ready_path}", None, deadline)
        if status != 200:
            state = ready.get("state", "?") if isinstance(ready, dict) else "?"
            reason = ready.get("reason", "") if isinstance(ready, dict) else ""
            return VerifyOutcome.NOT_READY, f"GET {ready_path} answered {status} (state {state}: {reason})"
        canary = dict(self._settings.canary_request or {})
        if "path" in canary:
            status, answer = self._call("POST", f"{base}{canary['path']}", canary.get("body", {}), deadline)
            if not 200 <= status < 300:
                raise VerificationError(
                    f"canary POST {canary['path']} answered {status}: {str(answer)[:200]}"
                )
            return VerifyOutcome.PASSED, f"ready; canary POST {canary['path']} answered {status}"
        name = self._settings.model_name or self._discover_model(base, deadline)
        if not canary:
            status, metadata = self._call("GET", f"{base}/v2/models/{name}", None, deadline)
            if status != 200:
                raise VerificationError(f"GET /v2/models/{name} answered {status}")
            canary = canary_from_metadata(metadata)
        status, answer = self._call("POST", f"{base}/v2/models/{name}/infer", canary, deadline)
        if status != 200:
            raise VerificationError(f"canary infer on {name!r} answered {status}: {str(answer)[:200]}")
        return (
            VerifyOutcome.PASSED,
            f"ready; canary infer on {name!r} returned {check_infer_response(answer)}",
        )

    def _discover_model(self, base: str, deadline: float) -> str:
        status, listing = self._call("GET", f"{base}/v2/models", None, deadline)
        if status == 200:
            return model_name_from_listing(listing)
        # Triton's model repository extension lists {"name", "state"} entries; the ready ones count.
        status, index = self._call("POST", f"{base}/v2/repository/index", {"ready": True}, deadline)
        if status == 200 and isinstance(index, list):
            return model_name_from_listing({"models": index})
        raise VerificationError(
            "MODEL_NAME is not set and the server lists no models (GET /v2/models, POST /v2/repository/index)"
        )

    def _call(self, method: str, url: str, payload: object, deadline: float) -> tuple[int, Any]:
        remaining = deadline - self._clock()
        if remaining <= 0:
            raise VerificationError(f"verification ran past {self._settings.timeout_seconds} s before {url}")
        body = None if payload is None else json.dumps(payload).encode()
        status, raw = self._http.request(method, url, body, remaining)
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw[:200].decode(errors="replace")
