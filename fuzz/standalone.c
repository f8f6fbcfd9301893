/*
 * standalone.c: replays fuzz inputs without libFuzzer, so that the committed corpus of every
 * target runs under ctest with gcc (libgit2's fuzzers/standalone_driver.c does the same).
 * Arguments: files or folders; every regular file in a folder is one input.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "standalone: cannot open %s\n", path);
        return 1;
    }
    size_t m = 1 << 16, n = 0;
    uint8_t *buf = malloc(m);
    size_t k;
    while (buf && (k = fread(buf + n, 1, m - n, fp)) > 0) {
        n += k;
        if (n == m) buf = realloc(buf, m *= 2);
    }
    fclose(fp);
    if (!buf) return 1;
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    int n_run = 0, rc = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "standalone: cannot stat %s\n", argv[i]);
            return 1;
        }
        if (!S_ISDIR(st.st_mode)) {
            rc |= run_file(argv[i]);
            n_run++;
            continue;
        }
        DIR *d = opendir(argv[i]);
        if (!d) return 1;
        char **names = NULL;
        size_t n = 0;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.') continue;
            names = realloc(names, (n + 1) * sizeof *names);
            names[n] = malloc(strlen(argv[i]) + strlen(e->d_name) + 2);
            sprintf(names[n++], "%s/%s", argv[i], e->d_name);
        }
        closedir(d);
        if (n) qsort(names, n, sizeof *names, by_name);
        for (size_t j = 0; j < n; j++) {
            rc |= run_file(names[j]);
            n_run++;
            free(names[j]);
        }
        free(names);
    }
    printf("standalone: ran %d inputs\n", n_run);
    return rc || n_run == 0;
}
