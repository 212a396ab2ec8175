/* point_attribution.c: a multi-venue point's attribution (DESIGN §10,
 * attribution.h; point.h): each venue's, from that venue's outcome
 * columns and agents, and the system's, from the system's columns, whose
 * first mover is the venue whose agent decided first (system_outcomes.h:
 * the earliest t_first_move_s, a tie between venues picked by the path's
 * own draw).
 *
 * A venue's agents are its population's and then its mirrors (venues.h);
 * a mirror has no model, so it answers to its leader's family in its
 * leader's venue. Each population's agents are noted as it is drawn, by
 * code home venue * STP_MAX_FAMILIES + family (a mirror's home is its
 * leader's venue), so a venue whose families are not another's still
 * names a mirror's family by its leader's model. The system's agents are
 * the venues' in agent_base order, the first_mover column's index. */
#include "point.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stampede/venues.h"

#define N_CODES (STP_MAX_VENUES * STP_MAX_FAMILIES)
_Static_assert(N_CODES <= 127, "a code is a signed char");

void stp_point_free_venue_families(stp_point_state *r)
{
    stp_venue_families *vf = r->vfam;
    if (vf) {
        for (int k = 0; k < vf->k; k++)
            free(vf->code[k]);
        free(vf->code);
        free(vf->base);
        free(vf);
    }
    r->vfam = NULL;
    free(r->venue_attr);
    r->venue_attr = NULL;
    r->var.venue_attribution = NULL;
}

stp_status stp_point_note_venues(stp_point_state *r, const stp_venues *vs, stp_error *err)
{
    const int k = vs->pop[0]->index, nv = vs->n;
    const int n_pops = r->cfg->run.populations > 1 ? r->cfg->run.populations : 1;
    stp_venue_families *vf = r->vfam;
    signed char *code;
    if (!vf) {
        if (STP_ALLOC(err, r->vfam, 1)) return err->status;
        vf = r->vfam;
        memset(vf, 0, sizeof *vf);
        vf->n_venues = nv;
        if (STP_ALLOC(err, vf->code, n_pops) || STP_ALLOC(err, vf->base, n_pops))
            return err->status;
        vf->k = n_pops;
        for (int i = 0; i < n_pops; i++)
            vf->code[i] = NULL;
    }
    if (k < 0 || k >= vf->k || vf->code[k]) return STP_OK; /* noted already */
    if (STP_ALLOC(err, code, vs->agent_base[nv] > 0 ? vs->agent_base[nv] : 1)) return err->status;
    for (int v = 0; v < nv; v++) {
        const stp_population *p = vs->pop[v];
        const stp_mirrors *mi = &vs->mirror[v];
        signed char *c = code + vs->agent_base[v];
        /* the family names are the config's (every population's alike) */
        vf->n_families[v] = p->n_families < STP_MAX_FAMILIES ? p->n_families : STP_MAX_FAMILIES;
        for (int f = 0; f < vf->n_families[v]; f++)
            snprintf(vf->family_name[v][f], STP_NAME_MAX, "%.*s", STP_NAME_MAX - 1,
                     p->models[f].name);
        for (int a = 0; a < p->n_agents; a++)
            c[a] = (signed char)(p->family[a] >= 0 && p->family[a] < STP_MAX_FAMILIES
                                     ? v * STP_MAX_FAMILIES + p->family[a]
                                     : -1);
        for (int j = 0; j < mi->n; j++) {
            const int lv = mi->leader_venue[j], fam = vs->pop[lv]->family[mi->leader_agent[j]];
            c[p->n_agents + j] =
                (signed char)(fam >= 0 && fam < STP_MAX_FAMILIES ? lv * STP_MAX_FAMILIES + fam
                                                                 : -1);
        }
    }
    for (int v = 0; v <= nv; v++)
        vf->base[k][v] = vs->agent_base[v];
    vf->code[k] = code;
    return STP_OK;
}

int stp_point_venues_noted(const stp_point_state *r, int k)
{
    return r->vfam && k >= 0 && k < r->vfam->k && r->vfam->code[k] != NULL;
}

/* ---------------------------------------------------------------------------
 * Family lists */

/* A list of family names and every code's place in it (-1: none). */
typedef struct family_list {
    int n, overflow;
    const char *name[STP_MAX_FAMILIES];
    int map[N_CODES];
} family_list;

/* Code hv * STP_MAX_FAMILIES + f into the list: a family of the same name
 * already there, else a new one (overflow when the list is full). */
static void list_add(family_list *l, const stp_venue_families *vf, int hv, int f)
{
    const char *name = vf->family_name[hv][f];
    int i;
    for (i = 0; i < l->n && strcmp(l->name[i], name) != 0; i++)
        ;
    if (i == l->n) {
        if (l->n == STP_MAX_FAMILIES) {
            l->overflow = 1;
            return;
        }
        l->name[l->n++] = name;
    }
    l->map[hv * STP_MAX_FAMILIES + f] = i;
}

/* Venue `own`'s families by index (its population's), then every family
 * that `present` marks of another venue, by name, venues in order. */
static void list_build(family_list *l, const stp_venue_families *vf, int own,
                       const unsigned char *present)
{
    memset(l, 0, sizeof *l);
    for (int c = 0; c < N_CODES; c++)
        l->map[c] = -1;
    for (int f = 0; f < vf->n_families[own]; f++) {
        l->name[l->n++] = vf->family_name[own][f];
        l->map[own * STP_MAX_FAMILIES + f] = f;
    }
    for (int hv = 0; hv < vf->n_venues; hv++)
        for (int f = 0; hv != own && f < vf->n_families[hv]; f++)
            if (present[hv * STP_MAX_FAMILIES + f]) list_add(l, vf, hv, f);
}

/* ---------------------------------------------------------------------------
 * The tables */

/* Venue v's agents (v < 0: the system's) of every population as a table
 * in list l's families; codes of present marked before the list is built
 * (pass 1, l NULL), the table filled after (pass 2). */
static stp_status venue_table(const stp_venue_families *vf, int v, family_list *l,
                              unsigned char *present, long long *offset, signed char **family,
                              stp_error *err)
{
    long long n = 0;
    offset[0] = 0;
    for (int k = 0; k < vf->k; k++) {
        const int lo = v < 0 ? 0 : vf->base[k][v],
                  hi = v < 0 ? vf->base[k][vf->n_venues] : vf->base[k][v + 1];
        for (int a = lo; a < hi; a++) {
            const int c = vf->code[k][a];
            if (!l) {
                if (c >= 0) present[c] = 1;
            } else {
                (*family)[n + a - lo] = (signed char)(c >= 0 ? l->map[c] : -1);
            }
        }
        n += hi - lo;
        offset[k + 1] = n;
    }
    if (!l && STP_ALLOC(err, *family, n > 0 ? n : 1)) return err->status;
    return STP_OK;
}

/* A venue's outcome columns as the system's: its first mover, cascade and
 * bad debt are its own; the path's likelihood ratio is the system's (the
 * venue's own is its asset's part only), as its statistics are weighted. */
typedef struct venue_source {
    const stp_path_source *sys;
    int v;
} venue_source;

static stp_status venue_column(const void *user, int metric, double *dst, stp_error *err)
{
    const venue_source *vs = user;
    const int col = metric == STP_OUT_WEIGHT ? metric : stp_venue_column(vs->v, metric);
    return vs->sys->outcome_column(vs->sys->outcome_user, col, dst, err);
}

/* Attribution of venue v (v < 0: the system) into out; computed 0 when
 * the families together are more than an attribution holds. */
static stp_status attribute(stp_point_state *r, int v, stp_attribution *out, stp_error *err)
{
    const stp_venue_families *vf = r->vfam;
    const long long n = r->var.source.n_paths;
    unsigned char present[N_CODES];
    family_list l;
    venue_source vsrc = {&r->var.source, v};
    stp_path_source src = r->var.source;
    stp_attr_table t;
    long long *offset = NULL;
    signed char *family = NULL;
    stp_status st;
    memset(out, 0, sizeof *out);
    memset(present, 0, sizeof present);
    if (STP_ALLOC(err, offset, vf->k + 1)) return err->status;
    if ((st = venue_table(vf, v, NULL, present, offset, &family, err)) != STP_OK) goto done;
    list_build(&l, vf, v < 0 ? 0 : v, present);
    if (l.overflow) goto done; /* more families than STP_MAX_FAMILIES: none */
    venue_table(vf, v, &l, present, offset, &family, err);
    memset(&t, 0, sizeof t);
    t.n_pops = vf->k;
    t.n_families = l.n;
    t.paths_per_pop = vf->k > 1 ? n / vf->k : (n > 0 ? n : 1);
    t.offset = offset;
    t.family = family;
    for (int f = 0; f < l.n; f++)
        t.family_name[f] = l.name[f];
    if (v >= 0) {
        src.outcome_column = venue_column;
        src.outcome_user = &vsrc;
    }
    st = stp_attribution_compute_table(out, &src, &t, err);
done:
    free(offset);
    free(family);
    return st;
}

stp_status stp_point_attribute_venues(stp_point_state *r, stp_error *err)
{
    const stp_venue_families *vf = r->vfam;
    stp_status st;
    if (!vf) return STP_OK;
    for (int k = 0; k < vf->k; k++)
        if (!vf->code[k])
            return stp_error_set(err, STP_EIO,
                                 "population %d's venues were never drawn (internal error)", k);
    if ((st = attribute(r, -1, &r->var.attribution, err)) != STP_OK) return st;
    if (STP_ALLOC(err, r->venue_attr, vf->n_venues)) return err->status;
    for (int v = 0; v < vf->n_venues; v++)
        if ((st = attribute(r, v, &r->venue_attr[v], err)) != STP_OK) return st;
    r->var.venue_attribution = r->venue_attr;
    return STP_OK;
}
