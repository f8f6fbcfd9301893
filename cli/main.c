/*
 * main.c: the ibid command: dispatch to a subcommand.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"align", ibid_cmd_align, "find and align every passage two documents share"},
    {"eval", ibid_cmd_eval, "score detections against PAN ground truth (plagdet)"},
    {"add", ibid_cmd_add, "add documents to a store, aligning them against it"},
    {"query", ibid_cmd_query, "which stored documents a text reuses"},
    {"dedup", ibid_cmd_dedup, "remove exact and near-duplicate documents, in clusters"},
    {"stories", ibid_cmd_stories, "group shared passages into stories, first witness first"},
    {"show", ibid_cmd_show, "print a document with its reused spans marked by source"},
    {"report", ibid_cmd_report, "write the stories as one self-contained HTML page"},
    {"serve", ibid_cmd_serve, "a web page and a JSON API over a store"},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *fp)
{
    fprintf(fp, "usage: ibid COMMAND [OPTIONS] [ARGS]\n\n"
                "ibid finds where text came from: the passages that documents share, aligned to\n"
                "exact offsets.\n\ncommands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(fp, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(fp, "  %-8s %s\n", "help", "show a command's help: ibid help align");
    fprintf(fp, "\noptions: --version, --help\n");
}

/* Started by mpirun (Open MPI, or a PMIx or PMI launcher)? Then the process joins the job. */
static int under_mpirun(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_RANK");
}

static int run(int argc, char **argv);

int main(int argc, char **argv)
{
    if (!under_mpirun()) return run(argc, argv);
    ibid_error err = {0};
    if (ibid_mpi_init(&argc, &argv, &err) < 0) {
        fprintf(stderr, "ibid: started by mpirun, but: %s\n", err.message);
        return EXIT_ERR;
    }
    /* every rank runs the command; rank 0 alone writes standard output (--help, --version) */
    if (ibid_mpi_rank() != 0) {
        if (!freopen("/dev/null", "w", stdout)) return EXIT_ERR;
        opterr = 0; /* and getopt's own messages */
    }
    int rc = run(argc, argv);
    ibid_mpi_finalize();
    return rc;
}

static int run(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        const char *mpi = ibid_mpi_library();
        if (mpi) /* "Open MPI v4.1.4, package: ...": up to the first comma */
            printf("ibid %s (MPI: yes, %.*s)\n", ibid_version(), (int)strcspn(mpi, ","), mpi);
        else
            printf("ibid %s (MPI: no)\n", ibid_version());
        return EXIT_OK;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "help") == 0) {
        if (argc < 3) {
            usage(stdout);
            return EXIT_OK;
        }
        for (size_t i = 0; i < N_COMMANDS; i++) {
            if (strcmp(argv[2], commands[i].name) == 0) {
                char *args[] = {argv[2], "--help", NULL};
                return commands[i].run(2, args);
            }
        }
        fprintf(stderr, "ibid: no command '%s'\n", argv[2]);
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (strcmp(cmd, commands[i].name) != 0) continue;
        /* under mpirun with several ranks, each would run the whole command: only align
         * and dedup divide the work (docs/mpi.md) */
        if (ibid_mpi_size() > 1 && strcmp(cmd, "align") != 0 && strcmp(cmd, "dedup") != 0) {
            if (ibid_mpi_rank() == 0)
                fprintf(stderr,
                        "ibid %s: does not run on several MPI ranks; run it without "
                        "mpirun (only align is distributed, see docs/mpi.md)\n",
                        cmd);
            return EXIT_ERR;
        }
        return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "ibid: no command '%s'\n", cmd);
    usage(stderr);
    return EXIT_USAGE;
}
