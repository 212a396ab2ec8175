/* h5_plan.c: the scenario law of a variant (h5_plan.h). */
#include "h5_plan.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "h5util.h"

static const char *mode_name(const stp_scenario_plan *p)
{
    static const char *const names[] = {"random", "blind_spot", "importance", "qmc"};
    if (p->search) return "search";
    return (unsigned)p->mode < 4 ? names[p->mode] : "unknown";
}

/* A [spec] column of doubles from the laws. */
typedef struct column {
    const char *name;
    size_t off;
} column;

#define LAW(f) offsetof(stp_shock_law, f)
static const column LAW_F64[] = {
    {"rate", LAW(rate)},
    {"size_mean", LAW(size_mean)},
    {"size_sd", LAW(size_sd)},
    {"size_lo", LAW(size_lo)},
    {"size_hi", LAW(size_hi)},
    {"size_cap", LAW(size_cap)},
    {"tilt", LAW(tilt)},
    {"count_tilt", LAW(count_tilt)},
    {"rate0", LAW(rate0)},
    {"time_lo", LAW(time_s.lo)},
    {"time_hi", LAW(time_s.hi)},
    {"time_mean", LAW(time_s.mean)},
    {"time_sd", LAW(time_s.sd)},
    {"duration_lo", LAW(duration_s.lo)},
    {"duration_hi", LAW(duration_s.hi)},
    {"duration_mean", LAW(duration_s.mean)},
    {"duration_sd", LAW(duration_s.sd)},
};
#define N_LAW_F64 (sizeof LAW_F64 / sizeof LAW_F64[0])

#define PROBE(f) offsetof(stp_blind_probe, f)
static const column PROBE_F64[] = {
    {"blind_lo", PROBE(lo)},
    {"blind_center", PROBE(center)},
    {"blind_hi", PROBE(hi)},
};
#define N_PROBE_F64 (sizeof PROBE_F64 / sizeof PROBE_F64[0])

int stp_h5_write_plan(hid_t vg, const stp_scenario_plan *p, stp_error *err)
{
    const hsize_t n = (hsize_t)p->n_specs, fam[2] = {(hsize_t)p->n_specs, STP_MAX_FAMILIES};
    double x[STP_MAX_SHOCKS * STP_MAX_FAMILIES];
    int iv[STP_MAX_SHOCKS * STP_MAX_FAMILIES];
    const char *kinds[STP_MAX_SHOCKS];
    hid_t g = -1;
    size_t c;
    int rc = -1, k, f;
    for (k = 0; k < p->n_specs; k++)
        kinds[k] = stp_shock_kind_name(p->cfg->scenario.shocks[k].kind);
    if (stp_h5_make_group(vg, "scenario_law", 0, &g, err) ||
        stp_h5_attr_str(g, ".", "mode", mode_name(p), err) ||
        stp_h5_attr_i32(g, ".", "qmc_points", p->qmc_points, err) ||
        stp_h5_attr_i32(g, ".", "replicates", stp_scenario_replicates(p), err) ||
        stp_h5_write_strings(g, "kind", kinds, p->n_specs, err))
        goto done;
    for (k = 0; k < p->n_specs; k++)
        iv[k] = (int)p->law[k].count_law;
    if (stp_h5_write_i32(g, "count_law", 1, &n, iv, err)) goto done;
    for (k = 0; k < p->n_specs; k++)
        iv[k] = p->law[k].count;
    if (stp_h5_write_i32(g, "count", 1, &n, iv, err)) goto done;
    for (c = 0; c < N_LAW_F64; c++) {
        for (k = 0; k < p->n_specs; k++)
            memcpy(&x[k], (const char *)&p->law[k] + LAW_F64[c].off, sizeof(double));
        if (stp_h5_write_f64(g, LAW_F64[c].name, 1, &n, x, err)) goto done;
    }
    if (p->mode == STP_SCENARIO_BLIND_SPOT) {
        for (k = 0; k < p->n_specs; k++)
            iv[k] = p->blind[k].probed;
        if (stp_h5_write_i32(g, "blind_probed", 1, &n, iv, err)) goto done;
        for (k = 0; k < p->n_specs; k++)
            iv[k] = p->blind[k].agents_firing;
        if (stp_h5_write_i32(g, "blind_firing", 1, &n, iv, err)) goto done;
        for (c = 0; c < N_PROBE_F64; c++) {
            for (k = 0; k < p->n_specs; k++)
                memcpy(&x[k], (const char *)&p->blind[k] + PROBE_F64[c].off, sizeof(double));
            if (stp_h5_write_f64(g, PROBE_F64[c].name, 1, &n, x, err)) goto done;
        }
        for (k = 0; k < p->n_specs; k++)
            for (f = 0; f < STP_MAX_FAMILIES; f++) {
                x[k * STP_MAX_FAMILIES + f] = p->blind[k].family_median[f];
                iv[k * STP_MAX_FAMILIES + f] = p->blind[k].family_firing[f];
            }
        if (stp_h5_write_f64(g, "blind_family_median", 2, fam, x, err) ||
            stp_h5_write_i32(g, "blind_family_firing", 2, fam, iv, err))
            goto done;
    }
    rc = 0;
done:
    stp_h5_close(g);
    return rc;
}

int stp_h5_read_plan(hid_t vg, stp_variant_summary *vs, stp_error *err)
{
    double x[STP_MAX_SHOCKS];
    int iv[STP_MAX_SHOCKS], n = 0, k;
    size_t c;
    hid_t g = -1;
    htri_t has;
    int rc = -1;
    vs->scenario_mode[0] = '\0';
    vs->n_probes = 0;
    if (STP_H5_CHECK(err, has = H5Lexists(vg, "scenario_law", H5P_DEFAULT))) return -1;
    if (!has) return 0;
    if (STP_H5_CHECK(err, g = H5Gopen2(vg, "scenario_law", H5P_DEFAULT)) ||
        stp_h5_read_str_attr(g, ".", "mode", vs->scenario_mode, sizeof vs->scenario_mode, err) ||
        STP_H5_CHECK(err, has = H5Lexists(g, "blind_probed", H5P_DEFAULT)))
        goto done;
    if (has) {
        if (stp_h5_read_ds(g, "blind_probed", H5T_NATIVE_INT, iv, STP_MAX_SHOCKS, &n, err))
            goto done;
        vs->n_probes = n;
        for (k = 0; k < n; k++)
            vs->probe[k].probed = iv[k];
        if (stp_h5_read_ds(g, "blind_firing", H5T_NATIVE_INT, iv, n, &n, err)) goto done;
        for (k = 0; k < n; k++)
            vs->probe[k].agents_firing = iv[k];
        for (c = 0; c < N_PROBE_F64; c++) {
            if (stp_h5_read_ds(g, PROBE_F64[c].name, H5T_NATIVE_DOUBLE, x, n, &n, err)) goto done;
            for (k = 0; k < n; k++)
                memcpy((char *)&vs->probe[k] + PROBE_F64[c].off, &x[k], sizeof(double));
        }
    }
    rc = 0;
done:
    if (rc) stp_h5_prefix_error(err, "scenario_law: ");
    stp_h5_close(g);
    return rc;
}
