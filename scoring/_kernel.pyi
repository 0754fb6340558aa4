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

def char_wb_ngrams(text: str, nmin: int, nmax: int) -> list[str]: ...
def word_ngrams(text: str, nmin: int, nmax: int) -> list[str]: ...
