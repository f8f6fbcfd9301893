/*
 * test_files.h: scratch folders for the unit tests that write files. Include after cmocka.h
 * and <ftw.h> (with _XOPEN_SOURCE 700).
 */
#ifndef IBID_TEST_FILES_H
#define IBID_TEST_FILES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* Remove folder dir and everything below it: 0, or -1 when something could not go. */
static inline int remove_tree(const char *dir)
{
    return nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A new empty folder /tmp/ibid_test_<tag>_XXXXXX; the caller frees the name. */
static inline char *make_tmpdir(const char *tag)
{
    char tmpl[256];
    snprintf(tmpl, sizeof tmpl, "/tmp/ibid_test_%s_XXXXXX", tag);
    assert_non_null(mkdtemp(tmpl));
    return strdup(tmpl);
}

/* Remove a folder made by make_tmpdir and free its name. */
static inline void rm_tree(char *dir)
{
    assert_int_equal(remove_tree(dir), 0);
    free(dir);
}

/* dir/name, which the caller frees. */
static inline char *join(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    assert_non_null(p);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

#endif /* IBID_TEST_FILES_H */
