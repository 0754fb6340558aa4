"""A real Prometheus scrapes a real server: every dashboard and rule expression returns data."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml

from framing.v1 import framing_service_pb2 as pb
from service.metrics import serve_metrics
from tests.conftest import LiveServer, start_server

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS_DIR = ROOT / "deploy" / "prometheus"
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "framing.json"
GRAFANA_VARIABLES = {"$__rate_interval": "30s", "$instance": ".*", "$frame": "security"}

# Alerts that do not fire in a healthy run: their expression is a valid empty result. Each
# lists the series its condition is built on, which must exist, so a renamed metric still
# breaks this test.
QUIET_ALERTS = {
    "FramingHighErrorRatio": ["framing:grpc_server_error_ratio:rate5m"],
    "FramingLatencyP99OverBudget": ['framing:grpc_handling_seconds:p99_5m{grpc_method="Classify"}'],
    "FramingNoTraffic": [
        'sum(rate(grpc_server_started_total{grpc_service="framing.v1.FramingService"}[15m]))'
    ],
    "FramingModelNotLoaded": ['up{job="framing"}', "framing_model_loaded"],
    "FramingFramePositiveRateDrift": ["avg_over_time(framing:positive_ratio:rate1h[7d])"],
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def query(port: int, expr: str) -> dict[str, Any]:
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=10) as reply:
        body: dict[str, Any] = json.loads(reply.read())
    assert body["status"] == "success", (expr, body)
    data: dict[str, Any] = body["data"]
    return data


def has_data(port: int, expr: str) -> bool:
    return bool(query(port, expr)["result"])


def dashboard_expressions() -> list[tuple[str, str]]:
    panels = json.loads(DASHBOARD.read_text(encoding="utf-8"))["panels"]
    found = []
    for panel in panels:
        for target in panel["targets"]:
            expr = target["expr"]
            for variable, value in GRAFANA_VARIABLES.items():
                expr = expr.replace(variable, value)
            found.append((panel["title"], expr))
    return found


def rules() -> list[dict[str, Any]]:
    data = yaml.safe_load((PROMETHEUS_DIR / "rules.yml").read_text(encoding="utf-8"))
    return [rule for group in data["groups"] for rule in group["rules"]]


def send_traffic(live: LiveServer) -> None:
    stub = live.stub
    docs = [pb.Document(id=str(i), text=f"Troops and foreign agents, case {i}.") for i in range(4)]
    for _ in range(5):
        stub.Classify(pb.ClassifyRequest(documents=docs))
    list(stub.ClassifyStream(iter([pb.ClassifyRequest(documents=docs)] * 2)))
    stub.GetModelInfo(pb.GetModelInfoRequest())
    # An INVALID_ARGUMENT series for the error panels.
    failed = stub.Classify.future(pb.ClassifyRequest(documents=[pb.Document(text=" ")]))
    if failed.code() != grpc.StatusCode.INVALID_ARGUMENT:
        raise AssertionError(f"an empty text gave {failed.code()}")


@pytest.fixture(scope="module")
def prometheus(
    prometheus_bin: str, tiny_bundle: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[int]:
    """Prometheus with the repo's config and rules, scraping a live server every second."""
    live = start_server(tiny_bundle)
    live.metrics.set_model(live.classifier.model.version, live.classifier.model.sha256, 0.2)
    metrics_http, metrics_port = serve_metrics(live.metrics.registry, "127.0.0.1", 0)
    work = tmp_path_factory.mktemp("prometheus")
    config = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text(encoding="utf-8"))
    config["global"].update(scrape_interval="1s", evaluation_interval="1s")
    config["rule_files"] = [str(PROMETHEUS_DIR / name) for name in config["rule_files"]]
    (job,) = config["scrape_configs"]
    del job["dns_sd_configs"]  # the compose network's DNS: here, one static loopback target
    job["static_configs"] = [{"targets": [f"127.0.0.1:{metrics_port}"]}]
    (work / "prometheus.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    port = free_port()
    process = subprocess.Popen(
        [
            prometheus_bin,
            f"--config.file={work / 'prometheus.yml'}",
            f"--storage.tsdb.path={work / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=(work / "prometheus.log").open("w"),
    )
    stop = threading.Event()
    traffic = threading.Thread(target=keep_sending, args=(live, stop), daemon=True)
    try:
        wait_for(port, work, "up")  # traffic before the first scrape would not show as a rate
        traffic.start()
        wait_for(port, work, "rate(framing_documents_total[30s]) > 0")
        wait_for(port, work, "framing:positive_ratio:rate1h >= 0")
        yield port
    finally:
        stop.set()
        if traffic.is_alive():
            traffic.join(timeout=30)
        process.terminate()
        process.wait(timeout=30)
        metrics_http.shutdown()
        live.channel.close()
        live.server.stop(0).wait()


def keep_sending(live: LiveServer, stop: threading.Event) -> None:
    """Traffic every half second while the tests query, for at most five minutes."""
    deadline = time.monotonic() + 300
    while not stop.is_set() and time.monotonic() < deadline:
        send_traffic(live)
        stop.wait(0.5)


def eventually_has_data(port: int, expr: str, timeout: float = 30) -> bool:
    """Poll: a series labelled by its first event needs two scrapes before it has a rate."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if has_data(port, expr):
                return True
        except OSError:
            pass  # Prometheus is not listening yet
        time.sleep(0.5)
    return False


def wait_for(port: int, work: Path, expr: str, timeout: float = 90) -> None:
    if not eventually_has_data(port, expr, timeout):
        log = (work / "prometheus.log").read_text(encoding="utf-8")
        raise AssertionError(f"no data for {expr} after {timeout}s:\n{log[-3000:]}")


@pytest.mark.parametrize(("title", "expr"), dashboard_expressions(), ids=lambda v: v[:60])
def test_dashboard_expression_returns_data(prometheus: int, title: str, expr: str) -> None:
    """Every dashboard query returns at least one series after real traffic."""
    assert eventually_has_data(prometheus, expr), f"panel {title!r}: no data for {expr}"


@pytest.mark.parametrize("rule", rules(), ids=lambda r: r.get("record") or r["alert"])
def test_rule_expression_evaluates(prometheus: int, rule: dict[str, Any]) -> None:
    """Recording rules produce series; quiet alerts are valid and empty, on existing series."""
    if "record" in rule:
        assert eventually_has_data(prometheus, rule["record"]), rule["record"]
        return
    assert not has_data(prometheus, rule["expr"]), f"{rule['alert']} fires in a healthy run"
    for probe in QUIET_ALERTS[rule["alert"]]:
        assert eventually_has_data(prometheus, probe), f"{rule['alert']}: no series for {probe}"


def test_every_alert_has_a_stated_expectation() -> None:
    """A new alert must say which series it watches (QUIET_ALERTS) before it can be tested."""
    assert {r["alert"] for r in rules() if "alert" in r} == set(QUIET_ALERTS)


def test_promtool_accepts_config_and_rules(promtool_bin: str) -> None:
    """promtool check config (which also checks the rule files) and check rules pass."""
    for args in (["check", "config"], ["check", "rules"]):
        target = "prometheus.yml" if args[1] == "config" else "rules.yml"
        result = subprocess.run(
            [promtool_bin, *args, str(PROMETHEUS_DIR / target)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_every_panel_has_title_and_unit() -> None:
    """Operators read panels by title and unit."""
    for panel in json.loads(DASHBOARD.read_text(encoding="utf-8"))["panels"]:
        assert panel["title"]
        assert panel["fieldConfig"]["defaults"]["unit"], panel["title"]
    assert re.search(r"\$instance", DASHBOARD.read_text(encoding="utf-8"))
