"""framing-serve as a real process: start-up, readiness, SIGTERM drain, start-up failures."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from framing.v1 import framing_service_pb2 as pb
from framing.v1 import framing_service_pb2_grpc as pb_grpc
from service.process import spawn
from service.process import wait_ready as process_wait_ready
from tests.conftest import TINY_CORPUS
from training.bundle import SCORER_FILE
from training.corpus import load_corpus
from training.pipeline import ModelParams
from training.train import TrainOptions, train


def serve(*args: str) -> subprocess.Popen[str]:
    return spawn(args)


def wait_ready(process: subprocess.Popen[str]) -> tuple[int, list[str]]:
    port, _, lines = process_wait_ready(process)
    return port, lines


@pytest.fixture
def process(tiny_bundle: Path) -> Iterator[subprocess.Popen[str]]:
    proc = serve("--model", str(tiny_bundle), "--grace-seconds", "30")
    yield proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_serves_then_drains_on_sigterm(process: subprocess.Popen[str]) -> None:
    """After SIGTERM, calls already in flight are answered and the process exits 0."""
    port, _ = wait_ready(process)
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    stub = pb_grpc.FramingServiceStub(channel)
    texts = [pb.Document(id=str(i), text="Troops were deployed. " * 30) for i in range(20)]
    futures = [stub.Classify.future(pb.ClassifyRequest(documents=texts)) for _ in range(8)]
    time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    answered = [f.result(timeout=60) for f in futures]
    assert all(len(r.results) == 20 for r in answered)
    assert process.wait(timeout=30) == 0
    assert process.stderr is not None
    log = process.stderr.read()
    assert "SIGTERM received" in log
    assert "stopped" in log
    channel.close()


def test_missing_model_fails_fast_with_the_fix(tmp_path: Path) -> None:
    """No bundle: exit code 1 and a message naming the path and `make train`."""
    proc = serve("--model", str(tmp_path / "absent"))
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert f"no model bundle at {tmp_path / 'absent'}" in err
    assert "make train" in err
    assert "Traceback" not in err


def test_invalid_flag_value_exits_2(tmp_path: Path) -> None:
    """A setting that fails validation is reported without a traceback."""
    proc = serve("--model", str(tmp_path), "--workers", "0")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "--workers" in err
    assert "Traceback" not in err


def model_version(port: int) -> str:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = pb_grpc.FramingServiceStub(channel)
        return str(stub.GetModelInfo(pb.GetModelInfoRequest(), timeout=10).version)


def wait_for_log(process: subprocess.Popen[str], needle: str) -> str:
    assert process.stderr is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if needle in line:
            return line
    raise AssertionError(f"no log line with {needle!r}")


def test_sighup_swaps_in_a_new_bundle_and_refuses_a_tampered_one(
    tiny_bundle: Path, tmp_path: Path
) -> None:
    """SIGHUP reloads --model: a new bundle is served, a tampered one refused, old kept."""
    live_dir = tmp_path / "current"
    shutil.copytree(tiny_bundle, live_dir)
    proc = serve("--model", str(live_dir))
    try:
        port, _ = wait_ready(proc)
        first = model_version(port)
        retrained = tmp_path / "retrained"
        options = TrainOptions(folds=3, heldout_fraction=0.25, params=ModelParams(min_df=1, c=2.0))
        train(load_corpus([TINY_CORPUS], min_per_label=5), retrained, options)
        shutil.rmtree(live_dir)
        shutil.copytree(retrained, live_dir)
        proc.send_signal(signal.SIGHUP)
        wait_for_log(proc, "SIGHUP: now serving model")
        second = model_version(port)
        assert second != first
        with (live_dir / SCORER_FILE).open("ab") as handle:
            handle.write(b"tampered")
        proc.send_signal(signal.SIGHUP)
        line = wait_for_log(proc, "SIGHUP: bundle refused")
        assert "does not match the manifest" in line
        assert model_version(port) == second
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
