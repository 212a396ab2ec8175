/* scenario.c: per-path shock tables, mode `random` (DESIGN §3.6). */
#include "stampede/scenario.h"

#include <math.h>
#include <stdlib.h>

#include "stampede/rng.h"
#include "stampede/step.h"

/* A Poisson-counted spec gets rate + 10 sqrt(rate) + 10 slots: the count
 * exceeds that with probability below 1e-12 at any rate, so the clamp in
 * stp_poisson_inverse never shapes the scenario in practice. */
int stp_shock_slots(const stp_shock_spec *s)
{
    return s->has_count ? s->count
                        : (int)ceil(s->rate_per_path + 10.0 * sqrt(s->rate_per_path) + 10.0);
}

double stp_shock_size_cap(const stp_shock_spec *s)
{
    return fabs(s->size.mean) + 6.0 * s->size.sd;
}

static double in_range(stp_range r, float u)
{
    return r.lo + (r.hi - r.lo) * (double)u;
}

/* Draw j of spec `spec`, slot `slot`: counter (path, spec, slot, draw). */
static void sample_slot(stp_scenario_table *t, const stp_config *cfg, long long path, int spec,
                        int slot, int cell, int active)
{
    const stp_shock_spec *s = &cfg->scenario.shocks[spec];
    const size_t i = (size_t)path * t->n_slots + cell;
    const stp_u32x4 r = stp_philox(cfg->run.seed, STP_STREAM_SCENARIO, (uint32_t)path,
                                   (uint32_t)spec, (uint32_t)slot + 1u, 0);
    float n0, n1;
    double size;
    t->active[i] = (unsigned char)active;
    if (!active) {
        t->time_s[i] = t->duration_s[i] = t->size[i] = NAN;
        return;
    }
    stp_box_muller(r.v[2], r.v[3], &n0, &n1);
    size = s->size.mean + s->size.sd * (double)n0;
    size = fmax(-stp_shock_size_cap(s), fmin(stp_shock_size_cap(s), size));
    t->time_s[i] = (float)in_range(s->time_s, stp_uniform(r.v[0]));
    t->duration_s[i] = (float)in_range(s->duration_s, stp_uniform(r.v[1]));
    t->size[i] = (float)size;
}

void stp_scenario_sample_path(stp_scenario_table *t, const stp_config *cfg, long long path)
{
    int spec, cell = 0;
    for (spec = 0; spec < cfg->scenario.n_shocks; spec++) {
        const stp_shock_spec *s = &cfg->scenario.shocks[spec];
        const int slots = stp_shock_slots(s);
        int n = s->count, k;
        if (!s->has_count) {
            const stp_u32x4 r = stp_philox(cfg->run.seed, STP_STREAM_SCENARIO, (uint32_t)path,
                                           (uint32_t)spec, 0, 0);
            n = stp_poisson_inverse(stp_uniform(r.v[0]), s->rate_per_path, slots);
        }
        for (k = 0; k < slots; k++, cell++)
            sample_slot(t, cfg, path, spec, k, cell, k < n);
    }
}

stp_status stp_scenario_table_create(stp_scenario_table **out, const stp_config *cfg,
                                     long long n_paths, stp_error *err)
{
    stp_scenario_table *t = NULL;
    size_t cells;
    int spec, slot = 0;
    long long p;
    *out = NULL;
    if (STP_ALLOC(err, t, 1)) goto fail;
    t->n_paths = n_paths;
    for (spec = 0; spec < cfg->scenario.n_shocks; spec++)
        t->n_slots += stp_shock_slots(&cfg->scenario.shocks[spec]);
    cells = (size_t)n_paths * (size_t)t->n_slots;
    if (STP_ALLOC(err, t->slot_spec, t->n_slots) || STP_ALLOC(err, t->slot_kind, t->n_slots) ||
        STP_ALLOC(err, t->active, cells) || STP_ALLOC(err, t->time_s, cells) ||
        STP_ALLOC(err, t->duration_s, cells) || STP_ALLOC(err, t->size, cells))
        goto fail;
    for (spec = 0; spec < cfg->scenario.n_shocks; spec++) {
        int k;
        for (k = 0; k < stp_shock_slots(&cfg->scenario.shocks[spec]); k++, slot++) {
            t->slot_spec[slot] = spec;
            t->slot_kind[slot] = (int)cfg->scenario.shocks[spec].kind;
        }
    }
    for (p = 0; p < n_paths; p++)
        stp_scenario_sample_path(t, cfg, p);
    *out = t;
    return STP_OK;
fail:
    stp_scenario_table_destroy(t);
    return err->status;
}

void stp_scenario_table_destroy(stp_scenario_table *t)
{
    if (!t) return;
    free(t->slot_spec);
    free(t->slot_kind);
    free(t->active);
    free(t->time_s);
    free(t->duration_s);
    free(t->size);
    free(t);
}
