/* attribution.c: tail attribution and who moved first (attribution.h).
 *
 * Two passes over the finished paths, each bounded by a column or a block
 * of rows: the outcome columns give every path its groups (all, worst 1%,
 * cascade) and its first mover's family; then the scenario rows, a block at
 * a time, add each path's shocks to the sums of its groups. Every sum runs
 * in path order, so the figures do not depend on the batch split. */
#include "stampede/attribution.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stampede/outcomes.h"

#define ROW_BLOCK 4096 /* scenario rows per read: bounded memory at any path count */

const char *const stp_attr_group_names[STP_ATTR_GROUPS] = {"all", "worst_1pct", "cascade"};

long long stp_attr_worst_count(long long n)
{
    return n <= 0 ? 0 : (n + 99) / 100;
}

// ----------------------------------------------------------------------------
// the worst 1%

typedef struct ranked {
    double key; /* bad debt; NaN ranks as -inf, so the order stays total */
    long long path;
} ranked;

/* Whether a ranks worse than b: more bad debt, ties to the lower path (the
 * order of worst_paths, run.c). */
static int worse(const ranked *a, const ranked *b)
{
    if (a->key != b->key) return a->key > b->key;
    return a->path < b->path;
}

/* h[0] is the mildest of the kept paths: a heap of m, not a sort of every
 * path, so the ranks cost 16 bytes per kept path only. */
static void sift_down(ranked *h, long long m, long long i)
{
    for (;;) {
        const long long l = 2 * i + 1, r = l + 1;
        long long c = l;
        ranked tmp;
        if (l >= m) return;
        if (r < m && worse(&h[l], &h[r])) c = r;
        if (!worse(&h[i], &h[c])) return;
        tmp = h[i];
        h[i] = h[c];
        h[c] = tmp;
        i = c;
    }
}

/* Sets `bit` in groups[p] for the stp_attr_worst_count(n) worst paths by
 * bad_debt. The group is ranked by path count, weights ignored: under
 * importance sampling the tilted law crowds the tail with paths of small
 * weight, and the 1% a user can open (worst/, the scenario rows) are paths,
 * not 1% of probability mass; the group's statistics are weighted as
 * everywhere else. */
static stp_status mark_worst(unsigned char *groups, unsigned bit, const double *bad_debt,
                             long long n, stp_error *err)
{
    const long long m = stp_attr_worst_count(n);
    ranked *h = NULL;
    long long i;
    if (m == 0) return STP_OK;
    if (STP_ALLOC(err, h, (size_t)m)) return err->status;
    for (i = 0; i < n; i++) {
        ranked x;
        x.key = isnan(bad_debt[i]) ? -INFINITY : bad_debt[i];
        x.path = i;
        if (i < m) {
            h[i] = x;
            if (i == m - 1)
                for (long long j = m / 2; j-- > 0;)
                    sift_down(h, m, j);
        } else if (worse(&x, &h[0])) {
            h[0] = x;
            sift_down(h, m, 0);
        }
    }
    for (i = 0; i < m; i++)
        groups[h[i].path] |= (unsigned char)bit;
    free(h);
    return STP_OK;
}

// ----------------------------------------------------------------------------
// first movers

/* Whose agents the first movers are: one population's, an ensemble's
 * (family[k][agent] of population k, paths_per_pop paths each), or a
 * table's whose populations differ in size (offset not NULL: population
 * k's agents are family[offset[k], offset[k + 1])). */
typedef struct families {
    stp_attr_agents pop;
    const signed char *family; /* NULL: pop.family */
    const long long *offset;   /* NULL: pop.n_agents each */
    long long paths_per_pop;
    int n_pops;
} families;

/* The population of path `path` (the last one takes any rest). */
static long long pop_of(const families *fm, long long path)
{
    const long long k = path / fm->paths_per_pop;
    return k < fm->n_pops ? k : fm->n_pops - 1;
}

/* The agents path `path`'s first mover may be one of. */
static long long agents_of(const families *fm, long long path)
{
    if (!fm->offset) return fm->pop.n_agents;
    return fm->offset[pop_of(fm, path) + 1] - fm->offset[pop_of(fm, path)];
}

static int family_of(const families *fm, long long path, int a)
{
    if (fm->offset) return fm->family[fm->offset[pop_of(fm, path)] + a];
    if (!fm->family) return fm->pop.family[a];
    return fm->family[(size_t)(path / fm->paths_per_pop) * (size_t)fm->pop.n_agents + (size_t)a];
}

/* The population's mix: AI agents per family over all AI agents (of every
 * population of an ensemble). */
static void population_mix(stp_attribution *out, const families *fm)
{
    const stp_attr_agents *pop = &fm->pop;
    const long long n = fm->offset ? fm->offset[fm->n_pops] : (long long)pop->n_agents * fm->n_pops;
    long long count[STP_MAX_FAMILIES] = {0}, a;
    int f;
    out->n_families = pop->n_families < STP_MAX_FAMILIES ? pop->n_families : STP_MAX_FAMILIES;
    for (a = 0; a < n; a++) {
        const int fa = fm->family ? fm->family[a] : pop->family[a];
        if (fa >= 0 && fa < out->n_families) count[fa]++;
    }
    for (f = 0; f < out->n_families; f++) {
        snprintf(out->families[f], sizeof out->families[f], "%.*s", STP_NAME_MAX - 1,
                 pop->family_name[f] ? pop->family_name[f] : "");
        out->population_share[f] = n > 0 ? (double)count[f] / (double)n : NAN;
    }
}

/* Tallies each path's first mover (col: the first_mover column) into the
 * acted group and, on cascade paths, the cascade group; then the shares
 * and the lift. */
static stp_status first_movers(stp_attribution *out, const families *fm, const double *col,
                               const double *w, const unsigned char *groups, unsigned cascade_bit,
                               long long n, stp_error *err)
{
    double w_acted[STP_MAX_FAMILIES] = {0}, w_casc[STP_MAX_FAMILIES] = {0};
    double tot_acted = 0.0, tot_casc = 0.0;
    long long i;
    int f;
    population_mix(out, fm);
    for (i = 0; i < n; i++) {
        const double a = col[i];
        if (a < 0.0) continue; /* nobody decided */
        if (!(a < agents_of(fm, i)) || a != floor(a) || family_of(fm, i, (int)a) < 0 ||
            family_of(fm, i, (int)a) >= out->n_families)
            return stp_error_set(err, STP_EIO,
                                 "path %lld: first_mover %g is not one of the %lld AI agents "
                                 "(outcomes of another population?)",
                                 i, a, agents_of(fm, i));
        f = family_of(fm, i, (int)a);
        out->acted_count[f]++;
        w_acted[f] += w[i];
        tot_acted += w[i];
        if (!(groups[i] & cascade_bit)) continue;
        out->cascade_count[f]++;
        w_casc[f] += w[i];
        tot_casc += w[i];
    }
    for (f = 0; f < out->n_families; f++) {
        out->acted_share[f] = tot_acted > 0.0 ? w_acted[f] / tot_acted : NAN;
        out->cascade_share[f] = tot_casc > 0.0 ? w_casc[f] / tot_casc : NAN;
        out->lift[f] =
            out->population_share[f] > 0.0 ? out->cascade_share[f] / out->population_share[f] : NAN;
    }
    return STP_OK;
}

// ----------------------------------------------------------------------------
// shock kinds per group

/* Weighted sums of a group's paths: sum of w over paths (with a kind), over
 * shocks of a kind, and of w x size, w x time over them. */
typedef struct kind_sums {
    double w_has[STP_ATTR_GROUPS][STP_ATTR_KINDS];
    double w_shocks[STP_ATTR_GROUPS][STP_ATTR_KINDS];
    double w_size[STP_ATTR_GROUPS][STP_ATTR_KINDS];
    double w_time[STP_ATTR_GROUPS][STP_ATTR_KINDS];
} kind_sums;

/* One path's row (n_slots active/time/size cells; none when n_slots is 0)
 * into the groups of its mask (bit g: group g). */
static void add_path(stp_attribution *out, kind_sums *ks, unsigned mask, double w, int n_slots,
                     const int *slot_kind, const unsigned char *active, const float *time_s,
                     const float *size)
{
    double cnt[STP_ATTR_KINDS] = {0}, sz[STP_ATTR_KINDS] = {0}, tm[STP_ATTR_KINDS] = {0};
    int s, g, k;
    for (s = 0; s < n_slots; s++) {
        k = slot_kind[s];
        if (!active[s] || k < 0 || k >= STP_ATTR_KINDS) continue;
        cnt[k] += 1.0;
        sz[k] += (double)size[s];
        tm[k] += (double)time_s[s];
    }
    for (g = 0; g < STP_ATTR_GROUPS; g++) {
        if (!(mask & (1u << g))) continue;
        out->paths[g]++;
        out->weight[g] += w;
        for (k = 0; k < STP_ATTR_KINDS; k++) {
            if (cnt[k] == 0.0) continue;
            ks->w_has[g][k] += w;
            ks->w_shocks[g][k] += w * cnt[k];
            ks->w_size[g][k] += w * sz[k];
            ks->w_time[g][k] += w * tm[k];
        }
    }
}

/* Every path's scenario row, ROW_BLOCK rows at a time, into the sums. */
static stp_status scan_rows(stp_attribution *out, kind_sums *ks, const stp_path_source *src,
                            const unsigned char *groups, const double *w, stp_error *err)
{
    const long long n = src->n_paths;
    const int slots = src->scenario_rows && src->n_slots > 0 ? src->n_slots : 0;
    const long long block = n < ROW_BLOCK ? n : ROW_BLOCK;
    const size_t cells = (size_t)(block > 0 ? block : 1) * (size_t)(slots > 0 ? slots : 1);
    unsigned char *active = NULL;
    float *time_s = NULL, *duration_s = NULL, *size = NULL;
    long long r0, i;
    if (STP_ALLOC(err, active, cells) || STP_ALLOC(err, time_s, cells) ||
        STP_ALLOC(err, duration_s, cells) || STP_ALLOC(err, size, cells))
        goto done;
    for (r0 = 0; r0 < n; r0 += block) {
        const long long rows = n - r0 < block ? n - r0 : block;
        if (slots > 0)
            src->scenario_rows(src->scenario_user, r0, rows, active, time_s, duration_s, size);
        for (i = 0; i < rows; i++) {
            const size_t at = (size_t)i * (size_t)slots;
            add_path(out, ks, groups[r0 + i], w[r0 + i], slots, src->slot_kind, active + at,
                     time_s + at, size + at);
        }
    }
done:
    free(active);
    free(time_s);
    free(duration_s);
    free(size);
    return size ? STP_OK : err->status;
}

static double ratio(double num, double den)
{
    return den > 0.0 ? num / den : NAN;
}

static void kind_figures(stp_attribution *out, const kind_sums *ks)
{
    int g, k;
    out->n_kinds = STP_ATTR_KINDS;
    for (g = 0; g < STP_ATTR_GROUPS; g++)
        for (k = 0; k < STP_ATTR_KINDS; k++) {
            out->share[g][k] = ratio(ks->w_has[g][k], out->weight[g]);
            out->mean_size[g][k] = ratio(ks->w_size[g][k], ks->w_shocks[g][k]);
            out->mean_time_s[g][k] = ratio(ks->w_time[g][k], ks->w_shocks[g][k]);
        }
}

// ----------------------------------------------------------------------------
// the variant

static stp_status column(const stp_path_source *src, int metric, double *dst, stp_error *err)
{
    return src->n_paths > 0 ? src->outcome_column(src->outcome_user, metric, dst, err) : STP_OK;
}

stp_status stp_attribution_compute(stp_attribution *out, const stp_path_source *src,
                                   stp_attr_agents agents, stp_error *err)
{
    return stp_attribution_compute_ensemble(out, src, agents, NULL, 0, err);
}

static stp_status compute(stp_attribution *out, const stp_path_source *src, families fm,
                          stp_error *err);

stp_status stp_attribution_compute_ensemble(stp_attribution *out, const stp_path_source *src,
                                            stp_attr_agents agents, const signed char *family,
                                            long long paths_per_pop, stp_error *err)
{
    const long long n = src->n_paths > 0 ? src->n_paths : 0;
    families fm;
    assert(src->outcome_column && (agents.family || !agents.n_agents) &&
           (!family || paths_per_pop > 0));
    fm.pop = agents;
    fm.family = family;
    fm.offset = NULL;
    fm.paths_per_pop = paths_per_pop;
    fm.n_pops = family ? (int)((n + paths_per_pop - 1) / paths_per_pop) : 1;
    return compute(out, src, fm, err);
}

stp_status stp_attribution_compute_table(stp_attribution *out, const stp_path_source *src,
                                         const stp_attr_table *t, stp_error *err)
{
    families fm;
    int f;
    assert(src->outcome_column && t->n_pops > 0 && t->paths_per_pop > 0 && t->offset &&
           (t->family || t->offset[t->n_pops] == 0));
    memset(&fm, 0, sizeof fm);
    fm.pop.n_families = t->n_families;
    for (f = 0; f < STP_MAX_FAMILIES; f++)
        fm.pop.family_name[f] = t->family_name[f];
    fm.family = t->family;
    fm.offset = t->offset;
    fm.paths_per_pop = t->paths_per_pop;
    fm.n_pops = t->n_pops;
    return compute(out, src, fm, err);
}

static stp_status compute(stp_attribution *out, const stp_path_source *src, families fm,
                          stp_error *err)
{
    const long long n = src->n_paths > 0 ? src->n_paths : 0;
    const unsigned all = 1u << STP_ATTR_ALL, worst = 1u << STP_ATTR_WORST,
                   cascade = 1u << STP_ATTR_CASCADE;
    double *w = NULL, *col = NULL;
    unsigned char *groups = NULL; /* [path]: bit g set when the path is in group g */
    kind_sums ks;
    stp_status st = STP_ENOMEM;
    long long i;
    memset(out, 0, sizeof *out);
    memset(&ks, 0, sizeof ks);
    if (STP_ALLOC(err, w, n ? n : 1) || STP_ALLOC(err, col, n ? n : 1) ||
        STP_ALLOC(err, groups, n ? n : 1))
        goto done;
    if ((st = column(src, STP_OUT_WEIGHT, w, err)) != STP_OK ||
        (st = column(src, STP_OUT_CASCADE, col, err)) != STP_OK)
        goto done;
    for (i = 0; i < n; i++)
        groups[i] = (unsigned char)(all | (col[i] > 0.5 ? cascade : 0u));
    if ((st = column(src, STP_OUT_BAD_DEBT_USD, col, err)) != STP_OK ||
        (st = mark_worst(groups, worst, col, n, err)) != STP_OK ||
        (st = column(src, STP_OUT_FIRST_MOVER, col, err)) != STP_OK ||
        (st = first_movers(out, &fm, col, w, groups, cascade, n, err)) != STP_OK)
        goto done;
    free(col); /* the rows' pass needs the groups and weights only */
    col = NULL;
    if ((st = scan_rows(out, &ks, src, groups, w, err)) != STP_OK) goto done;
    kind_figures(out, &ks);
    out->computed = 1;
done:
    free(w);
    free(col);
    free(groups);
    return st;
}
