/*
 * cmd_eval.c: ibid eval, which scores detections (the output of ibid align) against PAN ground
 * truth with the measures of Potthast et al., "An Evaluation Framework for Plagiarism
 * Detection" (COLING 2010): precision, recall, granularity and plagdet, per subset and overall.
 * The measures themselves live in src/eval.c; this file only parses flags and prints.
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: ibid eval --truth TRUTH.tsv [--pairs PAIRS.tsv] [OPTIONS] DETECTIONS.jsonl\n"
    "\n"
    "Score detections against annotated cases with the PAN text-alignment measures (Potthast\n"
    "et al., COLING 2010; PAN 2013): precision, recall, granularity and plagdet, for every\n"
    "subset of the pairs and overall.\n"
    "\n"
    "DETECTIONS.jsonl is what ibid align writes ('-' for standard input): one JSON object a\n"
    "line with id1, id2, begin1, end1, begin2, end2 (Unicode code points, end exclusive);\n"
    "other fields are ignored. A detection counts for the pair (susp_id, src_id) = (id1, id2)\n"
    "or (id2, id1), whichever the truth lists; when it lists both, it counts for both.\n"
    "\n"
    "Options:\n"
    "  -t, --truth FILE    the cases, a TSV file with a header naming at least the columns\n"
    "                      subset, susp_id, src_id, this_offset, this_length, source_offset,\n"
    "                      source_length (code points; this_* is the suspicious document)\n"
    "  -p, --pairs FILE    the document pairs evaluated, a TSV file with the columns subset,\n"
    "                      susp_id, src_id and optionally n_cases (checked against the truth).\n"
    "                      It lists the pairs without cases too, so that detections on them\n"
    "                      count as false positives. Without it, the pairs are those with cases.\n"
    "  -f, --format FMT    text (an aligned table, the default) or json (one JSON object a\n"
    "                      line per row: subset, n_pairs, n_cases, n_detections, n_detected,\n"
    "                      precision, recall, granularity, plagdet; the overall row also has\n"
    "                      n_added, n_unlisted, n_empty, n_duplicate)\n"
    "  -o, --output FILE   write the report there (written whole or not at all); default\n"
    "                      standard output\n"
    "  -h, --help          show this help\n"
    "\n"
    "Measures, as PAN's scripts compute them: precision is the mean over detections of the\n"
    "share of their characters (both documents together) inside cases they overlap; recall\n"
    "the mean over cases of the share detected; granularity the mean number of detections per\n"
    "detected case; plagdet = F1(precision, recall) / log2(1 + granularity). A subset with\n"
    "neither cases nor detections scores 1, one with only one of them 0. Detections on pairs\n"
    "not listed are ignored, empty ones too, and equal ones count once; all are counted in the\n"
    "report.\n"
    "\n"
    "Exit status: 0 ok, 1 error (a bad line is named as FILE:LINE), 2 usage.\n";

static const struct option long_opts[] = {
    {"truth", required_argument, NULL, 't'},  {"pairs", required_argument, NULL, 'p'},
    {"format", required_argument, NULL, 'f'}, {"output", required_argument, NULL, 'o'},
    {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
};

int ibid_cmd_eval(int argc, char **argv)
{
    const char *truth_path = NULL, *pairs_path = NULL, *output = NULL;
    int format = IBID_EVAL_TEXT, c;

    optind = 1;
    opterr = 0; /* say it once, in our words */
    while ((c = getopt_long(argc, argv, ":t:p:f:o:h", long_opts, NULL)) != -1) {
        switch (c) {
        case 't':
            truth_path = optarg;
            break;
        case 'p':
            pairs_path = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "text") == 0)
                format = IBID_EVAL_TEXT;
            else if (strcmp(optarg, "json") == 0 || strcmp(optarg, "jsonl") == 0)
                format = IBID_EVAL_JSONL;
            else
                return cli_usage("eval", "--format is text or json, not '%s'", optarg);
            break;
        case 'o':
            output = optarg;
            break;
        case 'h':
            fputs(help, stdout);
            return EXIT_OK;
        case ':':
            if (strncmp(argv[optind - 1], "--", 2) == 0)
                return cli_usage("eval", "option '%s' needs an argument", argv[optind - 1]);
            return cli_usage("eval", "option '-%c' needs an argument", optopt);
        default:
            if (strncmp(argv[optind - 1], "--", 2) == 0)
                return cli_usage("eval", "unknown option '%s'", argv[optind - 1]);
            return cli_usage("eval", "unknown option '-%c'", optopt);
        }
    }
    if (!truth_path) return cli_usage("eval", "--truth is required");
    if (optind >= argc) return cli_usage("eval", "no detections given (use '-' for stdin)");
    if (optind + 1 < argc) return cli_usage("eval", "one detections file, not %d", argc - optind);
    const char *dets_path = argv[optind];

    int rc = EXIT_ERR;
    ibid_error err = {0};
    ibid_truth *truth = NULL;
    ibid_detections *dets = NULL;
    ibid_eval_report *report = NULL;
    cli_output out = {0};

    if (ibid_truth_read(&truth, truth_path, pairs_path, &err) < 0) goto done;
    ibid_detections_new(&dets, truth);
    if (ibid_detections_read(dets, dets_path, &err) < 0) goto done;
    if (ibid_eval(&report, truth, dets, &err) < 0) goto done;
    if (cli_output_open(&out, output, &err) < 0) goto done;
    if (ibid_eval_report_write(out.fp, report, format, &err) < 0) {
        if (!err.source[0])
            snprintf(err.source, sizeof err.source, "%s", output ? output : "<stdout>");
        cli_output_abort(&out);
        goto done;
    }
    if (cli_output_commit(&out, &err) < 0) goto done;
    rc = EXIT_OK;
done:
    if (rc != EXIT_OK) cli_report("eval", &err);
    ibid_eval_report_free(report);
    ibid_detections_free(dets);
    ibid_truth_free(truth);
    return rc;
}
