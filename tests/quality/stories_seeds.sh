#!/bin/sh
# Quality of stories, show and the report on the founding case (../shared/seeds), with --mode all
# (002 is a translated rewrite of the NBC report that the blog post 000 pastes in nine
# paragraphs): one story, 000 its first witness by id (the files carry no date) and by date when
# dated after it, 002 first when dated before it; ibid show marks the nine paragraphs in 002 as
# coming from 000; the report shows the two side by side with the nine paragraphs highlighted.
set -eu
IBID=$1
python3 "$(dirname "$0")/stories_seeds_check.py" "$IBID" "${IBID_SHARED:?}/seeds" \
    "$(dirname "$0")/report_view.js"
