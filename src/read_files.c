/*
 * read_files.c: ibid_corpus_read, from a path to documents.
 *
 * What a path holds decides how it is read:
 *   "-"                          JSON Lines on standard input (read_jsonl.c);
 *   a folder                     every regular file below it, depth first, the entries of each
 *                                folder sorted by name (strcmp) so that two runs see the same
 *                                order; names starting with '.' are skipped; symbolic links to
 *                                files are followed, links to folders are not (no cycles);
 *   *.jsonl, *.jsonl.gz, *.jsonl.zst   JSON Lines, ids from the records;
 *   any other file               one document: the whole content (decompressed for .gz and
 *                                .zst), its id the path as given, or, below a folder, the path
 *                                relative to that folder.
 * A document larger than o->max_doc is IBID_ETOOBIG; a plain file is checked by its size before
 * it is read, a compressed one while it is decompressed, so neither is held beyond the limit.
 *
 * Errors name the file (and for invalid UTF-8 the line and byte column inside it). A bad
 * document (invalid UTF-8, too large, a duplicate id) is skipped and recorded under skip_bad;
 * a path that cannot be opened or read, or corrupt compressed data, always fails.
 */
#include "ibid_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

int ibid_is_jsonl_name(const char *path)
{
    return ends_with(path, ".jsonl") || ends_with(path, ".jsonl.gz") ||
           ends_with(path, ".jsonl.zst");
}

/*
 * Read all of `s` into a new buffer (*out, *n; the caller frees *out). More than `max` bytes is
 * IBID_ETOOBIG; `size_hint` (or 0) sizes the first allocation.
 */
static int slurp(char **out, size_t *n, ibid_stream *s, size_t max, size_t size_hint,
                 ibid_error *err)
{
    int rc = 0;
    size_t n_buf = 0, m_buf = 0;
    char *buf = NULL;
    IBID_GROW(buf, m_buf, (size_hint < max ? size_hint : max) + 1);
    for (;;) {
        if (m_buf - n_buf < 4096) IBID_GROW(buf, m_buf, n_buf + 65536);
        long k = ibid_stream_read(s, buf + n_buf, m_buf - n_buf, err);
        if (k < 0) {
            rc = (int)k;
            goto done;
        }
        if (k == 0) break;
        n_buf += (size_t)k;
        if (n_buf > max) {
            rc = ibid_fail(err, IBID_ETOOBIG, ibid_stream_name(s), 0, 0,
                           "the document is larger than %zu bytes (the max_doc limit)", max);
            goto done;
        }
    }
done:
    if (rc < 0) {
        free(buf);
        buf = NULL;
        n_buf = 0;
    }
    *out = buf;
    *n = n_buf;
    return rc;
}

/*
 * One file as one document with id `id`. `size` is the file's size when known (a regular,
 * uncompressed file), else -1. Problems of the document itself are recorded and skipped under
 * skip_bad.
 */
static int read_text_file(ibid_corpus *c, const char *path, const char *id, long long size,
                          const ibid_read_opts *o, ibid_error *err)
{
    int rc = 0, doc_error = 0;
    ibid_stream *s = NULL;
    char *text = NULL;
    size_t n_text = 0;
    ibid_error e;
    memset(&e, 0, sizeof e);
    if (size >= 0 && (unsigned long long)size > o->max_doc) {
        rc = ibid_fail(&e, IBID_ETOOBIG, path, 0, 0,
                       "the file is %lld bytes; the limit (max_doc) is %zu", size, o->max_doc);
        doc_error = 1;
        goto done;
    }
    if ((rc = ibid_stream_open(&s, path, &e)) < 0) goto done;
    if ((rc = slurp(&text, &n_text, s, o->max_doc, size > 0 ? (size_t)size : 0, &e)) < 0) {
        doc_error = rc == IBID_ETOOBIG;
        goto done;
    }
    if ((rc = ibid_corpus_add(c, id, strlen(id), text, n_text, NULL, &e)) < 0) {
        snprintf(e.source, sizeof e.source, "%s", path); /* line, column: inside the text */
        doc_error = 1;
        goto done;
    }
done:
    if (rc < 0 && doc_error && o->skip_bad) {
        ibid_corpus_skip(c, &e);
        rc = 0;
    }
    if (rc < 0 && err) *err = e;
    free(text);
    ibid_stream_close(s);
    return rc;
}

int ibid_read_whole(char **out, size_t *n, const char *path, size_t max, size_t size_hint,
                    ibid_error *err)
{
    ibid_stream *s = NULL;
    int rc;
    *out = NULL;
    *n = 0;
    if ((rc = ibid_stream_open(&s, path, err)) < 0) goto done;
    rc = slurp(out, n, s, max, size_hint, err);
done:
    ibid_stream_close(s);
    return rc;
}

static int read_jsonl_file(ibid_corpus *c, const char *path, const ibid_read_opts *o,
                           ibid_error *err)
{
    ibid_stream *s = NULL;
    int rc;
    if ((rc = ibid_stream_open(&s, path, err)) < 0) goto done;
    rc = ibid_read_jsonl_stream(c, s, o, err);
done:
    ibid_stream_close(s);
    return rc;
}

/* A file, by its name: JSON Lines, or one document with id `id`. */
static int read_file(ibid_corpus *c, const char *path, const char *id, const struct stat *st,
                     const ibid_read_opts *o, ibid_error *err)
{
    if (ibid_is_jsonl_name(path)) return read_jsonl_file(c, path, o, err);
    int compressed = ends_with(path, ".gz") || ends_with(path, ".zst");
    long long size = S_ISREG(st->st_mode) && !compressed ? (long long)st->st_size : -1;
    return read_text_file(c, path, id, size, o, err);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A path being built while walking a folder. */
typedef struct pathbuf {
    char *p;
    size_t n, m; /* bytes used (without the NUL), bytes allocated */
} pathbuf;

static void path_push(pathbuf *b, const char *name)
{
    size_t k = strlen(name);
    IBID_GROW(b->p, b->m, b->n + k + 2);
    b->p[b->n++] = '/';
    memcpy(b->p + b->n, name, k + 1);
    b->n += k;
}

/*
 * Read every regular file below the folder b->p, ids relative to b->p[0, root_len) (the folder
 * given to ibid_corpus_read, without trailing slashes). On return b->p is as on entry.
 */
static int walk(pathbuf *b, size_t root_len,
                int (*on_file)(void *ud, const char *path, const char *id, const struct stat *st,
                               ibid_error *err),
                void *ud, ibid_error *err)
{
    int rc = 0;
    size_t n_names = 0, m_names = 0, dir_len = b->n;
    char **names = NULL;
    const char *dir = b->n ? b->p : "/"; /* the root "/" is kept as "" */
    DIR *d = opendir(dir);
    if (!d) {
        rc = ibid_fail(err, IBID_EIO, dir, 0, 0, "cannot open folder: %s", strerror(errno));
        goto done;
    }
    for (;;) {
        errno = 0;
        struct dirent *ent = readdir(d);
        if (!ent) {
            if (errno)
                rc = ibid_fail(err, IBID_EIO, dir, 0, 0, "cannot list folder: %s", strerror(errno));
            break;
        }
        if (ent->d_name[0] == '.') continue; /* hidden, and "." and ".." */
        IBID_GROW(names, m_names, n_names + 1);
        names[n_names++] = ibid_xstrndup(ent->d_name, strlen(ent->d_name));
    }
    if (rc < 0) goto done;
    if (n_names > 1) qsort(names, n_names, sizeof *names, by_name);

    for (size_t i = 0; i < n_names; i++) {
        path_push(b, names[i]);
        struct stat st;
        if (lstat(b->p, &st) != 0) {
            rc = ibid_fail(err, IBID_EIO, b->p, 0, 0, "cannot open: %s", strerror(errno));
            goto done;
        }
        int is_link = S_ISLNK(st.st_mode);
        if (is_link && stat(b->p, &st) != 0) {
            rc = ibid_fail(err, IBID_EIO, b->p, 0, 0, "cannot follow symbolic link: %s",
                           strerror(errno));
            goto done;
        }
        if (S_ISDIR(st.st_mode) && !is_link)
            rc = walk(b, root_len, on_file, ud, err);
        else if (S_ISREG(st.st_mode))
            rc = on_file(ud, b->p, b->p + root_len + 1, &st, err);
        if (rc < 0) goto done;
        b->n = dir_len;
        b->p[dir_len] = 0;
    }
done:
    b->n = dir_len;
    b->p[dir_len] = 0;
    for (size_t i = 0; i < n_names; i++) free(names[i]);
    free(names);
    if (d) closedir(d);
    return rc;
}

int ibid_walk_folder(const char *dir,
                     int (*on_file)(void *ud, const char *path, const char *id,
                                    const struct stat *st, ibid_error *err),
                     void *ud, ibid_error *err)
{
    assert(dir && on_file);
    /* "corpus/" and "corpus" give the same ids; "/" gives ids without a leading slash */
    pathbuf b = {NULL, 0, 0};
    size_t root_len = strlen(dir);
    while (root_len > 0 && dir[root_len - 1] == '/') root_len--;
    IBID_GROW(b.p, b.m, root_len + 2);
    memcpy(b.p, dir, root_len);
    b.n = root_len;
    b.p[b.n] = 0;
    int rc = walk(&b, root_len, on_file, ud, err);
    free(b.p);
    return rc;
}

typedef struct corpus_walk {
    ibid_corpus *c;
    const ibid_read_opts *o;
} corpus_walk;

static int corpus_file(void *ud, const char *path, const char *id, const struct stat *st,
                       ibid_error *err)
{
    corpus_walk *w = ud;
    return read_file(w->c, path, id, st, w->o, err);
}

int ibid_corpus_read(ibid_corpus *c, const char *path, const ibid_read_opts *o, ibid_error *err)
{
    assert(c && path);
    int rc;
    ibid_read_opts defaults;
    if (!o) {
        ibid_read_opts_init(&defaults);
        o = &defaults;
    }
    if ((rc = ibid_read_opts_check(o, err)) < 0) return rc;
    if (strcmp(path, "-") == 0) return read_jsonl_file(c, path, o, err);
    struct stat st;
    if (*path == 0 || stat(path, &st) != 0)
        return ibid_fail(err, IBID_EIO, path, 0, 0, "cannot open: %s",
                         *path ? strerror(errno) : "empty path");
    if (!S_ISDIR(st.st_mode)) return read_file(c, path, path, &st, o, err);
    corpus_walk w = {c, o};
    return ibid_walk_folder(path, corpus_file, &w, err);
}
