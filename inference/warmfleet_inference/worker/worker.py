"""The SQS queue worker: asynchronous inference through the local server, losing nothing across a drain.

One thread long-polls the queue for no more messages than it has free slots, a thread pool runs each
message through the server (`POST /v2/models/{name}/infer`), and a heartbeat thread extends the visibility
of every held message so long work is never handed to a second instance. A result is stored before its
message is deleted. A message that cannot succeed (malformed, refused by the server, failing repeatedly) is
never deleted: it is made visible again after `retry_delay` and the queue's redrive policy moves it to the
dead-letter queue after `maxReceiveCount` receives (on the last one a `failed` result is stored, so the
client learns why). On a drain, `stop_receiving()` ends the polling, messages not started are handed back
at once (visibility 0), and `release_held()` hands back whatever the drain timeout cut short — each message
is finished and deleted, or returned to the queue, never both.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import httpx
from pydantic import ValidationError

from warmfleet_inference.agent.server_client import ServerClient
from warmfleet_inference.worker.outcomes import ReplyOutcome, classify_reply
from warmfleet_inference.worker.results import ResultStore
from warmfleet_inference.worker.schema import (
    InferenceRequestMessage,
    ResultDocument,
    ResultStatus,
    ResultTarget,
)
from warmfleet_inference.worker.settings import WorkerSettings

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import ChangeMessageVisibilityBatchRequestEntryTypeDef

logger = logging.getLogger(__name__)


class _State(StrEnum):
    WAITING = "waiting"
    RUNNING = "running"
    COMMITTING = "committing"
    RELEASED = "released"


@dataclass
class _Held:
    message_id: str
    receipt: str
    body: str
    receive_count: int
    state: _State = _State.WAITING


class QueueWorker:
    """Receive, run, store, delete. `busy` is the QueueWorkerBusy metric."""

    def __init__(
        self, settings: WorkerSettings, sqs: SQSClient, results: ResultStore, server: ServerClient
    ) -> None:
        self.settings = settings
        self._sqs = sqs
        self._results = results
        self._server = server
        self._held: dict[str, _Held] = {}
        self._lock = threading.Condition()
        self._receiving = threading.Event()
        self._stopped = threading.Event()
        self._pool = ThreadPoolExecutor(settings.concurrency, thread_name_prefix="warmfleet-worker")
        self._threads: list[threading.Thread] = []
        self.completed = 0
        self.released = 0

    @property
    def busy(self) -> int:
        with self._lock:
            return len(self._held)

    @property
    def idle(self) -> bool:
        """No message held and no receive poll still open (what a drain waits for)."""
        receiving = any(thread.is_alive() for thread in self._threads[:1])
        return not receiving and self.busy == 0

    def start(self) -> None:
        self._receiving.set()
        for target, name in ((self._receive_loop, "receive"), (self._heartbeat_loop, "heartbeat")):
            thread = threading.Thread(target=target, name=f"warmfleet-worker-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop_receiving(self) -> None:
        """Take no new message; messages already held keep running."""
        self._receiving.clear()
        with self._lock:
            self._lock.notify_all()

    def release_held(self) -> int:
        """Hand every held message not yet committing back to the queue (the drain timeout hit)."""
        with self._lock:
            to_release = [
                held for held in self._held.values() if held.state in (_State.WAITING, _State.RUNNING)
            ]
            for held in to_release:
                held.state = _State.RELEASED
                del self._held[held.receipt]
            self._lock.notify_all()
        for held in to_release:
            self._change_visibility(held, 0, "drain timeout: handed back")
        return len(to_release)

    def close(self) -> None:
        self.stop_receiving()
        self._stopped.set()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _receive_loop(self) -> None:
        failures = 0
        while self._receiving.is_set():
            with self._lock:
                free = self.settings.concurrency - len(self._held)
                if free <= 0:
                    self._lock.wait(0.5)
                    continue
            try:
                messages = self._receive(min(free, 10))
                failures = 0
            except Exception as error:  # network or AWS failure: back off, never crash the agent
                failures += 1
                logger.warning("receive failed (%d in a row): %s", failures, error)
                self._stopped.wait(min(30.0, 0.5 * 2**failures))
                continue
            for message in messages:
                self._accept(message)

    def _receive(self, count: int) -> list[dict[str, Any]]:
        response = self._sqs.receive_message(
            QueueUrl=self.settings.queue_url,
            MaxNumberOfMessages=count,
            WaitTimeSeconds=self.settings.wait_seconds,
            VisibilityTimeout=self.settings.visibility_timeout,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        return list(response.get("Messages", []))  # type: ignore[arg-type]

    def _accept(self, message: dict[str, Any]) -> None:
        held = _Held(
            message_id=message["MessageId"],
            receipt=message["ReceiptHandle"],
            body=message.get("Body", ""),
            receive_count=int(message.get("Attributes", {}).get("ApproximateReceiveCount", 1)),
        )
        if not self._receiving.is_set():
            # Received by the poll that was running when the drain began: not ours to start.
            self._hand_back(held, "received after the worker stopped receiving")
            return
        with self._lock:
            self._held[held.receipt] = held  # by receipt: a redelivered message is a new hold
        self._pool.submit(self._process, held)

    def _process(self, held: _Held) -> None:
        with self._lock:
            if held.state is not _State.WAITING:
                return
            draining = not self._receiving.is_set()
            held.state = _State.RUNNING
        if draining:  # not started before the drain began: another instance should take it now
            self._finish(held, visibility=0, why="the worker is draining", handed_back=True)
            return
        try:
            self._run(held)
        except Exception:
            logger.exception("message %s: unexpected failure; left for a retry", held.message_id)
            self._finish(held, visibility=self.settings.retry_delay, why="unexpected failure")

    def _run(self, held: _Held) -> None:
        try:
            message = InferenceRequestMessage.model_validate_json(held.body)
        except ValidationError as error:
            why = f"poison message (malformed: {error.error_count()} error(s): {error.errors()[0]['msg']})"
            self._finish(held, visibility=self.settings.retry_delay, why=why)
            return
        target = message.result_target or self.settings.default_target(message.request_id)
        if target is None:
            why = "poison message (no resultTarget and the worker has no default)"
            self._finish(held, visibility=self.settings.retry_delay, why=why)
            return
        try:
            reply = self._server.infer(message.model, message.to_infer_request())
            outcome, detail = classify_reply(reply.status_code), reply.body
        except httpx.TransportError as error:
            outcome, detail = ReplyOutcome.TRANSIENT_FAILURE, {"error": f"server unreachable: {error}"}
            reply = None
        if outcome is ReplyOutcome.HAND_BACK:
            self._finish(held, visibility=0, why=f"server busy or draining: {detail}", handed_back=True)
            return
        if outcome is not ReplyOutcome.SUCCEEDED:
            self._failed(held, message, target, outcome, str(detail.get("error", detail)))
            return
        assert reply is not None
        self._commit(held, target, self._document(held, message, ResultStatus.SUCCEEDED, response=reply.body))

    def _failed(
        self,
        held: _Held,
        message: InferenceRequestMessage,
        target: ResultTarget,
        outcome: ReplyOutcome,
        error: str,
    ) -> None:
        last = (
            self.settings.max_receive_count is not None
            and held.receive_count >= self.settings.max_receive_count
        )
        if last:
            # Tell the client now; the redrive policy moves the message itself to the DLQ on its next receive.
            document = self._document(held, message, ResultStatus.FAILED, error=f"{outcome}: {error}")
            try:
                self._results.store(target, document)
            except Exception as store_error:
                logger.warning(
                    "message %s: could not store the failed result: %s", held.message_id, store_error
                )
        why = f"{outcome} (receive {held.receive_count}{', last before the DLQ' if last else ''}): {error}"
        self._finish(held, visibility=self.settings.retry_delay, why=why)

    def _document(
        self, held: _Held, message: InferenceRequestMessage, status: ResultStatus, **fields: Any
    ) -> ResultDocument:
        return ResultDocument(
            request_id=message.request_id,
            model=message.model,
            status=status,
            instance_id=self.settings.instance_id,
            completed_at=datetime.now(UTC),
            receive_count=held.receive_count,
            **fields,
        )

    def _commit(self, held: _Held, target: ResultTarget, document: ResultDocument) -> None:
        with self._lock:
            if held.state is not _State.RUNNING:
                return  # released by a drain timeout: another instance owns it now
            held.state = _State.COMMITTING
        try:
            self._results.store(target, document)
        except Exception as error:
            self._finish(held, visibility=self.settings.retry_delay, why=f"result not stored: {error}")
            return
        try:
            self._sqs.delete_message(QueueUrl=self.settings.queue_url, ReceiptHandle=held.receipt)
        except Exception as error:  # the result is stored; a redelivery rewrites the same document
            logger.warning("message %s: stored but not deleted: %s", held.message_id, error)
        logger.info("request %s done (message %s)", document.request_id, held.message_id)
        self._forget(held, completed=True)

    def _finish(self, held: _Held, *, visibility: int, why: str, handed_back: bool = False) -> None:
        with self._lock:
            if held.state is _State.RELEASED:
                return
        if handed_back:
            logger.info("message %s handed back: %s", held.message_id, why)
        else:
            logger.warning("message %s not deleted, left for retry or the DLQ: %s", held.message_id, why)
        self._change_visibility(held, visibility, why)
        self._forget(held, released=handed_back)

    def _hand_back(self, held: _Held, why: str) -> None:
        logger.info("message %s handed back: %s", held.message_id, why)
        self._change_visibility(held, 0, why)
        with self._lock:
            self.released += 1

    def _forget(self, held: _Held, *, completed: bool = False, released: bool = False) -> None:
        with self._lock:
            self._held.pop(held.receipt, None)
            self.completed += int(completed)
            self.released += int(released)
            self._lock.notify_all()

    def _change_visibility(self, held: _Held, seconds: int, why: str) -> None:
        try:
            self._sqs.change_message_visibility(
                QueueUrl=self.settings.queue_url, ReceiptHandle=held.receipt, VisibilityTimeout=seconds
            )
        except Exception as error:  # the message reappears when its visibility runs out anyway
            logger.warning("message %s: visibility not changed (%s): %s", held.message_id, why, error)

    def _heartbeat_loop(self) -> None:
        """Keep every held message invisible while it is worked on, however long the inference takes."""
        timeout = self.settings.visibility_timeout
        while not self._stopped.wait(timeout / 3):
            with self._lock:
                receipts = [h.receipt for h in self._held.values() if h.state is not _State.RELEASED]
            for start in range(0, len(receipts), 10):  # the batch call takes up to 10 entries
                entries: list[ChangeMessageVisibilityBatchRequestEntryTypeDef] = [
                    {"Id": str(n), "ReceiptHandle": receipt, "VisibilityTimeout": timeout}
                    for n, receipt in enumerate(receipts[start : start + 10])
                ]
                try:
                    self._sqs.change_message_visibility_batch(
                        QueueUrl=self.settings.queue_url, Entries=entries
                    )
                except Exception as error:
                    logger.warning("visibility extension failed for %d message(s): %s", len(entries), error)
