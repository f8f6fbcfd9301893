/*
 * cmd_query.c: ibid query, which stored documents a text reuses, without storing it.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char help[] =
    "usage: ibid query --db FILE [OPTIONS] TEXT_FILE|-\n"
    "\n"
    "Which stored documents the text in TEXT_FILE ('-': standard input; plain UTF-8 text, read\n"
    "whole) reuses, with the aligned passages and their offsets. The store is opened read only\n"
    "and not changed; a query works while ibid add is writing to the store, and sees the\n"
    "batches committed when it starts. Matching uses the options the store was created with.\n"
    "\n"
    "Output: one JSON object a line per pair of passages, as ibid align writes them, with the\n"
    "query as id1 (its offsets begin1, end1) and the stored document as id2, sorted by (id2,\n"
    "begin1); or with --format text a listing for people.\n"
    "\n"
    "  --db FILE             the store (required)\n"
    "  --id NAME             the query's id in the output (default: TEXT_FILE as given)\n"
    "  --format FMT          jsonl (default) or text\n"
    "  --no-text             leave out text1 and text2\n"
    "  -o, --output FILE     write to FILE (complete or not at all) instead of standard output\n"
    "  -t, --threads N       worker threads (default: 1)\n"
    "  -h, --help            this help\n"
    "\n"
    "Exit status: 0 on success (also when nothing is found), 1 on an error, 2 on a usage error.\n";

enum { OPT_DB = 256, OPT_ID, OPT_FORMAT, OPT_NO_TEXT };

static const struct option long_opts[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"id", required_argument, NULL, OPT_ID},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"no-text", no_argument, NULL, OPT_NO_TEXT},
    {"output", required_argument, NULL, 'o'},
    {"threads", required_argument, NULL, 't'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Read all of `path` ("-": standard input) into a new buffer. */
static int slurp(const char *path, char **out, size_t *n_out, ibid_error *err)
{
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    size_t n = 0, m = 1 << 16;
    char *buf = NULL;
    if (!fp) goto fail;
    buf = malloc(m);
    if (!buf) abort();
    for (;;) {
        if (n == m) {
            if (m > ((size_t)1 << 32)) {
                err->code = IBID_ETOOBIG;
                snprintf(err->source, sizeof err->source, "%s", path);
                snprintf(err->message, sizeof err->message, "text of 4 GiB or more");
                goto close;
            }
            m *= 2;
            buf = realloc(buf, m);
            if (!buf) abort();
        }
        size_t k = fread(buf + n, 1, m - n, fp);
        n += k;
        if (k == 0) break;
    }
    if (ferror(fp)) goto fail;
    if (fp != stdin) fclose(fp);
    *out = buf;
    *n_out = n;
    return 0;
fail:
    err->code = IBID_EIO;
    snprintf(err->source, sizeof err->source, "%s", path);
    snprintf(err->message, sizeof err->message, "cannot read: %s", strerror(errno));
close:
    if (fp && fp != stdin) fclose(fp);
    free(buf);
    return err->code;
}

int ibid_cmd_query(int argc, char **argv)
{
    ibid_write_opts wo = {IBID_FORMAT_JSONL, 1};
    ibid_align_opts ao;
    ibid_align_opts_init(&ao);
    const char *db = NULL, *id = NULL, *output = NULL;
    long v;
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "o:t:h", long_opts, NULL)) != -1) {
        switch (c) {
        case OPT_DB:
            db = optarg;
            break;
        case OPT_ID:
            id = optarg;
            break;
        case OPT_FORMAT:
            if (strcmp(optarg, "jsonl") == 0)
                wo.format = IBID_FORMAT_JSONL;
            else if (strcmp(optarg, "text") == 0)
                wo.format = IBID_FORMAT_TEXT;
            else
                return cli_usage("query", "--format is jsonl or text, not '%s'", optarg);
            break;
        case OPT_NO_TEXT:
            wo.with_text = 0;
            break;
        case 'o':
            output = optarg;
            break;
        case 't':
            if (cli_num("query", "threads", optarg, 1, 1024, &v)) return EXIT_USAGE;
            ao.n_threads = (int)v;
            break;
        case 'h':
            fputs(help, stdout);
            return EXIT_OK;
        default:
            return cli_usage("query", "unknown option");
        }
    }
    if (!db) return cli_usage("query", "no store given (--db FILE)");
    if (optind >= argc)
        return cli_usage("query", "no text given (a file, or - for standard input)");
    if (optind + 1 < argc) return cli_usage("query", "one text at a time");
    const char *path = argv[optind];
    if (!id) id = path;

    int rc = EXIT_ERR;
    ibid_error err = {0};
    ibid_store *store = NULL;
    ibid_corpus *corpus = NULL;
    ibid_result *res = NULL;
    char *text = NULL;
    size_t n_text = 0;
    cli_output out = {0};
    if (slurp(path, &text, &n_text, &err) < 0) goto done;
    if (ibid_store_open(&store, db, IBID_STORE_READ, NULL, &err) < 0) goto done;
    ibid_store_set_runtime(store, &ao);
    if (ibid_store_query(&corpus, &res, store, id, text, n_text, &err) < 0) goto done;
    if (cli_output_open(&out, output, &err) < 0) goto done;
    if (ibid_result_write(out.fp, corpus, res, &wo, &err) < 0) {
        cli_output_abort(&out);
        goto done;
    }
    if (cli_output_commit(&out, &err) < 0) goto done;
    rc = EXIT_OK;
done:
    if (rc != EXIT_OK) cli_report("query", &err);
    ibid_result_free(res);
    ibid_corpus_free(corpus);
    ibid_store_close(store);
    free(text);
    return rc;
}
