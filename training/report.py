"""Render a training report (the dict written as report.json) as Markdown for people."""

from __future__ import annotations

from typing import Any


def render_markdown(report: dict[str, Any]) -> str:
    corpus, metrics = report["corpus"], report["metrics"]
    heldout = metrics["heldout"]
    folds = report["params"]["folds"]
    cv = metrics["cross_validation"] if folds else metrics["validation"]
    selection = (
        f"{folds}-fold out-of-fold scores on the training split"
        if folds
        else f"a validation split ({report['params']['validation_fraction']:.0%} of the corpus, "
        "apart from the held-out rows) scored by the held-out model"
    )
    lines = [
        f"# Training report — model {report['version']}",
        "",
        f"Trained {report['created_at']} on {corpus['size']:,} documents "
        f"(median {corpus.get('median_words', '?')} words; "
        f"corpus sha256 `{corpus['sha256'][:16]}…`) in {metrics.get('fit_seconds', '?')} s.",
        "",
        "## How to read it",
        f"- **Held-out**: a stratified {report['params']['heldout_fraction']:.0%} of the corpus, "
        "never seen while fitting or choosing thresholds. The honest estimate — for text like "
        "the corpus. Real text written by others scores lower: see `framing-train evaluate`.",
        f"- **Threshold selection**: {selection}; thresholds were chosen on these scores, so "
        "they are slightly optimistic.",
        "",
        "## Held-out, per label",
        "",
        *_label_table(heldout, report["labels"], report["thresholds"]),
        "",
        f"Micro-F1 **{heldout['micro_f1']:.3f}**, macro-F1 **{heldout['macro_f1']:.3f}** "
        f"on {heldout['documents']:,} held-out documents.",
        "",
        "## Held-out, per language",
        "",
        "| language | documents | micro-F1 | macro-F1 | "
        + " | ".join(f"{label} F1" for label in report["labels"])
        + " |",
        "|---|---:|---:|---:|" + "---:|" * len(report["labels"]),
    ]
    for lang, m in heldout["by_language"].items():
        f1s = " | ".join(f"{m['labels'][label]['f1']:.3f}" for label in report["labels"])
        lines.append(
            f"| {lang} | {m['documents']} | {m['micro_f1']:.3f} | {m['macro_f1']:.3f} | {f1s} |"
        )
    lines += [
        "",
        "## Threshold selection scores, per label",
        "",
        *_label_table(cv, report["labels"], report["thresholds"]),
        "",
        f"Micro-F1 {cv['micro_f1']:.3f}, macro-F1 {cv['macro_f1']:.3f}.",
        "",
        "## Corpus",
        "",
        f"Repeated texts merged into their first row: {corpus['repeated_texts_merged']:,}.",
        "",
        "| label | documents |",
        "|---|---:|",
        *(f"| {label} | {n:,} |" for label, n in corpus["label_counts"].items()),
        "",
        "| language | documents |",
        "|---|---:|",
        *(f"| {lang} | {n:,} |" for lang, n in corpus["languages"].items()),
        "",
        "## Parameters",
        "",
        *(f"- `{key}` = {value}" for key, value in report["params"].items()),
        "",
    ]
    return "\n".join(lines)


def _label_table(m: dict[str, Any], labels: list[str], thresholds: list[float]) -> list[str]:
    rows = [
        "| label | threshold | precision | recall | F1 | ROC-AUC | support |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, threshold in zip(labels, thresholds, strict=True):
        s = m["labels"][label]
        auc = "-" if s["roc_auc"] is None else f"{s['roc_auc']:.3f}"
        rows.append(
            f"| {label} | {threshold:.3f} | {s['precision']:.3f} | {s['recall']:.3f} | "
            f"{s['f1']:.3f} | {auc} | {s['support']} |"
        )
    return rows
