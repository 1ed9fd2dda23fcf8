/*
 * The word counts of the language check (stance/text/language.py), in C, for paragraphs whose
 * sample (the first `sample_chars` characters) holds only ASCII, whitespace and the quotes and dashes
 * of English typography (« » “ ” ‘ ’ „ – — …), as most English text does.
 *
 * Optional: built when a C compiler is there at install time; language.py counts the same in
 * Python when it is missing, and always for any other sample. The tests compare both.
 * For such a sample this reproduces, exactly:
 *   words = sample.lower().split()                      (whitespace as str.split: Py_UNICODE_ISSPACE)
 *   english / foreign = function words among strip(word) (the strip characters of language.py)
 *   elisions = len(_ELISION_RE.findall(lowered))         (l' d' j' n' s' c' qu' dell' all' nell' sull',
 *                                                         with ' or ’)
 * None of those typographic characters is a letter, a space or changed by lower(), so the sample's
 * script check (which counts letters) never applies to it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

static int
is_space(unsigned char c)
{
    return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
}

/* The typographic characters a sample may hold, as the bytes 0x80 + their index here. */
static const Py_UCS4 TYPOGRAPHIC[] = {0xAB, 0xBB, 0x201C, 0x201D, 0x2018, 0x2019, 0x201E, 0x2013, 0x2014, 0x2026};
#define N_TYPOGRAPHIC ((int)(sizeof(TYPOGRAPHIC) / sizeof(TYPOGRAPHIC[0])))
#define RIGHT_QUOTE (0x80 + 5) /* ’, an apostrophe for the elisions */

static int
is_strip(unsigned char c)
{
    /* all the typographic characters are strip characters of language.py */
    return (c >= 0x80 && c < 0x80 + N_TYPOGRAPHIC) || (c != 0 && c < 0x80 && strchr(".,;:!?\"'()[]{}<>-*#@/", c) != NULL);
}

static int
is_word(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* An elided article or preposition ends right before the apostrophe at p, and starts a word. */
static int
elided_before(const unsigned char *s, Py_ssize_t p)
{
    static const char *const words[] = {"l", "d", "j", "n", "s", "c", "qu", "dell", "all", "nell", "sull"};
    for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
        Py_ssize_t k = (Py_ssize_t)strlen(words[w]);
        if (p >= k && memcmp(s + p - k, words[w], k) == 0 && (p == k || !is_word(s[p - k - 1]))) {
            return 1;
        }
    }
    return 0;
}

/* The word packed into 8 bytes (little-endian, zero-padded): the key of the function-word table. */
static uint64_t
pack(const unsigned char *w, Py_ssize_t n)
{
    uint64_t key = 0;
    for (Py_ssize_t i = 0; i < n; i++) key |= (uint64_t)w[i] << (8 * i);
    return key;
}

/*
 * language_counts(texts, keys, kinds, sample_chars, out) -> None
 *
 * texts: a list of str. keys: sorted uint64 packed function words (ASCII, at most 8 characters);
 * kinds: int8, 1 for an English function word, 2 for a foreign one. out: int64, 4 per text:
 * English function words, foreign ones, words, elisions of the text's sample; words is -1 when the
 * sample holds another character (count it in Python).
 */
static PyObject *
language_counts(PyObject *self, PyObject *args)
{
    PyObject *texts, *o_keys, *o_kinds, *o_out;
    Py_ssize_t sample_chars;
    if (!PyArg_ParseTuple(args, "O!OOnO", &PyList_Type, &texts, &o_keys, &o_kinds, &sample_chars, &o_out)) {
        return NULL;
    }
    Py_buffer keys_view, kinds_view, out_view;
    if (PyObject_GetBuffer(o_keys, &keys_view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
        return NULL;
    }
    if (PyObject_GetBuffer(o_kinds, &kinds_view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
        PyBuffer_Release(&keys_view);
        return NULL;
    }
    if (PyObject_GetBuffer(o_out, &out_view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) < 0) {
        PyBuffer_Release(&keys_view);
        PyBuffer_Release(&kinds_view);
        return NULL;
    }
    Py_ssize_t n_texts = PyList_GET_SIZE(texts), n_keys = keys_view.len / 8;
    PyObject *result = NULL;
    if (keys_view.itemsize != 8 || kinds_view.itemsize != 1 || kinds_view.len != n_keys || out_view.itemsize != 8
        || out_view.len != 4 * 8 * n_texts || sample_chars < 0) {
        PyErr_SetString(PyExc_ValueError,
                        "language_counts: keys must be uint64, kinds int8 of the same length, out int64 of 4 per text");
        goto finally;
    }
    const uint64_t *keys = keys_view.buf;
    const int8_t *kinds = kinds_view.buf;
    int64_t *out = out_view.buf;
    unsigned char sample[4096];
    if (sample_chars > (Py_ssize_t)sizeof(sample)) {
        PyErr_SetString(PyExc_ValueError, "language_counts: sample_chars must be at most 4096");
        goto finally;
    }
    for (Py_ssize_t t = 0; t < n_texts; t++) {
        PyObject *text = PyList_GET_ITEM(texts, t);
        int64_t *row = out + 4 * t;
        if (!PyUnicode_Check(text)) {
            PyErr_Format(PyExc_TypeError, "texts[%zd] must be a str", t);
            goto finally;
        }
#if PY_VERSION_HEX < 0x030C0000
        if (PyUnicode_READY(text) < 0) {  /* a legacy string (3.11 and earlier): make its data canonical */
            goto finally;
        }
#endif
        Py_ssize_t len = PyUnicode_GET_LENGTH(text);
        if (len > sample_chars) len = sample_chars;
        int kind = PyUnicode_KIND(text);
        const void *data = PyUnicode_DATA(text);
        int ok = 1;
        for (Py_ssize_t i = 0; i < len && ok; i++) {
            Py_UCS4 ch = PyUnicode_READ(kind, data, i);
            if (ch < 128) {
                sample[i] = (unsigned char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
            } else if (Py_UNICODE_ISSPACE(ch)) {
                sample[i] = ' ';
            } else {
                ok = 0;
                for (int k = 0; k < N_TYPOGRAPHIC; k++) {
                    if (ch == TYPOGRAPHIC[k]) {
                        sample[i] = (unsigned char)(0x80 + k);
                        ok = 1;
                        break;
                    }
                }
            }
        }
        if (!ok) {
            row[0] = row[1] = row[3] = 0;
            row[2] = -1;
            continue;
        }
        int64_t english = 0, foreign = 0, n_words = 0, elisions = 0, apostrophes = 0;
        Py_ssize_t i = 0;
        while (i < len) {
            while (i < len && is_space(sample[i])) i++;
            if (i >= len) break;
            Py_ssize_t start = i;
            while (i < len && !is_space(sample[i])) i++;
            n_words++;
            Py_ssize_t a = start, b = i;
            while (a < b && is_strip(sample[a])) a++;
            while (b > a && is_strip(sample[b - 1])) b--;
            if (b - a >= 1 && b - a <= 8 && memchr(sample + a, 0, b - a) == NULL) {  /* keys hold no NUL */
                uint64_t key = pack(sample + a, b - a);
                Py_ssize_t lo = 0, hi = n_keys;
                while (lo < hi) {
                    Py_ssize_t mid = (lo + hi) / 2;
                    if (keys[mid] < key) lo = mid + 1; else hi = mid;
                }
                if (lo < n_keys && keys[lo] == key) {
                    if (kinds[lo] == 1) english++; else foreign++;
                }
            }
        }
        for (Py_ssize_t p = 0; p < len; p++) {
            if (sample[p] != '\'' && sample[p] != RIGHT_QUOTE) continue;
            apostrophes++;
            if (p + 1 < len && sample[p + 1] >= 'a' && sample[p + 1] <= 'z' && elided_before(sample, p)) elisions++;
        }
        row[0] = english;
        row[1] = foreign;
        row[2] = n_words;
        row[3] = apostrophes ? elisions : 0;
    }
    result = Py_NewRef(Py_None);
finally:
    PyBuffer_Release(&keys_view);
    PyBuffer_Release(&kinds_view);
    PyBuffer_Release(&out_view);
    return result;
}

static PyMethodDef methods[] = {
    {"language_counts", language_counts, METH_VARARGS,
     "language_counts(texts, keys, kinds, sample_chars, out): function-word, word and elision counts of samples "
     "of ASCII, whitespace and typographic quotes and dashes (words -1 for any other sample)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_language",
    "Word counts of the language check for most samples (optional; language.py has the same in Python).", -1,
    methods,
};

PyMODINIT_FUNC
PyInit__language(void)
{
    return PyModule_Create(&module);
}
