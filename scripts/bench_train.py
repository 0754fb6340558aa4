"""make bench-train: how training time grows with the corpus (10k / 30k / 100k documents).

    python scripts/bench_train.py                         # 10000,30000,100000 synthetic texts
    python scripts/bench_train.py --sizes 10000 --full    # also the whole `framing-train fit`

Corpus: the peer kit's synthetic news-like paragraphs (../shared/bench/make_corpus.py,
80-300 words, en/fr, frame vocabulary mixed with Zipf pseudo-words), generated once per size
and cached in models/bench/. It is load-testing text: the timings mean something, the
accuracy on it does not. The seed corpus (seeds/) is timed too, as the default model's row.

For each corpus: one fit of the default pipeline (ModelParams with `auto` resolved for the
corpus size), timed in two stages (features, then the per-label linear models), and with
--full the whole `framing-train fit` command (cross-validation, held-out model, final model,
bundle). Seconds per 1,000 documents show whether time grows linearly.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from training.corpus import load_corpus
from training.pipeline import ModelParams, build_pipeline

ROOT = Path(__file__).resolve().parents[1]


def log(message: str) -> None:
    print(message, flush=True)


def synthetic_corpus(kit: Path, workdir: Path, size: int) -> Path:
    path = workdir / f"train-{size}" / "train.jsonl"
    if not path.is_file():
        log(f"generating {size:,} synthetic texts with the kit's make_corpus.py ...")
        subprocess.run(
            [
                sys.executable,
                str(kit / "make_corpus.py"),
                "--out",
                str(path.parent),
                "--n-train",
                str(size),
                "--n-query",
                "1",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return path


def time_one_fit(corpus_path: Path) -> dict[str, Any]:
    corpus = load_corpus([corpus_path], min_per_label=1)
    texts, y = corpus.texts, np.asarray(corpus.indicator(), dtype=int)
    params = ModelParams().for_corpus(len(texts))
    pipeline = build_pipeline(params)
    log(f"  {len(texts):,} documents: features ...")
    started = time.perf_counter()
    x = pipeline.named_steps["features"].fit_transform(texts)
    features_s = time.perf_counter() - started
    log(f"  features {features_s:.1f} s ({x.shape[1]:,} columns, {x.nnz:,} non-zeros); labels ...")
    pipeline.named_steps["clf"].fit(x, y)
    total_s = time.perf_counter() - started
    log(f"  labels {total_s - features_s:.1f} s ({params.linear_model})")
    return {
        "documents": len(texts),
        "mean_words": round(float(np.mean([len(t.split()) for t in texts])), 1),
        "linear_model": params.linear_model,
        "features_s": round(features_s, 2),
        "labels_s": round(total_s - features_s, 2),
        "fit_s": round(total_s, 2),
        "non_zeros": int(x.nnz),
    }


def time_full_run(corpus_path: Path, out: Path) -> float:
    started = time.perf_counter()
    command = [str(Path(sys.executable).parent / "framing-train"), "fit", str(corpus_path)]
    subprocess.run(
        [*command, "--out", str(out), "--quiet", "--min-per-label", "1"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return round(time.perf_counter() - started, 1)


def report(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| corpus | documents | mean words | model | features s | labels s | one fit s "
        "| s per 1k docs | full `framing-train fit` s |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        per_k = 1000 * row["fit_s"] / row["documents"]
        full = row.get("full_s", "")
        lines.append(
            f"| {row['corpus']} | {row['documents']:,} | {row['mean_words']} | "
            f"{row['linear_model']} | {row['features_s']:.1f} | {row['labels_s']:.1f} | "
            f"{row['fit_s']:.1f} | {per_k:.2f} | {full} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,30000,100000", help="synthetic corpus sizes")
    parser.add_argument("--kit", type=Path, default=ROOT.parent / "shared" / "bench")
    parser.add_argument("--seeds", type=Path, default=ROOT / "seeds", help="'' to skip")
    parser.add_argument("--full", action="store_true", help="also time `framing-train fit`")
    parser.add_argument("--workdir", type=Path, default=ROOT / "models" / "bench")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",") if size]
    if sizes and not (args.kit / "make_corpus.py").is_file():
        parser.error(f"{args.kit}/make_corpus.py not found: pass --kit, or --sizes ''")
    args.workdir.mkdir(parents=True, exist_ok=True)

    corpora = [("seeds/", args.seeds)] if str(args.seeds) not in ("", ".") else []
    corpora += [
        (f"synthetic {size:,}", synthetic_corpus(args.kit, args.workdir, size)) for size in sizes
    ]
    rows = []
    for name, path in corpora:
        log(f"{name}: one fit of the pipeline")
        row = {"corpus": name, **time_one_fit(path)}
        if args.full:
            log(f"{name}: the whole framing-train fit ...")
            row["full_s"] = time_full_run(path, args.workdir / "train-bundle")
        rows.append(row)
    table = report(rows)
    result = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "rows": rows}
    (args.workdir / "bench-train.json").write_text(json.dumps(result, indent=1))
    (args.workdir / "bench-train.md").write_text(table + "\n")
    log("\n" + table)


if __name__ == "__main__":
    main()
