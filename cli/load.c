/*
 * load.c: what the commands built on an alignment share (align, stories, show, report): the
 * options of ibid align, and the batch source of a corpus and its passages: read the INPUTs,
 * then align them. A command gets its corpus and result only through cli_load, so that another
 * source (a store) can take the place of the INPUTs without changing the commands.
 */
#include "cli.h"

#include <assert.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    OPT_FORMAT = 256,
    OPT_NO_TEXT,
    OPT_PAIRS,
    OPT_ID_FIELD,
    OPT_TEXT_FIELD,
    OPT_SKIP_BAD,
    OPT_MAX_LINE,
    OPT_MAX_DF,
    OPT_MAX_TF,
    OPT_MIN_SEEDS,
    OPT_MAX_GAP,
    OPT_MIN_WORDS,
    OPT_MERGE_GAP,
    OPT_MATCH,
    OPT_MISMATCH,
    OPT_GAP_OPEN,
    OPT_GAP_EXTEND,
    OPT_XDROP,
    OPT_STRIP,
    OPT_NO_CASEFOLD,
    OPT_MARKUP,
    OPT_MODE,
    OPT_SENT_SIM,
    OPT_SENT_DICE,
    OPT_SENT_GAP,
    OPT_FRAG_SIM,
    OPT_SUMMARY_GAP,
    OPT_TRANSLATE,
    OPT_DICT_DIR,
    OPT_SYNONYMS,
    OPT_WORDNET_DIR,
    OPT_INDEX_MEMORY,
    OPT_DB,
};

static const struct option align_opts[] = {
    {"output", required_argument, NULL, 'o'},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"no-text", no_argument, NULL, OPT_NO_TEXT},
    {"pairs", required_argument, NULL, OPT_PAIRS},
    {"id-field", required_argument, NULL, OPT_ID_FIELD},
    {"text-field", required_argument, NULL, OPT_TEXT_FIELD},
    {"skip-bad", no_argument, NULL, OPT_SKIP_BAD},
    {"max-line", required_argument, NULL, OPT_MAX_LINE},
    {"ngram", required_argument, NULL, 'n'},
    {"max-df", required_argument, NULL, OPT_MAX_DF},
    {"max-tf", required_argument, NULL, OPT_MAX_TF},
    {"min-seeds", required_argument, NULL, OPT_MIN_SEEDS},
    {"max-gap", required_argument, NULL, OPT_MAX_GAP},
    {"min-words", required_argument, NULL, OPT_MIN_WORDS},
    {"merge-gap", required_argument, NULL, OPT_MERGE_GAP},
    {"match", required_argument, NULL, OPT_MATCH},
    {"mismatch", required_argument, NULL, OPT_MISMATCH},
    {"gap-open", required_argument, NULL, OPT_GAP_OPEN},
    {"gap-extend", required_argument, NULL, OPT_GAP_EXTEND},
    {"xdrop", required_argument, NULL, OPT_XDROP},
    {"strip-diacritics", no_argument, NULL, OPT_STRIP},
    {"no-casefold", no_argument, NULL, OPT_NO_CASEFOLD},
    {"skip-markup", no_argument, NULL, OPT_MARKUP},
    {"mode", required_argument, NULL, OPT_MODE},
    {"sent-sim", required_argument, NULL, OPT_SENT_SIM},
    {"sent-dice", required_argument, NULL, OPT_SENT_DICE},
    {"sent-gap", required_argument, NULL, OPT_SENT_GAP},
    {"frag-sim", required_argument, NULL, OPT_FRAG_SIM},
    {"summary-gap", required_argument, NULL, OPT_SUMMARY_GAP},
    {"translate", required_argument, NULL, OPT_TRANSLATE},
    {"dict-dir", required_argument, NULL, OPT_DICT_DIR},
    {"synonyms", no_argument, NULL, OPT_SYNONYMS},
    {"wordnet-dir", required_argument, NULL, OPT_WORDNET_DIR},
    {"threads", required_argument, NULL, 't'},
    {"index-memory", required_argument, NULL, OPT_INDEX_MEMORY},
    {"db", required_argument, NULL, OPT_DB},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Summarize documents skipped under --skip-bad: counts by reason, then the first few. */
void cli_report_skipped(const char *cmd, const char *what, size_t n,
                        const ibid_error *(*get)(const void *, size_t), const void *obj)
{
    if (!n) return;
    fprintf(stderr, "ibid %s: skipped %zu %s:\n", cmd, n, what);
    static const int codes[] = {IBID_EPARSE,  IBID_EUTF8,  IBID_EDUPID,    IBID_EMISSING,
                                IBID_ETOOBIG, IBID_EINVAL, IBID_ENOTFOUND, IBID_EIO};
    for (size_t c = 0; c < sizeof codes / sizeof codes[0]; c++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++) k += get(obj, i)->code == codes[c];
        if (k) fprintf(stderr, "  %zu %s\n", k, ibid_strerror(codes[c]));
    }
    for (size_t i = 0; i < n && i < 10; i++) {
        const ibid_error *e = get(obj, i);
        fprintf(stderr, "  %s:%ld: %s\n", e->source, e->line, e->message);
    }
    if (n > 10) fprintf(stderr, "  ... and %zu more\n", n - 10);
}

static const ibid_error *corpus_skip(const void *c, size_t i)
{
    return ibid_corpus_skipped(c, i);
}

#define FRACTION(var, name)                                                                    \
    do {                                                                                       \
        char *end_;                                                                            \
        double v_ = strtod(optarg, &end_);                                                     \
        if (end_ == optarg || *end_ || !(v_ >= 0 && v_ <= 1))                                  \
            return cli_usage(cmd_, "--%s wants a number from 0 to 1, not '%s'", name, optarg); \
        var = v_;                                                                              \
    } while (0)

#define NUM(var, lo, hi, name)                                           \
    do {                                                                 \
        long v_;                                                         \
        if (cli_num(cmd_, name, optarg, lo, hi, &v_)) return EXIT_USAGE; \
        var = (int)v_;                                                   \
    } while (0)

void cli_align_args_init(cli_align_args *a)
{
    memset(a, 0, sizeof *a);
    ibid_align_opts_init(&a->ao);
    ibid_read_opts_init(&a->ro);
    a->wo.format = -1;
    a->wo.with_text = 1;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    a->ao.n_threads = ncpu > 0 ? (ncpu > 1024 ? 1024 : (int)ncpu) : 1;
}

int cli_align_parse(cli_align_args *a, const char *cmd_, int argc, char **argv, const char *help,
                    const struct option *extra, const char *extra_shorts,
                    int (*on_extra)(void *ud, int opt, const char *arg), void *ud)
{
    struct option opts[80];
    size_t n = 0;
    for (const struct option *o = align_opts; o->name; o++) opts[n++] = *o;
    for (const struct option *o = extra; o && o->name; o++) {
        assert(n + 1 < sizeof opts / sizeof opts[0]);
        opts[n++] = *o;
    }
    opts[n] = (struct option){NULL, 0, NULL, 0};
    char shorts[64];
    snprintf(shorts, sizeof shorts, "o:n:t:qvh%s", extra_shorts ? extra_shorts : "");
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, shorts, opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            a->output = optarg;
            break;
        case OPT_FORMAT:
            if (strcmp(optarg, "jsonl") == 0)
                a->wo.format = IBID_FORMAT_JSONL;
            else if (strcmp(optarg, "tsv") == 0)
                a->wo.format = IBID_FORMAT_TSV;
            else if (strcmp(optarg, "text") == 0)
                a->wo.format = IBID_FORMAT_TEXT;
            else
                return cli_usage(cmd_, "--format is jsonl, tsv or text, not '%s'", optarg);
            break;
        case OPT_NO_TEXT:
            a->wo.with_text = 0;
            break;
        case OPT_PAIRS:
            a->pairs_path = optarg;
            break;
        case OPT_ID_FIELD:
            a->ro.id_field = optarg;
            break;
        case OPT_TEXT_FIELD:
            a->ro.text_field = optarg;
            break;
        case OPT_SKIP_BAD:
            a->ro.skip_bad = 1;
            break;
        case OPT_MAX_LINE:
            if (cli_parse_size(optarg, &a->ro.max_line) < 0 || a->ro.max_line == 0)
                return cli_usage(cmd_, "--max-line wants a size such as 64M, not '%s'", optarg);
            break;
        case 'n':
            NUM(a->ao.ngram, 1, 64, "ngram");
            break;
        case OPT_MAX_DF:
            NUM(a->ao.max_df, 2, 1L << 30, "max-df");
            break;
        case OPT_MAX_TF:
            NUM(a->ao.max_tf, 1, 1L << 30, "max-tf");
            break;
        case OPT_MIN_SEEDS:
            NUM(a->ao.min_seeds, 1, 1L << 30, "min-seeds");
            break;
        case OPT_MAX_GAP:
            NUM(a->ao.max_gap, 0, 10000, "max-gap");
            break;
        case OPT_MIN_WORDS:
            NUM(a->ao.min_words, 1, 1L << 30, "min-words");
            break;
        case OPT_MERGE_GAP:
            NUM(a->ao.merge_gap, 0, 1L << 30, "merge-gap");
            break;
        case OPT_MATCH:
            NUM(a->ao.match, 1, 1000, "match");
            break;
        case OPT_MISMATCH:
            NUM(a->ao.mismatch, -1000, 0, "mismatch");
            break;
        case OPT_GAP_OPEN:
            NUM(a->ao.gap_open, 0, 1000, "gap-open");
            break;
        case OPT_GAP_EXTEND:
            NUM(a->ao.gap_extend, 0, 1000, "gap-extend");
            break;
        case OPT_XDROP:
            NUM(a->ao.xdrop, 1, 1L << 30, "xdrop");
            break;
        case OPT_STRIP:
            a->ao.norm |= IBID_NORM_STRIPMARK;
            break;
        case OPT_NO_CASEFOLD:
            a->ao.norm &= ~(unsigned)IBID_NORM_CASEFOLD;
            break;
        case OPT_MARKUP:
            a->ao.norm |= IBID_NORM_MARKUP;
            break;
        case OPT_MODE:
            if (strcmp(optarg, "verbatim") == 0)
                a->ao.mode = IBID_MODE_VERBATIM;
            else if (strcmp(optarg, "reworded") == 0)
                a->ao.mode = IBID_MODE_REWORDED;
            else if (strcmp(optarg, "all") == 0)
                a->ao.mode = IBID_MODE_ALL;
            else
                return cli_usage(cmd_, "--mode wants verbatim, reworded or all, not '%s'", optarg);
            break;
        case OPT_SENT_SIM:
            FRACTION(a->ao.sent_sim, "sent-sim");
            break;
        case OPT_SENT_DICE:
            FRACTION(a->ao.sent_dice, "sent-dice");
            break;
        case OPT_FRAG_SIM:
            FRACTION(a->ao.frag_sim, "frag-sim");
            break;
        case OPT_SENT_GAP:
            NUM(a->ao.sent_gap, 0, 1000, "sent-gap");
            break;
        case OPT_SUMMARY_GAP:
            NUM(a->ao.summary_gap, 0, 100000, "summary-gap");
            break;
        case OPT_TRANSLATE:
            if (strlen(optarg) < 2 || strlen(optarg) > 3)
                return cli_usage(cmd_, "--translate wants a language code such as en, not '%s'",
                                 optarg);
            a->ao.translate = optarg;
            a->ao.mode = IBID_MODE_ALL;
            break;
        case OPT_DICT_DIR:
            a->ao.dict_dir = optarg;
            break;
        case OPT_SYNONYMS:
            a->ao.synonyms = 1;
            break;
        case OPT_WORDNET_DIR:
            a->ao.wordnet_dir = optarg;
            break;
        case 't':
            NUM(a->ao.n_threads, 1, 1024, "threads");
            break;
        case OPT_INDEX_MEMORY:
            if (cli_parse_size(optarg, &a->ao.index_memory) < 0 || a->ao.index_memory < (1u << 20))
                return cli_usage(cmd_, "--index-memory wants a size of at least 1M, not '%s'",
                                 optarg);
            break;
        case OPT_DB:
            a->db = optarg;
            break;
        case 'q':
            a->quiet = 1;
            break;
        case 'v':
            a->verbose = 1;
            break;
        case 'h':
            fputs(help, stdout);
            return EXIT_OK;
        default:
            if (c == '?' || !on_extra) return cli_usage(cmd_, "unknown option");
            if ((rc = on_extra(ud, c, optarg)) >= 0) return rc;
            break;
        }
    }
    a->first_input = optind;
    return -1;
}

int cli_load(cli_align_args *a, const char *cmd, int argc, char **argv, cli_progress *prog,
             ibid_corpus **corpus, ibid_result **res)
{
    ibid_error err = {0};
    ibid_pairs *pairs = NULL;
    *corpus = NULL;
    *res = NULL;
    a->ao.progress = cli_progress_cb;
    a->ao.progress_ud = prog;
    a->ro.n_threads = a->ao.n_threads;
    if (a->db) { /* the store's documents and passages, as they were aligned when added */
        ibid_store *s = NULL;
        int rc = ibid_store_open(&s, a->db, IBID_STORE_READ, NULL, &err);
        if (rc == 0) rc = ibid_store_load(corpus, res, s, NULL, 0, 0, &err);
        ibid_store_close(s);
        if (rc < 0) goto fail;
        a->t_read = a->t_align = cli_now();
        return EXIT_OK;
    }
    ibid_corpus_new(corpus);
    for (int i = a->first_input; i < argc; i++) {
        if (ibid_corpus_read(*corpus, argv[i], &a->ro, &err) < 0) goto fail;
        if (prog->enabled)
            fprintf(stderr, "\r\033[Kread %zu documents (%.1f MB)", ibid_corpus_size(*corpus),
                    ibid_corpus_bytes(*corpus) / 1e6);
    }
    if (a->pairs_path && ibid_pairs_read(&pairs, *corpus, a->pairs_path, a->ro.skip_bad, &err) < 0)
        goto fail;
    a->t_read = cli_now();
    if (ibid_align(res, *corpus, pairs, &a->ao, &err) < 0) goto fail;
    a->t_align = cli_now();
    if (pairs) a->n_pairs_skipped = ibid_pairs_n_skipped(pairs);
    ibid_pairs_free(pairs);
    return EXIT_OK;
fail:
    cli_progress_end(prog);
    cli_report(cmd, &err);
    ibid_pairs_free(pairs);
    ibid_result_free(*res);
    ibid_corpus_free(*corpus);
    *corpus = NULL;
    *res = NULL;
    return EXIT_ERR;
}

void cli_load_report(const cli_align_args *a, const char *cmd, const ibid_corpus *corpus)
{
    if (a->quiet) return;
    cli_report_skipped(cmd, "documents", ibid_corpus_n_skipped(corpus), corpus_skip, corpus);
    if (a->n_pairs_skipped)
        fprintf(stderr, "ibid %s: skipped %zu lines of %s (ids not in the corpus)\n", cmd,
                a->n_pairs_skipped, a->pairs_path);
}
