# Type stub of the Cython kernel (scoring/_kernel.pyx).
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

class Vocabulary:
    size: int
    def __init__(self, codes: NDArray[np.uint32], offsets: NDArray[np.int64]) -> None: ...

def tfidf_row(
    text: str,
    vocab: Vocabulary,
    char_wb: bool,
    nmin: int,
    nmax: int,
    rows: NDArray[np.float64],
    tf_table: NDArray[np.float32],
    l2: bool,
    decision: NDArray[np.float64],
) -> tuple[NDArray[np.int32], NDArray[np.float32]]: ...
def huge_page_array(shape: int | tuple[int, ...], dtype: type) -> NDArray[Any]: ...

class CueMatcher:
    n_groups: int
    def __init__(self, groups: Sequence[Sequence[tuple[str, int]]]) -> None: ...
    def hits(self, text: str) -> list[int]: ...

def word_count(text: str) -> int: ...
def char_wb_ngrams(text: str, nmin: int, nmax: int) -> list[str]: ...
def word_ngrams(text: str, nmin: int, nmax: int) -> list[str]: ...

class TermTable:
    size: int
    def __init__(self) -> None: ...
    def document_frequencies(self) -> NDArray[np.int64]: ...
    def total_counts(self) -> NDArray[np.int64]: ...
    def terms(self, ids: NDArray[np.int64]) -> list[str]: ...

CsrArrays = tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.int32]]

def count_matrix(
    texts: Sequence[str],
    lowercase: bool,
    char_wb: bool,
    nmin: int,
    nmax: int,
    vocab: Vocabulary | None = None,
    grow: TermTable | None = None,
) -> CsrArrays: ...
def keep_columns(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    counts: NDArray[np.int32],
    column_of: NDArray[np.int32],
) -> CsrArrays: ...
