/*
 * test_lang.c: language identification (lang.c) over libexttextcat.
 *
 * Short paragraphs written for this test, one per language, must be recognized, and so must the
 * English licence texts Debian ships in /usr/share/common-licenses. Empty, tiny and letterless
 * texts get "". One handle used for many texts, in any order, gives each the answer a fresh
 * handle gives. Only the first IBID_LANGID_MAX_BYTES bytes count. A missing folder and a
 * configuration without a known language are errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lang.h"

/* ---- fixtures ---- */

typedef struct fixture {
    const char *lang, *text;
} fixture;

static const fixture FIXTURES[] = {
    {"en", "The committee met on Tuesday to discuss the new budget for the city's public "
           "libraries. Several members argued that the opening hours should be extended during "
           "the winter, when students have nowhere else to study in the evening."},
    {"de", "Der Ausschuss traf sich am Dienstag, um über den neuen Haushalt der städtischen "
           "Bibliotheken zu beraten. Mehrere Mitglieder meinten, dass die Öffnungszeiten im "
           "Winter verlängert werden sollten, weil die Studenten abends sonst nirgends lernen "
           "können."},
    {"es", "El comité se reunió el martes para discutir el nuevo presupuesto de las bibliotecas "
           "públicas de la ciudad. Varios miembros sostuvieron que el horario de apertura "
           "debería ampliarse durante el invierno, cuando los estudiantes no tienen otro lugar "
           "donde estudiar por la noche."},
    {"fr", "Le comité s'est réuni mardi pour discuter du nouveau budget des bibliothèques "
           "publiques de la ville. Plusieurs membres ont soutenu que les heures d'ouverture "
           "devraient être prolongées pendant l'hiver, quand les étudiants n'ont nulle part "
           "ailleurs où travailler le soir."},
    {"ar", "اجتمعت اللجنة يوم الثلاثاء لمناقشة الميزانية الجديدة للمكتبات العامة في المدينة. "
           "وقال عدد من الأعضاء إن ساعات العمل يجب أن تمدد خلال فصل الشتاء، عندما لا يجد "
           "الطلاب مكانا آخر للدراسة في المساء."},
    {"ru", "Комитет собрался во вторник, чтобы обсудить новый бюджет городских публичных "
           "библиотек. Несколько членов комитета утверждали, что часы работы следует продлить "
           "зимой, когда студентам больше негде заниматься по вечерам."},
    {"zh", "委员会星期二开会讨论了城市公共图书馆的新预算。几位委员认为，冬季应该延长开放时间，"
           "因为学生们晚上没有别的地方可以学习。"},
};
#define N_FIXTURES (sizeof FIXTURES / sizeof FIXTURES[0])

static ibid_langid *new_langid(void)
{
    ibid_langid *l;
    ibid_error e;
    int rc = ibid_langid_new(&l, NULL, &e);
    if (rc != 0) fail_msg("ibid_langid_new: %s", e.message);
    return l;
}

static const char *detect(ibid_langid *l, const char *text)
{
    return ibid_langid_detect(l, text, strlen(text));
}

/* ---- tests ---- */

static void test_paragraphs(void **state)
{
    (void)state;
    ibid_langid *l = new_langid();
    for (size_t i = 0; i < N_FIXTURES; i++) {
        const char *got = detect(l, FIXTURES[i].text);
        if (strcmp(got, FIXTURES[i].lang) != 0)
            fail_msg("expected \"%s\", got \"%s\" for: %.40s", FIXTURES[i].lang, got,
                     FIXTURES[i].text);
    }
    ibid_langid_free(l);
}

static char *read_file(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    assert_true(size >= 0);
    rewind(fp);
    char *buf = malloc((size_t)size + 1);
    assert_non_null(buf);
    *n = fread(buf, 1, (size_t)size, fp);
    fclose(fp);
    return buf;
}

static void test_licenses_are_english(void **state)
{
    (void)state;
    const char *dir = "/usr/share/common-licenses";
    DIR *d = opendir(dir);
    if (!d) skip();
    ibid_langid *l = new_langid();
    int n_files = 0;
    struct dirent *ent;
    while ((ent = readdir(d))) {
        char path[512];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        if (ent->d_name[0] == '.' || stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
        size_t n = 0;
        char *text = read_file(path, &n);
        assert_non_null(text);
        const char *got = ibid_langid_detect(l, text, n);
        if (strcmp(got, "en") != 0) fail_msg("%s: \"%s\", expected \"en\"", path, got);
        free(text);
        n_files++;
    }
    closedir(d);
    ibid_langid_free(l);
    assert_true(n_files >= 5);
}

static void test_too_short(void **state)
{
    (void)state;
    ibid_langid *l = new_langid();
    assert_string_equal(ibid_langid_detect(l, "", 0), "");
    assert_string_equal(ibid_langid_detect(l, NULL, 0), "");
    assert_string_equal(detect(l, "ok"), "");
    assert_string_equal(detect(l, "Hi there"), "");
    assert_string_equal(detect(l, "12345 67890 -- 3.14159 !!! ??? (42)"), "");
    assert_string_equal(detect(l, "\n\n\t   \n"), "");
    ibid_langid_free(l);
}

/* Many texts through one handle, in a scrambled order, against a fresh handle per text. */
static void test_stable(void **state)
{
    (void)state;
    const char *want[N_FIXTURES];
    for (size_t i = 0; i < N_FIXTURES; i++) {
        ibid_langid *fresh = new_langid();
        want[i] = detect(fresh, FIXTURES[i].text);
        ibid_langid_free(fresh);
    }
    ibid_langid *l = new_langid();
    for (size_t round = 0; round < 300; round++) {
        size_t i = (round * 5 + round / N_FIXTURES) % N_FIXTURES;
        assert_string_equal(detect(l, FIXTURES[i].text), want[i]);
        if (round % 7 == 0) assert_string_equal(detect(l, "ok"), "");
        /* a prefix of a text may get another answer, but always the same one */
        const char *t = FIXTURES[i].text;
        size_t half = strlen(t) / 2;
        while (((unsigned char)t[half] & 0xC0) == 0x80) half--;
        const char *a = ibid_langid_detect(l, t, half);
        const char *b = ibid_langid_detect(l, t, half);
        assert_string_equal(a, b);
    }
    ibid_langid_free(l);
}

/* English for the first IBID_LANGID_MAX_BYTES bytes, then German: the answer is English. A long
 * Chinese text without spaces is cut at a code point boundary. */
static void test_window(void **state)
{
    (void)state;
    ibid_langid *l = new_langid();
    size_t m = 4 * IBID_LANGID_MAX_BYTES, n = 0;
    char *buf = malloc(m);
    assert_non_null(buf);
    const char *en = FIXTURES[0].text, *de = FIXTURES[1].text;
    while (n < IBID_LANGID_MAX_BYTES + 10) {
        memcpy(buf + n, en, strlen(en));
        n += strlen(en);
        buf[n++] = ' ';
    }
    while (n + strlen(de) < m) {
        memcpy(buf + n, de, strlen(de));
        n += strlen(de);
    }
    assert_string_equal(ibid_langid_detect(l, buf, n), "en");

    const char *zh = FIXTURES[N_FIXTURES - 1].text;
    for (n = 0; n + strlen(zh) < m; n += strlen(zh)) memcpy(buf + n, zh, strlen(zh));
    assert_string_equal(ibid_langid_detect(l, buf, n), "zh");
    free(buf);
    ibid_langid_free(l);
}

static void test_bad_dir(void **state)
{
    (void)state;
    ibid_langid *l = (ibid_langid *)&l;
    ibid_error e;
    memset(&e, 0, sizeof e);
    assert_int_equal(ibid_langid_new(&l, "/nonexistent/ibid-lang", &e), IBID_EIO);
    assert_null(l);
    assert_int_equal(e.code, IBID_EIO);
    assert_string_equal(e.source, "/nonexistent/ibid-lang/fpdb.conf");
    assert_int_equal(ibid_langid_new(&l, "/nonexistent/ibid-lang", NULL), IBID_EIO);
    ibid_langid_free(NULL);
}

/* A folder whose fpdb.conf lists only languages lang.c does not know, or a fingerprint that is
 * not there. */
static void test_unknown_conf(void **state)
{
    (void)state;
    char dir[] = "/tmp/ibid_test_lang_XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/fpdb.conf", dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("# only a language lang.c does not use\nsco.lm sco--utf8\n", fp);
    fclose(fp);
    ibid_langid *l;
    ibid_error e;
    assert_int_equal(ibid_langid_new(&l, dir, &e), IBID_ENOTFOUND);
    assert_null(l);

    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("# en.lm is missing from dir\nen.lm en--utf8\n", fp);
    fclose(fp);
    assert_int_equal(ibid_langid_new(&l, dir, &e), IBID_EIO);
    assert_null(l);
    assert_int_equal(e.line, 2);
    assert_non_null(strstr(e.message, "en.lm"));
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paragraphs),   cmocka_unit_test(test_licenses_are_english),
        cmocka_unit_test(test_too_short),    cmocka_unit_test(test_stable),
        cmocka_unit_test(test_window),       cmocka_unit_test(test_bad_dir),
        cmocka_unit_test(test_unknown_conf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
