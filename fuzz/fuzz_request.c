/*
 * fuzz_request.c: arbitrary bytes as a request to ibid serve (server/request.c).
 *
 * The first byte picks the Content-Type (bit 0: JSON or plain text) and the text limit (bits
 * 1-7: 1 to 128 bytes); up to the first newline is the path, the rest the body. The path is
 * routed, the body read as a query and as a batch of documents, and the path checked as an
 * Authorization header against a fixed token. Whatever the bytes, these must hold, or the
 * target aborts:
 *   - a route's {id} lies inside the path and is not empty; a route has its methods;
 *   - a query read is at most the limit, named, and not empty; a refused one says 400 or 413
 *     with a message, and leaves nothing allocated; reading twice gives the same answer;
 *   - a batch read holds at least one document, each text within the limit; a refused one says
 *     400 or 413 with a message naming a line, or the body is empty;
 *   - the token check passes exactly for "Bearer " followed by the token.
 * Nothing may leak.
 */
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CHECK(x)                                                                         \
    do {                                                                                 \
        if (!(x)) {                                                                      \
            fprintf(stderr, "fuzz_request: check failed: %s (line %d)\n", #x, __LINE__); \
            abort();                                                                     \
        }                                                                                \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void query(const char *ctype, const char *body, size_t n, size_t max_text)
{
    srv_query q, q2;
    srv_fail f = {0}, f2 = {0};
    int rc = srv_parse_query(&q, ctype, body, n, max_text, &f);
    int rc2 = srv_parse_query(&q2, ctype, body, n, max_text, &f2);
    CHECK(rc == rc2);
    if (rc == 0) {
        CHECK(q.text && q.n_text > 0 && q.n_text <= max_text);
        CHECK(q.id && q.id[0]);
        CHECK(q.n_text == q2.n_text && memcmp(q.text, q2.text, q.n_text) == 0);
        CHECK(strcmp(q.id, q2.id) == 0 && q.with_text == q2.with_text);
        CHECK(!q.meta || json_is_object(q.meta));
        CHECK(!q.meta || !json_object_get(q.meta, "text"));
    } else {
        CHECK(rc == -1 && (f.status == 400 || f.status == 413) && f.message[0]);
        CHECK(f.status == f2.status && strcmp(f.message, f2.message) == 0);
        CHECK(!q.text && !q.id && !q.meta);
    }
    srv_query_clear(&q);
    srv_query_clear(&q2);
}

static void documents(const char *body, size_t n, size_t max_text)
{
    ibid_corpus *c = NULL;
    srv_fail f = {0};
    if (srv_parse_documents(&c, body, n, max_text, &f) == 0) {
        CHECK(c && ibid_corpus_size(c) >= 1);
        for (size_t i = 0; i < ibid_corpus_size(c); i++) {
            size_t n_text;
            ibid_corpus_text(c, i, &n_text);
            CHECK(n_text <= max_text);
            CHECK(ibid_corpus_id(c, i)[0]);
        }
    } else {
        CHECK(!c && (f.status == 400 || f.status == 413) && f.message[0]);
        CHECK(n == 0 || strstr(f.message, "line ") || strstr(f.message, "no document"));
    }
    ibid_corpus_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const char *ctype = data[0] & 1 ? "application/json" : "text/plain";
    size_t max_text = (size_t)(data[0] >> 1) + 1;
    const char *rest = (const char *)data + 1;
    size_t n = size - 1;
    const char *nl = memchr(rest, '\n', n);
    size_t n_path = nl ? (size_t)(nl - rest) : n;
    char *path = malloc(n_path + 1);
    if (!path) abort();
    memcpy(path, rest, n_path);
    path[n_path] = '\0';
    const char *body = nl ? nl + 1 : rest + n;
    size_t n_body = nl ? n - n_path - 1 : 0;

    srv_target t = srv_match(path);
    if (t.arg) {
        CHECK(t.arg >= path && t.arg + t.n_arg == path + strlen(path) && t.n_arg > 0);
        CHECK(t.route == SRV_DOCUMENT || t.route == SRV_STORY);
    }
    CHECK((t.route == SRV_NOT_FOUND) == (srv_allowed(t.route)[0] == '\0'));

    static const char token[] = "fuzz-token-0123456789";
    int ok = srv_token_ok(token, sizeof token - 1, path);
    CHECK(ok == (strncasecmp(path, "Bearer ", 7) == 0 && strcmp(path + 7, token) == 0));

    query(ctype, body, n_body, max_text);
    documents(body, n_body, max_text);
    free(path);
    return 0;
}
