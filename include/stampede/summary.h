/* summary.h: printing a results summary (what `stampede run` prints at its
 * end and `stampede summary OUT.h5 --format ...` prints). Formats only: the
 * numbers come from stp_h5_read_summary (h5out.h) and the conclusions drawn
 * from them (whether weights are trusted, the search's verdict) from
 * verdict.h; nothing is computed here (host/report/). */
#ifndef STAMPEDE_SUMMARY_H
#define STAMPEDE_SUMMARY_H

#include <stdio.h>

#include "stampede/h5out.h"

typedef enum stp_summary_format {
    STP_SUMMARY_TEXT,    /* aligned table for a terminal */
    STP_SUMMARY_JSON,    /* every field of stp_summary (json_writer.h: numbers the shortest
                            form that round-trips, non-finite as null) */
    STP_SUMMARY_MARKDOWN /* GitHub-flavoured tables */
} stp_summary_format;

/* Sets *out from "text", "json" or "markdown"; returns 0, or -1 (and leaves
 * *out alone) for any other name. */
int stp_summary_format_parse(const char *name, stp_summary_format *out);

/* Prints `s` to `f`. Text and markdown show: a header (engine, backend,
 * device, paths, seed, wall time, agent-steps/s), the population's
 * Herfindahl index, then per variant P(cascade) with its 95% Wilson interval
 * and a table of the key outcomes (bad_debt_usd, max_drawdown,
 * liquidated_usd, defensive_sell_usd, peak_sync, agents_acted): mean, VaR
 * and ES at each ES level, each with its 95% CI; when the file has a
 * variant's attribution group, a table of the shock kinds some path drew
 * (share of paths with one, mean size and start time) over all paths, the
 * worst 1% and the cascades, and one of the first movers' families against
 * the population's (share on cascade paths, lift, share on paths that
 * acted). JSON holds the attribution group as "attribution" (with
 * venues, the system's there and each venue's in its "venues" entry) and
 * no statistics of first_mover (an agent index). When the file has a
 * comparison (s->comparison.n > 0) a table follows, one row per variant,
 * the baseline marked: P(cascade) [Wilson CI], its reduction against the
 * baseline in percentage points [paired CI] and the unpaired CI of that
 * reduction, the relative reduction [CI], ES of bad debt [CI], its
 * reduction [paired CI] and mean bad debt; a sweep adds the curves (series,
 * value, P(cascade), ES, mean bad debt). JSON adds "comparison_info",
 * "comparison" (rows) and "sweep" {"param", "points"}. Without a comparison
 * the output is the single-run one. Returns 0, or -1 when `fmt` is unknown
 * or the stream reports an error. */
int stp_summary_print(FILE *f, const stp_summary *s, stp_summary_format fmt);

#endif
