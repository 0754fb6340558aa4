import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Document(_message.Message):
    __slots__ = ("id", "text")
    ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    id: str
    text: str
    def __init__(self, id: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class ClassifyOptions(_message.Message):
    __slots__ = ("evidence_terms",)
    EVIDENCE_TERMS_FIELD_NUMBER: _ClassVar[int]
    evidence_terms: int
    def __init__(self, evidence_terms: _Optional[int] = ...) -> None: ...

class ClassifyRequest(_message.Message):
    __slots__ = ("documents", "options")
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    documents: _containers.RepeatedCompositeFieldContainer[Document]
    options: ClassifyOptions
    def __init__(self, documents: _Optional[_Iterable[_Union[Document, _Mapping]]] = ..., options: _Optional[_Union[ClassifyOptions, _Mapping]] = ...) -> None: ...

class ClassifyResponse(_message.Message):
    __slots__ = ("results", "model_version")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[DocumentResult]
    model_version: str
    def __init__(self, results: _Optional[_Iterable[_Union[DocumentResult, _Mapping]]] = ..., model_version: _Optional[str] = ...) -> None: ...

class DocumentResult(_message.Message):
    __slots__ = ("id", "frames", "present_labels")
    ID_FIELD_NUMBER: _ClassVar[int]
    FRAMES_FIELD_NUMBER: _ClassVar[int]
    PRESENT_LABELS_FIELD_NUMBER: _ClassVar[int]
    id: str
    frames: _containers.RepeatedCompositeFieldContainer[FrameScore]
    present_labels: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[str] = ..., frames: _Optional[_Iterable[_Union[FrameScore, _Mapping]]] = ..., present_labels: _Optional[_Iterable[str]] = ...) -> None: ...

class FrameScore(_message.Message):
    __slots__ = ("label", "score", "present", "evidence", "threshold")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    PRESENT_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    label: str
    score: float
    present: bool
    evidence: _containers.RepeatedCompositeFieldContainer[Evidence]
    threshold: float
    def __init__(self, label: _Optional[str] = ..., score: _Optional[float] = ..., present: _Optional[bool] = ..., evidence: _Optional[_Iterable[_Union[Evidence, _Mapping]]] = ..., threshold: _Optional[float] = ...) -> None: ...

class Evidence(_message.Message):
    __slots__ = ("term", "weight", "spans")
    TERM_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    SPANS_FIELD_NUMBER: _ClassVar[int]
    term: str
    weight: float
    spans: _containers.RepeatedCompositeFieldContainer[Span]
    def __init__(self, term: _Optional[str] = ..., weight: _Optional[float] = ..., spans: _Optional[_Iterable[_Union[Span, _Mapping]]] = ...) -> None: ...

class Span(_message.Message):
    __slots__ = ("start", "end")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    start: int
    end: int
    def __init__(self, start: _Optional[int] = ..., end: _Optional[int] = ...) -> None: ...

class GetModelInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetModelInfoResponse(_message.Message):
    __slots__ = ("version", "sha256", "labels", "trained_at", "corpus_size", "corpus_sha256", "heldout", "library_versions")
    class LibraryVersionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    VERSION_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    TRAINED_AT_FIELD_NUMBER: _ClassVar[int]
    CORPUS_SIZE_FIELD_NUMBER: _ClassVar[int]
    CORPUS_SHA256_FIELD_NUMBER: _ClassVar[int]
    HELDOUT_FIELD_NUMBER: _ClassVar[int]
    LIBRARY_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    version: str
    sha256: str
    labels: _containers.RepeatedCompositeFieldContainer[LabelInfo]
    trained_at: _timestamp_pb2.Timestamp
    corpus_size: int
    corpus_sha256: str
    heldout: AggregateMetrics
    library_versions: _containers.ScalarMap[str, str]
    def __init__(self, version: _Optional[str] = ..., sha256: _Optional[str] = ..., labels: _Optional[_Iterable[_Union[LabelInfo, _Mapping]]] = ..., trained_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., corpus_size: _Optional[int] = ..., corpus_sha256: _Optional[str] = ..., heldout: _Optional[_Union[AggregateMetrics, _Mapping]] = ..., library_versions: _Optional[_Mapping[str, str]] = ...) -> None: ...

class LabelInfo(_message.Message):
    __slots__ = ("label", "threshold", "precision", "recall", "f1", "support")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    PRECISION_FIELD_NUMBER: _ClassVar[int]
    RECALL_FIELD_NUMBER: _ClassVar[int]
    F1_FIELD_NUMBER: _ClassVar[int]
    SUPPORT_FIELD_NUMBER: _ClassVar[int]
    label: str
    threshold: float
    precision: float
    recall: float
    f1: float
    support: int
    def __init__(self, label: _Optional[str] = ..., threshold: _Optional[float] = ..., precision: _Optional[float] = ..., recall: _Optional[float] = ..., f1: _Optional[float] = ..., support: _Optional[int] = ...) -> None: ...

class AggregateMetrics(_message.Message):
    __slots__ = ("micro_f1", "macro_f1", "documents")
    MICRO_F1_FIELD_NUMBER: _ClassVar[int]
    MACRO_F1_FIELD_NUMBER: _ClassVar[int]
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    micro_f1: float
    macro_f1: float
    documents: int
    def __init__(self, micro_f1: _Optional[float] = ..., macro_f1: _Optional[float] = ..., documents: _Optional[int] = ...) -> None: ...
