/*
 * cmd_dedup.c: ibid dedup: remove exact and near-duplicate documents, say which copied which.
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char help[] =
    "usage: ibid dedup [OPTIONS] INPUT... -o KEPT.jsonl\n"
    "\n"
    "Find exact duplicates (same normalized words) and near duplicates (word n-gram shingle\n"
    "sets at least --threshold similar, found by MinHash with banding and verified exactly),\n"
    "group them into clusters and keep one document of each.\n"
    "\n"
    "INPUT is a .jsonl, .jsonl.gz or .jsonl.zst file (one JSON object a line, with an id and a\n"
    "text), a folder (every file below it is a document, its id the path relative to the\n"
    "folder) or any other file (one document). The inputs are read twice (standard input\n"
    "cannot be), and never held in memory whole.\n"
    "\n"
    "Output (-o): the kept documents in input order. A JSON Lines document is its input line,\n"
    "byte for byte (every field kept); a text file becomes {\"id\": ..., \"text\": ...}.\n"
    "\n"
    "Options (defaults in brackets):\n"
    "  -o, --output FILE     write the kept documents to FILE (complete or not at all)\n"
    "                        instead of standard output\n"
    "      --clusters FILE   write each cluster of two or more documents as a JSON line: kept\n"
    "                        (the survivor's id), size, members [{id, n (input position),\n"
    "                        similarity (to the survivor), exact}]\n"
    "      --threshold X     least similarity of near duplicates, in (0, 1] [0.8]\n"
    "      --containment     similarity is |A & B| / min(|A|, |B|): a short text reprinted\n"
    "                        inside a longer one is its duplicate (default: Jaccard)\n"
    "      --keep RULE       the survivor of a cluster: first (in input order), oldest (least\n"
    "                        --date-field, ISO 8601 strings; undated last) or longest [first]\n"
    "      --date-field NAME JSON field holding the date for --keep oldest [date]\n"
    "  -n, --ngram N         words per shingle [5]\n"
    "      --hashes N        MinHash values per document [256]\n"
    "      --fn-weight X     how much more a missed pair (false negative) weighs than a\n"
    "                        needless comparison (false positive, 1 - X) when the banding is\n"
    "                        chosen, in (0, 1) [0.9]\n"
    "      --lsh-threshold X the similarity the banding aims at, in (0, 1) [the threshold;\n"
    "                        with --containment a quarter of it]\n"
    "      --bands N, --rows N  LSH banding (bands x rows <= hashes); default: chosen for the\n"
    "                        threshold to minimize false positives + false negatives (README)\n"
    "      --memory SIZE     memory for bucket keys and candidate pairs before they are\n"
    "                        spilled to sorted runs on disk (K, M, G) [a quarter of the RAM]\n"
    "      --tmp-dir DIR     where temporary files go [$TMPDIR or /tmp]\n"
    "      --id-field NAME   JSON field holding the id [id]\n"
    "      --text-field NAME JSON field holding the text [text]\n"
    "      --skip-bad        skip bad documents instead of failing; they are counted and\n"
    "                        reported on standard error, and are not in the output\n"
    "      --max-line SIZE   longest JSON Lines line accepted [1G]\n"
    "      --strip-diacritics, --no-casefold, --skip-markup   word normalization, as in align\n"
    "  -t, --threads N       worker threads [the number of cores]; the output is the same for\n"
    "                        any N and any --memory\n"
    "  -q, --quiet           no progress line, no report of skipped documents\n"
    "  -v, --verbose         figures of the run on standard error\n"
    "  -h, --help            this help\n"
    "\n"
    "Exit status: 0 on success, 1 on an error (the message names the file and line), 2 on a\n"
    "usage error. On error no output file is left behind.\n";

enum {
    OPT_CLUSTERS = 256,
    OPT_THRESHOLD,
    OPT_CONTAINMENT,
    OPT_KEEP,
    OPT_DATE_FIELD,
    OPT_HASHES,
    OPT_LSH_THRESHOLD,
    OPT_FN_WEIGHT,
    OPT_BANDS,
    OPT_ROWS,
    OPT_MEMORY,
    OPT_TMP_DIR,
    OPT_ID_FIELD,
    OPT_TEXT_FIELD,
    OPT_SKIP_BAD,
    OPT_MAX_LINE,
    OPT_STRIP,
    OPT_NO_CASEFOLD,
    OPT_MARKUP,
};

static const struct option long_opts[] = {
    {"output", required_argument, NULL, 'o'},
    {"clusters", required_argument, NULL, OPT_CLUSTERS},
    {"threshold", required_argument, NULL, OPT_THRESHOLD},
    {"containment", no_argument, NULL, OPT_CONTAINMENT},
    {"keep", required_argument, NULL, OPT_KEEP},
    {"date-field", required_argument, NULL, OPT_DATE_FIELD},
    {"ngram", required_argument, NULL, 'n'},
    {"hashes", required_argument, NULL, OPT_HASHES},
    {"lsh-threshold", required_argument, NULL, OPT_LSH_THRESHOLD},
    {"fn-weight", required_argument, NULL, OPT_FN_WEIGHT},
    {"bands", required_argument, NULL, OPT_BANDS},
    {"rows", required_argument, NULL, OPT_ROWS},
    {"memory", required_argument, NULL, OPT_MEMORY},
    {"tmp-dir", required_argument, NULL, OPT_TMP_DIR},
    {"id-field", required_argument, NULL, OPT_ID_FIELD},
    {"text-field", required_argument, NULL, OPT_TEXT_FIELD},
    {"skip-bad", no_argument, NULL, OPT_SKIP_BAD},
    {"max-line", required_argument, NULL, OPT_MAX_LINE},
    {"strip-diacritics", no_argument, NULL, OPT_STRIP},
    {"no-casefold", no_argument, NULL, OPT_NO_CASEFOLD},
    {"skip-markup", no_argument, NULL, OPT_MARKUP},
    {"threads", required_argument, NULL, 't'},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

#define NUM(var, lo, hi, name)                                              \
    do {                                                                    \
        long v_;                                                            \
        if (cli_num("dedup", name, optarg, lo, hi, &v_)) return EXIT_USAGE; \
        var = (int)v_;                                                      \
    } while (0)

/* Progress on a terminal: documents read, then the later stages. */
typedef struct dedup_progress {
    int enabled;
    double t0, last;
    const char *stage; /* the stage last reported */
    double t_read;     /* seconds from the start to the end of the stage "read" */
    double t_cand;     /* ... of the stage "candidates" (which may not be reported) */
} dedup_progress;

static void progress_cb(void *ud, const ibid_progress *p)
{
    dedup_progress *dp = ud;
    double t = cli_now();
    if (!dp->stage || strcmp(dp->stage, p->stage) != 0) { /* for -v: when each stage ended */
        if (dp->stage && strcmp(dp->stage, "read") == 0) dp->t_read = t - dp->t0;
        if (strcmp(p->stage, "verify") == 0) dp->t_cand = t - dp->t0;
        dp->stage = p->stage;
    }
    if (!dp->enabled || (t - dp->last < 0.2 && strcmp(p->stage, "done") != 0)) return;
    dp->last = t;
    if (p->total)
        fprintf(stderr, "\r\033[Kdedup: %-10s %zu/%zu  (%.1fs)", p->stage, p->done, p->total,
                t - dp->t0);
    else
        fprintf(stderr, "\r\033[Kdedup: %-10s %zu  (%.1fs)", p->stage, p->done, t - dp->t0);
    fflush(stderr);
}

static void report_skipped(const ibid_dedup *d)
{
    size_t n = ibid_dedup_get_stats(d)->n_skipped;
    if (!n) return;
    fprintf(stderr, "ibid dedup: skipped %zu documents:\n", n);
    for (size_t i = 0; i < n && i < 10; i++) {
        const ibid_error *e = ibid_dedup_skipped(d, i);
        fprintf(stderr, "  %s:%ld: %s\n", e->source, e->line, e->message);
    }
    if (n > 10) fprintf(stderr, "  ... and %zu more\n", n - 10);
}

int ibid_cmd_dedup(int argc, char **argv)
{
    ibid_dedup_opts o;
    ibid_read_opts ro;
    ibid_dedup_opts_init(&o);
    ibid_read_opts_init(&ro);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    o.n_threads = ncpu > 0 ? (ncpu > 1024 ? 1024 : (int)ncpu) : 1;
    const char *output = NULL, *clusters = NULL;
    int quiet = 0, verbose = 0, c;
    o.tmp_dir = getenv("TMPDIR");
    if (o.tmp_dir && !*o.tmp_dir) o.tmp_dir = NULL;

    optind = 1;
    while ((c = getopt_long(argc, argv, "o:n:t:qvh", long_opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            output = optarg;
            break;
        case OPT_CLUSTERS:
            clusters = optarg;
            break;
        case OPT_THRESHOLD: {
            char *end;
            double v = strtod(optarg, &end);
            if (end == optarg || *end || !(v > 0 && v <= 1))
                return cli_usage("dedup", "--threshold wants a number in (0, 1], not '%s'", optarg);
            o.threshold = v;
            break;
        }
        case OPT_LSH_THRESHOLD: {
            char *end;
            double v = strtod(optarg, &end);
            if (end == optarg || *end || !(v > 0 && v < 1))
                return cli_usage("dedup", "--lsh-threshold wants a number in (0, 1), not '%s'",
                                 optarg);
            o.lsh_threshold = v;
            break;
        }
        case OPT_FN_WEIGHT: {
            char *end;
            double v = strtod(optarg, &end);
            if (end == optarg || *end || !(v > 0 && v < 1))
                return cli_usage("dedup", "--fn-weight wants a number in (0, 1), not '%s'", optarg);
            o.fn_weight = v;
            break;
        }
        case OPT_CONTAINMENT:
            o.containment = 1;
            break;
        case OPT_KEEP:
            if (strcmp(optarg, "first") == 0)
                o.keep = IBID_KEEP_FIRST;
            else if (strcmp(optarg, "oldest") == 0)
                o.keep = IBID_KEEP_OLDEST;
            else if (strcmp(optarg, "longest") == 0)
                o.keep = IBID_KEEP_LONGEST;
            else
                return cli_usage("dedup", "--keep wants first, oldest or longest, not '%s'",
                                 optarg);
            break;
        case OPT_DATE_FIELD:
            o.date_field = optarg;
            break;
        case 'n':
            NUM(o.ngram, 1, 64, "ngram");
            break;
        case OPT_HASHES:
            NUM(o.n_hashes, 2, IBID_MAX_HASHES, "hashes");
            break;
        case OPT_BANDS:
            NUM(o.bands, 1, IBID_MAX_HASHES, "bands");
            break;
        case OPT_ROWS:
            NUM(o.rows, 1, IBID_MAX_HASHES, "rows");
            break;
        case OPT_MEMORY:
            if (cli_parse_size(optarg, &o.memory) < 0 || o.memory < (1u << 16))
                return cli_usage("dedup", "--memory wants a size of at least 64K, not '%s'",
                                 optarg);
            break;
        case OPT_TMP_DIR:
            o.tmp_dir = optarg;
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
                return cli_usage("dedup", "--max-line wants a size such as 64M, not '%s'", optarg);
            break;
        case OPT_STRIP:
            o.norm |= IBID_NORM_STRIPMARK;
            break;
        case OPT_NO_CASEFOLD:
            o.norm &= ~(unsigned)IBID_NORM_CASEFOLD;
            break;
        case OPT_MARKUP:
            o.norm |= IBID_NORM_MARKUP;
            break;
        case 't':
            NUM(o.n_threads, 1, 1024, "threads");
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
            return cli_usage("dedup", "unknown option");
        }
    }
    if (optind >= argc) return cli_usage("dedup", "no input given");
    if ((o.bands == 0) != (o.rows == 0))
        return cli_usage("dedup", "--bands and --rows go together");
    if ((long)o.bands * o.rows > o.n_hashes)
        return cli_usage("dedup", "--bands x --rows (%ld) is more than --hashes (%d)",
                         (long)o.bands * o.rows, o.n_hashes);
    for (int i = optind; i < argc; i++)
        if (strcmp(argv[i], "-") == 0)
            return cli_usage("dedup", "standard input cannot be read twice; save it to a file");

    int rc = EXIT_ERR;
    ibid_error err = {0};
    ibid_dedup *d = NULL;
    cli_output out = {0}, cl = {0};
    dedup_progress prog = {!quiet && isatty(2), cli_now(), 0, NULL, 0, 0};
    o.progress = progress_cb;
    o.progress_ud = &prog;
    ro.n_threads = o.n_threads;

    ibid_mpi_report *rep = NULL;
    int kept_written = 0;
    if (ibid_mpi_size() > 0) { /* under mpirun: the ranks share the work and the kept documents */
        ibid_mpi_opts mo;
        ibid_mpi_opts_init(&mo);
        const char *die = getenv("IBID_TEST_MPI_DIE_RANK"); /* the failure test (tests/mpi) */
        if (die) mo.test_die_rank = atoi(die);
        if ((die = getenv("IBID_TEST_MPI_DIE_SIGNAL"))) mo.test_die_signal = atoi(die);
        o.progress = NULL;
        /* rank 0 opens the output first (a temporary file, removed if a rank dies); if it
         * cannot, the job still runs, writes nothing, and fails after, as one process does */
        ibid_error open_err = {0};
        int open_rc = ibid_mpi_rank() == 0 ? cli_output_open(&out, output, &open_err) : 0;
        if (open_rc == 0 && out.tmp) cli_mpi_guard(out.tmp);
        int mrc =
            ibid_mpi_dedup(&d, open_rc == 0 ? out.fp : NULL, (const char *const *)argv + optind,
                           (size_t)(argc - optind), &ro, &o, &mo, &rep, &err);
        cli_mpi_guard(NULL);
        if (mrc < 0) goto done;
        if (ibid_mpi_rank() != 0) { /* done: rank 0 writes the clusters and the messages */
            ibid_mpi_report_free(rep);
            return EXIT_OK;
        }
        if (open_rc < 0) {
            err = open_err;
            goto done;
        }
        kept_written = 1;
    } else if (ibid_dedup_run(&d, (const char *const *)argv + optind, (size_t)(argc - optind), &ro,
                              &o, &err) < 0) {
        goto done;
    }
    double t_run = cli_now();
    if (!kept_written) {
        if (cli_output_open(&out, output, &err) < 0) goto done;
        if (ibid_dedup_write_kept(d, out.fp, &err) < 0) goto done;
    }
    if (clusters) {
        if (cli_output_open(&cl, clusters, &err) < 0) goto done;
        if (ibid_dedup_write_clusters(d, cl.fp, &err) < 0) goto done;
        if (cli_output_commit(&cl, &err) < 0) goto done;
    }
    if (cli_output_commit(&out, &err) < 0) goto done;
    if (prog.enabled) fprintf(stderr, "\r\033[K");
    if (!quiet) report_skipped(d);
    if (verbose && !quiet) {
        const ibid_dedup_stats *s = ibid_dedup_get_stats(d);
        double t = cli_now();
        fprintf(stderr,
                "ibid dedup: %zu documents, %.1f MB; kept %zu, removed %zu exact and %zu near "
                "duplicates in %zu clusters (%zu documents without words)\n"
                "ibid dedup: %d bands x %d rows; %llu bucket keys, %llu candidate pairs, %llu "
                "compared, %llu similar",
                s->n_docs, s->n_bytes / 1e6, s->n_kept, s->n_exact, s->n_near, s->n_clusters,
                s->n_empty, s->bands, s->rows, (unsigned long long)s->n_bucket_keys,
                (unsigned long long)s->n_candidates, (unsigned long long)s->n_compared,
                (unsigned long long)s->n_similar);
        if (rep) { /* the ranks keep their shingles in memory and time their steps themselves */
            fprintf(stderr, "\nibid dedup: %.2fs on %d ranks; %.1f MB/s end to end\n", t - prog.t0,
                    ibid_mpi_size(), s->n_bytes / 1e6 / (t - prog.t0));
            cli_mpi_report("dedup", rep);
        } else {
            fprintf(stderr,
                    "; %zu runs spilled; %.1f MB of shingles on disk\n"
                    "ibid dedup: dedup %.2fs (read %.2fs, candidates %.2fs, verify and clusters "
                    "%.2fs), write %.2fs; %.1f MB/s end to end\n",
                    s->n_runs, s->n_shingle_bytes / 1e6, t_run - prog.t0, prog.t_read,
                    prog.t_cand - prog.t_read, t_run - prog.t0 - prog.t_cand, t - t_run,
                    s->n_bytes / 1e6 / (t - prog.t0));
        }
    }
    rc = EXIT_OK;
done:
    if (rc != EXIT_OK) {
        if (out.fp) cli_output_abort(&out);
        if (cl.fp) cli_output_abort(&cl);
        if (prog.enabled) fprintf(stderr, "\r\033[K");
        cli_report("dedup", &err);
    }
    ibid_dedup_free(d);
    ibid_mpi_report_free(rep);
    return rc;
}
