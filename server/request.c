/*
 * request.c: what a request to ibid serve asks for, read from its bytes.
 *
 * The router is a fixed table matched on whole path segments: the page's files at "/",
 * "/index.html", "/app.js", "/side_by_side.js", "/style.css", "/favicon.svg", and the API under
 * "/api/". Nothing in a path ever names a file: the page's files are compiled into the binary, and
 * every {id} is looked up in the store as a string.
 *
 * A query's body is JSON when its Content-Type says so, else the text itself, so that
 * `curl --data-binary @story.txt` works as well as the page's fetch(). A batch of documents is
 * what ibid add reads, JSON Lines, read by the library's own reader (through fmemopen) so that
 * the API and the command line accept and refuse the same documents with the same messages; a
 * single pretty-printed object is folded onto one line first.
 *
 * The bearer token is compared byte by byte over its whole length, OR-ing the differences, so
 * that the time taken says nothing of how much of a guess was right (the check that libsodium's
 * sodium_memcmp and OpenBSD's timingsafe_bcmp make).
 */
#include "server.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void fail(srv_fail *f, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(srv_fail *f, int status, const char *fmt, ...)
{
    va_list ap;
    f->status = status;
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof f->message, fmt, ap);
    va_end(ap);
}

/* `path` with `prefix` removed when it starts with it, else NULL. */
static const char *after(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(path, prefix, n) == 0 ? path + n : NULL;
}

srv_target srv_match(const char *path)
{
    srv_target t = {SRV_NOT_FOUND, NULL, 0};
    const char *rest;
    if (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0 ||
        strcmp(path, "/app.js") == 0 || strcmp(path, "/side_by_side.js") == 0 ||
        strcmp(path, "/style.css") == 0 || strcmp(path, "/favicon.svg") == 0) {
        t.route = SRV_ASSET;
    } else if (strcmp(path, "/api/health") == 0) {
        t.route = SRV_HEALTH;
    } else if (strcmp(path, "/api/query") == 0) {
        t.route = SRV_QUERY;
    } else if (strcmp(path, "/api/documents") == 0) {
        t.route = SRV_DOCUMENTS;
    } else if (strcmp(path, "/api/stories") == 0) {
        t.route = SRV_STORIES;
    } else if ((rest = after(path, "/api/documents/")) && *rest) {
        t.route = SRV_DOCUMENT;
        t.arg = rest;
        t.n_arg = strlen(rest);
    } else if ((rest = after(path, "/api/stories/")) && *rest) {
        t.route = SRV_STORY;
        t.arg = rest;
        t.n_arg = strlen(rest);
    }
    return t;
}

const char *srv_allowed(srv_route route)
{
    switch (route) {
    case SRV_QUERY:
        return "POST";
    case SRV_DOCUMENTS:
        return "POST";
    case SRV_NOT_FOUND:
        return "";
    default:
        return "GET";
    }
}

void srv_query_clear(srv_query *q)
{
    free(q->id);
    free(q->text);
    json_decref(q->meta);
    memset(q, 0, sizeof *q);
}

static char *dup_bytes(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d) abort();
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* Whether a Content-Type header names JSON ("application/json; charset=utf-8"). */
static int is_json(const char *content_type)
{
    if (!content_type) return 0;
    while (*content_type == ' ') content_type++;
    size_t n = strcspn(content_type, "; ");
    return n == 16 && strncasecmp(content_type, "application/json", 16) == 0;
}

int srv_parse_query(srv_query *q, const char *content_type, const char *body, size_t n_body,
                    size_t max_text, srv_fail *f)
{
    memset(q, 0, sizeof *q);
    if (!is_json(content_type)) {
        if (n_body > max_text) goto too_long;
        q->text = dup_bytes(body ? body : "", n_body);
        q->n_text = n_body;
    } else {
        json_error_t je;
        json_t *root = json_loadb(body ? body : "", n_body, JSON_REJECT_DUPLICATES, &je);
        if (!root) {
            if (strstr(je.text, "decode byte"))
                fail(f, 400, "the body is not valid UTF-8: line %d, column %d: %s", je.line,
                     je.column, je.text);
            else
                fail(f, 400, "the body is not valid JSON: line %d, column %d: %s", je.line,
                     je.column, je.text);
            return -1;
        }
        if (!json_is_object(root)) {
            json_decref(root);
            fail(f, 400, "the body must be a JSON object with a \"text\" field");
            return -1;
        }
        json_t *text = json_object_get(root, "text");
        json_t *id = json_object_get(root, "id");
        json_t *with_text = json_object_get(root, "with_text");
        if (!json_is_string(text)) {
            json_decref(root);
            fail(f, 400, "the body's \"text\" field is %s: it must be a string",
                 text ? "not a string" : "missing");
            return -1;
        }
        if (id && !json_is_string(id)) {
            json_decref(root);
            fail(f, 400, "the body's \"id\" field must be a string");
            return -1;
        }
        if (with_text && !json_is_boolean(with_text)) {
            json_decref(root);
            fail(f, 400, "the body's \"with_text\" field must be true or false");
            return -1;
        }
        if (json_string_length(text) > max_text) {
            json_decref(root);
            goto too_long;
        }
        q->text = dup_bytes(json_string_value(text), json_string_length(text));
        q->n_text = json_string_length(text);
        if (id) q->id = dup_bytes(json_string_value(id), json_string_length(id));
        q->with_text = json_is_true(with_text);
        json_object_del(root, "text");
        json_object_del(root, "id");
        json_object_del(root, "with_text");
        q->meta = root;
    }
    if (!q->id) q->id = dup_bytes("query", 5);
    if (q->id[0] == '\0') {
        srv_query_clear(q);
        fail(f, 400, "the query's \"id\" must not be empty");
        return -1;
    }
    if (q->n_text == 0) {
        srv_query_clear(q);
        fail(f, 400, "the text is empty: send the text to compare");
        return -1;
    }
    return 0;
too_long:
    srv_query_clear(q);
    fail(f, 413, "the text is longer than %zu bytes (the server's --max-text)", max_text);
    return -1;
}

/* The body as JSON Lines: a single object spread over several lines is put on one line. Returns
 * the bytes to read, *owned set when they are new. */
static const char *as_lines(const char *body, size_t n_body, size_t *n_out, char **owned)
{
    *owned = NULL;
    *n_out = n_body;
    size_t i = 0;
    while (i < n_body && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
        i++;
    if (i == n_body || body[i] != '{' || !memchr(body + i, '\n', n_body - i)) return body;
    json_t *one = json_loadb(body, n_body, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
    if (!json_is_object(one)) {
        json_decref(one); /* JSON Lines, or broken: the line reader says which line */
        return body;
    }
    *owned = json_dumps(one, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(one);
    if (!*owned) return body;
    *n_out = strlen(*owned);
    return *owned;
}

int srv_parse_documents(ibid_corpus **out, const char *body, size_t n_body, size_t max_text,
                        srv_fail *f)
{
    ibid_corpus *c = NULL;
    ibid_error err = {0};
    char *owned;
    size_t n;
    *out = NULL;
    if (n_body == 0) {
        fail(f, 400, "the body is empty: send one JSON object, or JSON Lines, with id and text");
        return -1;
    }
    const char *lines = as_lines(body, n_body, &n, &owned);
    FILE *fp = fmemopen((void *)lines, n, "r");
    if (!fp) abort(); /* only fails for a size of 0 or out of memory */
    ibid_read_opts ro;
    ibid_read_opts_init(&ro);
    ro.max_doc = max_text;
    ibid_corpus_new(&c);
    int rc = ibid_corpus_read_jsonl(c, fp, "body", &ro, &err);
    fclose(fp);
    free(owned);
    if (rc < 0) {
        ibid_corpus_free(c);
        const char *msg = err.message[0] ? err.message : ibid_strerror(rc);
        fail(f, rc == IBID_ETOOBIG ? 413 : 400, "line %ld: %s", err.line, msg);
        return -1;
    }
    if (ibid_corpus_size(c) == 0) {
        ibid_corpus_free(c);
        fail(f, 400,
             "no document in the body: send one JSON object, or JSON Lines, with id and "
             "text");
        return -1;
    }
    *out = c;
    return 0;
}

int srv_token_ok(const char *token, size_t n_token, const char *header)
{
    if (!token || n_token == 0 || !header) return 0;
    if (strncasecmp(header, "Bearer ", 7) != 0) return 0;
    const char *given = header + 7;
    size_t n_given = strlen(given);
    volatile unsigned char diff = n_given != n_token;
    for (size_t i = 0; i < n_token; i++) {
        unsigned char g = i < n_given ? (unsigned char)given[i] : 0;
        diff |= (unsigned char)(g ^ (unsigned char)token[i]);
    }
    return diff == 0;
}
