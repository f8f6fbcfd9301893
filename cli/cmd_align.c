/*
 * cmd_align.c: ibid align, the main job: read a corpus, align every shared passage, write them.
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char help[] =
    "usage: ibid align [OPTIONS] INPUT...\n"
    "\n"
    "Find every passage that two documents of the corpus share and align it to exact offsets.\n"
    "\n"
    "INPUT is a folder (every file below it is a document, its id the path relative to the\n"
    "folder), a .jsonl, .jsonl.gz or .jsonl.zst file (one JSON object a line, with an id and a\n"
    "text), '-' for JSON Lines on standard input, or any other file (one document, its id the\n"
    "path as given; .gz and .zst are decompressed).\n"
    "\n"
    "Output: one JSON object a line per pair of passages, sorted by (id1, id2, begin1, begin2):\n"
    "  id1, id2            the documents, id1 < id2 in byte order\n"
    "  begin1, end1        the passage in id1, in Unicode code points, end exclusive\n"
    "  begin2, end2        the passage in id2 (Python's text[begin:end] is the passage)\n"
    "  matches             aligned pairs of equal tokens\n"
    "  score               alignment score (--match, --mismatch, --gap-open, --gap-extend)\n"
    "  identity            matches / alignment columns\n"
    "  kind                verbatim, reworded or translated (see --mode)\n"
    "  text1, text2        the passages (omitted with --no-text)\n"
    "\n"
    "Input and output:\n"
    "  -o, --output FILE     write to FILE (complete or not at all) instead of standard output\n"
    "      --format FMT      jsonl (default), tsv (with a header line), or text (a listing\n"
    "                        for people, with the start of each passage and totals)\n"
    "      --no-text         leave out text1 and text2\n"
    "      --pairs FILE      align only the pairs listed in FILE (TSV: two ids a line, or\n"
    "                        columns named id1/id2 or susp_id/src_id in a header line)\n"
    "      --id-field NAME   JSON field holding the id (default: id)\n"
    "      --text-field NAME JSON field holding the text (default: text)\n"
    "      --skip-bad        skip bad documents and pair lines instead of failing; a summary\n"
    "                        of what was skipped and why goes to standard error\n"
    "      --max-line SIZE   longest JSON Lines line accepted (default: 1G; K, M, G suffixes)\n"
    "\n"
    "Matching (defaults in brackets):\n"
    "  -n, --ngram N         words per seed n-gram [4]\n"
    "      --max-df N        n-grams found in more than N documents are boilerplate [100]\n"
    "      --max-tf N        n-grams repeated more than N times in a document are skipped\n"
    "                        there [8]\n"
    "      --min-seeds N     shared seeds a document pair needs to be aligned [3]\n"
    "      --max-gap N       longest run of tokens without a match inside a passage [80]\n"
    "      --min-words N     shortest passage reported, in tokens on each side [15]\n"
    "      --merge-gap N     merge passages of a pair that lie within N tokens of each other in\n"
    "                        both documents, in any order (reordered sentences) [80]\n"
    "      --match N         score of two equal tokens [2]\n"
    "      --mismatch N      score of two different tokens, <= 0 [-1]\n"
    "      --gap-open N      cost of opening a gap [0]\n"
    "      --gap-extend N    cost of each token in a gap [1]\n"
    "      --xdrop N         stop extending a passage once its score falls N below the best [20]\n"
    "      --strip-diacritics  match letters with and without diacritics (e vs e-acute)\n"
    "      --no-casefold     match case-sensitively\n"
    "      --skip-markup     skip HTML/XML tags and entities (<p>, </a>, &amp;) like spaces\n"
    "\n"
    "Reworded and translated reuse (the sentence layer):\n"
    "      --mode MODE       verbatim (default): word n-gram seeds only; reworded: align\n"
    "                        sentences by their stems too (tf-isf over the corpus); all: both\n"
    "      --sent-sim X      least cosine of two sentences to seed a passage [0.33]\n"
    "      --sent-dice X     least Dice coefficient of their stems [0.33]\n"
    "      --sent-gap N      sentences a passage may skip at once on either side [4]\n"
    "      --frag-sim X      least cosine of a passage's two sides as a whole [0.4]\n"
    "      --summary-gap N   sentences the source of a summary may skip between the parts it\n"
    "                        condenses, when the other side is much shorter; 0: off [30]\n"
    "      --translate LANG  compare documents in other languages through FreeDict\n"
    "                        dictionaries to LANG (ISO 639-1, e.g. en); implies --mode all\n"
    "      --dict-dir DIR    where the dictionaries are (default: /usr/share/dictd)\n"
    "      --synonyms        also match English words with their WordNet synonyms (slower;\n"
    "                        little gain on PAN 2013, see bench/RESULTS.md)\n"
    "      --wordnet-dir DIR the WordNet 3.0 database (default: /usr/share/wordnet)\n"
    "\n"
    "Running:\n"
    "  -t, --threads N       worker threads (default: the number of cores); the output is the\n"
    "                        same for any N\n"
    "      --index-memory SIZE  memory for the n-gram index at once (default: 512M); a larger\n"
    "                        corpus is indexed in several passes\n"
    "  -q, --quiet           no progress line and no summary\n"
    "  -v, --verbose         a summary of the run's figures on standard error\n"
    "  -h, --help            this help\n"
    "\n"
    "Exit status: 0 on success, 1 on an error (the message names the file and line), 2 on a\n"
    "usage error. On error no output file is left behind.\n";

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
};

static const struct option long_opts[] = {
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
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Summarize documents skipped under --skip-bad: counts by reason, then the first few. */
static void report_skipped(const char *what, size_t n,
                           const ibid_error *(*get)(const void *, size_t), const void *obj)
{
    if (!n) return;
    fprintf(stderr, "ibid align: skipped %zu %s:\n", n, what);
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

#define FRACTION(var, name)                                                                       \
    do {                                                                                          \
        char *end_;                                                                               \
        double v_ = strtod(optarg, &end_);                                                        \
        if (end_ == optarg || *end_ || !(v_ >= 0 && v_ <= 1))                                     \
            return cli_usage("align", "--%s wants a number from 0 to 1, not '%s'", name, optarg); \
        var = v_;                                                                                 \
    } while (0)

#define NUM(var, lo, hi, name)                                                                     \
    do {                                                                                           \
        long v_;                                                                                   \
        if (cli_parse_long(optarg, lo, hi, &v_) < 0)                                               \
            return cli_usage("align", "--%s wants a whole number from %ld to %ld, not '%s'", name, \
                             (long)(lo), (long)(hi), optarg);                                      \
        var = (int)v_;                                                                             \
    } while (0)

int ibid_cmd_align(int argc, char **argv)
{
    ibid_align_opts ao;
    ibid_read_opts ro;
    ibid_write_opts wo = {IBID_FORMAT_JSONL, 1};
    ibid_align_opts_init(&ao);
    ibid_read_opts_init(&ro);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    ao.n_threads = ncpu > 0 ? (ncpu > 1024 ? 1024 : (int)ncpu) : 1;
    const char *output = NULL, *pairs_path = NULL;
    int quiet = 0, verbose = 0, c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "o:n:t:qvh", long_opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            output = optarg;
            break;
        case OPT_FORMAT:
            if (strcmp(optarg, "jsonl") == 0)
                wo.format = IBID_FORMAT_JSONL;
            else if (strcmp(optarg, "tsv") == 0)
                wo.format = IBID_FORMAT_TSV;
            else if (strcmp(optarg, "text") == 0)
                wo.format = IBID_FORMAT_TEXT;
            else
                return cli_usage("align", "--format is jsonl, tsv or text, not '%s'", optarg);
            break;
        case OPT_NO_TEXT:
            wo.with_text = 0;
            break;
        case OPT_PAIRS:
            pairs_path = optarg;
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
                return cli_usage("align", "--max-line wants a size such as 64M, not '%s'", optarg);
            break;
        case 'n':
            NUM(ao.ngram, 1, 64, "ngram");
            break;
        case OPT_MAX_DF:
            NUM(ao.max_df, 2, 1L << 30, "max-df");
            break;
        case OPT_MAX_TF:
            NUM(ao.max_tf, 1, 1L << 30, "max-tf");
            break;
        case OPT_MIN_SEEDS:
            NUM(ao.min_seeds, 1, 1L << 30, "min-seeds");
            break;
        case OPT_MAX_GAP:
            NUM(ao.max_gap, 0, 10000, "max-gap");
            break;
        case OPT_MIN_WORDS:
            NUM(ao.min_words, 1, 1L << 30, "min-words");
            break;
        case OPT_MERGE_GAP:
            NUM(ao.merge_gap, 0, 1L << 30, "merge-gap");
            break;
        case OPT_MATCH:
            NUM(ao.match, 1, 1000, "match");
            break;
        case OPT_MISMATCH:
            NUM(ao.mismatch, -1000, 0, "mismatch");
            break;
        case OPT_GAP_OPEN:
            NUM(ao.gap_open, 0, 1000, "gap-open");
            break;
        case OPT_GAP_EXTEND:
            NUM(ao.gap_extend, 0, 1000, "gap-extend");
            break;
        case OPT_XDROP:
            NUM(ao.xdrop, 1, 1L << 30, "xdrop");
            break;
        case OPT_STRIP:
            ao.norm |= IBID_NORM_STRIPMARK;
            break;
        case OPT_NO_CASEFOLD:
            ao.norm &= ~(unsigned)IBID_NORM_CASEFOLD;
            break;
        case OPT_MARKUP:
            ao.norm |= IBID_NORM_MARKUP;
            break;
        case OPT_MODE:
            if (strcmp(optarg, "verbatim") == 0)
                ao.mode = IBID_MODE_VERBATIM;
            else if (strcmp(optarg, "reworded") == 0)
                ao.mode = IBID_MODE_REWORDED;
            else if (strcmp(optarg, "all") == 0)
                ao.mode = IBID_MODE_ALL;
            else
                return cli_usage("align", "--mode wants verbatim, reworded or all, not '%s'",
                                 optarg);
            break;
        case OPT_SENT_SIM:
            FRACTION(ao.sent_sim, "sent-sim");
            break;
        case OPT_SENT_DICE:
            FRACTION(ao.sent_dice, "sent-dice");
            break;
        case OPT_FRAG_SIM:
            FRACTION(ao.frag_sim, "frag-sim");
            break;
        case OPT_SENT_GAP:
            NUM(ao.sent_gap, 0, 1000, "sent-gap");
            break;
        case OPT_SUMMARY_GAP:
            NUM(ao.summary_gap, 0, 100000, "summary-gap");
            break;
        case OPT_TRANSLATE:
            if (strlen(optarg) < 2 || strlen(optarg) > 3)
                return cli_usage("align", "--translate wants a language code such as en, not '%s'",
                                 optarg);
            ao.translate = optarg;
            ao.mode = IBID_MODE_ALL;
            break;
        case OPT_DICT_DIR:
            ao.dict_dir = optarg;
            break;
        case OPT_SYNONYMS:
            ao.synonyms = 1;
            break;
        case OPT_WORDNET_DIR:
            ao.wordnet_dir = optarg;
            break;
        case 't':
            NUM(ao.n_threads, 1, 1024, "threads");
            break;
        case OPT_INDEX_MEMORY:
            if (cli_parse_size(optarg, &ao.index_memory) < 0 || ao.index_memory < (1u << 20))
                return cli_usage("align", "--index-memory wants a size of at least 1M, not '%s'",
                                 optarg);
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
            return cli_usage("align", "unknown option");
        }
    }
    if (optind >= argc) return cli_usage("align", "no input given");

    int rc = EXIT_ERR;
    ibid_error err = {0};
    ibid_corpus *corpus = NULL;
    ibid_pairs *pairs = NULL;
    ibid_result *res = NULL;
    cli_output out = {0};
    cli_progress prog;
    cli_progress_init(&prog, !quiet && isatty(2));
    ao.progress = cli_progress_cb;
    ao.progress_ud = &prog;

    ro.n_threads = ao.n_threads;
    ibid_corpus_new(&corpus);
    for (int i = optind; i < argc; i++) {
        if (ibid_corpus_read(corpus, argv[i], &ro, &err) < 0) goto done;
        if (prog.enabled)
            fprintf(stderr, "\r\033[Kread %zu documents (%.1f MB)", ibid_corpus_size(corpus),
                    ibid_corpus_bytes(corpus) / 1e6);
    }
    if (pairs_path && ibid_pairs_read(&pairs, corpus, pairs_path, ro.skip_bad, &err) < 0) goto done;
    double t_read = cli_now();
    if (ibid_align(&res, corpus, pairs, &ao, &err) < 0) goto done;
    double t_align = cli_now();
    if (cli_output_open(&out, output, &err) < 0) goto done;
    if (ibid_result_write(out.fp, corpus, res, &wo, &err) < 0) {
        cli_output_abort(&out);
        goto done;
    }
    if (cli_output_commit(&out, &err) < 0) goto done;
    cli_progress_end(&prog);
    if (!quiet) report_skipped("documents", ibid_corpus_n_skipped(corpus), corpus_skip, corpus);
    if (!quiet && pairs && ibid_pairs_n_skipped(pairs))
        fprintf(stderr, "ibid align: skipped %zu lines of %s (ids not in the corpus)\n",
                ibid_pairs_n_skipped(pairs), pairs_path);
    if (verbose && !quiet) {
        double t = cli_now();
        fprintf(stderr,
                "ibid align: %zu documents, %.1f MB, %zu tokens; %zu shared n-grams, %zu "
                "boilerplate; %zu seeds; %zu candidate pairs; %zu related pairs; %zu passages\n"
                "ibid align: read %.2fs, align %.2fs, write %.2fs; %.1f MB/s end to end\n"
                "ibid align: stages: ",
                ibid_corpus_size(corpus), ibid_corpus_bytes(corpus) / 1e6, res->n_tokens,
                res->n_shared_ngrams, res->n_boilerplate, res->n_seeds, res->n_candidates,
                res->n_related, res->n_passages, t_read - prog.t0, t_align - t_read, t - t_align,
                ibid_corpus_bytes(corpus) / 1e6 / (t - prog.t0));
        cli_progress_stages(&prog, stderr);
        fputc('\n', stderr);
    }
    rc = EXIT_OK;
done:
    if (rc != EXIT_OK) {
        cli_progress_end(&prog);
        cli_report("align", &err);
    }
    ibid_result_free(res);
    ibid_pairs_free(pairs);
    ibid_corpus_free(corpus);
    return rc;
}
