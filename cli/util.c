/*
 * util.c: what every subcommand needs: messages, number parsing, atomic output, progress.
 */
#define _GNU_SOURCE /* O_TMPFILE */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Under mpirun every rank runs the same command and meets the same errors: rank 0 alone
 * prints them (ibid_mpi_rank is 0 outside a job). */
void cli_report(const char *cmd, const ibid_error *e)
{
    if (ibid_mpi_rank() != 0) return;
    fprintf(stderr, "ibid %s: ", cmd);
    if (e->source[0]) {
        fprintf(stderr, "%s:", e->source);
        if (e->line > 0) fprintf(stderr, "%ld:", e->line);
        if (e->line > 0 && e->column > 0) fprintf(stderr, "%ld:", e->column);
        fputc(' ', stderr);
    }
    fprintf(stderr, "%s\n", e->message[0] ? e->message : ibid_strerror(e->code));
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    if (ibid_mpi_rank() != 0) return EXIT_USAGE;
    fprintf(stderr, "ibid %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'ibid %s --help'.\n", cmd);
    return EXIT_USAGE;
}

int cli_parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

int cli_num(const char *cmd, const char *name, const char *arg, long lo, long hi, long *out)
{
    if (cli_parse_long(arg, lo, hi, out) == 0) return 0;
    return cli_usage(cmd, "--%s wants a whole number from %ld to %ld, not '%s'", name, lo, hi, arg);
}

int cli_parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || s[0] == '-') return -1;
    int shift = 0;
    if (*end == 'K' || *end == 'k')
        shift = 10, end++;
    else if (*end == 'M' || *end == 'm')
        shift = 20, end++;
    else if (*end == 'G' || *end == 'g')
        shift = 30, end++;
    if (*end || v > (SIZE_MAX >> shift)) return -1;
    *out = (size_t)(v << shift);
    return 0;
}

/* An unnamed file in the directory of `path` (Linux's O_TMPFILE), given a name only at the
 * commit, through /proc/self/fd: a process killed at any moment, even by SIGKILL, leaves
 * nothing behind. -1 where the file system or the kernel cannot (the caller then names its
 * temporary file at once). */
static int open_unnamed(const char *path)
{
#ifdef O_TMPFILE
    if (access("/proc/self/fd", X_OK) != 0) return -1;
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : strdup(".");
    if (!dir) abort();
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0666); /* read back if it cannot be linked */
    free(dir);
    return fd;
#else
    (void)path;
    return -1;
#endif
}

static int output_error(ibid_error *err, const char *path, const char *what)
{
    err->code = IBID_EIO;
    snprintf(err->source, sizeof err->source, "%s", path ? path : "<stdout>");
    err->line = err->column = 0;
    snprintf(err->message, sizeof err->message, "%s: %s", what, strerror(errno));
    return IBID_EIO;
}

int cli_output_open(cli_output *o, const char *path, ibid_error *err)
{
    memset(o, 0, sizeof *o);
    if (!path || strcmp(path, "-") == 0) {
        o->fp = stdout;
        return 0;
    }
    size_t n = strlen(path);
    o->path = strdup(path);
    if (!o->path) abort();
    int fd = open_unnamed(path);
    if (fd < 0) { /* a named temporary file: what a SIGKILL can leave behind */
        o->tmp = malloc(n + 16);
        if (!o->tmp) abort();
        snprintf(o->tmp, n + 16, "%s.tmp.XXXXXX", path);
        fd = mkstemp(o->tmp);
    }
    if (fd < 0 || !(o->fp = fdopen(fd, "w"))) {
        output_error(err, path, "cannot write");
        if (fd >= 0) close(fd);
        if (fd >= 0 && o->tmp) unlink(o->tmp);
        free(o->path), free(o->tmp);
        o->path = o->tmp = NULL;
        return IBID_EIO;
    }
    return 0;
}

/* Copy the unnamed file `fd` into a new temporary file beside `path`, whose name is left in
 * tmp (room for strlen(path) + 48). */
static int copy_unnamed(int fd, const char *path, char *tmp)
{
    struct stat st;
    snprintf(tmp, strlen(path) + 48, "%s.tmp.XXXXXX", path);
    int out = fstat(fd, &st) == 0 ? mkstemp(tmp) : -1;
    if (out < 0) return -1;
    off_t off = 0;
    while (off < st.st_size && sendfile(out, fd, &off, (size_t)(st.st_size - off)) > 0) {
    }
    int rc = off == st.st_size && fchmod(out, st.st_mode & 07777) == 0 ? 0 : -1, e = errno;
    if (close(out) != 0) rc = -1, e = errno;
    if (rc < 0) unlink(tmp);
    errno = e;
    return rc;
}

/* Give the unnamed file of `o` the name o->path: linked under a fresh temporary name (through
 * /proc/self/fd, which needs no privilege), then renamed over the path, as a link cannot replace
 * a file. Where the link is refused, its data is copied into a named temporary file instead
 * (IBID_TEST_NO_LINK=1 makes the tests take that way). */
static int name_unnamed(cli_output *o)
{
    char proc[64], *tmp = malloc(strlen(o->path) + 48);
    if (!tmp) abort();
    int fd = fileno(o->fp), rc = -1, may_link = getenv("IBID_TEST_NO_LINK") == NULL;
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    for (unsigned k = 0; k < 100 && rc < 0 && may_link; k++) {
        snprintf(tmp, strlen(o->path) + 48, "%s.tmp.%ld.%u", o->path, (long)getpid(), k);
        rc = linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW);
        if (rc < 0 && errno != EEXIST) break;
    }
    if (rc < 0) rc = copy_unnamed(fd, o->path, tmp);
    if (rc == 0 && rename(tmp, o->path) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        rc = -1;
    }
    free(tmp);
    return rc;
}

int cli_output_commit(cli_output *o, ibid_error *err)
{
    int rc = 0;
    if (o->fp == stdout) {
        if (fflush(stdout) != 0 || ferror(stdout)) rc = output_error(err, NULL, "write failed");
    } else if (!o->tmp) {
        if (fflush(o->fp) != 0 || ferror(o->fp) || name_unnamed(o) != 0)
            rc = output_error(err, o->path, "write failed");
        if (fclose(o->fp) != 0 && rc == 0) rc = output_error(err, o->path, "write failed");
        o->fp = NULL;
    } else {
        int bad = ferror(o->fp) != 0;
        bad |= fclose(o->fp) != 0;
        o->fp = NULL;
        if (bad || rename(o->tmp, o->path) != 0) {
            rc = output_error(err, o->path, "write failed");
            unlink(o->tmp);
        }
    }
    free(o->path), free(o->tmp);
    o->path = o->tmp = NULL;
    return rc;
}

void cli_output_abort(cli_output *o)
{
    if (o->fp && o->fp != stdout) {
        fclose(o->fp); /* an unnamed file goes with its last descriptor */
        if (o->tmp) unlink(o->tmp);
    }
    o->fp = NULL;
    free(o->path), free(o->tmp);
    o->path = o->tmp = NULL;
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void cli_progress_init(cli_progress *p, int enabled)
{
    memset(p, 0, sizeof *p);
    p->enabled = enabled;
    p->t0 = p->last = p->stage_t0 = cli_now();
}

void cli_progress_cb(void *ud, const ibid_progress *pr)
{
    cli_progress *p = ud;
    double t = cli_now();
    if (!p->stage || strcmp(p->stage, pr->stage) != 0) {
        if (p->stage && p->n_stages < 8) {
            p->stage_name[p->n_stages] = p->stage;
            p->stage_secs[p->n_stages++] = t - p->stage_t0;
        }
        p->stage = pr->stage;
        p->stage_t0 = t;
    }
    if (!p->enabled) return;
    if (t - p->last < 0.2 && pr->done < pr->total) return;
    p->last = t;
    double el = t - p->stage_t0, rate = el > 0 ? pr->done / el : 0;
    double eta = rate > 0 && pr->total > pr->done ? (pr->total - pr->done) / rate : 0;
    fprintf(stderr, "\r\033[K%-10s %zu/%zu  %.0f/s  ETA %.0fs  (%.1fs)", pr->stage, pr->done,
            pr->total, rate, eta, t - p->t0);
    fflush(stderr);
}

void cli_progress_stages(const cli_progress *p, FILE *fp)
{
    for (int i = 0; i < p->n_stages; i++)
        fprintf(fp, "%s%s %.2fs", i ? ", " : "", p->stage_name[i], p->stage_secs[i]);
}

void cli_progress_end(cli_progress *p)
{
    if (p->enabled) fprintf(stderr, "\r\033[K");
}
