# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The compiled hot path: a text's n-grams looked up in a vocabulary, turned into TF-IDF values.

It reproduces scikit-learn's TfidfVectorizer.transform for one text, with the same
arithmetic (float32 values, the l2 norm summed in double), so scores match the pipeline's:

- word analyzer: tokens are maximal runs of word characters (Python's regex `\\w`: alnum or
  '_') of length >= 2, exactly what the default token pattern `(?u)\\b\\w\\w+\\b` finds;
  n-grams join tokens with one space.
- char_wb analyzer: each whitespace-separated word padded with one space on both sides,
  with scikit-learn's loop, including its early stop on words shorter than the n-gram.

The vocabulary is an open-addressing hash table over the terms' code points, built once when
a model is loaded; lookups compare the code points, so a hash collision can never match a
wrong term. Every function holds the GIL from start to end and calls no Python code while
it uses the shared scratch counters, so concurrent callers cannot interleave.
"""

from cpython.unicode cimport Py_UNICODE_ISALNUM, Py_UNICODE_ISSPACE
from libc.math cimport logf, sqrt
from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy

import numpy as np

cdef uint64_t FNV_OFFSET = 14695981039346656037ULL
cdef uint64_t FNV_PRIME = 1099511628211ULL


cdef inline uint64_t _hash(const Py_UCS4* buf, Py_ssize_t n) noexcept nogil:
    cdef uint64_t h = FNV_OFFSET
    cdef Py_ssize_t i
    for i in range(n):
        h = (h ^ <uint64_t>buf[i]) * FNV_PRIME
    # splitmix64's finaliser: FNV's low bits alone index the table poorly.
    h ^= h >> 30
    h *= 0xBF58476D1CE4E5B9ULL
    h ^= h >> 27
    h *= 0x94D049BB133111EBULL
    h ^= h >> 31
    return h


cdef class Vocabulary:
    """Terms (concatenated code points + offsets) -> feature index, with scratch counters.

    Each slot of the open-addressing table is three adjacent words (hash; feature + 1 and
    length; start of the term's code points), so a lookup reads one slot and, on a hash
    match, the term itself: two cache misses on a large vocabulary instead of four.
    """

    cdef const uint32_t[::1] codes
    cdef uint64_t[::1] slots
    cdef uint64_t mask
    cdef int32_t[::1] counts
    cdef readonly Py_ssize_t size

    def __init__(self, const uint32_t[::1] codes, const int64_t[::1] offsets):
        cdef Py_ssize_t n = offsets.shape[0] - 1
        cdef Py_ssize_t f
        cdef uint64_t table = 1
        self.codes = codes
        self.size = n
        # Load factor at most 2/3: short probe runs, and a smaller table than 1/2 would give.
        while 2 * table < <uint64_t>(3 * n + 3):
            table <<= 1
        self.mask = table - 1
        self.slots = np.zeros(3 * table, dtype=np.uint64)
        self.counts = np.zeros(n, dtype=np.int32)
        for f in range(n):
            self._insert(f, offsets[f], offsets[f + 1] - offsets[f])

    cdef int _insert(self, Py_ssize_t f, int64_t start, Py_ssize_t n) except -1:
        cdef const Py_UCS4* term = <const Py_UCS4*>&self.codes[0] if self.codes.shape[0] else NULL
        cdef uint64_t h, i
        if self.find(term + start, n) >= 0:
            raise ValueError(f"duplicate term at feature {f}")
        h = _hash(term + start, n)
        i = h & self.mask
        while self.slots[3 * i + 1] != 0:
            i = (i + 1) & self.mask
        self.slots[3 * i] = h
        self.slots[3 * i + 1] = (<uint64_t>(f + 1)) | ((<uint64_t>n) << 32)
        self.slots[3 * i + 2] = <uint64_t>start
        return 0

    cdef inline int32_t find(self, const Py_UCS4* buf, Py_ssize_t n) noexcept:
        cdef uint64_t h = _hash(buf, n)
        cdef uint64_t i = h & self.mask
        cdef uint64_t packed, start
        cdef Py_ssize_t k
        while True:
            packed = self.slots[3 * i + 1]
            if packed == 0:
                return -1
            if self.slots[3 * i] == h and (packed >> 32) == <uint64_t>n:
                start = self.slots[3 * i + 2]
                for k in range(n):
                    if self.codes[start + k] != buf[k]:
                        break
                else:
                    return <int32_t>(packed & 0xFFFFFFFFULL) - 1
            i = (i + 1) & self.mask


cdef struct Hits:
    int32_t* features  # distinct features, in order of first occurrence
    Py_ssize_t n
    Py_ssize_t cap


cdef int _add(Hits* hits, Vocabulary vocab, int32_t f) except -1:
    cdef int32_t* grown
    if f < 0:
        return 0
    if vocab.counts[f] == 0:
        if hits.n == hits.cap:
            hits.cap = hits.cap * 2 + 64
            grown = <int32_t*>realloc(hits.features, hits.cap * sizeof(int32_t))
            if grown == NULL:
                raise MemoryError()
            hits.features = grown
        hits.features[hits.n] = f
        hits.n += 1
    vocab.counts[f] += 1
    return 0


cdef int _word_ngrams(str text, Vocabulary vocab, int nmin, int nmax, Hits* hits) except -1:
    cdef Py_ssize_t length = len(text)
    cdef Py_ssize_t* starts = <Py_ssize_t*>malloc((length // 2 + 1) * sizeof(Py_ssize_t))
    cdef Py_ssize_t* ends = <Py_ssize_t*>malloc((length // 2 + 1) * sizeof(Py_ssize_t))
    cdef Py_UCS4* buf = <Py_UCS4*>malloc((length + 1) * sizeof(Py_UCS4))
    cdef Py_ssize_t i = 0, start, ntok = 0, t, k, m, pos
    cdef Py_UCS4 c
    cdef int n
    if starts == NULL or ends == NULL or buf == NULL:
        free(starts); free(ends); free(buf)
        raise MemoryError()
    try:
        # Tokens: maximal runs of word characters, at least two long.
        while i < length:
            c = text[i]
            if Py_UNICODE_ISALNUM(c) or c == u'_':
                start = i
                while i < length:
                    c = text[i]
                    if not (Py_UNICODE_ISALNUM(c) or c == u'_'):
                        break
                    buf[i] = c
                    i += 1
                if i - start >= 2:
                    starts[ntok] = start
                    ends[ntok] = i
                    ntok += 1
            else:
                buf[i] = c
                i += 1
        for n in range(nmin, nmax + 1):
            for t in range(ntok - n + 1):
                if n == 1:
                    _add(hits, vocab, vocab.find(buf + starts[t], ends[t] - starts[t]))
                    continue
                # Join n tokens with single spaces in a scratch area past the text.
                pos = 0
                for k in range(t, t + n):
                    if k > t:
                        pos += 1
                    pos += ends[k] - starts[k]
                _add(hits, vocab, _find_joined(vocab, buf, starts, ends, t, n, pos))
    finally:
        free(starts)
        free(ends)
        free(buf)
    return 0


cdef int32_t _find_joined(
    Vocabulary vocab, Py_UCS4* text, Py_ssize_t* starts, Py_ssize_t* ends,
    Py_ssize_t t, int n, Py_ssize_t total,
) except -2:
    cdef Py_UCS4 small[256]
    cdef Py_UCS4* joined = small
    cdef Py_ssize_t pos = 0, k, width
    cdef int32_t found
    if total > 256:
        joined = <Py_UCS4*>malloc(total * sizeof(Py_UCS4))
        if joined == NULL:
            raise MemoryError()
    for k in range(t, t + n):
        if k > t:
            joined[pos] = u' '
            pos += 1
        width = ends[k] - starts[k]
        memcpy(joined + pos, text + starts[k], width * sizeof(Py_UCS4))
        pos += width
    found = vocab.find(joined, total)
    if joined != small:
        free(joined)
    return found


cdef int _char_wb_ngrams(str text, Vocabulary vocab, int nmin, int nmax, Hits* hits) except -1:
    cdef Py_ssize_t length = len(text)
    cdef Py_UCS4* padded = <Py_UCS4*>malloc((length + 2) * sizeof(Py_UCS4))
    cdef Py_ssize_t i = 0, start, width, offset
    cdef int n
    cdef Py_UCS4 c
    if padded == NULL:
        raise MemoryError()
    try:
        while i < length:
            c = text[i]
            if Py_UNICODE_ISSPACE(c):
                i += 1
                continue
            start = i
            padded[0] = u' '
            while i < length:
                c = text[i]
                if Py_UNICODE_ISSPACE(c):
                    break
                padded[i - start + 1] = c
                i += 1
            width = i - start + 2
            padded[width - 1] = u' '
            # scikit-learn's _char_wb_ngrams, step for step (a word shorter than n yields
            # the whole padded word once, then no longer n-grams).
            for n in range(nmin, nmax + 1):
                offset = 0
                _add(hits, vocab, vocab.find(padded, n if n < width else width))
                while offset + n < width:
                    offset += 1
                    _add(hits, vocab, vocab.find(padded + offset, n))
                if offset == 0:
                    break
    finally:
        free(padded)
    return 0


def tfidf_row(
    str text,
    Vocabulary vocab,
    bint char_wb,
    int nmin,
    int nmax,
    const float[::1] idf,
    const float[::1] tf_table,
    bint l2,
):
    """(feature indices, float32 values) of one text: TfidfVectorizer.transform's row.

    `text` is already preprocessed (lower-cased when the vectoriser lower-cases). `idf` is
    empty when the vectoriser uses no idf. `tf_table[k]` is the term-frequency weight of a
    count k (1 + log k for sublinear tf, computed by numpy as scikit-learn does); counts past
    the table use logf.
    """
    cdef Hits hits
    cdef Py_ssize_t j
    cdef int32_t f, count
    cdef float value
    cdef double norm = 0.0
    cdef float* values
    hits.features = NULL
    hits.n = 0
    hits.cap = 0
    try:
        if char_wb:
            _char_wb_ngrams(text, vocab, nmin, nmax, &hits)
        else:
            _word_ngrams(text, vocab, nmin, nmax, &hits)
        values = <float*>malloc((hits.n + 1) * sizeof(float))
        if values == NULL:
            raise MemoryError()
        for j in range(hits.n):
            f = hits.features[j]
            count = vocab.counts[f]
            if count < tf_table.shape[0]:
                value = tf_table[count]
            else:
                value = logf(<float>count) + <float>1.0
            if idf.shape[0]:
                value = value * idf[f]
            values[j] = value
            norm += <double>(value * value)
    finally:
        # Reset the shared counters before anything can run Python code.
        for j in range(hits.n):
            vocab.counts[hits.features[j]] = 0
    try:
        indices_out = np.empty(hits.n, dtype=np.int32)
        values_out = np.empty(hits.n, dtype=np.float32)
        _fill(indices_out, values_out, hits.features, values, hits.n, sqrt(norm) if l2 else 0.0)
    finally:
        free(hits.features)
        free(values)
    return indices_out, values_out


cdef void _fill(
    int32_t[::1] indices, float[::1] values, int32_t* features, float* raw, Py_ssize_t n,
    double norm,
) noexcept:
    cdef Py_ssize_t j
    for j in range(n):
        indices[j] = features[j]
        values[j] = <float>(raw[j] / norm) if norm > 0.0 else raw[j]


cdef inline bint _is_word(Py_UCS4 c) noexcept:
    # Python's regex \w for str patterns: alphanumeric or underscore.
    return Py_UNICODE_ISALNUM(c) or c == u'_'


cdef inline bint _boundary(str text, Py_ssize_t n, Py_ssize_t pos) noexcept:
    # Python's regex \b: a word character on exactly one side of `pos`.
    cdef bint before = pos > 0 and _is_word(text[pos - 1])
    cdef bint after = pos < n and _is_word(text[pos])
    return before != after


cdef class CueMatcher:
    """Counts cue hits per group in one pass, as `len(group_regex.findall(text))` would.

    Each group's regex (scoring/cues.py) is an alternation of three prefix trees, tried in
    order at each position: (0) long cues after a word boundary, (1) short cues between word
    boundaries, (2) cues in unspaced scripts anywhere; each tree matches its longest cue
    that satisfies its boundaries, and findall resumes after the match. Here the cues of all
    groups share one trie, walked once per position, and each group keeps the position where
    its own next search starts.
    """

    cdef uint64_t[::1] keys  # edge table: (node << 21 | code point) + 1, 0 = empty
    cdef int32_t[::1] children
    cdef uint64_t mask
    cdef int32_t[::1] end_ptr  # node -> its (group * 3 + part) items in end_items
    cdef int32_t[::1] end_items
    cdef readonly int n_groups

    def __init__(self, groups):
        """`groups`: per group, a sequence of (cue, part), part 0, 1 or 2 as above."""
        edges = {}
        ends = [[]]
        for g, cues in enumerate(groups):
            for cue, part in cues:
                node = 0
                for ch in cue:
                    key = (node << 21) | ord(ch)
                    if key not in edges:
                        edges[key] = len(ends)
                        ends.append([])
                    node = edges[key]
                if g * 3 + part not in ends[node]:
                    ends[node].append(g * 3 + part)
        self.n_groups = len(groups)
        table = 1
        while table < 2 * len(edges) + 2:
            table <<= 1
        self.mask = table - 1
        self.keys = np.zeros(table, dtype=np.uint64)
        self.children = np.zeros(table, dtype=np.int32)
        for key, child in edges.items():
            self._insert(key, child)
        self.end_ptr = np.cumsum([0] + [len(e) for e in ends], dtype=np.int32)
        self.end_items = np.asarray([i for e in ends for i in e] or [0], dtype=np.int32)

    cdef void _insert(self, uint64_t key, int32_t child) noexcept:
        cdef uint64_t i = _mix(key) & self.mask
        while self.keys[i] != 0:
            i = (i + 1) & self.mask
        self.keys[i] = key + 1
        self.children[i] = child

    cdef inline int32_t _child(self, int32_t node, Py_UCS4 c) noexcept:
        cdef uint64_t key = ((<uint64_t>node) << 21) | <uint64_t><uint32_t>c
        cdef uint64_t i = _mix(key) & self.mask
        while self.keys[i] != 0:
            if self.keys[i] == key + 1:
                return self.children[i]
            i = (i + 1) & self.mask
        return -1

    def hits(self, str text):
        """Hits of each group in `text`, which must already be case-folded."""
        cdef Py_ssize_t n = len(text), pos, depth, end, g
        cdef int32_t node, k, item, part, n_touched
        cdef bint start_boundary
        cdef int ng = self.n_groups
        cdef int32_t* counts = <int32_t*>malloc((ng + 1) * sizeof(int32_t))
        cdef Py_ssize_t* resume = <Py_ssize_t*>malloc((ng + 1) * sizeof(Py_ssize_t))
        cdef Py_ssize_t* longest = <Py_ssize_t*>malloc((3 * ng + 1) * sizeof(Py_ssize_t))
        if counts == NULL or resume == NULL or longest == NULL:
            free(counts); free(resume); free(longest)
            raise MemoryError()
        try:
            for g in range(ng):
                counts[g] = 0
                resume[g] = 0
            for g in range(3 * ng):
                longest[g] = 0
            for pos in range(n):
                start_boundary = _boundary(text, n, pos)
                node = 0
                depth = 0
                n_touched = 0
                while pos + depth < n:
                    node = self._child(node, text[pos + depth])
                    if node < 0:
                        break
                    depth += 1
                    for k in range(self.end_ptr[node], self.end_ptr[node + 1]):
                        item = self.end_items[k]
                        part = item % 3
                        if part < 2 and not start_boundary:
                            continue
                        if part == 1 and not _boundary(text, n, pos + depth):
                            continue
                        longest[item] = depth  # deeper nodes come later: the longest wins
                        n_touched += 1
                if n_touched == 0:
                    continue
                for g in range(ng):
                    end = 0
                    for part in range(3):
                        if longest[g * 3 + part]:
                            end = pos + longest[g * 3 + part]
                            break
                    if end and pos >= resume[g]:
                        counts[g] += 1
                        resume[g] = end
                for g in range(3 * ng):
                    longest[g] = 0
            return [counts[g] for g in range(ng)]
        finally:
            free(counts)
            free(resume)
            free(longest)


cdef inline uint64_t _mix(uint64_t h) noexcept nogil:
    h ^= h >> 33
    h *= 0xFF51AFD7ED558CCDULL
    h ^= h >> 33
    return h
