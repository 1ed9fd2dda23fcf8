/*
 * Loops of the compiled TF-IDF transform (stance/features/compiled.py), in C: the character
 * block's key gather and counting, and the character n-gram columns of words new to the chunk table.
 *
 * This module is optional: it is built when a C compiler is there at install time, and
 * compiled.py falls back to the same computation in numpy when it is missing. Both give the
 * same arrays, bit for bit (the tests compare them); the C loops only skip numpy's temporary
 * arrays. The counting functions release the GIL while they run (the n-gram lookup reads str
 * objects and keeps it).
 *
 * It uses the buffer protocol only (no numpy headers): the callers in compiled.py pass
 * C-contiguous numpy arrays of the stated types and allocate the outputs.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    const char *name;
    Py_buffer view;
    int held;
} Arg;

/* Take a C-contiguous one-dimensional buffer of items of `itemsize` bytes (0: signed integers of 4 or
 * 8 bytes) whose kind is `kind` ('i' for signed integers, 'f' for floating point). */
static int
take(Arg *arg, PyObject *obj, Py_ssize_t itemsize, char kind, int writable)
{
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, &arg->view, flags) < 0) {
        return -1;
    }
    arg->held = 1;
    const char *fmt = arg->view.format ? arg->view.format : "B";
    if (*fmt == '<' || *fmt == '=' || *fmt == '@') {
        fmt++;
    }
    int is_int = strchr("bhilq", *fmt) != NULL && fmt[1] == '\0';
    int is_float = strchr("fd", *fmt) != NULL && fmt[1] == '\0';
    Py_ssize_t size = arg->view.itemsize;
    int size_ok = itemsize ? size == itemsize : (size == 4 || size == 8);
    if (arg->view.ndim != 1 || !size_ok || (kind == 'i' ? !is_int : !is_float)) {
        if (itemsize == 0) {
            PyErr_Format(PyExc_TypeError, "'%s' must be a 1-d C-contiguous array of int32 or int64", arg->name);
        } else {
            PyErr_Format(PyExc_TypeError, "'%s' must be a 1-d C-contiguous array of %zd-byte %s", arg->name,
                         itemsize, kind == 'i' ? "signed integers" : "floats");
        }
        return -1;
    }
    return 0;
}

static void
release(Arg *args, int n)
{
    for (int i = 0; i < n; i++) {
        if (args[i].held) {
            PyBuffer_Release(&args[i].view);
            args[i].held = 0;
        }
    }
}

#define LEN(arg) ((arg).view.shape[0])

/* The occurrence arrays shared by the gathers, a[0..4]: occ and start (int64), length, values and doc
 * (int32). Then checks, before anything is read: every occurrence's row inside the ragged table
 * (values[start[r] : start[r] + length[r]]), documents non-decreasing, and keys doc * n_cols + value
 * below key_limit. Sets *total to the number of values gathered. */
static int
take_occurrences(Arg *a, PyObject *o_occ, PyObject *o_start, PyObject *o_length, PyObject *o_values,
                 PyObject *o_doc, int64_t n_cols, int64_t key_limit, Py_ssize_t *total)
{
    if (take(&a[0], o_occ, 8, 'i', 0) || take(&a[1], o_start, 8, 'i', 0) || take(&a[2], o_length, 4, 'i', 0)
        || take(&a[3], o_values, 4, 'i', 0) || take(&a[4], o_doc, 4, 'i', 0)) {
        return -1;
    }
    const int64_t *occ = a[0].view.buf, *start = a[1].view.buf;
    const int32_t *length = a[2].view.buf, *doc = a[4].view.buf;
    Py_ssize_t m = LEN(a[0]), n_table = LEN(a[1]), n_values = LEN(a[3]);
    if (LEN(a[2]) != n_table || LEN(a[4]) != m || n_cols < 1) {
        PyErr_SetString(PyExc_ValueError, "'length' must match 'start', 'doc' must match 'occ', 'n_cols' >= 1");
        return -1;
    }
    *total = 0;
    for (Py_ssize_t i = 0; i < m; i++) {
        int64_t r = occ[i];
        if (r < 0 || r >= n_table || start[r] < 0 || length[r] < 0 || start[r] + length[r] > n_values) {
            PyErr_Format(PyExc_IndexError, "occurrence %zd reads row %lld outside the table", i, (long long)r);
            return -1;
        }
        if (doc[i] < 0 || (int64_t)doc[i] >= key_limit / n_cols || (i > 0 && doc[i] < doc[i - 1])) {
            PyErr_Format(PyExc_ValueError, "occurrence %zd: document %d is out of order or too large for the keys",
                         i, (int)doc[i]);
            return -1;
        }
        *total += length[r];
    }
    return 0;
}

/* The largest key + 1 that an integer output of `size` bytes holds. */
#define KEY_LIMIT(size) ((size) == 4 ? (int64_t)INT32_MAX + 1 : INT64_MAX)

/*
 * gather_keys(occ, start, length, values, doc, n_cols, out) -> None
 *
 * For every occurrence i (in order) and every value v of row occ[i] of the ragged table
 * (values[start[r] : start[r] + length[r]]), writes doc[i] * n_cols + v to out, in order.
 * occ and start: int64; length, values and doc: int32; out: int32 or int64, of the total length.
 */
static PyObject *
gather_keys(PyObject *self, PyObject *args)
{
    PyObject *o_occ, *o_start, *o_length, *o_values, *o_doc, *o_out;
    long long n_cols;
    if (!PyArg_ParseTuple(args, "OOOOOLO", &o_occ, &o_start, &o_length, &o_values, &o_doc, &n_cols, &o_out)) {
        return NULL;
    }
    Arg a[6] = {{"occ"}, {"start"}, {"length"}, {"values"}, {"doc"}, {"out"}};
    Py_ssize_t total;
    if (take(&a[5], o_out, 0, 'i', 1)
        || take_occurrences(a, o_occ, o_start, o_length, o_values, o_doc, n_cols, KEY_LIMIT(a[5].view.itemsize),
                            &total)) {
        release(a, 6);
        return NULL;
    }
    Py_ssize_t out_size = a[5].view.itemsize, m = LEN(a[0]), n_out = LEN(a[5]);
    const int64_t *occ = a[0].view.buf, *start = a[1].view.buf;
    const int32_t *length = a[2].view.buf, *values = a[3].view.buf, *doc = a[4].view.buf;
    if (total != n_out) {
        PyErr_Format(PyExc_ValueError, "'out' holds %zd values, the gather gives %zd", n_out, total);
        release(a, 6);
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    Py_ssize_t p = 0;
    if (out_size == 4) {
        int32_t *out = a[5].view.buf;
        for (Py_ssize_t i = 0; i < m; i++) {
            const int32_t *row = values + start[occ[i]];
            int32_t base = (int32_t)((int64_t)doc[i] * n_cols);
            for (int32_t j = 0; j < length[occ[i]]; j++) {
                out[p++] = base + row[j];
            }
        }
    } else {
        int64_t *out = a[5].view.buf;
        for (Py_ssize_t i = 0; i < m; i++) {
            const int32_t *row = values + start[occ[i]];
            int64_t base = (int64_t)doc[i] * n_cols;
            for (int32_t j = 0; j < length[occ[i]]; j++) {
                out[p++] = base + row[j];
            }
        }
    }
    Py_END_ALLOW_THREADS
    release(a, 6);
    Py_RETURN_NONE;
}

#define KEY(i) (key_size == 4 ? (int64_t)k32[i] : k64[i])

/* Index of the lowest set bit of a non-zero word. */
#if defined(__GNUC__) || defined(__clang__)
#define CTZ64(x) __builtin_ctzll(x)
#else
static int
CTZ64(uint64_t x)
{
    int n = 0;
    while (!(x & 1)) {
        x >>= 1;
        n++;
    }
    return n;
}
#endif

/*
 * tfidf_rows(keys, n_rows, n_cols, idf, tf, indptr, cols, values, grouped) -> int
 *
 * CSR rows of tf x idf with L2-normalised rows from row * n_cols + col keys (int32 or int64; a
 * repeated key is a repeated occurrence), columns in increasing order within each row. The keys
 * must be sorted; with grouped, they need only come row by row (rows non-decreasing), and each
 * row's columns are counted in a dense table and read back in order from a two-level bitmap, which
 * is faster than sorting them. Writes indptr (int64, n_rows + 1), the first nnz entries of cols
 * (the keys' type) and of values (float64), and returns nnz; returns -c when a count c has no entry
 * in tf (float64: tf[c] is the term frequency of count c). A row's squares are summed in column
 * order, as numpy's bincount sums them over sorted keys.
 */
static PyObject *
tfidf_rows(PyObject *self, PyObject *args)
{
    PyObject *o_keys, *o_idf, *o_tf, *o_indptr, *o_cols, *o_values;
    long long n_rows, n_cols;
    int grouped;
    if (!PyArg_ParseTuple(args, "OLLOOOOOp", &o_keys, &n_rows, &n_cols, &o_idf, &o_tf, &o_indptr, &o_cols,
                          &o_values, &grouped)) {
        return NULL;
    }
    Arg a[6] = {{"keys"}, {"idf"}, {"tf"}, {"indptr"}, {"cols"}, {"values"}};
    if (take(&a[0], o_keys, 0, 'i', 0)) {
        release(a, 6);
        return NULL;
    }
    Py_ssize_t key_size = a[0].view.itemsize;
    if (take(&a[1], o_idf, 8, 'f', 0) || take(&a[2], o_tf, 8, 'f', 0) || take(&a[3], o_indptr, 8, 'i', 1)
        || take(&a[4], o_cols, key_size, 'i', 1) || take(&a[5], o_values, 8, 'f', 1)) {
        release(a, 6);
        return NULL;
    }
    Py_ssize_t n = LEN(a[0]), n_tf = LEN(a[2]);
    if (n_rows < 0 || n_cols < 1 || n_cols > INT32_MAX || LEN(a[1]) != n_cols || LEN(a[3]) != n_rows + 1
        || LEN(a[4]) < n || LEN(a[5]) < n || (key_size == 4 && n_rows * n_cols > (long long)INT32_MAX + 1)) {
        PyErr_SetString(PyExc_ValueError, "tfidf_rows: array sizes do not match n_rows and n_cols");
        release(a, 6);
        return NULL;
    }
    const double *idf = a[1].view.buf, *tf = a[2].view.buf;
    int64_t *indptr = a[3].view.buf;
    double *values = a[5].view.buf;
    const int32_t *k32 = a[0].view.buf;
    const int64_t *k64 = a[0].view.buf;
    int32_t *c32 = a[4].view.buf;
    int64_t *c64 = a[4].view.buf;
    /* grouped: a count per column and a two-level bitmap of the columns seen in the current row */
    int32_t *count_of = NULL;
    uint64_t *bits0 = NULL, *bits1 = NULL;
    Py_ssize_t n_words0 = (n_cols + 63) / 64, n_words1 = (n_words0 + 63) / 64;
    if (grouped) {
        count_of = PyMem_RawCalloc(n_cols, sizeof(int32_t));
        bits0 = PyMem_RawCalloc(n_words0, sizeof(uint64_t));
        bits1 = PyMem_RawCalloc(n_words1, sizeof(uint64_t));
        if (count_of == NULL || bits0 == NULL || bits1 == NULL) {
            PyMem_RawFree(count_of);
            PyMem_RawFree(bits0);
            PyMem_RawFree(bits1);
            release(a, 6);
            return PyErr_NoMemory();
        }
    }
    Py_ssize_t nnz = 0, bad = -1, i = 0;
    long long missing = 0;

#define EMIT(col, count)                                          \
    do {                                                          \
        if ((count) >= n_tf) {                                    \
            missing = (count);                                    \
            goto done;                                            \
        }                                                         \
        double v_ = tf[(count)] * idf[(col)];                     \
        values[nnz] = v_;                                         \
        sumsq += v_ * v_;                                         \
        if (key_size == 4) c32[nnz] = (int32_t)(col);             \
        else c64[nnz] = (col);                                    \
        nnz++;                                                    \
    } while (0)

    Py_BEGIN_ALLOW_THREADS
    int64_t last = -1;  /* sorted keys: the previous distinct key */
    indptr[0] = 0;
    for (int64_t row = 0; row < n_rows; row++) {
        int64_t row_start = row * n_cols, row_end = row_start + n_cols;
        Py_ssize_t first = nnz;
        double sumsq = 0.0;
        if (!grouped) {
            while (i < n && KEY(i) < row_end) {
                int64_t key = KEY(i);
                if (key <= last || key < row_start) {
                    bad = i;
                    goto done;
                }
                Py_ssize_t j = i + 1;
                while (j < n && KEY(j) == key) j++;
                EMIT(key - row_start, j - i);
                last = key;
                i = j;
            }
        } else {
            Py_ssize_t row_first_key = i;
            while (i < n && KEY(i) < row_end) {
                int64_t key = KEY(i);
                if (key < row_start) {
                    bad = i;
                    goto done;
                }
                int64_t col = key - row_start;
                if (count_of[col]++ == 0) {
                    bits0[col >> 6] |= 1ULL << (col & 63);
                    bits1[col >> 12] |= 1ULL << ((col >> 6) & 63);
                }
                i++;
            }
            if (i > row_first_key) {  /* read the row's columns back in order, clearing the tables */
                for (Py_ssize_t w1 = 0; w1 < n_words1; w1++) {
                    uint64_t b1 = bits1[w1];
                    bits1[w1] = 0;
                    while (b1) {
                        Py_ssize_t w0 = w1 * 64 + CTZ64(b1);
                        b1 &= b1 - 1;
                        uint64_t b0 = bits0[w0];
                        bits0[w0] = 0;
                        while (b0) {
                            int64_t col = w0 * 64 + CTZ64(b0);
                            b0 &= b0 - 1;
                            int32_t count = count_of[col];
                            count_of[col] = 0;
                            EMIT(col, count);
                        }
                    }
                }
            }
        }
        if (sumsq > 0.0) {
            double norm = sqrt(sumsq);
            for (Py_ssize_t q = first; q < nnz; q++) values[q] /= norm;
        }
        indptr[row + 1] = nnz;
    }
    if (i < n) {
        bad = i;  /* past the last row */
    }
done:
    Py_END_ALLOW_THREADS
#undef EMIT
    PyMem_RawFree(count_of);
    PyMem_RawFree(bits0);
    PyMem_RawFree(bits1);
    release(a, 6);
    if (missing) {
        return PyLong_FromLongLong(-missing);
    }
    if (bad >= 0) {
        PyErr_Format(PyExc_ValueError, "'keys' must be %s keys in [0, n_rows * n_cols): entry %zd is not",
                     grouped ? "row-grouped" : "sorted", bad);
        return NULL;
    }
    return PyLong_FromSsize_t(nnz);
}

/* ---------------------------------------------------------------- character n-gram columns of words */

#define EMPTY_KEY (-1)
#define HASH_MULTIPLIER 0x9E3779B97F4A7C15ULL

static inline uint64_t
slot_of(int64_t key, int shift)
{
    return ((uint64_t)key * HASH_MULTIPLIER) >> shift;
}

/*
 * ngram_hash(keys, cols, table_keys, table_cols, bits) -> None
 *
 * Fills an open-addressing table of 2**bits slots (table_keys int64 set to -1 beforehand, table_cols
 * int32) with the packed n-gram keys (int64, distinct, non-negative) and their columns (int64).
 */
static PyObject *
ngram_hash(PyObject *self, PyObject *args)
{
    PyObject *o_keys, *o_cols, *o_tkeys, *o_tcols;
    int bits;
    if (!PyArg_ParseTuple(args, "OOOOi", &o_keys, &o_cols, &o_tkeys, &o_tcols, &bits)) {
        return NULL;
    }
    Arg a[4] = {{"keys"}, {"cols"}, {"table_keys"}, {"table_cols"}};
    if (take(&a[0], o_keys, 8, 'i', 0) || take(&a[1], o_cols, 8, 'i', 0) || take(&a[2], o_tkeys, 8, 'i', 1)
        || take(&a[3], o_tcols, 4, 'i', 1)) {
        release(a, 4);
        return NULL;
    }
    Py_ssize_t n = LEN(a[0]), size = LEN(a[2]);
    if (bits < 1 || bits > 40 || size != ((Py_ssize_t)1 << bits) || LEN(a[3]) != size || LEN(a[1]) != n
        || 2 * n > size) {
        PyErr_SetString(PyExc_ValueError, "ngram_hash: the table must have 2**bits slots, at least twice the keys");
        release(a, 4);
        return NULL;
    }
    const int64_t *keys = a[0].view.buf, *cols = a[1].view.buf;
    int64_t *tkeys = a[2].view.buf;
    int32_t *tcols = a[3].view.buf;
    uint64_t mask = (uint64_t)size - 1;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (keys[i] < 0 || cols[i] < 0 || cols[i] > INT32_MAX) {
            PyErr_Format(PyExc_ValueError, "ngram_hash: entry %zd has a negative key or a column outside int32", i);
            release(a, 4);
            return NULL;
        }
        uint64_t h = slot_of(keys[i], 64 - bits);
        while (tkeys[h] != EMPTY_KEY) {
            if (tkeys[h] == keys[i]) {
                PyErr_Format(PyExc_ValueError, "ngram_hash: key %lld is repeated", (long long)keys[i]);
                release(a, 4);
                return NULL;
            }
            h = (h + 1) & mask;
        }
        tkeys[h] = keys[i];
        tcols[h] = (int32_t)cols[i];
    }
    release(a, 4);
    Py_RETURN_NONE;
}

/* A growable array of int32 or int64 values. */
typedef struct {
    char *data;
    Py_ssize_t used, size, itemsize;
} Growable;

static int
grow_push(Growable *g, int64_t value)
{
    if (g->used == g->size) {
        Py_ssize_t size = g->size ? 2 * g->size : 1024;
        char *data = PyMem_Realloc(g->data, size * g->itemsize);
        if (data == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        g->data = data;
        g->size = size;
    }
    if (g->itemsize == 4) ((int32_t *)g->data)[g->used++] = (int32_t)value;
    else ((int64_t *)g->data)[g->used++] = value;
    return 0;
}

/* (a, b): the used parts of two growable arrays as bytes objects. */
static PyObject *
bytes_pair(const Growable *a, const Growable *b)
{
    PyObject *x = PyBytes_FromStringAndSize(a->data ? a->data : "", a->used * a->itemsize);
    PyObject *y = PyBytes_FromStringAndSize(b->data ? b->data : "", b->used * b->itemsize);
    PyObject *pair = x != NULL && y != NULL ? PyTuple_Pack(2, x, y) : NULL;
    Py_XDECREF(x);
    Py_XDECREF(y);
    return pair;
}

/*
 * ngram_columns(words, alpha, table_keys, table_cols, bits, min_n, max_n, alphabet_bits) -> (indptr, cols)
 *
 * The vocabulary columns of the char_wb n-grams of each word (a list of str without whitespace), as
 * scikit-learn's analyzer makes them: every n-gram of min_n to max_n characters of " word ", and the
 * whole padded word when it is shorter than min_n (and at least 3 characters). A character is its id
 * alpha[code point] (0, or a code point past alpha: in no vocabulary n-gram); an n-gram is packed as
 * sum(id_t << (alphabet_bits * t)) | n << 60 and looked up in the ngram_hash table. Returns bytes:
 * indptr (int64, one more than the words) and the columns (int32), word by word.
 */
static PyObject *
ngram_columns(PyObject *self, PyObject *args)
{
    PyObject *words, *o_alpha, *o_tkeys, *o_tcols;
    int bits, min_n, max_n, alphabet_bits;
    if (!PyArg_ParseTuple(args, "O!OOOiiii", &PyList_Type, &words, &o_alpha, &o_tkeys, &o_tcols, &bits, &min_n,
                          &max_n, &alphabet_bits)) {
        return NULL;
    }
    if (min_n < 1 || max_n < min_n || max_n > 8 || alphabet_bits < 1 || alphabet_bits * max_n > 60) {
        PyErr_SetString(PyExc_ValueError, "ngram_columns: n-gram lengths or alphabet bits out of range");
        return NULL;
    }
    Arg a[3] = {{"alpha"}, {"table_keys"}, {"table_cols"}};
    if (take(&a[0], o_alpha, 8, 'i', 0) || take(&a[1], o_tkeys, 8, 'i', 0) || take(&a[2], o_tcols, 4, 'i', 0)) {
        release(a, 3);
        return NULL;
    }
    Py_ssize_t size = LEN(a[1]);
    if (bits < 1 || bits > 40 || size != ((Py_ssize_t)1 << bits) || LEN(a[2]) != size) {
        PyErr_SetString(PyExc_ValueError, "ngram_columns: the table must have 2**bits slots");
        release(a, 3);
        return NULL;
    }
    const int64_t *alpha = a[0].view.buf, *tkeys = a[1].view.buf;
    const int32_t *tcols = a[2].view.buf;
    Py_ssize_t n_alpha = LEN(a[0]), n_words = PyList_GET_SIZE(words);
    uint64_t mask = (uint64_t)size - 1;
    int shift = 64 - bits;
    int64_t space = n_alpha > ' ' ? alpha[' '] : 0;
    Growable ptr = {NULL, 0, 0, 8}, cols = {NULL, 0, 0, 4};
    int64_t *ids = NULL;
    Py_ssize_t ids_size = 0;
    PyObject *result = NULL;
    if (grow_push(&ptr, 0) < 0) goto finally;
    for (Py_ssize_t w = 0; w < n_words; w++) {
        PyObject *word = PyList_GET_ITEM(words, w);
        if (!PyUnicode_Check(word)) {
            PyErr_Format(PyExc_TypeError, "words[%zd] must be a str", w);
            goto finally;
        }
#if PY_VERSION_HEX < 0x030C0000
        if (PyUnicode_READY(word) < 0) goto finally;
#endif
        Py_ssize_t len = PyUnicode_GET_LENGTH(word), padded = len + 2;
        if (padded > ids_size) {
            int64_t *grown = PyMem_Realloc(ids, padded * sizeof(int64_t));
            if (grown == NULL) {
                PyErr_NoMemory();
                goto finally;
            }
            ids = grown;
            ids_size = padded;
        }
        int kind = PyUnicode_KIND(word);
        const void *data = PyUnicode_DATA(word);
        ids[0] = ids[padded - 1] = space;
        for (Py_ssize_t i = 0; i < len; i++) {
            Py_UCS4 ch = PyUnicode_READ(kind, data, i);
            ids[i + 1] = (Py_ssize_t)ch < n_alpha ? alpha[ch] : 0;
        }
        for (Py_ssize_t start = 0; start < padded; start++) {
            int64_t key = 0;
            for (int t = 0; t < max_n && start + t < padded; t++) {
                int64_t id = ids[start + t];
                if (id <= 0) break;  /* a character in no vocabulary n-gram: no longer n-gram from here has one */
                key |= id << (alphabet_bits * t);
                int n = t + 1;
                if (n < min_n && !(n >= 3 && start == 0 && n == padded)) continue;
                int64_t packed = key | ((int64_t)n << 60);
                uint64_t h = slot_of(packed, shift);
                while (tkeys[h] != EMPTY_KEY) {
                    if (tkeys[h] == packed) {
                        if (grow_push(&cols, tcols[h]) < 0) goto finally;
                        break;
                    }
                    h = (h + 1) & mask;
                }
            }
        }
        if (grow_push(&ptr, cols.used) < 0) goto finally;
    }
    result = bytes_pair(&ptr, &cols);
finally:
    PyMem_Free(ptr.data);
    PyMem_Free(cols.data);
    PyMem_Free(ids);
    release(a, 3);
    return result;
}

/* ---------------------------------------------------------------- word tokens of chunks */

static int
ascii_word(Py_UCS1 c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static int
ascii_letter(Py_UCS1 c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Append token_id[token] (or -1 for a token outside it, or for a negative id) to ids. */
static int
push_id(Growable *ids, PyObject *token_id, PyObject *token)
{
    PyObject *id = PyDict_GetItemWithError(token_id, token);  /* borrowed */
    if (id == NULL && PyErr_Occurred()) return -1;
    long long value = -1;
    if (id != NULL) {
        value = PyLong_AsLongLong(id);
        if (value == -1 && PyErr_Occurred()) return -1;
        if (value < 0) value = -1;
    }
    return grow_push(ids, value);
}

/* push_id of the token s[0:n], lower-cased (through buffer, of n bytes at least). */
static int
push_ascii_token_id(Growable *ids, PyObject *token_id, const Py_UCS1 *s, Py_ssize_t n, char *buffer)
{
    for (Py_ssize_t i = 0; i < n; i++) buffer[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
    PyObject *token = PyUnicode_FromStringAndSize(buffer, n);
    if (token == NULL) return -1;
    int status = push_id(ids, token_id, token);
    Py_DECREF(token);
    return status;
}

/*
 * chunk_token_ids(chunks, token_id, words) -> (ptr, ids)
 *
 * The vocabulary ids (token_id[token], or -1) of the word tokens of each chunk, as bytes: ptr (int64,
 * one more than the chunks) and ids (int64). An ASCII chunk is tokenised here exactly as
 * stance.text.processing.words does with its regex, (?:[^\W\d_]\.){2,}|\w+(?:['\-.]\w+)* on the
 * lower-cased text; any other chunk is passed to `words` (that function).
 */
static PyObject *
chunk_token_ids(PyObject *self, PyObject *args)
{
    PyObject *chunks, *token_id, *words;
    if (!PyArg_ParseTuple(args, "O!O!O", &PyList_Type, &chunks, &PyDict_Type, &token_id, &words)) {
        return NULL;
    }
    Py_ssize_t n_chunks = PyList_GET_SIZE(chunks);
    Growable ptr = {NULL, 0, 0, 8}, ids = {NULL, 0, 0, 8};
    char *buffer = NULL;
    Py_ssize_t buffer_size = 0;
    PyObject *result = NULL;
    if (grow_push(&ptr, 0) < 0) goto finally;
    for (Py_ssize_t c = 0; c < n_chunks; c++) {
        PyObject *chunk = PyList_GET_ITEM(chunks, c);
        if (!PyUnicode_Check(chunk)) {
            PyErr_Format(PyExc_TypeError, "chunks[%zd] must be a str", c);
            goto finally;
        }
#if PY_VERSION_HEX < 0x030C0000
        if (PyUnicode_READY(chunk) < 0) goto finally;
#endif
        if (!PyUnicode_IS_ASCII(chunk)) {  /* Unicode word characters and case: the regex decides */
            PyObject *tokens = PyObject_CallOneArg(words, chunk);
            if (tokens == NULL) goto finally;
            if (!PyList_Check(tokens)) {
                Py_DECREF(tokens);
                PyErr_SetString(PyExc_TypeError, "words() must return a list");
                goto finally;
            }
            for (Py_ssize_t t = 0; t < PyList_GET_SIZE(tokens); t++) {
                if (push_id(&ids, token_id, PyList_GET_ITEM(tokens, t)) < 0) {
                    Py_DECREF(tokens);
                    goto finally;
                }
            }
            Py_DECREF(tokens);
        } else {
            const Py_UCS1 *s = PyUnicode_1BYTE_DATA(chunk);
            Py_ssize_t n = PyUnicode_GET_LENGTH(chunk);
            if (n > buffer_size) {
                char *grown = PyMem_Realloc(buffer, n);
                if (grown == NULL) {
                    PyErr_NoMemory();
                    goto finally;
                }
                buffer = grown;
                buffer_size = n;
            }
            Py_ssize_t p = 0;
            while (p < n) {
                Py_ssize_t q = p, reps = 0;  /* (?:[^\W\d_]\.){2,}: an abbreviation such as u.s. */
                while (q + 1 < n && ascii_letter(s[q]) && s[q + 1] == '.') {
                    q += 2;
                    reps++;
                }
                if (reps < 2) {  /* \w+(?:['\-.]\w+)* */
                    if (!ascii_word(s[p])) {
                        p++;
                        continue;
                    }
                    q = p;
                    while (q < n && ascii_word(s[q])) q++;
                    while (q + 1 < n && (s[q] == '\'' || s[q] == '-' || s[q] == '.') && ascii_word(s[q + 1])) {
                        q++;
                        while (q < n && ascii_word(s[q])) q++;
                    }
                }
                if (push_ascii_token_id(&ids, token_id, s + p, q - p, buffer) < 0) goto finally;
                p = q;
            }
        }
        if (grow_push(&ptr, ids.used) < 0) goto finally;
    }
    result = bytes_pair(&ptr, &ids);
finally:
    PyMem_Free(ptr.data);
    PyMem_Free(ids.data);
    PyMem_Free(buffer);
    return result;
}

/* ---------------------------------------------------------------- word n-gram keys of a batch */

/*
 * word_keys(occ, start, length, values, doc, unigram_col, table_keys, table_cols, bits, n_tokens, n_cols, out)
 *     -> int
 *
 * The row * n_cols + col keys of every vocabulary word unigram and bigram of a batch, row by row. The
 * tokens are the ragged table's rows (token ids, -1 for a token outside the vocabulary) of the
 * occurrences occ, of documents doc, in order; unigram_col (int32) is each token id's unigram column
 * or -1. A bigram is two consecutive known tokens of one document, packed as a * n_tokens + b and
 * looked up in the ngram_hash table (bits 0: no bigrams). out (int32 or int64) must hold twice the
 * tokens; returns how many keys were written. Releases the GIL.
 */
static PyObject *
word_keys(PyObject *self, PyObject *args)
{
    PyObject *o_occ, *o_start, *o_length, *o_values, *o_doc, *o_uni, *o_tkeys, *o_tcols, *o_out;
    int bits;
    long long n_tokens, n_cols;
    if (!PyArg_ParseTuple(args, "OOOOOOOOiLLO", &o_occ, &o_start, &o_length, &o_values, &o_doc, &o_uni, &o_tkeys,
                          &o_tcols, &bits, &n_tokens, &n_cols, &o_out)) {
        return NULL;
    }
    Arg a[9] = {{"occ"}, {"start"}, {"length"}, {"values"}, {"doc"}, {"unigram_col"}, {"table_keys"},
                {"table_cols"}, {"out"}};
    Py_ssize_t total;
    if (take(&a[8], o_out, 0, 'i', 1)
        || take_occurrences(a, o_occ, o_start, o_length, o_values, o_doc, n_cols, KEY_LIMIT(a[8].view.itemsize),
                            &total)
        || take(&a[5], o_uni, 4, 'i', 0) || take(&a[6], o_tkeys, 8, 'i', 0) || take(&a[7], o_tcols, 4, 'i', 0)) {
        release(a, 9);
        return NULL;
    }
    Py_ssize_t out_size = a[8].view.itemsize;
    Py_ssize_t m = LEN(a[0]), n_uni = LEN(a[5]), size = LEN(a[6]);
    if (n_tokens < 0 || n_uni < n_tokens || LEN(a[7]) != size
        || (bits != 0 && (bits < 1 || bits > 40 || size != ((Py_ssize_t)1 << bits)))) {
        PyErr_SetString(PyExc_ValueError, "word_keys: array sizes or types do not match");
        release(a, 9);
        return NULL;
    }
    const int64_t *occ = a[0].view.buf, *start = a[1].view.buf, *tkeys = a[6].view.buf;
    const int32_t *length = a[2].view.buf, *values = a[3].view.buf, *doc = a[4].view.buf, *uni = a[5].view.buf;
    const int32_t *tcols = a[7].view.buf;
    for (Py_ssize_t i = 0; i < m; i++) {  /* every token id inside the vocabulary */
        for (int32_t j = 0; j < length[occ[i]]; j++) {
            int32_t t = values[start[occ[i]] + j];
            if (t >= n_tokens || (t >= 0 && uni[t] >= n_cols)) {
                PyErr_Format(PyExc_ValueError, "occurrence %zd: token id %d outside the vocabulary", i, (int)t);
                release(a, 9);
                return NULL;
            }
        }
    }
    if (LEN(a[8]) < 2 * total) {
        PyErr_SetString(PyExc_ValueError, "word_keys: 'out' must hold twice the tokens");
        release(a, 9);
        return NULL;
    }
    Py_ssize_t p = 0;
    Py_BEGIN_ALLOW_THREADS
    uint64_t mask = size ? (uint64_t)size - 1 : 0;
    int shift = 64 - bits;
    int32_t previous = -1;       /* the token before, in the same document (-1: none or unknown) */
    int32_t previous_doc = -1;
    int32_t *o32 = a[8].view.buf;
    int64_t *o64 = a[8].view.buf;
    for (Py_ssize_t i = 0; i < m; i++) {
        int64_t base = (int64_t)doc[i] * n_cols;
        if (doc[i] != previous_doc) {
            previous = -1;
            previous_doc = doc[i];
        }
        const int32_t *row = values + start[occ[i]];
        for (int32_t j = 0; j < length[occ[i]]; j++) {
            int32_t t = row[j];
            if (t < 0) {
                previous = -1;
                continue;
            }
            if (uni[t] >= 0) {
                if (out_size == 4) o32[p++] = (int32_t)(base + uni[t]); else o64[p++] = base + uni[t];
            }
            if (bits && previous >= 0) {
                int64_t packed = (int64_t)previous * n_tokens + t;
                uint64_t h = slot_of(packed, shift);
                while (tkeys[h] != EMPTY_KEY) {
                    if (tkeys[h] == packed) {
                        if (out_size == 4) o32[p++] = (int32_t)(base + tcols[h]); else o64[p++] = base + tcols[h];
                        break;
                    }
                    h = (h + 1) & mask;
                }
            }
            previous = t;
        }
    }
    Py_END_ALLOW_THREADS
    release(a, 9);
    return PyLong_FromSsize_t(p);
}

static PyMethodDef methods[] = {
    {"gather_keys", gather_keys, METH_VARARGS,
     "gather_keys(occ, start, length, values, doc, n_cols, out): doc * n_cols + value of every gathered value."},
    {"tfidf_rows", tfidf_rows, METH_VARARGS,
     "tfidf_rows(keys, n_rows, n_cols, idf, tf, indptr, cols, values, grouped) -> nnz (or -count when tf is "
     "too short)."},
    {"chunk_token_ids", chunk_token_ids, METH_VARARGS,
     "chunk_token_ids(chunks, token_id, words) -> (ptr, ids) as bytes: the vocabulary ids of each chunk's word "
     "tokens."},
    {"word_keys", word_keys, METH_VARARGS,
     "word_keys(occ, start, length, values, doc, unigram_col, table_keys, table_cols, bits, n_tokens, n_cols, out) "
     "-> n: the (row, column) keys of the word unigrams and bigrams of a batch."},
    {"ngram_hash", ngram_hash, METH_VARARGS,
     "ngram_hash(keys, cols, table_keys, table_cols, bits): the open-addressing table of the packed n-grams."},
    {"ngram_columns", ngram_columns, METH_VARARGS,
     "ngram_columns(words, alpha, table_keys, table_cols, bits, min_n, max_n, alphabet_bits) -> (indptr, cols) "
     "as bytes."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_kernels",
    "C loops of the compiled TF-IDF transform (optional; compiled.py has the same in numpy).", -1, methods,
};

PyMODINIT_FUNC
PyInit__kernels(void)
{
    return PyModule_Create(&module);
}
