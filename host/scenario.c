/* scenario.c: per-path shock tables, modes `random` and `importance`
 * (DESIGN §3.6).
 *
 * Importance sampling tilts each shock's size: its standard normal draw z
 * is shifted by tilt in the direction of the size's mean (further into the
 * harm the spec already points at: deeper gaps and haircuts, larger
 * withdrawals, longer delays), z' = z + d tilt, d = sign(mean), and the path
 * carries the likelihood ratio phi(z') / phi(z' - d tilt) = exp(-d tilt z' +
 * tilt^2 / 2) of each active slot (a size clamped at its cap carries the
 * ratio of the two laws' masses beyond the cap). Counts, times and
 * durations keep their law. Specs with sd 0 or mean 0 are not tilted. A tilt
 * of 0 draws exactly the `random` table, with weights 1. */
#include "stampede/scenario.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sf_erf.h>

#include "stampede/rng.h"
#include "stampede/step.h"

/* log P(Z > x) of a standard normal, also where the tail underflows */
static double log_upper_tail(double x)
{
    return log(0.5) + gsl_sf_log_erfc(x / sqrt(2.0));
}

/* The size tilt of spec s in standard-normal units, signed (0: none). */
static double size_tilt(const stp_config *cfg, const stp_shock_spec *s)
{
    if (cfg->scenario.mode != STP_SCENARIO_IMPORTANCE || !(s->size.sd > 0.0) ||
        s->size.mean == 0.0)
        return 0.0;
    return s->size.mean < 0.0 ? -cfg->scenario.importance_tilt : cfg->scenario.importance_tilt;
}

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

/* One row's cells (slots [0, n_slots)), in place. */
typedef struct row {
    unsigned char *active;
    float *time_s, *duration_s, *size;
} row;

/* Slot `slot` of spec `spec` on `path`: counter (path, spec, slot + 1, 0).
 * Returns the log of the slot's likelihood ratio (0 untilted or inactive). */
static double sample_slot(row r, const stp_config *cfg, long long path, int spec, int slot,
                          int cell, int active)
{
    const stp_shock_spec *s = &cfg->scenario.shocks[spec];
    const stp_u32x4 u = stp_philox(cfg->run.seed, STP_STREAM_SCENARIO, (uint32_t)path,
                                   (uint32_t)spec, (uint32_t)slot + 1u, 0);
    const double tilt = size_tilt(cfg, s), cap = stp_shock_size_cap(s);
    float n0, n1;
    double size, log_lr = 0.0;
    r.active[cell] = (unsigned char)active;
    if (!active) {
        r.time_s[cell] = r.duration_s[cell] = r.size[cell] = NAN;
        return 0.0;
    }
    stp_box_muller(u.v[2], u.v[3], &n0, &n1);
    if (tilt == 0.0) {
        size = s->size.mean + s->size.sd * (double)n0;
    } else {
        const double z = (double)n0 + tilt; /* z' ~ N(tilt, 1) */
        const double hi = (cap - s->size.mean) / s->size.sd, lo = (-cap - s->size.mean) / s->size.sd;
        size = s->size.mean + s->size.sd * z;
        if (z >= hi) /* clamped at +cap: P(Z > hi) / P(Z' > hi) */
            log_lr = log_upper_tail(hi) - log_upper_tail(hi - tilt);
        else if (z <= lo) /* at -cap: P(Z < lo) / P(Z' < lo), by symmetry */
            log_lr = log_upper_tail(-lo) - log_upper_tail(tilt - lo);
        else
            log_lr = -tilt * z + 0.5 * tilt * tilt;
    }
    size = fmax(-cap, fmin(cap, size));
    r.time_s[cell] = (float)in_range(s->time_s, stp_uniform(u.v[0]));
    r.duration_s[cell] = (float)in_range(s->duration_s, stp_uniform(u.v[1]));
    r.size[cell] = (float)size;
    return log_lr;
}

/* Returns the row's likelihood ratio: the product of its slots', summed in
 * logs; floored at the smallest normal double, since a weight must be
 * positive and one below it carries no weight in any estimate. */
static double sample_row(row r, const stp_config *cfg, long long path)
{
    double log_lr = 0.0;
    int spec, cell = 0;
    for (spec = 0; spec < cfg->scenario.n_shocks; spec++) {
        const stp_shock_spec *s = &cfg->scenario.shocks[spec];
        const int slots = stp_shock_slots(s);
        int n = s->count, k;
        if (!s->has_count) {
            const stp_u32x4 u = stp_philox(cfg->run.seed, STP_STREAM_SCENARIO, (uint32_t)path,
                                           (uint32_t)spec, 0, 0);
            n = stp_poisson_inverse(stp_uniform(u.v[0]), s->rate_per_path, slots);
        }
        for (k = 0; k < slots; k++, cell++)
            log_lr += sample_slot(r, cfg, path, spec, k, cell, k < n);
    }
    return log_lr == 0.0 ? 1.0 : fmax(exp(log_lr), DBL_MIN);
}

static int total_slots(const stp_config *cfg)
{
    int spec, n = 0;
    for (spec = 0; spec < cfg->scenario.n_shocks; spec++)
        n += stp_shock_slots(&cfg->scenario.shocks[spec]);
    return n;
}

void stp_scenario_sample_path(stp_scenario_table *t, const stp_config *cfg, long long path)
{
    const size_t at = (size_t)(path - t->base) * (size_t)t->n_slots;
    row r;
    r.active = t->active + at;
    r.time_s = t->time_s + at;
    r.duration_s = t->duration_s + at;
    r.size = t->size + at;
    t->weight[path - t->base] = sample_row(r, cfg, path);
}

void stp_scenario_sampled_rows(const void *user, long long path0, long long n,
                               unsigned char *active, float *time_s, float *duration_s, float *size)
{
    const stp_config *cfg = user;
    const size_t slots = (size_t)total_slots(cfg);
    long long p;
    for (p = 0; p < n; p++) {
        row r;
        r.active = active + (size_t)p * slots;
        r.time_s = time_s + (size_t)p * slots;
        r.duration_s = duration_s + (size_t)p * slots;
        r.size = size + (size_t)p * slots;
        (void)sample_row(r, cfg, path0 + p);
    }
}

void stp_scenario_table_rows(const void *user, long long path0, long long n, unsigned char *active,
                             float *time_s, float *duration_s, float *size)
{
    const stp_scenario_table *t = user;
    const size_t at = (size_t)(path0 - t->base) * (size_t)t->n_slots;
    const size_t cells = (size_t)n * (size_t)t->n_slots;
    memcpy(active, t->active + at, cells);
    memcpy(time_s, t->time_s + at, sizeof(float) * cells);
    memcpy(duration_s, t->duration_s + at, sizeof(float) * cells);
    memcpy(size, t->size + at, sizeof(float) * cells);
}

stp_status stp_scenario_table_create(stp_scenario_table **out, const stp_config *cfg,
                                     long long base, long long n_paths, stp_error *err)
{
    stp_scenario_table *t = NULL;
    size_t cells;
    int spec, slot = 0;
    long long p;
    *out = NULL;
    if (STP_ALLOC(err, t, 1)) goto fail;
    t->base = base;
    t->n_paths = n_paths;
    t->n_slots = total_slots(cfg);
    cells = (size_t)n_paths * (size_t)t->n_slots;
    if (STP_ALLOC(err, t->slot_spec, t->n_slots) || STP_ALLOC(err, t->slot_kind, t->n_slots) ||
        STP_ALLOC(err, t->active, cells) || STP_ALLOC(err, t->time_s, cells) ||
        STP_ALLOC(err, t->duration_s, cells) || STP_ALLOC(err, t->size, cells) ||
        STP_ALLOC(err, t->weight, n_paths))
        goto fail;
    for (spec = 0; spec < cfg->scenario.n_shocks; spec++) {
        int k;
        for (k = 0; k < stp_shock_slots(&cfg->scenario.shocks[spec]); k++, slot++) {
            t->slot_spec[slot] = spec;
            t->slot_kind[slot] = (int)cfg->scenario.shocks[spec].kind;
        }
    }
    for (p = base; p < base + n_paths; p++)
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
    free(t->weight);
    free(t);
}
