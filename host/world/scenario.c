/* scenario.c: per-path shock tables (DESIGN §3.6), drawn from a plan.
 *
 * Importance sampling tilts each shock's size: its standard normal draw z
 * is shifted by tilt in the direction of the size's mean (further into the
 * harm the spec already points at: deeper gaps and haircuts, larger
 * withdrawals, longer delays), z' = z + d tilt, d = sign(mean), and the path
 * carries the likelihood ratio phi(z') / phi(z' - d tilt) = exp(-d tilt z' +
 * tilt^2 / 2) of each active slot (a size clamped at its cap carries the
 * ratio of the two laws' masses beyond the cap). Specs with sd 0 or mean 0
 * are not tilted. count_tilt th draws a Poisson-counted spec's count at
 * rate r e^th, ratio e^(r (e^th - 1) - th k) for k events (the market's
 * jumps get the same in path.h). Times and durations keep their law. Tilts
 * of 0 draw exactly the `random` table, with weights 1.
 *
 * The defensive mixture (mixture.h) draws a share of the paths from the
 * untilted law: their counts at the configured rate and their z unshifted.
 * Every row carries the same ratio p / q at what it drew, whichever law
 * drew it; the path's weight (backend.c) turns the ratio into the
 * mixture's. */
#include "stampede/scenario.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_qrng.h>
#include <gsl/gsl_sf_erf.h>

#include "stampede/blind_spot.h"
#include "stampede/interrupt.h"
#include "stampede/mixture.h"
#include "stampede/rng.h"
#include "stampede/shocks.h"
#include "stampede/step.h"

/* Sobol points or scenario rows between polls of the stop request
 * (interrupt.h): a millisecond or so of work, a mask test each. */
#define POLL_EVERY  4096
#define POLL_DUE(i) (((i) & (POLL_EVERY - 1)) == 0)

/* log P(Z > x) of a standard normal, also where the tail underflows */
static double log_upper_tail(double x)
{
    return log(0.5) + gsl_sf_log_erfc(x / sqrt(2.0));
}

/* The standard normal quantile of u, away from the ends (a uniform word
 * can round to 1). */
static double probit(double u)
{
    return gsl_cdf_ugaussian_Pinv(fmin(fmax(u, 0x1p-60), 1.0 - 0x1p-53));
}

/* A time or duration: uniform (sd < 0) or a clamped normal. The uniform
 * case is the `random` arithmetic, kept exactly. */
static double span_draw(stp_span_law l, double u)
{
    if (l.sd < 0.0) return l.lo + (l.hi - l.lo) * u;
    return fmin(l.hi, fmax(l.lo, l.mean + l.sd * probit(u)));
}

/* qmc: uniform `dim` of path: its Sobol point, shifted modulo 1 by the
 * replicate's uniform (Cranley & Patterson 1976): each replicate is then an
 * unbiased estimate, independent of the others, so their spread is an
 * honest error. The shift's counter (replicate, dim, 0, 1) is one no row
 * uses (rows end in 0). */
static double qmc_uniform(const stp_scenario_plan *pl, long long path, int dim)
{
    const long long r = path / pl->qmc_points, i = path % pl->qmc_points;
    const stp_u32x4 u =
        stp_philox(pl->cfg->run.seed, STP_STREAM_SCENARIO, (uint32_t)r, (uint32_t)dim, 0, 1);
    const double shift = ((double)u.v[0] + (double)u.v[1] * 0x1p-32) * 0x1p-32;
    const double x = pl->qmc_net[(size_t)i * (size_t)pl->qmc_dims + (size_t)dim] + shift;
    return x - floor(x);
}

/* One row's cells (slots [0, n_slots)), in place. */
typedef struct row {
    unsigned char *active;
    float *time_s, *duration_s, *size;
} row;

/* Slot `slot` of spec `spec` on `path`: counter (path, spec, slot + 1, 0),
 * its size from the untilted law when `untilted` (the mixture's defensive
 * component). Returns the log of the slot's likelihood ratio p / q at the
 * size drawn (0 for a law without tilt or an inactive slot). */
static double sample_slot(row r, const stp_scenario_plan *pl, long long path, int spec, int slot,
                          int cell, int active, int untilted)
{
    const stp_shock_law *l = &pl->law[spec];
    const stp_u32x4 u = stp_philox(pl->cfg->run.seed, STP_STREAM_SCENARIO, (uint32_t)path,
                                   (uint32_t)spec, (uint32_t)slot + 1u, 0);
    const double tilt = l->tilt, cap = l->size_cap;
    double size, log_lr = 0.0, ut = (double)stp_uniform(u.v[0]), ud = (double)stp_uniform(u.v[1]);
    int dsize = -1;
    r.active[cell] = (unsigned char)active;
    if (!active) {
        r.time_s[cell] = r.duration_s[cell] = r.size[cell] = NAN;
        return 0.0;
    }
    if (pl->qmc_net) {
        const int *d = pl->cell_dim + 3 * cell;
        dsize = d[0];
        if (d[1] >= 0) ut = qmc_uniform(pl, path, d[1]);
        if (d[2] >= 0) ud = qmc_uniform(pl, path, d[2]);
    }
    if (l->size_sd < 0.0) { /* uniform: the second word (Box-Muller's angle) or the net */
        const double us = dsize >= 0 ? qmc_uniform(pl, path, dsize) : (double)stp_uniform(u.v[3]);
        size = l->size_lo + (l->size_hi - l->size_lo) * us;
    } else if (dsize >= 0) {
        size = l->size_mean + l->size_sd * probit(qmc_uniform(pl, path, dsize));
    } else {
        float n0, n1;
        stp_box_muller(u.v[2], u.v[3], &n0, &n1);
        if (tilt == 0.0) {
            size = l->size_mean + l->size_sd * (double)n0;
        } else {
            /* z' ~ N(tilt, 1), or N(0, 1) on the defensive component */
            const double z = (double)n0 + (untilted ? 0.0 : tilt);
            const double hi = (cap - l->size_mean) / l->size_sd;
            const double lo = (-cap - l->size_mean) / l->size_sd;
            size = l->size_mean + l->size_sd * z;
            if (z >= hi) /* clamped at +cap: P(Z > hi) / P(Z' > hi) */
                log_lr = log_upper_tail(hi) - log_upper_tail(hi - tilt);
            else if (z <= lo) /* at -cap: P(Z < lo) / P(Z' < lo), by symmetry */
                log_lr = log_upper_tail(-lo) - log_upper_tail(tilt - lo);
            else
                log_lr = -tilt * z + 0.5 * tilt * tilt;
        }
    }
    size = fmax(-cap, fmin(cap, size));
    r.time_s[cell] = (float)span_draw(l->time_s, ut);
    r.duration_s[cell] = (float)span_draw(l->duration_s, ud);
    r.size[cell] = (float)size;
    return log_lr;
}

/* The number of events of spec on path; a tilted Poisson count at its
 * configured rate when `untilted` (the mixture's defensive component). */
static int event_count(const stp_scenario_plan *pl, long long path, int spec, int untilted)
{
    const stp_shock_law *l = &pl->law[spec];
    const double rate = untilted && l->count_tilt != 0.0 ? l->rate0 : l->rate;
    double u;
    if (l->count_law == STP_COUNT_EXACT) return l->count;
    if (pl->qmc_net && pl->count_dim[spec] >= 0) {
        u = qmc_uniform(pl, path, pl->count_dim[spec]);
    } else {
        const stp_u32x4 w = stp_philox(pl->cfg->run.seed, STP_STREAM_SCENARIO, (uint32_t)path,
                                       (uint32_t)spec, 0, 0);
        u = (double)stp_uniform(w.v[0]);
    }
    if (l->count_law == STP_COUNT_BERNOULLI) return u < l->rate;
    return stp_poisson_inverse((float)u, rate, l->slots);
}

/* Returns the row's likelihood ratio p / q: the product of its slots' and
 * counts', summed in logs; floored at the smallest normal double, since a
 * weight must be positive and one below it carries no weight in any
 * estimate (beyond e^709 it is infinite: the mixture's weight is then 1 / a).
 * The mixture's component is drawn once for the row (mixture.h). */
static double sample_row(row r, const stp_scenario_plan *pl, long long path)
{
    const int untilted = stp_mixture_untilted(pl->cfg->run.seed, path, pl->defensive);
    double log_lr = 0.0;
    int spec, cell = 0;
    for (spec = 0; spec < pl->n_specs; spec++) {
        const stp_shock_law *l = &pl->law[spec];
        const int n = event_count(pl, path, spec, untilted);
        int k;
        if (l->count_law == STP_COUNT_POISSON && l->count_tilt != 0.0) /* Poisson(rate0 e^th) */
            log_lr += l->rate0 * expm1(l->count_tilt) - l->count_tilt * n;
        for (k = 0; k < l->slots; k++, cell++)
            log_lr += sample_slot(r, pl, path, spec, k, cell, k < n, untilted);
    }
    return log_lr == 0.0 ? 1.0 : fmax(exp(log_lr), DBL_MIN);
}

int stp_scenario_tiltable(const stp_shock_spec *s)
{
    return s->size.sd > 0.0 && s->size.mean != 0.0;
}

/* The law of spec s as configured: uniform times and durations, the size's
 * normal, tilted in importance mode by the tilt in the direction of its
 * mean (specs with sd 0 or mean 0 untilted). */
static stp_shock_law configured_law(const stp_config *cfg, const stp_shock_spec *s)
{
    stp_shock_law l;
    memset(&l, 0, sizeof l);
    l.count_law = s->has_count ? STP_COUNT_EXACT : STP_COUNT_POISSON;
    l.count = s->count;
    l.rate = stp_shock_draw_rate(cfg, s);
    if (l.count_law == STP_COUNT_POISSON && l.rate != s->rate_per_path) {
        l.count_tilt = cfg->scenario.importance_count_tilt;
        l.rate0 = s->rate_per_path;
    }
    l.slots = stp_shock_slots(cfg, s);
    l.size_mean = s->size.mean;
    l.size_sd = s->size.sd;
    l.size_cap = stp_shock_size_cap(s);
    if (cfg->scenario.mode == STP_SCENARIO_IMPORTANCE && stp_scenario_tiltable(s))
        l.tilt =
            s->size.mean < 0.0 ? -cfg->scenario.importance_tilt : cfg->scenario.importance_tilt;
    l.time_s.lo = s->time_s.lo;
    l.time_s.hi = s->time_s.hi;
    l.duration_s.lo = s->duration_s.lo;
    l.duration_s.hi = s->duration_s.hi;
    l.time_s.sd = l.duration_s.sd = -1.0;
    return l;
}

/* qmc: the net and which cells read it. Dimensions go first to every
 * spec's count, then slot 0 of every spec (size, time, duration), then
 * slot 1, ...: the leading dimensions are where Sobol points are most
 * uniform, and the first events of each spec shape a path most; cells past
 * STP_QMC_MAX_DIMS draw from Philox as in `random`. */
static stp_status qmc_layout(stp_scenario_plan *pl, stp_error *err)
{
    const stp_config *cfg = pl->cfg;
    const long long pts = cfg->scenario.qmc_points;
    int spec, k, d = 0, max_slots = 0, *first = NULL;
    gsl_qrng *q = NULL;
    long long i;
    /* the config's rule (validate checks it too), again for a config
     * changed after loading (a search point's paths) */
    if (stp_config_check_qmc(cfg, err) != STP_OK) return err->status;
    if (STP_ALLOC(err, pl->cell_dim, 3 * (size_t)pl->n_slots + 1) ||
        STP_ALLOC(err, first, pl->n_specs + 1))
        goto fail;
    for (k = 0; k < 3 * pl->n_slots; k++)
        pl->cell_dim[k] = -1;
    for (spec = 0, k = 0; spec < pl->n_specs; spec++) {
        pl->count_dim[spec] =
            pl->law[spec].count_law != STP_COUNT_EXACT && d < STP_QMC_MAX_DIMS ? d++ : -1;
        first[spec] = k;
        k += pl->law[spec].slots;
        max_slots = pl->law[spec].slots > max_slots ? pl->law[spec].slots : max_slots;
    }
    for (k = 0; k < max_slots; k++)
        for (spec = 0; spec < pl->n_specs; spec++) {
            int j;
            if (k >= pl->law[spec].slots) continue;
            for (j = 0; j < 3; j++)
                pl->cell_dim[3 * (first[spec] + k) + j] = d < STP_QMC_MAX_DIMS ? d++ : -1;
        }
    free(first);
    first = NULL;
    pl->qmc_points = (int)pts;
    pl->qmc_dims = d > 0 ? d : 1;
    if (STP_ALLOC(err, pl->qmc_net, (size_t)pts * (size_t)pl->qmc_dims)) goto fail;
    if (!(q = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)pl->qmc_dims))) {
        stp_error_set(err, STP_ENOMEM, "%s:%d: gsl_qrng_alloc(sobol, %d) failed", __FILE__,
                      __LINE__, pl->qmc_dims);
        goto fail;
    }
    /* The sequence starts at the origin: its first 2^m points are a net, each
     * 1-D projection holding every multiple of 2^-m once. GSL's generator
     * skips the origin, and its first 2^m points are not a net (in 1-D they
     * miss [0, 2^-m) and put two points in [2^-m, 2^-m+1)), so row 0 stays
     * the zero STP_ALLOC left there and GSL fills rows 1 .. P - 1. */
    for (i = 1; i < pts; i++) {
        if (POLL_DUE(i - 1) && stp_interrupt_check(err, "the scenario plan")) goto fail;
        gsl_qrng_get(q, pl->qmc_net + (size_t)i * (size_t)pl->qmc_dims);
    }
    gsl_qrng_free(q);
    return STP_OK;
fail:
    if (q) gsl_qrng_free(q);
    free(first);
    return err->status;
}

stp_status stp_scenario_plan_create(stp_scenario_plan **out, const stp_config *cfg,
                                    const stp_population *pop, stp_error *err)
{
    stp_scenario_plan *pl = NULL;
    int spec;
    *out = NULL;
    if (STP_ALLOC(err, pl, 1)) return err->status;
    pl->cfg = cfg;
    pl->mode = cfg->scenario.mode;
    pl->n_specs = cfg->scenario.n_shocks;
    pl->defensive = pl->mode == STP_SCENARIO_IMPORTANCE ? cfg->scenario.importance_defensive : 0.0;
    for (spec = 0; spec < pl->n_specs; spec++)
        pl->law[spec] = configured_law(cfg, &cfg->scenario.shocks[spec]);
    stp_scenario_plan_layout(pl);
    if (pl->mode == STP_SCENARIO_QMC && qmc_layout(pl, err) != STP_OK) goto fail;
    if (pl->mode == STP_SCENARIO_BLIND_SPOT) {
        if (!pop) {
            stp_error_set(err, STP_EUSAGE,
                          "scenario.mode blind_spot: the plan needs the drawn population");
            goto fail;
        }
        for (spec = 0; spec < pl->n_specs; spec++) {
            stp_blind_probe *b = &pl->blind[spec];
            if (stp_blind_spot_probe(b, cfg, pop, spec, err) != STP_OK) goto fail;
            if (b->probed &&
                b->agents_firing > 0) { /* once on every path, at the herd's triggers */
                stp_shock_law *l = &pl->law[spec];
                l->count_law = STP_COUNT_EXACT;
                l->count = l->count > 1 ? l->count : 1;
                l->slots = l->count;
                l->size_mean = b->center;
                l->size_sd = -1.0;
                l->size_lo = b->lo;
                l->size_hi = b->hi;
            }
        }
        stp_scenario_plan_layout(pl);
    }
    *out = pl;
    return STP_OK;
fail:
    stp_scenario_plan_destroy(pl);
    return err->status;
}

void stp_scenario_plan_layout(stp_scenario_plan *pl)
{
    int spec;
    pl->n_slots = 0;
    for (spec = 0; spec < pl->n_specs; spec++)
        pl->n_slots += pl->law[spec].slots;
}

void stp_scenario_plan_destroy(stp_scenario_plan *pl)
{
    if (!pl) return;
    free(pl->qmc_net);
    free(pl->cell_dim);
    free(pl);
}

void stp_scenario_sample_path(stp_scenario_table *t, long long path)
{
    const size_t at = (size_t)(path - t->base) * (size_t)t->n_slots;
    row r;
    r.active = t->active + at;
    r.time_s = t->time_s + at;
    r.duration_s = t->duration_s + at;
    r.size = t->size + at;
    t->weight[path - t->base] = sample_row(r, t->plan, path);
}

void stp_scenario_sampled_rows(const void *user, long long path0, long long n,
                               unsigned char *active, float *time_s, float *duration_s, float *size)
{
    const stp_scenario_plan *pl = user;
    const size_t slots = (size_t)pl->n_slots;
    long long p;
    for (p = 0; p < n; p++) {
        row r;
        r.active = active + (size_t)p * slots;
        r.time_s = time_s + (size_t)p * slots;
        r.duration_s = duration_s + (size_t)p * slots;
        r.size = size + (size_t)p * slots;
        (void)sample_row(r, pl, path0 + p);
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

stp_status stp_scenario_table_from_plan(stp_scenario_table **out, const stp_scenario_plan *pl,
                                        long long base, long long n_paths, stp_error *err)
{
    stp_scenario_table *t = NULL;
    size_t cells;
    int spec, slot = 0;
    long long p;
    *out = NULL;
    if (STP_ALLOC(err, t, 1)) goto fail;
    t->plan = pl;
    t->base = base;
    t->n_paths = n_paths;
    t->n_slots = pl->n_slots;
    cells = (size_t)n_paths * (size_t)t->n_slots;
    if (STP_ALLOC(err, t->slot_spec, t->n_slots) || STP_ALLOC(err, t->slot_kind, t->n_slots) ||
        STP_ALLOC(err, t->active, cells) || STP_ALLOC(err, t->time_s, cells) ||
        STP_ALLOC(err, t->duration_s, cells) || STP_ALLOC(err, t->size, cells) ||
        STP_ALLOC(err, t->weight, n_paths))
        goto fail;
    for (spec = 0; spec < pl->n_specs; spec++) {
        int k;
        for (k = 0; k < pl->law[spec].slots; k++, slot++) {
            t->slot_spec[slot] = spec;
            t->slot_kind[slot] = (int)pl->cfg->scenario.shocks[spec].kind;
        }
    }
    for (p = base; p < base + n_paths; p++) {
        if (POLL_DUE(p - base) && stp_interrupt_check(err, "the scenario table")) goto fail;
        stp_scenario_sample_path(t, p);
    }
    *out = t;
    return STP_OK;
fail:
    stp_scenario_table_destroy(t);
    return err->status;
}

stp_status stp_scenario_table_create(stp_scenario_table **out, const stp_config *cfg,
                                     long long base, long long n_paths, stp_error *err)
{
    stp_scenario_plan *pl = NULL;
    stp_status st;
    *out = NULL;
    if ((st = stp_scenario_plan_create(&pl, cfg, NULL, err)) != STP_OK) return st;
    if ((st = stp_scenario_table_from_plan(out, pl, base, n_paths, err)) != STP_OK) {
        stp_scenario_plan_destroy(pl);
        return st;
    }
    (*out)->own_plan = pl;
    return STP_OK;
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
    stp_scenario_plan_destroy(t->own_plan);
    free(t);
}
