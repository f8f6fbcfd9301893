/*
 * test_api.c: ibid serve's answers without HTTP (server/api.c): srv_new's checks, and srv_handle
 * on a small store for each route's success and refusals (token, writes off, methods, ids).
 * The same routes over loopback, with every error path: tests/serve/api.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server.h"

typedef struct fixture {
    char dir[64];
    char db[96];
} fixture;

static const char *const TEXT_A =
    "the harbor bridge was closed on monday after a crane struck its northern span during the "
    "morning rush and engineers said repairs could take several weeks to finish";

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    ibid_store *st = NULL;
    ibid_corpus *c = NULL;
    ibid_error err = {0};
    strcpy(f->dir, "/tmp/ibid_test_api_XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    snprintf(f->db, sizeof f->db, "%s/t.db", f->dir);
    ibid_corpus_new(&c);
    char b[512];
    snprintf(b, sizeof b, "%s and more words here", TEXT_A);
    if (ibid_corpus_add(c, "a", 1, TEXT_A, strlen(TEXT_A), "{\"date\":\"2024-01-01\"}", &err) ||
        ibid_corpus_add(c, "b", 1, b, strlen(b), NULL, &err) ||
        ibid_store_open(&st, f->db, IBID_STORE_WRITE | IBID_STORE_CREATE, NULL, &err) ||
        ibid_store_add(st, c, NULL, NULL, &err))
        return -1;
    ibid_store_close(st);
    ibid_corpus_free(c);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0) return -1;
    free(f);
    return 0;
}

/* Answer one request; the body is returned NUL-terminated in *out (free it). */
static int ask(srv *s, const char *method, const char *path, const char *auth, const char *body,
               char **out)
{
    srv_request rq = {method, path, auth, NULL, NULL, NULL, body, body ? strlen(body) : 0};
    srv_response rs;
    srv_handle(s, &rq, &rs);
    *out = strndup(rs.body, rs.n_body);
    int status = rs.status;
    srv_response_clear(&rs);
    return status;
}

static void test_new(void **state)
{
    fixture *f = *state;
    srv_opts o;
    srv *s = NULL;
    ibid_error err = {0};
    srv_opts_init(&o);
    o.db = "/nonexistent/x.db";
    assert_int_equal(srv_new(&s, &o, &err), IBID_ENOTFOUND);
    assert_null(s);
    o.db = f->db;
    o.create = 1; /* creating needs a token */
    assert_int_equal(srv_new(&s, &o, &err), IBID_EINVAL);
    o.create = 0;
    o.max_text = 0;
    assert_int_equal(srv_new(&s, &o, &err), IBID_EINVAL);
    o.max_text = 100;
    assert_int_equal(srv_new(&s, &o, &err), 0);
    srv_free(s);
    srv_free(NULL);
}

static void test_reads(void **state)
{
    fixture *f = *state;
    srv_opts o;
    srv *s;
    ibid_error err = {0};
    char *out;
    srv_opts_init(&o);
    o.db = f->db;
    assert_int_equal(srv_new(&s, &o, &err), 0);
    assert_int_equal(ask(s, "GET", "/api/health", NULL, NULL, &out), 200);
    assert_non_null(strstr(out, "\"documents\":2"));
    assert_non_null(strstr(out, "\"writable\":false"));
    free(out);
    assert_int_equal(ask(s, "POST", "/api/query", NULL, TEXT_A, &out), 200);
    assert_non_null(strstr(out, "\"id\":\"a\""));
    assert_non_null(strstr(out, "\"id\":\"b\""));
    free(out);
    assert_int_equal(ask(s, "GET", "/api/documents/a", NULL, NULL, &out), 200);
    assert_non_null(strstr(out, "\"other\":\"b\""));
    assert_non_null(strstr(out, "\"date\":\"2024-01-01\""));
    free(out);
    assert_int_equal(ask(s, "GET", "/api/stories", NULL, NULL, &out), 200);
    assert_non_null(strstr(out, "\"n_stories\":1"));
    free(out);
    assert_int_equal(ask(s, "GET", "/api/stories/1", NULL, NULL, &out), 200);
    assert_non_null(strstr(out, "\"witnesses\""));
    free(out);
    assert_int_equal(ask(s, "GET", "/", NULL, NULL, &out), 200);
    assert_non_null(strstr(out, "<!DOCTYPE html>"));
    free(out);

    assert_int_equal(ask(s, "GET", "/api/documents/zz", NULL, NULL, &out), 404);
    assert_non_null(strstr(out, "{\"error\":{\"status\":404,"));
    free(out);
    assert_int_equal(ask(s, "GET", "/api/stories/2", NULL, NULL, &out), 404);
    free(out);
    assert_int_equal(ask(s, "GET", "/api/stories/x", NULL, NULL, &out), 400);
    free(out);
    assert_int_equal(ask(s, "GET", "/api/query", NULL, NULL, &out), 405);
    free(out);
    assert_int_equal(ask(s, "GET", "/nope", NULL, NULL, &out), 404);
    free(out);
    assert_int_equal(ask(s, "POST", "/api/documents", NULL, "{}", &out), 403);
    free(out);
    srv_free(s);
}

static void test_writes(void **state)
{
    fixture *f = *state;
    srv_opts o;
    srv *s;
    ibid_error err = {0};
    char *out;
    srv_opts_init(&o);
    o.db = f->db;
    o.token = "0123456789abcdef";
    o.private_reads = 1;
    assert_int_equal(srv_new(&s, &o, &err), 0);
    const char *doc = "{\"id\": \"c\", \"text\": \"a new text of a few words\"}";
    assert_int_equal(ask(s, "POST", "/api/documents", NULL, doc, &out), 401);
    free(out);
    assert_int_equal(ask(s, "POST", "/api/documents", "Bearer nope", doc, &out), 401);
    free(out);
    assert_int_equal(ask(s, "GET", "/api/health", NULL, NULL, &out), 401); /* --private */
    free(out);
    assert_int_equal(ask(s, "GET", "/app.js", NULL, NULL, &out), 200); /* the page is open */
    free(out);
    assert_int_equal(ask(s, "POST", "/api/documents", "Bearer 0123456789abcdef", doc, &out), 201);
    assert_non_null(strstr(out, "\"added\":1"));
    free(out);
    assert_int_equal(ask(s, "POST", "/api/documents", "Bearer 0123456789abcdef", doc, &out), 200);
    assert_non_null(strstr(out, "\"present\":1"));
    free(out);
    assert_int_equal(ask(s, "GET", "/api/health", "Bearer 0123456789abcdef", NULL, &out), 200);
    assert_non_null(strstr(out, "\"documents\":3"));
    free(out);
    srv_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_new, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
