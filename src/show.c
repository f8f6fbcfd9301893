#include "stories.h"
int ibid_show_write(FILE *fp, const ibid_stories *s, const ibid_corpus *c, const ibid_result *r,
                    size_t doc, const ibid_show_opts *o, ibid_error *err)
{
    (void)fp, (void)s, (void)c, (void)r, (void)doc, (void)o;
    return ibid_fail(err, IBID_EINVAL, NULL, 0, 0, "todo");
}
