/*
 * read_jsonl.c: JSON Lines input, one document an object a line.
 *
 * The pipeline. A line reader over an ibid_stream (so .gz and .zst work alike) reads a block of
 * about 32 MiB at a time; the complete lines it holds form a batch. The lines of a batch are
 * parsed on o->n_threads threads (ibid_parallel_for): each line is independent, and item i
 * writes only its own record, a finished document (id, text and metadata in their own malloc'd
 * buffers) or an error. Then one thread walks the records in line order, adding each document
 * to the corpus, which takes the buffers over without copying them (ibid_corpus_add_owned), or
 * recording or returning the error. So the documents, the skipped records and the first error
 * are those of a reader that took one line at a time, whatever the thread count and wherever
 * the blocks end. Memory beyond the documents: the block, grown only as far as one line needs,
 * and one record per line of a batch (at most 64K lines).
 *
 * With more than one thread, reading overlaps the rest, as in minimap2's two-step kt_pipeline:
 * a reader thread takes and parses batch j (reading, decompressing, splitting lines, and the
 * parse on n_threads threads) while the caller's thread gives batch j - 1 to the sink. Two
 * batches and two line buffers take turns, so memory is two blocks and two batches of texts;
 * the batches, their order and the errors are those of one thread.
 *
 * Line limits: a line longer than o->max_line is an error the moment the limit is passed, and
 * the rest of it is read and dropped, never held. A line may end in "\n" or "\r\n"; the last
 * line needs no line ending; blank lines are skipped but counted. A stream error (I/O, corrupt
 * compressed data) always stops the read, after the complete lines read before it, and names
 * the line being read when it happened.
 *
 * Each line is checked in this order, so that every failure gets the most useful message:
 *   1. UTF-8, over the whole line (jansson checks only inside strings and its message is
 *      vague), giving the byte column of the first bad sequence;
 *   2. no raw NUL byte (legal UTF-8, never legal JSON; jansson calls it "end of file");
 *   3. JSON syntax, by jansson with JSON_ALLOW_NUL (texts may hold \u0000) and
 *      JSON_REJECT_DUPLICATES (two "text" fields would make the document ambiguous);
 *   4. an object with the id field (a string, or an integer written as its decimal text) and
 *      the text field (a string), the text at most o->max_doc bytes.
 * The other fields are the document's metadata. They are copied from the line as written, white
 * space outside strings removed, in their order: re-serializing through jansson would print
 * 0.1 as 0.10000000000000001 and 1e5 as 100000.0. A line with no other fields has no metadata.
 *
 * The text, nearly all of every line, does not go through jansson. jansson reads a byte at a
 * time through a callback and copies a string twice; instead a scan finds the top-level member
 * whose key is the text field and decodes its string straight into the document's buffer,
 * checking it by jansson's rules (no control character, only the escapes of RFC 8259, \u
 * surrogates in pairs). jansson then parses the line with that string emptied, "text": "",
 * which holds every other byte of the line. The two parts together are what jansson would make
 * of the whole line: the string's contents cannot change how the rest parses. Whenever the scan
 * is unsure (no such member, a key written with escapes, a string jansson would reject) or
 * jansson rejects the emptied line, jansson parses the whole line as it is, so every error
 * message and column is jansson's own.
 *
 * Errors name the file, the 1-based line and, for UTF-8 and syntax errors, the byte column.
 * Under o->skip_bad a bad line is recorded in the corpus (ibid_corpus_skip) and reading goes
 * on; errors of the stream itself always stop the read.
 */
#include "ibid_int.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <utf8proc.h>

#define READ_CHUNK  ((size_t)1 << 16)
#define JSON_FLAGS  (JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES)
#define MAX_THREADS 1024

void ibid_read_opts_init(ibid_read_opts *o)
{
    assert(o);
    memset(o, 0, sizeof *o);
    o->id_field = "id";
    o->text_field = "text";
    o->skip_bad = 0;
    o->max_line = (size_t)1 << 30;
    o->max_doc = (size_t)1 << 30;
    o->n_threads = 1;
}

int ibid_read_opts_check(const ibid_read_opts *o, ibid_error *err)
{
    assert(o);
    if (!o->id_field || !*o->id_field)
        return ibid_fail(err, IBID_EINVAL, NULL, 0, 0, "the id field name is empty");
    if (!o->text_field || !*o->text_field)
        return ibid_fail(err, IBID_EINVAL, NULL, 0, 0, "the text field name is empty");
    if (strcmp(o->id_field, o->text_field) == 0)
        return ibid_fail(err, IBID_EINVAL, NULL, 0, 0,
                         "the id and text fields must differ (both are \"%s\")", o->id_field);
    if (o->max_line == 0)
        return ibid_fail(err, IBID_EINVAL, NULL, 0, 0, "max_line must be at least 1 byte");
    if (o->max_doc >= UINT32_MAX)
        return ibid_fail(err, IBID_EINVAL, NULL, 0, 0,
                         "max_doc is %zu bytes; documents must be smaller than 4 GiB", o->max_doc);
    if (o->n_threads < 1 || o->n_threads > MAX_THREADS)
        return ibid_fail(err, IBID_EINVAL, NULL, 0, 0, "n_threads is %d; it must be from 1 to %d",
                         o->n_threads, MAX_THREADS);
    return 0;
}

void ibid_jsonl_tuning_init(ibid_jsonl_tuning *t)
{
    assert(t);
    t->block = (size_t)32 << 20;
    t->batch_lines = (size_t)1 << 16;
    t->jansson_only = 0;
    t->mid_file = 0;
}

/* ---- the line reader ---- */

enum { LINE_EOF = 0, LINE_OK = 1, LINE_TOO_LONG = 2, LINE_MORE = 3 };

typedef struct line_reader {
    ibid_stream *s;
    size_t max_line; /* bytes, line ending excluded */
    size_t block;    /* bytes a fill aims to hold */
    char *buf;
    size_t m_buf; /* bytes allocated */
    size_t beg;   /* buf[beg, end) is read but not yet returned */
    size_t end;
    size_t scanned; /* buf[beg, beg + scanned) holds no '\n' */
    int eof;        /* the stream is exhausted */
    int discard;    /* dropping the rest of a line that was too long */
    long line;      /* number of the line last returned (or reported too long) */
    int pending;    /* a stream error met by a fill that read something first, or 0 */
    ibid_error pending_err;
    char *buf2; /* with a reader thread: the other buffer, holding the batch being consumed */
    size_t m_buf2;
    int swap; /* the next fill moves the unread bytes into buf2 and swaps the two */
} line_reader;

/*
 * Read more bytes after buf[end), moving the unread bytes to the front first, until the buffer
 * holds lr->block bytes or the stream ends. Returns 0 or an error code; sets lr->eof at the end
 * of the stream. An error after some bytes were read is kept for the next call, so that the
 * lines before it are parsed first.
 */
static int fill(line_reader *lr, ibid_error *err)
{
    assert(!lr->eof && lr->beg <= lr->end && lr->end <= lr->m_buf);
    if (lr->pending < 0) {
        if (err) *err = lr->pending_err;
        return lr->pending;
    }
    if (lr->swap) { /* buf holds lines still in use: fill the other buffer */
        lr->swap = 0;
        size_t need = lr->end - lr->beg + READ_CHUNK, base = lr->block + READ_CHUNK;
        if (lr->m_buf2 < need || lr->m_buf2 < base) { /* allocated afresh: nothing in it to keep */
            free(lr->buf2);
            lr->m_buf2 = need > base ? need : base;
            lr->buf2 = ibid_xmalloc(lr->m_buf2);
        }
        memcpy(lr->buf2, lr->buf + lr->beg, lr->end - lr->beg);
        char *t = lr->buf;
        lr->buf = lr->buf2;
        lr->buf2 = t;
        size_t m = lr->m_buf;
        lr->m_buf = lr->m_buf2;
        lr->m_buf2 = m;
        lr->end -= lr->beg;
        lr->beg = 0;
    } else if (lr->beg > 0) {
        memmove(lr->buf, lr->buf + lr->beg, lr->end - lr->beg);
        lr->end -= lr->beg;
        lr->beg = 0;
    }
    size_t base = lr->block + READ_CHUNK; /* what the buffer holds but for very long lines */
    if (lr->m_buf > 2 * base && lr->end + READ_CHUNK <= base) {
        lr->buf = ibid_xrealloc(lr->buf, base);
        lr->m_buf = base;
    }
    if (lr->m_buf - lr->end < READ_CHUNK) IBID_GROW(lr->buf, lr->m_buf, lr->end + READ_CHUNK);
    size_t got = 0;
    do {
        size_t want = lr->m_buf - lr->end;
        if (want > lr->block) want = lr->block;
        long k = ibid_stream_read(lr->s, lr->buf + lr->end, want, &lr->pending_err);
        if (k < 0) {
            if (got > 0) {
                lr->pending = (int)k;
                return 0;
            }
            if (err) *err = lr->pending_err;
            return (int)k;
        }
        if (k == 0) {
            lr->eof = 1;
            break;
        }
        lr->end += (size_t)k;
        got += (size_t)k;
    } while (lr->end < lr->block && lr->end < lr->m_buf);
    return 0;
}

static int too_long(line_reader *lr, ibid_error *err)
{
    ibid_fail(err, IBID_ETOOBIG, ibid_stream_name(lr->s), lr->line, 0,
              "line is longer than %zu bytes (the max_line limit)", lr->max_line);
    return LINE_TOO_LONG;
}

/*
 * The next line already read, without its ending, in *p, *n (valid until the next fill).
 * Returns LINE_OK, LINE_EOF, LINE_TOO_LONG (err filled; the line is skipped) or LINE_MORE when
 * no complete line is left and the stream has more: then fill, and ask again.
 */
static int take_line(line_reader *lr, const char **p, size_t *n, ibid_error *err)
{
    for (;;) {
        char *start = lr->buf + lr->beg;
        size_t have = lr->end - lr->beg;
        if (lr->discard) {
            char *nl = have ? memchr(start, '\n', have) : NULL;
            if (nl) {
                lr->beg += (size_t)(nl - start) + 1;
                lr->discard = 0;
                continue;
            }
            lr->beg = lr->end = 0;
            return lr->eof ? LINE_EOF : LINE_MORE;
        }
        assert(lr->scanned <= have);
        char *nl =
            have > lr->scanned ? memchr(start + lr->scanned, '\n', have - lr->scanned) : NULL;
        if (nl || (lr->eof && have > 0)) {
            size_t len = nl ? (size_t)(nl - start) : have;
            lr->beg += len + (nl != NULL);
            lr->scanned = 0;
            lr->line++;
            if (len > 0 && start[len - 1] == '\r') len--;
            if (len > lr->max_line) return too_long(lr, err);
            *p = start;
            *n = len;
            return LINE_OK;
        }
        if (lr->eof) return LINE_EOF;
        lr->scanned = have;
        /* max_line bytes and a '\r' may still be followed by '\n'; one byte more may not */
        if (have > lr->max_line && have - lr->max_line > 1) {
            lr->line++;
            lr->discard = 1;
            lr->beg = lr->end = lr->scanned = 0;
            return too_long(lr, err);
        }
        return LINE_MORE;
    }
}

/* ---- scanning a line ---- */

#define ONES  ((uint64_t)0x0101010101010101)
#define HIGHS ((uint64_t)0x8080808080808080)

static uint64_t load8(const char *s)
{
    uint64_t w;
    memcpy(&w, s, sizeof w);
    return w;
}

/* Whether one of the 8 bytes of w is zero, is `b`, or is below 0x20 (exact as a yes or no). */
static int has_zero(uint64_t w)
{
    return ((w - ONES) & ~w & HIGHS) != 0;
}

static int has_byte(uint64_t w, unsigned char b)
{
    return has_zero(w ^ (ONES * b));
}

static int has_control(uint64_t w)
{
    return ((w - ONES * 0x20) & ~w & HIGHS) != 0;
}

/* The byte offset of the first invalid UTF-8 sequence, or n when all of s is valid. */
static size_t utf8_bad_at(const char *s, size_t n)
{
    const utf8proc_uint8_t *u = (const utf8proc_uint8_t *)s;
    size_t i = 0;
    while (i < n) {
        if (n - i >= 8 && !(load8(s + i) & HIGHS)) {
            i += 8;
            continue;
        }
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(u + i, (utf8proc_ssize_t)(n - i), &cp);
        if (k < 0) return i;
        i += (size_t)k;
    }
    return n;
}

static int is_ws(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static size_t skip_ws(const char *s, size_t i, size_t n)
{
    while (i < n && is_ws(s[i])) i++;
    return i;
}

/* s[i] opens a JSON string: the index after its closing quote, or SIZE_MAX when s ends first. */
static size_t scan_string(const char *s, size_t i, size_t n)
{
    assert(i < n && s[i] == '"');
    for (i++; i < n; i++) {
        if (s[i] == '\\')
            i++;
        else if (s[i] == '"')
            return i + 1;
    }
    return SIZE_MAX;
}

/* s[i] starts a JSON value: the index just after it, or SIZE_MAX when s ends first. Only a
 * scan for where the value ends, exact for valid JSON; jansson judges the value. */
static size_t scan_value(const char *s, size_t i, size_t n)
{
    assert(i < n);
    if (s[i] == '"') return scan_string(s, i, n);
    if (s[i] == '{' || s[i] == '[') {
        size_t depth = 0;
        while (i < n) {
            char ch = s[i];
            if (ch == '"') {
                if ((i = scan_string(s, i, n)) == SIZE_MAX) return SIZE_MAX;
                continue;
            }
            if (ch == '{' || ch == '[') depth++;
            if ((ch == '}' || ch == ']') && --depth == 0) return i + 1;
            i++;
        }
        return SIZE_MAX;
    }
    while (i < n && !is_ws(s[i]) && s[i] != ',' && s[i] != '}' && s[i] != ']') i++;
    return i;
}

/*
 * Where the value of the text field starts in line s[0, n): the index after the opening quote
 * of the first top-level member whose key is written exactly as `field` (which holds no
 * backslash, so the key as written is the key) and whose value is a string. Returns 0 and sets
 * *beg, or -1 when there is no such member or the line stops looking like an object first.
 * For a line jansson accepts, the members found are jansson's.
 */
static int find_text(const char *s, size_t n, const char *field, size_t n_field, size_t *beg)
{
    size_t i = skip_ws(s, 0, n);
    if (i == n || s[i] != '{') return -1;
    for (i++;;) {
        i = skip_ws(s, i, n);
        if (i == n || s[i] != '"') return -1;
        size_t key = i + 1;
        if ((i = scan_string(s, i, n)) == SIZE_MAX) return -1;
        int is_text = i - 1 - key == n_field && memcmp(s + key, field, n_field) == 0;
        i = skip_ws(s, i, n);
        if (i == n || s[i] != ':') return -1;
        i = skip_ws(s, i + 1, n);
        if (i == n) return -1;
        if (is_text) {
            if (s[i] != '"') return -1;
            *beg = i + 1;
            return 0;
        }
        if ((i = scan_value(s, i, n)) == SIZE_MAX) return -1;
        i = skip_ws(s, i, n);
        if (i == n || s[i] != ',') return -1;
        i++;
    }
}

/* The value of 4 hex digits at s, or -1. */
static int32_t hex4(const char *s)
{
    int32_t v = 0;
    for (int k = 0; k < 4; k++) {
        char ch = s[k];
        v <<= 4;
        if (ch >= '0' && ch <= '9')
            v += ch - '0';
        else if (ch >= 'a' && ch <= 'f')
            v += ch - 'a' + 10;
        else if (ch >= 'A' && ch <= 'F')
            v += ch - 'A' + 10;
        else
            return -1;
    }
    return v;
}

/* Write code point cp (not a surrogate, < 0x110000) as UTF-8 at t; returns the bytes written. */
static size_t put_utf8(char *t, int32_t cp)
{
    assert(cp >= 0 && cp < 0x110000 && (cp < 0xD800 || cp > 0xDFFF));
    utf8proc_ssize_t k = utf8proc_encode_char(cp, (utf8proc_uint8_t *)t);
    assert(k >= 1 && k <= 4);
    return (size_t)k;
}

/*
 * Decode the JSON string whose contents start at s[0] (just after its opening quote), in a line
 * that ends at s[n] and is valid UTF-8 without NUL bytes, as jansson with JSON_ALLOW_NUL would.
 * Returns the text, NUL-terminated, reserved (not committed) in *slab, with *n_out bytes, and
 * in *end the index of the closing quote; or NULL when jansson would reject the string (a
 * control character, an unknown escape, bad hex digits, a lone surrogate) or the line ends
 * inside it.
 */
static char *decode_text(const char *s, size_t n, ibid_slab **slab, size_t *n_out, size_t *end)
{
    char *t = ibid_slab_reserve(slab, n + 1); /* escapes only shrink: "\n" is 1 byte, "\uXXXX" 3 */
    size_t i = 0, k = 0;
    for (;;) {
        while (n - i >= 8) {
            uint64_t w = load8(s + i);
            if (has_byte(w, '"') || has_byte(w, '\\') || has_control(w)) break;
            memcpy(t + k, &w, 8);
            i += 8;
            k += 8;
        }
        if (i == n) goto bad;
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"') break;
        if (ch < 0x20) goto bad;
        if (ch != '\\') {
            t[k++] = (char)ch;
            i++;
            continue;
        }
        /* an escape: one of "\"\\/bfnrt, or \u and 4 hex digits (a surrogate pair: 2 of them) */
        static const char short_esc[] = "\"\\/bfnrt", short_val[] = "\"\\/\b\f\n\r\t";
        const char *hit = n - i >= 2 && s[i + 1] ? strchr(short_esc, s[i + 1]) : NULL;
        if (hit) {
            t[k++] = short_val[hit - short_esc];
            i += 2;
            continue;
        }
        if (n - i < 6 || s[i + 1] != 'u') goto bad;
        int32_t cp = hex4(s + i + 2);
        if (cp < 0 || (cp >= 0xDC00 && cp <= 0xDFFF)) goto bad;
        i += 6;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            int32_t lo = n - i >= 6 && s[i] == '\\' && s[i + 1] == 'u' ? hex4(s + i + 2) : -1;
            if (lo < 0xDC00 || lo > 0xDFFF) goto bad;
            cp = ((cp - 0xD800) << 10) + (lo - 0xDC00) + 0x10000;
            i += 6;
        }
        k += put_utf8(t + k, cp);
    }
    assert(k <= i);
    t[k] = 0;
    *n_out = k;
    *end = i;
    return t;
bad:
    return NULL;
}

/* A growing string. */
typedef struct strbuf {
    char *p;
    size_t n, m; /* bytes used, bytes allocated */
} strbuf;

/* Append s[beg, end) of validated JSON to `b`, dropping the white space outside strings. */
static void append_compact(strbuf *b, const char *s, size_t beg, size_t end)
{
    IBID_GROW(b->p, b->m, b->n + (end - beg));
    size_t i = beg;
    while (i < end) {
        if (s[i] == '"') {
            size_t j = scan_string(s, i, end);
            assert(j != SIZE_MAX);
            memcpy(b->p + b->n, s + i, j - i);
            b->n += j - i;
            i = j;
        } else {
            if (!is_ws(s[i])) b->p[b->n++] = s[i];
            i++;
        }
    }
}

/*
 * The metadata of a validated line s[0, n) holding object `obj`: its members other than the id
 * and text fields, copied as written, compactly, in order; NULL when there are none. The caller
 * frees it. Members are matched by position: jansson keeps an object's keys in input order, and
 * with JSON_REJECT_DUPLICATES there is exactly one key per member.
 */
static char *build_meta(const char *s, size_t n, json_t *obj, const ibid_read_opts *o)
{
    size_t n_members = json_object_size(obj), id_at = SIZE_MAX, text_at = SIZE_MAX, k = 0;
    assert(n_members >= 2);
    if (n_members == 2) return NULL;
    const char *key;
    json_t *val;
    json_object_foreach(obj, key, val)
    {
        if (strcmp(key, o->id_field) == 0) id_at = k;
        if (strcmp(key, o->text_field) == 0) text_at = k;
        k++;
    }
    assert(k == n_members && id_at != SIZE_MAX && text_at != SIZE_MAX);

    strbuf b = {NULL, 0, 0};
    IBID_GROW(b.p, b.m, 2);
    b.p[b.n++] = '{';
    size_t i = skip_ws(s, 0, n);
    assert(i < n && s[i] == '{');
    i++;
    for (k = 0; k < n_members; k++) {
        i = skip_ws(s, i, n);
        size_t member_beg = i;
        i = skip_ws(s, scan_string(s, i, n), n);
        assert(i < n && s[i] == ':');
        i = scan_value(s, skip_ws(s, i + 1, n), n);
        assert(i <= n);
        if (k != id_at && k != text_at) {
            IBID_GROW(b.p, b.m, b.n + 1);
            if (b.n > 1) b.p[b.n++] = ',';
            append_compact(&b, s, member_beg, i);
        }
        i = skip_ws(s, i, n);
        assert(i < n && (s[i] == ',' || s[i] == '}'));
        i++;
    }
    IBID_GROW(b.p, b.m, b.n + 2);
    b.p[b.n++] = '}';
    b.p[b.n] = 0;
    return b.p;
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a real number";
    case JSON_TRUE:
        return "true";
    case JSON_FALSE:
        return "false";
    case JSON_NULL:
        return "null";
    }
    return "an unknown value";
}

/* ---- one line ---- */

/* One line of a batch and, once parsed, its document or its error: an ibid_jsonl_rec. */
typedef ibid_jsonl_rec line_rec;

static void rec_clear(line_rec *r)
{
    free(r->e);
    free(r->id);
    free(r->meta);
    r->e = NULL;
    r->id = r->text = r->meta = NULL;
}

/*
 * Parse line r (r->s[0, r->n)) into r's document, its text in *slab. Returns 0 (also for a
 * blank line) or an error code with `e` filled, naming the source and line; then nothing is
 * kept. `sk` is scratch for the emptied line; `fast` allows decoding the text without jansson;
 * `bom`: line 1 is the file's first line, where a byte order mark may stand.
 */
static int parse_line(line_rec *r, const char *name, const ibid_read_opts *o, int fast, int bom,
                      strbuf *sk, ibid_slab **slab, ibid_error *e)
{
    int rc = 0;
    json_t *obj = NULL;
    char *text = NULL; /* the decoded text, reserved in *slab */
    const char *s = r->s;
    size_t n = r->n, n_text = 0;
    long line_no = r->line_no;
    long col_off = 0; /* bytes dropped from the front of the line, for columns */
    if (bom && line_no == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
        s += 3; /* a byte order mark, as some Windows tools write */
        n -= 3;
        col_off = 3;
    }
    if (skip_ws(s, 0, n) == n) goto done;

    size_t bad = utf8_bad_at(s, n);
    if (bad < n) {
        rc = ibid_fail(e, IBID_EUTF8, name, line_no, (long)bad + 1 + col_off,
                       "invalid UTF-8: byte 0x%02X cannot appear here (the input must be UTF-8; "
                       "is it Latin-1 or Windows-1252?)",
                       (unsigned char)s[bad]);
        goto done;
    }
    const char *nul = memchr(s, 0, n);
    if (nul) {
        rc = ibid_fail(e, IBID_EPARSE, name, line_no, (long)(nul - s) + 1 + col_off,
                       "invalid JSON: a NUL byte (inside a string, write \\u0000)");
        goto done;
    }

    /* js[0, jn) is what jansson parses: the line, or the line with the text decoded out */
    const char *js = s;
    size_t jn = n, beg, end;
    if (fast && find_text(s, n, o->text_field, strlen(o->text_field), &beg) == 0 &&
        (text = decode_text(s + beg, n - beg, slab, &n_text, &end)) != NULL) {
        end += beg;
        sk->n = 0;
        IBID_GROW(sk->p, sk->m, n - (end - beg));
        memcpy(sk->p, s, beg);
        memcpy(sk->p + beg, s + end, n - end);
        js = sk->p;
        jn = n - (end - beg);
    }
    json_error_t je;
    obj = json_loadb(js, jn, JSON_FLAGS, &je);
    if (!obj && text) { /* the fault lies elsewhere: let jansson find it in the line as written */
        text = NULL;
        js = s;
        jn = n;
        obj = json_loadb(s, n, JSON_FLAGS, &je);
    }
    if (!obj) {
        long col = je.position > 0 ? (long)je.position : 1;
        rc = ibid_fail(e, IBID_EPARSE, name, line_no, col + col_off, "invalid JSON: %s", je.text);
        goto done;
    }
    if (!json_is_object(obj)) {
        rc = ibid_fail(e, IBID_EPARSE, name, line_no, 0,
                       "expected a JSON object with \"%s\" and \"%s\" fields, found %s",
                       o->id_field, o->text_field, type_name(obj));
        goto done;
    }

    json_t *id = json_object_get(obj, o->id_field);
    json_t *text_v = json_object_get(obj, o->text_field);
    char id_buf[32];
    const char *id_str;
    size_t id_len;
    if (!id) {
        rc = ibid_fail(e, IBID_EMISSING, name, line_no, 0, "missing \"%s\" field", o->id_field);
        goto done;
    }
    if (json_is_string(id)) {
        id_str = json_string_value(id);
        id_len = json_string_length(id);
    } else if (json_is_integer(id)) {
        int k = snprintf(id_buf, sizeof id_buf, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
        assert(k > 0 && (size_t)k < sizeof id_buf);
        id_str = id_buf;
        id_len = (size_t)k;
    } else {
        rc = ibid_fail(e, IBID_EMISSING, name, line_no, 0,
                       "\"%s\" must be a string or an integer, not %s", o->id_field, type_name(id));
        goto done;
    }
    if (!text_v) {
        rc = ibid_fail(e, IBID_EMISSING, name, line_no, 0, "missing \"%s\" field", o->text_field);
        goto done;
    }
    if (!json_is_string(text_v)) {
        rc = ibid_fail(e, IBID_EMISSING, name, line_no, 0, "\"%s\" must be a string, not %s",
                       o->text_field, type_name(text_v));
        goto done;
    }
    assert(!text || json_string_length(text_v) == 0); /* the emptied string is the text */
    if (!text) n_text = json_string_length(text_v);
    if (n_text > o->max_doc) {
        rc = ibid_fail(e, IBID_ETOOBIG, name, line_no, 0,
                       "document '%.*s' has %zu bytes of text; the limit (max_doc) is %zu",
                       (int)(id_len < 200 ? id_len : 200), id_str, n_text, o->max_doc);
        goto done;
    }
    if (!text) { /* jansson decoded it */
        text = ibid_slab_reserve(slab, n_text + 1);
        memcpy(text, json_string_value(text_v), n_text + 1);
    }
    ibid_slab_commit(*slab, n_text + 1);
    r->id = ibid_xstrndup(id_str, id_len);
    r->n_id = id_len;
    r->text = text;
    r->n_text = n_text;
    r->meta = build_meta(js, jn, obj, o);
done:
    json_decref(obj);
    return rc;
}

/* ---- batches of lines ---- */

typedef struct batch {
    size_t n, m;
    line_rec *rec;
    const char *name;
    const ibid_read_opts *o;
    int fast;         /* decode texts without jansson where possible */
    int bom;          /* line 1 is the file's first (not a share's, ibid_jsonl_tuning.mid_file) */
    strbuf *sk;       /* per thread: the emptied line */
    ibid_slab **slab; /* per thread: where texts go, adopted by the corpus at the end */
    int r;            /* how taking lines ended: LINE_EOF, LINE_MORE (more batches follow), or
                         a stream error code, in e */
    ibid_error e;
} batch;

static void parse_one(void *ud, size_t i, int tid)
{
    batch *b = ud;
    line_rec *r = &b->rec[i];
    if (r->rc < 0) return; /* too long: failed while reading */
    ibid_error e;
    r->rc = parse_line(r, b->name, b->o, b->fast, b->bom, &b->sk[tid], &b->slab[tid], &e);
    if (r->rc < 0) {
        r->e = ibid_xmalloc(sizeof e);
        *r->e = e;
    }
}

/* Add the document of parsed line r to `c`, or record its error under skip_bad. Returns 0, or
 * the line's error (in *e) when not skipping. */
static int add_line(ibid_corpus *c, const char *name, const ibid_read_opts *o, line_rec *r,
                    ibid_error *e)
{
    if (r->rc < 0) {
        *e = *r->e;
    } else if (r->id) {
        r->rc = ibid_corpus_add_owned(c, r->id, r->n_id, r->text, r->n_text, r->meta, e);
        if (r->rc == 0) {
            r->id = r->meta = NULL; /* the corpus's now */
            return 0;
        }
        /* the corpus knows the document, not where it came from */
        snprintf(e->source, sizeof e->source, "%s", name);
        e->line = r->line_no;
        e->column = 0;
    }
    if (r->rc == 0) return 0; /* a blank line */
    assert(e->code == r->rc && e->line == r->line_no);
    if (!o->skip_bad) return r->rc;
    ibid_corpus_skip(c, e);
    return 0;
}

/* The corpus's sink: add the lines of a parsed batch in order, up to the first error that stops
 * the read (then returned, in *e). */
static int add_batch(void *ud, ibid_jsonl_rec *r, size_t n, const char *name,
                     const ibid_read_opts *o, ibid_error *e)
{
    for (size_t i = 0; i < n; i++) {
        int rc = add_line(ud, name, o, &r[i], e);
        if (rc < 0) return rc;
    }
    return 0;
}

/* Take the next batch of lines from lr into b and parse them. */
static void produce(line_reader *lr, batch *b, const ibid_jsonl_tuning *t)
{
    int r;
    assert(b->n == 0);
    for (;;) {
        const char *line = NULL;
        size_t n = 0;
        r = take_line(lr, &line, &n, &b->e);
        if (r == LINE_EOF || (r == LINE_MORE && b->n > 0)) break;
        if (r == LINE_MORE) {
            if ((r = fill(lr, &b->e)) < 0) break;
            continue;
        }
        IBID_GROW(b->rec, b->m, b->n + 1);
        line_rec *rec = &b->rec[b->n++];
        memset(rec, 0, sizeof *rec);
        rec->s = line;
        rec->n = n;
        rec->line_no = lr->line;
        if (r == LINE_TOO_LONG) {
            rec->rc = b->e.code;
            rec->e = ibid_xmalloc(sizeof b->e);
            *rec->e = b->e;
        }
        if (b->n == t->batch_lines) {
            r = LINE_MORE;
            break;
        }
    }
    if (r < 0) b->e.line = lr->line + 1; /* the stream broke while reading this line */
    b->r = r == LINE_EOF ? LINE_EOF : r < 0 ? r : LINE_MORE;
    ibid_parallel_for(b->o->n_threads, b->n, parse_one, b);
}

/* After the sink: forget batch b's documents (with `keep`, the corpus holds their texts). */
static void consumed(batch *b, int n_threads, const ibid_corpus *keep)
{
    for (size_t i = 0; i < b->n; i++) rec_clear(&b->rec[i]);
    b->n = 0;
    if (!keep) /* the texts are done with: their room serves a later batch */
        for (int k = 0; k < n_threads; k++) b->slab[k] = ibid_slabs_reset(b->slab[k]);
}

/*
 * The reader thread, with n_threads > 1: it takes and parses batch j while the caller's thread
 * gives batch j - 1 to the sink. Two batches and two line buffers take turns: batch j is
 * produced only once batch j - 2 is consumed, and the first fill of each batch moves to the
 * other line buffer (lr->swap), so the lines of the batch being consumed are never touched.
 */
typedef struct ahead {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    line_reader *lr;
    const ibid_jsonl_tuning *t;
    batch *b; /* two */
    size_t produced, consumed;
    int stop; /* the consumer is done: produce nothing more */
} ahead;

static void *produce_ahead(void *arg)
{
    ahead *a = arg;
    for (size_t j = 0;; j++) {
        pthread_mutex_lock(&a->mu);
        while (j >= a->consumed + 2 && !a->stop) pthread_cond_wait(&a->cv, &a->mu);
        int stop = a->stop;
        pthread_mutex_unlock(&a->mu);
        if (stop) break;
        batch *b = &a->b[j % 2];
        a->lr->swap = 1;
        produce(a->lr, b, a->t);
        pthread_mutex_lock(&a->mu);
        a->produced = j + 1;
        pthread_cond_broadcast(&a->cv);
        pthread_mutex_unlock(&a->mu);
        if (b->r != LINE_MORE) break;
    }
    return NULL;
}

/*
 * The reader: parse batches of lines and give each to sink(ud, ...) in line order. With `keep`
 * (the corpus), the texts' slabs are adopted by it at the end; without, they are freed after
 * each batch, so that only one batch of texts (two with a reader thread) is held at a time.
 */
static int read_lines(ibid_stream *s, const ibid_read_opts *o, const ibid_jsonl_tuning *t,
                      ibid_jsonl_sink sink, void *ud, ibid_corpus *keep, ibid_error *err)
{
    assert(s && t && t->block > 0 && t->batch_lines > 0);
    int rc;
    ibid_read_opts defaults;
    if (!o) {
        ibid_read_opts_init(&defaults);
        o = &defaults;
    }
    if ((rc = ibid_read_opts_check(o, err)) < 0) return rc;
    int nt = o->n_threads;
    line_reader lr = {.s = s, .max_line = o->max_line, .block = t->block};
    lr.m_buf = t->block + READ_CHUNK; /* pages untouched cost nothing: small inputs stay small */
    lr.buf = ibid_xmalloc(lr.m_buf);
    batch b[2];
    memset(b, 0, sizeof b);
    for (int i = 0; i < 2; i++) {
        b[i].name = ibid_stream_name(s);
        b[i].o = o;
        /* a text field written with a backslash cannot be matched as written */
        b[i].fast = !t->jansson_only && !strchr(o->text_field, '\\');
        b[i].bom = !t->mid_file;
        b[i].sk = ibid_xcalloc((size_t)nt, sizeof *b[i].sk);
        b[i].slab = ibid_xcalloc((size_t)nt, sizeof *b[i].slab);
    }
    ahead a = {.lr = &lr, .t = t, .b = b};
    pthread_t th;
    int threaded = nt > 1;
    if (threaded) {
        pthread_mutex_init(&a.mu, NULL);
        pthread_cond_init(&a.cv, NULL);
        if (pthread_create(&th, NULL, produce_ahead, &a) != 0) {
            pthread_mutex_destroy(&a.mu);
            pthread_cond_destroy(&a.cv);
            threaded = 0; /* then one batch at a time, the same batches */
        }
    }
    ibid_error e; /* local, so that skipped lines are recorded even when err is NULL */
    memset(&e, 0, sizeof e);
    for (size_t j = 0;; j++) {
        batch *bj = &b[j % 2];
        if (threaded) {
            pthread_mutex_lock(&a.mu);
            while (a.produced <= j) pthread_cond_wait(&a.cv, &a.mu);
            pthread_mutex_unlock(&a.mu);
        } else {
            produce(&lr, bj, t);
        }
        rc = sink(ud, bj->rec, bj->n, bj->name, o, &e);
        int r = bj->r;
        if (rc == 0 && r < 0) {
            e = bj->e;
            rc = r;
        }
        consumed(bj, nt, keep);
        if (threaded) {
            pthread_mutex_lock(&a.mu);
            a.consumed = j + 1;
            a.stop |= rc < 0;
            pthread_cond_broadcast(&a.cv);
            pthread_mutex_unlock(&a.mu);
        }
        if (rc < 0) goto done;
        if (r == LINE_EOF) break;
    }
    rc = 0;
done:
    if (threaded) {
        pthread_join(th, NULL);
        pthread_mutex_destroy(&a.mu);
        pthread_cond_destroy(&a.cv);
    }
    if (rc < 0 && err) *err = e;
    for (int i = 0; i < 2; i++) {
        consumed(&b[i], nt, keep); /* a batch read ahead that nobody took */
        for (int k = 0; k < nt; k++) {
            free(b[i].sk[k].p);
            if (keep)
                ibid_corpus_adopt(keep, b[i].slab[k]);
            else
                ibid_slabs_free(b[i].slab[k]);
        }
        free(b[i].sk);
        free(b[i].slab);
        free(b[i].rec);
    }
    free(lr.buf);
    free(lr.buf2);
    return rc;
}

int ibid_read_jsonl_each(ibid_stream *s, const ibid_read_opts *o, const ibid_jsonl_tuning *t,
                         ibid_jsonl_sink sink, void *ud, ibid_error *err)
{
    assert(sink);
    ibid_jsonl_tuning defaults;
    if (!t) {
        ibid_jsonl_tuning_init(&defaults);
        t = &defaults;
    }
    return read_lines(s, o, t, sink, ud, NULL, err);
}

int ibid_read_jsonl_tuned(ibid_corpus *c, ibid_stream *s, const ibid_read_opts *o,
                          const ibid_jsonl_tuning *t, ibid_error *err)
{
    assert(c);
    return read_lines(s, o, t, add_batch, c, c, err);
}

int ibid_read_jsonl_stream(ibid_corpus *c, ibid_stream *s, const ibid_read_opts *o, ibid_error *err)
{
    ibid_jsonl_tuning t;
    ibid_jsonl_tuning_init(&t);
    return ibid_read_jsonl_tuned(c, s, o, &t, err);
}

int ibid_corpus_read_jsonl(ibid_corpus *c, FILE *fp, const char *name, const ibid_read_opts *o,
                           ibid_error *err)
{
    assert(c && fp);
    ibid_stream *s = NULL;
    int rc;
    if ((rc = ibid_stream_from_fp(&s, fp, name ? name : "-", err)) < 0) goto done;
    rc = ibid_read_jsonl_stream(c, s, o, err);
done:
    ibid_stream_close(s);
    return rc;
}
