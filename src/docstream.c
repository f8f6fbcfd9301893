/*
 * docstream.c: the documents of a list of inputs, one batch at a time, for jobs that must not
 * hold the corpus (ibid dedup).
 *
 * The same inputs as ibid_corpus_read, read by the same code: JSON Lines through the JSON Lines
 * reader's streaming form (ibid_read_jsonl_each: each batch of parsed lines is handed over,
 * then its texts are freed), folders through the same walk (ibid_walk_folder: same order, same
 * ids), other files as one document each (ibid_read_whole), gathered into batches of up to
 * 32 MiB or 4096 files. So memory is one batch of text, whatever the corpus's size.
 *
 * Errors are those of ibid_corpus_read, naming the file and line: a bad line or file stops the
 * read, or under skip_bad goes to cb->skip and reading goes on. Standard input is refused: a
 * streaming job that reads its inputs twice cannot read a pipe twice. Duplicate ids are not
 * checked here (that takes a table of every id); the job does it if it needs to.
 */
#include "ibid_int.h"

#include <errno.h>
#include <utf8proc.h>

#define TEXT_BATCH_BYTES ((size_t)32 << 20)
#define TEXT_BATCH_FILES 4096

/* Text files gathered for one batch: ids, sources and texts malloc'd, freed after the batch. */
typedef struct text_batch {
    size_t n, m;
    ibid_sdoc *docs;
    size_t bytes;
} text_batch;

typedef struct stream_state {
    const ibid_read_opts *o;
    const ibid_docstream_cb *cb;
    text_batch tb;
    size_t n_docs, m_docs; /* scratch for JSON Lines batches */
    ibid_sdoc *docs;
} stream_state;

static void tb_clear(text_batch *tb)
{
    for (size_t i = 0; i < tb->n; i++) {
        free((char *)tb->docs[i].id);
        free((char *)tb->docs[i].text);
        free((char *)tb->docs[i].source);
    }
    tb->n = 0;
    tb->bytes = 0;
}

static int tb_flush(stream_state *st, ibid_error *err)
{
    int rc = 0;
    if (st->tb.n) rc = st->cb->batch(st->cb->ud, st->tb.docs, st->tb.n, err);
    tb_clear(&st->tb);
    return rc;
}

/* The JSON Lines sink: the documents of a batch in order, up to a bad line that stops it. */
static int jsonl_batch(void *ud, ibid_jsonl_rec *r, size_t n, const char *name,
                       const ibid_read_opts *o, ibid_error *e)
{
    stream_state *st = ud;
    int rc = 0;
    size_t k = 0, i;
    IBID_GROW(st->docs, st->m_docs, n);
    for (i = 0; i < n; i++) {
        if (r[i].rc < 0) {
            if (!o->skip_bad) break;
            st->cb->skip(st->cb->ud, r[i].e);
            continue;
        }
        if (!r[i].id) continue; /* a blank line */
        ibid_sdoc *d = &st->docs[k++];
        d->id = r[i].id;
        d->text = r[i].text;
        d->n_text = r[i].n_text;
        d->meta = r[i].meta;
        d->source = name;
        d->is_jsonl = 1;
        d->line_no = r[i].line_no;
    }
    if (k && (rc = st->cb->batch(st->cb->ud, st->docs, k, e)) < 0) return rc;
    if (i < n) {
        *e = *r[i].e;
        return r[i].rc;
    }
    return 0;
}

static int read_jsonl(stream_state *st, const char *path, ibid_error *err)
{
    ibid_stream *s = NULL;
    int rc;
    if ((rc = tb_flush(st, err)) < 0) return rc;
    if ((rc = ibid_stream_open(&s, path, err)) < 0) return rc;
    rc = ibid_read_jsonl_each(s, st->o, NULL, jsonl_batch, st, err);
    ibid_stream_close(s);
    return rc;
}

/* The 1-based line of byte `off` of s. */
static long line_of(const char *s, size_t off)
{
    long line = 1;
    for (size_t i = 0; i < off; i++) line += s[i] == '\n';
    return line;
}

static int read_text(stream_state *st, const char *path, const char *id, const struct stat *sb,
                     ibid_error *err)
{
    int rc = 0;
    char *text = NULL;
    size_t n_text = 0;
    ibid_error e;
    memset(&e, 0, sizeof e);
    size_t n = strlen(path);
    int compressed =
        (n > 3 && strcmp(path + n - 3, ".gz") == 0) || (n > 4 && strcmp(path + n - 4, ".zst") == 0);
    long long size = S_ISREG(sb->st_mode) && !compressed ? (long long)sb->st_size : -1;
    if (size >= 0 && (unsigned long long)size > st->o->max_doc) {
        rc = ibid_fail(&e, IBID_ETOOBIG, path, 0, 0,
                       "the file is %lld bytes; the limit (max_doc) is %zu", size, st->o->max_doc);
    } else if ((rc = ibid_read_whole(&text, &n_text, path, st->o->max_doc,
                                     size > 0 ? (size_t)size : 0, &e)) < 0) {
        if (rc != IBID_ETOOBIG) goto done; /* the file itself failed: always an error */
    } else {
        utf8proc_int32_t cp;
        for (size_t i = 0; i < n_text;) {
            utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)text + i,
                                                  (utf8proc_ssize_t)(n_text - i), &cp);
            if (k < 0) {
                size_t nl = i;
                while (nl > 0 && text[nl - 1] != '\n') nl--;
                rc = ibid_fail(&e, IBID_EUTF8, path, line_of(text, i), (long)(i - nl) + 1,
                               "invalid UTF-8: byte 0x%02X cannot appear here (the input must be "
                               "UTF-8; is it Latin-1 or Windows-1252?)",
                               (unsigned char)text[i]);
                break;
            }
            i += (size_t)k;
        }
    }
    if (rc < 0) {
        if (!st->o->skip_bad) goto done;
        st->cb->skip(st->cb->ud, &e);
        rc = 0;
        goto done;
    }
    text = ibid_xrealloc(text, n_text + 1);
    text[n_text] = 0;
    IBID_GROW(st->tb.docs, st->tb.m, st->tb.n + 1);
    ibid_sdoc *d = &st->tb.docs[st->tb.n++];
    memset(d, 0, sizeof *d);
    d->id = ibid_xstrndup(id, strlen(id));
    d->source = ibid_xstrndup(path, strlen(path));
    d->text = text;
    d->n_text = n_text;
    text = NULL;
    st->tb.bytes += n_text;
    if (st->tb.bytes >= TEXT_BATCH_BYTES || st->tb.n >= TEXT_BATCH_FILES) rc = tb_flush(st, &e);
done:
    if (rc < 0 && err) *err = e;
    free(text);
    return rc;
}

static int on_file(void *ud, const char *path, const char *id, const struct stat *sb,
                   ibid_error *err)
{
    if (ibid_is_jsonl_name(path)) return read_jsonl(ud, path, err);
    return read_text(ud, path, id, sb, err);
}

int ibid_docstream_read(const char *const *paths, size_t n_paths, const ibid_read_opts *o,
                        const ibid_docstream_cb *cb, ibid_error *err)
{
    assert(paths && o && cb && cb->batch && cb->skip);
    int rc;
    stream_state st = {.o = o, .cb = cb};
    if ((rc = ibid_read_opts_check(o, err)) < 0) return rc;
    for (size_t i = 0; i < n_paths; i++) {
        const char *path = paths[i];
        struct stat sb;
        if (strcmp(path, "-") == 0) {
            rc = ibid_fail(err, IBID_EINVAL, "-", 0, 0,
                           "standard input cannot be read twice; save it to a file first");
            goto done;
        }
        if (*path == 0 || stat(path, &sb) != 0) {
            rc = ibid_fail(err, IBID_EIO, path, 0, 0, "cannot open: %s",
                           *path ? strerror(errno) : "empty path");
            goto done;
        }
        if (S_ISDIR(sb.st_mode))
            rc = ibid_walk_folder(path, on_file, &st, err);
        else
            rc = on_file(&st, path, path, &sb, err);
        if (rc < 0) goto done;
    }
    rc = tb_flush(&st, err);
done:
    tb_clear(&st.tb);
    free(st.tb.docs);
    free(st.docs);
    return rc;
}
