/* engine_fixture.h: a config, its population, the scenario table and the
 * outcome columns of all its run.paths, wired into an stp_sim_ctx, for
 * tests that drive a backend directly (test_cpu_backend, test_kernel_order,
 * test_importance). Criterion asserts on every step. */
#ifndef STAMPEDE_TESTS_ENGINE_FIXTURE_H
#define STAMPEDE_TESTS_ENGINE_FIXTURE_H

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "stampede/config.h"
#include "stampede/engine.h"
#include "stampede/params.h"
#include "stampede/population.h"
#include "stampede/scenario.h"

typedef struct engine {
    stp_config *cfg;
    stp_population *pop;
    stp_scenario_table *scen;
    stp_outcomes out;
    stp_sim_ctx ctx;
} engine;

/* The rest of engine_open, once e->cfg is loaded. */
static inline void engine_wire(engine *e)
{
    stp_error err = {STP_OK, ""};
    int m;
    cr_assert_eq(stp_population_create(&e->pop, e->cfg, &err), STP_OK, "%s", err.msg);
    cr_assert_eq(stp_scenario_table_create(&e->scen, e->cfg, 0, e->cfg->run.paths, &err), STP_OK,
                 "%s", err.msg);
    e->out.n = e->cfg->run.paths;
    for (m = 0; m < STP_N_OUTCOMES; m++) {
        e->out.v[m] = calloc((size_t)e->out.n, sizeof(double));
        cr_assert_not_null(e->out.v[m]);
    }
    e->ctx.prm = stp_params_derive(e->cfg);
    e->ctx.cfg = e->cfg;
    e->ctx.pop = e->pop;
    e->ctx.scen = e->scen;
    e->ctx.out = &e->out;
}

/* From JSON text (relative model paths resolve against the repository). */
static inline void engine_open(engine *e, const char *json, const char *const *sets, int n_sets)
{
    stp_error err = {STP_OK, ""};
    memset(e, 0, sizeof *e);
    cr_assert_eq(
        stp_config_parse(&e->cfg, json, STP_SOURCE_DIR "/configs/test.json", sets, n_sets, &err),
        STP_OK, "%s", err.msg);
    engine_wire(e);
}

/* From a config file. */
static inline void engine_open_file(engine *e, const char *path, const char *const *sets,
                                    int n_sets)
{
    stp_error err = {STP_OK, ""};
    memset(e, 0, sizeof *e);
    cr_assert_eq(stp_config_load(&e->cfg, path, sets, n_sets, &err), STP_OK, "%s", err.msg);
    engine_wire(e);
}

static inline void engine_close(engine *e)
{
    int m;
    for (m = 0; m < STP_N_OUTCOMES; m++)
        free(e->out.v[m]);
    stp_scenario_table_destroy(e->scen);
    stp_population_destroy(e->pop);
    stp_config_destroy(e->cfg);
}

#endif
