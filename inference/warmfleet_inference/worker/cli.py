"""`warmfleet-inference submit`: send one asynchronous inference request and print its result.

A thin command over `warmfleet_inference.client.submit`: the inputs are KServe v2 request inputs as JSON
(inline, or `@FILE`), the result goes to `--results-bucket` or `--reply-queue-url`, and the result document
is printed as JSON. Exit 0 when the request succeeded, 1 when it failed or no result came in time, 2 on
bad options or input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


def add_submit_parser(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "submit",
        help="submit an asynchronous inference request to the queue and wait for its result",
        description="Send one request message to the fleet's queue and wait for the result the queue "
        "worker stores (an S3 object or a reply-queue message). AWS settings come from the boto3 "
        "environment. Prints the result document as JSON.",
    )
    parser.add_argument("--queue-url", required=True)
    parser.add_argument("--model", required=True, help="the model's name on the server")
    parser.add_argument("--inputs", required=True, help="KServe v2 inputs as a JSON list, or @FILE")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--results-bucket", help="store the result in this bucket (key: --result-key)")
    target.add_argument("--reply-queue-url", help="receive the result on this queue")
    parser.add_argument("--result-key", help="default results/REQUEST_ID.json")
    parser.add_argument("--request-id", help="default: a random id")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the result")
    parser.set_defaults(run=run_submit)


def _read_inputs(text: str) -> list[dict[str, Any]]:
    raw = Path(text[1:]).read_text() if text.startswith("@") else text
    inputs = json.loads(raw)
    if not isinstance(inputs, list):
        raise ValueError("--inputs must be a JSON list of KServe v2 input tensors")
    return inputs


def run_submit(args: argparse.Namespace) -> int:
    # boto3 and pydantic only when the command runs, so `--help` stays fast.
    from pydantic import ValidationError  # noqa: PLC0415

    from warmfleet_inference.client import submit  # noqa: PLC0415
    from warmfleet_inference.worker.schema import ResultStatus  # noqa: PLC0415

    try:
        inputs = _read_inputs(args.inputs)
        result = submit(
            args.queue_url,
            model=args.model,
            inputs=inputs,
            results_bucket=args.results_bucket,
            result_key=args.result_key,
            reply_queue_url=args.reply_queue_url,
            request_id=args.request_id,
            timeout=args.timeout,
        )
    except TimeoutError as error:  # before OSError, its base class
        print(f"warmfleet-inference submit: {error}", file=sys.stderr)
        return 1
    except (ValueError, ValidationError, OSError) as error:
        print(f"warmfleet-inference submit: {error}", file=sys.stderr)
        return 2
    print(result.model_dump_json(by_alias=True, indent=2))
    return 0 if result.status is ResultStatus.SUCCEEDED else 1
