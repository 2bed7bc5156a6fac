"""A small IMDSv2 client: the instance id and the Auto Scaling target lifecycle state.

IMDSv2 only (the launch template requires tokens): a session token from `PUT /latest/api/token`, then
`GET /latest/meta-data/...` with it; a 401 means the token expired, so it is renewed once and the call
retried. `autoscaling/target-lifecycle-state` answers 404 on an instance outside an Auto Scaling group,
read here as None. AWS recommends polling it every 5 seconds.
See https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html and
https://docs.aws.amazon.com/autoscaling/ec2/userguide/retrieving-target-lifecycle-state-through-imds.html.
"""

from __future__ import annotations

import time

import httpx

DEFAULT_IMDS_URL = "http://169.254.169.254"
TOKEN_TTL_SECONDS = 21600
TERMINATING_STATES = frozenset({"Terminated", "Warmed:Terminated"})


class ImdsClient:
    """IMDSv2 over HTTP; `base_url` is overridable so tests and the local fleet can stand in for it."""

    def __init__(self, base_url: str = DEFAULT_IMDS_URL, *, timeout: float = 2.0) -> None:
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout)
        self._token: str | None = None
        self._token_expires = 0.0

    def _fetch_token(self) -> str:
        response = self._http.put(
            "/latest/api/token", headers={"X-aws-ec2-metadata-token-ttl-seconds": str(TOKEN_TTL_SECONDS)}
        )
        response.raise_for_status()
        self._token = response.text.strip()
        # Renew well before expiry so a long-running agent never presents a stale token.
        self._token_expires = time.monotonic() + TOKEN_TTL_SECONDS / 2
        return self._token

    def _token_value(self) -> str:
        if self._token is None or time.monotonic() >= self._token_expires:
            return self._fetch_token()
        return self._token

    def get(self, path: str) -> str | None:
        """GET `/latest/meta-data/{path}`; None on 404, the body otherwise; other errors raise."""
        url = f"/latest/meta-data/{path.lstrip('/')}"
        response = self._http.get(url, headers={"X-aws-ec2-metadata-token": self._token_value()})
        if response.status_code == 401:
            response = self._http.get(url, headers={"X-aws-ec2-metadata-token": self._fetch_token()})
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.text.strip()

    def instance_id(self) -> str:
        value = self.get("instance-id")
        if not value:
            raise RuntimeError("IMDS has no instance-id")
        return value

    def target_lifecycle_state(self) -> str | None:
        """`InService`, `Terminated`, `Warmed:Terminated`, …; None outside an Auto Scaling group."""
        return self.get("autoscaling/target-lifecycle-state")

    def close(self) -> None:
        self._http.close()


def is_terminating(state: str | None) -> bool:
    """True for the target lifecycle states that mean this instance is about to go away."""
    return state in TERMINATING_STATES
