"""The transport-free core: validation rules and the metrics it records."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

from service.classifier import Classifier, Limits
from service.errors import InvalidInputError
from service.metrics import Metrics
from service.model import FrameModel


@pytest.fixture
def classifier(tiny_model: FrameModel) -> Classifier:
    return Classifier(tiny_model, Metrics(CollectorRegistry()), Limits(3, 50, 2, 4))


def violations(error: InvalidInputError) -> list[str]:
    return [v.field for v in error.violations]


def test_every_bad_document_is_named(classifier: Classifier) -> None:
    """All bad documents of a request are reported at once, by index."""
    with pytest.raises(InvalidInputError) as err:
        classifier.classify(["fine", "", "y" * 51])
    assert violations(err.value) == ["documents[1].text", "documents[2].text"]
    assert "51 code points; the limit is 50" in err.value.violations[1].description


def test_length_limit_counts_code_points(classifier: Classifier) -> None:
    """50 emoji are 50 code points (200 bytes) and pass a 50-character limit."""
    assert len(classifier.classify(["🙂" * 50]).predictions) == 1


def test_request_size_bounds(classifier: Classifier) -> None:
    """Zero documents and too many documents are both refused."""
    for texts in ([], ["a"] * 4):
        with pytest.raises(InvalidInputError) as err:
            classifier.classify(texts)
        assert violations(err.value) == ["documents"]


def test_default_and_explicit_evidence(classifier: Classifier) -> None:
    """No evidence option uses the default; the maximum is enforced."""
    result = classifier.classify(["Troops and foreign agents, colour revolution."])
    assert max(len(e) for e in result.predictions[0].evidence) <= 2
    with pytest.raises(InvalidInputError):
        classifier.classify(["text"], evidence_terms=5)


def test_metrics_record_documents_and_positives(tiny_model: FrameModel) -> None:
    """Each classified document is counted once, and positives per label match predictions."""
    metrics = Metrics(CollectorRegistry())
    core = Classifier(tiny_model, metrics, Limits())
    result = core.classify(["Troops were deployed.", "Rain tomorrow.", "Foreign agents!"])
    registry = metrics.registry
    assert registry.get_sample_value("framing_documents_total") == 3
    for j, label in enumerate(tiny_model.labels):
        positives = sum(p.present[j] for p in result.predictions)
        counted = registry.get_sample_value("framing_predictions_total", {"label": label})
        assert counted == positives
