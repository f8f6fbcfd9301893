/*
 * stream.c: one way to read bytes from plain, gzip and zstd files and from standard input.
 *
 * The readers above (read_jsonl.c, read_files.c, pairs.c) pull bytes through ibid_stream_read and
 * never care where they come from. The kind of a stream is chosen by the name's ending, never
 * by sniffing: ".gz" goes through zlib's gzread (which also handles concatenated gzip members),
 * ".zst" through ZSTD_decompressStream (concatenated frames too), anything else, "-" (standard
 * input) and a caller's FILE are read as they are.
 *
 * Errors name the file: an open or read failure is IBID_EIO with strerror's text; data that is
 * not what its name says, corrupt or cut short is IBID_EPARSE. A stream that failed once keeps
 * failing, so a caller that ignores one error cannot read past the damage.
 */
#include "ibid_int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <zlib.h>
#include <zstd.h>

enum { KIND_PLAIN, KIND_GZ, KIND_ZST, KIND_RANGE };

struct ibid_stream {
    int kind;        /* KIND_* */
    char *name;      /* for messages: the path as given, "-" for standard input */
    FILE *fp;        /* KIND_PLAIN and KIND_ZST: the compressed or plain bytes */
    int own_fp;      /* close fp in ibid_stream_close */
    gzFile gz;       /* KIND_GZ */
    ZSTD_DCtx *dctx; /* KIND_ZST */
    ZSTD_inBuffer in;
    void *in_buf;    /* in.src points here */
    size_t m_in;     /* bytes of in_buf */
    size_t zst_hint; /* ZSTD_decompressStream's last result after progress: 0 between frames */
    int in_eof;      /* KIND_ZST: the compressed input is exhausted */
    int failed;      /* an error was returned; later reads return it again */
    int failed_code;
    uint64_t pos;   /* KIND_RANGE: the file offset of the next byte read */
    uint64_t end;   /* KIND_RANGE: lines starting before this offset are the stream's */
    int range_done; /* KIND_RANGE: the last line is out */
};

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static ibid_stream *stream_alloc(int kind, const char *name)
{
    ibid_stream *s = ibid_xcalloc(1, sizeof *s);
    s->kind = kind;
    s->name = ibid_xstrndup(name, strlen(name));
    return s;
}

int ibid_stream_open(ibid_stream **out, const char *path, ibid_error *err)
{
    assert(out && path);
    int rc = 0;
    ibid_stream *s = NULL;
    *out = NULL;
    if (strcmp(path, "-") == 0) return ibid_stream_from_fp(out, stdin, "-", err);
    if (ends_with(path, ".gz")) {
        s = stream_alloc(KIND_GZ, path);
        errno = 0;
        s->gz = gzopen(path, "rb");
        if (!s->gz) {
            rc = ibid_fail(err, IBID_EIO, path, 0, 0, "cannot open: %s",
                           errno ? strerror(errno) : "out of memory");
            goto done;
        }
        gzbuffer(s->gz, 1 << 17);
        /* gzread would copy a file that is not gzip as it is; a .gz that is not gzip is more
         * likely a mistake than a wish, so say so (an empty file reads as empty). */
        errno = 0;
        int direct = gzdirect(s->gz), ch = direct ? gzgetc(s->gz) : -1, saved = errno;
        int zerr = Z_OK;
        const char *msg = gzerror(s->gz, &zerr);
        if (zerr == Z_ERRNO) {
            rc = ibid_fail(err, IBID_EIO, path, 0, 0, "cannot read: %s",
                           saved ? strerror(saved) : msg);
            goto done;
        }
        if (direct && ch != -1) {
            rc = ibid_fail(err, IBID_EPARSE, path, 0, 0,
                           "not in gzip format (the name ends in .gz)");
            goto done;
        }
    } else {
        s = stream_alloc(ends_with(path, ".zst") ? KIND_ZST : KIND_PLAIN, path);
        s->fp = fopen(path, "rb");
        if (!s->fp) {
            rc = ibid_fail(err, IBID_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
            goto done;
        }
        s->own_fp = 1;
        if (s->kind == KIND_ZST) {
            s->dctx = ZSTD_createDCtx();
            if (!s->dctx) {
                rc = ibid_fail(err, IBID_ENOMEM, path, 0, 0, "cannot create a zstd context");
                goto done;
            }
            s->m_in = ZSTD_DStreamInSize();
            s->in_buf = ibid_xmalloc(s->m_in);
            s->in.src = s->in_buf;
        }
    }
done:
    if (rc < 0) {
        ibid_stream_close(s);
        s = NULL;
    }
    *out = s;
    return rc;
}

int ibid_stream_from_fp(ibid_stream **out, FILE *fp, const char *name, ibid_error *err)
{
    assert(out && fp);
    (void)err;
    ibid_stream *s = stream_alloc(KIND_PLAIN, name ? name : "");
    s->fp = fp;
    *out = s;
    return 0;
}

static long read_plain(ibid_stream *s, void *buf, size_t n, ibid_error *err)
{
    errno = 0;
    size_t k = fread(buf, 1, n, s->fp);
    if (k == 0 && ferror(s->fp))
        return ibid_fail(err, IBID_EIO, s->name, 0, 0, "read error: %s",
                         errno ? strerror(errno) : "unknown error");
    return (long)k;
}

int ibid_stream_open_range(ibid_stream **out, const char *path, uint64_t beg, uint64_t end,
                           ibid_error *err)
{
    assert(out && path && strcmp(path, "-") != 0);
    assert(!ends_with(path, ".gz") && !ends_with(path, ".zst"));
    int rc = 0;
    ibid_stream *s = stream_alloc(KIND_RANGE, path);
    *out = NULL;
    s->fp = fopen(path, "rb");
    if (!s->fp) {
        rc = ibid_fail(err, IBID_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
        goto done;
    }
    s->own_fp = 1;
    s->pos = beg;
    s->end = end;
    s->range_done = beg >= end;
    if (beg == 0 || s->range_done) goto done;
    /* the line holding byte beg - 1 is an earlier range's: skip past its '\n' */
    if (fseeko(s->fp, (off_t)(beg - 1), SEEK_SET) != 0) {
        rc = ibid_fail(err, IBID_EIO, path, 0, 0, "cannot seek: %s", strerror(errno));
        goto done;
    }
    char buf[1 << 16];
    for (s->pos = beg - 1;;) {
        if (s->pos + 1 >= end) { /* no line starts in [beg, end) */
            s->range_done = 1;
            break;
        }
        size_t want = end - 1 - s->pos < sizeof buf ? (size_t)(end - 1 - s->pos) : sizeof buf;
        long k = read_plain(s, buf, want, err);
        if (k < 0) {
            rc = (int)k;
            goto done;
        }
        if (k == 0) {
            s->range_done = 1;
            break;
        }
        char *nl = memchr(buf, '\n', (size_t)k);
        if (!nl) {
            s->pos += (uint64_t)k;
            continue;
        }
        s->pos += (uint64_t)(nl - buf) + 1;
        if (s->pos < end && fseeko(s->fp, (off_t)s->pos, SEEK_SET) != 0) {
            rc = ibid_fail(err, IBID_EIO, path, 0, 0, "cannot seek: %s", strerror(errno));
            goto done;
        }
        s->range_done = s->pos >= end;
        break;
    }
done:
    if (rc < 0) {
        ibid_stream_close(s);
        s = NULL;
    }
    *out = s;
    return rc;
}

/* Up to n bytes of a range stream: everything before `end`, then up to the next '\n'. */
static long read_range(ibid_stream *s, void *buf, size_t n, ibid_error *err)
{
    if (s->range_done) return 0;
    int before = s->pos < s->end;
    if (before && n > s->end - s->pos) n = (size_t)(s->end - s->pos);
    long k = read_plain(s, buf, n, err);
    if (k <= 0) {
        s->range_done = k == 0;
        return k;
    }
    char *b = buf;
    if (before) {
        s->pos += (uint64_t)k;
        s->range_done = s->pos == s->end && b[k - 1] == '\n';
        return k;
    }
    char *nl = memchr(b, '\n', (size_t)k);
    if (nl) {
        k = (long)(nl - b) + 1;
        s->range_done = 1;
    }
    s->pos += (uint64_t)k;
    return k;
}

static long read_gz(ibid_stream *s, void *buf, size_t n, ibid_error *err)
{
    if (n > INT_MAX) n = INT_MAX;
    errno = 0;
    int k = gzread(s->gz, buf, (unsigned)n);
    int zerr = Z_OK;
    const char *msg = gzerror(s->gz, &zerr);
    if (k < 0 || (k == 0 && zerr != Z_OK)) {
        if (zerr == Z_ERRNO) /* zlib's message then is "<path>: <strerror>" */
            return ibid_fail(err, IBID_EIO, s->name, 0, 0, "read error: %s",
                             errno ? strerror(errno) : msg);
        if (zerr == Z_BUF_ERROR)
            return ibid_fail(err, IBID_EPARSE, s->name, 0, 0,
                             "truncated gzip data: the file ends inside a compressed stream");
        return ibid_fail(err, IBID_EPARSE, s->name, 0, 0, "corrupt gzip data: %s",
                         msg && *msg ? msg : "unknown zlib error");
    }
    return k;
}

static long read_zst(ibid_stream *s, void *buf, size_t n, ibid_error *err)
{
    ZSTD_outBuffer out = {buf, n, 0};
    while (out.pos == 0) {
        if (s->in.pos == s->in.size && !s->in_eof) {
            errno = 0;
            size_t k = fread(s->in_buf, 1, s->m_in, s->fp);
            if (k == 0 && ferror(s->fp))
                return ibid_fail(err, IBID_EIO, s->name, 0, 0, "read error: %s",
                                 errno ? strerror(errno) : "unknown error");
            s->in.size = k;
            s->in.pos = 0;
            s->in_eof = k == 0;
        }
        /* With the input exhausted, one more call flushes what the decoder still holds. */
        size_t in_before = s->in.pos;
        size_t r = ZSTD_decompressStream(s->dctx, &out, &s->in);
        if (ZSTD_isError(r))
            return ibid_fail(err, IBID_EPARSE, s->name, 0, 0, "corrupt zstd data: %s",
                             ZSTD_getErrorName(r));
        /* a call that did nothing returns the size of a next frame header, not "done" */
        if (s->in.pos != in_before || out.pos > 0) s->zst_hint = r;
        if (out.pos == 0 && s->in_eof && s->in.pos == s->in.size) {
            if (s->zst_hint != 0)
                return ibid_fail(err, IBID_EPARSE, s->name, 0, 0,
                                 "truncated zstd data: the file ends inside a frame");
            return 0;
        }
    }
    return (long)out.pos;
}

long ibid_stream_read(ibid_stream *s, void *buf, size_t n, ibid_error *err)
{
    assert(s && buf);
    if (s->failed)
        return ibid_fail(err, s->failed_code, s->name, 0, 0, "read after an earlier error");
    if (n == 0) return 0;
    if (n > LONG_MAX) n = LONG_MAX;
    long k;
    switch (s->kind) {
    case KIND_GZ:
        k = read_gz(s, buf, n, err);
        break;
    case KIND_ZST:
        k = read_zst(s, buf, n, err);
        break;
    case KIND_RANGE:
        k = read_range(s, buf, n, err);
        break;
    default:
        k = read_plain(s, buf, n, err);
        break;
    }
    assert(k <= (long)n);
    if (k < 0) {
        s->failed = 1;
        s->failed_code = (int)k;
    }
    return k;
}

void ibid_stream_close(ibid_stream *s)
{
    if (!s) return;
    if (s->gz) gzclose_r(s->gz);
    if (s->fp && s->own_fp) fclose(s->fp);
    ZSTD_freeDCtx(s->dctx);
    free(s->in_buf);
    free(s->name);
    free(s);
}

const char *ibid_stream_name(const ibid_stream *s)
{
    return s->name;
}
