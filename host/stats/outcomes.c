/* outcomes.c: the dataset names of the per-path outcomes (DESIGN §3.7)
 * and of the multi-venue record's extra columns (DESIGN §10). */
#include "stampede/outcomes.h"

#include <string.h>

const char *const stp_outcome_names[STP_N_OUTCOMES] = {
    "max_drawdown", "min_price_ratio", "final_price_ratio",     "liquidated_usd",
    "liquidations", "bad_debt_usd",    "bad_debt_realized_usd", "defensive_sell_usd",
    "agents_acted", "peak_sync",       "herding_index",         "t_trough_s",
    "cascade",      "first_mover",     "t_first_move_s",        "weight",
};

const char *const stp_system_outcome_names[STP_N_SYSTEM_OUTCOMES] = {"venues_in_cascade",
                                                                     "contagion_lag_s"};
const char *const stp_venue_t_cascade_name = "t_cascade_s";

stp_status stp_outcomes_column(const void *user, int metric, double *dst, stp_error *err)
{
    const stp_outcomes *o = user;
    (void)err;
    memcpy(dst, o->v[metric], sizeof(double) * (size_t)o->n);
    return STP_OK;
}
