/*
 * Two loops of the compiled TF-IDF transform (stance/features/compiled.py), in C.
 *
 * This module is optional: it is built when a C compiler is there at install time, and
 * compiled.py falls back to the same computation in numpy when it is missing. Both give the
 * same arrays, bit for bit (the tests compare them); the C loops only skip numpy's temporary
 * arrays. Both functions release the GIL while they run.
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

/* Take a C-contiguous one-dimensional buffer of items of `itemsize` bytes whose format is one of
 * `kinds` ("i" for signed integers, "f" for floating point). */
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
    if (arg->view.ndim != 1 || arg->view.itemsize != itemsize || (kind == 'i' ? !is_int : !is_float)) {
        PyErr_Format(PyExc_TypeError, "'%s' must be a 1-d C-contiguous array of %zd-byte %s", arg->name,
                     itemsize, kind == 'i' ? "signed integers" : "floats");
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
    if (take(&a[0], o_occ, 8, 'i', 0) || take(&a[1], o_start, 8, 'i', 0) || take(&a[2], o_length, 4, 'i', 0)
        || take(&a[3], o_values, 4, 'i', 0) || take(&a[4], o_doc, 4, 'i', 0)) {
        release(a, 6);
        return NULL;
    }
    a[5].name = "out";
    if (PyObject_GetBuffer(o_out, &a[5].view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) < 0) {
        release(a, 6);
        return NULL;
    }
    a[5].held = 1;
    Py_ssize_t out_size = a[5].view.itemsize;
    if (a[5].view.ndim != 1 || (out_size != 4 && out_size != 8)) {
        PyErr_SetString(PyExc_TypeError, "'out' must be a 1-d C-contiguous array of int32 or int64");
        release(a, 6);
        return NULL;
    }
    const int64_t *occ = a[0].view.buf, *start = a[1].view.buf;
    const int32_t *length = a[2].view.buf, *values = a[3].view.buf, *doc = a[4].view.buf;
    Py_ssize_t m = LEN(a[0]), n_table = LEN(a[1]), n_values = LEN(a[3]), n_out = LEN(a[5]);
    if (LEN(a[2]) != n_table || LEN(a[4]) != m) {
        PyErr_SetString(PyExc_ValueError, "'length' must match 'start' and 'doc' must match 'occ'");
        release(a, 6);
        return NULL;
    }
    /* check every index before writing anything */
    Py_ssize_t total = 0;
    for (Py_ssize_t i = 0; i < m; i++) {
        int64_t r = occ[i];
        if (r < 0 || r >= n_table || start[r] < 0 || length[r] < 0 || start[r] + length[r] > n_values) {
            PyErr_Format(PyExc_IndexError, "occurrence %zd reads row %lld outside the table", i, (long long)r);
            release(a, 6);
            return NULL;
        }
        total += length[r];
    }
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

/* Sort keys[0:n] of one row (base <= key < base + 2**bits) in place: insertion sort for a few keys,
 * else an LSD radix sort of key - base on 8-bit digits through tmp. */
#define RADIX_SORT(T)                                                                                   \
    static void sort_row_##T(T *keys, T *tmp, Py_ssize_t n, T base, int bits)                                  \
    {                                                                                                   \
        if (n < 48) {                                                                                   \
            for (Py_ssize_t i = 1; i < n; i++) {                                                        \
                T k = keys[i];                                                                          \
                Py_ssize_t j = i;                                                                       \
                while (j > 0 && keys[j - 1] > k) {                                                      \
                    keys[j] = keys[j - 1];                                                              \
                    j--;                                                                                \
                }                                                                                       \
                keys[j] = k;                                                                            \
            }                                                                                           \
            return;                                                                                     \
        }                                                                                               \
        T *src = keys, *dst = tmp;                                                                      \
        for (int shift = 0; shift < bits; shift += 8) {                                                 \
            Py_ssize_t count[257] = {0};                                                                \
            for (Py_ssize_t i = 0; i < n; i++) count[(((src[i] - base) >> shift) & 255) + 1]++;            \
            for (int b = 0; b < 256; b++) count[b + 1] += count[b];                                     \
            for (Py_ssize_t i = 0; i < n; i++) dst[count[((src[i] - base) >> shift) & 255]++] = src[i];      \
            T *t = src; src = dst; dst = t;                                                             \
        }                                                                                               \
        if (src != keys) memcpy(keys, src, n * sizeof(T));                                              \
    }
RADIX_SORT(int32_t)
RADIX_SORT(int64_t)

/*
 * tfidf_rows(keys, n_rows, n_cols, idf, tf, indptr, cols, values, sort_rows) -> int
 *
 * CSR rows of tf x idf with L2-normalised rows from row * n_cols + col keys (int32 or int64; a
 * repeated key is a repeated occurrence). The keys must be sorted; with sort_rows, they need only be
 * grouped by row (rows non-decreasing), and each row's keys are sorted here, in place. Writes indptr
 * (int64, n_rows + 1), the first nnz entries of cols (the keys' type) and of values (float64), and
 * returns nnz; returns -c when a count c has no entry in tf (float64: tf[c] is the term frequency of
 * count c). The row norms are summed in key order, as numpy's bincount sums them.
 */
static PyObject *
tfidf_rows(PyObject *self, PyObject *args)
{
    PyObject *o_keys, *o_idf, *o_tf, *o_indptr, *o_cols, *o_values;
    long long n_rows, n_cols;
    int sort_rows;
    if (!PyArg_ParseTuple(args, "OLLOOOOOp", &o_keys, &n_rows, &n_cols, &o_idf, &o_tf, &o_indptr, &o_cols,
                          &o_values, &sort_rows)) {
        return NULL;
    }
    Arg a[6] = {{"keys"}, {"idf"}, {"tf"}, {"indptr"}, {"cols"}, {"values"}};
    int key_flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (sort_rows ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(o_keys, &a[0].view, key_flags) < 0) {
        return NULL;
    }
    a[0].held = 1;
    Py_ssize_t key_size = a[0].view.itemsize;
    if (a[0].view.ndim != 1 || (key_size != 4 && key_size != 8)) {
        PyErr_SetString(PyExc_TypeError, "'keys' must be a 1-d C-contiguous array of int32 or int64");
        release(a, 6);
        return NULL;
    }
    if (take(&a[1], o_idf, 8, 'f', 0) || take(&a[2], o_tf, 8, 'f', 0) || take(&a[3], o_indptr, 8, 'i', 1)
        || take(&a[4], o_cols, key_size, 'i', 1) || take(&a[5], o_values, 8, 'f', 1)) {
        release(a, 6);
        return NULL;
    }
    Py_ssize_t n = LEN(a[0]), n_tf = LEN(a[2]);
    if (n_rows < 0 || n_cols < 1 || LEN(a[1]) != n_cols || LEN(a[3]) != n_rows + 1 || LEN(a[4]) < n
        || LEN(a[5]) < n || (key_size == 4 && n_rows * n_cols > INT32_MAX)) {
        PyErr_SetString(PyExc_ValueError, "tfidf_rows: array sizes do not match n_rows and n_cols");
        release(a, 6);
        return NULL;
    }
    const double *idf = a[1].view.buf, *tf = a[2].view.buf;
    int64_t *indptr = a[3].view.buf;
    double *values = a[5].view.buf;
    int32_t *k32 = a[0].view.buf, *c32 = a[4].view.buf;
    int64_t *k64 = a[0].view.buf, *c64 = a[4].view.buf;
    Py_ssize_t nnz = 0, bad = -1;
    long long missing = 0;
    void *tmp = NULL;
    int bits = 0;
    while (bits < 63 && (1LL << bits) < n_cols) bits += 8;
    if (sort_rows && n > 0) {
        tmp = PyMem_RawMalloc(n * key_size);
        if (tmp == NULL) {
            release(a, 6);
            return PyErr_NoMemory();
        }
    }

    Py_BEGIN_ALLOW_THREADS
    int64_t row = 0, row_start = 0;  /* rows before `row` are finished; row_start = row * n_cols */
    Py_ssize_t row_first = 0;        /* first entry of the current row */
    Py_ssize_t sorted_to = 0;        /* with sort_rows: keys before this index are sorted */
    double sumsq = 0.0;
    int64_t last = -1;               /* the previous distinct key */
    Py_ssize_t i = 0;
    indptr[0] = 0;
    while (i < n) {
        int64_t key = key_size == 4 ? k32[i] : k64[i];
        if (key < row_start || key >= n_rows * n_cols) {
            bad = i;  /* a key of an earlier row (not grouped or not sorted), or outside the matrix */
            break;
        }
        if (key >= row_start + n_cols) {  /* a later row: close the rows before it */
            int64_t r = key / n_cols;
            while (row < r) {
                if (sumsq > 0.0) {
                    double norm = sqrt(sumsq);
                    for (Py_ssize_t q = row_first; q < nnz; q++) values[q] /= norm;
                }
                indptr[++row] = nnz;
                row_first = nnz;
                sumsq = 0.0;
            }
            row_start = row * n_cols;
        }
        if (sort_rows && i >= sorted_to) {  /* sort this row's keys: from i to the first key past the row */
            Py_ssize_t end = i + 1;
            int64_t row_end = row_start + n_cols;
            if (key_size == 4) {
                while (end < n && k32[end] >= row_start && k32[end] < row_end) end++;
                sort_row_int32_t(k32 + i, tmp, end - i, (int32_t)row_start, bits);
                key = k32[i];
            } else {
                while (end < n && k64[end] >= row_start && k64[end] < row_end) end++;
                sort_row_int64_t(k64 + i, tmp, end - i, row_start, bits);
                key = k64[i];
            }
            sorted_to = end;
        }
        if (key <= last) {
            bad = i;  /* not sorted */
            break;
        }
        last = key;
        Py_ssize_t j = i + 1;
        if (key_size == 4) {
            while (j < n && k32[j] == key) j++;
        } else {
            while (j < n && k64[j] == key) j++;
        }
        Py_ssize_t count = j - i;
        if (count >= n_tf) {
            missing = count;
            break;
        }
        int64_t col = key - row_start;
        double v = tf[count] * idf[col];
        values[nnz] = v;
        sumsq += v * v;
        if (key_size == 4) c32[nnz] = (int32_t)col; else c64[nnz] = col;
        nnz++;
        i = j;
    }
    if (!missing && bad < 0) {
        while (row < n_rows) {
            if (sumsq > 0.0) {
                double norm = sqrt(sumsq);
                for (Py_ssize_t q = row_first; q < nnz; q++) values[q] /= norm;
            }
            indptr[++row] = nnz;
            row_first = nnz;
            sumsq = 0.0;
        }
    }
    Py_END_ALLOW_THREADS
    PyMem_RawFree(tmp);
    release(a, 6);
    if (bad >= 0) {
        PyErr_Format(PyExc_ValueError, "'keys' must be %s keys in [0, n_rows * n_cols): entry %zd is not",
                     sort_rows ? "row-grouped" : "sorted", bad);
        return NULL;
    }
    if (missing) {
        return PyLong_FromLongLong(-missing);
    }
    return PyLong_FromSsize_t(nnz);
}

static PyMethodDef methods[] = {
    {"gather_keys", gather_keys, METH_VARARGS,
     "gather_keys(occ, start, length, values, doc, n_cols, out): doc * n_cols + value of every gathered value."},
    {"tfidf_rows", tfidf_rows, METH_VARARGS,
     "tfidf_rows(keys, n_rows, n_cols, idf, tf, indptr, cols, values, sort_rows) -> nnz (or -count when tf is "
     "too short)."},
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
