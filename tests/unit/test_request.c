/*
 * test_request.c: what ibid serve reads from a request (server/request.c): routes, methods, the
 * body of a query (JSON or plain text, limits), a batch of documents (one object, pretty or not,
 * or JSON Lines; errors naming the line), and the bearer token check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

static void test_match(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        srv_route route;
        const char *arg;
    } cases[] = {
        {"/", SRV_ASSET, NULL},
        {"/index.html", SRV_ASSET, NULL},
        {"/app.js", SRV_ASSET, NULL},
        {"/style.css", SRV_ASSET, NULL},
        {"/favicon.svg", SRV_ASSET, NULL},
        {"/api/health", SRV_HEALTH, NULL},
        {"/api/query", SRV_QUERY, NULL},
        {"/api/documents", SRV_DOCUMENTS, NULL},
        {"/api/documents/a", SRV_DOCUMENT, "a"},
        {"/api/documents/dir/b c.txt", SRV_DOCUMENT, "dir/b c.txt"},
        {"/api/documents/../x", SRV_DOCUMENT, "../x"}, /* an id, looked up in the store */
        {"/api/stories", SRV_STORIES, NULL},
        {"/api/stories/12", SRV_STORY, "12"},
        {"/api/documents/", SRV_NOT_FOUND, NULL},
        {"/api/stories/", SRV_NOT_FOUND, NULL},
        {"/api/health/", SRV_NOT_FOUND, NULL},
        {"/api", SRV_NOT_FOUND, NULL},
        {"", SRV_NOT_FOUND, NULL},
        {"/app.js/", SRV_NOT_FOUND, NULL},
        {"/../etc/passwd", SRV_NOT_FOUND, NULL},
        {"/web/index.html", SRV_NOT_FOUND, NULL},
        {"/API/health", SRV_NOT_FOUND, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        srv_target t = srv_match(cases[i].path);
        assert_int_equal(t.route, cases[i].route);
        if (cases[i].arg) {
            assert_int_equal(t.n_arg, strlen(cases[i].arg));
            assert_memory_equal(t.arg, cases[i].arg, t.n_arg);
        } else {
            assert_null(t.arg);
        }
    }
    assert_string_equal(srv_allowed(SRV_QUERY), "POST");
    assert_string_equal(srv_allowed(SRV_DOCUMENTS), "POST");
    assert_string_equal(srv_allowed(SRV_DOCUMENT), "GET");
    assert_string_equal(srv_allowed(SRV_ASSET), "GET");
}

static void test_query_plain(void **state)
{
    (void)state;
    srv_query q;
    srv_fail f;
    const char body[] = "caf\xc3\xa9 au lait";
    assert_int_equal(srv_parse_query(&q, NULL, body, sizeof body - 1, 100, &f), 0);
    assert_string_equal(q.id, "query");
    assert_int_equal(q.n_text, sizeof body - 1);
    assert_memory_equal(q.text, body, q.n_text);
    assert_null(q.meta);
    assert_int_equal(q.with_text, 0);
    srv_query_clear(&q);
    /* text/plain, or anything not JSON, is the text; a JSON-looking body too */
    assert_int_equal(srv_parse_query(&q, "text/plain; charset=utf-8", "{\"a\"", 4, 100, &f), 0);
    assert_int_equal(q.n_text, 4);
    srv_query_clear(&q);
    /* the limit is on the text, in bytes: exactly max_text passes */
    assert_int_equal(srv_parse_query(&q, NULL, "abcd", 4, 4, &f), 0);
    srv_query_clear(&q);
    assert_int_equal(srv_parse_query(&q, NULL, "abcde", 5, 4, &f), -1);
    assert_int_equal(f.status, 413);
    assert_non_null(strstr(f.message, "--max-text"));
    assert_null(q.text);
    assert_int_equal(srv_parse_query(&q, NULL, "", 0, 4, &f), -1);
    assert_int_equal(f.status, 400);
    assert_non_null(strstr(f.message, "empty"));
}

static void test_query_json(void **state)
{
    (void)state;
    srv_query q;
    srv_fail f;
    const char *body = "{\"text\": \"one two\", \"id\": \"mine\", \"with_text\": true, "
                       "\"date\": \"2024-01-01\", \"n\": 3}";
    assert_int_equal(
        srv_parse_query(&q, "Application/JSON; charset=utf-8", body, strlen(body), 100, &f), 0);
    assert_string_equal(q.id, "mine");
    assert_string_equal(q.text, "one two");
    assert_int_equal(q.with_text, 1);
    assert_int_equal(json_object_size(q.meta), 2);
    assert_string_equal(json_string_value(json_object_get(q.meta, "date")), "2024-01-01");
    srv_query_clear(&q);

    static const struct {
        const char *body;
        int status;
        const char *needle;
    } bad[] = {
        {"{\"text\": ", 400, "not valid JSON"},
        {"[1]", 400, "JSON object"},
        {"{}", 400, "missing"},
        {"{\"text\": null}", 400, "not a string"},
        {"{\"text\": \"a\", \"id\": 3}", 400, "\"id\""},
        {"{\"text\": \"a\", \"id\": \"\"}", 400, "\"id\""},
        {"{\"text\": \"a\", \"with_text\": 1}", 400, "with_text"},
        {"{\"text\": \"a\", \"text\": \"b\"}", 400, "duplicate"},
        {"{\"text\": \"a\\u0000b\"}", 400, "not valid JSON"},
        {"{\"text\": \"caf\xc3\"}", 400, "UTF-8"},
        {"{\"text\": \"\"}", 400, "empty"},
        {"{\"text\": \"abcdefghijk\"}", 413, "--max-text"},
        {"", 400, "not valid JSON"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&f, 0, sizeof f);
        assert_int_equal(
            srv_parse_query(&q, "application/json", bad[i].body, strlen(bad[i].body), 10, &f), -1);
        assert_int_equal(f.status, bad[i].status);
        if (!strstr(f.message, bad[i].needle)) fail_msg("%s: %s", bad[i].body, f.message);
        assert_null(q.text);
        assert_null(q.id);
        assert_null(q.meta);
    }
}

static void test_documents(void **state)
{
    (void)state;
    ibid_corpus *c;
    srv_fail f;
    const char *lines = "{\"id\": \"a\", \"text\": \"one\", \"date\": \"2024\"}\n\n"
                        "{\"id\": \"b\", \"text\": \"two\"}";
    assert_int_equal(srv_parse_documents(&c, lines, strlen(lines), 100, &f), 0);
    assert_int_equal(ibid_corpus_size(c), 2);
    assert_string_equal(ibid_corpus_id(c, 1), "b");
    assert_non_null(strstr(ibid_corpus_meta(c, 0), "2024"));
    ibid_corpus_free(c);
    const char *pretty = "\n  {\n  \"id\": \"p\",\n  \"text\": \"x y\"\n}\n";
    assert_int_equal(srv_parse_documents(&c, pretty, strlen(pretty), 100, &f), 0);
    assert_int_equal(ibid_corpus_size(c), 1);
    assert_string_equal(ibid_corpus_id(c, 0), "p");
    ibid_corpus_free(c);

    static const struct {
        const char *body;
        int status;
        const char *needle;
    } bad[] = {
        {"", 400, "empty"},
        {"\n \n", 400, "no document"},
        {"{\"id\": \"a\", \"text\": \"x\"}\n{\"id\": ", 400, "line 2"},
        {"{\"id\": \"a\"}", 400, "line 1"},
        {"{\"id\": \"a\", \"text\": \"x\"}\n{\"id\": \"a\", \"text\": \"y\"}", 400, "line 2"},
        {"{\"id\": \"a\", \"text\": \"caf\xc3 x\"}", 400, "line 1"},
        {"{\"id\": \"a\", \"text\": \"0123456789abc\"}", 413, "line 1"},
        {"[1, 2]", 400, "line 1"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&f, 0, sizeof f);
        assert_int_equal(srv_parse_documents(&c, bad[i].body, strlen(bad[i].body), 10, &f), -1);
        assert_null(c);
        assert_int_equal(f.status, bad[i].status);
        if (!strstr(f.message, bad[i].needle)) fail_msg("%s: %s", bad[i].body, f.message);
    }
}

static void test_token(void **state)
{
    (void)state;
    const char *tok = "0123456789abcdef";
    size_t n = strlen(tok);
    assert_true(srv_token_ok(tok, n, "Bearer 0123456789abcdef"));
    assert_true(srv_token_ok(tok, n, "bearer 0123456789abcdef"));
    assert_false(srv_token_ok(tok, n, NULL));
    assert_false(srv_token_ok(tok, n, ""));
    assert_false(srv_token_ok(tok, n, "0123456789abcdef"));
    assert_false(srv_token_ok(tok, n, "Bearer "));
    assert_false(srv_token_ok(tok, n, "Bearer 0123456789abcde"));
    assert_false(srv_token_ok(tok, n, "Bearer 0123456789abcdefg"));
    assert_false(srv_token_ok(tok, n, "Bearer 0123456789abcdeF"));
    assert_false(srv_token_ok(tok, n, "Bearer  0123456789abcdef"));
    assert_false(srv_token_ok(tok, n, "Basic 0123456789abcdef"));
    /* no token configured: nothing passes, not even an empty one */
    assert_false(srv_token_ok(NULL, 0, "Bearer "));
    assert_false(srv_token_ok("", 0, "Bearer "));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match),      cmocka_unit_test(test_query_plain),
        cmocka_unit_test(test_query_json), cmocka_unit_test(test_documents),
        cmocka_unit_test(test_token),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
