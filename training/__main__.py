"""framing-train: fit a model bundle on a labelled corpus (the shipped seeds/ by default)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import replace
from pathlib import Path

from tqdm import tqdm

from training.audit import label_suspects, render_suspects
from training.bundle import BundleError, load_scorer_bundle
from training.corpus import LABELS, Corpus, CorpusError, CsvColumns, load_corpus
from training.curve import learning_curve, render_curve
from training.external import evaluate_external, render_table
from training.fits import FitJob
from training.labelmap import LabelMap, LabelMapError
from training.pipeline import SGD_FROM_DOCS, ModelParams
from training.pipes import quiet_on_closed_pipe
from training.seedstats import read_seeds, replace_block, stats_markdown
from training.train import LARGE_CORPUS, TrainOptions, train

DEFAULT_CORPUS = Path("seeds")
DEFAULT_OUT = Path("models/default")
DEFAULT_EVAL_DIR = Path("../shared/eval")

EPILOG = """\
examples:
  framing-train fit                                  # seeds/ -> models/default
  framing-train fit my_corpus.jsonl --out models/mine
  framing-train fit export.csv --text-column body --labels-column tags \\
      --label-separator '+' --label-map tags_to_frames.toml --out models/export

JSONL rows look like {"text": "...", "labels": ["security"], "lang": "en"}; labels are
any of security, sovereignty, colour_revolution ([] for none). With --label-map, labels
are the corpus's own tags and the map (JSON or TOML, {frame: [tag, ...]}) turns them into
frames. The bundle directory receives model.joblib, manifest.json, report.md, report.json.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="framing-train",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    fit = commands.add_parser(
        "fit",
        help="train, evaluate, write a bundle",
        description="Train on a corpus, report held-out metrics, write a model bundle.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_corpus_arguments(fit)
    fit.add_argument("--out", type=Path, default=DEFAULT_OUT, help="bundle directory to write")
    defaults = TrainOptions()
    # argparse %-formats help strings, so the percent sign is doubled.
    validation_share = f"{defaults.validation_fraction:.0%}".replace("%", "%%")
    fit.add_argument(
        "--folds",
        type=_folds,
        default=None,
        help="cross-validation folds that choose the thresholds; 0: a validation split "
        f"({validation_share} of the corpus) instead "
        f"(default: 5 below {LARGE_CORPUS:,} documents, 0 from there)",
    )
    fit.add_argument(
        "--heldout",
        type=float,
        default=defaults.heldout_fraction,
        help="fraction of the corpus held out for the final evaluation (default: 0.2)",
    )
    fit.add_argument("--seed", type=int, default=defaults.seed, help="random seed")
    fit.add_argument(
        "--jobs", type=int, default=defaults.n_jobs, help="fits run in parallel (default: 2)"
    )
    fit.add_argument(
        "--c",
        type=_positive,
        default=None,
        help="inverse regularisation strength of linear_svc and logistic_regression "
        f"(default: {ModelParams().c})",
    )
    fit.add_argument(
        "--sgd-alpha",
        type=_positive,
        default=None,
        help=f"L2 penalty of sgd (default: {ModelParams().sgd_alpha:g})",
    )
    fit.add_argument(
        "--linear-model",
        choices=("auto", "linear_svc", "logistic_regression", "sgd"),
        default=ModelParams().linear_model,
        help="each label's linear model; auto: calibrated LinearSVC below "
        f"{SGD_FROM_DOCS:,} documents, logistic SGD (one pass per epoch, no calibration "
        "folds) from there on (default: auto)",
    )
    fit.add_argument(
        "--keep-names",
        action="store_true",
        help="keep proper names in the character view; by default names learnt from the "
        "corpus are left out of it, so the model learns how texts frame events rather than "
        "which places they name (better on text from other sources; a corpus whose labels "
        "follow its names, e.g. one outlet's tags, may score higher in-domain with them)",
    )
    fit.add_argument(
        "--decorrelate",
        type=_label_list,
        default=None,
        metavar="LABELS",
        help="comma-separated labels whose model is fitted with the other labels "
        "decorrelated, so it learns from its own evidence rather than from frames that "
        "co-occur with it in the corpus; 'none' for none (default: "
        f"{','.join(ModelParams().decorrelated_labels)})",
    )
    fit.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    evaluate = commands.add_parser(
        "evaluate",
        help="measure a bundle on external labelled text (shared/eval)",
        description="Score a bundle on ../shared/eval: codebook gold labels, EUvsDisinfo weak "
        "labels, SemEval-2023 security. Measurement only: nothing here is trained on.",
    )
    evaluate.add_argument("--model", type=Path, default=DEFAULT_OUT, help="bundle directory")
    evaluate.add_argument(
        "--eval-dir", type=Path, default=DEFAULT_EVAL_DIR, help="external evaluation data"
    )
    evaluate.add_argument("--json", type=Path, help="also write the full results as JSON")
    curve = commands.add_parser(
        "curve",
        help="learning curve on external text (shared/eval)",
        description="Train on growing stratified fractions of a corpus and score each model "
        "on ../shared/eval: what would more text buy?",
    )
    _add_corpus_arguments(curve)
    curve.add_argument(
        "--eval-dir", type=Path, default=DEFAULT_EVAL_DIR, help="external evaluation data"
    )
    curve.add_argument(
        "--fractions", default="0.125,0.25,0.5,1", help="comma-separated corpus fractions"
    )
    audit = commands.add_parser(
        "audit",
        help="list rows whose labels the cross-validated model contradicts",
        description="Score every row with a model that did not see it (k-fold) and list the "
        "labels those scores contradict: a labelled row scored below the label's mean "
        "negative score, or an unlabelled one above its mean positive score. Most are the "
        "model's errors; the few that are labelling slips are worth a person's reading. "
        "The model is the default pipeline, as `fit` would choose it for the corpus's size. "
        "Nothing is relabelled.",
    )
    _add_corpus_arguments(audit)
    audit.add_argument("--out", type=Path, help="write every suspect as a JSONL row here")
    audit.add_argument(
        "--show",
        type=_count,
        default=10,
        help="suspects printed, most contradicted first (default: 10)",
    )
    audit.add_argument(
        "--folds", type=_folds, default=5, help="cross-validation folds (default: 5)"
    )
    audit.add_argument("--seed", type=int, default=defaults.seed, help="random seed")
    audit.add_argument(
        "--jobs", type=int, default=defaults.n_jobs, help="fits run in parallel (default: 2)"
    )
    audit.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    stats = commands.add_parser(
        "stats",
        help="statistics of the seed corpus",
        description="Per language x label counts, lengths, genres and hard-negative share of "
        "seeds/*.jsonl; --write puts the table into seeds/README.md.",
    )
    stats.add_argument("--seeds", type=Path, default=DEFAULT_CORPUS, help="seed directory")
    stats.add_argument("--write", action="store_true", help="update seeds/README.md in place")
    return parser


def _add_corpus_arguments(parser: argparse.ArgumentParser) -> None:
    """The corpus files and how to read them: shared by the commands that train on one."""
    parser.add_argument(
        "corpus",
        nargs="*",
        type=Path,
        default=[DEFAULT_CORPUS],
        help="JSONL/CSV files or directories of them (default: seeds/)",
    )
    group = parser.add_argument_group("CSV input")
    group.add_argument(
        "--text-column", default="text", help="text column; comma-separated columns are joined"
    )
    group.add_argument("--labels-column", default="labels", help="column with the labels")
    group.add_argument("--lang-column", default="lang", help="column with the language code")
    group.add_argument("--label-separator", default=";", help="separates labels in one cell")
    parser.add_argument(
        "--label-map", type=Path, help="JSON/TOML file mapping frames to source tags"
    )
    parser.add_argument(
        "--min-per-label",
        type=int,
        default=10,
        help="fewest positive (and negative) examples a label needs (default: 10)",
    )


def _load_corpus(args: argparse.Namespace) -> Corpus:
    """The corpus `_add_corpus_arguments` describes, with its size printed."""
    columns = CsvColumns(
        text=args.text_column,
        labels=args.labels_column,
        lang=args.lang_column,
        separator=args.label_separator,
    )
    label_map = LabelMap.load(args.label_map, LABELS) if args.label_map else None
    corpus = load_corpus(
        args.corpus, columns=columns, label_map=label_map, min_per_label=args.min_per_label
    )
    print(
        f"corpus: {len(corpus.examples):,} documents from {len(corpus.sources)} file(s) "
        f"({corpus.duplicates.describe()}); labels {corpus.label_counts()}; "
        f"languages {corpus.lang_counts()}"
    )
    return corpus


def _folds(value: str) -> int:
    folds = int(value)
    if folds < 0 or folds == 1:
        raise argparse.ArgumentTypeError(
            f"{folds}: use 2 or more folds, or 0 for a validation split"
        )
    return folds


def _count(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"{value}: must be 0 or more")
    return number


def _positive(value: str) -> float:
    number = float(value)
    if not number > 0:
        raise argparse.ArgumentTypeError(f"{value}: must be a positive number")
    return number


def _label_list(value: str) -> tuple[str, ...]:
    if value.strip().lower() == "none":
        return ()
    labels = tuple(label.strip() for label in value.split(",") if label.strip())
    unknown = [label for label in labels if label not in LABELS]
    if unknown or not labels:
        raise argparse.ArgumentTypeError(
            f"{value!r}: use 'none' or labels among {', '.join(LABELS)}"
        )
    return labels


class UsageError(Exception):
    """Flags that contradict each other or the corpus."""


def model_params(args: argparse.Namespace, n_docs: int) -> ModelParams:
    """The model the flags ask for. A penalty flag for a model the corpus will not be fitted
    with is refused rather than ignored: `auto` switches model at SGD_FROM_DOCS documents."""
    params = ModelParams(linear_model=args.linear_model, mask_names=not args.keep_names)
    if args.c is not None:
        params = replace(params, c=args.c)
    if args.sgd_alpha is not None:
        params = replace(params, sgd_alpha=args.sgd_alpha)
    if args.decorrelate is not None:
        params = replace(params, decorrelated_labels=args.decorrelate)
    model = params.for_corpus(n_docs).linear_model
    if args.c is not None and model == "sgd":
        raise UsageError(
            f"--c does not apply: this corpus ({n_docs:,} documents) is fitted by sgd; "
            "use --sgd-alpha, or --linear-model linear_svc"
        )
    if args.sgd_alpha is not None and model != "sgd":
        raise UsageError(
            f"--sgd-alpha does not apply: this corpus ({n_docs:,} documents) is fitted by "
            f"{model}; use --c, or --linear-model sgd"
        )
    return params


def run_fit(args: argparse.Namespace) -> int:
    corpus = _load_corpus(args)
    options = TrainOptions(
        folds=args.folds,
        heldout_fraction=args.heldout,
        seed=args.seed,
        n_jobs=args.jobs,
        params=model_params(args, len(corpus.examples)),
    )
    with tqdm(
        total=options.fit_count(len(corpus.examples)),
        desc="training",
        unit="fit",
        file=sys.stdout,
        disable=args.quiet,
    ) as bar:

        def progress(step: str) -> None:
            bar.set_postfix_str(f"{step}: done")
            bar.update()

        def stage(step: str) -> None:
            bar.set_postfix_str(step)

        manifest = train(corpus, args.out, options, progress, None if args.quiet else stage)
    heldout = manifest.metrics["heldout"]
    print(f"bundle: {args.out} (version {manifest.version})")
    print(
        f"held-out: micro-F1 {heldout['micro_f1']:.3f}, macro-F1 {heldout['macro_f1']:.3f} "
        f"on {heldout['documents']} documents; report: {args.out / 'report.md'}"
    )
    for label, threshold in zip(manifest.labels, manifest.thresholds, strict=True):
        m = heldout["labels"][label]
        print(
            f"  {label:<18} threshold {threshold:.3f}  P {m['precision']:.3f}  "
            f"R {m['recall']:.3f}  F1 {m['f1']:.3f}"
        )
    return 0


def _has_eval_data(eval_dir: Path) -> bool:
    if (eval_dir / "real_dev_labels.jsonl").is_file():
        return True
    print(
        f"framing-train: error: no external evaluation data at {eval_dir} "
        "(expected real_dev_labels.jsonl there; pass --eval-dir)",
        file=sys.stderr,
    )
    return False


def run_evaluate(args: argparse.Namespace) -> int:
    if not _has_eval_data(args.eval_dir):
        return 2
    # The compiled scorer: what the service serves, and many times faster than the pipeline.
    bundle = load_scorer_bundle(args.model)
    print(f"model {bundle.manifest.version} from {args.model}; scoring {args.eval_dir} ...")
    result = evaluate_external(args.eval_dir, bundle.scorer.scores, bundle.manifest.thresholds)
    print(render_table(result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {"model_version": bundle.manifest.version, **result}
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        print(f"written: {args.json}")
    return 0


def run_stats(args: argparse.Namespace) -> int:
    block = stats_markdown(read_seeds(args.seeds))
    if args.write:
        readme = args.seeds / "README.md"
        readme.write_text(replace_block(readme.read_text(encoding="utf-8"), block), "utf-8")
        print(f"updated {readme}")
    else:
        print(block)
    return 0


def run_curve(args: argparse.Namespace) -> int:
    if not _has_eval_data(args.eval_dir):
        return 2
    corpus = _load_corpus(args)
    fractions = [float(f) for f in args.fractions.split(",")]
    points = learning_curve(corpus, args.eval_dir, fractions, params=ModelParams(), progress=print)
    print(render_curve(points))
    return 0


def run_audit(args: argparse.Namespace) -> int:
    if args.folds < 2:
        raise UsageError("--folds: the audit needs 2 or more folds")
    corpus = _load_corpus(args)
    with tqdm(
        total=args.folds, desc="audit", unit="fold", file=sys.stdout, disable=args.quiet
    ) as bar:

        def fold_done(job: FitJob) -> None:
            bar.update()

        suspects = label_suspects(
            corpus,
            ModelParams(),
            folds=args.folds,
            seed=args.seed,
            n_jobs=args.jobs,
            on_done=fold_done,
        )
    print(render_suspects(suspects, corpus.labels, args.show))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        rows = (json.dumps(s.as_json(), ensure_ascii=False) for s in suspects)
        args.out.write_text("".join(f"{row}\n" for row in rows), encoding="utf-8")
        print(f"written: {args.out}")
    return 0


COMMANDS = {
    "fit": run_fit,
    "evaluate": run_evaluate,
    "curve": run_curve,
    "audit": run_audit,
    "stats": run_stats,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return quiet_on_closed_pipe(lambda: _run(args))


def _run(args: argparse.Namespace) -> int:
    try:
        return COMMANDS[args.command](args)
    except (BundleError, CorpusError, LabelMapError, UsageError) as err:
        print(f"framing-train: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
