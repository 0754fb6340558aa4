"""Soak test: a real server on loopback, 16 clients mixing single, batch and stream calls,
a model swap (SIGHUP) half-way; reports requests, errors by code, p99 latency and RSS.

    python scripts/soak.py --model models/default --duration 600

Bounded in time (--duration) and count (--max-requests); traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path

import grpc
import psutil

from framing.v1 import framing_service_pb2 as pb
from framing.v1 import framing_service_pb2_grpc as pb_grpc
from service.process import spawn, wait_ready
from training.bundle import load_bundle, write_bundle

TEXTS = [
    "Troops restored order in the capital after two nights of riots, the ministry said.",
    "Officials claimed foreign-funded NGOs were preparing a colour revolution.",
    "The parliament reaffirmed the country's territorial integrity and sovereignty.",
    "Sovereign bond yields rose slightly on Tuesday as investors awaited the budget.",
    "Le gouvernement dénonce l'ingérence de forces extérieures dans ses affaires intérieures.",
    "Власти заявили, что протесты организованы из-за рубежа.",
    "外交部发言人表示，香港事务纯属中国内政，任何外部势力无权干涉。",
]


def start_server(model_dir: Path) -> tuple[subprocess.Popen[str], int]:
    process = spawn(["--model", str(model_dir), "--max-concurrent-rpcs", "64"])
    port, _, _ = wait_ready(process)
    threading.Thread(target=_drain, args=(process,), daemon=True).start()
    return process, port


def _drain(process: subprocess.Popen[str]) -> None:
    assert process.stderr is not None
    for line in process.stderr:
        if "SIGHUP" in line or "ERROR" in line:
            print("server:", line.rstrip(), flush=True)


class Tally:
    """Thread-safe counts by status code and latencies of successful calls."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.codes: collections.Counter[str] = collections.Counter()
        self.latencies: list[float] = []
        self.versions: collections.Counter[str] = collections.Counter()

    def record(self, code: str, seconds: float, version: str = "") -> None:
        with self.lock:
            self.codes[code] += 1
            if code == "OK":
                self.latencies.append(seconds)
                self.versions[version] += 1


def client(port: int, worker: int, stop: threading.Event, tally: Tally, budget: list[int]) -> None:
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    stub = pb_grpc.FramingServiceStub(channel)
    n = 0
    while not stop.is_set():
        with tally.lock:
            if budget[0] <= 0:
                return
            budget[0] -= 1
        n += 1
        mode = (worker + n) % 3
        docs = [pb.Document(id=str(i), text=TEXTS[(n + i) % len(TEXTS)]) for i in range(32)]
        started = time.perf_counter()
        try:
            if mode == 0:
                response = stub.Classify(pb.ClassifyRequest(documents=docs[:1]), timeout=10)
                version = response.model_version
            elif mode == 1:
                response = stub.Classify(pb.ClassifyRequest(documents=docs), timeout=10)
                version = response.model_version
            else:
                requests = [pb.ClassifyRequest(documents=docs[:8])] * 4
                responses = list(stub.ClassifyStream(iter(requests), timeout=10))
                version = responses[-1].model_version
            tally.record("OK", time.perf_counter() - started, version)
        except grpc.RpcError as err:
            tally.record(err.code().name, time.perf_counter() - started)
    channel.close()


def reseal(bundle_dir: Path) -> None:
    """Rewrite the bundle with a marked copy of its pipeline: same scores, new sha256 and
    version, so the swap is visible in every response's model_version."""
    bundle = load_bundle(bundle_dir)
    bundle.pipeline.soak_reseal_ = time.time()
    fields = {
        key: value
        for key, value in asdict(bundle.manifest).items()
        if key not in ("version", "sha256", "scorer_sha256", "library_versions", "format_version")
    }
    write_bundle(bundle_dir, bundle.pipeline, fields)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=Path("models/default"))
    parser.add_argument("--duration", type=float, default=600, help="seconds (default 600)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--max-requests", type=int, default=2_000_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="framing-soak-"))
    live = work / "model"
    shutil.copytree(args.model, live)
    process, port = start_server(live)
    server = psutil.Process(process.pid)
    tally, stop, budget = Tally(), threading.Event(), [args.max_requests]
    threads = [
        threading.Thread(target=client, args=(port, w, stop, tally, budget))
        for w in range(args.clients)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(min(30.0, args.duration / 10))
    rss_start = server.memory_info().rss
    swapped = False
    while time.monotonic() - started < args.duration and any(t.is_alive() for t in threads):
        time.sleep(1)
        if not swapped and time.monotonic() - started > args.duration / 2:
            reseal(live)
            process.send_signal(signal.SIGHUP)
            swapped = True
    stop.set()
    for thread in threads:
        thread.join()
    rss_end = server.memory_info().rss
    elapsed = time.monotonic() - started
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)
    shutil.rmtree(work, ignore_errors=True)
    latencies = sorted(tally.latencies)
    p99 = latencies[int(0.99 * (len(latencies) - 1))] if latencies else float("nan")
    total = sum(tally.codes.values())
    rate = total / elapsed
    print(f"duration {elapsed:.0f}s, {args.clients} clients, {total:,} calls ({rate:.0f}/s)")
    print("calls by status:", dict(tally.codes))
    print("answers by model version:", dict(tally.versions))
    print(f"p50 {latencies[len(latencies) // 2] * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms")
    growth = (rss_end - rss_start) / rss_start
    print(f"server RSS {rss_start / 2**20:.1f} MiB -> {rss_end / 2**20:.1f} MiB ({growth:+.1%})")
    sys.exit(0 if set(tally.codes) == {"OK"} and growth < 0.05 else 1)


if __name__ == "__main__":
    main()
