/*
 * api.c: the answers of ibid serve, each route's handler over the store.
 *
 * Reads and the writer. A store handle is used by one thread at a time (ibid.h), so each read
 * takes a read-only handle from a small pool (opening one when the pool is empty) and gives it
 * back; every read runs in one SQLite read transaction (ibid_store_query, ibid_store_load), so
 * it sees one committed state of the store. Writes go through the one writer handle, under a
 * mutex: batches are added one at a time while readers go on reading the last committed state
 * (SQLite's WAL mode; docs/store.md).
 *
 * Stories are computed over the whole store (ibid_store_load, then ibid_stories_new) and kept
 * until the store's counts of documents and passages change; their JSON is what ibid stories
 * --format jsonl writes (ibid_stories_write, read back with jansson), with each story's passages
 * added, so that the command line and the API describe a story the same way.
 *
 * A query's answer groups its passages by source document, ranks the sources by the share of the
 * query they cover (then by id), and gives the share of the query covered by any source: the
 * union of the passages' spans in code points.
 */
#include "server.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct srv {
    const srv_opts *o;
    size_t n_token;
    pthread_mutex_t pool_lock; /* guards pool, n_pool */
    ibid_store **pool;         /* read-only handles not in use */
    size_t n_pool;
    pthread_mutex_t write_lock; /* guards writer: one batch at a time */
    ibid_store *writer;         /* NULL without a token: writes are refused */
    pthread_mutex_t stories_lock;
    json_t *stories;           /* array of story objects, or NULL when not computed */
    size_t key_docs, key_pass; /* the store's counts when they were computed */
    size_t n_boilerplate;      /* passages flagged as boilerplate then */
};

void srv_opts_init(srv_opts *o)
{
    memset(o, 0, sizeof *o);
    o->max_body = (size_t)16 << 20;
    o->max_text = (size_t)1 << 20;
    o->max_results = 100;
    o->max_readers = 8;
}

int srv_new(srv **out, const srv_opts *o, ibid_error *err)
{
    ibid_store *st = NULL;
    int rc;
    *out = NULL;
    if (!o->db || o->max_body == 0 || o->max_text == 0 || o->max_results == 0) {
        memset(err, 0, sizeof *err);
        err->code = IBID_EINVAL;
        snprintf(err->message, sizeof err->message, "a store and limits above 0 are needed");
        return IBID_EINVAL;
    }
    if (o->create && !o->token) {
        memset(err, 0, sizeof *err);
        err->code = IBID_EINVAL;
        snprintf(err->message, sizeof err->message,
                 "a store is created only to be written to: give a token file");
        return IBID_EINVAL;
    }
    srv *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->o = o;
    s->n_token = o->token ? strlen(o->token) : 0;
    pthread_mutex_init(&s->pool_lock, NULL);
    pthread_mutex_init(&s->write_lock, NULL);
    pthread_mutex_init(&s->stories_lock, NULL);
    s->pool = calloc(o->max_readers + 1, sizeof *s->pool);
    if (!s->pool) abort();
    if (o->token) {
        int flags = IBID_STORE_WRITE | (o->create ? IBID_STORE_CREATE : 0);
        if ((rc = ibid_store_open(&s->writer, o->db, flags, NULL, err)) < 0) goto fail;
    }
    /* one reader now, to say at once whether the store can be read */
    if ((rc = ibid_store_open(&st, o->db, IBID_STORE_READ, NULL, err)) < 0) goto fail;
    s->pool[s->n_pool++] = st;
    *out = s;
    return 0;
fail:
    srv_free(s);
    return rc;
}

void srv_free(srv *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n_pool; i++) ibid_store_close(s->pool[i]);
    free(s->pool);
    ibid_store_close(s->writer);
    json_decref(s->stories);
    pthread_mutex_destroy(&s->pool_lock);
    pthread_mutex_destroy(&s->write_lock);
    pthread_mutex_destroy(&s->stories_lock);
    free(s);
}

static int get_reader(srv *s, ibid_store **out, ibid_error *err)
{
    *out = NULL;
    pthread_mutex_lock(&s->pool_lock);
    if (s->n_pool) *out = s->pool[--s->n_pool];
    pthread_mutex_unlock(&s->pool_lock);
    if (*out) return 0;
    return ibid_store_open(out, s->o->db, IBID_STORE_READ, NULL, err);
}

static void put_reader(srv *s, ibid_store *st)
{
    if (!st) return;
    pthread_mutex_lock(&s->pool_lock);
    if (s->n_pool < s->o->max_readers) {
        s->pool[s->n_pool++] = st;
        st = NULL;
    }
    pthread_mutex_unlock(&s->pool_lock);
    ibid_store_close(st);
}

/* ---------------------------------------------------------------------------------------------
 * Responses
 * ------------------------------------------------------------------------------------------ */

void srv_response_clear(srv_response *rs)
{
    if (rs->owned) free(rs->body);
    memset(rs, 0, sizeof *rs);
}

/* The length of the valid UTF-8 sequence at s[0..n), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80) return 1;
    size_t k = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (k == 0 || k > n) return 0;
    for (size_t i = 1; i < k; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    uint32_t cp = k == 2 ? (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F)
                  : k == 3
                      ? (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F)
                      : (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
                            (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
    if ((k == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (k == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return k;
}

static int utf8_valid(const char *s, size_t n)
{
    for (size_t i = 0, k; i < n; i += k)
        if ((k = utf8_seq((const unsigned char *)s + i, n - i)) == 0) return 0;
    return 1;
}

/* A JSON string of any bytes: invalid UTF-8 and NUL become U+FFFD. */
static json_t *jstr(const char *s)
{
    size_t n = strlen(s);
    if (utf8_valid(s, n)) return json_stringn(s, n);
    char *t = malloc(3 * n + 1);
    if (!t) abort();
    size_t m = 0;
    for (size_t i = 0, k; i < n; i += k) {
        if ((k = utf8_seq((const unsigned char *)s + i, n - i)) == 0) {
            memcpy(t + m, "\xEF\xBF\xBD", 3), m += 3, k = 1;
        } else {
            memcpy(t + m, s + i, k), m += k;
        }
    }
    json_t *j = json_stringn(t, m);
    free(t);
    return j;
}

/* Send `j` (consumed) as the body. */
static void reply(srv_response *rs, int status, json_t *j)
{
    char *text = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(10));
    json_decref(j);
    if (!text) abort(); /* only out of memory: every string was made valid */
    size_t n = strlen(text);
    char *body = realloc(text, n + 2);
    if (!body) abort();
    body[n] = '\n';
    body[n + 1] = '\0';
    rs->status = status;
    rs->content_type = "application/json";
    rs->body = body;
    rs->n_body = n + 1;
    rs->owned = 1;
}

void srv_error(srv_response *rs, int status, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    memset(rs, 0, sizeof *rs);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *e = json_object();
    json_object_set_new(e, "status", json_integer(status));
    json_object_set_new(e, "message", jstr(msg));
    json_t *j = json_object();
    json_object_set_new(j, "error", e);
    reply(rs, status, j);
}

/* An error of the library as a response: what the client sent is at fault (4xx), or the store
 * (500). The store's path is not shown to clients. */
static void reply_ibid(srv *s, srv_response *rs, int rc, const ibid_error *err)
{
    int status = rc == IBID_ENOTFOUND                  ? 404
                 : rc == IBID_ETOOBIG                  ? 413
                 : rc == IBID_EIO || rc == IBID_ENOMEM ? 500
                                                       : 400;
    const char *msg = err->message[0] ? err->message : ibid_strerror(rc);
    if (err->source[0] && strcmp(err->source, s->o->db) != 0 && err->line > 0)
        srv_error(rs, status, "%s: line %ld, column %ld: %s", err->source, err->line, err->column,
                  msg);
    else if (status == 500)
        srv_error(rs, status, "the store failed: %s", msg);
    else
        srv_error(rs, status, "%s", msg);
}

/* ---------------------------------------------------------------------------------------------
 * Helpers over the library's results
 * ------------------------------------------------------------------------------------------ */

static size_t count_cp(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

typedef struct span {
    uint32_t beg, end;
} span;

static int by_beg(const void *a, const void *b)
{
    const span *x = a, *y = b;
    return x->beg < y->beg ? -1 : x->beg > y->beg ? 1 : (x->end > y->end) - (x->end < y->end);
}

/* Code points covered by the union of the spans (sorted in place). */
static size_t covered(span *sp, size_t n)
{
    size_t total = 0;
    uint32_t end = 0;
    qsort(sp, n, sizeof *sp, by_beg);
    for (size_t i = 0; i < n; i++) {
        uint32_t b = sp[i].beg > end ? sp[i].beg : end;
        if (sp[i].end > b) total += sp[i].end - b;
        if (sp[i].end > end) end = sp[i].end;
    }
    return total;
}

static json_t *share(size_t part, size_t whole)
{
    return json_real(whole ? round(10000.0 * (double)part / (double)whole) / 10000.0 : 0.0);
}

/* The metadata object of document i, or an empty object. */
static json_t *meta_of(const ibid_corpus *c, size_t i)
{
    const char *m = ibid_corpus_meta(c, i);
    json_t *j = m ? json_loads(m, 0, NULL) : NULL;
    if (!json_is_object(j)) {
        json_decref(j);
        j = json_object();
    }
    return j;
}

/* One passage seen from one side: begin/end on `self`, other_begin/other_end on the other. */
static json_t *passage_json(const ibid_passage *p, int flip, const char *k1, const char *k2,
                            const char *k3, const char *k4)
{
    json_t *j = json_object();
    json_object_set_new(j, k1, json_integer(flip ? p->cp_beg2 : p->cp_beg1));
    json_object_set_new(j, k2, json_integer(flip ? p->cp_end2 : p->cp_end1));
    json_object_set_new(j, k3, json_integer(flip ? p->cp_beg1 : p->cp_beg2));
    json_object_set_new(j, k4, json_integer(flip ? p->cp_end1 : p->cp_end2));
    json_object_set_new(j, "kind", json_string(ibid_kind_name(p->kind)));
    json_object_set_new(j, "matches", json_integer(p->matches));
    json_object_set_new(j, "score", json_integer(p->score));
    json_object_set_new(j, "identity", share(p->matches, p->columns));
    return j;
}

/* ---------------------------------------------------------------------------------------------
 * GET /api/health
 * ------------------------------------------------------------------------------------------ */

static void health(srv *s, srv_response *rs)
{
    ibid_error err = {0};
    ibid_store *st = NULL;
    size_t n_docs = 0, n_pass = 0;
    int rc;
    if ((rc = get_reader(s, &st, &err)) < 0 ||
        (rc = ibid_store_count(st, &n_docs, &n_pass, &err)) < 0) {
        ibid_store_close(st);
        reply_ibid(s, rs, rc, &err);
        return;
    }
    put_reader(s, st);
    json_t *lim = json_object();
    json_object_set_new(lim, "max_body", json_integer((json_int_t)s->o->max_body));
    json_object_set_new(lim, "max_text", json_integer((json_int_t)s->o->max_text));
    json_object_set_new(lim, "max_results", json_integer((json_int_t)s->o->max_results));
    json_t *j = json_object();
    json_object_set_new(j, "status", json_string("ok"));
    json_object_set_new(j, "version", json_string(ibid_version()));
    json_object_set_new(j, "documents", json_integer((json_int_t)n_docs));
    json_object_set_new(j, "passages", json_integer((json_int_t)n_pass));
    json_object_set_new(j, "writable", json_boolean(s->writer != NULL));
    json_object_set_new(j, "private", json_boolean(s->o->private_reads));
    json_object_set_new(j, "limits", lim);
    reply(rs, 200, j);
}

/* ---------------------------------------------------------------------------------------------
 * POST /api/query
 * ------------------------------------------------------------------------------------------ */

typedef struct source {
    uint32_t doc;        /* corpus index */
    size_t p_beg, p_end; /* its passages in the result: [p_beg, p_end) */
    size_t cp_covered;   /* query code points its passages cover */
    const char *id;      /* its id, for ties */
} source;

static int by_cover(const void *a, const void *b)
{
    const source *x = a, *y = b;
    if (x->cp_covered != y->cp_covered) return x->cp_covered > y->cp_covered ? -1 : 1;
    return strcmp(x->id, y->id);
}

static void query(srv *s, const srv_request *rq, srv_response *rs)
{
    srv_query q;
    srv_fail f;
    ibid_error err = {0};
    ibid_store *st = NULL;
    ibid_corpus *c = NULL;
    ibid_result *r = NULL;
    int rc;
    if (srv_parse_query(&q, rq->content_type, rq->body, rq->n_body, s->o->max_text, &f) < 0) {
        srv_error(rs, f.status, "%s", f.message);
        return;
    }
    if ((rc = get_reader(s, &st, &err)) < 0 ||
        (rc = ibid_store_query(&c, &r, st, q.id, q.text, q.n_text, &err)) < 0) {
        ibid_store_close(st);
        srv_query_clear(&q);
        reply_ibid(s, rs, rc, &err);
        return;
    }
    put_reader(s, st);

    /* passages come sorted by (id2, begin1): one run per source */
    source *src = malloc((r->n_passages + 1) * sizeof *src);
    span *sp = malloc((r->n_passages + 1) * sizeof *sp);
    if (!src || !sp) abort();
    size_t n_src = 0;
    for (size_t i = 0; i < r->n_passages;) {
        size_t j = i;
        while (j < r->n_passages && r->passages[j].doc2 == r->passages[i].doc2) j++;
        for (size_t k = i; k < j; k++)
            sp[k - i] = (span){r->passages[k].cp_beg1, r->passages[k].cp_end1};
        uint32_t d = r->passages[i].doc2;
        src[n_src++] = (source){d, i, j, covered(sp, j - i), ibid_corpus_id(c, d)};
        i = j;
    }
    for (size_t k = 0; k < r->n_passages; k++)
        sp[k] = (span){r->passages[k].cp_beg1, r->passages[k].cp_end1};
    size_t n_cp = count_cp(q.text, q.n_text);
    size_t cp_reused = covered(sp, r->n_passages);
    qsort(src, n_src, sizeof *src, by_cover);

    json_t *sources = json_array();
    for (size_t k = 0; k < n_src && k < s->o->max_results; k++) {
        size_t n_text;
        const char *text = ibid_corpus_text(c, src[k].doc, &n_text);
        json_t *o = json_object(), *ps = json_array();
        json_object_set_new(o, "id", jstr(src[k].id));
        json_object_set_new(o, "meta", meta_of(c, src[k].doc));
        json_object_set_new(o, "n_cp", json_integer((json_int_t)count_cp(text, n_text)));
        json_object_set_new(o, "reused_cp", json_integer((json_int_t)src[k].cp_covered));
        json_object_set_new(o, "share", share(src[k].cp_covered, n_cp));
        for (size_t i = src[k].p_beg; i < src[k].p_end; i++)
            json_array_append_new(
                ps, passage_json(&r->passages[i], 0, "begin1", "end1", "begin2", "end2"));
        json_object_set_new(o, "passages", ps);
        if (q.with_text) json_object_set_new(o, "text", json_stringn(text, n_text));
        json_array_append_new(sources, o);
    }
    json_t *j = json_object();
    json_object_set_new(j, "id", jstr(q.id));
    json_object_set_new(j, "n_cp", json_integer((json_int_t)n_cp));
    json_object_set_new(j, "reused_cp", json_integer((json_int_t)cp_reused));
    json_object_set_new(j, "reused", share(cp_reused, n_cp));
    json_object_set_new(j, "meta", q.meta ? json_incref(q.meta) : json_object());
    json_object_set_new(j, "n_candidates", json_integer((json_int_t)(ibid_corpus_size(c) - 1)));
    json_object_set_new(j, "n_sources", json_integer((json_int_t)n_src));
    json_object_set_new(j, "truncated", json_boolean(n_src > s->o->max_results));
    json_object_set_new(j, "sources", sources);
    reply(rs, 200, j);
    free(src);
    free(sp);
    ibid_result_free(r);
    ibid_corpus_free(c);
    srv_query_clear(&q);
}

/* ---------------------------------------------------------------------------------------------
 * GET /api/documents/{id}
 * ------------------------------------------------------------------------------------------ */

typedef struct side {
    const ibid_passage *p;
    int flip;          /* 1: the document is the passage's doc2 */
    const char *other; /* the other document's id */
    uint32_t beg;      /* the span in the document */
} side;

static int by_other(const void *a, const void *b)
{
    const side *x = a, *y = b;
    int c = strcmp(x->other, y->other);
    if (c) return c;
    return x->beg < y->beg ? -1 : x->beg > y->beg;
}

static void document(srv *s, const char *id, srv_response *rs)
{
    ibid_error err = {0};
    ibid_store *st = NULL;
    ibid_corpus *c = NULL;
    ibid_result *r = NULL;
    int rc;
    if (!utf8_valid(id, strlen(id))) {
        srv_error(rs, 400, "the document id in the path is not valid UTF-8");
        return;
    }
    const char *ids[1] = {id};
    if ((rc = get_reader(s, &st, &err)) < 0 ||
        (rc = ibid_store_load(&c, &r, st, ids, 1, 1, &err)) < 0) {
        ibid_store_close(st);
        if (rc == IBID_ENOTFOUND)
            srv_error(rs, 404, "no document with id '%s' in the store", id);
        else
            reply_ibid(s, rs, rc, &err);
        return;
    }
    put_reader(s, st);
    long d = ibid_corpus_find(c, id);
    if (d < 0) { /* the store answered for the id, so the loaded corpus holds it */
        srv_error(rs, 500, "the store lost document '%s'", id);
        goto done;
    }
    side *sd = malloc((r->n_passages + 1) * sizeof *sd);
    span *sp = malloc((r->n_passages + 1) * sizeof *sp);
    if (!sd || !sp) abort();
    size_t n = 0;
    for (size_t i = 0; i < r->n_passages; i++) {
        const ibid_passage *p = &r->passages[i];
        if (p->doc1 != (uint32_t)d && p->doc2 != (uint32_t)d) continue;
        int flip = p->doc2 == (uint32_t)d;
        sd[n] = (side){p, flip, ibid_corpus_id(c, flip ? p->doc1 : p->doc2),
                       flip ? p->cp_beg2 : p->cp_beg1};
        sp[n] = (span){sd[n].beg, flip ? p->cp_end2 : p->cp_end1};
        n++;
    }
    size_t cp_shared = covered(sp, n);
    qsort(sd, n, sizeof *sd, by_other);
    json_t *ps = json_array();
    size_t n_others = 0, n_kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(sd[i].other, sd[i - 1].other) != 0) n_others++;
        if (n_others > s->o->max_results) continue;
        json_t *o = passage_json(sd[i].p, sd[i].flip, "begin", "end", "other_begin", "other_end");
        json_object_set_new(o, "other", jstr(sd[i].other));
        json_array_append_new(ps, o);
        n_kept++;
    }
    size_t n_text;
    const char *text = ibid_corpus_text(c, (size_t)d, &n_text);
    size_t n_cp = count_cp(text, n_text);
    json_t *j = json_object();
    json_object_set_new(j, "id", jstr(id));
    json_object_set_new(j, "meta", meta_of(c, (size_t)d));
    json_object_set_new(j, "n_cp", json_integer((json_int_t)n_cp));
    json_object_set_new(j, "shared_cp", json_integer((json_int_t)cp_shared));
    json_object_set_new(j, "shared", share(cp_shared, n_cp));
    json_object_set_new(j, "n_others", json_integer((json_int_t)n_others));
    json_object_set_new(j, "truncated", json_boolean(n_others > s->o->max_results));
    json_object_set_new(j, "passages", ps);
    json_object_set_new(j, "text", json_stringn(text, n_text));
    reply(rs, 200, j);
    free(sd);
    free(sp);
done:
    ibid_result_free(r);
    ibid_corpus_free(c);
}

/* ---------------------------------------------------------------------------------------------
 * POST /api/documents
 * ------------------------------------------------------------------------------------------ */

static void add_documents(srv *s, const srv_request *rq, srv_response *rs)
{
    ibid_corpus *c = NULL;
    srv_fail f;
    ibid_error err = {0};
    ibid_store_add_opts ao;
    ibid_store_add_report rep = {0};
    if (srv_parse_documents(&c, rq->body, rq->n_body, s->o->max_text, &f) < 0) {
        srv_error(rs, f.status, "%s", f.message);
        return;
    }
    ibid_store_add_opts_init(&ao);
    pthread_mutex_lock(&s->write_lock);
    int rc = ibid_store_add(s->writer, c, &ao, &rep, &err);
    pthread_mutex_unlock(&s->write_lock);
    if (rc < 0) {
        reply_ibid(s, rs, rc, &err);
    } else {
        json_t *ids = json_array();
        for (size_t i = 0; i < ibid_corpus_size(c); i++)
            json_array_append_new(ids, jstr(ibid_corpus_id(c, i)));
        json_t *j = json_object();
        json_object_set_new(j, "received", json_integer((json_int_t)ibid_corpus_size(c)));
        json_object_set_new(j, "added", json_integer((json_int_t)rep.n_added));
        json_object_set_new(j, "present", json_integer((json_int_t)rep.n_present));
        json_object_set_new(j, "passages", json_integer((json_int_t)rep.n_passages));
        json_object_set_new(j, "ids", ids);
        reply(rs, rep.n_added ? 201 : 200, j);
    }
    ibid_corpus_free(c);
}

/* ---------------------------------------------------------------------------------------------
 * GET /api/stories, GET /api/stories/{n}
 * ------------------------------------------------------------------------------------------ */

/* Compute the stories of the whole store into s->stories, unless the counts say they are
 * current. Called with stories_lock held. */
static int refresh_stories(srv *s, ibid_error *err)
{
    ibid_store *st = NULL;
    ibid_corpus *c = NULL;
    ibid_result *r = NULL;
    ibid_stories *sto = NULL;
    char *buf = NULL;
    size_t n_buf = 0, n_docs, n_pass;
    FILE *mem = NULL;
    int rc;
    if ((rc = get_reader(s, &st, err)) < 0) return rc;
    if ((rc = ibid_store_count(st, &n_docs, &n_pass, err)) < 0) goto done;
    if (s->stories && n_docs == s->key_docs && n_pass == s->key_pass) goto done;
    if ((rc = ibid_store_load(&c, &r, st, NULL, 0, 0, err)) < 0) goto done;
    if ((rc = ibid_stories_new(&sto, c, r, NULL, err)) < 0) goto done;
    if (!(mem = open_memstream(&buf, &n_buf))) abort();
    rc = ibid_stories_write(mem, sto, c, r, IBID_FORMAT_JSONL, err);
    fclose(mem);
    if (rc < 0) goto done;
    json_t *all = json_array();
    char *line = buf;
    for (size_t k = 0; k < ibid_stories_size(sto); k++) {
        char *nl = strchr(line, '\n');
        json_t *o = nl ? json_loadb(line, (size_t)(nl - line), 0, NULL) : NULL;
        if (!json_is_object(o)) { /* the library writes one object a story: never */
            json_decref(o);
            json_decref(all);
            memset(err, 0, sizeof *err);
            err->code = rc = IBID_EIO;
            snprintf(err->message, sizeof err->message, "story %zu could not be listed", k + 1);
            goto done;
        }
        const ibid_story *story = ibid_stories_get(sto, k);
        json_t *ps = json_array();
        for (size_t i = 0; i < story->n_passages; i++) {
            const ibid_passage *p = &r->passages[story->passages[i]];
            json_t *pj = passage_json(p, 0, "begin1", "end1", "begin2", "end2");
            json_object_set_new(pj, "id1", jstr(ibid_corpus_id(c, p->doc1)));
            json_object_set_new(pj, "id2", jstr(ibid_corpus_id(c, p->doc2)));
            json_array_append_new(ps, pj);
        }
        json_object_set_new(o, "passages", ps);
        json_array_append_new(all, o);
        line = nl + 1;
    }
    json_decref(s->stories);
    s->stories = all;
    s->key_docs = n_docs;
    s->key_pass = n_pass;
    s->n_boilerplate = ibid_stories_n_boilerplate(sto);
done:
    free(buf);
    ibid_stories_free(sto);
    ibid_result_free(r);
    ibid_corpus_free(c);
    if (rc < 0)
        ibid_store_close(st);
    else
        put_reader(s, st);
    return rc;
}

/* A whole number in [0, hi] from a query-string argument; -1 when it is not one. */
static long parse_arg(const char *v, long dflt, long hi)
{
    if (!v) return dflt;
    char *end;
    long x = strtol(v, &end, 10);
    if (!*v || *end || x < 0 || x > hi) return -1;
    return x;
}

static void stories(srv *s, const srv_request *rq, const char *story_arg, srv_response *rs)
{
    ibid_error err = {0};
    long lim = (long)s->o->max_results;
    long offset = parse_arg(rq->offset, 0, 1L << 40), limit = parse_arg(rq->limit, lim, lim);
    long n = 0;
    if (offset < 0 || limit < 0) {
        srv_error(rs, 400, "offset must be a whole number from 0, limit from 0 to %ld", lim);
        return;
    }
    if (story_arg && ((n = parse_arg(story_arg, 0, 1L << 40)) < 1)) {
        srv_error(rs, 400, "a story is named by its number, from 1: not '%s'", story_arg);
        return;
    }
    pthread_mutex_lock(&s->stories_lock);
    int rc = refresh_stories(s, &err);
    if (rc < 0) {
        pthread_mutex_unlock(&s->stories_lock);
        reply_ibid(s, rs, rc, &err);
        return;
    }
    size_t n_stories = json_array_size(s->stories);
    json_t *j;
    if (story_arg) {
        if ((size_t)n > n_stories) {
            pthread_mutex_unlock(&s->stories_lock);
            srv_error(rs, 404, "no story %ld: the store has %zu", n, n_stories);
            return;
        }
        j = json_deep_copy(json_array_get(s->stories, (size_t)n - 1));
    } else {
        static const char *const keys[] = {"story",      "n_docs",    "n_passages", "first",
                                           "date_first", "date_last", "title"};
        json_t *list = json_array();
        for (size_t k = (size_t)offset; k < n_stories && k < (size_t)(offset + limit); k++) {
            json_t *full = json_array_get(s->stories, k), *o = json_object();
            for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
                json_t *v = json_object_get(full, keys[i]);
                json_object_set_new(o, keys[i], v ? json_deep_copy(v) : json_null());
            }
            json_array_append_new(list, o);
        }
        j = json_object();
        json_object_set_new(j, "n_stories", json_integer((json_int_t)n_stories));
        json_object_set_new(j, "n_boilerplate", json_integer((json_int_t)s->n_boilerplate));
        json_object_set_new(j, "offset", json_integer(offset));
        json_object_set_new(j, "limit", json_integer(limit));
        json_object_set_new(j, "stories", list);
    }
    pthread_mutex_unlock(&s->stories_lock);
    reply(rs, 200, j);
}

/* ---------------------------------------------------------------------------------------------
 * Dispatch
 * ------------------------------------------------------------------------------------------ */

static void asset(const char *path, srv_response *rs)
{
    if (strcmp(path, "/") == 0) path = "/index.html";
    for (size_t i = 0; i < srv_n_assets; i++) {
        if (strcmp(srv_assets[i].path, path) == 0) {
            rs->status = 200;
            rs->content_type = srv_assets[i].content_type;
            rs->body = (char *)srv_assets[i].data;
            rs->n_body = srv_assets[i].n_data;
            rs->owned = 0;
            rs->page = 1;
            return;
        }
    }
    srv_error(rs, 404, "no such page: %s", path);
}

void srv_handle(srv *s, const srv_request *rq, srv_response *rs)
{
    memset(rs, 0, sizeof *rs);
    srv_target t = srv_match(rq->path);
    if (t.route == SRV_NOT_FOUND) {
        srv_error(rs, 404, "no such path: %s (the API is under /api/: see GET /api/health)",
                  rq->path);
        return;
    }
    if (strcmp(rq->method, srv_allowed(t.route)) != 0) {
        srv_error(rs, 405, "%s %s is not allowed: use %s", rq->method, rq->path,
                  srv_allowed(t.route));
        rs->allow = srv_allowed(t.route);
        return;
    }
    if (t.route == SRV_ASSET) {
        asset(rq->path, rs);
        return;
    }
    int authorized = srv_token_ok(s->o->token, s->n_token, rq->auth);
    if (t.route == SRV_DOCUMENTS && !s->writer) {
        srv_error(rs, 403,
                  "writes are off on this server: start ibid serve with --token-file to "
                  "allow them");
        return;
    }
    if ((t.route == SRV_DOCUMENTS || s->o->private_reads) && !authorized) {
        srv_error(rs, 401,
                  "%s: send the header 'Authorization: Bearer TOKEN' with the token "
                  "of the server's --token-file",
                  rq->auth ? "wrong token" : "this needs a token");
        rs->challenge = 1;
        return;
    }
    switch (t.route) {
    case SRV_HEALTH:
        health(s, rs);
        break;
    case SRV_QUERY:
        query(s, rq, rs);
        break;
    case SRV_DOCUMENTS:
        add_documents(s, rq, rs);
        break;
    case SRV_DOCUMENT: {
        char *id = strndup(t.arg, t.n_arg);
        if (!id) abort();
        document(s, id, rs);
        free(id);
        break;
    }
    case SRV_STORIES:
        stories(s, rq, NULL, rs);
        break;
    case SRV_STORY: {
        char *n = strndup(t.arg, t.n_arg);
        if (!n) abort();
        stories(s, rq, n, rs);
        free(n);
        break;
    }
    default:
        srv_error(rs, 404, "no such path: %s", rq->path);
    }
}
