/*
 * test_dict.c: FreeDict dictionaries (dict.c): a small hand-made dictionary written to a temp
 * folder (senses, pronunciations, labels, notes, examples, inversion, the Arabic article,
 * unknown words), every load error with its file and line, the entry parser alone, and the
 * real dictionaries in /usr/share/dictd when they are installed.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "dict.h"
#include "terms.h"
#include "test_dictd.h"
#include "test_files.h"

/* ---- helpers ---- */

static int setup(void **state)
{
    char tmpl[] = "/tmp/ibid_test_dict_XXXXXX";
    if (!mkdtemp(tmpl)) return -1;
    *state = strdup(tmpl);
    return 0;
}

static int teardown(void **state)
{
    char *dir = *state;
    int rc = remove_tree(dir);
    free(dir);
    return rc;
}

static char *path_of(const char *dir, const char *pair, const char *ext)
{
    char *p = malloc(strlen(dir) + strlen(pair) + 32);
    sprintf(p, "%s/freedict-%s%s", dir, pair, ext);
    return p;
}

/* Write freedict-<pair>.{index,dict.dz}: entries[0, n) as an index (headword = the entry's
 * first word, lowercased like dictd's) and the gzip-compressed entries. */
static void write_dict(const char *dir, const char *pair, const char *const *entries, size_t n)
{
    char *ip = path_of(dir, pair, ".index"), *dp = path_of(dir, pair, ".dict.dz");
    FILE *fp = fopen(ip, "wb");
    gzFile gz = gzopen(dp, "wb");
    assert_non_null(fp);
    assert_non_null(gz);
    fprintf(fp, "00databaseinfo\tA\tB\n"); /* metadata lines are skipped */
    uint64_t off = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(entries[i]), k = strcspn(entries[i], " \n");
        char o[16], l[16];
        b64(off, o);
        b64(len, l);
        fprintf(fp, "%.*s\t%s\t%s\n", (int)k, entries[i], o, l);
        assert_int_equal(gzwrite(gz, entries[i], (unsigned)len), (int)len);
        off += len;
    }
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(gzclose(gz), Z_OK);
    free(ip);
    free(dp);
}

static void write_file(const char *path, const char *data, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
}

static ibid_dict *load(const char *dir, const char *from, const char *to)
{
    ibid_dict *d = NULL;
    ibid_error e;
    memset(&e, 0, sizeof e);
    int rc = ibid_dict_load(&d, dir, from, to, &e);
    if (rc) fail_msg("%s:%ld: %s", e.source, e.line, e.message);
    assert_non_null(d);
    return d;
}

/* The translations of `word` must be exactly want[] (NULL-terminated), in that order. */
static void expect(const ibid_dict *d, const char *word, const char *const *want)
{
    const char *const *got = (const char *const *)&got;
    size_t n = ibid_dict_lookup(d, word, strlen(word), &got), n_want = 0;
    while (want[n_want]) n_want++;
    if (n != n_want) {
        fprintf(stderr, "%s:", word);
        for (size_t i = 0; i < n; i++) fprintf(stderr, " [%s]", got[i]);
        fail_msg("%s: %zu translations, expected %zu", word, n, n_want);
    }
    for (size_t i = 0; i < n; i++) assert_string_equal(got[i], want[i]);
    if (n == 0) assert_null(got);
}

static int has(const ibid_dict *d, const char *word, const char *translation)
{
    const char *const *got;
    size_t n = ibid_dict_lookup(d, word, strlen(word), &got);
    for (size_t i = 0; i < n; i++)
        if (strcmp(got[i], translation) == 0) return 1;
    return 0;
}

static void expect_error(const char *dir, const char *from, const char *to, int code,
                         const char *source, long line, const char *part)
{
    ibid_dict *d = (ibid_dict *)&d;
    ibid_error e;
    memset(&e, 0, sizeof e);
    int rc = ibid_dict_load(&d, dir, from, to, &e);
    if (rc != code) fail_msg("rc %d (%s), expected %d", rc, e.message, code);
    assert_null(d);
    assert_int_equal(e.code, code);
    assert_string_equal(e.source, source);
    assert_int_equal(e.line, line);
    if (!strstr(e.message, part)) fail_msg("message \"%s\" lacks \"%s\"", e.message, part);
}

/* ---- a hand-made German-English pair ---- */

static const char *const deu_eng[] = {
    "Haus /hˈaʊs/ <neut, n, sg>\n"
    " [adm.] establishment <n>, institution <n>\n"
    "   Synonyms: {Einrichtung}, {Institution}\n"
    "\n"
    " see: {Häuser}\n",
    "Haus /hˈaʊs/ <neut, n, sg>\n"
    "house <n>\n"
    "      \"ein Haus bauen\"  - build a house\n"
    "         Note: building\n",
    "Straße /ʃtɾˈaːsə/ <fem, n, sg>\n"
    "street <n>, road <n> [Br.]\n",
    "gehen /ɡˈeːən/ <v>\n"
    "1. go, walk (on foot)\n"
    "2. leave\n",
    "anfangen /ˈanfaŋən/ <v>\n"
    "von vorn(e) beginnen/anfangen, start sth. <v, trans> [übtr.]\n",
    "… ab /ˈap/\n"
    "exit … <sg>\n",
    "Die Suppe war köstlich. / Die Suppe schmeckte. /diː zˈʊpə/\n"
    "The soup was delicious.\n",
    "Satz /zˈats/ <masc, n, sg>\n"
    "one two three four five six seven eight nine, sentence\n",
};

static const char *const eng_deu[] = {
    "house /hˈaʊs/\n"
    "Haus <neut>, Gebäude <neut>\n",
    "home /hˈəʊm/\n"
    "Heim <neut>, Haus <neut> [ugs.]\n",
    "go /ɡˈəʊ/ <v>\n"
    "gehen <v>\n",
};

static void test_direct(void **state)
{
    const char *dir = *state;
    write_dict(dir, "deu-eng", deu_eng, sizeof deu_eng / sizeof *deu_eng);
    ibid_dict *d = load(dir, "deu", "eng");
    /* two senses, labels and notes gone, examples and cross references skipped */
    expect(d, "haus", (const char *[]){"establishment", "institution", "house", NULL});
    /* NFKC + case folding: ß folds to ss */
    expect(d, "strasse", (const char *[]){"street", "road", NULL});
    expect(d, "straße", (const char *[]){NULL});
    /* numbered senses, a remark in parentheses */
    expect(d, "gehen", (const char *[]){"go", "walk", "leave", NULL});
    /* an optional letter dropped, "a/b" as two glosses, a placeholder dropped */
    expect(d, "anfangen",
           (const char *[]){"von vorn beginnen", "von vorn anfangen", "start", NULL});
    /* ellipses */
    expect(d, "ab", (const char *[]){"exit", NULL});
    /* "a. / b." gives two headwords; trailing punctuation goes */
    expect(d, "die suppe war köstlich", (const char *[]){"the soup was delicious", NULL});
    expect(d, "die suppe schmeckte", (const char *[]){"the soup was delicious", NULL});
    /* too many words */
    expect(d, "satz", (const char *[]){"sentence", NULL});
    /* unknown words, translations that are no headwords, the metadata */
    expect(d, "hund", (const char *[]){NULL});
    expect(d, "house", (const char *[]){NULL});
    expect(d, "", (const char *[]){NULL});
    expect(d, "00databaseinfo", (const char *[]){NULL});
    assert_int_equal(ibid_dict_size(d), 8);
    ibid_dict_free(d);
}

static void test_inverted(void **state)
{
    const char *dir = *state;
    write_dict(dir, "deu-eng", deu_eng, sizeof deu_eng / sizeof *deu_eng);
    write_dict(dir, "eng-deu", eng_deu, sizeof eng_deu / sizeof *eng_deu);
    ibid_dict *d = load(dir, "deu", "eng");
    /* what both dictionaries give first, then direct, then inverted, without repeats */
    expect(d, "haus", (const char *[]){"house", "establishment", "institution", "home", NULL});
    expect(d, "gebäude", (const char *[]){"house", NULL});
    expect(d, "heim", (const char *[]){"home", NULL});
    expect(d, "gehen", (const char *[]){"go", "walk", "leave", NULL});
    ibid_dict_free(d);
    /* the other way round */
    d = load(dir, "eng", "deu");
    expect(d, "house", (const char *[]){"haus", "gebäude", NULL});
    expect(d, "go", (const char *[]){"gehen", NULL});
    expect(d, "street", (const char *[]){"strasse", NULL});
    expect(d, "establishment", (const char *[]){"haus", NULL});
    ibid_dict_free(d);
}

static void test_arabic(void **state)
{
    const char *dir = *state;
    static const char *const ara_eng[] = {
        "الكتاب /ʔalkitˈaːb/\nBook\n",
        "كتّاب /ktːaːb/\n1. Clerks\n2. Writers\n",
    };
    static const char *const eng_ara[] = {
        "minister /mˈɪnɪstə/\nالوزير\n",
        "god /ɡˈɒd/\nاله\n",
        "book /bˈʊk/\nكتاب, الكتاب\n",
    };
    write_dict(dir, "ara-eng", ara_eng, 2);
    write_dict(dir, "eng-ara", eng_ara, 3);
    ibid_dict *d = load(dir, "ara", "eng");
    /* direct headwords keep their article; diacritics (the shadda) go */
    expect(d, "الكتاب", (const char *[]){"book", NULL});
    expect(d, "كتاب", (const char *[]){"clerks", "writers", "book", NULL});
    /* inverted Arabic glosses lose the article, unless too little would be left */
    expect(d, "وزير", (const char *[]){"minister", NULL});
    expect(d, "الوزير", (const char *[]){NULL});
    expect(d, "اله", (const char *[]){"god", NULL});
    ibid_dict_free(d);
    /* English to Arabic: the article stays on translations */
    d = load(dir, "eng", "ara");
    expect(d, "minister", (const char *[]){"الوزير", NULL});
    expect(d, "clerks", (const char *[]){"كتاب", NULL});
    ibid_dict_free(d);
}

/* ---- stems and compounds ---- */

static const char *const deu_eng_stems[] = {
    "künftig /kˈʏnftɪç/ <adj>\nfuture, prospective\n",
    "künftige /kˈʏnftɪɡə/ <adj>\nthe future ones\n",
    "drängen /dɾˈɛŋən/ <v>\npush, urge\n",
    "Indianer /ˌɪndiˈaːnɐ/ <masc, n, sg>\nIndian\n",
    "Territorium /tɛɾitˈoːɾiʊm/ <neut, n, sg>\nterritory\n",
    "Arbeit /ˈaɾbaɪt/ <fem, n, sg>\nwork\n",
    "Zimmer /tsˈɪmɐ/ <neut, n, sg>\nroom\n",
};

static void expect_stem(const ibid_dict *d, ibid_stemmer *st, const char *word, const char *want)
{
    size_t ls;
    const char *stem = ibid_stem(st, word, strlen(word), &ls);
    const char *const *got;
    size_t n = ibid_dict_lookup_stem(d, stem, ls, &got);
    if (!want) {
        assert_int_equal(n, 0);
        return;
    }
    if (n == 0) fail_msg("%s (stem %.*s): no headword", word, (int)ls, stem);
    assert_string_equal(got[0], want);
}

static void expect_split(const ibid_dict *d, ibid_stemmer *st, const char *lang, const char *w,
                         const char *want_mod, const char *want_head)
{
    size_t mod_len = 0, head_beg = 0, n = strlen(w);
    int ok = ibid_terms_split(d, st, lang, w, n, &mod_len, &head_beg);
    if (!want_mod) {
        assert_int_equal(ok, 0);
        return;
    }
    if (!ok) fail_msg("%s: not split", w);
    assert_true(mod_len <= head_beg && head_beg < n);
    assert_int_equal(mod_len, strlen(want_mod));
    assert_memory_equal(w, want_mod, mod_len);
    assert_string_equal(w + head_beg, want_head);
}

static void test_stems(void **state)
{
    const char *dir = *state;
    write_dict(dir, "deu-eng", deu_eng_stems, sizeof deu_eng_stems / sizeof *deu_eng_stems);
    ibid_dict *d = load(dir, "deu", "eng");
    ibid_stemmer *st = ibid_stemmer_new("de");
    assert_non_null(st);
    expect_stem(d, st, "künftige", NULL); /* not indexed yet */
    ibid_dict_index_stems(d, st);
    /* the shortest headword with the stem: "künftig", not "künftige" */
    expect_stem(d, st, "künftigen", "future");
    expect_stem(d, st, "indianern", "indian");
    expect_stem(d, st, "zimmers", "room");
    expect_stem(d, st, "hause", NULL);
    /* the stems were added to the table: the direct lookups still give the same strings */
    expect(d, "künftig", (const char *[]){"future", "prospective", NULL});
    expect(d, "indianer", (const char *[]){"indian", NULL});
    /* compounds: the longest last part, a linking element, an inflected last part */
    expect_split(d, st, "de", "indianerterritorium", "indianer", "territorium");
    expect_split(d, st, "de", "indianerterritoriums", "indianer", "territoriums");
    expect_split(d, st, "de", "arbeitszimmer", "arbeit", "zimmer");
    expect_split(d, NULL, "de", "arbeitszimmer", "arbeit", "zimmer");
    expect_split(d, st, "de", "territorium", NULL, NULL); /* a word the dictionary knows */
    expect_split(d, st, "de", "zimmerzz", NULL, NULL);
    expect_split(d, st, "de", "zim", NULL, NULL);
    expect_split(d, st, "en", "indianerterritorium", NULL, NULL); /* English is not split */
    ibid_stemmer_free(st);
    ibid_dict_free(d);
}

static void test_errors(void **state)
{
    const char *dir = *state;
    char *ip = path_of(dir, "deu-eng", ".index"), *dp = path_of(dir, "deu-eng", ".dict.dz");
    char *rp = path_of(dir, "eng-deu", ".index");
    /* missing files */
    expect_error(dir, "deu", "eng", IBID_EIO, ip, 0, "cannot open");
    write_dict(dir, "deu-eng", deu_eng, 2);
    remove(dp);
    expect_error(dir, "deu", "eng", IBID_EIO, dp, 0, "cannot open");
    /* a bad index line, bad base64, a number too large, an entry past the end */
    write_dict(dir, "deu-eng", deu_eng, 2);
    const char *bad_tabs = "haus\tA\tB\nhaus A B\n";
    write_file(ip, bad_tabs, strlen(bad_tabs));
    expect_error(dir, "deu", "eng", IBID_EPARSE, ip, 2, "tabs");
    const char *bad_b64 = "haus\tA\tB\n\nhaus\tA*\tB\n";
    write_file(ip, bad_b64, strlen(bad_b64));
    expect_error(dir, "deu", "eng", IBID_EPARSE, ip, 3, "bad base64 offset 'A*'");
    const char *bad_len = "haus\tA\t\n";
    write_file(ip, bad_len, strlen(bad_len));
    expect_error(dir, "deu", "eng", IBID_EPARSE, ip, 1, "bad base64 length");
    const char *too_big = "haus\tAAAAAAAAAAAB\tB\n";
    write_file(ip, too_big, strlen(too_big));
    expect_error(dir, "deu", "eng", IBID_EPARSE, ip, 1, "bad base64");
    const char *past_end = "haus\tA\tB\nhaus\tB\tD/\n";
    write_file(ip, past_end, strlen(past_end));
    expect_error(dir, "deu", "eng", IBID_EPARSE, ip, 2, "past the end");
    /* corrupt and truncated gzip */
    write_dict(dir, "deu-eng", deu_eng, sizeof deu_eng / sizeof *deu_eng);
    gzFile gz = gzopen(dp, "rb");
    char buf[4096];
    int n_plain = gzread(gz, buf, sizeof buf);
    gzclose(gz);
    FILE *fp = fopen(dp, "rb");
    char gzbuf[4096];
    size_t n_gz = fread(gzbuf, 1, sizeof gzbuf, fp);
    fclose(fp);
    assert_true(n_plain > 0 && n_gz > 40);
    write_file(dp, gzbuf, n_gz / 2);
    expect_error(dir, "deu", "eng", IBID_EPARSE, dp, 0, "truncated gzip");
    gzbuf[n_gz / 2] ^= 0x55;
    gzbuf[n_gz / 2 + 1] ^= 0x55;
    write_file(dp, gzbuf, n_gz);
    expect_error(dir, "deu", "eng", IBID_EPARSE, dp, 0, "gzip");
    /* an error in the reverse dictionary names it */
    write_dict(dir, "deu-eng", deu_eng, 2);
    write_dict(dir, "eng-deu", eng_deu, 2);
    write_file(rp, bad_b64, strlen(bad_b64));
    expect_error(dir, "deu", "eng", IBID_EPARSE, rp, 3, "bad base64");
    free(ip);
    free(dp);
    free(rp);
}

/* ---- the parsers alone ---- */

static void test_index_line(void **state)
{
    (void)state;
    ibid_dict_ref r;
    ibid_error e;
    const char *s = "das a und o\tBGd\tBH\textra";
    assert_int_equal(ibid_dict_index_line(s, strlen(s), 10000, "x", 7, &r, &e), 0);
    assert_int_equal(r.n_head, 11);
    assert_int_equal(r.byte_off, 1 * 4096 + 6 * 64 + 29);
    assert_int_equal(r.n_bytes, 64 + 7);
    /* the column points at the bad digit */
    s = "w\tAB-\tB";
    assert_int_equal(ibid_dict_index_line(s, strlen(s), 1000, "x", 7, &r, &e), IBID_EPARSE);
    assert_int_equal(e.line, 7);
    assert_int_equal(e.column, 5);
    /* an entry ending exactly at the end of the data is fine */
    s = "w\tB\tC";
    assert_int_equal(ibid_dict_index_line(s, strlen(s), 3, "x", 1, &r, &e), 0);
    assert_int_equal(ibid_dict_index_line(s, strlen(s), 2, "x", 1, &r, &e), IBID_EPARSE);
}

static void test_entry_parse(void **state)
{
    (void)state;
    ibid_dict_entry e;
    memset(&e, 0, sizeof e);
    const char *s = "Smiley /(en)smˈaɪli(de)/ (:-)) <masc, n, sg>\n"
                    " [comp.] smiley <n>, smily <n>:-)\n"
                    "Paragraph\tsection <n>s.,  /ˈɛs/\n"
                    "{Grinsemännchen}\n"
                    "   Synonym: {Grinsemännchen}\n";
    ibid_dict_entry_parse(&e, s, strlen(s));
    const char *want[] = {"Smiley", "smiley", "smily", "Paragraph section"};
    assert_int_equal(e.n_head, 1);
    assert_int_equal(e.n_str, 4);
    for (size_t i = 0; i < e.n_str; i++) assert_string_equal(e.buf + e.str[i], want[i]);
    /* no headword, nothing but brackets, an empty entry */
    const char *odd[] = {" /x/ <n>\nfoo\n", "(a) [b] {c}\n(d)\n", ""};
    for (int k = 0; k < 3; k++) {
        ibid_dict_entry_parse(&e, odd[k], strlen(odd[k]));
        assert_int_equal(e.n_head, 0);
    }
    ibid_dict_entry_free(&e);
}

/* ---- the installed dictionaries ---- */

static int installed(const char *pair)
{
    char *p = path_of("/usr/share/dictd", pair, ".index");
    int ok = access(p, R_OK) == 0;
    free(p);
    return ok;
}

static void test_real(void **state)
{
    (void)state;
    if (!installed("deu-eng") || !installed("spa-eng") || !installed("ara-eng")) skip();
    ibid_dict *d = load(NULL, "deu", "eng");
    assert_true(ibid_dict_size(d) > 100000);
    assert_true(has(d, "haus", "house"));
    assert_true(has(d, "gehen", "go"));
    ibid_dict_free(d);
    d = load(NULL, "spa", "eng");
    assert_true(has(d, "casa", "house") || has(d, "casa", "home"));
    ibid_dict_free(d);
    d = load(NULL, "ara", "eng");
    assert_true(has(d, "الكتاب", "book"));
    ibid_dict_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_direct, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inverted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arabic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stems, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test(test_index_line),
        cmocka_unit_test(test_entry_parse),
        cmocka_unit_test(test_real),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
