/*
 * http.c: the HTTP layer of ibid serve, over GNU libmicrohttpd.
 *
 * libmicrohttpd serves each connection in a thread of its own (up to a limit of connections, past
 * which new ones wait in the listen queue), so that a slow request (a large batch of documents
 * being added, the first computation of the stories) holds up no other client. It calls
 * on_request several times per request: once with the headers, then once per piece of the body,
 * then once more with nothing left to read. The first call refuses a declared Content-Length
 * over the limit at once (413, the body is never read); the pieces are gathered into one buffer,
 * and a body that grows past the limit without declaring its length (chunked) is read to its end
 * and dropped, then refused the same way. The last call hands the whole request to srv_handle and
 * queues its answer. The per-request state is freed when libmicrohttpd reports the request done,
 * whatever happened to the connection.
 *
 * Every answer carries "X-Content-Type-Options: nosniff" and "Cache-Control: no-store"; the
 * page's files a Content-Security-Policy that allows nothing but the page itself (no other
 * origin, no inline script).
 */
#include "server.h"

#include <arpa/inet.h>
#include <assert.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct srv_http {
    struct MHD_Daemon *d;
    srv *api;
    size_t max_body;
    unsigned port;
};

/* One request in progress. */
typedef struct pending {
    char *body;
    size_t n_body, m_body;
    int too_big; /* the body passed max_body: drop what comes, answer 413 */
} pending;

static enum MHD_Result answer(struct MHD_Connection *conn, srv_response *rs)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        rs->n_body, rs->body, rs->owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        srv_response_clear(rs);
        return MHD_NO;
    }
    rs->owned = 0; /* libmicrohttpd frees it now */
    MHD_add_response_header(resp, "Content-Type", rs->content_type);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (rs->page)
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'none'; script-src 'self'; style-src 'self'; "
                                "connect-src 'self'; img-src 'self'; form-action 'none'; "
                                "frame-ancestors 'none'; base-uri 'none'");
    if (rs->allow) MHD_add_response_header(resp, "Allow", rs->allow);
    if (rs->challenge) MHD_add_response_header(resp, "WWW-Authenticate", "Bearer");
    enum MHD_Result ok = MHD_queue_response(conn, (unsigned)rs->status, resp);
    MHD_destroy_response(resp);
    srv_response_clear(rs);
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    srv_http *h = cls;
    pending *p = *con_cls;
    srv_response rs;
    (void)version;
    if (!p) {
        p = calloc(1, sizeof *p);
        if (!p) abort();
        *con_cls = p;
        const char *len =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (len && strtoull(len, NULL, 10) > h->max_body) {
            srv_error(&rs, 413, "the body is larger than %zu bytes (the server's --max-body)",
                      h->max_body);
            return answer(conn, &rs);
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (p->too_big) return MHD_YES;
        if (n > h->max_body - p->n_body) {
            p->too_big = 1;
            free(p->body);
            p->body = NULL;
            p->n_body = p->m_body = 0;
            return MHD_YES;
        }
        if (p->n_body + n > p->m_body) {
            size_t m = p->m_body ? p->m_body : 4096;
            while (m < p->n_body + n) m *= 2;
            char *b = realloc(p->body, m);
            if (!b) abort();
            p->body = b;
            p->m_body = m;
        }
        memcpy(p->body + p->n_body, upload_data, n);
        p->n_body += n;
        return MHD_YES;
    }
    if (p->too_big) {
        srv_error(&rs, 413, "the body is larger than %zu bytes (the server's --max-body)",
                  h->max_body);
        return answer(conn, &rs);
    }
    srv_request rq = {
        .method = method,
        .path = url,
        .auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
        .content_type =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
        .offset = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "offset"),
        .limit = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "limit"),
        .body = p->body,
        .n_body = p->n_body,
    };
    srv_handle(h->api, &rq, &rs);
    return answer(conn, &rs);
}

static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
    pending *p = *con_cls;
    (void)cls, (void)conn, (void)toe;
    if (!p) return;
    free(p->body);
    free(p);
    *con_cls = NULL;
}

/* *err says that `host` could not be used: `why`. */
static int fail(ibid_error *err, int code, const char *host, const char *why)
{
    memset(err, 0, sizeof *err);
    err->code = code;
    snprintf(err->message, sizeof err->message, "cannot listen on %s: %s", host, why);
    return code;
}

int srv_http_start(srv_http **out, srv *api, const char *host, unsigned port, int max_conns,
                   size_t max_body, ibid_error *err)
{
    struct sockaddr_storage sa;
    memset(&sa, 0, sizeof sa);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_AUTO;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&sa;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&sa;
    *out = NULL;
    assert(port <= 65535 && max_conns >= 1);
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        flags |= MHD_USE_IPv6;
    } else {
        return fail(err, IBID_EINVAL, host, "not a numeric IPv4 or IPv6 address");
    }
    srv_http *h = calloc(1, sizeof *h);
    if (!h) abort();
    h->api = api;
    h->max_body = max_body;
    h->d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR,
                            (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_LIMIT,
                            (unsigned)max_conns, MHD_OPTION_NOTIFY_COMPLETED, on_done, h,
                            MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_END);
    if (!h->d) {
        free(h);
        return fail(err, IBID_EIO, host, "the port is in use, or not ours to take");
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    h->port = info ? info->port : port;
    *out = h;
    return 0;
}

unsigned srv_http_port(const srv_http *h)
{
    return h->port;
}

void srv_http_stop(srv_http *h)
{
    if (!h) return;
    MHD_stop_daemon(h->d);
    free(h);
}
