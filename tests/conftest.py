"""Shared fixtures: a tiny real model trained in a temporary directory, and a live server."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from prometheus_client import CollectorRegistry

from framing.v1 import framing_service_pb2_grpc as pb_grpc
from service.classifier import Classifier, Limits
from service.grpc.server import FramingServer
from service.metrics import Metrics
from service.model import FrameModel
from service.settings import Settings
from training.corpus import load_corpus
from training.pipeline import ModelParams
from training.train import TrainOptions, train

DATA = Path(__file__).parent / "data"
TINY_CORPUS = DATA / "tiny_corpus.jsonl"
TINY_OPTIONS = TrainOptions(folds=3, heldout_fraction=0.25, params=ModelParams(min_df=1))


@pytest.fixture(scope="session")
def tiny_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real bundle trained on the tiny hand-written corpus in tests/data."""
    out = tmp_path_factory.mktemp("bundles") / "tiny"
    train(load_corpus([TINY_CORPUS], min_per_label=5), out, TINY_OPTIONS)
    return out


@pytest.fixture(scope="session")
def tiny_model(tiny_bundle: Path) -> FrameModel:
    return FrameModel.load(tiny_bundle)


@dataclass
class LiveServer:
    """A started server with its settings, metrics and a channel to it."""

    server: FramingServer
    classifier: Classifier
    settings: Settings
    metrics: Metrics
    channel: grpc.Channel

    @property
    def stub(self) -> pb_grpc.FramingServiceStub:
        return pb_grpc.FramingServiceStub(self.channel)


def start_server(model_dir: Path, **overrides: object) -> LiveServer:
    """Serve `model_dir` on an ephemeral loopback port, health SERVING, as main() does."""
    settings = Settings(
        model_dir=model_dir,
        bind_address="127.0.0.1",
        grpc_port=0,
        metrics_port=0,
        **overrides,  # type: ignore[arg-type]
    )
    metrics = Metrics(CollectorRegistry())
    classifier = Classifier(FrameModel.load(model_dir), metrics, Limits.from_settings(settings))
    server = FramingServer(settings, classifier, metrics)
    server.start()
    classifier.warm_up()
    server.mark_serving()
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
    return LiveServer(server, classifier, settings, metrics, channel)


@pytest.fixture
def live(tiny_bundle: Path) -> Iterator[LiveServer]:
    """A live server on the tiny model with small limits, so limits are cheap to hit."""
    running = start_server(tiny_bundle, max_documents=5, max_text_chars=2000)
    yield running
    running.channel.close()
    running.server.stop(0).wait()


def first_line_then_close(command: list[str]) -> tuple[int, str]:
    """Run a console command as `command | head -1` would: read one line of its stdout, close
    the pipe, and return its exit status and stderr."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    assert process.stderr is not None
    process.stdout.readline()
    process.stdout.close()
    stderr = process.stderr.read().decode()
    return process.wait(timeout=120), stderr
