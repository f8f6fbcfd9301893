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
    size_t unit;  /* the file being read: its number in input order */
    long n_lines; /* lines of the JSON Lines file being read, so far */
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

/* The end of a read: the last batch handed over unless the read failed, and the state freed. */
static int stream_end(stream_state *st, int rc, ibid_error *err)
{
    if (rc >= 0) rc = tb_flush(st, err);
    tb_clear(&st->tb);
    free(st->tb.docs);
    free(st->docs);
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
    if (n) st->n_lines = r[n - 1].line_no;
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
        d->unit = st->unit;
    }
    if (k && (rc = st->cb->batch(st->cb->ud, st->docs, k, e)) < 0) return rc;
    if (i < n) {
        *e = *r[i].e;
        return r[i].rc;
    }
    return 0;
}

/* A JSON Lines file whole, or (split) the lines starting in its bytes [beg, end). */
static int read_jsonl(stream_state *st, const char *path, int split, uint64_t beg, uint64_t end,
                      ibid_error *err)
{
    ibid_stream *s = NULL;
    int rc;
    ibid_jsonl_tuning t;
    ibid_jsonl_tuning_init(&t);
    t.mid_file = split && beg > 0;
    st->n_lines = 0;
    if ((rc = tb_flush(st, err)) < 0) return rc;
    if (split)
        rc = ibid_stream_open_range(&s, path, beg, end, err);
    else
        rc = ibid_stream_open(&s, path, err);
    if (rc < 0) return rc;
    rc = ibid_read_jsonl_each(s, st->o, &t, jsonl_batch, st, err);
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
    d->unit = st->unit;
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
    stream_state *st = ud;
    int rc;
    if (ibid_is_jsonl_name(path))
        rc = read_jsonl(st, path, 0, 0, 0, err);
    else
        rc = read_text(st, path, id, sb, err);
    st->unit++;
    return rc;
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
done:
    return stream_end(&st, rc, err);
}

/* ---- shares: the part of the inputs one rank of an MPI job reads ---- */

enum { UNIT_SPLIT, UNIT_WHOLE_JSONL, UNIT_TEXT, UNIT_FAIL };

static int plan_file(void *ud, const char *path, const char *id, const struct stat *sb,
                     ibid_error *err)
{
    ibid_share *sh = ud;
    (void)err;
    IBID_GROW(sh->units, sh->m_units, sh->n_units + 1);
    ibid_share_unit *u = &sh->units[sh->n_units++];
    memset(u, 0, sizeof *u);
    u->path = ibid_xstrndup(path, strlen(path));
    u->id = ibid_xstrndup(id, strlen(id));
    u->sb = *sb;
    u->size = S_ISREG(sb->st_mode) ? (uint64_t)sb->st_size : 0;
    u->off = sh->total;
    sh->total += u->size;
    size_t n = strlen(path);
    int compressed =
        (n > 3 && strcmp(path + n - 3, ".gz") == 0) || (n > 4 && strcmp(path + n - 4, ".zst") == 0);
    if (!ibid_is_jsonl_name(path))
        u->kind = UNIT_TEXT;
    else
        u->kind = compressed || !S_ISREG(sb->st_mode) ? UNIT_WHOLE_JSONL : UNIT_SPLIT;
    return 0;
}

/* A path that cannot be planned: the error stands where the input would have been, and the
 * inputs after it are not looked at, as one process stops there. */
static void plan_fail(ibid_share *sh, const ibid_error *e)
{
    IBID_GROW(sh->units, sh->m_units, sh->n_units + 1);
    ibid_share_unit *u = &sh->units[sh->n_units++];
    memset(u, 0, sizeof *u);
    u->kind = UNIT_FAIL;
    u->off = sh->total;
    u->fail = *e;
}

int ibid_share_plan(ibid_share *sh, const char *const *paths, size_t n_paths, ibid_error *err)
{
    assert(sh && (paths || n_paths == 0));
    (void)err;
    memset(sh, 0, sizeof *sh);
    for (size_t i = 0; i < n_paths; i++) {
        const char *path = paths[i];
        struct stat sb;
        ibid_error e;
        memset(&e, 0, sizeof e);
        int rc = 0;
        if (strcmp(path, "-") == 0)
            rc = ibid_fail(&e, IBID_EINVAL, "-", 0, 0,
                           "standard input cannot be read twice; save it to a file first");
        else if (*path == 0 || stat(path, &sb) != 0)
            rc = ibid_fail(&e, IBID_EIO, path, 0, 0, "cannot open: %s",
                           *path ? strerror(errno) : "empty path");
        else if (S_ISDIR(sb.st_mode))
            rc = ibid_walk_folder(path, plan_file, sh, &e);
        else
            rc = plan_file(sh, path, path, &sb, &e);
        if (rc < 0) {
            plan_fail(sh, &e);
            break;
        }
    }
    return 0;
}

void ibid_share_free(ibid_share *sh)
{
    if (!sh) return;
    for (size_t i = 0; i < sh->n_units; i++) {
        free(sh->units[i].path);
        free(sh->units[i].id);
    }
    free(sh->units);
    memset(sh, 0, sizeof *sh);
}

uint64_t ibid_share_beg(uint64_t total, int rank, int n_ranks)
{
    assert(n_ranks > 0 && rank >= 0 && rank <= n_ranks);
    uint64_t q = total / (uint64_t)n_ranks, r = total % (uint64_t)n_ranks;
    return q * (uint64_t)rank + r * (uint64_t)rank / (uint64_t)n_ranks;
}

/* Whether rank r of n reads unit u; for a split unit, the bytes [*a, *b) of the inputs laid end
 * to end whose lines it reads. */
static int share_of(const ibid_share *sh, const ibid_share_unit *u, int rank, int n_ranks,
                    uint64_t *a, uint64_t *b)
{
    uint64_t beg = ibid_share_beg(sh->total, rank, n_ranks);
    uint64_t next = rank + 1 < n_ranks ? ibid_share_beg(sh->total, rank + 1, n_ranks) : UINT64_MAX;
    *a = *b = 0;
    if (u->kind == UNIT_SPLIT) { /* the lines starting in [beg, next) */
        *a = beg > u->off ? beg : u->off;
        *b = next < u->off + u->size ? next : u->off + u->size;
        return *a < *b;
    }
    return u->off >= beg && u->off < next; /* whole, by the rank holding its start */
}

int ibid_share_open(const ibid_share *sh, size_t i, int rank, int n_ranks, ibid_stream **out,
                    ibid_error *err)
{
    assert(sh && i < sh->n_units && rank >= 0 && rank < n_ranks);
    const ibid_share_unit *u = &sh->units[i];
    uint64_t a, b;
    int mine = share_of(sh, u, rank, n_ranks, &a, &b);
    assert(mine && (u->kind == UNIT_SPLIT || u->kind == UNIT_WHOLE_JSONL));
    (void)mine;
    if (u->kind == UNIT_SPLIT)
        return ibid_stream_open_range(out, u->path, a - u->off, b - u->off, err);
    return ibid_stream_open(out, u->path, err);
}

int ibid_share_read(ibid_share *sh, int rank, int n_ranks, const ibid_read_opts *o,
                    const ibid_docstream_cb *cb, ibid_error *err)
{
    assert(sh && o && cb && cb->batch && cb->skip && rank >= 0 && rank < n_ranks);
    int rc;
    stream_state st = {.o = o, .cb = cb};
    sh->any = sh->first_mid = sh->last_split = 0;
    sh->last_lines = 0;
    if ((rc = ibid_read_opts_check(o, err)) < 0) return rc;
    for (size_t i = 0; i < sh->n_units; i++) {
        const ibid_share_unit *u = &sh->units[i];
        uint64_t a, b;
        if (!share_of(sh, u, rank, n_ranks, &a, &b)) continue;
        if (!sh->any) {
            sh->any = 1;
            sh->u_first = i;
            sh->first_mid = u->kind == UNIT_SPLIT && a > u->off;
        }
        sh->u_last = i;
        sh->last_split = u->kind == UNIT_SPLIT;
        sh->cur_unit = st.unit = i;
        if (u->kind == UNIT_FAIL) {
            if (err) *err = u->fail;
            rc = u->fail.code;
        } else if (u->kind == UNIT_SPLIT) {
            rc = read_jsonl(&st, u->path, 1, a - u->off, b - u->off, err);
            sh->last_lines = st.n_lines;
        } else if (u->kind == UNIT_WHOLE_JSONL) {
            rc = read_jsonl(&st, u->path, 0, 0, 0, err);
        } else {
            rc = read_text(&st, u->path, u->id, &u->sb, err);
        }
        if (rc < 0) goto done;
    }
done:
    return stream_end(&st, rc, err);
}
