//! Monte Carlo statistics gathered one trial at a time, in memory that does not grow with the
//! number of trials (beyond one makespan per trial, which exact makespan quantiles, the trial
//! CSV and paired comparisons need).
//!
//! Everything is integer: counts, sums, and per-object Ready times either kept exactly (when
//! trials × objects is at most [`EXACT_READY_CELLS`]) or counted in a [`LogHistogram`]. So
//! merging two accumulators is exact and the result does not depend on how trials were split
//! among threads or shards. The mode is decided from the configured trial count and the
//! number of objects, never from the split.

use crate::analysis::sketch::LogHistogram;
use crate::model::{ObjectId, PerObject};
use crate::trace::{TrialSummary, N_CATEGORIES};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most trials × objects for which per-object Ready times are kept exactly (8 bytes each,
/// 32 MB); above it they are counted in log-bucketed histograms.
pub const EXACT_READY_CELLS: u64 = 4_000_000;

/// How per-object Ready times are kept.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadyMode {
    /// Every value: exact percentiles.
    Exact,
    /// Log-bucketed histograms: percentiles within [`crate::analysis::sketch::RELATIVE_ERROR`].
    Sketch,
}

impl ReadyMode {
    /// The mode for a run of `trials` trials (all shards together) of `objects` objects.
    #[must_use]
    pub fn for_run(trials: u64, objects: usize) -> Self {
        if trials.saturating_mul(objects as u64) <= EXACT_READY_CELLS {
            ReadyMode::Exact
        } else {
            ReadyMode::Sketch
        }
    }
}

/// Per-object Ready times of the trials in which the object became Ready.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadyTimes {
    /// Every value, per object (unsorted).
    Exact(PerObject<Vec<u64>>),
    /// One histogram per object.
    Sketch(PerObject<LogHistogram>),
}

/// What a set of trials adds up to. Build with [`McStats::new`], feed with [`McStats::add`]
/// in trial order, combine neighbouring ranges with [`McStats::merge`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct McStats {
    /// Index of the first trial in `makespans`.
    pub first_trial: u64,
    /// Makespan of each trial, in trial order (None: stuck).
    pub makespans: Vec<Option<u64>>,
    /// Critical-path ms per category, summed over finished trials.
    pub category_ms: [u64; N_CATEGORIES],
    /// Per object: trials with it on the critical path.
    pub critical: PerObject<u64>,
    /// Per object: trials in which it never became Ready.
    pub never_ready: PerObject<u64>,
    /// Per object: Ready times.
    pub ready: ReadyTimes,
    /// Root causes of stuck trials, with counts.
    pub stuck_roots: BTreeMap<String, u64>,
    /// Engine events, summed.
    pub events: u64,
}

impl McStats {
    /// Empty statistics for `objects` objects.
    #[must_use]
    pub fn new(objects: usize, mode: ReadyMode) -> Self {
        McStats {
            first_trial: 0,
            makespans: vec![],
            category_ms: [0; N_CATEGORIES],
            critical: vec![0; objects].into(),
            never_ready: vec![0; objects].into(),
            ready: match mode {
                ReadyMode::Exact => ReadyTimes::Exact(vec![vec![]; objects].into()),
                ReadyMode::Sketch => {
                    ReadyTimes::Sketch(vec![LogHistogram::default(); objects].into())
                }
            },
            stuck_roots: BTreeMap::new(),
            events: 0,
        }
    }

    /// Trials added.
    #[must_use]
    pub fn trials(&self) -> u64 {
        self.makespans.len() as u64
    }

    /// How Ready times are kept.
    #[must_use]
    pub fn mode(&self) -> ReadyMode {
        match self.ready {
            ReadyTimes::Exact(_) => ReadyMode::Exact,
            ReadyTimes::Sketch(_) => ReadyMode::Sketch,
        }
    }

    /// Adds trial `trial`, the one after the last added (the first sets where this range starts).
    pub fn add(&mut self, trial: u64, t: &TrialSummary) {
        if self.makespans.is_empty() {
            self.first_trial = trial;
        }
        debug_assert_eq!(trial, self.first_trial + self.trials());
        self.makespans.push(t.makespan_ms);
        if t.makespan_ms.is_some() {
            for (s, x) in self.category_ms.iter_mut().zip(t.per_category_ms) {
                *s = s.saturating_add(x);
            }
        }
        for &o in &t.critical {
            self.critical[o] += 1;
        }
        for (o, r) in t.ready_ms.iter_enumerated() {
            match (r, &mut self.ready) {
                (None, _) => self.never_ready[o] += 1,
                (Some(v), ReadyTimes::Exact(e)) => e[o].push(*v),
                (Some(v), ReadyTimes::Sketch(h)) => h[o].add(*v),
            }
        }
        if let Some(r) = &t.stuck_root {
            *self.stuck_roots.entry(r.clone()).or_default() += 1;
        }
        self.events = self.events.saturating_add(t.events);
    }

    /// Whether `other` covers the trials right after this one's (or either is empty), and
    /// both keep the same objects the same way.
    #[must_use]
    pub fn can_merge(&self, other: &McStats) -> bool {
        let adjacent = self.makespans.is_empty()
            || other.makespans.is_empty()
            || self.first_trial.checked_add(self.trials()) == Some(other.first_trial);
        adjacent && self.mode() == other.mode() && self.critical.len() == other.critical.len()
    }

    /// Adds `other`, which covers the trials right after this one's ([`McStats::can_merge`];
    /// otherwise `other` is ignored and false returned).
    pub fn merge(&mut self, other: McStats) -> bool {
        if !self.can_merge(&other) {
            return false;
        }
        if self.makespans.is_empty() {
            self.first_trial = other.first_trial;
        }
        self.makespans.extend(other.makespans);
        for (s, x) in self.category_ms.iter_mut().zip(other.category_ms) {
            *s = s.saturating_add(x);
        }
        add_counts(&mut self.critical, &other.critical);
        add_counts(&mut self.never_ready, &other.never_ready);
        match (&mut self.ready, other.ready) {
            (ReadyTimes::Exact(a), ReadyTimes::Exact(b)) => {
                for (x, y) in a.iter_mut().zip(b) {
                    x.extend(y);
                }
            }
            (ReadyTimes::Sketch(a), ReadyTimes::Sketch(b)) => {
                for (x, y) in a.iter_mut().zip(&b) {
                    x.merge(y);
                }
            }
            _ => unreachable!("can_merge checked the modes"),
        }
        for (k, v) in other.stuck_roots {
            let e = self.stuck_roots.entry(k).or_default();
            *e = e.saturating_add(v);
        }
        self.events = self.events.saturating_add(other.events);
        true
    }

    /// Object `o`'s nearest-rank Ready percentiles `ps` over all trials (never-Ready trials
    /// count as +∞, so a percentile among them is None). Exact, or within the histogram's error.
    #[must_use]
    pub fn ready_percentiles(&self, o: ObjectId, ps: &[f64]) -> Vec<Option<u64>> {
        self.ready_percentiles_of(o, self.trials(), ps)
    }

    /// Trials in which object `o` became Ready at or before `ms` (exact, or counting the
    /// histogram buckets whose middle is at or before `ms`).
    #[must_use]
    pub fn ready_at_most(&self, o: ObjectId, ms: i64) -> u64 {
        let Ok(ms) = u64::try_from(ms) else {
            return 0;
        };
        match &self.ready {
            ReadyTimes::Exact(e) => e[o].iter().filter(|v| **v <= ms).count() as u64,
            ReadyTimes::Sketch(h) => h[o].count_at_most(ms),
        }
    }

    /// [`McStats::ready_percentiles`] over `n` trials (for statistics whose makespans were
    /// taken out).
    #[must_use]
    pub fn ready_percentiles_of(&self, o: ObjectId, n: u64, ps: &[f64]) -> Vec<Option<u64>> {
        if n == 0 {
            return vec![None; ps.len()];
        }
        let ranks = ps
            .iter()
            .map(|p| crate::analysis::stats::rank(n as usize, *p) as u64);
        match &self.ready {
            ReadyTimes::Exact(e) => {
                let mut v = e[o].clone();
                v.sort_unstable();
                ranks.map(|k| v.get((k - 1) as usize).copied()).collect()
            }
            ReadyTimes::Sketch(h) => ranks.map(|k| h[o].kth(k)).collect(),
        }
    }
}

fn add_counts(a: &mut PerObject<u64>, b: &PerObject<u64>) {
    for (x, y) in a.iter_mut().zip(b) {
        *x = x.saturating_add(*y);
    }
}

/// Paired per-object Ready-time differences (B − A) of two models run on the same trials.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PairedStats {
    /// Object of A and its match in B.
    pub pairs: Vec<(ObjectId, ObjectId)>,
    /// Per pair: sum of B − A over trials where both became Ready (ms).
    pub diff_sum_ms: Vec<i64>,
    /// Per pair: those trials.
    pub both_ready: Vec<u64>,
}

impl PairedStats {
    /// Empty statistics over `pairs` (object of A, the same object in B).
    #[must_use]
    pub fn new(pairs: Vec<(ObjectId, ObjectId)>) -> Self {
        let n = pairs.len();
        PairedStats {
            pairs,
            diff_sum_ms: vec![0; n],
            both_ready: vec![0; n],
        }
    }

    /// Adds one trial of each side.
    #[allow(clippy::cast_possible_wrap)]
    pub fn add(&mut self, a: &TrialSummary, b: &TrialSummary) {
        for (i, &(ia, ib)) in self.pairs.iter().enumerate() {
            if let (Some(x), Some(y)) = (a.ready_ms[ia], b.ready_ms[ib]) {
                self.diff_sum_ms[i] = self.diff_sum_ms[i].saturating_add(y as i64 - x as i64);
                self.both_ready[i] += 1;
            }
        }
    }

    /// Adds `other` (over the same pairs).
    pub fn merge(&mut self, other: &PairedStats) {
        for i in 0..self.pairs.len() {
            self.diff_sum_ms[i] = self.diff_sum_ms[i].saturating_add(other.diff_sum_ms[i]);
            self.both_ready[i] += other.both_ready[i];
        }
    }

    /// Mean B − A of pair `i` (0 when never both Ready).
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn mean_ms(&self, i: usize) -> f64 {
        if self.both_ready[i] == 0 {
            0.0
        } else {
            self.diff_sum_ms[i] as f64 / self.both_ready[i] as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trial(makespan: Option<u64>, ready: [Option<u64>; 2], critical: Vec<usize>) -> TrialSummary {
        let mut per_category_ms = [0; N_CATEGORIES];
        per_category_ms[0] = makespan.unwrap_or(0) / 2;
        TrialSummary {
            makespan_ms: makespan,
            ready_ms: ready.to_vec().into(),
            critical: critical.into_iter().map(ObjectId::new).collect(),
            per_category_ms,
            stuck_root: makespan.is_none().then(|| "b waits".to_string()),
            events: 10,
        }
    }

    fn four() -> Vec<TrialSummary> {
        vec![
            trial(Some(100), [Some(10), Some(100)], vec![0, 1]),
            trial(None, [None, Some(40)], vec![]),
            trial(Some(300), [Some(30), Some(300)], vec![1]),
            trial(Some(200), [Some(20), Some(200)], vec![0, 1]),
        ]
    }

    #[test]
    fn counts_sums_and_exact_percentiles_by_hand() {
        let mut st = McStats::new(2, ReadyMode::Exact);
        for (i, t) in four().iter().enumerate() {
            st.add(i as u64, t);
        }
        assert_eq!(st.makespans, vec![Some(100), None, Some(300), Some(200)]);
        // Finished trials only: (100 + 300 + 200) / 2.
        assert_eq!(st.category_ms[0], 300);
        assert_eq!(st.critical.raw, vec![2, 3]);
        assert_eq!(st.never_ready.raw, vec![1, 0]);
        assert_eq!(st.stuck_roots.get("b waits"), Some(&1));
        assert_eq!(st.events, 40);
        // Object 0 over 4 trials: 10, 20, 30, never. p50: rank ⌈0.5·4⌉ = 2 → 20;
        // p75: rank 3 → 30; p95: rank ⌈3.8⌉ = 4 falls on the never-Ready trial → None.
        assert_eq!(
            st.ready_percentiles(ObjectId::new(0), &[0.5, 0.75, 0.95]),
            vec![Some(20), Some(30), None]
        );
    }

    #[test]
    fn split_and_merged_equals_whole_in_both_modes() {
        for mode in [ReadyMode::Exact, ReadyMode::Sketch] {
            let t = four();
            let mut whole = McStats::new(2, mode);
            t.iter()
                .enumerate()
                .for_each(|(i, x)| whole.add(i as u64, x));
            let (mut a, mut b) = (McStats::new(2, mode), McStats::new(2, mode));
            a.add(0, &t[0]);
            b.add(1, &t[1]);
            b.add(2, &t[2]);
            let mut c = McStats::new(2, mode);
            c.add(3, &t[3]);
            // Not neighbours: refused, unchanged.
            assert!(!a.clone().merge(c.clone()));
            assert!(a.merge(b));
            assert!(a.merge(McStats::new(2, mode)));
            assert!(a.merge(c));
            assert_eq!(a, whole);
        }
    }

    #[test]
    fn mode_follows_trials_times_objects() {
        assert_eq!(ReadyMode::for_run(25_000, 160), ReadyMode::Exact);
        assert_eq!(ReadyMode::for_run(25_001, 160), ReadyMode::Sketch);
        assert_eq!(ReadyMode::for_run(1_000_000, 160), ReadyMode::Sketch);
    }
}
