"""Bad input, overload and deadlines: precise status codes and a server that stays healthy."""

from __future__ import annotations

import contextlib
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from framing.v1 import framing_service_pb2 as pb
from service.classifier import Classifier, Limits
from service.errors import DeadlineExceededError
from service.grpc.status import status_code
from service.metrics import Metrics
from service.model import FrameModel
from tests.conftest import TINY_CORPUS, LiveServer, start_server
from tests.service.grpc.test_servicer import bad_request_fields, request
from training.corpus import load_corpus

STRANGE_TEXTS = {
    "control characters": "Troops\x01\x02\x1b[31m arrived\x7f",
    "nul": "foreign\x00agents\x00",
    "lone combining marks": "\u0301\u0308\u0327",
    "right-to-left marks": "\u200f\u202eالسيادة الوطنية\u202c\u200e",
    "emoji": "🙂🔥🇷🇺🇺🇦 revolution 💥",
    "mixed scripts": "Майдан 颜色革命 révolution de couleur ثورة",
    "one enormous word": "a" * 1999,
    "repeated characters": "!" * 1999,
    "html": "<html><script>alert(1)</script><p>Troops &amp; <b>riots</b></p></html>",
    "binary-looking": "".join(chr(c) for c in range(0x80, 0x100)) * 7,
    "unseen scripts": "भारत ქართული ኢትዮጵያ ประเทศไทย 대한민국",
    "surrogate-free astral": "𝔖𝔬𝔳𝔢𝔯𝔢𝔦𝔤𝔫𝔱𝔶 𓀀",
}


@pytest.mark.parametrize("text", STRANGE_TEXTS.values(), ids=STRANGE_TEXTS.keys())
def test_strange_text_is_classified(live: LiveServer, text: str) -> None:
    """Odd but valid text gets valid scores, and the server keeps serving."""
    (result,) = live.stub.Classify(request(text)).results
    assert all(0.0 <= f.score <= 1.0 for f in result.frames)
    assert live.stub.Classify(request("Troops were deployed.")).results


def test_duplicate_ids_are_invalid_argument(live: LiveServer) -> None:
    """Two documents with the same non-empty id cannot be told apart in the results."""
    docs = [pb.Document(id="a", text="x y"), pb.Document(text="x y"), pb.Document(id="a", text="z")]
    with pytest.raises(grpc.RpcError) as err:
        live.stub.Classify(pb.ClassifyRequest(documents=docs))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_request_fields(err.value) == ["documents[2].id"]


def test_message_over_the_size_limit_is_resource_exhausted(tiny_bundle: Path) -> None:
    """A request bigger than --max-message-bytes is refused by gRPC before any work."""
    running = start_server(tiny_bundle, max_message_bytes=64 * 1024)
    try:
        stub = running.stub
        with pytest.raises(grpc.RpcError) as err:
            stub.Classify(request("x" * 100_000))
        assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    finally:
        running.channel.close()
        running.server.stop(0).wait()


@pytest.fixture
def blocked(
    tiny_bundle: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[LiveServer, threading.Event]]:
    """A server whose model waits until the event is set; one RPC at a time unless the test
    is parametrised indirectly with other settings."""
    overrides = getattr(request, "param", {"max_concurrent_rpcs": 1})
    running = start_server(tiny_bundle, **overrides)
    release = threading.Event()
    model = running.classifier.model
    original = model.predict

    def slow_predict(*args: object, **kwargs: object) -> object:
        release.wait(10)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    model.predict = slow_predict  # type: ignore[method-assign,assignment]
    yield running, release
    release.set()
    model.predict = original  # type: ignore[method-assign]
    running.channel.close()
    running.server.stop(0).wait()


def test_over_concurrency_limit_is_resource_exhausted_at_once(
    blocked: tuple[LiveServer, threading.Event],
) -> None:
    """Past --max-concurrent-rpcs a call is refused immediately, not queued."""
    running, release = blocked
    first = running.stub.Classify.future(request("Troops were deployed."))
    time.sleep(0.3)  # the first call is now inside the model
    started = time.monotonic()
    with pytest.raises(grpc.RpcError) as err:
        running.stub.Classify(request("Second call."), timeout=5)
    assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert time.monotonic() - started < 1.0
    release.set()
    assert len(first.result(timeout=10).results) == 1


@pytest.mark.parametrize(
    "blocked", [{"max_concurrent_rpcs": 8, "max_queued_documents": 3}], indirect=True
)
def test_full_micro_batch_queue_is_resource_exhausted_at_once(
    blocked: tuple[LiveServer, threading.Event],
) -> None:
    """While the model is busy, requests queue up to --max-queued-documents; past it a call
    is refused at once with RESOURCE_EXHAUSTED, and the queued ones are still answered."""
    running, release = blocked
    first = running.stub.Classify.future(request("Troops were deployed."))
    time.sleep(0.3)  # the first call is now inside the model
    queued = running.stub.Classify.future(request("one", "two", "three"))
    time.sleep(0.3)
    assert running.metrics.registry.get_sample_value("framing_queued_documents") == 3
    started = time.monotonic()
    with pytest.raises(grpc.RpcError) as err:
        running.stub.Classify(request("one too many"), timeout=5)
    assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "queued" in (err.value.details() or "")
    assert time.monotonic() - started < 1.0
    release.set()
    assert len(first.result(timeout=10).results) == 1
    assert [r.id for r in queued.result(timeout=10).results] == ["d0", "d1", "d2"]


def test_concurrent_callers_get_their_own_results(live: LiveServer) -> None:
    """32 threads sending distinct texts at once (coalesced into shared micro-batches):
    every response carries exactly its own documents' scores, in order."""
    corpus = load_corpus([TINY_CORPUS], min_per_label=1).texts
    n = len(corpus)
    texts = [
        f"{corpus[i % n]} {corpus[(7 * i + 3) % n]} {corpus[(i // n + 5) % n]}" for i in range(96)
    ]
    expected = live.classifier.model.scores(texts)
    # Distinct scores, or a mix-up could go unnoticed.
    assert len({tuple(row.round(5)) for row in expected}) > 80

    def call(k: int) -> None:
        mine = texts[3 * k : 3 * k + 3]
        response = live.stub.Classify(request(*mine), timeout=30)
        got = np.array([[f.score for f in r.frames] for r in response.results])
        # Scores travel as float32.
        np.testing.assert_allclose(got, expected[3 * k : 3 * k + 3], atol=1e-6, rtol=0)

    with ThreadPoolExecutor(32) as pool:
        for future in [pool.submit(call, k) for k in range(32)]:
            future.result(timeout=60)


def test_cancelled_stream_stops_its_work(live: LiveServer) -> None:
    """A client that cancels a ClassifyStream stops the server reading and classifying it."""

    def slow_requests() -> Iterator[pb.ClassifyRequest]:
        for i in range(200):
            yield request(f"Message {i}: troops were deployed.")
            time.sleep(0.02)

    before = live.metrics.registry.get_sample_value("framing_documents_total") or 0
    responses = live.stub.ClassifyStream(slow_requests())
    for _ in zip(range(3), responses, strict=False):
        pass
    responses.cancel()
    time.sleep(1.0)
    done = (live.metrics.registry.get_sample_value("framing_documents_total") or 0) - before
    assert 3 <= done < 20
    assert live.stub.Classify(request("still healthy")).results


def test_work_past_its_deadline_is_not_done(tiny_model: FrameModel) -> None:
    """The core refuses to start work whose deadline has passed; gRPC maps it."""
    metrics = Metrics(CollectorRegistry())
    core = Classifier(tiny_model, metrics, Limits())
    with pytest.raises(DeadlineExceededError) as err:
        core.classify(["Troops."], deadline=time.monotonic() - 0.001)
    assert status_code(err.value) == grpc.StatusCode.DEADLINE_EXCEEDED
    assert metrics.registry.get_sample_value("framing_documents_total") == 0


def test_short_client_deadline_gets_deadline_exceeded(live: LiveServer) -> None:
    """A caller whose deadline is shorter than the work gets DEADLINE_EXCEEDED."""
    with pytest.raises(grpc.RpcError) as err:
        live.stub.Classify(request(*["Troops were deployed. " * 80] * 5), timeout=0.0001)
    assert err.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert live.stub.Classify(request("still healthy")).results


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(texts=st.lists(st.text(max_size=300), min_size=0, max_size=7))
def test_any_unicode_gives_valid_answer_or_invalid_argument(
    live: LiveServer, texts: list[str]
) -> None:
    """Arbitrary unicode documents: a valid response in order, or INVALID_ARGUMENT."""
    future = live.stub.Classify.future(request(*texts))
    if future.code() != grpc.StatusCode.OK:
        assert future.code() == grpc.StatusCode.INVALID_ARGUMENT, future.details()
        return
    response = future.result()
    assert [r.id for r in response.results] == [f"d{i}" for i in range(len(texts))]
    for result in response.results:
        assert all(0.0 <= f.score <= 1.0 for f in result.frames)


def test_malformed_request_bytes_leave_the_server_healthy(live: LiveServer) -> None:
    """Bytes that are not a ClassifyRequest are refused; the next real call succeeds."""
    raw = live.channel.unary_unary(
        "/framing.v1.FramingService/Classify",
        request_serializer=None,
        response_deserializer=None,
    )
    with pytest.raises(grpc.RpcError) as err:
        raw(b"\xff\xff\xff\xff\x0f", timeout=5)
    assert err.value.code() in {grpc.StatusCode.INTERNAL, grpc.StatusCode.INVALID_ARGUMENT}
    assert live.stub.Classify(request("Troops were deployed.")).results


def test_non_grpc_bytes_on_the_port_leave_the_server_healthy(live: LiveServer) -> None:
    """An HTTP/1.1 request and random bytes on the gRPC port do not harm the server."""
    for payload in (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", bytes(range(256)) * 4):
        with socket.create_connection(("127.0.0.1", live.server.port), timeout=5) as sock:
            sock.sendall(payload)
            with contextlib.suppress(OSError):
                sock.recv(1024)
    assert live.stub.Classify(request("Troops were deployed.")).results


def test_bundle_directory_is_only_read(tiny_bundle: Path, tmp_path: Path) -> None:
    """Loading and serving a bundle never writes to its directory (it may be read-only)."""
    bundle = tmp_path / "ro"
    shutil.copytree(tiny_bundle, bundle)
    before = {p.name: p.stat().st_mtime_ns for p in bundle.iterdir()}
    for path in [*bundle.iterdir(), bundle]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        running = start_server(bundle)
        assert running.stub.Classify(request("Troops were deployed.")).results
        running.channel.close()
        running.server.stop(0).wait()
    finally:
        bundle.chmod(0o755)
    assert {p.name: p.stat().st_mtime_ns for p in bundle.iterdir()} == before
