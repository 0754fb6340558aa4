"""framing-serve: settings -> verified model -> gRPC and /metrics until SIGTERM or SIGINT."""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from collections.abc import Sequence
from types import FrameType

from prometheus_client import CollectorRegistry

from service.classifier import Classifier, Limits
from service.errors import ModelLoadError
from service.grpc.server import FramingServer
from service.logs import configure_logging
from service.metrics import Metrics, serve_metrics
from service.model import FrameModel
from service.settings import Settings, SettingsError, load_settings

logger = logging.getLogger("service")


def main(argv: Sequence[str] | None = None) -> int:
    try:
        settings = load_settings(argv)
    except SettingsError as err:
        print(f"framing-serve: invalid settings: {err}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    try:
        return serve(settings)
    except ModelLoadError as err:
        logger.error("cannot start: %s", err)
        return 1
    except OSError as err:
        logger.error("cannot start: %s (is another process using the port?)", err)
        return 1


def serve(settings: Settings) -> int:
    metrics = Metrics(CollectorRegistry())
    started = time.perf_counter()
    model = FrameModel.load(settings.model_dir)
    classifier = Classifier(model, metrics, Limits.from_settings(settings))
    server = FramingServer(settings, classifier, metrics)
    metrics_server, metrics_port = serve_metrics(
        metrics.registry, settings.bind_address, settings.metrics_port
    )
    server.start()
    classifier.warm_up()
    metrics.set_model(model.version, model.sha256, time.perf_counter() - started)
    server.mark_serving()
    logger.info(
        "serving model %s (%s) from %s on %s:%d; metrics on :%d/metrics; ready in %.2fs",
        model.version,
        ", ".join(model.labels),
        settings.model_dir,
        settings.bind_address,
        server.port,
        metrics_port,
        time.perf_counter() - started,
    )
    stop = _wait_for_signal()
    logger.info(
        "%s received: NOT_SERVING, finishing in-flight RPCs (grace %.1fs)",
        stop,
        settings.grace_seconds,
    )
    server.stop(settings.grace_seconds).wait()
    metrics_server.shutdown()
    logger.info("stopped")
    return 0


def _wait_for_signal() -> str:
    received: list[str] = []
    event = threading.Event()

    def handler(signum: int, _frame: FrameType | None) -> None:
        received.append(signal.Signals(signum).name)
        event.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, handler)
    event.wait()
    return received[0]


if __name__ == "__main__":
    sys.exit(main())
