/*
 * cmd_serve.c: ibid serve, the JSON API and the web page over a store (server/ does the work).
 */
#include "cli.h"
#include "server.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char help[] =
    "usage: ibid serve --db FILE [OPTIONS]\n"
    "\n"
    "Serve the store FILE (written by ibid add) over HTTP: a web page at / where a person pastes\n"
    "a text and sees which stored documents it reuses, side by side, and browses the stories;\n"
    "and the JSON API the page uses (docs/serve.md): POST /api/query, POST /api/documents,\n"
    "GET /api/documents/ID, GET /api/stories, GET /api/stories/N, GET /api/health.\n"
    "It runs until interrupted (Ctrl-C, SIGTERM).\n"
    "\n"
    "Safety: it listens on 127.0.0.1 (this machine only) unless --listen says otherwise. Writes\n"
    "(POST /api/documents) need 'Authorization: Bearer TOKEN' with the token in --token-file;\n"
    "without a token file there are no writes. --private makes reads need the token too.\n"
    "\n"
    "  --db FILE             the store (required)\n"
    "  --listen ADDR:PORT    address and port to listen on (default 127.0.0.1:8080; port 0:\n"
    "                        any free port, printed on start); IPv6 as [::1]:8080\n"
    "  --token-file FILE     the bearer token (its first line, 16 to 512 printable ASCII\n"
    "                        characters) that writes need\n"
    "  --private             reads need the token too (the page itself does not)\n"
    "  --create              create the store if FILE does not exist (needs --token-file)\n"
    "  --max-body SIZE       largest request body (K, M, G suffixes; default 16M)\n"
    "  --max-text SIZE       longest text of a query or a document (default 1M)\n"
    "  --max-results N       most sources a query returns, stories a listing returns and\n"
    "                        neighbours a document lists (default 100)\n"
    "  --connections N       most connections served at once, each by a thread of its own\n"
    "                        (default 64; more wait to be accepted)\n"
    "  -q, --quiet           print nothing on start\n"
    "  -h, --help            this help\n"
    "\n"
    "Exit status: 0 when stopped by a signal, 1 on an error (the store cannot be opened, the\n"
    "address cannot be bound), 2 on a usage error.\n";

enum {
    OPT_DB = 256,
    OPT_LISTEN,
    OPT_TOKEN_FILE,
    OPT_PRIVATE,
    OPT_CREATE,
    OPT_MAX_BODY,
    OPT_MAX_TEXT,
    OPT_MAX_RESULTS,
    OPT_CONNECTIONS
};

static const struct option long_opts[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"token-file", required_argument, NULL, OPT_TOKEN_FILE},
    {"private", no_argument, NULL, OPT_PRIVATE},
    {"create", no_argument, NULL, OPT_CREATE},
    {"max-body", required_argument, NULL, OPT_MAX_BODY},
    {"max-text", required_argument, NULL, OPT_MAX_TEXT},
    {"max-results", required_argument, NULL, OPT_MAX_RESULTS},
    {"connections", required_argument, NULL, OPT_CONNECTIONS},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Split "ADDR:PORT" or "[ADDR]:PORT" into host[] and *port; 0 or -1. */
static int parse_listen(const char *s, char *host, size_t n_host, unsigned *port)
{
    const char *colon = strrchr(s, ':');
    long v;
    if (!colon || cli_parse_long(colon + 1, 0, 65535, &v) < 0) return -1;
    const char *b = s, *e = colon;
    if (*b == '[') {
        if (e == b || e[-1] != ']') return -1;
        b++, e--;
    }
    if (e == b || (size_t)(e - b) >= n_host) return -1;
    memcpy(host, b, (size_t)(e - b));
    host[e - b] = '\0';
    *port = (unsigned)v;
    return 0;
}

/* The token: the first line of `path`, checked. Returns a new string, or NULL after saying why. */
static char *read_token(const char *path)
{
    char buf[1024];
    FILE *fp = fopen(path, "r");
    if (!fp) {
        fprintf(stderr, "ibid serve: %s: cannot read the token file: %s\n", path, strerror(errno));
        return NULL;
    }
    if (!fgets(buf, sizeof buf, fp)) buf[0] = '\0';
    fclose(fp);
    size_t n = strcspn(buf, "\r\n");
    buf[n] = '\0';
    if (n < 16 || n > 512) {
        fprintf(stderr,
                "ibid serve: %s:1: the token has %zu characters: it needs 16 to 512 (make one "
                "with: head -c 24 /dev/urandom | base64 > %s)\n",
                path, n, path);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isgraph((unsigned char)buf[i])) {
            fprintf(stderr,
                    "ibid serve: %s:1:%zu: the token may hold printable ASCII characters only, "
                    "no spaces\n",
                    path, i + 1);
            return NULL;
        }
    }
    struct stat sb;
    if (stat(path, &sb) == 0 && (sb.st_mode & 077))
        fprintf(stderr,
                "ibid serve: warning: %s can be read by other users (chmod 600 %s keeps the "
                "token yours)\n",
                path, path);
    return strdup(buf);
}

static int size_opt(const char *name, const char *arg, size_t *out)
{
    if (cli_parse_size(arg, out) == 0 && *out > 0) return 0;
    return cli_usage("serve", "--%s wants a size above 0 (like 512K, 16M), not '%s'", name, arg);
}

int ibid_cmd_serve(int argc, char **argv)
{
    srv_opts so;
    srv_opts_init(&so);
    const char *listen = "127.0.0.1:8080", *token_file = NULL;
    char host[256];
    unsigned port = 0;
    int max_conns = 64, quiet = 0, c;
    long v;

    optind = 1;
    while ((c = getopt_long(argc, argv, "qh", long_opts, NULL)) != -1) {
        switch (c) {
        case OPT_DB:
            so.db = optarg;
            break;
        case OPT_LISTEN:
            listen = optarg;
            break;
        case OPT_TOKEN_FILE:
            token_file = optarg;
            break;
        case OPT_PRIVATE:
            so.private_reads = 1;
            break;
        case OPT_CREATE:
            so.create = 1;
            break;
        case OPT_MAX_BODY:
            if (size_opt("max-body", optarg, &so.max_body)) return EXIT_USAGE;
            break;
        case OPT_MAX_TEXT:
            if (size_opt("max-text", optarg, &so.max_text)) return EXIT_USAGE;
            break;
        case OPT_MAX_RESULTS:
            if (cli_num("serve", "max-results", optarg, 1, 1000000, &v)) return EXIT_USAGE;
            so.max_results = (size_t)v;
            break;
        case OPT_CONNECTIONS:
            if (cli_num("serve", "connections", optarg, 1, 4096, &v)) return EXIT_USAGE;
            max_conns = (int)v;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            fputs(help, stdout);
            return EXIT_OK;
        default:
            return cli_usage("serve", "unknown option");
        }
    }
    if (!so.db) return cli_usage("serve", "no store given (--db FILE)");
    if (optind < argc) return cli_usage("serve", "unexpected argument '%s'", argv[optind]);
    if (parse_listen(listen, host, sizeof host, &port) < 0)
        return cli_usage("serve", "--listen wants ADDR:PORT (127.0.0.1:8080, [::1]:0), not '%s'",
                         listen);
    if (so.private_reads && !token_file)
        return cli_usage("serve", "--private needs --token-file (the token reads will need)");
    if (so.create && !token_file)
        return cli_usage("serve", "--create needs --token-file (a new store is for writing)");

    int rc = EXIT_ERR;
    ibid_error err = {0};
    srv *api = NULL;
    srv_http *http = NULL;
    char *token = NULL;
    sigset_t stop;
    int sig;
    if (token_file && !(token = read_token(token_file))) return EXIT_ERR;
    so.token = token;
    if (srv_new(&api, &so, &err) < 0) goto done;
    /* block the stop signals before the server's threads start, so that they inherit the mask
     * and this thread alone receives them, in sigwait */
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (srv_http_start(&http, api, host, port, max_conns, so.max_body, &err) < 0) goto done;
    if (!quiet) {
        int v6 = strchr(host, ':') != NULL;
        printf("ibid serve: listening on http://%s%s%s:%u/ (store %s; writes %s%s)\n",
               v6 ? "[" : "", host, v6 ? "]" : "", srv_http_port(http), so.db,
               token ? "need the token" : "off", so.private_reads ? ", reads too" : "");
        if (strcmp(host, "127.0.0.1") != 0 && strcmp(host, "::1") != 0)
            printf("ibid serve: warning: %s is reachable from other machines\n", host);
        fflush(stdout);
    }
    sigwait(&stop, &sig);
    rc = EXIT_OK;
done:
    if (rc != EXIT_OK) cli_report("serve", &err);
    srv_http_stop(http);
    srv_free(api);
    free(token);
    return rc;
}
