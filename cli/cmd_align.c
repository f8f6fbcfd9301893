/*
 * cmd_align.c: ibid align, the main job: read a corpus, align every shared passage, write them.
 */
#include "cli.h"

#include <assert.h>
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
    "      --html FILE       also write a self-contained HTML report of the stories: their\n"
    "                        list, a timeline each, two documents side by side (ibid report)\n"
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
    "Under mpirun (MPI builds; docs/mpi.md), the ranks share the work and rank 0 writes the\n"
    "same output as one process; -v adds each rank's memory and traffic. Supported there:\n"
    "--mode verbatim, no --html or standard input.\n"
    "\n"
    "Exit status: 0 on success, 1 on an error (the message names the file and line), 2 on a\n"
    "usage error. On error no output file is left behind.\n";

enum { OPT_HTML = 1000 };
static const struct option html_opt[] = {
    {"html", required_argument, NULL, OPT_HTML},
    {NULL, 0, NULL, 0},
};

static int on_html(void *ud, int opt, const char *arg)
{
    assert(opt == OPT_HTML);
    (void)opt;
    *(const char **)ud = arg;
    return -1;
}

int ibid_cmd_align(int argc, char **argv)
{
    cli_align_args a;
    cli_align_args_init(&a);
    const char *html = NULL;
    int rc = cli_align_parse(&a, "align", argc, argv, help, html_opt, NULL, on_html, &html);
    if (rc >= 0) return rc;
    if (a.db) return cli_usage("align", "--db is for stories, show and report; see ibid query");
    if (a.first_input >= argc) return cli_usage("align", "no input given");
    if (a.wo.format < 0) a.wo.format = IBID_FORMAT_JSONL;
    if (ibid_mpi_size() > 0) return cli_align_mpi(&a, argc, argv, html);

    ibid_error err = {0};
    ibid_corpus *corpus = NULL;
    ibid_result *res = NULL;
    ibid_stories *stories = NULL;
    cli_output out = {0}, page = {0};
    cli_progress prog;
    cli_progress_init(&prog, !a.quiet && isatty(2));
    if ((rc = cli_load(&a, "align", argc, argv, &prog, &corpus, &res)) != EXIT_OK) return rc;
    rc = EXIT_ERR;
    if (html) {
        if (ibid_stories_new(&stories, corpus, res, NULL, &err) < 0) goto done;
        if (cli_output_open(&page, html, &err) < 0) goto done;
        if (ibid_html_write(page.fp, stories, corpus, res, NULL, &err) < 0) {
            cli_output_abort(&page);
            goto done;
        }
    }
    if (cli_output_open(&out, a.output, &err) < 0) {
        cli_output_abort(&page);
        goto done;
    }
    if (ibid_result_write(out.fp, corpus, res, &a.wo, &err) < 0) {
        cli_output_abort(&out);
        cli_output_abort(&page);
        goto done;
    }
    /* the page first: when the passages fail to commit, no page is left either */
    if (html && cli_output_commit(&page, &err) < 0) {
        cli_output_abort(&out);
        goto done;
    }
    if (cli_output_commit(&out, &err) < 0) goto done;
    cli_progress_end(&prog);
    cli_load_report(&a, "align", corpus);
    if (a.verbose && !a.quiet) {
        double t = cli_now();
        fprintf(stderr,
                "ibid align: %zu documents, %.1f MB, %zu tokens; %zu shared n-grams, %zu "
                "boilerplate; %zu seeds; %zu candidate pairs; %zu related pairs; %zu passages\n"
                "ibid align: read %.2fs, align %.2fs, write %.2fs; %.1f MB/s end to end\n"
                "ibid align: stages: ",
                ibid_corpus_size(corpus), ibid_corpus_bytes(corpus) / 1e6, res->n_tokens,
                res->n_shared_ngrams, res->n_boilerplate, res->n_seeds, res->n_candidates,
                res->n_related, res->n_passages, a.t_read - prog.t0, a.t_align - a.t_read,
                t - a.t_align, ibid_corpus_bytes(corpus) / 1e6 / (t - prog.t0));
        cli_progress_stages(&prog, stderr);
        fputc('\n', stderr);
    }
    rc = EXIT_OK;
done:
    if (rc != EXIT_OK) {
        cli_progress_end(&prog);
        cli_report("align", &err);
    }
    ibid_stories_free(stories);
    ibid_result_free(res);
    ibid_corpus_free(corpus);
    return rc;
}
