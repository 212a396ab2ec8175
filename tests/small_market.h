/* small_market.h: a small market with a cascade now and then (40 paths of
 * two minutes, 64 agents in two families, one gap a path), quick enough to
 * run whole many times in one test. Format arguments: the experiment
 * object (JSON text), run.batch, output.sample_paths. */
#ifndef STAMPEDE_TESTS_SMALL_MARKET_H
#define STAMPEDE_TESTS_SMALL_MARKET_H

#include <criterion/criterion.h>
#include <stdio.h>

#define SMALL_MARKET_PATHS 40

static const char small_market_fmt[] =
    "{\"experiment\": %s, \"run\": {\"paths\": 40, \"seed\": 11, \"batch\": %d},"
    "\"time\": {\"dt_s\": 1, \"horizon_s\": 120}, \"pool\": {\"depth_usd\": 2e8},"
    "\"protocols\": [{\"name\": \"a\", \"share\": 1, \"liquidation_threshold\": 0.83,"
    " \"liquidation_bonus\": 0.05}],"
    "\"population\": {\"agents\": 64, \"passive_positions\": 32, \"families\": ["
    " {\"model\": \"models/consensus_mlp.json\", \"share\": 0.5},"
    " {\"model\": \"models/drawdown_rule.json\", \"share\": 0.5}]},"
    "\"scenario\": {\"shocks\": [{\"kind\": \"gap\", \"rate_per_path\": 1, \"time_s\": [0, 100],"
    " \"duration_s\": 3, \"size\": {\"mean\": -0.1, \"sd\": 0.05}}]},"
    "\"output\": {\"sample_paths\": %d}}";

/* Writes the market as DIR/m.json (the tests that run the binary). */
static inline void small_market_write(const char *dir, const char *experiment, int batch,
                                      int sample_paths)
{
    char text[4096], path[512];
    FILE *f;
    snprintf(text, sizeof text, small_market_fmt, experiment, batch, sample_paths);
    snprintf(path, sizeof path, "%s/m.json", dir);
    cr_assert_not_null(f = fopen(path, "w"), "%s", path);
    fputs(text, f);
    fclose(f);
}

#endif
