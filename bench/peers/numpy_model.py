#!/usr/bin/python3
"""An independent whole-model peer of stampede, in NumPy (float64).

It re-implements the model of DESIGN.md section 3 (with the choices of the
docs/model.md) from those documents, vectorised over paths and
agents, with its own random numbers (numpy default_rng), and reads from an
engine results file only what the engine drew once per run: the resolved
config (root attribute config_json) and the population (/population). It
is meant to be compared *in distribution* with the engine's per-path
outcomes (tests/test_numpy_peer.py), so that a model error in the engine
(or here) shows up as a disagreement beyond Monte Carlo error.

Covered: two-regime volatility (switch probability 1 - exp(-rate dt) per
step), normal or unit-variance Student-t noise, compound Poisson jumps, the
scenario's random-mode shocks of every kind (gap, exploit,
liquidity_withdrawal, oracle_delay, oracle_error, vol_regime; drawn here
from the config's laws), the constant-product pool with retained fee and
fee-free arbitrage, LP withdrawal (once per path, share of the pool as it
is then, the 1% floor) and exponential refill that dilutes the LP holding,
the delayed oracle, the eight stp-features-1 features with per-agent lag,
MLP and both rule families, thresholds (strictly above), cooldown, sell
fractions, passive positions, Aave-v3 liquidation (close factor,
full_close_hf, bonus, collateral running out -> realised bad debt), the
liquidators' per-step budget (pro rata) and slippage skip, the horizon
shortfall, and the outcomes max_drawdown, min_price_ratio,
final_price_ratio, liquidated_usd, liquidations, bad_debt_usd,
bad_debt_realized_usd, defensive_sell_usd, agents_acted, peak_sync,
herding_index, t_trough_s, cascade, t_first_move_s.

Left out: every mitigation (refuses a config that enables one), the
scenario modes other than `random` (blind_spot, importance, qmc, search),
importance weights (weight = 1), first_mover (the engine picks one of the
step's deciders at random), the population draw and the equilibrium rule
(conditioned on: the file's population is used as drawn), per-agent weight
noise (the file does not store weights: the peer requires weight_noise 0).

Conditioning on /population: the LP agents' pool shares come from its
lp_share column. Files written before that column existed store none (LP
rows have collateral_units 0 and hf0 NaN); then with collateral_usd.log_sd
= 0 every LP holds lp_pool_share / n_LP, which the peer knows exactly, and
otherwise the peer draws its own lognormal split (a warning is printed) and
agreement is only in distribution over that draw.

Read from the code because the docs do not say (engine file:line as of
commit 0ef89cd):
  * regime switch probability per step = 1 - exp(-rate dt), the chain
    starts calm and switches before the step's price move, which uses the
    new regime (host/model/params.c:107-108, include/stampede/path.h:287-298);
  * a jump step's log size is k mean + sqrt(k) sd z (docs/model.md says "N(k mean,
    k sd^2)", the same law);
  * step counts: shock start = round-half-up(time_s/dt), duration steps =
    max(1, round-half-up(duration_s/dt)); gap per step = size / n
    (path.h:246-253, params.h:83-87);
  * shock sizes of every kind are clamped to +-(|mean| + 6 sd)
    (host/world/scenario.c:52-55,135; docs/model.md mentions the clamp only for
    oracle_delay);
  * the liquidity withdrawn by a liquidity_withdrawal shock joins the
    refilling pool of liquidity "out" measured as L = sqrt(XY), and the
    refill scales both reserves by (L + back) / L and dilutes the LP agents'
    holding by L / (L + back) (path.h:300-309);
  * the EWMA: alpha = 1 - exp(-dt / 10 s), var += alpha (r^2 - var),
    starting at the calm per-step variance (VOL 1) (params.c:131,
    path.h:132);
  * the running max of the oracle (DD) and of the pool (max_drawdown)
    start at P0 (path.h:133); RET1 and RETW before step 0 read log P0;
  * LIQ divides by the configured pool.depth_usd, not the current depth
    (params.c:132: "pool depth" in the docs);
  * the oracle_error factor also enters the oracle history from which RET1,
    RETW, VOL and DD are computed (path.h:340-349);
  * cooldown: an agent that acted at step t may decide again at step
    t + 1 + round(cooldown_s / dt) (path.h:480);
  * an agent's sale is sell_fraction x its collateral at decision time
    (after the step's exploit haircut), capped by what the step's
    liquidation leaves it (path.h:478, 683-688);
  * agents settle before liquidations; a liquidated position whose
    collateral ran out is closed (c = d = 0, realised bad debt) only when
    the budget did not scale the step (scale >= 1); otherwise c and d
    shrink by the scaled seizure and repayment, floored at 0
    (path.h:747-763);
  * the slippage test uses the pool's average price (after fee) of the
    whole batch with every listed seizure at the first budget split, then
    re-splits without the skipped protocols, once (path.h:790-805);
  * defensive_sell_usd is the agents' proceeds at the batch average price
    (after fee), also the part beyond their debt (path.h:730-737);
  * agents_acted counts distinct agents that acted at least once;
    herding_index uses the sample variance (n - 1) of per-step action
    counts over all steps (step.h:369-381, path.h:859-860);
  * peak_sync: distinct agents whose latest decision falls in the last
    round(sync_window_s / dt) steps (at least 1), over all AI agents, taken
    after each step's decisions; t_trough_s = (step + 1) dt of the pool's
    minimum, 0 if it never fell below P0 (path.h:831-840);
  * the horizon shortfall is valued at the oracle without oracle_error or
    oracle_delay shocks: the pool price at the end of step
    n_steps - 1 - round(delay_s / dt) (path.h:855);
  * before step 0 the lagged agents see the flat calm market at P0 (VOL 1,
    no drawdown) with their own HF at P0 (path.h:175-186);
  * the /population file layout: LP rows have protocol -1, collateral 0,
    debt 0 and hf0 NaN, and carry no pool share (host/io/h5out.c:455-476).
"""
import argparse
import json
import math
import os
import sys
import time
import warnings

import numpy as np

import peer_blas

OUTCOMES = ("max_drawdown", "min_price_ratio", "final_price_ratio", "liquidated_usd",
            "liquidations", "bad_debt_usd", "bad_debt_realized_usd", "defensive_sell_usd",
            "agents_acted", "peak_sync", "herding_index", "t_trough_s", "cascade",
            "t_first_move_s")
RET1, RETW, VOL, DD, HF, LIQ, SIG, BIAS = range(8)
HF_CAP, Z_MAX, MAX_LAG, LP_FLOOR = 3.0, 10.0, 63, 0.01
KINDS = ("gap", "exploit", "liquidity_withdrawal", "oracle_delay", "oracle_error", "vol_regime")
HERE = os.path.dirname(os.path.abspath(__file__))


def steps_of(seconds, dt, cap):
    """Seconds to whole steps, rounded half up, clamped to [0, cap]."""
    n = math.floor(seconds / dt + 0.5)
    return int(min(max(n, 0), cap))


def steps_of_arr(seconds, dt, cap):
    return np.clip(np.floor(np.asarray(seconds) / dt + 0.5), 0, cap).astype(np.int64)


def logit(p):
    p = np.asarray(p, np.float64)
    with np.errstate(divide="ignore"):
        return np.log(p) - np.log1p(-p)


# ---------------------------------------------------------------------------
# Inputs: the config, the model files, the population
# ---------------------------------------------------------------------------

def find_model(rel, extra_dirs=()):
    for base in list(extra_dirs) + [os.getcwd(), os.path.join(HERE, "..", "..")]:
        for cand in (os.path.join(base, rel), os.path.join(base, "..", rel)):
            if os.path.isfile(cand):
                return cand
    raise FileNotFoundError("model file %s not found" % rel)


def load_family(path):
    with open(path) as fh:
        m = json.load(fh)
    if m.get("feature_version") != "stp-features-1":
        raise ValueError("%s: feature version %s" % (path, m.get("feature_version")))
    fam = {"name": m["name"], "kind": m["kind"]}
    if m["kind"] == "mlp":
        w = m["weights"]
        fam["w1"] = np.array(w["w1"], np.float64)          # [H][8]
        fam["b1"] = np.array(w["b1"], np.float64)
        fam["w2"] = np.array(w["w2"], np.float64)
        fam["b2"] = float(w["b2"])
    else:
        fam.update({k: float(v) for k, v in m["params"].items()})
    return fam


def _span(v):
    """A time or duration: one number or a [lo, hi] uniform range."""
    if isinstance(v, (list, tuple)):
        return float(v[0]), float(v[-1])
    return float(v), float(v)


def load_inputs(results_path, model_dirs=()):
    import h5py
    with h5py.File(results_path, "r") as f:
        if f.attrs["format"] != "stampede-results":
            raise ValueError("not a stampede results file")
        cfg = json.loads(f.attrs["config_json"])
        g = f["population"]
        pop = {k: g[k][:] for k in g}
        pop["families"] = str(g.attrs["families"]).split(",")
        pop["n_agents"] = int(g.attrs["n_agents"])
    return cfg, pop


# ---------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------

class Model:
    def __init__(self, cfg, pop, model_dirs=(), rng=None):
        self.cfg = cfg
        mit = cfg.get("mitigations", {})
        on = [k for k, v in mit.items() if isinstance(v, dict) and v.get("enabled")]
        if on:
            raise ValueError("the peer does not model mitigations: %s" % ", ".join(on))
        if cfg.get("scenario", {}).get("mode", "random") != "random":
            raise ValueError("the peer draws scenarios in `random` mode only")
        popc = cfg["population"]
        if float(popc.get("weight_noise", 0.05)) != 0.0:
            raise ValueError("the peer needs population.weight_noise 0 (weights are not stored)")
        dt = self.dt = float(cfg["time"]["dt_s"])
        self.T = steps_of(cfg["time"]["horizon_s"], dt, 10**9)
        mk = cfg["market"]
        self.p0 = float(mk["price0_usd"])
        vol = mk["vol"]
        self.s_calm = vol["calm_per_sqrt_s"] * math.sqrt(dt)
        self.s_stress = vol["stress_per_sqrt_s"] * math.sqrt(dt)
        self.p_cs = 1.0 - math.exp(-vol["calm_to_stress_per_s"] * dt)
        self.p_sc = 1.0 - math.exp(-vol["stress_to_calm_per_s"] * dt)
        self.mu = mk.get("mu_per_s", 0.0) * dt
        noise = mk.get("noise", {"dist": "student_t", "nu": 4})
        self.student = noise.get("dist", "student_t") == "student_t"
        self.nu = float(noise.get("nu", 4))
        j = mk.get("jumps", {})
        self.jump_rate = j.get("rate_per_s", 0.0) * dt
        self.jump_mean, self.jump_sd = j.get("log_mean", 0.0), j.get("log_sd", 0.0)
        pl = cfg["pool"]
        self.depth0 = float(pl["depth_usd"])
        self.fee = float(pl["fee"])
        self.arb = 1.0 - math.exp(-dt * math.log(2.0) / pl["arb_half_life_s"])
        self.refill = 1.0 - math.exp(-pl["refill_per_s"] * dt)
        self.delay_s = float(cfg["oracle"]["delay_s"])
        self.window = max(1, steps_of(60.0, dt, self.T + 1))
        self.alpha = 1.0 - math.exp(-dt / 10.0)
        prots = cfg["protocols"]
        self.K = len(prots)
        self.lt = np.array([p["liquidation_threshold"] for p in prots])
        self.lb = np.array([p["liquidation_bonus"] for p in prots])
        self.cf = np.array([p.get("close_factor", 0.5) for p in prots])
        self.fchf = np.array([p.get("full_close_hf", 0.95) for p in prots])
        self.budget = cfg["liquidators"]["capital_usd_per_s"] * dt
        self.ws = max(1, steps_of(cfg["output"].get("sync_window_s", 3), dt, self.T + 1))
        self.casc_dd = cfg["cascade"]["drawdown"]
        self.casc_liq = cfg["cascade"]["liquidation_usd"]
        self.prot_names = [p["name"] for p in prots]

        # families, in config order (the file's family index)
        fams = []
        for fs in popc["families"]:
            fams.append(load_family(find_model(fs["model"], model_dirs)))
        if [f["name"] for f in fams] != pop["families"]:
            raise ValueError("families %s in the file, %s in the model files"
                             % (pop["families"], [f["name"] for f in fams]))
        self.fams = fams

        # population: AI agents first, then passive positions
        A = self.A = pop["n_agents"]
        role = pop["role"].astype(np.int64)
        self.role = role[:A]
        self.is_lp = self.role == 1
        self.family = pop["family"][:A].astype(np.int64)
        prot = pop["protocol"].astype(np.int64)
        self.prot = prot                               # [position], -1 for LPs
        self.lthr = logit(pop["threshold"][:A].astype(np.float64))
        lag = np.floor(pop["latency_s"][:A].astype(np.float64) / dt + 0.5)
        self.lag = np.minimum(lag, MAX_LAG).astype(np.int64)
        self.sellf = pop["sell_fraction"][:A].astype(np.float64)
        self.cool = np.array([steps_of(float(c), dt, self.T + 1)
                              for c in pop["cooldown_s"][:A]], np.int64)
        self.c0 = np.nan_to_num(pop["collateral_units"].astype(np.float64))
        self.d0 = np.nan_to_num(pop["debt_usd"].astype(np.float64))
        self.NP = len(prot)
        self.has_prot = prot >= 0
        pk = np.where(prot >= 0, prot, 0)
        self.pos_lt = np.where(prot >= 0, self.lt[pk], 0.0)
        self.pos_lb = np.where(prot >= 0, self.lb[pk], 0.0)
        self.pos_cf = np.where(prot >= 0, self.cf[pk], 0.0)
        self.pos_fchf = np.where(prot >= 0, self.fchf[pk], 0.0)
        self.pos_k = pk
        # LP shares: in the file since lp_share was added to /population;
        # older files do not have them
        n_lp = int(self.is_lp.sum())
        self.lp_share = np.zeros(A)
        if n_lp and "lp_share" in pop:
            self.lp_share[self.is_lp] = np.asarray(pop["lp_share"][:A], float)[self.is_lp]
        elif n_lp:
            log_sd = float(popc.get("collateral_usd", {}).get("log_sd", 1.0))
            w = np.ones(n_lp)
            if log_sd != 0.0:
                warnings.warn("collateral_usd.log_sd != 0: the file stores no LP shares; the "
                              "peer draws its own lognormal split")
                w = np.exp(log_sd * (rng or np.random.default_rng(0)).standard_normal(n_lp))
            self.lp_share[self.is_lp] = popc.get("lp_pool_share", 0.5) * w / w.sum()

        # shock specs
        self.specs = []
        for s in cfg.get("scenario", {}).get("shocks", []):
            size = s.get("size", {})
            mean, sd = float(size.get("mean", 0.0)), float(size.get("sd", 0.0))
            spec = {"kind": KINDS.index(s["kind"]),
                    "count": s.get("count"), "rate": s.get("rate_per_path"),
                    "time": _span(s["time_s"]), "dur": _span(s.get("duration_s", 0)),
                    "mean": mean, "sd": sd, "cap": abs(mean) + 6.0 * sd,
                    "prot": self.prot_names.index(s["protocol"]) if s["kind"] == "exploit" else -1}
            if spec["count"] is None:
                r = float(spec["rate"])
                spec["slots"] = int(math.ceil(r + 10.0 * math.sqrt(r) + 10.0))
            else:
                spec["slots"] = int(spec["count"])
            self.specs.append(spec)
        max_extra = sum(s["cap"] * s["slots"] for s in self.specs if s["kind"] == 3)
        self.max_delay = steps_of(self.delay_s + max_extra, dt, self.T)

    # -- scenario table ----------------------------------------------------
    def draw_scenarios(self, rng, P):
        """Per spec: active [P, slots], start step, steps, size."""
        rows = []
        for s in self.specs:
            n = s["slots"]
            if s["count"] is not None:
                cnt = np.full(P, n)
            else:
                cnt = np.minimum(rng.poisson(float(s["rate"]), P), n)
            active = np.arange(n)[None, :] < cnt[:, None]
            lo, hi = s["time"]
            tm = lo + (hi - lo) * rng.random((P, n))
            lo, hi = s["dur"]
            du = lo + (hi - lo) * rng.random((P, n))
            size = np.clip(s["mean"] + s["sd"] * rng.standard_normal((P, n)), -s["cap"], s["cap"])
            start = steps_of_arr(tm, self.dt, self.T + 1)
            nst = np.maximum(steps_of_arr(du, self.dt, self.T + 1), 1)
            rows.append((s, active, start, nst, size))
        return rows

    # -- the agents' logits ------------------------------------------------
    def logits(self, fam, X, hf):
        """fam's logit for features X [P, 8] (market) and own HF [P, n]."""
        if fam["kind"] == "mlp":
            w1 = fam["w1"]
            Xm = X.copy()
            Xm[:, HF] = 0.0
            base = Xm @ w1.T + fam["b1"]                       # [P, H]
            h = np.tanh(base[:, None, :] + hf[:, :, None] * w1[:, HF][None, None, :])
            return h @ fam["w2"] + fam["b2"]
        if fam["kind"] == "drawdown_rule":
            breach = np.maximum(X[:, DD] / fam["dd_limit"], -X[:, RETW] / fam["var_z"])
            v = fam["gain"] * (breach - 1.0) + fam["offset"]
            return np.broadcast_to(v[:, None], hf.shape)
        if fam["kind"] == "vol_target_rule":
            return (fam["gain"] * (X[:, VOL] / fam["target_ratio"] - 1.0)[:, None]
                    + fam["hf_weight"] * (1.0 - hf) + fam["offset"])
        raise ValueError(fam["kind"])

    # -- one batch of paths ------------------------------------------------
    def simulate(self, P, rng, perturb=None):
        perturb = perturb or {}
        T, A, NP, dt = self.T, self.A, self.NP, self.dt
        p0, lp0 = self.p0, math.log(self.p0)
        scen = self.draw_scenarios(rng, P)
        H = MAX_LAG + 1                                        # history offset
        W = self.window
        delay_s = 0.0 if perturb.get("no_oracle_delay") else self.delay_s
        delay_s += perturb.get("extra_delay_steps", 0) * dt
        max_delay = max(self.max_delay, steps_of(delay_s, dt, T))
        pos_lb = self.pos_lb * perturb.get("bonus_factor", 1.0)

        log_ps = np.full(P, lp0)
        stress = np.zeros(P, bool)
        x = np.full(P, self.depth0 / p0)
        y = np.full(P, self.depth0)
        l_out = np.zeros(P)
        lp_scale = np.ones(P)
        ewma = np.full(P, self.s_calm ** 2)
        max_or = np.full(P, p0)
        last_liq = np.zeros(P)
        max_pool = np.full(P, p0)
        min_pool = np.full(P, p0)
        max_dd = np.zeros(P)
        t_trough = np.zeros(P)
        peak_sync = np.zeros(P)
        act_sum = np.zeros(P)
        act_sq = np.zeros(P)
        liq_usd = np.zeros(P)
        n_liqs = np.zeros(P)
        bad_real = np.zeros(P)
        def_usd = np.zeros(P)
        t_first = np.full(P, -1.0)

        c = np.broadcast_to(self.c0, (P, NP)).copy()
        d = np.broadcast_to(self.d0, (P, NP)).copy()
        next_ok = np.zeros((P, A), np.int64)
        last_act = np.full((P, A), -(1 << 30), np.int64)
        acted = np.zeros((P, A), bool)
        lp_out = np.zeros((P, A), bool)

        pool_hist = np.full((T, P), p0)                         # pool price, end of step
        log_or = np.empty((T + H, P))                          # log oracle; before 0: log P0
        log_or[:H] = lp0
        feat = np.empty((T + H, P, 8))                         # features; before 0: calm
        feat[:H] = 0.0
        feat[:H, :, VOL] = 1.0
        feat[:H, :, HF] = HF_CAP
        feat[:H, :, BIAS] = 1.0
        oprice = np.empty((T + H, P))
        oprice[:H] = p0

        lags = np.unique(self.lag) if A else np.array([], np.int64)
        groups = []                                            # (family, lag, agent indices)
        for fi in range(len(self.fams)):
            for lg in lags:
                idx = np.nonzero((self.family == fi) & (self.lag == lg))[0]
                if idx.size:
                    groups.append((self.fams[fi], int(lg), idx))
        bor = ~self.is_lp
        lt_a = self.pos_lt[:A]
        lp_idx = np.nonzero(self.is_lp)[0]
        rows = np.arange(P)
        d_base = steps_of(delay_s, dt, max_delay)

        for t in range(T):
            # (1)-(2): shocks of the step, regime, fundamental price
            gap = np.zeros(P)
            liq_f = np.ones(P)
            extra = np.zeros(P)
            ofac = np.ones(P)
            forced = np.zeros(P, bool)
            exl = np.zeros((P, self.K))
            for s, active, start, nst, size in scen:
                on = active & (t >= start) & (t - start < nst)
                if not on.any():
                    continue
                k = s["kind"]
                if k == 0:
                    gap += np.where(on, size / nst, 0.0).sum(1)
                elif k == 1:
                    exl[:, s["prot"]] -= np.where(on, np.abs(size) / nst, 0.0).sum(1)
                elif k == 2:
                    keep = 1.0 - np.minimum(np.abs(size), 1.0 - 1e-9)
                    liq_f *= np.where(on, keep ** (1.0 / nst), 1.0).prod(1)
                elif k == 3:
                    extra += np.where(on, np.abs(size), 0.0).sum(1)
                elif k == 4:
                    ofac *= np.where(on, 1.0 + np.maximum(size, -0.99), 1.0).prod(1)
                else:
                    forced |= on.any(1)
            u = rng.random(P)
            stress = np.where(stress, u >= self.p_sc, u < self.p_cs)
            jumps = np.zeros(P)
            if self.jump_rate > 0:
                kj = np.minimum(rng.poisson(self.jump_rate, P), 64)
                jumps = np.where(kj > 0, kj * self.jump_mean
                                 + np.sqrt(kj) * self.jump_sd * rng.standard_normal(P), 0.0)
            if self.student:
                eps = rng.standard_t(self.nu, P) * math.sqrt((self.nu - 2.0) / self.nu)
            else:
                eps = rng.standard_normal(P)
            sig = np.where(stress | forced, self.s_stress, self.s_calm)
            log_ps = log_ps + (self.mu - 0.5 * sig * sig) + sig * eps + jumps + gap
            # liquidity withdrawal, then the refill of what is out (L = sqrt(XY))
            wd = liq_f < 1.0
            if wd.any():
                L = np.sqrt(x * y)
                l_out = l_out + np.where(wd, L * (1.0 - liq_f), 0.0)
                x, y = x * liq_f, y * liq_f
            rf = l_out > 0.0
            if rf.any():
                L = np.sqrt(x * y)
                back = np.where(rf, l_out * self.refill, 0.0)
                g = (L + back) / L
                x, y = x * g, y * g
                l_out = l_out - back
                lp_scale = lp_scale / g
            if (exl != 0).any():
                fac = np.exp(exl)                              # [P, K]
                c *= np.where(self.has_prot[None, :], fac[:, self.pos_k], 1.0)

            # (3) oracle and features
            dly = steps_of_arr(delay_s + extra, dt, max_delay)
            src = t - 1 - dly
            pool_src = pool_hist[np.maximum(src, 0), rows]
            oracle = np.where(src < 0, p0, pool_src) * ofac
            lo = np.log(oracle)
            ret1 = lo - log_or[t + H - 1]
            retw = lo - log_or[t + H - W]
            log_or[t + H] = lo
            ewma = ewma + self.alpha * (ret1 * ret1 - ewma)
            max_or = np.maximum(max_or, oracle)
            f = feat[t + H]
            f[:, RET1] = np.clip(ret1 / self.s_calm, -Z_MAX, Z_MAX)
            f[:, RETW] = np.clip(retw / (self.s_calm * math.sqrt(W)), -Z_MAX, Z_MAX)
            f[:, VOL] = np.clip(np.sqrt(ewma) / self.s_calm, 0.0, Z_MAX)
            f[:, DD] = np.clip(10.0 * (1.0 - oracle / max_or), 0.0, Z_MAX)
            f[:, HF] = HF_CAP
            f[:, LIQ] = np.clip(100.0 * last_liq / self.depth0, 0.0, Z_MAX)
            f[:, SIG] = 0.0
            f[:, BIAS] = 1.0
            oprice[t + H] = oracle

            # (4) agents decide and act
            n_act = np.zeros(P)
            sell_q = None
            if A:
                ca, da = c[:, :A], d[:, :A]
                lg_all = np.empty((P, A))
                for fam, lg, idx in groups:
                    X = feat[t + H - lg]
                    pr = oprice[t + H - lg]
                    lpm = self.is_lp[idx]
                    with np.errstate(divide="ignore", invalid="ignore"):
                        hf = ca[:, idx] * pr[:, None] * lt_a[idx] / da[:, idx]
                    hf = np.where(da[:, idx] > 0, np.minimum(hf, HF_CAP), HF_CAP)
                    hf = np.where(lpm[None, :], HF_CAP, hf)
                    lg_all[:, idx] = self.logits(fam, X, hf)
                able = np.where(self.is_lp[None, :], ~lp_out, (ca > 0) & (da > 0))
                cand = (next_ok <= t) & (lg_all > self.lthr[None, :]) & able
                if cand.any():
                    last_act[cand] = t
                    next_ok = np.where(cand, t + 1 + self.cool[None, :]
                                       + perturb.get("cooldown_shift", 0), next_ok)
                    acted |= cand
                    n_act = cand.sum(1).astype(np.float64)
                    t_first = np.where((t_first < 0) & (n_act > 0), t * dt, t_first)
                    # LP exits, in agent order, each its share of the pool as it is now
                    fire_lp = cand[:, lp_idx]
                    for j in np.nonzero(fire_lp.any(0))[0]:
                        a = lp_idx[j]
                        m = cand[:, a]
                        L = np.sqrt(x * y)
                        out = np.minimum(self.lp_share[a] * lp_scale * L, L * (1.0 - LP_FLOOR))
                        out = np.where(m, out, 0.0)
                        g = (L - out) / L
                        x, y = x * g, y * g
                        l_out = l_out + out
                        lp_scale = lp_scale / g
                    lp_out |= cand & self.is_lp[None, :]
                    sb = cand & bor[None, :]
                    if sb.any():
                        sell_q = np.where(sb, self.sellf[None, :] * ca, 0.0)
                sync = (last_act > t - self.ws).sum(1) / A
                peak_sync = np.maximum(peak_sync, sync)

            # (5) liquidations at the oracle on start-of-step positions
            with np.errstate(divide="ignore", invalid="ignore"):
                hfp = c * oracle[:, None] * self.pos_lt / d
            listed = (d > 0) & (c > 0) & (hfp < 1.0)
            step_liq = np.zeros(P)
            if listed.any() or sell_q is not None:
                if listed.any():
                    cfp = np.where(hfp < self.pos_fchf, 1.0, self.pos_cf)
                    repay = np.where(listed, cfp * d, 0.0)
                    seize = repay * (1.0 + pos_lb) / oracle[:, None]
                    full = listed & (seize >= c)
                    seize = np.where(full, c, seize)
                    repay = np.where(full, c * oracle[:, None] / (1.0 + pos_lb), repay)
                    bad = np.where(full, d - repay, 0.0)
                else:
                    repay = seize = bad = np.zeros((P, NP))
                skip = np.zeros((P, self.K), bool)

                def batch(skip):
                    ok = listed & ~skip[:, self.pos_k]
                    tot = np.where(ok, repay, 0.0).sum(1)
                    with np.errstate(divide="ignore", invalid="ignore"):
                        scale = np.where(tot > self.budget, self.budget / tot, 1.0)
                    take = np.where(ok, scale[:, None] * seize, 0.0)
                    if sell_q is not None:
                        left = np.maximum(c[:, :A] - take[:, :A], 0.0)
                        sale = np.minimum(sell_q, left)
                    else:
                        sale = np.zeros((P, A))
                    q = sale.sum(1) + take.sum(1)
                    return scale, take, sale, q

                scale, take, sale, q = batch(skip)
                if listed.any() and not perturb.get("no_skip"):
                    chk = (q > 0) & listed.any(1)
                    qe = q * (1.0 - self.fee)
                    with np.errstate(divide="ignore", invalid="ignore"):
                        avg_l = y * qe / (x + qe) / q
                    skip = chk[:, None] & (avg_l[:, None] * (1.0 + self.lb[None, :]
                                                             * perturb.get("bonus_factor", 1.0))
                                           < oracle[:, None])
                    if skip.any():
                        scale, take, sale, q = batch(skip)
                # (6) one batch on the pool
                qe = q * (1.0 - self.fee)
                outp = np.where(q > 0, y * qe / (x + qe), 0.0)
                with np.errstate(divide="ignore", invalid="ignore"):
                    avg = np.where(q > 0, outp / q, y / x)
                    y = np.where(q > 0, y * x / (x + qe), y)
                x = x + q
                if sell_q is not None:
                    proceeds = sale * avg[:, None]
                    da = d[:, :A]
                    d[:, :A] = da - np.minimum(proceeds, da)
                    c[:, :A] -= sale
                    def_usd += proceeds.sum(1)
                if listed.any():
                    tk = take > 0
                    close = tk & (scale[:, None] >= 1.0) & (bad > 0)
                    bad_real += np.where(close, bad, 0.0).sum(1)
                    c = np.where(close, 0.0, np.where(tk, np.maximum(c - take, 0.0), c))
                    d = np.where(close, 0.0,
                                 np.where(tk, np.maximum(d - scale[:, None] * repay, 0.0), d))
                    step_liq = (take * oracle[:, None]).sum(1)
                    n_liqs += tk.sum(1)
            liq_usd += step_liq
            last_liq = step_liq

            # (7) arbitrage, (8) bookkeeping
            k = x * y
            lpool = np.log(y / x)
            pn = np.exp(lpool + self.arb * (log_ps - lpool))
            x, y = np.sqrt(k / pn), np.sqrt(k * pn)
            price = y / x
            pool_hist[t] = price
            max_pool = np.maximum(max_pool, price)
            max_dd = np.maximum(max_dd, 1.0 - price / max_pool)
            low = price < min_pool
            min_pool = np.where(low, price, min_pool)
            t_trough = np.where(low, (t + 1) * dt, t_trough)
            act_sum += n_act
            act_sq += n_act * n_act

        # outcomes
        src = T - 1 - d_base
        oracle_h = pool_hist[src] if src >= 0 else np.full(P, p0)
        short = np.where(self.has_prot[None, :],
                         np.maximum(0.0, d - c * oracle_h[:, None]), 0.0).sum(1)
        out = {}
        out["max_drawdown"] = max_dd
        out["min_price_ratio"] = min_pool / p0
        out["final_price_ratio"] = (y / x) / p0
        out["liquidated_usd"] = liq_usd
        out["liquidations"] = n_liqs
        out["bad_debt_usd"] = bad_real + short
        out["bad_debt_realized_usd"] = bad_real
        out["defensive_sell_usd"] = def_usd
        out["agents_acted"] = acted.sum(1).astype(np.float64)
        out["peak_sync"] = peak_sync
        out["herding_index"] = herding(act_sum, act_sq, T, A)
        out["t_trough_s"] = t_trough
        out["cascade"] = ((max_dd >= self.casc_dd) & (liq_usd >= self.casc_liq)).astype(np.float64)
        out["t_first_move_s"] = t_first
        return out


def herding(s, sq, n, N):
    """Sample variance of per-step action counts over N p (1 - p); 0 if none."""
    if n < 2 or N <= 0:
        return np.zeros_like(s)
    mean = s / n
    var = np.maximum((sq - n * mean * mean) / (n - 1.0), 0.0)
    p = mean / N
    ind = N * p * (1.0 - p)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where((s > 0) & (ind > 0), var / ind, 0.0)
    return h


def run(results_path, paths, seed, batch=500, model_dirs=(), perturb=None):
    """Simulates `paths` paths on the results file's config and population;
    returns {outcome: array [paths]}."""
    cfg, pop = load_inputs(results_path)
    rng = np.random.default_rng(seed)
    m = Model(cfg, pop, model_dirs, rng=np.random.default_rng([seed, 1]))
    parts = []
    done = 0
    while done < paths:
        n = min(batch, paths - done)
        parts.append(m.simulate(n, rng, perturb))
        done += n
    return {k: np.concatenate([p[k] for p in parts]) for k in OUTCOMES}


def summarize(out):
    n = len(out["cascade"])
    res = {}
    for k in OUTCOMES:
        v = out[k]
        res[k] = {"mean": float(v.mean()), "sd": float(v.std(ddof=1)) if n > 1 else 0.0, "n": n}
    res["p_cascade"] = float(out["cascade"].mean())
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("results", help="engine results file (its config and population are used)")
    ap.add_argument("--paths", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=500, help="paths simulated at once")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()  # includes reading the population: a small share of it
    out = run(a.results, a.paths, a.seed, a.batch)
    sim_s = time.perf_counter() - t0
    res = summarize(out)
    if a.json:
        # blas: the library the timed matmuls ran on (bench/run_peers.sh refuses the reference one)
        print(json.dumps({"peer": "numpy_model.py", "paths": a.paths, "seed": a.seed,
                          "sim_s": sim_s, "paths_per_s": a.paths / sim_s,
                          "blas": peer_blas.blas_in_use(), "outcomes": res}, indent=1))
        return 0
    print("numpy peer: %d paths, seed %d" % (a.paths, a.seed))
    print("P(cascade) = %.4g" % res["p_cascade"])
    print("%-24s %14s %14s" % ("outcome", "mean", "sd"))
    for k in OUTCOMES:
        print("%-24s %14.6g %14.6g" % (k, res[k]["mean"], res[k]["sd"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
