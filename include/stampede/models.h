/* models.h: risk-model families (DESIGN §3.4), loaded from models/ (one JSON file per family).
 *
 * A family maps the 8 standardised features of step.h (feature version
 * STP_FEATURE_VERSION) to a logit; the agent's risk score is its sigmoid.
 * Parameters are kept flat, in the canonical order below, so the population
 * can perturb "every parameter of the family" uniformly (DESIGN §3.9).
 *
 *   mlp (8 -> H -> 1, tanh, sigmoid), H <= STP_MLP_MAX_HIDDEN:
 *     w1[h][f] at h*8 + f           (H*8)
 *     b1[h]    at 8H + h            (H)
 *     w2[h]    at 9H + h            (H)
 *     b2       at 10H               (1)      n_params = 10H + 1
 *   drawdown_rule:   dd_limit, var_z, gain, offset          (4)
 *   vol_target_rule: target_ratio, gain, hf_weight, offset  (4)
 */
#ifndef STAMPEDE_MODELS_H
#define STAMPEDE_MODELS_H

#include "stampede/error.h"
#include "stampede/model_shape.h"

#define STP_MODEL_NAME_MAX 64

typedef struct stp_model {
    char name[STP_MODEL_NAME_MAX];
    stp_family_kind kind;
    int hidden;   /* mlp only; 0 for rules */
    int n_params; /* stp_family_n_params(kind, hidden) */
    float params[STP_MAX_PARAMS];
} stp_model;

/* Loads one model file. Rejects (STP_EUSAGE, naming the file and the JSON
 * key): a wrong "format", a feature_version other than STP_FEATURE_VERSION,
 * an unknown kind, wrong shapes (w1 not H x 8, b1/w2 not length H, ...),
 * non-finite or non-numeric weights, rule parameters out of their domain
 * (dd_limit, var_z, target_ratio must be > 0). STP_EIO when unreadable. */
stp_status stp_model_load(stp_model *out, const char *path, stp_error *err);

#endif
