//! Monte Carlo statistics: exact-sort order statistics, distribution-free confidence intervals
//! for percentiles (Hahn & Meeker, *Statistical Intervals*: ranks from the binomial
//! distribution), mean with a normal-approximation interval.

use serde::{Deserialize, Serialize};

/// Nearest-rank percentile of sorted values: the ⌈p·n⌉-th smallest (1-based). `None` values are
/// stuck trials and sort last (they count as +∞), so a percentile that falls among them is None.
#[must_use]
pub fn percentile(sorted: &[Option<u64>], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let k = rank(sorted.len(), p);
    sorted[k - 1]
}

/// The 1-based nearest rank ⌈p·n⌉ (at least 1, at most n).
#[must_use]
pub fn rank(n: usize, p: f64) -> usize {
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    let k = libm::ceil(p * n as f64) as usize;
    k.clamp(1, n)
}

/// Sorts with stuck (None) last.
#[must_use]
pub fn sort_with_stuck(v: &[Option<u64>]) -> Vec<Option<u64>> {
    let mut s = v.to_vec();
    s.sort_by(|a, b| match (a, b) {
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    s
}

/// Binomial CDF P(B ≤ k) for B ~ Bin(n, p), summed in log space over the window that holds the
/// mass (±12σ), so it is exact to double precision and O(√n).
#[allow(clippy::cast_precision_loss)]
fn binom_cdf(n: usize, p: f64, k: i64) -> f64 {
    if k < 0 {
        return 0.0;
    }
    if k as usize >= n {
        return 1.0;
    }
    let nf = n as f64;
    let sd = libm::sqrt(nf * p * (1.0 - p)).max(1.0);
    let lo = libm::floor(nf * p - 12.0 * sd).max(0.0) as i64;
    let mut sum = 0.0;
    let lp = libm::log(p);
    let lq = libm::log(1.0 - p);
    let lnf = libm::lgamma(nf + 1.0);
    for j in lo..=k {
        let jf = j as f64;
        sum += libm::exp(
            lnf - libm::lgamma(jf + 1.0) - libm::lgamma(nf - jf + 1.0) + jf * lp + (nf - jf) * lq,
        );
    }
    sum.min(1.0)
}

/// A percentile with its 95 % distribution-free confidence interval.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PercentileCi {
    /// Estimate (None: falls among stuck trials).
    pub value: Option<u64>,
    /// Lower bound (order statistic of rank l).
    pub ci_low: Option<u64>,
    /// Upper bound (order statistic of rank u).
    pub ci_high: Option<u64>,
}

/// Ranks (l, u), 1-based, with P(X_(l) ≤ ξ_p ≤ X_(u)) ≥ 95 %: l is the largest rank with
/// P(B ≤ l−1) ≤ 2.5 %, u the smallest with P(B ≤ u−1) ≥ 97.5 %, B ~ Bin(n, p).
#[must_use]
pub fn percentile_ci_ranks(n: usize, p: f64) -> (usize, usize) {
    if n == 0 {
        return (1, 1);
    }
    let center = rank(n, p);
    let mut l = center;
    #[allow(clippy::cast_possible_wrap)]
    while l > 1 && binom_cdf(n, p, l as i64 - 1) > 0.025 {
        l -= 1;
    }
    let mut u = center;
    #[allow(clippy::cast_possible_wrap)]
    while u < n && binom_cdf(n, p, u as i64 - 1) < 0.975 {
        u += 1;
    }
    (l, u)
}

/// Percentile with CI from sorted values (stuck last).
#[must_use]
pub fn percentile_ci(sorted: &[Option<u64>], p: f64) -> PercentileCi {
    if sorted.is_empty() {
        return PercentileCi {
            value: None,
            ci_low: None,
            ci_high: None,
        };
    }
    let (l, u) = percentile_ci_ranks(sorted.len(), p);
    PercentileCi {
        value: percentile(sorted, p),
        ci_low: sorted[l - 1],
        ci_high: sorted[u - 1],
    }
}

/// Mean and 95 % half-width (normal approximation, 1.96·s/√n) of the finished values.
#[must_use]
#[allow(clippy::cast_precision_loss)]
pub fn mean_ci(v: &[u64]) -> (Option<f64>, Option<f64>) {
    if v.is_empty() {
        return (None, None);
    }
    let n = v.len() as f64;
    let mean = v.iter().map(|x| *x as f64).sum::<f64>() / n;
    if v.len() < 2 {
        return (Some(mean), None);
    }
    let var = v.iter().map(|x| (*x as f64 - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (Some(mean), Some(1.96 * libm::sqrt(var / n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<Option<u64>> = (1..=100).map(Some).collect();
        assert_eq!(percentile(&v, 0.5), Some(50));
        assert_eq!(percentile(&v, 0.95), Some(95));
        assert_eq!(percentile(&v, 0.99), Some(99));
        let mut w = v.clone();
        w[99] = None;
        let w = sort_with_stuck(&w);
        assert_eq!(percentile(&w, 0.99), Some(99));
        assert_eq!(percentile(&w, 1.0), None);
    }

    #[test]
    fn ci_ranks_match_the_textbook_example() {
        // anchors.md §B: R = 10 000, p = 0.95 → ranks about 9 457 … 9 543.
        let (l, u) = percentile_ci_ranks(10_000, 0.95);
        assert!((9455..=9459).contains(&l), "l = {l}");
        assert!((9541..=9545).contains(&u), "u = {u}");
        // Small n, median: n = 20 → (6, 15) by the exact binomial (P(B ≤ 5) = 0.0207).
        assert_eq!(percentile_ci_ranks(20, 0.5), (6, 15));
    }

    #[test]
    fn mean_and_halfwidth() {
        let (m, h) = mean_ci(&[10, 20, 30]);
        assert_eq!(m, Some(20.0));
        assert!((h.unwrap() - 1.96 * 10.0 / 3f64.sqrt()).abs() < 1e-9);
    }
}
