/*
 * cmd_add.c: ibid add, add documents to a store; each new document is aligned against the
 * stored corpus and the other new ones.
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char help[] =
    "usage: ibid add --db FILE [OPTIONS] INPUT...\n"
    "\n"
    "Add documents to the store FILE (an SQLite database, created when missing). Each new\n"
    "document is aligned against the stored documents that share enough n-grams with it and\n"
    "against the other new documents; pairs of stored documents are never aligned again. The\n"
    "documents, their metadata (the input's other fields; source, date, url and title get\n"
    "columns of their own) and the passages go into the store; docs/store.md describes its\n"
    "tables. INPUT is read as by ibid align (a folder, a .jsonl file, '-', or a file).\n"
    "\n"
    "A document whose id is stored already is left alone (and counted), unless --replace.\n"
    "Documents are added in batches, each made visible by one transaction: if ibid add is\n"
    "killed, every document is either stored with its passages or absent, and running the\n"
    "same command again finishes the job. Readers (ibid query) can use the store meanwhile;\n"
    "a second ibid add on the same store waits for the first (lock file FILE-lock).\n"
    "\n"
    "  --db FILE             the store (required)\n"
    "  --replace             replace stored documents of the same id, and align them again\n"
    "  --batch N             documents per batch [1000]\n"
    "  --id-field NAME       JSON field holding the id (default: id)\n"
    "  --text-field NAME     JSON field holding the text (default: text)\n"
    "  --skip-bad            skip bad documents instead of failing; reported on standard error\n"
    "  --max-line SIZE       longest JSON Lines line accepted (default: 1G)\n"
    "\n"
    "Matching options, recorded when the store is created and fixed from then on (giving one\n"
    "for an existing store that differs from the recorded value is an error):\n"
    "  --mode MODE           verbatim (default), reworded or all (see ibid align --help; with\n"
    "                        the sentence layer every stored document is a candidate, which\n"
    "                        is slow for large stores)\n"
    "  -n, --ngram N         words per seed n-gram [4]\n"
    "      --max-df N        n-grams found in more than N documents are boilerplate [100]\n"
    "      --min-seeds N     shared seeds a document pair needs to be aligned [3]\n"
    "      --min-words N     shortest passage reported, in tokens on each side [15]\n"
    "      --strip-diacritics, --no-casefold, --skip-markup   as for ibid align\n"
    "\n"
    "  -t, --threads N       worker threads (default: the number of cores)\n"
    "  -q, --quiet           no summary\n"
    "  -v, --verbose         also the seconds of each step (sketch, candidates, read, align,\n"
    "                        commit) and of the writer thread alongside\n"
    "  -h, --help            this help\n"
    "\n"
    "Exit status: 0 on success, 1 on an error (batches committed before it stay), 2 on a usage\n"
    "error.\n";

enum {
    OPT_DB = 256,
    OPT_REPLACE,
    OPT_BATCH,
    OPT_ID_FIELD,
    OPT_TEXT_FIELD,
    OPT_SKIP_BAD,
    OPT_MAX_LINE,
    OPT_MODE,
    OPT_MAX_DF,
    OPT_MIN_SEEDS,
    OPT_MIN_WORDS,
    OPT_STRIP,
    OPT_NO_CASEFOLD,
    OPT_MARKUP,
};

static const struct option long_opts[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"replace", no_argument, NULL, OPT_REPLACE},
    {"batch", required_argument, NULL, OPT_BATCH},
    {"id-field", required_argument, NULL, OPT_ID_FIELD},
    {"text-field", required_argument, NULL, OPT_TEXT_FIELD},
    {"skip-bad", no_argument, NULL, OPT_SKIP_BAD},
    {"max-line", required_argument, NULL, OPT_MAX_LINE},
    {"mode", required_argument, NULL, OPT_MODE},
    {"ngram", required_argument, NULL, 'n'},
    {"max-df", required_argument, NULL, OPT_MAX_DF},
    {"min-seeds", required_argument, NULL, OPT_MIN_SEEDS},
    {"min-words", required_argument, NULL, OPT_MIN_WORDS},
    {"strip-diacritics", no_argument, NULL, OPT_STRIP},
    {"no-casefold", no_argument, NULL, OPT_NO_CASEFOLD},
    {"skip-markup", no_argument, NULL, OPT_MARKUP},
    {"threads", required_argument, NULL, 't'},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

#define NUM(var, lo, hi, name)                                            \
    do {                                                                  \
        long v_;                                                          \
        if (cli_num("add", name, optarg, lo, hi, &v_)) return EXIT_USAGE; \
        var = v_;                                                         \
    } while (0)

static void progress(void *ud, size_t done, size_t total)
{
    int *on = ud;
    if (*on) fprintf(stderr, "\r\033[Kadd %zu/%zu documents", done, total);
}

int ibid_cmd_add(int argc, char **argv)
{
    ibid_align_opts ao;
    ibid_read_opts ro;
    ibid_store_add_opts so;
    ibid_align_opts_init(&ao);
    ibid_read_opts_init(&ro);
    ibid_store_add_opts_init(&so);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN), v;
    ao.n_threads = ncpu > 0 ? (ncpu > 1024 ? 1024 : (int)ncpu) : 1;
    const char *db = NULL;
    int quiet = 0, verbose = 0, matching = 0, c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "n:t:qvh", long_opts, NULL)) != -1) {
        switch (c) {
        case OPT_DB:
            db = optarg;
            break;
        case OPT_REPLACE:
            so.replace = 1;
            break;
        case OPT_BATCH:
            NUM(v, 1, 1L << 30, "batch");
            so.batch_docs = (size_t)v;
            break;
        case OPT_ID_FIELD:
            ro.id_field = optarg;
            break;
        case OPT_TEXT_FIELD:
            ro.text_field = optarg;
            break;
        case OPT_SKIP_BAD:
            ro.skip_bad = 1;
            break;
        case OPT_MAX_LINE:
            if (cli_parse_size(optarg, &ro.max_line) < 0 || ro.max_line == 0)
                return cli_usage("add", "--max-line wants a size such as 64M, not '%s'", optarg);
            break;
        case OPT_MODE:
            matching = 1;
            if (strcmp(optarg, "verbatim") == 0)
                ao.mode = IBID_MODE_VERBATIM;
            else if (strcmp(optarg, "reworded") == 0)
                ao.mode = IBID_MODE_REWORDED;
            else if (strcmp(optarg, "all") == 0)
                ao.mode = IBID_MODE_ALL;
            else
                return cli_usage("add", "--mode wants verbatim, reworded or all, not '%s'", optarg);
            break;
        case 'n':
            NUM(v, 1, 64, "ngram");
            ao.ngram = (int)v, matching = 1;
            break;
        case OPT_MAX_DF:
            NUM(v, 2, 1L << 30, "max-df");
            ao.max_df = (int)v, matching = 1;
            break;
        case OPT_MIN_SEEDS:
            NUM(v, 1, 1L << 30, "min-seeds");
            ao.min_seeds = (int)v, matching = 1;
            break;
        case OPT_MIN_WORDS:
            NUM(v, 1, 1L << 30, "min-words");
            ao.min_words = (int)v, matching = 1;
            break;
        case OPT_STRIP:
            ao.norm |= IBID_NORM_STRIPMARK, matching = 1;
            break;
        case OPT_NO_CASEFOLD:
            ao.norm &= ~(unsigned)IBID_NORM_CASEFOLD, matching = 1;
            break;
        case OPT_MARKUP:
            ao.norm |= IBID_NORM_MARKUP, matching = 1;
            break;
        case 't':
            NUM(v, 1, 1024, "threads");
            ao.n_threads = (int)v;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'v':
            verbose = 1;
            break;
        case 'h':
            fputs(help, stdout);
            return EXIT_OK;
        default:
            return cli_usage("add", "unknown option");
        }
    }
    if (!db) return cli_usage("add", "no store given (--db FILE)");
    if (optind >= argc) return cli_usage("add", "no input given");

    int rc = EXIT_ERR, show = !quiet && isatty(2);
    ibid_error err = {0};
    ibid_corpus *corpus = NULL;
    ibid_store *store = NULL;
    ibid_store_add_report rep = {0};
    ro.n_threads = ao.n_threads;
    so.progress = progress;
    so.progress_ud = &show;

    ibid_corpus_new(&corpus);
    for (int i = optind; i < argc; i++)
        if (ibid_corpus_read(corpus, argv[i], &ro, &err) < 0) goto done;
    if (ibid_store_open(&store, db, IBID_STORE_WRITE | IBID_STORE_CREATE, matching ? &ao : NULL,
                        &err) < 0)
        goto done;
    ibid_store_set_runtime(store, &ao);
    if (ibid_store_add(store, corpus, &so, &rep, &err) < 0) goto done;
    if (show) fprintf(stderr, "\r\033[K");
    if (!quiet) {
        size_t n_sk = ibid_corpus_n_skipped(corpus);
        for (size_t i = 0; i < n_sk; i++) {
            const ibid_error *e = ibid_corpus_skipped(corpus, i);
            fprintf(stderr, "ibid add: skipped %s:%ld: %s\n", e->source, e->line, e->message);
        }
        fprintf(stderr,
                "ibid add: %s: added %zu documents (%zu replacing stored ones), %zu passages from "
                "%zu pairs aligned",
                db, rep.n_added, rep.n_replaced, rep.n_passages, rep.n_pairs);
        if (n_sk) fprintf(stderr, "; skipped %zu bad documents", n_sk);
        fputc('\n', stderr);
        if (verbose)
            fprintf(stderr,
                    "ibid add: %zu batches; sketch %.2fs, candidates %.2fs, read %.2fs, align "
                    "%.2fs, commit %.2fs; writer alongside %.2fs\n",
                    rep.n_batches, rep.secs_sketch, rep.secs_candidates, rep.secs_read,
                    rep.secs_align, rep.secs_commit, rep.secs_writer);
        if (rep.n_present)
            fprintf(stderr,
                    "ibid add: %zu documents already stored, left alone (--replace replaces "
                    "them)\n",
                    rep.n_present);
    }
    rc = EXIT_OK;
done:
    if (rc != EXIT_OK) {
        if (show) fprintf(stderr, "\r\033[K");
        cli_report("add", &err);
        if (rep.n_batches)
            fprintf(stderr, "ibid add: %zu documents were stored before the error\n", rep.n_added);
    }
    ibid_store_close(store);
    ibid_corpus_free(corpus);
    return rc;
}
