"""Measure a bundle on externally written, labelled text (shared/eval), never used for training.

Three measures, as described in shared/eval/README.md: codebook gold labels on real
paragraphs (per label and language), EUvsDisinfo analysts' keywords mapped to frames
(ROC-AUC and F1), and SemEval-2023 `Security_and_defense` (F1 for security per language).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from training.corpus import LABELS
from training.evaluate import label_metrics, metrics_by_language
from training.labelmap import LabelMap

Scorer = Callable[[Sequence[str]], np.ndarray[Any, Any]]
EUVSDISINFO_MAP = Path(__file__).parent / "labelmaps" / "euvsdisinfo.toml"
SEMEVAL_LANGS = {"en": "en", "fr": "fr", "ge": "de", "it": "it", "po": "pl", "ru": "ru"}


def real_dev(eval_dir: Path, score: Scorer, thresholds: Sequence[float]) -> dict[str, Any]:
    """Codebook gold on the dev part of the real texts: per label and per language."""
    texts: dict[str, dict[str, str]] = {}
    for path in sorted(eval_dir.glob("real_texts*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            texts[row["id"]] = row
    labels_file = eval_dir / "real_dev_labels.jsonl"
    gold = [json.loads(line) for line in labels_file.read_text(encoding="utf-8").splitlines()]
    rows = [texts[g["id"]] for g in gold]
    y = np.array([[int(label in g["labels"]) for label in LABELS] for g in gold])
    scores = score([r["text"] for r in rows])
    result = label_metrics(y, scores, thresholds, LABELS)
    result["by_language"] = metrics_by_language(
        y, scores, thresholds, LABELS, [r["lang"] for r in rows]
    )
    return result


def euvsdisinfo(eval_dir: Path, score: Scorer, thresholds: Sequence[float]) -> dict[str, Any]:
    """Analysts' keywords mapped to frames on deduplicated title + summary (weak labels)."""
    label_map = LabelMap.load(EUVSDISINFO_MAP, LABELS)
    path = eval_dir / "sources" / "euvsdisinfo_kalkun_full_dataset_formatted.csv"
    seen: set[str] = set()
    texts, y = [], []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            text = f"{row['title'].strip()} {row['summary'].strip()}".strip()
            if not text or text in seen:
                continue
            seen.add(text)
            frames = label_map.frames_for(k for k in row["keywords"].split(","))
            texts.append(text)
            y.append([int(label in frames) for label in LABELS])
    return label_metrics(np.array(y), score(texts), thresholds, LABELS)


def semeval_security(eval_dir: Path, score: Scorer, threshold: float) -> dict[str, Any]:
    """F1 of `security` against SemEval-2023 Security_and_defense, dev articles per language."""
    root = eval_dir / "sources" / "semeval2023_t3_st2"
    with (root / "dev_gold_QishengL" / "all_dev.csv").open(encoding="utf-8", newline="") as f:
        gold = {row["id"]: int(row["Security_and_defense"]) for row in csv.DictReader(f)}
    result: dict[str, Any] = {}
    for folder, lang in SEMEVAL_LANGS.items():
        texts, truth = [], []
        for article in sorted((root / folder / "dev-articles-subtask-2").glob("article*.txt")):
            doc_id = article.stem.removeprefix("article")
            if doc_id in gold:
                texts.append(article.read_text(encoding="utf-8"))
                truth.append([gold[doc_id]])
        if texts:
            scores = score(texts)[:, [LABELS.index("security")]]
            m = label_metrics(np.array(truth), scores, [threshold], ["security"])
            result[lang] = {"documents": len(texts), **m["labels"]["security"]}
    return result


def evaluate_external(eval_dir: Path, score: Scorer, thresholds: Sequence[float]) -> dict[str, Any]:
    security = thresholds[LABELS.index("security")]
    return {
        "real_dev": real_dev(eval_dir, score, thresholds),
        "euvsdisinfo": euvsdisinfo(eval_dir, score, thresholds),
        "semeval2023_security": semeval_security(eval_dir, score, security),
    }


def render_table(result: dict[str, Any]) -> str:
    """The three measures as Markdown tables."""
    dev, eu = result["real_dev"], result["euvsdisinfo"]
    lines = [
        f"Real dev labels ({dev['documents']} texts): micro-F1 {dev['micro_f1']:.3f}, "
        f"macro-F1 {dev['macro_f1']:.3f}",
        "",
        "| label | P | R | F1 | ROC-AUC | support | EUvsDisinfo ROC-AUC | EUvsDisinfo F1 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label in LABELS:
        d, e = dev["labels"][label], eu["labels"][label]
        lines.append(
            f"| {label} | {d['precision']:.3f} | {d['recall']:.3f} | {d['f1']:.3f} | "
            f"{_num(d['roc_auc'])} | {d['support']} | {_num(e['roc_auc'])} | {e['f1']:.3f} |"
        )
    lines += ["", "| language | texts | micro-F1 | macro-F1 |", "|---|---:|---:|---:|"]
    for lang, m in dev["by_language"].items():
        lines.append(f"| {lang} | {m['documents']} | {m['micro_f1']:.3f} | {m['macro_f1']:.3f} |")
    lines += ["", "| SemEval-2023 security | articles | P | R | F1 |", "|---|---:|---:|---:|---:|"]
    for lang, m in result["semeval2023_security"].items():
        lines.append(
            f"| {lang} | {m['documents']} | {m['precision']:.3f} | {m['recall']:.3f} | "
            f"{m['f1']:.3f} |"
        )
    lines.append(f"\nEUvsDisinfo: {eu['documents']} deduplicated cases (weak labels).")
    return "\n".join(lines)


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
