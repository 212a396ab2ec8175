/* summary_text.c: the results summary as text or markdown (report.h): the
 * run's header, then per variant P(cascade), its blind-spot probes, its
 * ensemble and the key outcomes' table; the sections that follow are in
 * attribution_text.c, comparison_text.c and search_text.c. */
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "stampede/verdict.h"

/* The outcomes the text and markdown tables show, in this order. */
#define N_KEY 6
static const struct {
    stp_outcome m;
    unit u;
} KEY_OUTCOMES[N_KEY] = {
    {STP_OUT_BAD_DEBT_USD, UNIT_USD},   {STP_OUT_MAX_DRAWDOWN, UNIT_FRAC},
    {STP_OUT_LIQUIDATED_USD, UNIT_USD}, {STP_OUT_DEFENSIVE_SELL_USD, UNIT_USD},
    {STP_OUT_PEAK_SYNC, UNIT_FRAC},     {STP_OUT_AGENTS_ACTED, UNIT_COUNT},
};

// ----------------------------------------------------------------------------
// the key outcomes' table

typedef struct table {
    int rows, cols;
    char cell[1 + N_KEY][MAX_COLS][CELL_MAX]; /* [row][col]; row 0 is the header */
} table;

/* The key-outcome table of one variant; ES levels come from the first key
 * outcome with stats (one run uses the same levels for every outcome). */
static void table_build(table *t, const stp_variant_summary *v)
{
    const stp_metric_stats *ref = NULL;
    t->rows = t->cols = 0;
    for (int i = 0; i < N_KEY && !ref; i++)
        if (v->has_stats[KEY_OUTCOMES[i].m]) ref = &v->stats[KEY_OUTCOMES[i].m];
    if (!ref) return;
    const int n_es = ref->n_es < 0                      ? 0
                     : ref->n_es > STP_STATS_MAX_LEVELS ? STP_STATS_MAX_LEVELS
                                                        : ref->n_es;
    t->cols = 2 + 2 * n_es;
    snprintf(t->cell[0][0], CELL_MAX, "outcome");
    snprintf(t->cell[0][1], CELL_MAX, "mean");
    for (int l = 0; l < n_es; l++) {
        snprintf(t->cell[0][2 + 2 * l], CELL_MAX, "VaR %.4g%%", 100.0 * ref->es_levels[l]);
        snprintf(t->cell[0][3 + 2 * l], CELL_MAX, "ES %.4g%%", 100.0 * ref->es_levels[l]);
    }
    t->rows = 1;
    for (int i = 0; i < N_KEY; i++) {
        const stp_metric_stats *m = &v->stats[KEY_OUTCOMES[i].m];
        const unit u = KEY_OUTCOMES[i].u;
        char(*row)[CELL_MAX] = t->cell[t->rows];
        if (!v->has_stats[KEY_OUTCOMES[i].m]) continue;
        snprintf(row[0], CELL_MAX, "%s", stp_outcome_names[KEY_OUTCOMES[i].m]);
        stp_fmt_cell(row[1], CELL_MAX, m->mean, m->mean_ci_lo, m->mean_ci_hi, u);
        for (int l = 0; l < n_es; l++) {
            if (l >= m->n_es) { /* levels differ from the reference: say so, don't guess */
                snprintf(row[2 + 2 * l], CELL_MAX, "-");
                snprintf(row[3 + 2 * l], CELL_MAX, "-");
                continue;
            }
            stp_fmt_cell(row[2 + 2 * l], CELL_MAX, m->var[l], m->var_ci_lo[l], m->var_ci_hi[l], u);
            stp_fmt_cell(row[3 + 2 * l], CELL_MAX, m->es[l], m->es_ci_lo[l], m->es_ci_hi[l], u);
        }
        t->rows++;
    }
}

static void table_fill(const void *ctx, int r, char (*cells)[CELL_MAX])
{
    const table *t = ctx;
    memcpy(cells, t->cell[r], sizeof t->cell[r]);
}

// ----------------------------------------------------------------------------
// P(cascade) and the ensemble

/* Why a weighted estimate is unreliable (verdict.h), into buf; 0 when it
 * is not flagged (or the file predates the diagnostics). */
static int weights_reason(char *buf, size_t cap, const stp_cascade_stats *c)
{
    const stp_weight_diag *d = &c->diag;
    switch (stp_cascade_weights_verdict(c)) {
    case STP_WEIGHTS_HEAVY_TAIL:
        snprintf(buf, cap,
                 "Pareto k-hat of the weights' tail %.2f > %.1f (their variance is effectively "
                 "infinite: the paths that carry the mass are too rare to be seen)",
                 d->khat, STP_KHAT_MAX);
        return 1;
    case STP_WEIGHTS_DOMINATED:
        snprintf(buf, cap,
                 "the largest weight holds %.1f%% of their sum (> %.1f%%: the estimate rests on "
                 "a few paths)",
                 100.0 * d->max_share, 100.0 * stp_weights_share_bound(c->n));
        return 1;
    default:
        return 0;
    }
}

/* "3.45% [3.20%, 3.72%] (690 of 20,000 paths, 95% Wilson interval)" */
static void fmt_cascade(char *buf, size_t cap, const stp_cascade_stats *c)
{
    char cell[CELL_MAX], k[32], n[32];
    stp_fmt_cell(cell, sizeof cell, c->p, c->ci_lo, c->ci_hi, UNIT_FRAC);
    stp_fmt_thousands(k, sizeof k, c->k);
    stp_fmt_thousands(n, sizeof n, c->n);
    if (c->populations > 0) {
        char diag[96] = "";
        if (c->weighted && c->diag.computed)
            snprintf(diag, sizeof diag,
                     "; all paths' weights: largest %.2g%% of their sum, Pareto "
                     "k-hat %.2f (PSIS)",
                     100.0 * c->diag.max_share, c->diag.khat);
        snprintf(buf, cap,
                 "%s for populations like this (%s of %s paths; mean over %d populations%s, "
                 "two-level 95%% t interval from their spread%s)",
                 cell, k, n, c->populations,
                 c->weighted ? " of their importance-weighted estimates" : "", diag);
    } else if (c->weighted) {
        /* the plain sample with this standard error: what the tilt saved
         * (none for old files or weights the diagnostics reject) */
        char worth[64] = "", diag[96] = "";
        double plain;
        if (stp_cascade_plain_equivalent(c, &plain)) {
            char w[32];
            stp_fmt_thousands(w, sizeof w, llround(plain));
            snprintf(worth, sizeof worth, "as precise as %s plain paths; ", w);
        }
        if (c->diag.computed)
            snprintf(diag, sizeof diag,
                     ", largest weight %.2g%% of their sum, Pareto k-hat %.2f (PSIS)",
                     100.0 * c->diag.max_share, c->diag.khat);
        snprintf(buf, cap,
                 "%s (importance-weighted: %s of %s paths cascaded under the sampling law, "
                 "%sKish effective sample size of the weights %.0f%s; 95%% normal interval)",
                 cell, k, n, worth, c->ess, diag);
    } else if (c->replicates > 0)
        snprintf(buf, cap,
                 "%s (%s of %s paths; randomized QMC, mean of %d replicates, 95%% t interval "
                 "from their spread)",
                 cell, k, n, c->replicates);
    else
        snprintf(buf, cap, "%s (%s of %s paths, 95%% Wilson interval)", cell, k, n);
}

/* Where the next second is best spent (verdict.h), and what it buys. */
static void print_allocation(FILE *f, const stp_ensemble *e, const char *in)
{
    char best[32], pops[32];
    const stp_ensemble_advice advice = stp_ensemble_allocation_advice(e);
    if (advice == STP_ADVICE_NOT_MEASURED) {
        fprintf(f, "%sallocation: not measured (batches from a checkpoint or shards)\n", in);
        return;
    }
    if (advice == STP_ADVICE_WITHIN_ERROR) {
        fprintf(f,
                "%sallocation: the spread between populations is within their Monte Carlo "
                "error; more paths per population narrow the interval most\n",
                in);
        return;
    }
    if (advice == STP_ADVICE_NONE) return;
    stp_fmt_thousands(best, sizeof best, llround(e->best_paths));
    stp_fmt_thousands(pops, sizeof pops, e->best_populations);
    fprintf(f,
            "%sallocation: a population costs %.3g s to draw, a path %.3g s; for the same "
            "time %s populations of %s paths would give +-%.2g pp instead of +-%.2g pp (%s)\n",
            in, e->pop_s, e->path_s, pops, best, 100.0 * e->best_halfwidth, 100.0 * e->halfwidth,
            advice == STP_ADVICE_MORE_POPULATIONS ? "more populations"
                                                  : "more paths per population");
}

/* The spread between populations, the share of variance it explains and
 * where the next second is best spent (ensemble.h). */
static void print_ensemble(FILE *f, const stp_ensemble *e, int md)
{
    const char *in = md ? "" : "  ";
    char paths[32], lo[CELL_MAX], med[CELL_MAX], hi[CELL_MAX];
    stp_fmt_thousands(paths, sizeof paths, e->paths);
    stp_fmt_value(lo, sizeof lo, e->p_min, UNIT_FRAC);
    stp_fmt_value(med, sizeof med, e->p_median, UNIT_FRAC);
    stp_fmt_value(hi, sizeof hi, e->p_max, UNIT_FRAC);
    fprintf(f, "%s%s%d populations of %s paths: P(cascade) from %s to %s (median %s) by population",
            md ? "\n" : "", in, e->k, paths, lo, hi, med);
    if (isfinite(e->between_share))
        fprintf(f,
                "; the population draw explains %.0f%% of the estimate's variance (%.2g%% of a "
                "path's)",
                100.0 * e->between_share, 100.0 * e->icc);
    fputs("\n", f);
    if (e->k <= 32) { /* each population's own, while it fits a line or two */
        fprintf(f, "%seach population's P(cascade):", in);
        for (int k = 0; k < e->k; k++) {
            char cell[CELL_MAX];
            stp_fmt_cell(cell, sizeof cell, e->pop[k].cascade.p, e->pop[k].cascade.ci_lo,
                         e->pop[k].cascade.ci_hi, UNIT_FRAC);
            fprintf(f, "%s %s", k ? "," : "", cell);
        }
        fputs("\n", f);
    }
    print_allocation(f, e, in);
}

// ----------------------------------------------------------------------------
// the summary

/* Engine, backend, device, paths, seed, speed; the population and its
 * calm-market screen. */
static void print_header(FILE *f, const stp_summary *s, int md)
{
    char eng[STP_H5_STR_MAX], back[STP_H5_STR_MAX], dev[STP_H5_STR_MAX], when[STP_H5_STR_MAX];
    char expname[2 * STP_NAME_MAX], paths[32], agents[32], passive[32];
    stp_fmt_clean(eng, sizeof eng, s->engine_version, md);
    stp_fmt_clean(back, sizeof back, s->backend, md);
    stp_fmt_clean(dev, sizeof dev, s->device, md);
    stp_fmt_clean(when, sizeof when, s->created_utc, md);
    stp_fmt_clean(expname, sizeof expname, s->experiment[0] ? s->experiment : "(unnamed)", md);
    stp_fmt_thousands(paths, sizeof paths, s->paths);
    stp_fmt_thousands(agents, sizeof agents, s->n_agents);
    stp_fmt_thousands(passive, sizeof passive, s->n_passive);
    fprintf(f,
            md ? "**stampede %s** | backend %s | device %s | %s paths | seed %llu | %.1f s | "
                 "%.3g agent-steps/s\n\n"
               : "stampede %s | backend %s | device %s | %s paths | seed %llu | %.1f s | "
                 "%.3g agent-steps/s\n",
            eng, back, dev, paths, s->seed, s->wall_s, s->agent_steps_per_s);
    fprintf(f, "experiment %s | created %s\n%s", expname, when, md ? "\n" : "");
    /* a multi-venue file's population is its first venue's (point.c) */
    const int venues = s->n_variants > 0 ? s->variants[0].n_venues : 0;
    fprintf(f,
            "population%s%s%s: %s AI agents, %s passive positions; model-family Herfindahl index "
            "%.3f (1 = monoculture)\n",
            venues >= 2 ? " of venue " : "", venues >= 2 ? s->variants[0].venue_name[0] : "",
            venues >= 2 ? " (each venue draws its own)" : "", agents, passive, s->herfindahl);
    if (s->equilibrium_redraws >= 0)
        fprintf(f,
                "equilibrium: %d agents redrawn because their model fired on the calm market "
                "(%d kept at the redraw cap with a lifted threshold)%s\n",
                s->equilibrium_redraws, s->equilibrium_fallbacks,
                s->n_variants > 0 && s->variants[0].ensemble.k > 0
                    ? " in population 0; every population's counts are in the file's ensemble/"
                    : "");
}

/* Each probed shock's blind spot: where the agents fire in the calm market. */
static void print_probes(FILE *f, const stp_variant_summary *vs, int md)
{
    for (int k = 0; k < vs->n_probes; k++) {
        const stp_blind_probe *b = &vs->probe[k];
        if (!b->probed) continue;
        if (b->agents_firing == 0) {
            fprintf(f,
                    "%sblind spot, shock %d: no agent fires within the size cap; drawn as "
                    "configured\n",
                    md ? "\n" : "  ", k);
            continue;
        }
        fprintf(f,
                "%sblind spot, shock %d: %d agents fire on a shock of size %.3g (10%%), %.3g "
                "(median), %.3g (90%%) in the calm market; each path draws one uniformly "
                "between the 10%% and 90%% points\n",
                md ? "\n" : "  ", k, b->agents_firing, b->lo, b->center, b->hi);
    }
}

/* One variant: P(cascade) (and whether to believe it), blind spots, the
 * ensemble, the key outcomes and the tail attribution. */
static void print_variant(FILE *f, const stp_variant_summary *vs, int md)
{
    char done[32], casc[4 * CELL_MAX], name[2 * STP_NAME_MAX];
    table t;
    stp_fmt_clean(name, sizeof name, vs->name, md);
    stp_fmt_thousands(done, sizeof done, vs->paths_done);
    fmt_cascade(casc, sizeof casc, &vs->cascade);
    fprintf(f,
            md ? "\n### Variant %s (%s paths)\n\nP(cascade) = %s\n\n"
               : "\nvariant %s (%s paths)\n  P(cascade) = %s\n",
            name, done, casc);
    if (weights_reason(casc, sizeof casc, &vs->cascade))
        fprintf(f,
                md ? "**UNRELIABLE weighted estimate**: %s\n\n"
                   : "  UNRELIABLE weighted estimate: %s\n",
                casc);
    print_probes(f, vs, md);
    if (vs->ensemble.k > 0) print_ensemble(f, &vs->ensemble, md);
    table_build(&t, vs);
    const grid g = {t.rows, t.cols, table_fill, &t};
    stp_grid_print(f, &g, md);
    if (vs->attribution.computed) stp_report_attribution(f, vs, md);
    if (vs->n_venues >= 2) stp_report_venues(f, vs, md);
}

/* The importance tilt a cross-entropy pilot chose (pilot.h). */
static void print_pilot(FILE *f, const stp_pilot *p)
{
    char pp[32];
    stp_fmt_thousands(pp, sizeof pp, p->paths);
    fprintf(f,
            "\nimportance tilt %.3g chosen by a cross-entropy pilot: %d level%s of %s paths "
            "on their own seed%s\n",
            p->tilt, p->levels, p->levels == 1 ? "" : "s", pp,
            p->reached ? ""
                       : " (no level reached the cascade itself: the tilt is the "
                         "last level's, raise pilot_paths)");
}

void stp_report_text(FILE *f, const stp_summary *s, int md)
{
    print_header(f, s, md);
    for (int v = 0; v < s->n_variants; v++)
        print_variant(f, &s->variants[v], md);
    if (s->pilot.levels > 0) print_pilot(f, &s->pilot);
    fputs("\n[lo, hi]: 95% confidence intervals; VaR and ES of the upper (loss) tail.\n", f);
    if (s->comparison.n > 0) stp_report_comparison(f, s, md);
    if (s->search.n_iter > 0) stp_report_search(f, s, md);
}
