/*
 * cli.h: the subcommands of the ibid tool and the helpers they share.
 *
 * The tool is a thin layer over include/ibid.h: it parses flags, chooses exit codes (0 ok,
 * 1 error, 2 usage), prints messages and progress, and writes output through a temporary file
 * that is renamed into place only on success.
 */
#ifndef IBID_CLI_H
#define IBID_CLI_H

#include "ibid.h"

#include <stdio.h>

enum { EXIT_OK = 0, EXIT_ERR = 1, EXIT_USAGE = 2 };

/* Subcommands: argv[0] is the subcommand's name. Each returns an exit code. */
int ibid_cmd_align(int argc, char **argv);
int ibid_cmd_eval(int argc, char **argv);
int ibid_cmd_add(int argc, char **argv);
int ibid_cmd_query(int argc, char **argv);
int ibid_cmd_dedup(int argc, char **argv);
int ibid_cmd_stories(int argc, char **argv);
int ibid_cmd_show(int argc, char **argv);
int ibid_cmd_report(int argc, char **argv);
int ibid_cmd_serve(int argc, char **argv);

/* "ibid CMD: SOURCE:LINE:COLUMN: MESSAGE" on stderr. */
void cli_report(const char *cmd, const ibid_error *e);
/* "ibid CMD: MESSAGE" on stderr; returns EXIT_USAGE for `return cli_usage(...)`. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parse a whole decimal number into [lo, hi]; 0 or -1. */
int cli_parse_long(const char *s, long lo, long hi, long *out);
/* The value of option --name, `arg`, a whole number in [lo, hi], into *out: 0, or else the usage
 * message "ibid CMD: --NAME wants a whole number from LO to HI, not 'ARG'" and EXIT_USAGE. */
int cli_num(const char *cmd, const char *name, const char *arg, long lo, long hi, long *out);
/* Parse a size with an optional K, M, G suffix (powers of 1024); 0 or -1. */
int cli_parse_size(const char *s, size_t *out);

/* Output that appears only when complete: an unnamed file in the directory of `path`, named
 * on commit (where the system cannot, a temporary file beside `path`, renamed on commit: tmp
 * is its name, NULL otherwise). With path NULL or "-", standard output. */
typedef struct cli_output {
    FILE *fp;
    char *path, *tmp;
} cli_output;
int cli_output_open(cli_output *o, const char *path, ibid_error *err);
int cli_output_commit(cli_output *o, ibid_error *err); /* flush, close, rename */
void cli_output_abort(cli_output *o);                  /* close and remove the temporary */

/* Progress on stderr when it is a terminal: pass as ibid_align_opts.progress. */
typedef struct cli_progress {
    int enabled;       /* draw the progress line */
    double t0, last;   /* start; last redraw */
    const char *stage; /* the stage reported last */
    double stage_t0;   /* when it began */
    int n_stages;      /* stages seen, with the seconds each took (for --verbose) */
    const char *stage_name[8];
    double stage_secs[8];
} cli_progress;
void cli_progress_init(cli_progress *p, int enabled);
void cli_progress_cb(void *ud, const ibid_progress *pr);
void cli_progress_end(cli_progress *p);
/* "tokenize 1.2s, index 3.4s, ..." for the stages seen so far. */
void cli_progress_stages(const cli_progress *p, FILE *fp);
double cli_now(void);

/* The options of ibid align, which every command built on an alignment accepts (load.c). */
typedef struct cli_align_args {
    ibid_align_opts ao;
    ibid_read_opts ro;
    ibid_write_opts wo;     /* format is -1 unless --format was given */
    const char *output;     /* -o, or NULL */
    const char *pairs_path; /* --pairs, or NULL */
    const char *db;         /* --db: take documents and passages from this store, or NULL */
    int quiet, verbose;
    int first_input;        /* argv index of the first INPUT */
    double t_read, t_align; /* when reading and aligning ended (cli_now) */
    size_t n_pairs_skipped; /* lines of --pairs skipped under --skip-bad */
} cli_align_args;
void cli_align_args_init(cli_align_args *a);
/* Parse align's options and the command's own `extra` ones (values >= 1000, short letters in
 * extra_shorts), handed to on_extra, which returns -1 to go on or an exit code. Returns -1 when
 * the command should run, else the exit code to return (--help, a usage error). */
struct option;
int cli_align_parse(cli_align_args *a, const char *cmd, int argc, char **argv, const char *help,
                    const struct option *extra, const char *extra_shorts,
                    int (*on_extra)(void *ud, int opt, const char *arg), void *ud);
/* The corpus and its passages: read the INPUTs argv[first_input..], align them. Reports errors
 * as `cmd` and returns EXIT_OK or EXIT_ERR (then *corpus and *res are NULL). */
int cli_load(cli_align_args *a, const char *cmd, int argc, char **argv, cli_progress *prog,
             ibid_corpus **corpus, ibid_result **res);
/* "ibid CMD: skipped N WHAT:", the count of each kind of error, and the first ten errors (get(obj,
 * i) is the i-th), on stderr; nothing when n is 0. */
void cli_report_skipped(const char *cmd, const char *what, size_t n,
                        const ibid_error *(*get)(const void *, size_t), const void *obj);
/* What was skipped under --skip-bad, on stderr unless --quiet. */
void cli_load_report(const cli_align_args *a, const char *cmd, const ibid_corpus *corpus);

/* ibid align under mpirun (mpi.c): every rank calls it after parsing; rank 0 writes the output
 * and the messages. Returns the exit code, the same on every rank. */
int cli_align_mpi(cli_align_args *a, int argc, char **argv, const char *html);
/* Each rank's figures (documents, traffic, peak memory) as a table on stderr, for -v. */
void cli_mpi_report(const char *cmd, const ibid_mpi_report *r);
/* Under mpirun, rank 0: remove the temporary output `tmp` when mpirun ends the job (a rank
 * died) or rank 0 aborts; NULL: no longer (the default handlers again). */
void cli_mpi_guard(const char *tmp);

#endif
