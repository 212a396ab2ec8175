/* mixture.h: the defensive mixture of importance sampling (DESIGN §3.6).
 *
 * Under scenario.mode "importance" a path is drawn from the untilted law p
 * with probability a (scenario.importance.defensive) and from the tilted
 * law q otherwise, the whole path alike: its shock counts and sizes and
 * the market's jumps. Its weight is then p / (a p + (1 - a) q) =
 * 1 / (a + (1 - a) / L), L = p / q the path's full likelihood ratio (every
 * slot, count and jump), which is bounded by 1 / a however many slots the
 * path tilts (Hesterberg 1995, "Weighted average importance sampling and
 * defensive mixture distributions", Technometrics 37(2)); the product of
 * per-slot ratios alone is not (its second moment grows like
 * exp(r (e^(t^2) - 1)) with a Poisson(r) count at tilt t). a = 0 is the
 * plain tilted law and its product weight, bit for bit. */
#ifndef STAMPEDE_MIXTURE_H
#define STAMPEDE_MIXTURE_H

#include <float.h>
#include <math.h>

#include "stampede/hd.h"
#include "stampede/rng.h"

/* 1 when `path` draws from the untilted component, with probability a. A
 * pure function of (seed, path): counter (path, 0, 0, draw 2) of the
 * scenario stream, a draw no scenario row (draw 0) or qmc shift (draw 1)
 * uses, so every batch, thread, shard and backend picks the same
 * component; the scenario rows (scenario.c) and the jumps (path.h) ask it
 * alike. Never 1 when a <= 0. */
static inline STP_HD int stp_mixture_untilted(unsigned long long seed, long long path, double a)
{
    stp_u32x4 u;
    if (!(a > 0.0)) return 0;
    u = stp_philox(seed, STP_STREAM_SCENARIO, (uint32_t)path, 0, 0, 2);
    /* a uniform in (0, 1) from 53 bits, so that a's resolution is not float's */
    return ((double)(u.v[0] >> 5) * 67108864.0 + (double)(u.v[1] >> 6) + 0.5) * 0x1p-53 < a;
}

/* The weight of a path with log likelihood ratio log_lr = log(p / q) under
 * the mixture of a (0 <= a < 1): 1 / (a + (1 - a) e^-log_lr) through
 * log-sum-exp, so that neither e^log_lr nor e^-log_lr overflows; at a = 0
 * e^log_lr, today's product weight. Exactly 1 when log_lr is 0; floored at
 * the smallest normal double (a weight must be positive; below it a path
 * carries no weight in any estimate). Host code: library exp and log, as
 * scenario.c's ratios. */
static inline double stp_mixture_weight(double log_lr, double a)
{
    double x, y, m;
    if (log_lr == 0.0) return 1.0;
    if (!(a > 0.0)) return fmax(exp(log_lr), DBL_MIN);
    x = log(a);
    y = log1p(-a) - log_lr;
    m = fmax(x, y);
    return fmax(exp(-(m + log1p(exp(-fabs(x - y))))), DBL_MIN);
}

#endif
