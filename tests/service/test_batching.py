"""Micro-batching: concurrent requests share model calls, never each other's results, and the
queue is bounded."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from service.batching import Job, MicroBatcher
from service.errors import OverloadedError


class Recorder:
    """run_batch that records batch sizes and answers each text with its own upper-case."""

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.batches: list[int] = []
        self.gate = gate
        self.started = threading.Event()

    def __call__(self, batch: list[Job]) -> None:
        self.started.set()
        if self.gate is not None:
            self.gate.wait(timeout=10)
        self.batches.append(len(batch))
        for job in batch:
            job.result = [t.upper() for t in job.texts]


def test_a_lone_request_runs_on_its_own_thread_at_once() -> None:
    """No contention: one batch of one job, no hand-off."""
    recorder = Recorder()
    job = Job(["a"], 0, None)
    MicroBatcher(recorder, 100, 10).run(job)
    assert job.result == ["A"]
    assert recorder.batches == [1]


def run_behind_a_busy_model(max_batch_documents: int, jobs: list[Job]) -> list[int]:
    """Run jobs[0] with the model held busy until every other job is queued; the batch sizes."""
    gate = threading.Event()
    recorder = Recorder(gate)
    batcher = MicroBatcher(recorder, 100, max_batch_documents)
    with ThreadPoolExecutor(len(jobs)) as pool:
        first = pool.submit(batcher.run, jobs[0])
        assert recorder.started.wait(5)
        rest = [pool.submit(batcher.run, job) for job in jobs[1:]]
        while batcher.queued_documents < sum(len(job.texts) for job in jobs[1:]):
            time.sleep(0.001)
        gate.set()
        for future in [first, *rest]:
            future.result(timeout=10)
    return recorder.batches


def test_requests_queued_behind_a_busy_model_run_as_one_batch() -> None:
    """While one batch runs, later requests queue; the next batch takes them together."""
    jobs = [Job([f"t{i}"], 0, None) for i in range(6)]
    assert run_behind_a_busy_model(10, jobs) == [1, 5]
    assert [job.result for job in jobs] == [[f"T{i}"] for i in range(6)]


def test_batches_never_exceed_the_document_limit() -> None:
    """Queued jobs are split into batches of at most max_batch_documents."""
    jobs = [Job(["x", "y"], 0, None) for _ in range(5)]
    assert run_behind_a_busy_model(4, jobs) == [1, 2, 2]


def test_a_full_queue_refuses_at_once() -> None:
    """Past max_queued_documents, OverloadedError immediately; nothing waits unbounded."""
    gate = threading.Event()
    recorder = Recorder(gate)
    batcher = MicroBatcher(recorder, 3, 10)
    with ThreadPoolExecutor(3) as pool:
        first = pool.submit(batcher.run, Job(["a"], 0, None))
        assert recorder.started.wait(5)
        queued = pool.submit(batcher.run, Job(["b", "c", "d"], 0, None))
        while batcher.queued_documents < 3:
            time.sleep(0.001)
        started = time.monotonic()
        with pytest.raises(OverloadedError, match="3 documents already queued"):
            batcher.run(Job(["e"], 0, None))
        assert time.monotonic() - started < 1
        gate.set()
        first.result(timeout=10)
        queued.result(timeout=10)
    assert batcher.queued_documents == 0


def test_many_threads_get_exactly_their_own_results() -> None:
    """64 threads x 50 requests of distinct texts: every answer belongs to its caller."""
    batcher = MicroBatcher(Recorder(), 10_000, 16)

    def caller(worker: int) -> None:
        for i in range(50):
            texts = [f"w{worker}-r{i}-d{k}" for k in range(1 + (worker + i) % 3)]
            job = Job(texts, 0, None)
            batcher.run(job)
            assert job.result == [t.upper() for t in texts]

    with ThreadPoolExecutor(64) as pool:
        for future in [pool.submit(caller, w) for w in range(64)]:
            future.result(timeout=60)
