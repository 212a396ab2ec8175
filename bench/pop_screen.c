/* pop_screen.c: draws the population of every point of each config given
 * (a compare's variants, a sweep's series x values) as a run would, and
 * prints per point the wall time of stp_population_create (the draw and
 * the calm-market screen) and the screen's counts: agents redrawn into
 * equilibrium and of them at the fallback (population.c). The cost of one
 * population per run, which population ensembles multiply by K (issue 22).
 *
 *   build-pop/pop_screen [--threads N] [--repeat R] [--seed S] configs/quickstart.json ...
 *
 * Run from the repository root (configs name models/ by relative path).
 *   build-pop/pop_screen --seed 7 configs/monoculture_sweep.json
 *
 * Prints one line a point: config, point, agents, redrawn, fallback, % of
 * agents at the fallback, seconds (the best of R draws), and a hash of
 * every array of the population, so a change to the screen can be shown to
 * leave every population byte-identical (run the old and the new binary,
 * compare the hashes). --seed overrides run.seed. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stampede/experiment.h"
#include "stampede/population.h"

/* FNV-1a, 64 bits, over n bytes, continuing from h. */
static unsigned long long fnv(unsigned long long h, const void *data, size_t n)
{
    const unsigned char *b = (const unsigned char *)data;
    size_t i;
    for (i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

/* Every per-agent and per-position array, the counts and the Herfindahl. */
static unsigned long long population_hash(const stp_population *p)
{
    const size_t n = (size_t)p->n_agents, m = (size_t)p->n_passive;
    unsigned long long h = 14695981039346656037ull;
    h = fnv(h, &p->equilibrium_redraws, sizeof(int));
    h = fnv(h, &p->equilibrium_fallbacks, sizeof(int));
    h = fnv(h, &p->herfindahl, sizeof(double));
    h = fnv(h, p->family, n * sizeof(int));
    h = fnv(h, p->role, n * sizeof(int));
    h = fnv(h, p->protocol, n * sizeof(int));
    h = fnv(h, p->threshold, n * sizeof(float));
    h = fnv(h, p->logit_threshold, n * sizeof(float));
    h = fnv(h, p->latency_s, n * sizeof(float));
    h = fnv(h, p->lag_steps, n * sizeof(int));
    h = fnv(h, p->sell_fraction, n * sizeof(float));
    h = fnv(h, p->cooldown_s, n * sizeof(float));
    h = fnv(h, p->collateral, n * sizeof(float));
    h = fnv(h, p->debt_usd, n * sizeof(float));
    h = fnv(h, p->hf0, n * sizeof(float));
    h = fnv(h, p->lp_share, n * sizeof(float));
    h = fnv(h, p->fee_tolerance, n * sizeof(float));
    h = fnv(h, p->params, (size_t)STP_MAX_PARAMS * n * sizeof(float));
    h = fnv(h, p->p_protocol, m * sizeof(int));
    h = fnv(h, p->p_collateral, m * sizeof(float));
    h = fnv(h, p->p_debt_usd, m * sizeof(float));
    return fnv(h, p->p_hf0, m * sizeof(float));
}

/* The best of `repeat` draws of cfg's population: one run draws it once,
 * and the minimum is the figure least moved by the other users of a
 * shared VM. */
static int draw_point(const char *file, const char *name, const stp_config *cfg, int repeat)
{
    stp_population *p = NULL;
    stp_error err = {STP_OK, ""};
    double best = 1e300;
    int r;
    for (r = 0; r < repeat; r++) {
        const double t0 = omp_get_wtime();
        double dt;
        if (stp_population_create(&p, cfg, &err)) {
            fprintf(stderr, "pop_screen: %s %s: %s\n", file, name, err.msg);
            return 1;
        }
        dt = omp_get_wtime() - t0;
        best = dt < best ? dt : best;
        if (r + 1 < repeat) stp_population_destroy(p);
    }
    printf("%-30s %-32s %6d %6d %6d %6.2f%% %8.3f %016llx\n", file, name, p->n_agents,
           p->equilibrium_redraws, p->equilibrium_fallbacks,
           p->n_agents ? 100.0 * p->equilibrium_fallbacks / p->n_agents : 0.0, best,
           population_hash(p));
    stp_population_destroy(p);
    return 0;
}

static int run_config(const char *file, const char *seed_set, int repeat)
{
    static stp_point_spec pts[STP_MAX_POINTS]; /* 256 specs: too big for the stack */
    stp_config *cfg = NULL;
    stp_error err = {STP_OK, ""};
    int n = 0, i, bad = 0;
    if (stp_config_load(&cfg, file, &seed_set, seed_set ? 1 : 0, &err) ||
        stp_config_points(cfg, pts, &n, &err)) {
        fprintf(stderr, "pop_screen: %s\n", err.msg);
        stp_config_destroy(cfg);
        return 1;
    }
    if (n == 0) /* a search: its points are found as it runs; the base's population */
        bad = draw_point(file, cfg->experiment.name, cfg, repeat);
    for (i = 0; i < n && !bad; i++) {
        stp_config *pc = NULL;
        char *over = NULL;
        if (stp_config_point_of(&pc, &over, cfg, &pts[i], &err)) {
            fprintf(stderr, "pop_screen: %s %s: %s\n", file, pts[i].name, err.msg);
            bad = 1;
            break;
        }
        bad = draw_point(file, pts[i].name, pc ? pc : cfg, repeat);
        free(over);
        stp_config_destroy(pc);
    }
    stp_config_destroy(cfg);
    return bad;
}

int main(int argc, char **argv)
{
    char seed_set[64];
    const char *set = NULL;
    int i, repeat = 1, bad = 0;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
            omp_set_num_threads(atoi(argv[++i]));
        } else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) {
            repeat = atoi(argv[++i]);
            repeat = repeat > 0 ? repeat : 1;
        } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
            snprintf(seed_set, sizeof seed_set, "run.seed=%s", argv[++i]);
            set = seed_set;
        } else {
            bad |= run_config(argv[i], set, repeat);
        }
    }
    if (argc < 2) {
        fprintf(stderr,
                "usage: pop_screen [--threads N] [--repeat R] [--seed S] CONFIG.json ...\n");
        return 2;
    }
    return bad;
}
