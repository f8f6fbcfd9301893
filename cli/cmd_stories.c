/*
 * cmd_stories.c: ibid stories, ibid show and ibid report: the stories of a corpus, one document
 * with its reused spans marked by source, and the HTML report. Each takes its corpus and
 * passages from cli_load (today: INPUTs aligned with ibid align's options).
 */
#include "cli.h"

#include <assert.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ALIGN_OPTIONS                                                                             \
    "\n"                                                                                          \
    "Reading and matching: every option of ibid align (--mode, --min-words, --threads,\n"         \
    "--skip-bad, ...; see ibid align --help). With --db FILE instead of INPUTs, the documents\n"  \
    "and passages of that store (ibid add), as they were aligned when added.\n"                   \
    "\n"                                                                                          \
    "Stories:\n"                                                                                  \
    "      --link-overlap X  two spans of one document link their passages when they overlap\n"   \
    "                        by this share of the longer one [0.5]\n"                             \
    "      --merge-share X   a contained span (a quote, a flash grown into a story) merges two\n" \
    "                        stories sharing this share of the smaller one's documents, and at\n" \
    "                        least two [0.5]\n"                                                   \
    "      --boilerplate-docs N  a span shared with more than N documents by passages looser\n"   \
    "                        than --copy-identity is boilerplate: flagged, in no story [20]\n"    \
    "      --copy-identity X passages at least this identical are copies, never boilerplate\n"    \
    "                        [0.9]\n"                                                             \
    "      --rare-df N       a verbatim passage whose two sides share fewer than two words\n"     \
    "                        (one, for a copy) found in at most N + k documents, k those\n"       \
    "                        sharing its text (outside copies, 1-3 digit figures alone\n"         \
    "                        count if three), is a template (a form filled with other names\n"    \
    "                        and figures): boilerplate [0: documents / 1000, at least 2]\n"       \
    "      --join-cover X    a contained span joins two stories only when the documents\n"        \
    "                        only one of them has are at least this share its text [0.25]\n"      \
    "\n"                                                                                          \
    "Witnesses are ordered by the \"date\" field of the documents (ISO 8601), then by id;\n"      \
    "undated documents come after dated ones, by id. The earliest witness of a passage is its\n"  \
    "probable source.\n"                                                                          \
    "\n"                                                                                          \
    "Exit status: 0 on success, 1 on an error (the message names the file and line), 2 on a\n"    \
    "usage error. On error no output file is left behind.\n"

static const char stories_help[] =
    "usage: ibid stories [OPTIONS] INPUT...\n"
    "\n"
    "Align the corpus (as ibid align does), group the passages into stories, each one text\n"
    "reused by several documents, and list them: number, documents, passages, first and last\n"
    "date, first witness, its title. Stories come largest first.\n"
    "\n"
    "  -o, --output FILE     write to FILE (complete or not at all) instead of standard output\n"
    "      --format FMT      text (default), jsonl (with every witness and the shares of its\n"
    "                        text reused and own), or tsv\n"
    "      --save            with --db: also save the stories in the store (its tables\n"
    "                        stories and story_docs, replacing those saved before;\n"
    "                        docs/store.md), for sqlite3 and later readers\n"
    "      --update          with --db: bring the saved stories up to date, recomputing\n"
    "                        only those the documents added since the last save can\n"
    "                        change (the same tables as --save; the first time, or with\n"
    "                        other story options, all of them); lists nothing, prints\n"
    "                        what it did unless -q\n" ALIGN_OPTIONS;

static const char show_help[] =
    "usage: ibid show [OPTIONS] --id ID INPUT...\n"
    "\n"
    "Align the corpus (as ibid align does) and print document ID with the spans it shares with\n"
    "earlier witnesses marked by their probable source: [1> ... <1] (or in colour), sources\n"
    "listed first, then the later witnesses that share its text.\n"
    "\n"
    "      --id ID           the document to show (required)\n"
    "      --color WHEN      auto (default: colour when standard output is a terminal and\n"
    "                        NO_COLOR is unset), always, or never\n"
    "  -o, --output FILE     write to FILE instead of standard output\n" ALIGN_OPTIONS;

static const char report_help[] =
    "usage: ibid report [OPTIONS] -o report.html INPUT...\n"
    "\n"
    "Align the corpus (as ibid align does) and write one self-contained HTML file (no network;\n"
    "it opens from disk): the stories, a timeline per story, and any two documents that share\n"
    "passages side by side, the passages highlighted and linked. ibid align --html FILE writes\n"
    "the same page beside its passages.\n"
    "\n"
    "  -o, --output FILE     the HTML file (required)\n"
    "      --title TEXT      the page's title [ibid report]\n" ALIGN_OPTIONS;

enum {
    OPT_LINK_OVERLAP = 1000,
    OPT_MERGE_SHARE,
    OPT_BOILERPLATE_DOCS,
    OPT_COPY_IDENTITY,
    OPT_RARE_DF,
    OPT_JOIN_COVER,
    OPT_ID,
    OPT_COLOR,
    OPT_TITLE,
    OPT_SAVE,
    OPT_UPDATE,
};

static const struct option story_opts[] = {
    {"link-overlap", required_argument, NULL, OPT_LINK_OVERLAP},
    {"merge-share", required_argument, NULL, OPT_MERGE_SHARE},
    {"boilerplate-docs", required_argument, NULL, OPT_BOILERPLATE_DOCS},
    {"copy-identity", required_argument, NULL, OPT_COPY_IDENTITY},
    {"rare-df", required_argument, NULL, OPT_RARE_DF},
    {"join-cover", required_argument, NULL, OPT_JOIN_COVER},
    {"id", required_argument, NULL, OPT_ID},
    {"color", required_argument, NULL, OPT_COLOR},
    {"colour", required_argument, NULL, OPT_COLOR},
    {"title", required_argument, NULL, OPT_TITLE},
    {"save", no_argument, NULL, OPT_SAVE},
    {"update", no_argument, NULL, OPT_UPDATE},
    {NULL, 0, NULL, 0},
};

/* The options of the three commands; each accepts only its own (see `cmd`). */
typedef struct {
    const char *cmd;
    ibid_stories_opts so;
    const char *id;    /* show */
    int color;         /* show: -1 auto, 0 never, 1 always */
    const char *title; /* report */
    int save;          /* stories --db --save */
    int update;        /* stories --db --update */
} story_args;

static int fraction(const char *cmd, const char *name, const char *arg, double lo_open, double *out)
{
    char *end;
    double v = strtod(arg, &end);
    if (end == arg || *end || !(v >= 0 && v <= 1) || (lo_open > 0 && v == 0))
        return cli_usage(cmd, "--%s wants a number %s to 1, not '%s'", name,
                         lo_open > 0 ? "above 0 up" : "from 0", arg);
    *out = v;
    return -1;
}

static int on_story_opt(void *ud, int opt, const char *arg)
{
    story_args *s = ud;
    long v;
    switch (opt) {
    case OPT_LINK_OVERLAP:
        return fraction(s->cmd, "link-overlap", arg, 1, &s->so.link_overlap);
    case OPT_MERGE_SHARE:
        return fraction(s->cmd, "merge-share", arg, 0, &s->so.merge_share);
    case OPT_COPY_IDENTITY:
        return fraction(s->cmd, "copy-identity", arg, 0, &s->so.copy_identity);
    case OPT_JOIN_COVER:
        return fraction(s->cmd, "join-cover", arg, 0, &s->so.join_cover);
    case OPT_RARE_DF:
        if (cli_parse_long(arg, 0, 1L << 30, &v) < 0)
            return cli_usage(s->cmd, "--rare-df wants a whole number from 0, not '%s'", arg);
        s->so.rare_df = (int)v;
        return -1;
    case OPT_BOILERPLATE_DOCS:
        if (cli_parse_long(arg, 1, 1L << 30, &v) < 0)
            return cli_usage(s->cmd, "--boilerplate-docs wants a whole number from 1, not '%s'",
                             arg);
        s->so.boilerplate_docs = (int)v;
        return -1;
    case OPT_ID:
        if (strcmp(s->cmd, "show") != 0) return cli_usage(s->cmd, "--id is for ibid show");
        s->id = arg;
        return -1;
    case OPT_COLOR:
        if (strcmp(s->cmd, "show") != 0) return cli_usage(s->cmd, "--color is for ibid show");
        if (strcmp(arg, "auto") == 0)
            s->color = -1;
        else if (strcmp(arg, "always") == 0)
            s->color = 1;
        else if (strcmp(arg, "never") == 0)
            s->color = 0;
        else
            return cli_usage(s->cmd, "--color wants auto, always or never, not '%s'", arg);
        return -1;
    case OPT_TITLE:
        if (strcmp(s->cmd, "report") != 0) return cli_usage(s->cmd, "--title is for ibid report");
        s->title = arg;
        return -1;
    case OPT_SAVE:
        if (strcmp(s->cmd, "stories") != 0) return cli_usage(s->cmd, "--save is for ibid stories");
        s->save = 1;
        return -1;
    case OPT_UPDATE:
        if (strcmp(s->cmd, "stories") != 0)
            return cli_usage(s->cmd, "--update is for ibid stories");
        s->update = 1;
        return -1;
    default:
        break;
    }
    assert(!"an option without a case");
    return cli_usage(s->cmd, "unknown option");
}

/* Parse, load, group into stories; the command writes what it writes to `out`. */
static int run(const char *cmd, const char *help, int argc, char **argv,
               int (*write)(FILE *fp, const story_args *sa, const cli_align_args *a,
                            const ibid_stories *s, const ibid_corpus *c, const ibid_result *r,
                            ibid_error *err))
{
    cli_align_args a;
    cli_align_args_init(&a);
    story_args sa;
    memset(&sa, 0, sizeof sa);
    sa.cmd = cmd;
    sa.color = -1;
    ibid_stories_opts_init(&sa.so);
    int rc = cli_align_parse(&a, cmd, argc, argv, help, story_opts, NULL, on_story_opt, &sa);
    if (rc >= 0) return rc;
    if (a.first_input >= argc && !a.db) return cli_usage(cmd, "no input given (INPUT... or --db)");
    if (a.first_input < argc && a.db) return cli_usage(cmd, "give INPUTs or --db, not both");
    if (sa.save && !a.db) return cli_usage(cmd, "--save needs --db (the store to save them in)");
    if (sa.update && !a.db) return cli_usage(cmd, "--update needs --db (the store to update)");
    if (sa.update && sa.save) return cli_usage(cmd, "give --save or --update, not both");
    if (sa.update && (a.output || a.wo.format >= 0))
        return cli_usage(cmd, "--update lists nothing: no -o or --format");
    if (strcmp(cmd, "show") == 0 && !sa.id) return cli_usage(cmd, "--id ID is required");
    if (strcmp(cmd, "report") == 0 && !a.output)
        return cli_usage(cmd, "-o FILE is required (the HTML page)");
    if (strcmp(cmd, "stories") != 0 && a.wo.format >= 0)
        return cli_usage(cmd, "--format is for ibid align and ibid stories");
    if (a.wo.format < 0) a.wo.format = IBID_FORMAT_TEXT;
    if (sa.color < 0) {
        const char *nc = getenv("NO_COLOR");
        sa.color = (!a.output || strcmp(a.output, "-") == 0) && isatty(1) && !(nc && *nc);
    }

    ibid_error err = {0};
    ibid_corpus *corpus = NULL;
    ibid_result *res = NULL;
    ibid_stories *stories = NULL;
    cli_output out = {0};
    cli_progress prog;
    cli_progress_init(&prog, !a.quiet && isatty(2));
    if (sa.update) {
        ibid_store *db = NULL;
        ibid_store_stories_report rep;
        int st = ibid_store_open(&db, a.db, IBID_STORE_WRITE, NULL, &err);
        if (st == 0) st = ibid_store_update_stories(db, &sa.so, &rep, &err);
        ibid_store_close(db);
        if (st < 0) {
            cli_report(cmd, &err);
            return EXIT_ERR;
        }
        if (!a.quiet)
            fprintf(stderr,
                    "ibid stories: %s: %zu new documents, %zu new passages, %zu older "
                    "passages the template rule may change, %zu seeds; %zu passages of %zu "
                    "documents recomputed, %zu stories written; %zu stories saved\n",
                    rep.full ? "full save" : "updated", rep.n_new_docs, rep.n_new_passages,
                    rep.n_template_seeds, rep.n_seeds, rep.n_passages, rep.n_docs, rep.n_written,
                    rep.n_stories);
        return EXIT_OK;
    }
    if (sa.save) {
        ibid_store *db = NULL;
        rc = EXIT_ERR;
        int st = ibid_store_open(&db, a.db, IBID_STORE_WRITE, NULL, &err);
        if (st == 0) st = ibid_store_save_stories(db, &sa.so, &corpus, &res, &stories, &err);
        ibid_store_close(db);
        if (st < 0) goto done;
    } else {
        if ((rc = cli_load(&a, cmd, argc, argv, &prog, &corpus, &res)) != EXIT_OK) return rc;
        rc = EXIT_ERR;
        if (ibid_stories_new(&stories, corpus, res, &sa.so, &err) < 0) goto done;
    }
    if (cli_output_open(&out, a.output, &err) < 0) goto done;
    if (write(out.fp, &sa, &a, stories, corpus, res, &err) < 0) {
        cli_output_abort(&out);
        goto done;
    }
    if (cli_output_commit(&out, &err) < 0) goto done;
    cli_progress_end(&prog);
    cli_load_report(&a, cmd, corpus);
    rc = EXIT_OK;
done:
    if (rc != EXIT_OK) {
        cli_progress_end(&prog);
        cli_report(cmd, &err);
    }
    ibid_stories_free(stories);
    ibid_result_free(res);
    ibid_corpus_free(corpus);
    return rc;
}

static int write_stories(FILE *fp, const story_args *sa, const cli_align_args *a,
                         const ibid_stories *s, const ibid_corpus *c, const ibid_result *r,
                         ibid_error *err)
{
    (void)sa;
    return ibid_stories_write(fp, s, c, r, a->wo.format, err);
}

static int write_show(FILE *fp, const story_args *sa, const cli_align_args *a,
                      const ibid_stories *s, const ibid_corpus *c, const ibid_result *r,
                      ibid_error *err)
{
    (void)a;
    long d = ibid_corpus_find(c, sa->id);
    if (d < 0) {
        err->code = IBID_ENOTFOUND;
        err->source[0] = 0;
        err->line = err->column = 0;
        snprintf(err->message, sizeof err->message, "no document with id '%s'", sa->id);
        return IBID_ENOTFOUND;
    }
    ibid_show_opts so = {sa->color};
    return ibid_show_write(fp, s, c, r, (size_t)d, &so, err);
}

static int write_report(FILE *fp, const story_args *sa, const cli_align_args *a,
                        const ibid_stories *s, const ibid_corpus *c, const ibid_result *r,
                        ibid_error *err)
{
    (void)a;
    return ibid_html_write(fp, s, c, r, sa->title, err);
}

int ibid_cmd_stories(int argc, char **argv)
{
    return run("stories", stories_help, argc, argv, write_stories);
}

int ibid_cmd_show(int argc, char **argv)
{
    return run("show", show_help, argc, argv, write_show);
}

int ibid_cmd_report(int argc, char **argv)
{
    return run("report", report_help, argc, argv, write_report);
}
