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

from cpython.unicode cimport (
    Py_UNICODE_ISALNUM,
    Py_UNICODE_ISSPACE,
    PyUnicode_4BYTE_KIND,
    PyUnicode_FromKindAndData,
)
from libc.math cimport logf, sqrt
from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy, memset
from posix.mman cimport MADV_HUGEPAGE, madvise
from posix.stdlib cimport posix_memalign

from cython.view cimport array as cython_array

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


def huge_page_array(shape, dtype):
    """A zeroed array in memory the kernel is asked to back with 2 MiB pages.

    The vocabulary table and the weight rows are read at random, one cache miss per feature;
    with 4 KiB pages each miss also misses the TLB. Anonymous mmap + MADV_HUGEPAGE lets
    transparent huge pages cover them where the kernel allows it ('madvise' mode).
    """
    import mmap
    count = 1
    for n in (shape if isinstance(shape, tuple) else (shape,)):
        count *= n
    nbytes = max(1, count * np.dtype(dtype).itemsize)
    buffer = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    if hasattr(mmap, "MADV_HUGEPAGE"):
        try:
            buffer.madvise(mmap.MADV_HUGEPAGE)
        except OSError:
            pass  # not supported here: ordinary pages, same results
    return np.frombuffer(buffer, dtype=dtype, count=count).reshape(shape)


cdef class Vocabulary:
    """Terms (concatenated code points + offsets) -> feature index.

    An open-addressing table of two-word slots: a 64-bit hash of the term, then a second,
    independent 32-bit hash and the feature index. A lookup reads one slot (one cache miss)
    and matches on both hashes, 96 bits in all: the chance that an n-gram outside the
    vocabulary matches a term is below 1e-28 per lookup, so results equal exact matching.
    Building the table checks that all 96-bit keys of the vocabulary are distinct.
    """

    cdef uint64_t[::1] slots
    cdef uint64_t mask
    cdef readonly Py_ssize_t size

    def __init__(self, const uint32_t[::1] codes, const int64_t[::1] offsets):
        cdef Py_ssize_t n = offsets.shape[0] - 1
        cdef Py_ssize_t f
        cdef uint64_t table = 1
        cdef const Py_UCS4* term = <const Py_UCS4*>&codes[0] if codes.shape[0] else NULL
        self.size = n
        while table < <uint64_t>(2 * n + 2):
            table <<= 1
        self.mask = table - 1
        self.slots = huge_page_array(2 * table, np.uint64)
        for f in range(n):
            self._insert(f, term + offsets[f], offsets[f + 1] - offsets[f])

    cdef int _insert(self, Py_ssize_t f, const Py_UCS4* term, Py_ssize_t n) except -1:
        cdef uint64_t h = _hash(term, n)
        cdef uint64_t check = _check(term, n)
        cdef uint64_t i = h & self.mask
        while self.slots[2 * i + 1] != 0:
            if self.slots[2 * i] == h and (self.slots[2 * i + 1] >> 32) == check:
                raise ValueError(f"duplicate term at feature {f}")
            i = (i + 1) & self.mask
        self.slots[2 * i] = h
        self.slots[2 * i + 1] = (check << 32) | <uint64_t>(f + 1)
        return 0

    cdef inline int32_t find(self, const Py_UCS4* buf, Py_ssize_t n) noexcept:
        cdef uint64_t h = _hash(buf, n)
        cdef uint64_t i = h & self.mask
        cdef uint64_t packed
        cdef uint64_t check = 0
        cdef bint checked = False
        while True:
            packed = self.slots[2 * i + 1]
            if packed == 0:
                return -1
            if self.slots[2 * i] == h:
                if not checked:
                    check = _check(buf, n)
                    checked = True
                if (packed >> 32) == check:
                    return <int32_t>(packed & 0xFFFFFFFFULL) - 1
            i = (i + 1) & self.mask


cdef inline uint64_t _check(const Py_UCS4* buf, Py_ssize_t n) noexcept nogil:
    """A second 32-bit hash, independent of _hash (other function, other constants)."""
    cdef uint64_t h = 0x9E3779B97F4A7C15ULL ^ <uint64_t>n
    cdef Py_ssize_t i
    for i in range(n):
        h = (h + <uint64_t>buf[i]) * 0xC2B2AE3D27D4EB4FULL
        h ^= h >> 29
    return (h >> 32) & 0xFFFFFFFFULL


# ------------------------------------------------------------------------ fitting vocabularies


cdef extern from *:
    void __builtin_prefetch(const void* address) noexcept nogil


cdef enum:
    PENDING = 32


cdef struct TermSlot:
    uint64_t hash
    uint32_t check  # a second, independent hash (_check)
    int32_t id  # -1 = empty


cdef class TermTable:
    """The terms met while fitting a vectoriser: term -> id, in order of first occurrence,
    with each term's document frequency and total count.

    Fitting uses it instead of a dict of Python strings: no string is created per n-gram,
    only the code points of each distinct term are kept, once. Open addressing on the same
    96-bit keys as Vocabulary (one 16-byte slot, one cache miss per lookup): two distinct
    terms would be merged only if both hashes collided, a chance below 1e-15 even for ten
    million distinct terms.
    """

    cdef TermSlot* slots
    cdef uint64_t mask
    cdef Py_UCS4* codes
    cdef int64_t n_codes
    cdef int64_t cap_codes
    cdef int64_t* offsets  # size + 1 entries
    cdef int64_t* df
    cdef int64_t* tf
    cdef Py_ssize_t cap
    cdef readonly Py_ssize_t size
    # Deferred lookups: hashed and prefetched now, resolved in order a batch later, so the
    # cache misses of a batch overlap instead of stalling one after another.
    cdef uint64_t pending_hash[PENDING]
    cdef uint32_t pending_check[PENDING]
    cdef const Py_UCS4* pending_buf[PENDING]
    cdef Py_ssize_t pending_n[PENDING]
    cdef int n_pending

    def __cinit__(self):
        self.mask = (1 << 16) - 1
        self.cap = 1 << 14
        self.cap_codes = 1 << 16
        self.slots = _new_slots(self.mask + 1)
        self.codes = <Py_UCS4*>malloc(self.cap_codes * sizeof(Py_UCS4))
        self.offsets = <int64_t*>malloc((self.cap + 1) * sizeof(int64_t))
        self.df = <int64_t*>malloc(self.cap * sizeof(int64_t))
        self.tf = <int64_t*>malloc(self.cap * sizeof(int64_t))
        if self.codes == NULL or self.offsets == NULL or self.df == NULL or self.tf == NULL:
            raise MemoryError()
        self.offsets[0] = 0

    def __dealloc__(self):
        free(self.slots)
        free(self.codes)
        free(self.offsets)
        free(self.df)
        free(self.tf)

    cdef int defer(self, const Py_UCS4* buf, Py_ssize_t n, Hits* hits) except -1:
        """Count an n-gram into `hits` at the next flush; `buf` must stay readable until then."""
        cdef uint64_t h = _hash(buf, n)
        if self.n_pending == PENDING:
            self.flush(hits)
        __builtin_prefetch(&self.slots[h & self.mask])
        self.pending_hash[self.n_pending] = h
        self.pending_check[self.n_pending] = <uint32_t>_check(buf, n)
        self.pending_buf[self.n_pending] = buf
        self.pending_n[self.n_pending] = n
        self.n_pending += 1
        return 0

    cdef int flush(self, Hits* hits) except -1:
        """Resolve the deferred n-grams, in the order they came."""
        cdef int k
        for k in range(self.n_pending):
            _add(hits, self._intern(
                self.pending_hash[k], self.pending_check[k], self.pending_buf[k],
                self.pending_n[k],
            ))
        self.n_pending = 0
        return 0

    cdef int32_t _intern(
        self, uint64_t h, uint32_t check, const Py_UCS4* buf, Py_ssize_t n,
    ) except -2:
        cdef uint64_t i = h & self.mask
        cdef TermSlot* slot
        cdef int32_t f
        while True:
            slot = &self.slots[i]
            if slot.id < 0:
                break
            if slot.hash == h and slot.check == check:
                return slot.id
            i = (i + 1) & self.mask
        if self.size >= 0x7FFFFFFE:
            raise OverflowError("more than 2**31 - 2 distinct terms")
        self._reserve(n)
        f = <int32_t>self.size
        memcpy(self.codes + self.n_codes, buf, n * sizeof(Py_UCS4))
        self.n_codes += n
        self.offsets[f + 1] = self.n_codes
        self.df[f] = 0
        self.tf[f] = 0
        slot.hash = h
        slot.check = check
        slot.id = f
        self.size += 1
        if 2 * <uint64_t>self.size > self.mask + 1:
            self._rehash()
        return f

    cdef int _reserve(self, Py_ssize_t n) except -1:
        """Room for one more term of n code points."""
        _grow_to(<void**>&self.codes, &self.cap_codes, self.n_codes + n, sizeof(Py_UCS4))
        if self.size + 1 > self.cap:
            _realloc64(&self.offsets, 2 * self.cap + 1)
            _realloc64(&self.df, 2 * self.cap)
            _realloc64(&self.tf, 2 * self.cap)
            self.cap *= 2
        return 0

    cdef int _rehash(self) except -1:
        """Double the slots, so the table stays at most half full."""
        cdef uint64_t new_mask = 2 * self.mask + 1
        cdef TermSlot* slots = _new_slots(new_mask + 1)
        cdef uint64_t i, j
        for i in range(self.mask + 1):
            if self.slots[i].id < 0:
                continue
            j = self.slots[i].hash & new_mask
            while slots[j].id >= 0:
                j = (j + 1) & new_mask
            slots[j] = self.slots[i]
        free(self.slots)
        self.slots = slots
        self.mask = new_mask
        return 0

    def document_frequencies(self):
        """Number of texts each term occurs in, by id."""
        return _int64_copy(self.df, self.size)

    def total_counts(self):
        """Occurrences of each term in all texts, by id."""
        return _int64_copy(self.tf, self.size)

    def terms(self, const int64_t[::1] ids):
        """The terms with these ids, as strings."""
        cdef Py_ssize_t k
        cdef int64_t f
        out = []
        for k in range(ids.shape[0]):
            f = ids[k]
            if f < 0 or f >= self.size:
                raise IndexError(f"no term {f}")
            out.append(PyUnicode_FromKindAndData(
                PyUnicode_4BYTE_KIND, self.codes + self.offsets[f],
                self.offsets[f + 1] - self.offsets[f],
            ))
        return out


cdef TermSlot* _new_slots(uint64_t n) except NULL:
    """n empty slots, 2 MiB-aligned and advised into huge pages (see huge_page_array): the
    table is probed at random, once per n-gram, and TLB misses would dominate."""
    cdef void* memory = NULL
    cdef size_t nbytes = n * sizeof(TermSlot)
    cdef uint64_t i
    if posix_memalign(&memory, 1 << 21, nbytes) != 0:
        raise MemoryError()
    if nbytes >= (1 << 21):
        madvise(memory, nbytes, MADV_HUGEPAGE)  # advice only: ordinary pages work the same
    cdef TermSlot* slots = <TermSlot*>memory
    for i in range(n):
        slots[i].id = -1
    return slots


cdef int _grow_to(void** data, int64_t* cap, int64_t needed, size_t itemsize) except -1:
    """Double the capacity `cap` (in items) of the buffer `data` until it holds `needed`."""
    cdef int64_t new_cap = cap[0]
    cdef void* grown
    if needed <= new_cap:
        return 0
    while new_cap < needed:
        new_cap *= 2
    grown = realloc(data[0], new_cap * itemsize)
    if grown == NULL:
        raise MemoryError()
    data[0] = grown
    cap[0] = new_cap
    return 0


cdef object _int64_copy(const int64_t* data, Py_ssize_t n):
    out = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] view = out
    if n:
        memcpy(&view[0], data, n * sizeof(int64_t))
    return out


cdef int _realloc64(int64_t** array, Py_ssize_t n) except -1:
    cdef void* grown = realloc(array[0], n * sizeof(int64_t))
    if grown == NULL:
        raise MemoryError()
    array[0] = <int64_t*>grown
    return 0


cdef struct Hits:
    int32_t* features  # distinct features, in order of first occurrence
    int32_t* counts  # occurrences of each
    Py_ssize_t n
    Py_ssize_t cap
    int32_t* table  # feature -> position in `features`, open addressing, -1 = empty
    uint64_t tmask


cdef int _hits_init(Hits* hits, Py_ssize_t cap=256) except -1:
    """Empty counters for `cap` distinct features (a power of two), growing past that."""
    hits.n = 0
    hits.cap = cap
    hits.tmask = 4 * <uint64_t>cap - 1
    hits.features = <int32_t*>malloc(hits.cap * sizeof(int32_t))
    hits.counts = <int32_t*>malloc(hits.cap * sizeof(int32_t))
    hits.table = <int32_t*>malloc((hits.tmask + 1) * sizeof(int32_t))
    if hits.features == NULL or hits.counts == NULL or hits.table == NULL:
        _hits_free(hits)
        raise MemoryError()
    memset(hits.table, 0xFF, (hits.tmask + 1) * sizeof(int32_t))
    return 0


cdef void _hits_clear(Hits* hits) noexcept:
    """Forget every feature, emptying only the slots in use (the table can be large)."""
    cdef Py_ssize_t j
    cdef uint64_t i
    for j in range(hits.n):
        i = _mix(<uint64_t>hits.features[j]) & hits.tmask
        while hits.table[i] != j:
            i = (i + 1) & hits.tmask
        hits.table[i] = -1
    hits.n = 0


cdef void _hits_free(Hits* hits) noexcept:
    free(hits.features)
    free(hits.counts)
    free(hits.table)
    hits.features = NULL
    hits.counts = NULL
    hits.table = NULL


cdef int _hits_grow(Hits* hits) except -1:
    """Double the arrays and the table (kept at most half full), re-inserting every feature."""
    cdef Py_ssize_t j
    cdef uint64_t i
    cdef int32_t* features = <int32_t*>realloc(hits.features, 2 * hits.cap * sizeof(int32_t))
    if features == NULL:
        raise MemoryError()
    hits.features = features
    cdef int32_t* counts = <int32_t*>realloc(hits.counts, 2 * hits.cap * sizeof(int32_t))
    if counts == NULL:
        raise MemoryError()
    hits.counts = counts
    hits.cap *= 2
    free(hits.table)
    hits.tmask = 4 * <uint64_t>hits.cap - 1
    hits.table = <int32_t*>malloc((hits.tmask + 1) * sizeof(int32_t))
    if hits.table == NULL:
        raise MemoryError()
    memset(hits.table, 0xFF, (hits.tmask + 1) * sizeof(int32_t))
    for j in range(hits.n):
        i = _mix(<uint64_t>hits.features[j]) & hits.tmask
        while hits.table[i] >= 0:
            i = (i + 1) & hits.tmask
        hits.table[i] = <int32_t>j
    return 0


cdef int _add(Hits* hits, int32_t f) except -1:
    """Count one occurrence of feature `f` (-1: not in the vocabulary, ignored)."""
    cdef uint64_t i
    cdef int32_t j
    if f < 0:
        return 0
    i = _mix(<uint64_t>f) & hits.tmask
    while True:
        j = hits.table[i]
        if j < 0:
            break
        if hits.features[j] == f:
            hits.counts[j] += 1
            return 0
        i = (i + 1) & hits.tmask
    if hits.n == hits.cap:
        _hits_grow(hits)
        i = _mix(<uint64_t>f) & hits.tmask
        while hits.table[i] >= 0:
            i = (i + 1) & hits.tmask
    hits.table[i] = <int32_t>hits.n
    hits.features[hits.n] = f
    hits.counts[hits.n] = 1
    hits.n += 1
    return 0


cdef inline bint _is_word(Py_UCS4 c) noexcept:
    # Python's regex \w for str patterns: alphanumeric or underscore.
    return Py_UNICODE_ISALNUM(c) or c == u'_'


cdef Py_ssize_t _tokens(str text, Py_ssize_t* starts, Py_ssize_t* ends) noexcept:
    """Spans of the default token pattern `(?u)\\b\\w\\w+\\b`: maximal runs of word
    characters, at least two long. `starts` and `ends` hold len(text) // 2 + 1 entries."""
    cdef Py_ssize_t length = len(text), i = 0, start, count = 0
    while i < length:
        if not _is_word(text[i]):
            i += 1
            continue
        start = i
        while i < length and _is_word(text[i]):
            i += 1
        if i - start >= 2:
            starts[count] = start
            ends[count] = i
            count += 1
    return count


def word_count(str text):
    """len(scoring.cues.words(text)): maximal runs of word characters (regex `\\w+`), where a
    run holding a Chinese character (U+3400 to U+9FFF) counts one word per two characters."""
    cdef Py_ssize_t length = len(text), i = 0, start, count = 0
    cdef bint han
    cdef Py_UCS4 c
    while i < length:
        if not _is_word(text[i]):
            i += 1
            continue
        start = i
        han = False
        while i < length and _is_word(text[i]):
            c = text[i]
            han = han or (0x3400 <= c <= 0x9FFF)
            i += 1
        count += (i - start + 1) // 2 if han else 1
    return count


cdef inline int _count(
    Vocabulary vocab, TermTable grow, Hits* hits, const Py_UCS4* buf, Py_ssize_t n,
) except -1:
    """Count one n-gram: its feature in `vocab`, or, when fitting, its id in `grow` (deferred:
    the caller keeps `buf` alive until it calls grow.flush)."""
    if grow is not None:
        return grow.defer(buf, n, hits)
    return _add(hits, vocab.find(buf, n))


cdef int _word_ngrams(
    str text, Vocabulary vocab, TermTable grow, int nmin, int nmax, Hits* hits,
) except -1:
    cdef Py_ssize_t length = len(text), i, t, ntok, pos = 0, width
    cdef Py_ssize_t joined_size = 0
    cdef int n
    for n in range(max(nmin, 2), nmax + 1):
        joined_size += n * (length + 1)
    cdef Py_ssize_t* starts = <Py_ssize_t*>malloc((length // 2 + 1) * sizeof(Py_ssize_t))
    cdef Py_ssize_t* ends = <Py_ssize_t*>malloc((length // 2 + 1) * sizeof(Py_ssize_t))
    cdef Py_UCS4* buf = <Py_UCS4*>malloc((length + 1) * sizeof(Py_UCS4))
    # Every joined n-gram of the text, one after the other: they stay readable until the
    # deferred lookups are flushed.
    cdef Py_UCS4* joined = <Py_UCS4*>malloc((joined_size + 1) * sizeof(Py_UCS4))
    if starts == NULL or ends == NULL or buf == NULL or joined == NULL:
        free(starts); free(ends); free(buf); free(joined)
        raise MemoryError()
    try:
        ntok = _tokens(text, starts, ends)
        for i in range(length):
            buf[i] = text[i]
        for n in range(nmin, nmax + 1):
            for t in range(ntok - n + 1):
                if n == 1:
                    _count(vocab, grow, hits, buf + starts[t], ends[t] - starts[t])
                else:
                    width = _join(buf, starts, ends, t, n, joined + pos)
                    _count(vocab, grow, hits, joined + pos, width)
                    pos += width
        if grow is not None:
            grow.flush(hits)
    finally:
        free(starts)
        free(ends)
        free(buf)
        free(joined)
    return 0


cdef Py_ssize_t _join(
    const Py_UCS4* text, const Py_ssize_t* starts, const Py_ssize_t* ends, Py_ssize_t t, int n,
    Py_UCS4* out,
) noexcept:
    """Tokens t .. t + n - 1 joined by single spaces into `out`, as scikit-learn joins
    n-grams; returns the length."""
    cdef Py_ssize_t pos = 0, k, width
    for k in range(t, t + n):
        if k > t:
            out[pos] = u' '
            pos += 1
        width = ends[k] - starts[k]
        memcpy(out + pos, text + starts[k], width * sizeof(Py_UCS4))
        pos += width
    return pos


cdef int _char_wb_ngrams(
    str text, Vocabulary vocab, TermTable grow, int nmin, int nmax, Hits* hits,
) except -1:
    cdef Py_ssize_t length = len(text)
    # Every word padded with a space on both sides, one after the other (at most 3 code
    # points per code point of the text): n-grams stay readable until the flush.
    cdef Py_UCS4* words = <Py_UCS4*>malloc((3 * length + 2) * sizeof(Py_UCS4))
    cdef Py_UCS4* padded
    cdef Py_ssize_t i = 0, start, width, offset, pos = 0
    cdef int n
    cdef Py_UCS4 c
    if words == NULL:
        raise MemoryError()
    try:
        while i < length:
            c = text[i]
            if Py_UNICODE_ISSPACE(c):
                i += 1
                continue
            start = i
            padded = words + pos
            padded[0] = u' '
            while i < length:
                c = text[i]
                if Py_UNICODE_ISSPACE(c):
                    break
                padded[i - start + 1] = c
                i += 1
            width = i - start + 2
            padded[width - 1] = u' '
            pos += width
            # scikit-learn's _char_wb_ngrams, step for step (a word shorter than n yields
            # the whole padded word once, then no longer n-grams).
            for n in range(nmin, nmax + 1):
                offset = 0
                _count(vocab, grow, hits, padded, n if n < width else width)
                while offset + n < width:
                    offset += 1
                    _count(vocab, grow, hits, padded + offset, n)
                if offset == 0:
                    break
        if grow is not None:
            grow.flush(hits)
    finally:
        free(words)
    return 0


def tfidf_row(
    str text,
    Vocabulary vocab,
    bint char_wb,
    int nmin,
    int nmax,
    const double[:, ::1] rows,
    const float[::1] tf_table,
    bint l2,
    double[::1] decision,
):
    """TfidfVectorizer.transform's row of one text, and its share of the decision values.

    `text` is already preprocessed (lower-cased when the vectoriser lower-cases). `rows[f]`
    is feature f's idf (1 without idf) followed by its weight for each label; each value
    times its weights is added to `decision`. `tf_table[k]` is the term-frequency weight of
    a count k (1 + log k for sublinear tf, computed by numpy as scikit-learn does); counts
    past the table use logf. Returns (feature indices, float32 values).
    """
    cdef Hits hits
    _hits_init(&hits)
    try:
        if char_wb:
            _char_wb_ngrams(text, vocab, None, nmin, nmax, &hits)
        else:
            _word_ngrams(text, vocab, None, nmin, nmax, &hits)
        indices_out = np.empty(hits.n, dtype=np.int32)
        values_out = np.empty(hits.n, dtype=np.float32)
        _values(&hits, rows, tf_table, indices_out, values_out)
        _normalise_and_score(values_out, indices_out, rows, l2, decision)
    finally:
        _hits_free(&hits)
    return indices_out, values_out


cdef void _values(
    Hits* hits, const double[:, ::1] rows, const float[::1] tf_table,
    int32_t[::1] indices, float[::1] values,
) noexcept:
    cdef Py_ssize_t j
    cdef int32_t count
    cdef float value
    for j in range(hits.n):
        count = hits.counts[j]
        if count < tf_table.shape[0]:
            value = tf_table[count]
        else:
            value = logf(<float>count) + <float>1.0
        # float32 times float32 idf, rounded to float32: what scikit-learn's arrays do
        # (the float64 product of two float32 is exact, so rounding it gives the same).
        values[j] = <float>(<double>value * rows[hits.features[j], 0])
        indices[j] = hits.features[j]


cdef void _normalise_and_score(
    float[::1] values, const int32_t[::1] indices, const double[:, ::1] rows, bint l2,
    double[::1] decision,
) noexcept:
    cdef Py_ssize_t j, k, n = values.shape[0], n_labels = rows.shape[1] - 1
    cdef double norm = 0.0, value
    cdef const double* row
    if l2:
        # scikit-learn: float32 squares summed in double; each value divided, rounded to float32.
        for j in range(n):
            norm += <double>(values[j] * values[j])
        norm = sqrt(norm)
        if norm > 0.0:
            for j in range(n):
                values[j] = <float>(values[j] / norm)
    for j in range(n):
        value = values[j]
        row = &rows[indices[j], 1]
        for k in range(n_labels):
            decision[k] += value * row[k]


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


def char_wb_ngrams(str text, int nmin, int nmax):
    """scikit-learn's `_char_wb_ngrams` (after preprocessing), as a list of strings.

    Training uses it as the analyzer of the character vectoriser: the same n-grams in the
    same order, without the per-character Python loop.
    """
    cdef Py_ssize_t length = len(text), i = 0, start, width, offset
    cdef int n
    cdef list out = []
    while i < length:
        if Py_UNICODE_ISSPACE(text[i]):
            i += 1
            continue
        start = i
        while i < length and not Py_UNICODE_ISSPACE(text[i]):
            i += 1
        word = " " + text[start:i] + " "
        width = i - start + 2
        for n in range(nmin, nmax + 1):
            offset = 0
            out.append(word[0:n])
            while offset + n < width:
                offset += 1
                out.append(word[offset:offset + n])
            if offset == 0:
                break
    return out


def word_ngrams(str text, int nmin, int nmax):
    """scikit-learn's word analyzer with the default token pattern (after preprocessing):
    tokens of two or more word characters, then their n-grams joined by single spaces."""
    cdef Py_ssize_t length = len(text), t, count
    cdef Py_ssize_t* starts = <Py_ssize_t*>malloc((length // 2 + 1) * sizeof(Py_ssize_t))
    cdef Py_ssize_t* ends = <Py_ssize_t*>malloc((length // 2 + 1) * sizeof(Py_ssize_t))
    cdef int n
    if starts == NULL or ends == NULL:
        free(starts); free(ends)
        raise MemoryError()
    try:
        count = _tokens(text, starts, ends)
        tokens = [text[starts[t]:ends[t]] for t in range(count)]
    finally:
        free(starts)
        free(ends)
    if nmax == 1:
        return tokens
    cdef list out = list(tokens) if nmin == 1 else []
    for n in range(max(nmin, 2), min(nmax, count) + 1):
        for t in range(count - n + 1):
            out.append(" ".join(tokens[t:t + n]))
    return out


cdef struct Growing:
    int32_t* data
    int64_t n
    int64_t cap


cdef int _push(Growing* g, const int32_t* values, Py_ssize_t n) except -1:
    _grow_to(<void**>&g.data, &g.cap, g.n + n, sizeof(int32_t))
    memcpy(g.data + g.n, values, n * sizeof(int32_t))
    g.n += n
    return 0


cdef object _to_numpy(Growing* g):
    """The buffer as a numpy array that owns it (no copy: it can hold 10^8 entries)."""
    cdef void* exact = realloc(g.data, max(g.n, 1) * sizeof(int32_t))
    if exact == NULL:
        raise MemoryError()
    g.data = NULL  # now owned by the array
    cdef cython_array owner = cython_array(
        shape=(max(g.n, 1),), itemsize=sizeof(int32_t), format="i", allocate_buffer=False
    )
    owner.data = <char*>exact
    owner.callback_free_data = free
    return np.asarray(owner)[:g.n]


def count_matrix(
    texts, bint lowercase, bint char_wb, int nmin, int nmax,
    Vocabulary vocab=None, TermTable grow=None,
):
    """Each text's n-gram counts, as CSR arrays (indptr int64, indices int32, counts int32).

    The analyzers are tfidf_row's (scikit-learn's word and char_wb n-grams). Columns are the
    features of `vocab` (n-grams outside it are dropped), or, when fitting, the ids of
    `grow`, which interns new terms and adds each text to its terms' document frequencies
    and total counts. Within a row, columns are in order of first occurrence.
    """
    if (vocab is None) == (grow is None):
        raise ValueError("pass exactly one of vocab and grow")
    cdef Py_ssize_t n_texts = len(texts), d, j
    cdef Hits hits
    cdef Growing indices, counts
    indptr = np.zeros(n_texts + 1, dtype=np.int64)
    cdef int64_t[::1] ptr = indptr
    indices.n = counts.n = 0
    indices.cap = counts.cap = 1 << 16
    indices.data = <int32_t*>malloc(indices.cap * sizeof(int32_t))
    counts.data = <int32_t*>malloc(counts.cap * sizeof(int32_t))
    hits.features = hits.counts = hits.table = NULL  # so the finally block may free them
    try:
        if indices.data == NULL or counts.data == NULL:
            raise MemoryError()
        # One set of counters for all texts, emptied after each (a news paragraph has about
        # 2,000 distinct character n-grams).
        _hits_init(&hits, 2048)
        for d in range(n_texts):
            doc = texts[d]
            if not isinstance(doc, str):
                raise TypeError(f"text {d} is {type(doc).__name__}, not str")
            text = doc.lower() if lowercase else doc
            if char_wb:
                _char_wb_ngrams(text, vocab, grow, nmin, nmax, &hits)
            else:
                _word_ngrams(text, vocab, grow, nmin, nmax, &hits)
            _push(&indices, hits.features, hits.n)
            _push(&counts, hits.counts, hits.n)
            if grow is not None:
                for j in range(hits.n):
                    grow.df[hits.features[j]] += 1
                    grow.tf[hits.features[j]] += hits.counts[j]
            _hits_clear(&hits)
            ptr[d + 1] = indices.n
        return indptr, _to_numpy(&indices), _to_numpy(&counts)
    finally:
        _hits_free(&hits)
        free(indices.data)
        free(counts.data)


def keep_columns(
    const int64_t[::1] indptr, const int32_t[::1] indices, const int32_t[::1] counts,
    const int32_t[::1] column_of,
):
    """CSR arrays with column c renamed column_of[c], and dropped where that is -1."""
    cdef Py_ssize_t n_rows = indptr.shape[0] - 1, r, k, m = 0
    cdef int32_t c
    new_indptr = np.empty(n_rows + 1, dtype=np.int64)
    new_indices = np.empty(indices.shape[0], dtype=np.int32)
    new_counts = np.empty(indices.shape[0], dtype=np.int32)
    cdef int64_t[::1] p = new_indptr
    cdef int32_t[::1] ind = new_indices
    cdef int32_t[::1] cnt = new_counts
    p[0] = 0
    for r in range(n_rows):
        for k in range(indptr[r], indptr[r + 1]):
            c = column_of[indices[k]]
            if c >= 0:
                ind[m] = c
                cnt[m] = counts[k]
                m += 1
        p[r + 1] = m
    return new_indptr, new_indices[:m].copy(), new_counts[:m].copy()
