/*
 * mpi.c: ibid align under mpirun: the same command, the work shared by the ranks
 * (ibid_mpi_align); rank 0 alone writes the output and the messages. And what ibid dedup under
 * mpirun shares with it (cli_mpi_guard, cli_mpi_report).
 *
 * The output (cli_output) is opened by rank 0 only and named once every rank has reported
 * success (ibid_mpi_align returns 0 on every rank only then). When a rank dies, mpirun ends the
 * job: rank 0 is stopped before the output is named, so no output file appears. The output is
 * an unnamed file until then, which vanishes with the process; where the system has none, it
 * is a named temporary file, which rank 0 removes on mpirun's SIGTERM (docs/mpi.md).
 */
#include "cli.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The temporary output, for the handler below: the one static of the tool, set before the job
 * starts and read only by the handler. */
static const char *volatile tmp_output;

/* When a rank dies, mpirun ends the others with SIGTERM (then SIGKILL): rank 0 removes its
 * temporary output first, so that nothing of the failed run is left behind. */
static void on_term(int sig)
{
    if (tmp_output) unlink(tmp_output);
    signal(sig, SIG_DFL);
    raise(sig);
}

void cli_mpi_guard(const char *tmp)
{
    tmp_output = tmp;
    void (*h)(int) = tmp ? on_term : SIG_DFL;
    signal(SIGTERM, h);
    signal(SIGINT, h);
    signal(SIGABRT, h); /* IBID_TEST_MPI_DIE_RANK=0: rank 0 itself aborts */
}

static const ibid_error *skipped_at(const void *r, size_t i)
{
    return &((const ibid_mpi_report *)r)->skipped[i];
}

static void report_verbose(const ibid_mpi_report *r, double secs)
{
    fprintf(stderr,
            "ibid align: %d ranks; %zu documents; %zu shared n-grams, %zu boilerplate; %zu "
            "candidate pairs; %zu passages; %d exchange rounds; %.2fs\n",
            r->n_ranks, r->n_docs, r->n_shared_ngrams, r->n_boilerplate, r->n_candidates,
            r->n_passages, r->n_passes, secs);
    cli_mpi_report("align", r);
}

void cli_mpi_report(const char *cmd, const ibid_mpi_report *r)
{
    /* what the three middle columns count: see ibid_mpi_rank_stats and ibid_mpi_dedup */
    int dedup = strcmp(cmd, "dedup") == 0;
    fprintf(stderr,
            "ibid %s: rank  docs  text_MB  fetched  fetched_MB  %s  passages  sent_MB  "
            "received_MB  peak_RSS_MB\n",
            cmd, dedup ? "band_keys      pairs" : " postings  group_occ");
    for (int i = 0; i < r->n_ranks; i++) {
        const ibid_mpi_rank_stats *s = &r->rank[i];
        fprintf(stderr,
                "ibid %s: %4d %5llu %8.1f %8llu %11.1f %9llu %10llu %9llu %8.1f %12.1f "
                "%12.1f\n",
                cmd, i, (unsigned long long)s->n_docs, s->n_bytes / 1e6,
                (unsigned long long)s->n_fetched, s->n_fetched_bytes / 1e6,
                (unsigned long long)s->n_postings, (unsigned long long)s->n_group_occ,
                (unsigned long long)s->n_passages, s->bytes_sent / 1e6, s->bytes_received / 1e6,
                s->max_rss / 1e6);
    }
}

int cli_align_mpi(cli_align_args *a, int argc, char **argv, const char *html)
{
    int root = ibid_mpi_rank() == 0;
    const char *why = NULL;
    if (html)
        why = "--html is not supported under mpirun";
    else if (a->ao.mode != IBID_MODE_VERBATIM)
        why = "only --mode verbatim is supported under mpirun";
    for (int i = a->first_input; i < argc && !why; i++)
        if (strcmp(argv[i], "-") == 0) why = "standard input is not supported under mpirun";
    if (why) {
        /* every rank sees the same arguments, so every rank stops here */
        if (!root) return EXIT_USAGE;
        return cli_usage("align", "%s (see docs/mpi.md)", why);
    }
    ibid_mpi_opts mo;
    ibid_mpi_opts_init(&mo);
    const char *die = getenv("IBID_TEST_MPI_DIE_RANK"); /* the failure test (tests/mpi) */
    if (die) mo.test_die_rank = atoi(die);
    if ((die = getenv("IBID_TEST_MPI_DIE_SIGNAL"))) mo.test_die_signal = atoi(die);
    mo.pairs_path = a->pairs_path;
    a->ro.n_threads = a->ao.n_threads;

    ibid_error err = {0};
    cli_output out = {0};
    ibid_mpi_report *rep = NULL;
    double t0 = cli_now();
    ibid_error open_err = {0};
    int open_rc = root ? cli_output_open(&out, a->output, &open_err) : 0;
    if (open_rc == 0 && out.tmp) cli_mpi_guard(out.tmp);
    /* a rank 0 without its output still takes part (with out NULL every rank fails at once) */
    int rc =
        ibid_mpi_align(root ? out.fp : NULL, (const char *const *)argv + a->first_input,
                       (size_t)(argc - a->first_input), &a->ro, &a->ao, &a->wo, &mo, &rep, &err);
    if (open_rc < 0) rc = open_rc, err = open_err;
    if (root && rc == 0) rc = cli_output_commit(&out, &err);
    cli_mpi_guard(NULL);
    if (rc < 0) {
        if (root) {
            if (out.fp) cli_output_abort(&out);
            cli_report("align", &err);
        }
        ibid_mpi_report_free(rep);
        return EXIT_ERR;
    }
    if (root && !a->quiet) {
        cli_report_skipped("align", "documents", rep->n_skipped, skipped_at, rep);
        if (rep->n_pairs_skipped) /* as cli_load_report says it */
            fprintf(stderr, "ibid align: skipped %zu lines of %s (ids not in the corpus)\n",
                    rep->n_pairs_skipped, a->pairs_path);
        if (a->verbose) report_verbose(rep, cli_now() - t0);
    }
    ibid_mpi_report_free(rep);
    return EXIT_OK;
}
