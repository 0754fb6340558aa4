"""The model bundle: one directory with the model files and a manifest that vouches for them.

Training writes bundles and the service reads them; this module is the only place that
knows the layout:

- `model.joblib`: the fitted scikit-learn pipeline, for analysts and evaluation. joblib
  files are pickles, so it is unpickled only after its sha256 matches the manifest and its
  library versions match the running ones.
- `scorer.npz`: the same model compiled to plain arrays (scoring/scorer.py), no pickle.
  The service loads only this file, once its sha256 matches the manifest.
- `manifest.json`, then the reports.

scikit-learn and joblib are imported only by the functions that need them, so the service
starts without them.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scoring.scorer import CompiledScorer, compile_pipeline

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

FORMAT_VERSION = 4
MODEL_FILE = "model.joblib"
SCORER_FILE = "scorer.npz"
MANIFEST_FILE = "manifest.json"


class BundleError(RuntimeError):
    """A bundle that is missing, unreadable, tampered with or built for other libraries."""


@dataclass(frozen=True)
class Manifest:
    """What a bundle holds and how it was made; written as manifest.json."""

    version: str
    created_at: str
    labels: list[str]
    thresholds: list[float]
    sha256: str
    """Of model.joblib; the version ends with its first 12 hex digits."""
    scorer_sha256: str
    library_versions: dict[str, str]
    corpus: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class Bundle:
    """A verified manifest and the pipeline it describes."""

    manifest: Manifest
    pipeline: Pipeline
    path: Path


@dataclass(frozen=True)
class ScorerBundle:
    """A verified manifest and the compiled scorer it describes: what the service serves."""

    manifest: Manifest
    scorer: CompiledScorer
    path: Path


def library_versions() -> dict[str, str]:
    """Versions of everything whose change can alter what an unpickled pipeline computes."""
    import joblib  # noqa: PLC0415 (kept off the service's start-up path)
    import numpy  # noqa: PLC0415
    import scipy  # noqa: PLC0415
    import sklearn  # noqa: PLC0415

    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "joblib": joblib.__version__,
    }


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_bundle(
    out_dir: Path,
    pipeline: Pipeline,
    manifest_fields: dict[str, Any],
    extra_files: Callable[[Manifest], dict[str, str]] | None = None,
) -> Manifest:
    """Write a complete bundle to `out_dir`, replacing any bundle there only once all is written.

    `extra_files` renders further files (reports) from the final manifest, whose version
    depends on the model file's hash and so exists only once the model is written.
    """
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = out_dir.parent / f".{out_dir.name}.staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        import joblib  # noqa: PLC0415

        joblib.dump(pipeline, staging / MODEL_FILE, compress=3)
        compile_pipeline(pipeline).save(staging / SCORER_FILE)
        sha = file_sha256(staging / MODEL_FILE)
        version = f"{manifest_fields['created_at'][:10].replace('-', '')}-{sha[:12]}"
        manifest = Manifest(
            version=version,
            sha256=sha,
            scorer_sha256=file_sha256(staging / SCORER_FILE),
            library_versions=library_versions(),
            **manifest_fields,
        )
        (staging / MANIFEST_FILE).write_text(manifest.to_json(), encoding="utf-8")
        for name, text in (extra_files(manifest) if extra_files else {}).items():
            (staging / name).write_text(text, encoding="utf-8")
        _replace_dir(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def _replace_dir(new: Path, target: Path) -> None:
    # Two renames on one filesystem: a reader sees the old bundle or the new one, never half.
    retired = target.parent / f".{target.name}.retired-{os.getpid()}"
    if target.exists():
        target.rename(retired)
    new.rename(target)
    shutil.rmtree(retired, ignore_errors=True)


def read_manifest(bundle_dir: Path) -> Manifest:
    path = bundle_dir / MANIFEST_FILE
    if not path.is_file():
        raise BundleError(
            f"no model bundle at {bundle_dir} ({MANIFEST_FILE} not found): "
            "train one with `make train` (or `framing-train fit --out DIR`) "
            "or point --model / FRAMING_MODEL_DIR at an existing bundle"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise BundleError(f"{path}: unreadable manifest: {err}") from None
    if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
        found = data.get("format_version") if isinstance(data, dict) else None
        raise BundleError(
            f"{path}: bundle format {found}, this build reads {FORMAT_VERSION}: retrain it "
            "with this version (`framing-train fit CORPUS --out DIR`)"
        )
    try:
        manifest = Manifest(**data)
    except TypeError as err:
        raise BundleError(f"{path}: unreadable manifest: {err}") from None
    return manifest


def check_versions(manifest: Manifest, bundle_dir: Path) -> None:
    """Refuse a bundle pickled under other library versions rather than risk silent mis-scoring."""
    running = library_versions()
    # scikit-learn must match exactly (its pickles are only supported within one version);
    # for the rest, a patch release never changes the stored arrays' meaning.
    exact = {"scikit-learn"}
    for name, wanted in manifest.library_versions.items():
        have = running.get(name)
        if have is None:
            continue
        if have != wanted if name in exact else _minor(have) != _minor(wanted):
            raise BundleError(
                f"bundle {bundle_dir} was trained with {name} {wanted} but {name} {have} is "
                f"installed: retrain it with the installed libraries (`make train`) or install "
                f"{name}=={wanted}"
            )


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def _verify(path: Path, expected: str) -> None:
    try:
        actual = file_sha256(path)
    except OSError as err:
        raise BundleError(f"{path}: cannot read model file: {err.strerror}") from None
    if actual != expected:
        raise BundleError(
            f"{path}: sha256 {actual[:16]}… does not match the manifest's "
            f"{expected[:16]}…; the file was modified or corrupted, refusing to load it"
        )


def load_bundle(bundle_dir: Path) -> Bundle:
    """Verify, then unpickle the pipeline. Raises BundleError with the path and the fix."""
    import joblib  # noqa: PLC0415
    from sklearn.pipeline import Pipeline  # noqa: PLC0415

    manifest = read_manifest(bundle_dir)
    model_path = bundle_dir / MODEL_FILE
    _verify(model_path, manifest.sha256)
    check_versions(manifest, bundle_dir)
    pipeline = joblib.load(model_path)
    if not isinstance(pipeline, Pipeline):
        raise BundleError(f"{model_path}: holds a {type(pipeline).__name__}, not a Pipeline")
    return Bundle(manifest, pipeline, bundle_dir)


def load_scorer_bundle(bundle_dir: Path) -> ScorerBundle:
    """Verify, then read the compiled scorer (no pickle, no scikit-learn)."""
    manifest = read_manifest(bundle_dir)
    scorer_path = bundle_dir / SCORER_FILE
    _verify(scorer_path, manifest.scorer_sha256)
    try:
        scorer = CompiledScorer.load(scorer_path)
    except (OSError, ValueError, KeyError) as err:
        raise BundleError(f"{scorer_path}: unusable compiled scorer: {err}") from None
    if scorer.n_labels != len(manifest.labels):
        raise BundleError(
            f"{scorer_path}: scores {scorer.n_labels} labels, the manifest names "
            f"{len(manifest.labels)}"
        )
    return ScorerBundle(manifest, scorer, bundle_dir)
