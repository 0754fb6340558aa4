"""Micro-batching: concurrent requests are coalesced into one model call, with a bounded queue.

The gRPC server runs each RPC on its own thread. Left alone, sixteen threads classifying at
once would fight over the GIL (each switch costs up to its 5 ms interval) and pay the
per-call costs sixteen times. Instead, requests are combined ("flat combining"):

- a request that finds the model idle runs at once on its own thread, with no hand-off,
  so a lone client pays nothing for batching;
- a request that finds it busy joins a bounded queue (counted in documents; a full queue
  is refused at once with OverloadedError, never waited on) and sleeps;
- whoever finishes a batch promotes the oldest queued request, whose thread takes every
  queued request up to `max_batch_documents` and runs them as one batch.

One thread computes at a time, the others sleep; nobody waits for a timer, so the only
wait is the queue ahead, bounded by its size. Each batch is answered by one model.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from service.errors import OverloadedError


@dataclass(eq=False)
class Job:
    """One request's documents; `run_batch` fills in `result` or `error`."""

    texts: Sequence[str]
    evidence_terms: int
    deadline: float | None
    result: object = None
    error: BaseException | None = None
    _done: threading.Event = field(default_factory=threading.Event)
    _lead: bool = False


RunBatch = Callable[[list[Job]], None]
"""Runs a batch: sets every job's result or error; must not raise."""


class MicroBatcher:
    """Coalesces concurrent jobs into batches run by `run_batch`. Thread-safe."""

    def __init__(
        self, run_batch: RunBatch, max_queued_documents: int, max_batch_documents: int
    ) -> None:
        self._run_batch = run_batch
        self._max_queued = max_queued_documents
        self._max_batch = max_batch_documents
        self._lock = threading.Lock()
        self._queue: deque[Job] = deque()
        self._queued_documents = 0
        self._busy = False

    @property
    def queued_documents(self) -> int:
        return self._queued_documents

    def run(self, job: Job) -> None:
        """Return once `job` has run (alone or in a batch with others)."""
        with self._lock:
            if self._busy:
                if self._queued_documents + len(job.texts) > self._max_queued:
                    raise OverloadedError(
                        f"{self._queued_documents} documents already queued; the queue holds "
                        f"{self._max_queued}: retry with backoff"
                    )
                self._queue.append(job)
                self._queued_documents += len(job.texts)
                batch = None
            else:
                self._busy = True
                batch = [job]
        if batch is None:
            job._done.wait()
            if not job._lead:
                return
            batch = self._take()
        self._lead(batch)

    def _take(self) -> list[Job]:
        """The oldest queued jobs, up to `max_batch_documents` (always at least one)."""
        with self._lock:
            batch = [self._queue.popleft()]
            size = len(batch[0].texts)
            while self._queue and size + len(self._queue[0].texts) <= self._max_batch:
                batch.append(self._queue.popleft())
                size += len(batch[-1].texts)
            self._queued_documents -= size
        return batch

    def _lead(self, batch: list[Job]) -> None:
        """Run `batch`, wake its other members, then pass the lead on or go idle."""
        try:
            self._run_batch(batch)
        finally:
            for other in batch[1:]:
                other._done.set()
            with self._lock:
                if self._queue:
                    successor = self._queue[0]
                    successor._lead = True
                    successor._done.set()
                else:
                    self._busy = False
