//! Fitting distributions to observed durations.
//!
//! With at least [`MIN_SAMPLES`] samples: a lognormal from the mean and standard deviation of the
//! logarithms (median = e^μ, p95 = e^(μ + 1.645σ)). With fewer: the sample median, and an
//! assumed spread p95 = [`ASSUMED_SPREAD`] × median (or the largest sample, if larger), stated
//! in the output. Samples from second-resolution timestamps may be 0: such a sample is taken
//! as 500ms, the middle of the interval (0, 1s) it stands for.

use crate::time::format_ms;

/// Samples needed to fit the spread.
pub const MIN_SAMPLES: usize = 5;
/// p95 / median assumed with fewer samples (σ ≈ 0.42).
pub const ASSUMED_SPREAD: f64 = 2.0;
const Z95: f64 = 1.644_853_626_951_472_2;

/// A fitted distribution.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Fitted {
    /// Median ms.
    pub median_ms: u64,
    /// 95th percentile ms (equal to the median: fixed).
    pub p95_ms: u64,
    /// Samples.
    pub samples: usize,
    /// Whether the spread was assumed (too few samples).
    pub assumed_spread: bool,
}

impl Fitted {
    /// The scenario text: `{lognormal: {median: 20s, p95: 60s}}` or `12s`.
    #[must_use]
    pub fn yaml(&self) -> String {
        if self.p95_ms <= self.median_ms {
            format_ms(self.median_ms)
        } else {
            format!(
                "{{lognormal: {{median: {}, p95: {}}}}}",
                format_ms(self.median_ms),
                format_ms(self.p95_ms)
            )
        }
    }
    /// Human description of how it was fitted.
    #[must_use]
    pub fn how(&self) -> String {
        if self.p95_ms <= self.median_ms {
            format!("{} identical samples: fixed", self.samples)
        } else if self.assumed_spread {
            format!(
                "{} sample{}: median observed, spread assumed (p95 = {ASSUMED_SPREAD}× median)",
                self.samples,
                if self.samples == 1 { "" } else { "s" }
            )
        } else {
            format!("{} samples: lognormal fitted", self.samples)
        }
    }
}

/// Rounds to 10 ms so fitted values read cleanly.
fn round10(x: f64) -> u64 {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let v = (libm::round(x / 10.0) * 10.0).max(10.0) as u64;
    v
}

/// The sample median (mean of the middle two for an even count).
#[must_use]
pub fn median(v: &[u64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_unstable();
    let n = s.len();
    if n == 0 {
        return 0.0;
    }
    #[allow(clippy::cast_precision_loss)]
    if n % 2 == 1 {
        s[n / 2] as f64
    } else {
        (s[n / 2 - 1] + s[n / 2]) as f64 / 2.0
    }
}

/// Fits readiness (or apply) samples in ms; None without samples.
#[must_use]
#[allow(clippy::cast_precision_loss)]
pub fn fit(samples: &[u64]) -> Option<Fitted> {
    if samples.is_empty() {
        return None;
    }
    let v: Vec<u64> = samples.iter().map(|x| (*x).max(500)).collect();
    let n = v.len();
    if n > 1 && v.iter().all(|x| *x == v[0]) {
        let m = round10(v[0] as f64);
        return Some(Fitted {
            median_ms: m,
            p95_ms: m,
            samples: n,
            assumed_spread: false,
        });
    }
    if n < MIN_SAMPLES {
        let m = round10(median(&v));
        let max = *v.iter().max().expect("non-empty");
        let p95 = round10((m as f64 * ASSUMED_SPREAD).max(max as f64));
        return Some(Fitted {
            median_ms: m,
            p95_ms: p95,
            samples: n,
            assumed_spread: true,
        });
    }
    let logs: Vec<f64> = v.iter().map(|x| libm::log(*x as f64)).collect();
    let mu = logs.iter().sum::<f64>() / n as f64;
    let var = logs.iter().map(|l| (l - mu) * (l - mu)).sum::<f64>() / (n - 1) as f64;
    let sigma = libm::sqrt(var);
    let median_ms = round10(libm::exp(mu));
    let p95_ms = round10(libm::exp(mu + Z95 * sigma));
    Some(Fitted {
        median_ms,
        p95_ms: if p95_ms > median_ms {
            p95_ms
        } else {
            median_ms
        },
        samples: n,
        assumed_spread: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_samples_state_the_assumed_spread() {
        // 3 samples 10s, 12s, 30s: median 12s; p95 = max(2 × 12s, 30s) = 30s.
        let f = fit(&[10_000, 30_000, 12_000]).unwrap();
        assert_eq!(
            (f.median_ms, f.p95_ms, f.assumed_spread),
            (12_000, 30_000, true)
        );
        assert!(f.how().contains("spread assumed"));
        assert_eq!(f.yaml(), "{lognormal: {median: 12s, p95: 30s}}");
        // A zero from whole-second stamps counts as 0.5s.
        assert_eq!(fit(&[0]).unwrap().median_ms, 500);
        // Identical samples: fixed, no spread to assume.
        assert_eq!(fit(&[1000, 1000]).unwrap().yaml(), "1s");
    }

    #[test]
    fn lognormal_from_log_moments() {
        // ln of e-spaced samples: 10s·e^{-1,0,0,0,1} → μ = ln 10s, σ = sqrt(2/4) = 0.7071;
        // p95 = 10s · e^{1.6449·0.7071} = 10s · 3.2013 = 32.01s.
        let e = std::f64::consts::E;
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let s: Vec<u64> = [1.0 / e, 1.0, 1.0, 1.0, e]
            .iter()
            .map(|k| libm::round(10_000.0 * k) as u64)
            .collect();
        let f = fit(&s).unwrap();
        assert_eq!(f.median_ms, 10_000);
        assert!((f.p95_ms as i64 - 32_010).abs() <= 10, "{}", f.p95_ms);
        assert!(!f.assumed_spread);
    }
}
