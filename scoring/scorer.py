"""The compiled scorer: what a fitted pipeline computes, as plain arrays and one fast path.

A fitted pipeline (TF-IDF views, optional cue counts, one linear model per label with a
sigmoid) is, per label, a sigmoid of a linear function of the TF-IDF values. `compile_pipeline`
takes out the vocabularies, idf vectors, stacked coefficients and sigmoid parameters;
`CompiledScorer` scores with them through the Cython kernel (`scoring/_kernel.pyx`), with
none of scikit-learn's per-call validation and wrappers. It computes the same float32 TF-IDF
values as scikit-learn, so scores equal `Pipeline.predict_proba` (tests check 1e-6).

The arrays are saved with numpy's `.npz` (no pickle): loading them cannot run code.
This module owns that file format; scikit-learn is never imported here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scoring._kernel import Vocabulary, huge_page_array, tfidf_row
from scoring.cues import CUE_FEATURE_PREFIX, WORD_TOKEN_PATTERN, CuePatterns, length_factor
from scoring.names import mask_names

FORMAT = "framing-scorer/4"
READABLE_FORMATS = (FORMAT, "framing-scorer/3")
"""Format 4 added cue look-alikes (scoring.cues.LOOK_ALIKE_MARK); a format-3 file has none,
so it scores as it did."""
CHAR_FEATURE_MARK = "~"
"""Prefix of terms from a character view, so clients can tell them from words."""

_TF_TABLE_SIZE = 1 << 12

Row = tuple[NDArray[np.int32], NDArray[np.float32]]
"""A text's TF-IDF row in one view: feature indices and values."""


class UnsupportedPipelineError(ValueError):
    """The pipeline uses an option the compiled scorer does not reproduce exactly."""


def _tf_table(sublinear: bool) -> NDArray[np.float32]:
    # The very numpy float32 operations TfidfTransformer applies to its counts.
    table = np.arange(_TF_TABLE_SIZE, dtype=np.float32)
    if sublinear:
        with np.errstate(divide="ignore"):
            np.log(table, table)
        table += 1.0
    return table


@dataclass
class TextView:
    """One TF-IDF vectoriser: its analyzer settings, vocabulary, idf and label weights."""

    name: str
    char_wb: bool
    ngram_range: tuple[int, int]
    lowercase: bool
    sublinear_tf: bool
    l2: bool
    codes: NDArray[np.uint32]
    offsets: NDArray[np.int64]
    idf: NDArray[np.float32]
    weights: NDArray[np.float64]
    names: tuple[str, ...] = ()
    """Proper names dropped from texts before this view reads them (scoring/names.py)."""

    def __post_init__(self) -> None:
        self.vocabulary = Vocabulary(self.codes, self.offsets)
        self._names = frozenset(self.names)
        self._tf = _tf_table(self.sublinear_tf)
        # One row per feature, [idf, weight per label]: the kernel reads one cache line.
        n, n_labels = self.weights.shape
        self._rows = huge_page_array((n, 1 + n_labels), np.float64)
        self._rows[:, 0] = self.idf if len(self.idf) else 1.0
        self._rows[:, 1:] = self.weights
        self.weights = self._rows[:, 1:]  # a view: the weights are kept once

    def row(self, text: str, decision: NDArray[np.float64]) -> Row:
        """The text's TF-IDF row; adds its contribution to `decision` (one value per label)."""
        text = mask_names(text, self._names)
        indices, values = tfidf_row(
            text.lower() if self.lowercase else text,
            self.vocabulary,
            self.char_wb,
            self.ngram_range[0],
            self.ngram_range[1],
            self._rows,
            self._tf,
            self.l2,
            decision,
        )
        return indices, values

    def term(self, index: int) -> str:
        start, end = int(self.offsets[index]), int(self.offsets[index + 1])
        term = self.codes[start:end].tobytes().decode("utf-32-le")
        return CHAR_FEATURE_MARK + term.strip() if self.char_wb else term

    def meta(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "char_wb": self.char_wb,
            "ngram_range": list(self.ngram_range),
            "lowercase": self.lowercase,
            "sublinear_tf": self.sublinear_tf,
            "l2": self.l2,
            "names": list(self.names),
        }


@dataclass
class CueView:
    """Cue-lexicon counts: scale * log(1 + hits * length factor) per group."""

    groups: dict[str, tuple[str, ...]]
    scale: float
    reference_words: float | None
    """Texts longer than this many words have their hits scaled down to it; None: no scaling."""
    weights: NDArray[np.float64]

    def __post_init__(self) -> None:
        self.patterns = CuePatterns(self.groups)

    def values(self, text: str) -> NDArray[np.float64]:
        hits = np.asarray(self.patterns.hits(text), dtype=np.float32)
        hits *= np.float32(length_factor(text, self.reference_words))
        # As CueCounts computes them: float32 product and log1p, then the (float64) scale.
        return np.asarray(self.scale * np.log1p(hits), dtype=np.float64)


@dataclass(frozen=True)
class Features:
    """A text's feature values (its TF-IDF row in each view, its cue values) and the
    linear decision value of each label they give."""

    rows: list[Row]
    cues: NDArray[np.float64]
    decision: NDArray[np.float64]


@dataclass(frozen=True)
class Explained:
    """A text's contributions to one label's log-odds, feature by feature.

    Contributions run view by view (each view's row order), then the cue groups; display
    terms are decoded only for the few contributions a caller asks about.
    """

    contributions: NDArray[np.float64]
    rows: list[Row]
    views: tuple[TextView, ...]
    cue_names: tuple[str, ...]

    def term(self, k: int) -> str:
        """Display term of contribution `k`: a word n-gram, '~' + characters, or 'cue:group'."""
        for view, (indices, _) in zip(self.views, self.rows, strict=True):
            if k < len(indices):
                return view.term(int(indices[k]))
            k -= len(indices)
        return CUE_FEATURE_PREFIX + self.cue_names[k]


class CompiledScorer:
    """Scores texts as the compiled pipeline would: p = expit(-(a * (x @ w + c) + b)) per label."""

    def __init__(
        self,
        views: Sequence[TextView],
        cues: CueView | None,
        intercepts: NDArray[np.float64],
        slopes: NDArray[np.float64],
        offsets: NDArray[np.float64],
    ) -> None:
        self.views = tuple(views)
        self.cues = cues
        self.intercepts = intercepts
        self.slopes = slopes
        self.offsets = offsets

    @property
    def n_labels(self) -> int:
        return len(self.intercepts)

    def features(self, text: str) -> Features:
        decision = self.intercepts.copy()
        rows = [view.row(text, decision) for view in self.views]
        cues = np.zeros(0)
        if self.cues is not None:
            cues = self.cues.values(text)
            decision += cues @ self.cues.weights
        return Features(rows, cues, decision)

    def probabilities(self, decision: NDArray[np.float64]) -> NDArray[np.float64]:
        # The sigmoid calibration's formula; a plain logistic model has a = -1, b = 0.
        z = -(self.slopes * decision + self.offsets)
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)

    def scores(self, texts: Sequence[str]) -> NDArray[np.float64]:
        """Probabilities, shape (texts, labels)."""
        out = np.empty((len(texts), self.n_labels), dtype=np.float64)
        for i, text in enumerate(texts):
            out[i] = self.probabilities(self.features(text).decision)
        return out

    def explain(self, features: Features, label: int) -> Explained:
        """Every feature's contribution to `label`'s decision value."""
        parts = [
            values.astype(np.float64) * view.weights[indices, label]
            for view, (indices, values) in zip(self.views, features.rows, strict=True)
        ]
        cue_names: tuple[str, ...] = ()
        if self.cues is not None:
            parts.append(features.cues * self.cues.weights[:, label])
            cue_names = tuple(self.cues.groups)
        contributions = np.concatenate(parts) if parts else np.zeros(0)
        return Explained(contributions, features.rows, self.views, cue_names)

    def save(self, path: Path) -> None:
        meta = {
            "format": FORMAT,
            "views": [view.meta() for view in self.views],
            "cues": None
            if self.cues is None
            else {
                "scale": self.cues.scale,
                "reference_words": self.cues.reference_words,
                "groups": {k: list(v) for k, v in self.cues.groups.items()},
            },
        }
        arrays: dict[str, NDArray[Any]] = {
            "meta": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
            "intercepts": self.intercepts,
            "slopes": self.slopes,
            "offsets": self.offsets,
        }
        for i, view in enumerate(self.views):
            arrays |= {
                f"view{i}_codes": view.codes,
                f"view{i}_offsets": view.offsets,
                f"view{i}_idf": view.idf,
                f"view{i}_weights": np.ascontiguousarray(view.weights),
            }
        if self.cues is not None:
            arrays["cue_weights"] = self.cues.weights
        with path.open("wb") as handle:
            np.savez(handle, allow_pickle=False, **arrays)

    @classmethod
    def load(cls, path: Path) -> CompiledScorer:
        """Read a saved scorer. Raises ValueError (or OSError) for a file it cannot use."""
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        meta = json.loads(arrays["meta"].tobytes())
        if meta.get("format") not in READABLE_FORMATS:
            raise ValueError(
                f"scorer format {meta.get('format')!r}, this build reads {READABLE_FORMATS}"
            )
        views = [
            TextView(
                name=v["name"],
                char_wb=v["char_wb"],
                ngram_range=(v["ngram_range"][0], v["ngram_range"][1]),
                lowercase=v["lowercase"],
                sublinear_tf=v["sublinear_tf"],
                l2=v["l2"],
                codes=arrays[f"view{i}_codes"],
                offsets=arrays[f"view{i}_offsets"],
                idf=arrays[f"view{i}_idf"],
                weights=arrays[f"view{i}_weights"],
                names=tuple(v["names"]),
            )
            for i, v in enumerate(meta["views"])
        ]
        cues = None
        if meta["cues"] is not None:
            groups = {k: tuple(v) for k, v in meta["cues"]["groups"].items()}
            scale, reference = float(meta["cues"]["scale"]), meta["cues"]["reference_words"]
            cues = CueView(groups, scale, reference, arrays["cue_weights"])
        return cls(views, cues, arrays["intercepts"], arrays["slopes"], arrays["offsets"])


def compile_pipeline(pipeline: Any) -> CompiledScorer:
    """Extract a CompiledScorer from a fitted scikit-learn pipeline, or explain why it cannot.

    Supported: first step a TfidfVectorizer or a FeatureUnion of TfidfVectorizers (analyzer
    'word' with the default token pattern, or 'char_wb'; float32; each alone or after a name
    mask) and cue counts; last step a OneVsRestClassifier of linear models, either
    sigmoid-calibrated (ensemble=False) or logistic regressions.
    """
    features, classifier = pipeline.steps[0][1], pipeline.steps[-1][1]
    if len(pipeline.steps) != 2:
        raise UnsupportedPipelineError("expected two steps: features, then the classifier")
    coefficients, intercepts, slopes, offsets = _linear_parts(classifier)
    parts = (
        list(features.transformer_list)
        if hasattr(features, "transformer_list")
        else [("tfidf", features)]
    )
    if getattr(features, "transformer_weights", None):
        raise UnsupportedPipelineError("FeatureUnion transformer_weights are not supported")
    views: list[TextView] = []
    cues: CueView | None = None
    start = 0
    for name, part in parts:
        if hasattr(part, "groups_"):
            width = len(part.groups_)
            weights = coefficients[start : start + width]
            groups = {k: tuple(v) for k, v in part.groups_}
            cues = CueView(groups, float(part.scale), part.reference_words_, weights)
        else:
            view = _text_view(name, part, coefficients, start)
            views.append(view)
            width = len(view.offsets) - 1
        start += width
    if start != coefficients.shape[0]:
        raise UnsupportedPipelineError(
            f"features give {start} columns but the classifier has {coefficients.shape[0]}"
        )
    return CompiledScorer(views, cues, intercepts, slopes, offsets)


def _text_view(name: str, part: Any, coefficients: NDArray[np.float64], start: int) -> TextView:
    names: tuple[str, ...] = ()
    vectorizer = part
    if hasattr(part, "steps"):  # a name mask, then the vectorizer
        if len(part.steps) != 2 or not hasattr(part.steps[0][1], "names_"):
            raise UnsupportedPipelineError(f"view {name!r}: expected a name mask, then TF-IDF")
        names, vectorizer = tuple(part.steps[0][1].names_), part.steps[1][1]
    params = vectorizer.get_params()
    problems = [
        f"{key}={params.get(key)!r}"
        for key, allowed in _SUPPORTED.items()
        if params.get(key) not in allowed
    ]
    if params.get("analyzer") == "word" and params.get("token_pattern") != WORD_TOKEN_PATTERN:
        problems.append(f"token_pattern={params.get('token_pattern')!r}")
    if np.dtype(params.get("dtype")) != np.float32:
        problems.append(f"dtype={params.get('dtype')!r} (float32 is reproduced exactly)")
    if problems:
        raise UnsupportedPipelineError(f"view {name!r}: unsupported " + ", ".join(problems))
    codes, offsets = vocabulary_arrays(vectorizer.vocabulary_)
    n = len(offsets) - 1
    idf = (
        np.asarray(vectorizer.idf_, dtype=np.float32)
        if params["use_idf"]
        else np.zeros(0, dtype=np.float32)
    )
    return TextView(
        name=name,
        char_wb=params["analyzer"] == "char_wb",
        ngram_range=(int(params["ngram_range"][0]), int(params["ngram_range"][1])),
        lowercase=bool(params["lowercase"]),
        sublinear_tf=bool(params["sublinear_tf"]),
        l2=params["norm"] == "l2",
        codes=codes,
        offsets=offsets,
        idf=idf,
        weights=np.ascontiguousarray(coefficients[start : start + n]),
        names=names,
    )


_SUPPORTED: Mapping[str, tuple[Any, ...]] = {
    "analyzer": ("word", "char_wb"),
    "input": ("content",),
    "preprocessor": (None,),
    "tokenizer": (None,),
    "stop_words": (None,),
    "strip_accents": (None,),
    "binary": (False,),
    "norm": ("l2", None),
}


def vocabulary_arrays(
    vocabulary: Mapping[str, int],
) -> tuple[NDArray[np.uint32], NDArray[np.int64]]:
    terms = [""] * len(vocabulary)
    for term, index in vocabulary.items():
        terms[index] = term
    codes = np.frombuffer("".join(terms).encode("utf-32-le"), dtype=np.uint32).copy()
    offsets = np.zeros(len(terms) + 1, dtype=np.int64)
    np.cumsum([len(t) for t in terms], out=offsets[1:])
    return codes, offsets


def _is_logistic(estimator: Any) -> bool:
    """A linear model whose probability is expit(decision)."""
    name = type(estimator).__name__
    return name == "LogisticRegression" or (
        name == "SGDClassifier" and getattr(estimator, "loss", None) == "log_loss"
    )


def _linear_parts(
    classifier: Any,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Stack each label's coefficients, intercept and sigmoid (a, b): p = expit(-(a f + b))."""
    estimators = getattr(classifier, "estimators_", None)
    if estimators is None:
        raise UnsupportedPipelineError("the classifier must be a fitted OneVsRestClassifier")
    columns, intercepts, slopes, offsets = [], [], [], []
    for estimator in estimators:
        if hasattr(estimator, "calibrated_classifiers_"):
            calibrated = estimator.calibrated_classifiers_
            if len(calibrated) != 1 or estimator.method != "sigmoid":
                raise UnsupportedPipelineError(
                    "calibration must be sigmoid with one calibrated model (ensemble=False)"
                )
            linear, calibrator = calibrated[0].estimator, calibrated[0].calibrators[0]
            slope, offset = float(calibrator.a_), float(calibrator.b_)
        elif _is_logistic(estimator):
            linear, slope, offset = estimator, -1.0, 0.0
        else:
            raise UnsupportedPipelineError(
                f"{type(estimator).__name__}: expected a calibrated linear model or a "
                "logistic model (LogisticRegression, SGDClassifier(loss='log_loss')) per label"
            )
        coef = np.asarray(linear.coef_, dtype=np.float64)
        if coef.shape[0] != 1:
            raise UnsupportedPipelineError("each label's model must be binary")
        columns.append(coef.ravel())
        intercepts.append(float(np.ravel(linear.intercept_)[0]))
        slopes.append(slope)
        offsets.append(offset)
    return (
        np.column_stack(columns),
        np.asarray(intercepts),
        np.asarray(slopes),
        np.asarray(offsets),
    )
