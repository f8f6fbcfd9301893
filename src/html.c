#include "stories.h"
int ibid_html_write(FILE *fp, const ibid_stories *s, const ibid_corpus *c, const ibid_result *r,
                    const char *doc, ibid_error *err)
{
    (void)fp, (void)s, (void)c, (void)r, (void)doc;
    return ibid_fail(err, IBID_EINVAL, NULL, 0, 0, "todo");
}
