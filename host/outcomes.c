/* outcomes.c: the dataset names of the per-path outcomes (DESIGN §3.7). */
#include "stampede/outcomes.h"

const char *const stp_outcome_names[STP_N_OUTCOMES] = {
    "max_drawdown", "min_price_ratio", "final_price_ratio",     "liquidated_usd",
    "liquidations", "bad_debt_usd",    "bad_debt_realized_usd", "defensive_sell_usd",
    "agents_acted", "peak_sync",       "herding_index",         "t_trough_s",
    "cascade",      "weight",
};
