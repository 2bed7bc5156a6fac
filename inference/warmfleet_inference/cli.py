"""The `warmfleet-inference` command: what runs on an instance of the fleet (and on a developer's machine).

Each subcommand registers itself in one small `add_*` function that sets `run`: `serve` and `make-model`
here, `agent` and `submit` from the agent and worker packages, `publish` from the publisher. Heavy imports
(ONNX Runtime, uvicorn) happen inside the runners, so `--help` stays fast.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from warmfleet_inference import __version__
from warmfleet_inference.agent.cli import add_agent_parser
from warmfleet_inference.process import DEFAULT_DRAIN_TIMEOUT_SECONDS
from warmfleet_inference.publish import add_publish_parser
from warmfleet_inference.worker.cli import add_submit_parser

# Warm-up time is measured from here: as close to process start as Python code gets.
_STARTED_AT = time.monotonic()

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


def _batch_sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of integers: {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"batch sizes must be positive integers: {text!r}")
    return sizes


def _add_serve(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve an ONNX model over the Open Inference Protocol v2 (readiness, batching, drain)",
        description="Serve an ONNX model (s3://bucket/key or a local path) over the Open Inference Protocol "
        "v2. The artifact must match --sha256 or its sibling URI.sha256; otherwise GET /ready answers 503 "
        "'failed' with the reason. SIGTERM or POST /drain drains: exit 0 once in-flight requests finish.",
    )
    parser.add_argument("--model", required=True, help="s3://bucket/key.onnx or a local path")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1", help="0.0.0.0 on an instance behind the ALB")
    parser.add_argument("--name", help="the model's name in the API (default: the artifact's file stem)")
    parser.add_argument("--max-batch-size", type=int, default=32, help="most rows per model run")
    parser.add_argument("--batch-window-ms", type=float, default=2.0, help="longest wait to fill a batch")
    parser.add_argument("--warmup-iterations", type=int, default=3, help="inferences per warm-up batch size")
    parser.add_argument("--warmup-batch-sizes", type=_batch_sizes, default=(1, 8, 32), help="e.g. 1,8,32")
    parser.add_argument("--cache-dir", type=Path, help="default ~/.cache/warmfleet/artifacts")
    parser.add_argument("--sha256", help="expected hex digest; default: read URI.sha256")
    parser.add_argument("--max-body-bytes", type=int, default=16 * 1024 * 1024, help="larger bodies get 413")
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=DEFAULT_DRAIN_TIMEOUT_SECONDS,
        help="seconds; exit 3 when exceeded (systemd does not restart a drained server)",
    )
    parser.add_argument(
        "--intra-op-threads",
        type=int,
        default=0,
        help="ONNX Runtime intra-op threads; 0 (default): on CPU with at most 4 CPUs, one fewer than the "
        "CPUs, so the HTTP path keeps a core; else ONNX Runtime's default",
    )
    parser.set_defaults(run=_run_serve)


def _run_serve(args: argparse.Namespace) -> int:
    from warmfleet_inference.server import ServerConfig, serve  # noqa: PLC0415 - heavy, serve only

    options = {"cache_dir": args.cache_dir} if args.cache_dir is not None else {}
    try:
        config = ServerConfig(
            model_uri=args.model,
            port=args.port,
            host=args.host,
            name=args.name,
            max_batch_size=args.max_batch_size,
            batch_window_ms=args.batch_window_ms,
            warmup_iterations=args.warmup_iterations,
            warmup_batch_sizes=args.warmup_batch_sizes,
            sha256=args.sha256,
            max_body_bytes=args.max_body_bytes,
            drain_timeout_s=args.drain_timeout,
            intra_op_threads=args.intra_op_threads,
            **options,
        )
    except ValueError as error:
        print(f"warmfleet-inference serve: {error}", file=sys.stderr)
        return 2
    return serve(config, started_at=_STARTED_AT)


def _add_make_model(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "make-model",
        help="write the deterministic reference ONNX model and PATH.sha256",
        description="Write a seeded multi-layer perceptron (input FP32 [-1, D] -> output FP32 [-1, K]) "
        "with the onnx helper, no download; the same options give the same bytes.",
    )
    parser.add_argument("path", type=Path)
    parser.add_argument("--input-dim", type=int, default=256)
    parser.add_argument("--hidden-dim", type=int, default=1536)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--output-dim", type=int, default=16)
    parser.add_argument("--seed", type=int, default=7)
    parser.set_defaults(run=_run_make_model)


def _run_make_model(args: argparse.Namespace) -> int:
    from warmfleet_inference.model_factory import ModelSpec, write_model  # noqa: PLC0415 - imports onnx

    try:
        spec = ModelSpec(args.input_dim, args.hidden_dim, args.layers, args.output_dim, args.seed)
    except ValueError as error:
        print(f"warmfleet-inference make-model: {error}", file=sys.stderr)
        return 2
    digest = write_model(args.path, spec)
    print(f"{digest}  {args.path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="warmfleet-inference",
        description="The instance side of warmfleet: serve, make-model, agent, submit, publish.",
    )
    parser.add_argument("--version", action="version", version=f"warmfleet-inference {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in (_add_serve, _add_make_model, add_agent_parser, add_submit_parser, add_publish_parser):
        add(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return int(args.run(args))


if __name__ == "__main__":
    raise SystemExit(main())
