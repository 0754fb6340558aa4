"""FramingService over a real channel: results, order, options, streaming, info and errors."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from framing.v1 import framing_service_pb2 as pb
from service.grpc.status import INTERNAL_MESSAGE
from tests.conftest import LiveServer

FRAMED = "Troops restored order after foreign-funded NGOs staged a colour revolution."
PLAIN = "Heavy rain is expected across the north on Friday."


def request(*texts: str, evidence: int | None = None) -> pb.ClassifyRequest:
    options = pb.ClassifyOptions()
    if evidence is not None:
        options.evidence_terms = evidence
    return pb.ClassifyRequest(
        documents=[pb.Document(id=f"d{i}", text=t) for i, t in enumerate(texts)],
        options=options,
    )


def bad_request_fields(err: grpc.RpcError) -> list[str]:
    status = rpc_status.from_call(err)
    assert status is not None
    fields = []
    for detail in status.details:
        violations = error_details_pb2.BadRequest()
        assert detail.Unpack(violations)
        fields += [v.field for v in violations.field_violations]
    return fields


def test_classify_one_returns_every_label_with_probability(live: LiveServer) -> None:
    """One document gets a calibrated score and a decision for each of the model's labels."""
    response = live.stub.Classify(request(FRAMED))
    assert response.model_version == live.classifier.model.version
    (result,) = response.results
    assert result.id == "d0"
    assert [f.label for f in result.frames] == ["security", "sovereignty", "colour_revolution"]
    for frame in result.frames:
        assert 0.0 <= frame.score <= 1.0
        assert frame.present == (frame.score >= frame.threshold)
    assert list(result.present_labels) == [f.label for f in result.frames if f.present]


def test_classify_many_keeps_request_order(live: LiveServer) -> None:
    """Results come back in request order with their ids, matching one-by-one scores."""
    texts = [FRAMED, PLAIN, "Le gouvernement défend la souveraineté nationale.", PLAIN + " !"]
    batch = live.stub.Classify(request(*texts))
    assert [r.id for r in batch.results] == ["d0", "d1", "d2", "d3"]
    for text, result in zip(texts, batch.results, strict=True):
        single = live.stub.Classify(request(text)).results[0]
        assert [f.score for f in single.frames] == pytest.approx([f.score for f in result.frames])


def test_evidence_spans_point_at_the_term(live: LiveServer) -> None:
    """Evidence terms come with code-point spans that cover the term in the text."""
    text = "Déclaration : des forces extérieures soutiennent la révolution de couleur."
    result = live.stub.Classify(request(text, evidence=5)).results[0]
    evidence = [e for f in result.frames for e in f.evidence]
    words = [e for e in evidence if not e.term.startswith(("~", "cue:"))]
    assert words, "expected word evidence"
    for term in evidence:
        assert term.weight > 0
        assert term.spans, term.term
    for word in words:
        for span in word.spans:
            assert text[span.start : span.end].lower() == word.term


def test_evidence_terms_zero_returns_none(live: LiveServer) -> None:
    """evidence_terms = 0 turns evidence off; unset gives the server's default."""
    off = live.stub.Classify(request(FRAMED, evidence=0)).results[0]
    assert all(len(f.evidence) == 0 for f in off.frames)
    default = live.stub.Classify(request(FRAMED)).results[0]
    assert max(len(f.evidence) for f in default.frames) == live.settings.default_evidence_terms


def test_classify_stream_answers_each_request_in_order(live: LiveServer) -> None:
    """One response per streamed request, in order."""
    requests = [request(FRAMED), request(PLAIN, PLAIN), request(FRAMED, PLAIN, FRAMED)]
    responses = list(live.stub.ClassifyStream(iter(requests)))
    assert [len(r.results) for r in responses] == [1, 2, 3]


def test_classify_stream_rejects_bad_message(live: LiveServer) -> None:
    """A bad message ends the stream with INVALID_ARGUMENT after the good ones were answered."""
    responses = live.stub.ClassifyStream(iter([request(FRAMED), request("   ")]))
    assert len(next(responses).results) == 1
    with pytest.raises(grpc.RpcError) as err:
        next(responses)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_get_model_info_describes_bundle(live: LiveServer) -> None:
    """Model info carries labels, thresholds, provenance and held-out metrics."""
    info = live.stub.GetModelInfo(pb.GetModelInfoRequest())
    manifest = live.classifier.model.manifest
    assert info.version == manifest.version
    assert info.sha256 == manifest.sha256
    assert [x.label for x in info.labels] == manifest.labels
    assert [x.threshold for x in info.labels] == pytest.approx(manifest.thresholds)
    assert info.corpus_size == manifest.corpus["size"]
    assert info.heldout.documents == manifest.metrics["heldout"]["documents"]
    assert info.library_versions["scikit-learn"] == manifest.library_versions["scikit-learn"]
    assert info.trained_at.seconds > 0


@pytest.mark.parametrize(
    ("texts", "field"),
    [
        (["ok text", ""], "documents[1].text"),
        (["   \n\t "], "documents[0].text"),
        (["x" * 2001], "documents[0].text"),
        (["a b"] * 6, "documents"),
        ([], "documents"),
    ],
    ids=["empty", "whitespace", "too-long", "too-many", "none"],
)
def test_invalid_input_is_invalid_argument_naming_the_field(
    live: LiveServer, texts: list[str], field: str
) -> None:
    """Each input error is INVALID_ARGUMENT with a BadRequest violation naming the document."""
    with pytest.raises(grpc.RpcError) as err:
        live.stub.Classify(request(*texts))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in bad_request_fields(err.value)


def test_too_many_evidence_terms_is_invalid_argument(live: LiveServer) -> None:
    """Asking for more evidence than the server allows is refused, naming the option."""
    with pytest.raises(grpc.RpcError) as err:
        live.stub.Classify(request(FRAMED, evidence=live.settings.max_evidence_terms + 1))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_request_fields(err.value) == ["options.evidence_terms"]


def test_unexpected_error_is_internal_without_details(
    live: LiveServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug inside the model answers INTERNAL with a fixed message and logs the traceback."""

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internal state")

    monkeypatch.setattr(live.classifier.model, "predict", explode)
    with pytest.raises(grpc.RpcError) as err:
        live.stub.Classify(request(FRAMED))
    assert err.value.code() == grpc.StatusCode.INTERNAL
    assert err.value.details() == INTERNAL_MESSAGE
    assert "secret internal state" in caplog.text
