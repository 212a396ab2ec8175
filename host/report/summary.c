/* summary.c: the results summary's entry points (summary.h): the format's
 * name, and the dispatch to the text and markdown form (summary_text.c)
 * or the JSON one (summary_json.c). */
#include "stampede/summary.h"

#include <stdio.h>
#include <string.h>

#include "report.h"

static const char *const FORMAT_NAMES[] = {"text", "json",
                                           "markdown"}; /* stp_summary_format order */

int stp_summary_format_parse(const char *name, stp_summary_format *out)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(name, FORMAT_NAMES[i]) == 0) {
            *out = (stp_summary_format)i;
            return 0;
        }
    return -1;
}

int stp_summary_print(FILE *f, const stp_summary *s, stp_summary_format fmt)
{
    switch (fmt) {
    case STP_SUMMARY_TEXT:
        stp_report_text(f, s, 0);
        break;
    case STP_SUMMARY_MARKDOWN:
        stp_report_text(f, s, 1);
        break;
    case STP_SUMMARY_JSON:
        stp_report_json(f, s);
        break;
    default:
        return -1;
    }
    return ferror(f) ? -1 : 0;
}
