"""``python -m warmfleet.conformance FILE.jsonl ...``: evaluate peer test vectors (see :mod:`.runner`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from warmfleet.conformance.runner import run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m warmfleet.conformance",
        description="Evaluate peer autoscaler test vectors (HPA, KEDA, Knative KPA, Ray Serve) against "
        "warmfleet's peer modules; ends with 'N passed, M failed, K skipped'.",
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE.jsonl", help="peer-vector files")
    arguments = parser.parse_args(argv)
    return run(arguments.files, sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
