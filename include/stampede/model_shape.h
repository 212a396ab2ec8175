/* model_shape.h: what a model file must fit, shared by the loader
 * (models.h, config floor) and the step (step.h): the feature vector's
 * version and order, the families' kinds and their parameter counts, the
 * reaction-lag ring, an agent's role. Constants and one pure function; C11 and CUDA C++. */
#ifndef STAMPEDE_MODEL_SHAPE_H
#define STAMPEDE_MODEL_SHAPE_H

#include "stampede/hd.h"

/* ---------------------------------------------------------------------------
 * Features (version STP_FEATURE_VERSION; model files name the version they
 * were trained for and the loader checks it). All are standardised so a
 * weight means the same thing at any dt and in any market (DESIGN §3.9):
 *   RET1  one-step oracle log return / (calm vol * sqrt(dt))       [-10, 10]
 *   RETW  60 s oracle log return / (calm vol * sqrt(60 s))          [-10, 10]
 *   VOL   sqrt(10 s EWMA of squared one-step returns) / calm step vol [0, 10]
 *   DD    10 * drawdown of the oracle from its running max           [0, 10]
 *   HF    own health factor (LP agents: the cap)                     [0, 3]
 *   LIQ   100 * last step's liquidated USD / pool depth_usd          [0, 10]
 *   SIG   published sync fraction (risk_signal mitigation; else 0)   [0, 1]
 *   BIAS  1
 * ------------------------------------------------------------------------- */
#define STP_FEATURE_VERSION "stp-features-1"
#define STP_FEATURES        8
enum { STP_F_RET1, STP_F_RETW, STP_F_VOL, STP_F_DD, STP_F_HF, STP_F_LIQ, STP_F_SIG, STP_F_BIAS };
#define STP_FEATURE_Z_MAX  10.0f
#define STP_FEATURE_HF_CAP 3.0f
#define STP_WINDOW_S       60.0
#define STP_EWMA_S         10.0
#define STP_DD_SCALE       10.0f
#define STP_LIQ_SCALE      100.0f

/* Reaction lag cap (steps). The history the agents read is a ring of this
 * many steps, so it bounds per-path memory on every backend. */
#define STP_MAX_LAG_STEPS 63
#define STP_LAG_RING      64

typedef enum stp_family_kind {
    STP_FAMILY_MLP,
    STP_FAMILY_DRAWDOWN_RULE,
    STP_FAMILY_VOL_TARGET_RULE
} stp_family_kind;
#define STP_MLP_MAX_HIDDEN 16
/* The hidden width of the shipped MLP families (models/): both backends
 * compile a copy of the MLP for it, with every parameter offset a
 * constant, and keep the general loop for other widths. */
#define STP_MLP_SHIPPED_HIDDEN 16
#define STP_RULE_PARAMS    4
#define STP_MAX_PARAMS     (10 * STP_MLP_MAX_HIDDEN + 1)

static inline STP_HD int stp_family_n_params(stp_family_kind kind, int hidden)
{
    return kind == STP_FAMILY_MLP ? 10 * hidden + 1 : STP_RULE_PARAMS;
}

/* An agent's role: a borrower sells collateral, an LP pulls liquidity
 * (DESIGN §3.4); passive positions never decide. */
typedef enum { STP_ROLE_BORROWER, STP_ROLE_LP, STP_ROLE_PASSIVE } stp_role;

#endif
