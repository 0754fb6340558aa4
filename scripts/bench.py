"""make bench: framing-serve against the in-process limit and, optionally, MLServer.

    python scripts/bench.py                    # the peer kit's synthetic model
    python scripts/bench.py --bundle models/default
    python scripts/bench.py --mlserver         # also run ../shared/bench's MLServer now

Model: by default the synthetic model of the peer kit (../shared/bench: word 1-2-gram TF-IDF,
200k features, one-vs-rest logistic regression), built with the kit's own scripts and
wrapped in a framing bundle; or any bundle (--bundle). Texts: the kit's query corpus.

Measured, in one run on this machine:
- in process: scikit-learn `Pipeline.predict_proba` (one text; batches of 32 and 256)
  against the compiled scorer the service uses, with the largest score difference;
- the real server (framing-serve, loopback, free ports): start to SERVING, then closed-loop
  load from one grpc.aio process (one shared channel, requests built beforehand), one text
  or 32 texts per request at several concurrencies; docs/s, p50/p99 per request, peak RSS;
- with --mlserver: the kit's bench_grpc.py against MLServer (configurations pw0_nodebug and
  adaptive) on the same model and texts, so ratios to MLServer are measured, not quoted.

Every load run is bounded by a request count and a wall-clock limit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import joblib
import numpy as np
import psutil
from grpc_health.v1 import health_pb2, health_pb2_grpc

from framing.v1 import framing_service_pb2 as pb
from framing.v1 import framing_service_pb2_grpc as pb_grpc
from scoring.scorer import CompiledScorer
from service.process import spawn, wait_ready
from training.bundle import MODEL_FILE, SCORER_FILE, write_bundle

ROOT = Path(__file__).resolve().parents[1]
LABELS = ["security", "sovereignty", "colour_revolution"]
MODES = ("single:1", "single:16", "batch32:1", "batch32:4")
MLSERVER_CONFIGS = ("pw0_nodebug", "adaptive")


def log(message: str) -> None:
    print(message, flush=True)


# ------------------------------------------------------------------------------ the model


def synthetic_bundle(kit: Path, workdir: Path) -> tuple[Path, Path]:
    """Build the kit's corpus and model with its own scripts; wrap the model as a bundle."""
    data, model = workdir / "data", workdir / "model" / "model.joblib"
    if not (data / "query.jsonl").is_file():
        log("building the kit's synthetic corpus ...")
        _run([sys.executable, str(kit / "make_corpus.py"), "--out", str(data)])
    if not model.is_file():
        log("fitting the kit's model (TF-IDF 1-2-grams, 200k features, OvR logistic) ...")
        _run(
            [
                sys.executable,
                str(kit / "train_model.py"),
                "--data",
                str(data / "train.jsonl"),
                "--out",
                str(model),
            ]
        )
    bundle = workdir / "synthetic-bundle"
    if not (bundle / SCORER_FILE).is_file():
        write_bundle(
            bundle,
            joblib.load(model),
            {
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "labels": LABELS,
                "thresholds": [0.5, 0.5, 0.5],
                "corpus": {"source": "../shared/bench synthetic corpus (load testing only)"},
            },
        )
    return bundle, data / "query.jsonl"


def _run(argv: Sequence[str]) -> None:
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)


def read_texts(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line)["text"] for line in handle]


# ------------------------------------------------------------------------------ in process


def in_process(bundle: Path, texts: list[str], repeats: int) -> dict[str, Any]:
    """Per-text cost of predict_proba and of the compiled scorer, one text and in batches."""
    pipeline = joblib.load(bundle / MODEL_FILE)
    scorer = CompiledScorer.load(bundle / SCORER_FILE)
    sample = texts[:2000]
    diff = float(np.abs(scorer.scores(sample) - pipeline.predict_proba(sample)).max())
    rows: dict[str, Any] = {"max_abs_diff": diff}
    for name, fn in (("sklearn", pipeline.predict_proba), ("compiled", scorer.scores)):
        for batch in (1, 32, 256):
            rows[f"{name}:{batch}"] = _median_run(fn, sample, batch, repeats)
    return rows


def _median_run(
    fn: Callable[[list[str]], Any], texts: list[str], batch: int, repeats: int
) -> dict[str, float]:
    n_calls = max(1, min(len(texts) // batch, 1000 if batch == 1 else 60))
    batches = [texts[i * batch : (i + 1) * batch] for i in range(n_calls)]
    fn(batches[0])
    runs = []
    for _ in range(repeats):
        latencies = []
        started = time.perf_counter()
        for b in batches:
            t = time.perf_counter()
            fn(b)
            latencies.append(time.perf_counter() - t)
        wall = time.perf_counter() - started
        latencies.sort()
        runs.append(
            {
                "docs_per_s": n_calls * batch / wall,
                "us_per_doc": wall / (n_calls * batch) * 1e6,
                "p50_ms": _pct(latencies, 50) * 1e3,
                "p99_ms": _pct(latencies, 99) * 1e3,
            }
        )
    return _median(runs)


def _pct(sorted_values: Sequence[float], q: float) -> float:
    k = round(q / 100 * (len(sorted_values) - 1))
    return sorted_values[min(len(sorted_values) - 1, max(0, k))]


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(r[key] for r in runs) for key in runs[0]}


# ------------------------------------------------------------------------------ the server


class Server:
    """framing-serve as a child process; RSS sampled in the background."""

    def __init__(self, bundle: Path, extra: Sequence[str]) -> None:
        self.process = spawn(["--model", str(bundle), *extra])
        self.port, _, _ = wait_ready(self.process, timeout=120)
        self._ps = psutil.Process(self.process.pid)
        # Keep reading its log, or a full pipe would block the server.
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            if "ERROR" in line or "WARNING" in line:
                log("server: " + line.rstrip())

    def rss_mb(self) -> float:
        return float(self._ps.memory_info().rss) / 2**20

    def peak_rss_mb(self) -> float:
        # VmHWM: the kernel's high-water mark of the resident set since start.
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return self.rss_mb()

    def cpu_s(self) -> float:
        times = self._ps.cpu_times()
        return float(times.user + times.system)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


async def time_to_serving(bundle: Path, extra: Sequence[str]) -> float:
    """Seconds from exec to health SERVING, polled on a fixed port (median of 3 starts)."""
    samples = []
    for _ in range(3):
        port = _free_port()
        started = time.perf_counter()
        process = spawn(["--model", str(bundle), "--grpc-port", str(port), *extra])
        try:
            # Retry connecting every 10 ms: gRPC's default reconnect backoff (1 s) would be
            # measured instead of the server.
            fast_retry = [
                ("grpc.initial_reconnect_backoff_ms", 10),
                ("grpc.min_reconnect_backoff_ms", 10),
                ("grpc.max_reconnect_backoff_ms", 10),
            ]
            async with grpc.aio.insecure_channel(
                f"127.0.0.1:{port}", options=fast_retry
            ) as channel:
                stub = health_pb2_grpc.HealthStub(channel)
                while True:
                    try:
                        reply = await stub.Check(health_pb2.HealthCheckRequest(), timeout=0.5)
                        if reply.status == health_pb2.HealthCheckResponse.SERVING:
                            break
                    except grpc.aio.AioRpcError:
                        pass
                    if process.poll() is not None or time.perf_counter() - started > 60:
                        raise RuntimeError("framing-serve did not start")
                    await asyncio.sleep(0.01)
            samples.append(time.perf_counter() - started)
        finally:
            process.terminate()
            process.wait(timeout=30)
    return statistics.median(samples)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def load_run(
    stub: pb_grpc.FramingServiceStub,
    requests: list[pb.ClassifyRequest],
    concurrency: int,
    max_requests: int,
    max_seconds: float,
) -> dict[str, float]:
    """Closed loop: `concurrency` workers, each sends its next request when answered."""
    latencies: list[float] = []
    errors = 0
    issued = 0
    deadline = time.perf_counter() + max_seconds

    async def worker() -> None:
        nonlocal issued, errors
        while issued < max_requests and time.perf_counter() < deadline:
            request = requests[issued % len(requests)]
            issued += 1
            t = time.perf_counter()
            try:
                await stub.Classify(request, timeout=30)
            except grpc.aio.AioRpcError:
                errors += 1
                continue
            latencies.append(time.perf_counter() - t)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.perf_counter() - started
    latencies.sort()
    docs = len(latencies) * len(requests[0].documents)
    return {
        "docs_per_s": docs / wall,
        "p50_ms": _pct(latencies, 50) * 1e3,
        "p99_ms": _pct(latencies, 99) * 1e3,
        "errors": errors,
    }


async def serve_and_load(
    bundle: Path, texts: list[str], modes: Sequence[str], repeats: int, extra: Sequence[str]
) -> dict[str, Any]:
    server = Server(bundle, extra)
    result: dict[str, Any] = {"rss_mb_idle": server.rss_mb(), "modes": {}}
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            stub = pb_grpc.FramingServiceStub(channel)
            no_evidence = pb.ClassifyOptions(evidence_terms=0)
            for mode in modes:
                kind, concurrency = mode.split(":")
                batch = 1 if kind == "single" else int(kind.removeprefix("batch"))
                requests = [
                    pb.ClassifyRequest(
                        documents=[
                            pb.Document(text=texts[(i * batch + k) % len(texts)])
                            for k in range(batch)
                        ],
                        options=no_evidence,
                    )
                    for i in range(max(1, min(2000, len(texts) // batch)))
                ]
                max_requests = 4000 if batch == 1 else 300
                await load_run(stub, requests, int(concurrency), max_requests // 10, 3)  # warm
                runs = []
                for _ in range(repeats):
                    cpu = server.cpu_s()
                    run = await load_run(stub, requests, int(concurrency), max_requests, 15)
                    run["server_cpu_s"] = server.cpu_s() - cpu
                    runs.append(run)
                result["modes"][mode] = _median(runs)
                row = result["modes"][mode]
                log(
                    f"  {mode:>10}: {row['docs_per_s']:8.0f} docs/s  p50 {row['p50_ms']:6.2f} ms"
                    f"  p99 {row['p99_ms']:6.2f} ms  errors {row['errors']:.0f}"
                )
        result["rss_mb_peak"] = server.peak_rss_mb()
    finally:
        server.stop()
    return result


# ------------------------------------------------------------------------------ MLServer


def mlserver(kit: Path, model: Path, query: Path, repeats: int, workdir: Path) -> dict[str, Any]:
    """The kit's own MLServer benchmark, in its own virtualenv, on our model and texts."""
    venv = Path(os.environ.get("BENCH_VENV", "/tmp/benchvenv"))
    python = venv / "bin" / "python"
    if not python.exists():
        log(f"creating the kit's virtualenv at {venv} (MLServer) ...")
        _run([sys.executable, "-m", "venv", str(venv)])
    _run([str(python), "-m", "pip", "install", "-q", "-r", str(kit / "requirements.lock")])
    copy = Path(tempfile.mkdtemp(prefix="framing-kit-"))
    shutil.copytree(kit, copy, dirs_exist_ok=True, ignore=shutil.ignore_patterns("artifacts"))
    results = {}
    try:
        for config in MLSERVER_CONFIGS:
            out = workdir / f"mlserver_{config}.json"
            log(f"MLServer {config} (the kit's bench_grpc.py) ...")
            subprocess.run(
                [
                    str(python),
                    "bench_grpc.py",
                    "--system",
                    "mlserver",
                    "--config",
                    config,
                    "--model",
                    str(model),
                    "--query",
                    str(query),
                    "--modes",
                    ",".join(MODES),
                    "--repeats",
                    str(repeats),
                    "--workdir",
                    str(workdir / "mlserver"),
                    "--out",
                    str(out),
                ],
                check=True,
                cwd=copy,
                timeout=1800,
                env={**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
            )
            data = json.loads(out.read_text())
            results[config] = {
                "startup_s": data["startup_s"],
                "rss_mb_peak": data["rss_mb_peak"],
                "modes": {
                    f"{'single' if row['batch'] == 1 else 'batch32'}:{row['concurrency']}": {
                        k: row["median"][k] for k in ("docs_per_s", "p50_ms", "p99_ms")
                    }
                    for row in data["rows"]
                },
            }
    finally:
        shutil.rmtree(copy, ignore_errors=True)
    return results


# ------------------------------------------------------------------------------ report


def report(result: dict[str, Any]) -> str:
    """The table and the targets of issue 4, as markdown."""
    ip, srv, ml = result["in_process"], result["server"], result.get("mlserver", {})
    lines = [
        f"Model: {result['model']} — {result['texts']} texts, mean {result['mean_words']:.0f} "
        f"words; {result['machine']}",
        "",
        "| system | mode | docs/s | p50 ms | p99 ms |",
        "|---|---|---:|---:|---:|",
    ]
    for batch in (1, 32, 256):
        for name in ("sklearn", "compiled"):
            row = ip[f"{name}:{batch}"]
            label = "in-process `predict_proba`" if name == "sklearn" else "in-process compiled"
            lines.append(
                f"| {label} | batch {batch} | {row['docs_per_s']:,.0f} | {row['p50_ms']:.3f} "
                f"| {row['p99_ms']:.3f} |"
            )
    for mode, row in srv["modes"].items():
        lines.append(
            f"| framing-serve | {mode} | {row['docs_per_s']:,.0f} | {row['p50_ms']:.2f} "
            f"| {row['p99_ms']:.2f} |"
        )
    for config, data in ml.items():
        for mode, row in data["modes"].items():
            lines.append(
                f"| MLServer `{config}` | {mode} | {row['docs_per_s']:,.0f} | "
                f"{row['p50_ms']:.2f} | {row['p99_ms']:.2f} |"
            )
    lines += ["", "| target | measured | met |", "|---|---|---|"]
    for target, measured, met in targets(result):
        lines.append(f"| {target} | {measured} | {'yes' if met else 'NO'} |")
    return "\n".join(lines)


def targets(result: dict[str, Any]) -> list[tuple[str, str, bool]]:
    ip, srv, ml = result["in_process"], result["server"], result.get("mlserver", {})
    speedup = ip["sklearn:1"]["us_per_doc"] / ip["compiled:1"]["us_per_doc"]
    rows = [
        ("1. one text in process ≥ 5x predict_proba", f"{speedup:.1f}x", speedup >= 5),
        (
            "1. same scores (max abs diff ≤ 1e-6)",
            f"{ip['max_abs_diff']:.1e}",
            ip["max_abs_diff"] <= 1e-6,
        ),
    ]
    single, batch = srv["modes"]["single:16"], srv["modes"]["batch32:4"]
    if ml:
        best_single = max(d["modes"]["single:16"]["docs_per_s"] for d in ml.values())
        best_batch = max(
            max(d["modes"]["batch32:1"]["docs_per_s"], d["modes"]["batch32:4"]["docs_per_s"])
            for d in ml.values()
        )
        ratio = single["docs_per_s"] / best_single
        rows.append(("2. single:16 ≥ 3x MLServer's best", f"{ratio:.2f}x", ratio >= 3))
        ratio = batch["docs_per_s"] / best_batch
        rows.append(("3. batch32 ≥ 1.5x MLServer's best", f"{ratio:.2f}x", ratio >= 1.5))
        # The leanest MLServer configuration measured (pw0_nodebug: one process).
        rss = min(d["rss_mb_peak"] for d in ml.values())
        ratio = srv["rss_mb_peak"] / rss
        rows.append(
            (
                "5. RSS ≤ 0.6x MLServer's",
                f"{ratio:.2f}x ({srv['rss_mb_peak']:.0f} MB)",
                ratio <= 0.6,
            )
        )
    ratio = batch["docs_per_s"] / ip["sklearn:32"]["docs_per_s"]
    rows.append(("3. batch32 ≥ 1.2x sklearn's batch-32 limit", f"{ratio:.2f}x", ratio >= 1.2))
    one = srv["modes"]["single:1"]
    rows.append(
        (
            "4. one client: p50 ≤ 1 ms, p99 ≤ 2 ms",
            f"{one['p50_ms']:.2f} / {one['p99_ms']:.2f} ms",
            one["p50_ms"] <= 1 and one["p99_ms"] <= 2,
        )
    )
    rows.append(("5. start to SERVING ≤ 1 s", f"{result['start_s']:.2f} s", result["start_s"] <= 1))
    return rows


# ------------------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bundle", type=Path, help="benchmark this bundle (default: synthetic)")
    parser.add_argument("--kit", type=Path, default=ROOT.parent / "shared" / "bench")
    parser.add_argument("--texts", type=Path, help="JSONL with a 'text' field (default: kit's)")
    parser.add_argument("--mlserver", action="store_true", help="also run MLServer (kit)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=ROOT / "models" / "bench")
    parser.add_argument("--serve-args", default="", help="extra framing-serve flags")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)

    if args.mlserver and args.bundle is not None:
        # MLServer's sklearn runtime unpickles model.joblib: this project's own pipelines need
        # its classes (the kernel analyzers, the cue counts), which MLServer's venv lacks.
        parser.error("--mlserver compares on the kit's synthetic model: drop --bundle")
    if not (args.kit / "make_corpus.py").is_file() and (args.bundle is None or args.texts is None):
        parser.error(f"{args.kit} not found: pass --bundle and --texts, or --kit")
    synthetic, query = (None, None) if args.bundle else synthetic_bundle(args.kit, args.workdir)
    if query is None and args.texts is None:
        query = synthetic_bundle(args.kit, args.workdir)[1]
    bundle = args.bundle or synthetic
    query = args.texts or query
    assert bundle is not None
    assert query is not None
    texts = read_texts(query)
    extra = args.serve_args.split()

    result: dict[str, Any] = {
        "model": str(bundle),
        "texts": len(texts),
        "mean_words": float(np.mean([len(t.split()) for t in texts])),
        "machine": f"{os.cpu_count()} cores, Python {sys.version.split()[0]}",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    log("in process: predict_proba against the compiled scorer ...")
    result["in_process"] = in_process(bundle, texts, args.repeats)
    log("start to SERVING ...")
    result["start_s"] = asyncio.run(time_to_serving(bundle, extra))
    log("framing-serve under load ...")
    result["server"] = asyncio.run(serve_and_load(bundle, texts, MODES, args.repeats, extra))
    if args.mlserver:
        result["mlserver"] = mlserver(
            args.kit, bundle / MODEL_FILE, query, args.repeats, args.workdir
        )
    table = report(result)
    name = "bench-" + ("synthetic" if args.bundle is None else bundle.name)
    (args.workdir / f"{name}.json").write_text(json.dumps(result, indent=1))
    (args.workdir / f"{name}.md").write_text(table + "\n")
    log("\n" + table)


if __name__ == "__main__":
    main()
