//! Paired comparison of two scenarios run on the same random numbers (SPEC R17, "Comparison"):
//! per-trial makespan differences, their mean with a CI, percentile changes with paired
//! bootstrap CIs, the share of trials where B is faster, and the objects that moved most.

use crate::analysis::accumulate::{McStats, PairedStats, ReadyMode};
use crate::analysis::stats::{percentile, sort_with_stuck};
use crate::model::{Model, ObjectId, PerObject};
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
pub fn compare(
    ma: &Model,
    a: &[TrialSummary],
    mb: &Model,
    b: &[TrialSummary],
    seed: u64,
) -> Comparison {
    let n = a.len().min(b.len());
    let mut paired = PairedStats::new(pairs(ma, mb));
    let mut sa = McStats::new(
        ma.objects.len(),
        ReadyMode::for_run(n as u64, ma.objects.len()),
    );
    let mut sb = McStats::new(
        mb.objects.len(),
        ReadyMode::for_run(n as u64, mb.objects.len()),
    );
    for (i, (x, y)) in a[..n].iter().zip(&b[..n]).enumerate() {
        paired.add(x, y);
        sa.add(i as u64, x);
        sb.add(i as u64, y);
    }
    compare_stats(ma, &sa, mb, &sb, &paired, seed)
}

/// Each object of `ma` with the same object (by canonical name) in `mb`.
#[must_use]
pub fn pairs(ma: &Model, mb: &Model) -> Vec<(ObjectId, ObjectId)> {
    let by_name: std::collections::HashMap<&str, ObjectId> = mb
        .objects
        .iter_enumerated()
        .map(|(i, o)| (o.canonical.as_str(), i))
        .collect();
    ma.objects
        .iter_enumerated()
        .filter_map(|(ia, o)| Some((ia, *by_name.get(o.canonical.as_str())?)))
        .collect()
}

/// Mean of the paired makespan changes with its 95 % half-width.
#[allow(clippy::cast_precision_loss)]
fn mean_change(paired: &[i64]) -> (Option<f64>, Option<f64>) {
    if paired.is_empty() {
        return (None, None);
    }
    let nn = paired.len() as f64;
    let m = paired.iter().map(|x| *x as f64).sum::<f64>() / nn;
    let hw = (paired.len() > 1).then(|| {
        1.96 * libm::sqrt(
            paired.iter().map(|x| (*x as f64 - m).powi(2)).sum::<f64>() / (nn - 1.0) / nn,
        )
    });
    (Some(m), hw)
}

/// Trials where B is faster, slower, equal (a stuck side counts as slower).
fn race(mka: &[Option<u64>], mkb: &[Option<u64>]) -> (u64, u64, u64) {
    let (mut faster, mut slower, mut equal) = (0u64, 0u64, 0u64);
    for (x, y) in mka.iter().zip(mkb) {
        match (x, y) {
            (Some(x), Some(y)) if y < x => faster += 1,
            (Some(x), Some(y)) if y > x => slower += 1,
            (None, Some(_)) => faster += 1,
            (Some(_), None) => slower += 1,
            _ => equal += 1,
        }
    }
    (faster, slower, equal)
}

/// Per-object Ready-time changes, largest |mean change| first (at most 15).
fn object_changes(
    ma: &Model,
    sa: &McStats,
    mb: &Model,
    sb: &McStats,
    paired: &PairedStats,
) -> Vec<ObjectChange> {
    let p50 = |s: &McStats, o: ObjectId| s.ready_percentiles(o, &[0.5])[0];
    let mut in_b: PerObject<bool> = vec![false; mb.objects.len()].into();
    let mut objects = vec![];
    let mut next = paired.pairs.iter().enumerate().peekable();
    for (ia, oa) in ma.objects.iter_enumerated() {
        let mut change = ObjectChange {
            name: oa.display(),
            mean_change_ms: 0.0,
            a_p50_ms: p50(sa, ia),
            b_p50_ms: None,
            only_in: Some("A".into()),
        };
        if let Some((i, &(_, ib))) = next.next_if(|(_, p)| p.0 == ia) {
            in_b[ib] = true;
            change.mean_change_ms = paired.mean_ms(i);
            change.b_p50_ms = p50(sb, ib);
            change.only_in = None;
        }
        objects.push(change);
    }
    for (ib, ob) in mb.objects.iter_enumerated().filter(|(i, _)| !in_b[*i]) {
        objects.push(ObjectChange {
            name: ob.display(),
            mean_change_ms: 0.0,
            a_p50_ms: None,
            b_p50_ms: p50(sb, ib),
            only_in: Some("B".into()),
        });
    }
    objects.sort_by(|x, y| {
        y.mean_change_ms
            .abs()
            .total_cmp(&x.mean_change_ms.abs())
            .then(x.name.cmp(&y.name))
    });
    objects.truncate(15);
    objects
}

/// Compares the statistics of two models run on the same trials (see
/// [`crate::runner::monte_carlo_paired`]); `paired` holds the pairs of [`pairs`].
#[must_use]
#[allow(clippy::cast_precision_loss)]
pub fn compare_stats(
    ma: &Model,
    sa: &McStats,
    mb: &Model,
    sb: &McStats,
    paired: &PairedStats,
    seed: u64,
) -> Comparison {
    let (mka, mkb) = (&sa.makespans, &sb.makespans);
    let n = mka.len().min(mkb.len());
    let (mka, mkb) = (&mka[..n], &mkb[..n]);
    let changes: Vec<Option<i64>> = mka.iter().zip(mkb).map(|(x, y)| diff(*x, *y)).collect();
    let paired_changes: Vec<i64> = changes.iter().flatten().copied().collect();
    let (mean, hw) = mean_change(&paired_changes);
    let (faster, slower, equal) = race(mka, mkb);
    let share = |c: u64| if n == 0 { 0.0 } else { c as f64 / n as f64 };
    let [p50, p95]: [PercentileChange; 2] = pct_changes(mka, mkb, &[0.5, 0.95], seed)
        .try_into()
        .expect("two percentiles");
    let stuck = |v: &[Option<u64>]| share(v.iter().filter(|x| x.is_none()).count() as u64);
    Comparison {
        trials: n as u64,
        paired_trials: paired_changes.len() as u64,
        mean_change_ms: mean,
        mean_change_ci_ms: hw,
        b_faster_share: share(faster),
        b_slower_share: share(slower),
        equal_share: share(equal),
        p50,
        p95,
        a_stuck_probability: stuck(mka),
        b_stuck_probability: stuck(mkb),
        objects: object_changes(ma, sa, mb, sb, paired),
        trial_changes_ms: changes,
    }
}
