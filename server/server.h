/*
 * server.h: ibid serve, a JSON API and a web page over a store, in three parts:
 *
 *   request.c  what a request asks for: the route of a path, the body of a query (JSON or plain
 *              text), a batch of documents (one JSON object or JSON Lines), the bearer token
 *              (compared in constant time). Pure functions over bytes; fuzz/fuzz_request.c.
 *   api.c      the answers: each route's handler over the store (a pool of read-only handles,
 *              one writer at a time, a cache of the stories), JSON in and out with jansson, and
 *              the page's files (web/, compiled in as web_assets.c).
 *   http.c     the HTTP layer over libmicrohttpd: a thread a connection, bodies gathered up to
 *              the size limit, each complete request handed to srv_handle.
 *
 * Like cli/, this layer uses only include/ibid.h; it never prints and never exits. It keeps no
 * global state: everything hangs off one srv (the API) and one srv_http (the listener).
 */
#ifndef IBID_SERVER_H
#define IBID_SERVER_H

#include "ibid.h"

#include <jansson.h>
#include <stddef.h>

/* ---------------------------------------------------------------------------------------------
 * request.c
 * ------------------------------------------------------------------------------------------ */

/* The routes of the API and the page. */
typedef enum srv_route {
    SRV_NOT_FOUND = 0, /* no such path */
    SRV_ASSET,         /* a file of the page: "/", "/app.js", "/style.css", ... */
    SRV_HEALTH,        /* /api/health */
    SRV_QUERY,         /* /api/query */
    SRV_DOCUMENTS,     /* /api/documents */
    SRV_DOCUMENT,      /* /api/documents/{id} */
    SRV_STORIES,       /* /api/stories */
    SRV_STORY,         /* /api/stories/{n} */
} srv_route;

/* What a path names: the route and, for /api/documents/{id} and /api/stories/{n}, the rest of
 * the path after the last fixed segment (the id; ids may hold '/'), pointing into `path`. */
typedef struct srv_target {
    srv_route route;
    const char *arg; /* the {id} or {n}, or NULL */
    size_t n_arg;    /* its length, bytes */
} srv_target;

/* The route of `path` (already percent-decoded, without the query string). A trailing empty
 * {id} ("/api/documents/") names nothing. */
srv_target srv_match(const char *path);

/* The methods a route accepts, as for an Allow header ("GET", "POST", "GET, POST"). */
const char *srv_allowed(srv_route route);

/* A query: the text and its optional fields. */
typedef struct srv_query {
    char *id;      /* the name of the query in the answer; default "query" (owned) */
    char *text;    /* the text, not checked for UTF-8 yet (owned) */
    size_t n_text; /* its length, bytes */
    json_t *meta;  /* the JSON body's other fields, an object (owned), or NULL */
    int with_text; /* 1: the answer carries each source document's text */
} srv_query;

/* An error for the client: an HTTP status (4xx) and a message a person can act on. */
typedef struct srv_fail {
    int status;
    char message[512];
} srv_fail;

/*
 * srv_parse_query: read the body of POST /api/query. A Content-Type of application/json
 * means a JSON object {"text": "...", "id": "...", "with_text": true, other fields kept as
 * metadata}; any other type (text/plain, none) means the body is the text itself. A text longer
 * than max_text bytes, an empty text, broken JSON, a missing or non-string "text" fail. Returns
 * 0 (then free *q with srv_query_clear) or -1 with *f filled (q is then cleared).
 */
int srv_parse_query(srv_query *q, const char *content_type, const char *body, size_t n_body,
                    size_t max_text, srv_fail *f);
void srv_query_clear(srv_query *q);

/*
 * srv_parse_documents: read the body of POST /api/documents into a new corpus: one JSON object
 * (pretty-printed or not) or JSON Lines, each object with "id" and "text", other fields kept as
 * metadata (as ibid add reads them). A text longer than max_text bytes, broken JSON, invalid
 * UTF-8, a missing id or text, a duplicate id, or no document at all fail, naming the line.
 * Returns 0 (*out is then the corpus, freed with ibid_corpus_free) or -1 with *f filled.
 */
int srv_parse_documents(ibid_corpus **out, const char *body, size_t n_body, size_t max_text,
                        srv_fail *f);

/*
 * srv_token_ok: whether the Authorization header value `header` (or NULL) is "Bearer TOKEN"
 * with TOKEN equal to `token` (n_token bytes). The comparison takes the same time whatever the
 * header holds, for a token of a given length.
 */
int srv_token_ok(const char *token, size_t n_token, const char *header);

/* ---------------------------------------------------------------------------------------------
 * api.c
 * ------------------------------------------------------------------------------------------ */

/* How the API serves. Initialize with srv_opts_init(). */
typedef struct srv_opts {
    const char *db;     /* the store's path (required) */
    int create;         /* 1: create the store when it does not exist (needs a token) */
    const char *token;  /* the bearer token writes need, NUL-terminated; NULL: no writes */
    int private_reads;  /* 1: reads need the token too (the page's files do not) */
    size_t max_body;    /* largest request body, bytes; default 16 MiB */
    size_t max_text;    /* longest text (a query, a document), bytes; default 1 MiB */
    size_t max_results; /* most sources of a query, stories of a listing, neighbours of a
                           document; default 100 */
    size_t max_readers; /* read-only store handles kept open for reuse; default 8 */
} srv_opts;

void srv_opts_init(srv_opts *o);

typedef struct srv srv;

/*
 * srv_new: the API over the store at o->db, opened once here to check it (and, with a token,
 * for writing: the one writer handle, created with o->create). `o` and its strings must outlive
 * the srv. Returns 0 or an IBID_E* code of ibid_store_open (or IBID_EINVAL for bad options),
 * with *err filled. Free with srv_free.
 */
int srv_new(srv **out, const srv_opts *o, ibid_error *err);
void srv_free(srv *s);

/* One request, complete, as the HTTP layer hands it over. */
typedef struct srv_request {
    const char *method;       /* "GET", "POST", ... */
    const char *path;         /* percent-decoded, without the query string */
    const char *auth;         /* the Authorization header, or NULL */
    const char *content_type; /* the Content-Type header, or NULL */
    const char *offset;       /* the "offset" and "limit" arguments of the query string, or NULL */
    const char *limit;
    const char *body; /* the body (not NUL-terminated), n_body bytes */
    size_t n_body;
} srv_request;

/* The answer. */
typedef struct srv_response {
    int status;               /* HTTP status */
    const char *content_type; /* a static string */
    const char *allow;        /* for 405: the methods allowed, else NULL */
    int challenge;            /* for 401: 1 to send WWW-Authenticate: Bearer */
    int page;                 /* 1: a file of the page (sent with a restrictive CSP) */
    char *body;               /* the body: malloc'd when owned, else static */
    size_t n_body;
    int owned; /* 1: free(body) after sending */
} srv_response;

/*
 * srv_handle: answer `rq`. Every outcome, errors included, is a response: JSON
 * {"error": {"status": N, "message": "..."}} for errors. Thread-safe: any number of threads
 * may call it on one srv at once. Free the response's body with srv_response_clear.
 */
void srv_handle(srv *s, const srv_request *rq, srv_response *rs);
void srv_response_clear(srv_response *rs);

/* An error response, for the HTTP layer's own errors (413 before the body is read). */
void srv_error(srv_response *rs, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The page's files, generated from web/ at build time (web_assets.c). */
typedef struct srv_asset {
    const char *path;         /* "/index.html", "/app.js", ... */
    const char *content_type; /* "text/html; charset=utf-8", ... */
    const unsigned char *data;
    size_t n_data;
} srv_asset;

extern const srv_asset srv_assets[];
extern const size_t srv_n_assets;

/* ---------------------------------------------------------------------------------------------
 * http.c
 * ------------------------------------------------------------------------------------------ */

typedef struct srv_http srv_http;

/*
 * srv_http_start: listen on `host` (a numeric IPv4 or IPv6 address) and `port` (0: any free
 * port) and answer requests with srv_handle on `api`, each connection in a thread of its own,
 * at most max_conns (>= 1) at once.
 * Bodies larger than max_body bytes get 413 without reaching the API. Returns 0 or IBID_EINVAL
 * (a bad address), IBID_EIO (cannot listen: the message says why), with *err filled. Stop with
 * srv_http_stop, which waits for requests under way to finish.
 */
int srv_http_start(srv_http **out, srv *api, const char *host, unsigned port, int max_conns,
                   size_t max_body, ibid_error *err);
/* The port it listens on (the one chosen when asked for 0). */
unsigned srv_http_port(const srv_http *h);
void srv_http_stop(srv_http *h);

#endif
