/* summary_json.c: the results summary as JSON (report.h), every field of
 * stp_summary through the one writer (json_writer.h): strings escaped per
 * RFC 8259, numbers as the shortest of %.15g and %.17g that round-trips
 * the double exactly, non-finite as null. */
#include "report.h"

#include "stampede/json_writer.h"
#include "stampede/verdict.h"

static void json_metric(stp_json *w, const char *name, const stp_metric_stats *m)
{
    const int nq = m->n_quantiles < 0                      ? 0
                   : m->n_quantiles > STP_STATS_MAX_LEVELS ? STP_STATS_MAX_LEVELS
                                                           : m->n_quantiles;
    const int ne = m->n_es < 0                      ? 0
                   : m->n_es > STP_STATS_MAX_LEVELS ? STP_STATS_MAX_LEVELS
                                                    : m->n_es;
    stp_json_object(w, name);
    stp_json_int(w, "n", m->n);
    stp_json_num(w, "mean", m->mean);
    stp_json_num(w, "sd", m->sd);
    stp_json_num(w, "mean_ci_lo", m->mean_ci_lo);
    stp_json_num(w, "mean_ci_hi", m->mean_ci_hi);
    stp_json_nums(w, "quantile_levels", m->quantile_levels, nq);
    stp_json_nums(w, "quantiles", m->quantiles, nq);
    stp_json_nums(w, "quantile_ci_lo", m->quantile_ci_lo, nq);
    stp_json_nums(w, "quantile_ci_hi", m->quantile_ci_hi, nq);
    stp_json_nums(w, "es_levels", m->es_levels, ne);
    stp_json_nums(w, "var", m->var, ne);
    stp_json_nums(w, "var_ci_lo", m->var_ci_lo, ne);
    stp_json_nums(w, "var_ci_hi", m->var_ci_hi, ne);
    stp_json_nums(w, "es", m->es, ne);
    stp_json_nums(w, "es_ci_lo", m->es_ci_lo, ne);
    stp_json_nums(w, "es_ci_hi", m->es_ci_hi, ne);
    stp_json_end(w);
}

/* A [group][kind] table as one array per group. */
static void json_table(stp_json *w, const char *key, const double (*x)[STP_ATTR_KINDS], int n)
{
    stp_json_array(w, key);
    for (int g = 0; g < STP_ATTR_GROUPS; g++)
        stp_json_nums(w, NULL, x[g], n);
    stp_json_end(w);
}

/* The results file's attribution group, with its names. */
static void json_attribution(stp_json *w, const stp_attribution *a)
{
    const char *names[STP_ATTR_KINDS > STP_MAX_FAMILIES ? STP_ATTR_KINDS : STP_MAX_FAMILIES];
    const int nk = a->n_kinds < STP_ATTR_KINDS ? a->n_kinds : STP_ATTR_KINDS;
    stp_json_object(w, "attribution");
    stp_json_strs(w, "groups", stp_attr_group_names, STP_ATTR_GROUPS);
    for (int k = 0; k < nk; k++)
        names[k] = stp_shock_kind_name((stp_shock_kind)k);
    stp_json_strs(w, "kinds", names, nk);
    stp_json_ints(w, "paths", a->paths, STP_ATTR_GROUPS);
    stp_json_nums(w, "weight", a->weight, STP_ATTR_GROUPS);
    json_table(w, "share", a->share, nk);
    json_table(w, "mean_size", a->mean_size, nk);
    json_table(w, "mean_time_s", a->mean_time_s, nk);
    stp_json_object(w, "first_movers");
    for (int f = 0; f < a->n_families; f++)
        names[f] = a->families[f];
    stp_json_strs(w, "families", names, a->n_families);
    stp_json_nums(w, "population_share", a->population_share, a->n_families);
    stp_json_nums(w, "cascade_share", a->cascade_share, a->n_families);
    stp_json_ints(w, "cascade_count", a->cascade_count, a->n_families);
    stp_json_nums(w, "acted_share", a->acted_share, a->n_families);
    stp_json_ints(w, "acted_count", a->acted_count, a->n_families);
    stp_json_nums(w, "lift", a->lift, a->n_families);
    stp_json_end(w);
    stp_json_end(w);
}

static void json_ensemble(stp_json *w, const stp_ensemble *e)
{
    stp_json_object(w, "ensemble");
    stp_json_int(w, "populations", e->k);
    stp_json_int(w, "paths_per_population", e->paths);
    stp_json_str(w, "ci_method", STP_ENSEMBLE_CI_METHOD);
    stp_json_num(w, "cascade_min", e->p_min);
    stp_json_num(w, "cascade_median", e->p_median);
    stp_json_num(w, "cascade_max", e->p_max);
    stp_json_num(w, "var_between", e->var_between);
    stp_json_num(w, "var_within", e->var_within);
    stp_json_num(w, "icc", e->icc);
    stp_json_num(w, "between_share", e->between_share);
    stp_json_num(w, "population_s", e->pop_s);
    stp_json_num(w, "path_s", e->path_s);
    stp_json_num(w, "best_paths", e->best_paths);
    stp_json_int(w, "best_populations", e->best_populations);
    stp_json_num(w, "halfwidth", e->halfwidth);
    stp_json_num(w, "best_halfwidth", e->best_halfwidth);
    stp_json_array(w, "populations_cascade");
    for (int k = 0; k < e->k; k++) {
        stp_json_object(w, NULL);
        stp_json_num(w, "p", e->pop[k].cascade.p);
        stp_json_num(w, "ci_lo", e->pop[k].cascade.ci_lo);
        stp_json_num(w, "ci_hi", e->pop[k].cascade.ci_hi);
        stp_json_end(w);
    }
    stp_json_end(w);
    stp_json_end(w);
}

/* A probability in the form of the variant's "cascade" (less the
 * ensemble and weights' diagnostics, which the venues do not carry). */
static void json_prob(stp_json *w, const char *key, const stp_cascade_stats *c)
{
    stp_json_object(w, key);
    stp_json_num(w, "p", c->p);
    stp_json_num(w, "ci_lo", c->ci_lo);
    stp_json_num(w, "ci_hi", c->ci_hi);
    stp_json_int(w, "n", c->n);
    stp_json_int(w, "k", c->k);
    stp_json_int(w, "weighted", c->weighted);
    stp_json_num(w, "ess", c->ess);
    stp_json_num(w, "se", c->se);
    stp_json_int(w, "replicates", c->replicates);
    stp_json_end(w);
}

/* DESIGN §10: each venue's P(cascade) and statistics, and the system's
 * contagion (the results file's venues/ and contagion/). */
static void json_venues(stp_json *w, const stp_variant_summary *v)
{
    stp_json_array(w, "venues");
    for (int i = 0; i < v->n_venues; i++) {
        stp_json_object(w, NULL);
        stp_json_str(w, "name", v->venue_name[i]);
        json_prob(w, "cascade", &v->venue_cascade[i]);
        if (v->venue_attribution && v->venue_attribution[i].computed)
            json_attribution(w, &v->venue_attribution[i]);
        stp_json_object(w, "stats");
        for (int m = 0; m < STP_N_VENUE_OUTCOMES; m++)
            if (m != STP_OUT_FIRST_MOVER) /* an agent index has no meaningful mean */
                json_metric(w, m < STP_N_OUTCOMES ? stp_outcome_names[m] : stp_venue_t_cascade_name,
                            &v->venue_stats[i * STP_N_VENUE_OUTCOMES + m]);
        stp_json_end(w);
        stp_json_end(w);
    }
    stp_json_end(w);
    stp_json_object(w, "contagion");
    json_metric(w, stp_system_outcome_names[STP_SYS_VENUES_IN_CASCADE], &v->venues_in_cascade);
    json_metric(w, stp_system_outcome_names[STP_SYS_CONTAGION_LAG_S], &v->contagion_lag);
    json_prob(w, "p_two", &v->p_two);
    json_prob(w, "p_second_given_first", &v->p_second);
    stp_json_end(w);
}

static void json_variant(stp_json *w, const stp_variant_summary *v)
{
    stp_json_object(w, NULL);
    stp_json_str(w, "name", v->name);
    stp_json_int(w, "paths_done", v->paths_done);
    stp_json_object(w, "cascade");
    stp_json_num(w, "p", v->cascade.p);
    stp_json_num(w, "ci_lo", v->cascade.ci_lo);
    stp_json_num(w, "ci_hi", v->cascade.ci_hi);
    stp_json_int(w, "n", v->cascade.n);
    stp_json_int(w, "k", v->cascade.k);
    stp_json_int(w, "weighted", v->cascade.weighted);
    stp_json_num(w, "ess", v->cascade.ess);
    stp_json_num(w, "se", v->cascade.se);
    if (v->cascade.diag.computed) {
        stp_json_num(w, "max_weight_share", v->cascade.diag.max_share);
        stp_json_num(w, "pareto_khat", v->cascade.diag.khat);
        stp_json_int(w, "pareto_tail", v->cascade.diag.tail);
        stp_json_bool(w, "weights_reliable",
                      stp_cascade_weights_verdict(&v->cascade) == STP_WEIGHTS_TRUSTED);
    }
    stp_json_int(w, "replicates", v->cascade.replicates);
    stp_json_int(w, "populations", v->cascade.populations);
    stp_json_end(w);
    if (v->ensemble.k > 0) json_ensemble(w, &v->ensemble);
    stp_json_object(w, "stats");
    for (int m = 0; m < STP_N_OUTCOMES; m++) /* an agent index has no meaningful mean */
        if (v->has_stats[m] && m != STP_OUT_FIRST_MOVER)
            json_metric(w, stp_outcome_names[m], &v->stats[m]);
    stp_json_end(w);
    if (v->attribution.computed) json_attribution(w, &v->attribution);
    if (v->n_venues >= 2 && v->venue_stats) json_venues(w, v);
    stp_json_str(w, "scenario_mode", v->scenario_mode);
    if (v->n_probes > 0) {
        stp_json_array(w, "blind_spot");
        for (int k = 0; k < v->n_probes; k++) {
            stp_json_object(w, NULL);
            stp_json_bool(w, "probed", v->probe[k].probed);
            stp_json_int(w, "agents_firing", v->probe[k].agents_firing);
            stp_json_num(w, "lo", v->probe[k].lo);
            stp_json_num(w, "center", v->probe[k].center);
            stp_json_num(w, "hi", v->probe[k].hi);
            stp_json_end(w);
        }
        stp_json_end(w);
    }
    stp_json_end(w);
}

/* A paired difference with the column names of /comparison (less the
 * d_<what>_ prefix, which is the key). */
static void json_diff(stp_json *w, const char *key, const stp_paired_diff *d)
{
    stp_json_object(w, key);
    stp_json_num(w, "diff", d->diff);
    stp_json_num(w, "ci_lo", d->ci_lo);
    stp_json_num(w, "ci_hi", d->ci_hi);
    stp_json_num(w, "unpaired_ci_lo", d->unpaired_ci_lo);
    stp_json_num(w, "unpaired_ci_hi", d->unpaired_ci_hi);
    stp_json_num(w, "rel", d->rel);
    stp_json_num(w, "rel_ci_lo", d->rel_ci_lo);
    stp_json_num(w, "rel_ci_hi", d->rel_ci_hi);
    stp_json_end(w);
}

/* The row's curve figures (a sweep point repeats them). */
static void json_headline(stp_json *w, const stp_comparison_row *r)
{
    stp_json_num(w, "p_cascade", r->cascade.p);
    stp_json_num(w, "p_ci_lo", r->cascade.ci_lo);
    stp_json_num(w, "p_ci_hi", r->cascade.ci_hi);
    stp_json_num(w, "es", r->es);
    stp_json_num(w, "es_ci_lo", r->es_ci_lo);
    stp_json_num(w, "es_ci_hi", r->es_ci_hi);
    stp_json_num(w, "bad_debt_mean", r->bad_debt_mean);
}

static void json_comparison_row(stp_json *w, const stp_comparison_row *r, int baseline)
{
    stp_json_object(w, NULL);
    stp_json_str(w, "name", r->name);
    stp_json_bool(w, "baseline", baseline);
    stp_json_int(w, "paths", r->cascade.n);
    stp_json_int(w, "cascade_paths", r->cascade.k);
    json_headline(w, r);
    stp_json_num(w, "bad_debt_ci_lo", r->bad_debt_ci_lo);
    stp_json_num(w, "bad_debt_ci_hi", r->bad_debt_ci_hi);
    json_diff(w, "d_cascade", &r->d_cascade);
    json_diff(w, "d_es", &r->d_es);
    json_diff(w, "d_bad_debt", &r->d_bad_debt);
    stp_json_end(w);
}

static void json_sweep(stp_json *w, const stp_comparison *c)
{
    stp_json_object(w, "sweep");
    stp_json_str(w, "param", c->sweep_param);
    stp_json_array(w, "points");
    for (int i = 0; i < c->n; i++) {
        stp_json_object(w, NULL);
        stp_json_str(w, "series", c->rows[i].series);
        stp_json_num(w, "value", c->rows[i].value);
        stp_json_str(w, "variant", c->rows[i].name);
        json_headline(w, &c->rows[i]);
        stp_json_end(w);
    }
    stp_json_end(w);
    stp_json_end(w);
}

/* "comparison_info" (what the rows mean), "comparison" (the rows, baseline
 * first) and, for a sweep, "sweep". */
static void json_comparison(stp_json *w, const stp_summary *s)
{
    const stp_comparison *c = &s->comparison;
    stp_json_object(w, "comparison_info");
    stp_json_str(w, "baseline", c->rows[0].name);
    stp_json_str(w, "es_metric", stp_outcome_names[STP_OUT_BAD_DEBT_USD]);
    stp_json_num(w, "es_level", c->es_level);
    stp_json_str(w, "ci_method", s->ci_method);
    stp_json_end(w);
    stp_json_array(w, "comparison");
    for (int i = 0; i < c->n; i++)
        json_comparison_row(w, &c->rows[i], i == 0);
    stp_json_end(w);
    if (c->sweep_param[0] != '\0') json_sweep(w, c);
}

/* "search": the objective, each iteration's objective, elite threshold and
 * law, the worst scenario, and the re-run against random. */
static void json_search(stp_json *w, const stp_summary *s)
{
    const stp_search *x = &s->search;
    stp_json_object(w, "search");
    stp_json_str(w, "objective",
                 x->objective_kind == STP_OBJECTIVE_P_CASCADE ? "p_cascade" : "es_bad_debt_usd");
    stp_json_int(w, "paths_per_iter", x->paths_per_iter);
    stp_json_num(w, "elite_fraction", x->elite_fraction);
    stp_json_array(w, "iterations");
    for (int i = 0; i < x->done; i++) {
        stp_json_object(w, NULL);
        stp_json_num(w, "objective", x->objective[i]);
        stp_json_num(w, "gamma", x->gamma[i]);
        stp_json_num(w, "elite_mean", x->elite[i]);
        stp_json_array(w, "law");
        for (int k = 0; k < x->n_specs; k++) {
            const stp_search_law *l = &x->history[(size_t)i * (size_t)x->n_specs + (size_t)k];
            stp_json_object(w, NULL);
            stp_json_num(w, "p", l->p);
            stp_json_num(w, "size_mean", l->size_mean);
            stp_json_num(w, "size_sd", l->size_sd);
            stp_json_num(w, "time_mean", l->time_mean);
            stp_json_num(w, "time_sd", l->time_sd);
            stp_json_num(w, "duration_mean", l->duration_mean);
            stp_json_num(w, "duration_sd", l->duration_sd);
            stp_json_end(w);
        }
        stp_json_end(w);
        stp_json_end(w);
    }
    stp_json_end(w);
    stp_json_array(w, "worst");
    for (int k = 0; k < x->n_specs; k++) {
        stp_json_object(w, NULL);
        stp_json_str(w, "kind", stp_shock_kind_name((stp_shock_kind)x->kind[k]));
        stp_json_bool(w, "on", x->worst[k].p > 0.5);
        stp_json_num(w, "size", x->worst[k].size_mean);
        stp_json_num(w, "time_s", x->worst[k].time_mean);
        stp_json_num(w, "duration_s", x->worst[k].duration_mean);
        stp_json_end(w);
    }
    stp_json_end(w);
    stp_json_int(w, "rerun_seed", (long long)x->rerun_seed);
    stp_json_bool(
        w, "above_random_beyond_both_cis",
        stp_search_beyond_cis(s->search.objective_kind, s->comparison.rows, s->comparison.n));
    stp_json_end(w);
}

void stp_report_json(FILE *f, const stp_summary *s)
{
    stp_json w;
    stp_json_init(&w, f, STP_JSON_PRETTY);
    stp_json_object(&w, NULL);
    stp_json_str(&w, "engine_version", s->engine_version);
    stp_json_str(&w, "backend", s->backend);
    stp_json_str(&w, "device", s->device);
    stp_json_str(&w, "created_utc", s->created_utc);
    stp_json_str(&w, "experiment", s->experiment);
    stp_json_uint(&w, "seed", s->seed);
    stp_json_int(&w, "paths", s->paths);
    stp_json_num(&w, "wall_s", s->wall_s);
    stp_json_num(&w, "agent_steps_per_s", s->agent_steps_per_s);
    stp_json_object(&w, "population");
    stp_json_int(&w, "n_agents", s->n_agents);
    stp_json_int(&w, "n_passive", s->n_passive);
    stp_json_num(&w, "herfindahl", s->herfindahl);
    stp_json_int(&w, "equilibrium_redraws", s->equilibrium_redraws);
    stp_json_int(&w, "equilibrium_fallbacks", s->equilibrium_fallbacks);
    stp_json_end(&w);
    stp_json_array(&w, "variants");
    for (int v = 0; v < s->n_variants; v++)
        json_variant(&w, &s->variants[v]);
    stp_json_end(&w);
    if (s->comparison.n > 0) json_comparison(&w, s);
    if (s->search.n_iter > 0) json_search(&w, s);
    if (s->pilot.levels > 0) {
        stp_json_object(&w, "importance_pilot");
        stp_json_num(&w, "tilt", s->pilot.tilt);
        stp_json_int(&w, "paths", s->pilot.paths);
        stp_json_int(&w, "levels", s->pilot.levels);
        stp_json_bool(&w, "reached", s->pilot.reached);
        stp_json_nums(&w, "level_tilt", s->pilot.level_tilt, s->pilot.levels);
        stp_json_nums(&w, "level_gamma", s->pilot.level_gamma, s->pilot.levels);
        stp_json_end(&w);
    }
    stp_json_end(&w);
    fputc('\n', f);
}
