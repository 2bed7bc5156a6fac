"""The names shared by the publisher, the bootstrap script and the stack: S3 keys and SSM parameters.

Two owners write under `/warmfleet/<stack>/` and neither touches the other's names. The stack (the template,
or the local fleet standing in for it) owns the stack-level parameters, including `model-version`, so that
changing `ModelVersion` on a deploy is what rolls the fleet. The publisher owns everything under
`versions/<version>/`, written once per published version, so publishing never changes a running fleet.
The bootstrap reads `model-version` first, then that version's parameters.

    /warmfleet/<stack>/group-name                    stack    the Auto Scaling group (required)
    /warmfleet/<stack>/model-version                 stack    the version instances install (required)
    /warmfleet/<stack>/app-port                      stack    the server's port (default 8000)
    /warmfleet/<stack>/queue-url, reply-queue-url,
        results-bucket                               stack    the queue worker (optional)
    /warmfleet/<stack>/drain-timeout-seconds         stack    the agent's drain bound (default: the agent's)
    /warmfleet/<stack>/container-image               stack    run this image instead of the server (optional)
    /warmfleet/<stack>/container-port                stack    the image's port (default app-port)
    /warmfleet/<stack>/ready-url, metrics-url,
        drain-url                                    stack    bring your own server's URLs (optional)
    /warmfleet/<stack>/versions/<v>/manifest-uri, manifest-sha256, model-uri, model-sha256, model-name,
        bootstrap-uri, bootstrap-sha256             publisher
    /warmfleet/<stack>/versions/<v>/server/max-batch-size, batch-window-ms, warmup-iterations,
        warmup-batch-sizes                          publisher (only those given to `publish`)

SSM refuses empty values, so an optional parameter that does not apply is absent, never empty.
"""

from __future__ import annotations

import re
from enum import StrEnum

ARTIFACT_ROOT = "warmfleet"
MANIFEST_NAME = "manifest.json"
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# A CloudFormation stack name: letters, digits and hyphens, starting with a letter, at most 128 characters.
_STACK = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")


class StackParameter(StrEnum):
    """Parameters the stack writes and the bootstrap reads (relative to `/warmfleet/<stack>/`)."""

    GROUP_NAME = "group-name"
    MODEL_VERSION = "model-version"
    APP_PORT = "app-port"
    QUEUE_URL = "queue-url"
    REPLY_QUEUE_URL = "reply-queue-url"
    RESULTS_BUCKET = "results-bucket"
    CONTAINER_IMAGE = "container-image"
    CONTAINER_PORT = "container-port"
    READY_URL = "ready-url"
    METRICS_URL = "metrics-url"
    DRAIN_URL = "drain-url"
    DRAIN_TIMEOUT_SECONDS = "drain-timeout-seconds"


class VersionParameter(StrEnum):
    """Parameters the publisher writes per version (relative to `/warmfleet/<stack>/versions/<v>/`)."""

    MANIFEST_URI = "manifest-uri"
    MANIFEST_SHA256 = "manifest-sha256"
    MODEL_URI = "model-uri"
    MODEL_SHA256 = "model-sha256"
    MODEL_NAME = "model-name"
    BOOTSTRAP_URI = "bootstrap-uri"
    BOOTSTRAP_SHA256 = "bootstrap-sha256"
    MAX_BATCH_SIZE = "server/max-batch-size"
    BATCH_WINDOW_MS = "server/batch-window-ms"
    WARMUP_ITERATIONS = "server/warmup-iterations"
    WARMUP_BATCH_SIZES = "server/warmup-batch-sizes"


def validate_version(version: str) -> str:
    """Return `version` if it can name an S3 prefix and an SSM path level, else raise ValueError."""
    if not _VERSION.match(version):
        raise ValueError(
            f"invalid version {version!r}: use 1-64 letters, digits, '.', '_' or '-', starting with a "
            "letter or digit (it names an S3 prefix and an SSM parameter path)"
        )
    return version


def validate_stack_name(stack_name: str) -> str:
    """Return `stack_name` if it is a valid CloudFormation stack name, else raise ValueError."""
    if not _STACK.match(stack_name):
        raise ValueError(
            f"invalid stack name {stack_name!r}: a CloudFormation stack name starts with a letter and "
            "holds only letters, digits and hyphens"
        )
    return stack_name


def stack_prefix(stack_name: str) -> str:
    """`/warmfleet/<stack>`: the SSM path of one stack's parameters."""
    return f"/{ARTIFACT_ROOT}/{validate_stack_name(stack_name)}"


def version_prefix(stack_name: str, version: str) -> str:
    """`/warmfleet/<stack>/versions/<version>`: the publisher's parameters for one version."""
    return f"{stack_prefix(stack_name)}/versions/{validate_version(version)}"


def artifact_prefix(version: str) -> str:
    """`warmfleet/<version>/`: the S3 key prefix of one published version."""
    return f"{ARTIFACT_ROOT}/{validate_version(version)}/"
