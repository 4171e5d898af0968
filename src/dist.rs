//! Duration distributions (SPEC "Scenario files"): fixed, uniform, exponential, lognormal by
//! median and p95, triangular, PERT, empirical samples.
//!
//! Sampling uses our own samplers on `libm`, so the same stream gives the same milliseconds on
//! every platform and build (anchors.md §A.4: `rand_distr` may switch math back-ends).

use crate::rng::Stream;

/// z-score of the 95th percentile of the standard normal distribution.
const Z95: f64 = 1.644_853_626_951_472_2;

/// A validated distribution of durations in milliseconds.
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    /// Always the same value.
    Fixed(u64),
    /// Uniform on [min, max].
    Uniform { min: u64, max: u64 },
    /// `offset` plus an exponential with the given mean.
    Exponential { mean: u64, offset: u64 },
    /// Lognormal with this median and 95th percentile (p95 > median > 0).
    LogNormal {
        mu: f64,
        sigma: f64,
        median: u64,
        p95: u64,
    },
    /// Triangular on [min, max] with the given mode.
    Triangular { min: u64, mode: u64, max: u64 },
    /// PERT (scaled Beta) on [min, max] with the given mode.
    Pert { min: u64, mode: u64, max: u64 },
    /// Resample one of these values uniformly.
    Empirical(Vec<u64>),
}

/// Why distribution parameters describe no distribution.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DistError {
    /// A lognormal median of zero.
    #[error("lognormal median must be above zero")]
    ZeroMedian,
    /// A lognormal p95 at or below its median.
    #[error(
        "lognormal p95 ({}) must be above the median ({})",
        crate::time::format_ms(*.p95),
        crate::time::format_ms(*.median)
    )]
    P95NotAboveMedian {
        /// The median, in milliseconds.
        median: u64,
        /// The 95th percentile, in milliseconds.
        p95: u64,
    },
}

impl Dist {
    /// A lognormal from its median and 95th percentile.
    ///
    /// # Errors
    /// [`DistError`] when the median is zero or p95 is not above the median.
    pub fn lognormal(median: u64, p95: u64) -> Result<Dist, DistError> {
        if median == 0 {
            return Err(DistError::ZeroMedian);
        }
        if p95 <= median {
            return Err(DistError::P95NotAboveMedian { median, p95 });
        }
        #[allow(clippy::cast_precision_loss)]
        let (m, p) = (median as f64, p95 as f64);
        Ok(Dist::LogNormal {
            mu: libm::log(m),
            sigma: libm::log(p / m) / Z95,
            median,
            p95,
        })
    }

    /// Draws one duration in milliseconds.
    pub fn sample(&self, s: &mut Stream) -> u64 {
        match self {
            Dist::Fixed(v) => *v,
            Dist::Uniform { min, max } => {
                let span = (max - min) as f64;
                min + to_ms(s.uniform() * span)
            }
            Dist::Exponential { mean, offset } => {
                offset + to_ms(-libm::log(s.uniform_open0()) * (*mean as f64))
            }
            Dist::LogNormal { mu, sigma, .. } => to_ms(libm::exp(mu + sigma * normal(s))),
            Dist::Triangular { min, mode, max } => {
                let (a, c, b) = (*min as f64, *mode as f64, *max as f64);
                if b <= a {
                    return *min;
                }
                let u = s.uniform();
                let fc = (c - a) / (b - a);
                let x = if u < fc {
                    a + libm::sqrt(u * (b - a) * (c - a))
                } else {
                    b - libm::sqrt((1.0 - u) * (b - a) * (b - c))
                };
                to_ms(x)
            }
            Dist::Pert { min, mode, max } => {
                let (a, c, b) = (*min as f64, *mode as f64, *max as f64);
                if b <= a {
                    return *min;
                }
                let alpha = 1.0 + 4.0 * (c - a) / (b - a);
                let beta = 1.0 + 4.0 * (b - c) / (b - a);
                let x = gamma(s, alpha);
                let y = gamma(s, beta);
                to_ms(a + (b - a) * x / (x + y))
            }
            Dist::Empirical(v) => {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let i = ((s.uniform() * v.len() as f64) as usize).min(v.len() - 1);
                v[i]
            }
        }
    }

    /// The mean of the distribution in milliseconds (for reports and tests).
    #[must_use]
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Fixed(v) => *v as f64,
            Dist::Uniform { min, max } => (*min as f64 + *max as f64) / 2.0,
            Dist::Exponential { mean, offset } => *mean as f64 + *offset as f64,
            Dist::LogNormal { mu, sigma, .. } => libm::exp(mu + sigma * sigma / 2.0),
            Dist::Triangular { min, mode, max } => (*min + *mode + *max) as f64 / 3.0,
            Dist::Pert { min, mode, max } => (*min as f64 + 4.0 * *mode as f64 + *max as f64) / 6.0,
            Dist::Empirical(v) => v.iter().map(|x| *x as f64).sum::<f64>() / v.len() as f64,
        }
    }
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn to_ms(x: f64) -> u64 {
    if x.is_finite() && x > 0.0 {
        libm::round(x).min(1e15) as u64
    } else {
        0
    }
}

/// Standard normal by Box–Muller (one value per call; deterministic, two uniforms).
fn normal(s: &mut Stream) -> f64 {
    let u1 = s.uniform_open0();
    let u2 = s.uniform();
    libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * std::f64::consts::PI * u2)
}

/// Gamma(shape, 1) by Marsaglia–Tsang (shape ≥ 1 here; PERT shapes are ≥ 1).
fn gamma(s: &mut Stream, shape: f64) -> f64 {
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / libm::sqrt(9.0 * d);
    for _ in 0..64 {
        let z = normal(s);
        let v = 1.0 + c * z;
        if v <= 0.0 {
            continue;
        }
        let v = v * v * v;
        let u = s.uniform_open0();
        if libm::log(u) < 0.5 * z * z + d - d * v + d * libm::log(v) {
            return d * v;
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, TrialKey};

    fn draws(d: &Dist, n: u32) -> Vec<u64> {
        (0..n)
            .map(|i| d.sample(&mut TrialKey::new(7, u64::from(i)).stream(1, Purpose::Ready, 0)))
            .collect()
    }

    fn quantile(v: &mut [u64], p: f64) -> u64 {
        v.sort_unstable();
        v[((v.len() as f64 - 1.0) * p) as usize]
    }

    #[test]
    fn lognormal_hits_median_and_p95() {
        let d = Dist::lognormal(30_000, 90_000).unwrap();
        let mut v = draws(&d, 20_000);
        let med = quantile(&mut v, 0.5) as f64;
        let p95 = quantile(&mut v, 0.95) as f64;
        assert!((med / 30_000.0 - 1.0).abs() < 0.03, "median {med}");
        assert!((p95 / 90_000.0 - 1.0).abs() < 0.05, "p95 {p95}");
        assert!(Dist::lognormal(10, 10).is_err());
    }

    #[test]
    fn uniform_triangular_pert_stay_in_range_and_have_right_mean() {
        for d in [
            Dist::Uniform {
                min: 1000,
                max: 5000,
            },
            Dist::Triangular {
                min: 1000,
                mode: 2000,
                max: 6000,
            },
            Dist::Pert {
                min: 1000,
                mode: 2000,
                max: 6000,
            },
            Dist::Exponential {
                mean: 3000,
                offset: 1000,
            },
        ] {
            let v = draws(&d, 20_000);
            let mean = v.iter().sum::<u64>() as f64 / v.len() as f64;
            assert!((mean / d.mean() - 1.0).abs() < 0.03, "{d:?}: mean {mean}");
            if !matches!(d, Dist::Exponential { .. }) {
                assert!(v.iter().all(|x| (1000..=6000).contains(x)));
            }
        }
    }

    #[test]
    fn empirical_only_returns_samples() {
        let d = Dist::Empirical(vec![5, 10, 20]);
        let v = draws(&d, 3000);
        for x in [5, 10, 20] {
            let n = v.iter().filter(|y| **y == x).count();
            assert!((900..1100).contains(&n), "{x}: {n}");
        }
    }
}
