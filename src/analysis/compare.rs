//! Paired comparison of two scenarios run on the same random numbers (SPEC R17, "Comparison"):
//! per-trial makespan differences, their mean with a CI, percentile changes with paired
//! bootstrap CIs, the share of trials where B is faster, and the objects that moved most.

use crate::analysis::stats::{percentile, sort_with_stuck};
use crate::model::Model;
use crate::rng::{name_hash, Purpose, TrialKey};
use crate::trace::TrialSummary;
use serde::Serialize;

/// A change in one percentile, B − A, with a 95 % paired-bootstrap interval.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PercentileChange {
    /// A's value.
    pub a: Option<u64>,
    /// B's value.
    pub b: Option<u64>,
    /// B − A in ms (None when either is stuck).
    pub change_ms: Option<i64>,
    /// 2.5 % bootstrap quantile of the change.
    pub ci_low_ms: Option<i64>,
    /// 97.5 % bootstrap quantile of the change.
    pub ci_high_ms: Option<i64>,
}

/// One object's Ready-time change.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ObjectChange {
    /// Object.
    pub name: String,
    /// Mean of B − A over trials where both are Ready (ms).
    pub mean_change_ms: f64,
    /// Ready p50 in A.
    pub a_p50_ms: Option<u64>,
    /// Ready p50 in B.
    pub b_p50_ms: Option<u64>,
    /// Present only in A or only in B.
    pub only_in: Option<String>,
}

/// The paired comparison.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// Trials.
    pub trials: u64,
    /// Trials where both finished.
    pub paired_trials: u64,
    /// Mean of B − A over paired trials (ms).
    pub mean_change_ms: Option<f64>,
    /// 95 % half-width of that mean.
    pub mean_change_ci_ms: Option<f64>,
    /// Share of trials where B finished strictly earlier (a stuck A counts as slower).
    pub b_faster_share: f64,
    /// Share where B finished strictly later.
    pub b_slower_share: f64,
    /// Share where both are equal (or both stuck).
    pub equal_share: f64,
    /// p50 change.
    pub p50: PercentileChange,
    /// p95 change.
    pub p95: PercentileChange,
    /// Stuck probability of A.
    pub a_stuck_probability: f64,
    /// Stuck probability of B.
    pub b_stuck_probability: f64,
    /// Objects sorted by |mean change|, largest first (at most 15).
    pub objects: Vec<ObjectChange>,
    /// Every trial's B − A (null if either is stuck).
    pub trial_changes_ms: Vec<Option<i64>>,
}

#[allow(clippy::cast_possible_wrap)]
fn diff(a: Option<u64>, b: Option<u64>) -> Option<i64> {
    Some(b? as i64 - a? as i64)
}

/// Bootstrap resamples for percentile-change intervals.
pub const BOOTSTRAP_RESAMPLES: u32 = 400;

/// Percentile changes for each of `ps`, with 95 % paired-bootstrap intervals. One set of
/// resamples (shared by A and B, and by every percentile) serves all of them.
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]
fn pct_changes(
    a: &[Option<u64>],
    b: &[Option<u64>],
    ps: &[f64],
    seed: u64,
) -> Vec<PercentileChange> {
    let (sa, sb) = (sort_with_stuck(a), sort_with_stuck(b));
    let n = a.len();
    let mut boots: Vec<Vec<i64>> = vec![Vec::with_capacity(BOOTSTRAP_RESAMPLES as usize); ps.len()];
    let mut stuck_boot = vec![0u32; ps.len()];
    let key = TrialKey::new(seed, u64::MAX);
    let mut ra = vec![None; n];
    let mut rb = vec![None; n];
    for k in 0..BOOTSTRAP_RESAMPLES {
        // One stream per resample: the resampled trial indices are shared by A and B (paired).
        let mut s = key.stream(name_hash("bootstrap"), Purpose::Jitter, k << 16);
        for i in 0..n {
            if i % 32 == 0 && i > 0 {
                // A stream window holds 256 words (128 draws): move to a fresh window per 32.
                let c = (i / 32) as u32;
                s = key.stream(name_hash("bootstrap"), Purpose::Jitter, (k << 16) + c);
            }
            let j = ((s.uniform() * n as f64) as usize).min(n - 1);
            ra[i] = a[j];
            rb[i] = b[j];
        }
        let (xa, xb) = (sort_with_stuck(&ra), sort_with_stuck(&rb));
        for (q, p) in ps.iter().enumerate() {
            match diff(percentile(&xa, *p), percentile(&xb, *p)) {
                Some(d) => boots[q].push(d),
                None => stuck_boot[q] += 1,
            }
        }
    }
    ps.iter()
        .enumerate()
        .map(|(q, p)| {
            let bq = &mut boots[q];
            bq.sort_unstable();
            let (lo, hi) = if bq.is_empty() || stuck_boot[q] > BOOTSTRAP_RESAMPLES / 40 {
                (None, None)
            } else {
                let m = bq.len();
                (
                    Some(bq[(m as f64 * 0.025) as usize]),
                    Some(bq[((m as f64 * 0.975) as usize).min(m - 1)]),
                )
            };
            let (va, vb) = (percentile(&sa, *p), percentile(&sb, *p));
            PercentileChange {
                a: va,
                b: vb,
                change_ms: diff(va, vb),
                ci_low_ms: lo,
                ci_high_ms: hi,
            }
        })
        .collect()
}

/// Compares paired trial summaries (same seed, same trial indices).
#[must_use]
#[allow(clippy::cast_precision_loss)]
pub fn compare(
    ma: &Model,
    a: &[TrialSummary],
    mb: &Model,
    b: &[TrialSummary],
    seed: u64,
) -> Comparison {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mka: Vec<Option<u64>> = a.iter().map(|t| t.makespan_ms).collect();
    let mkb: Vec<Option<u64>> = b.iter().map(|t| t.makespan_ms).collect();
    let changes: Vec<Option<i64>> = mka.iter().zip(&mkb).map(|(x, y)| diff(*x, *y)).collect();
    let paired: Vec<i64> = changes.iter().flatten().copied().collect();
    let (mean, hw) = if paired.is_empty() {
        (None, None)
    } else {
        let nn = paired.len() as f64;
        let m = paired.iter().map(|x| *x as f64).sum::<f64>() / nn;
        let hw = if paired.len() > 1 {
            Some(
                1.96 * libm::sqrt(
                    paired.iter().map(|x| (*x as f64 - m).powi(2)).sum::<f64>() / (nn - 1.0) / nn,
                ),
            )
        } else {
            None
        };
        (Some(m), hw)
    };
    let (mut faster, mut slower, mut equal) = (0u64, 0u64, 0u64);
    for (x, y) in mka.iter().zip(&mkb) {
        match (x, y) {
            (Some(x), Some(y)) if y < x => faster += 1,
            (Some(x), Some(y)) if y > x => slower += 1,
            (None, Some(_)) => faster += 1,
            (Some(_), None) => slower += 1,
            _ => equal += 1,
        }
    }
    let share = |c: u64| if n == 0 { 0.0 } else { c as f64 / n as f64 };
    let mut objects = vec![];
    for (ia, oa) in ma.objects.iter().enumerate() {
        let ib = mb.objects.iter().position(|o| o.canonical == oa.canonical);
        let ra: Vec<Option<u64>> = a.iter().map(|t| t.ready_ms[ia]).collect();
        let p50a = percentile(&sort_with_stuck(&ra), 0.5);
        match ib {
            Some(ib) => {
                let rb: Vec<Option<u64>> = b.iter().map(|t| t.ready_ms[ib]).collect();
                let d: Vec<i64> = ra
                    .iter()
                    .zip(&rb)
                    .filter_map(|(x, y)| diff(*x, *y))
                    .collect();
                let mean = if d.is_empty() {
                    0.0
                } else {
                    d.iter().map(|x| *x as f64).sum::<f64>() / d.len() as f64
                };
                objects.push(ObjectChange {
                    name: oa.display(),
                    mean_change_ms: mean,
                    a_p50_ms: p50a,
                    b_p50_ms: percentile(&sort_with_stuck(&rb), 0.5),
                    only_in: None,
                });
            }
            None => objects.push(ObjectChange {
                name: oa.display(),
                mean_change_ms: 0.0,
                a_p50_ms: p50a,
                b_p50_ms: None,
                only_in: Some("A".into()),
            }),
        }
    }
    for (ib, ob) in mb.objects.iter().enumerate() {
        if !ma.objects.iter().any(|o| o.canonical == ob.canonical) {
            let rb: Vec<Option<u64>> = b.iter().map(|t| t.ready_ms[ib]).collect();
            objects.push(ObjectChange {
                name: ob.display(),
                mean_change_ms: 0.0,
                a_p50_ms: None,
                b_p50_ms: percentile(&sort_with_stuck(&rb), 0.5),
                only_in: Some("B".into()),
            });
        }
    }
    objects.sort_by(|x, y| {
        y.mean_change_ms
            .abs()
            .total_cmp(&x.mean_change_ms.abs())
            .then(x.name.cmp(&y.name))
    });
    objects.truncate(15);
    let [p50, p95]: [PercentileChange; 2] = pct_changes(&mka, &mkb, &[0.5, 0.95], seed)
        .try_into()
        .expect("two percentiles");
    let stuck = |v: &[Option<u64>]| share(v.iter().filter(|x| x.is_none()).count() as u64);
    Comparison {
        trials: n as u64,
        paired_trials: paired.len() as u64,
        mean_change_ms: mean,
        mean_change_ci_ms: hw,
        b_faster_share: share(faster),
        b_slower_share: share(slower),
        equal_share: share(equal),
        p50,
        p95,
        a_stuck_probability: stuck(&mka),
        b_stuck_probability: stuck(&mkb),
        objects,
        trial_changes_ms: changes,
    }
}
