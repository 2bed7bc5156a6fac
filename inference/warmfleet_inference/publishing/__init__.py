"""Publishing the instance artifact, and the pieces the bootstrap script shares with the publisher.

`warmfleet-inference publish` (in `warmfleet_inference.publish`) builds the instance-side wheel, a pinned
requirements file, the model and a manifest of their sha256 checksums, uploads them under
`s3://BUCKET/warmfleet/VERSION/` and writes the version's SSM parameters. `names` is the one place the
parameter names live (the bootstrap reads the same names); `report` builds the bootstrap's
`Instance Warm-up Failed` event. This package imports only the standard library at import time, because the
bootstrap runs `report` straight out of the downloaded wheel with the AMI's own `python3`.
"""

from __future__ import annotations
