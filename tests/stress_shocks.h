/* stress_shocks.h: --set overrides shared by the engine and GPU parity
 * tests. stress_shocks puts every shock kind on every quickstart path,
 * about once each: the exploit haircut, liquidity withdrawal and refill,
 * oracle delay and error, and forced stress all run, and some pools crash hard. */
#ifndef STAMPEDE_TESTS_STRESS_SHOCKS_H
#define STAMPEDE_TESTS_STRESS_SHOCKS_H

static const char stress_shocks[] =
    "scenario.shocks=["
    "{\"kind\": \"gap\", \"rate_per_path\": 0.5, \"time_s\": [0, 800], \"duration_s\": 3,"
    " \"size\": {\"mean\": -0.08, \"sd\": 0.05}},"
    "{\"kind\": \"exploit\", \"protocol\": \"lend_a\", \"rate_per_path\": 1,"
    " \"time_s\": [0, 800], \"duration_s\": 5, \"size\": {\"mean\": -0.3, \"sd\": 0.05}},"
    "{\"kind\": \"liquidity_withdrawal\", \"rate_per_path\": 1, \"time_s\": [0, 800],"
    " \"duration_s\": 10, \"size\": {\"mean\": 0.5, \"sd\": 0.1}},"
    "{\"kind\": \"oracle_delay\", \"rate_per_path\": 1, \"time_s\": [0, 800],"
    " \"duration_s\": 30, \"size\": {\"mean\": 10, \"sd\": 2}},"
    "{\"kind\": \"vol_regime\", \"rate_per_path\": 1, \"time_s\": [0, 800],"
    " \"duration_s\": 60},"
    "{\"kind\": \"oracle_error\", \"rate_per_path\": 1, \"time_s\": [0, 800],"
    " \"duration_s\": 20, \"size\": {\"mean\": -0.03, \"sd\": 0.02}}]";

/* Every mitigation on at its default settings (DESIGN §5a), so the GPU
 * parity test and the engine test cover the pending queue, the breaker's
 * ring, the fee, the tiers, the signal and the grace streaks. */
static const char all_mitigations[] =
    "mitigations={\"circuit_breaker\": {\"enabled\": true}, \"random_delay\": {\"enabled\": true},"
    " \"progressive_fee\": {\"enabled\": true}, \"tiered_liquidation\": {\"enabled\": true},"
    " \"risk_signal\": {\"enabled\": true}, \"grace_period\": {\"enabled\": true}}";

/* Importance sampling with every tilt: the quickstart's gap tilted, its
 * count and the market's jumps (about 30% of paths get one at e^3 their
 * rate) tilted too, so path.h's jump likelihood ratio runs and the weight
 * outcome carries it. */
static const char tilted_jumps[] =
    "scenario={\"mode\": \"importance\", \"shocks\": [{\"kind\": \"gap\", \"rate_per_path\": 0.5,"
    " \"time_s\": [0, 800], \"duration_s\": 3, \"size\": {\"mean\": -0.08, \"sd\": 0.05}}],"
    " \"importance\": {\"tilt\": 1, \"count_tilt\": 3, \"jump_tilt\": 1}}";

/* MLP families of two widths: the shipped 16, whose lockstep copy
 * (block.h, stp_block_mlp) is unrolled at compile time, and 8
 * (tests/data/consensus_mlp_h8.json, the first 8 units of consensus_mlp),
 * which runs its general unit loop. */
static const char two_widths[] =
    "population.families=["
    "{\"model\": \"models/consensus_mlp.json\", \"share\": 0.4},"
    "{\"model\": \"tests/data/consensus_mlp_h8.json\", \"share\": 0.4},"
    "{\"model\": \"models/drawdown_rule.json\", \"share\": 0.1},"
    "{\"model\": \"models/vol_target_rule.json\", \"share\": 0.1}]";

#endif
