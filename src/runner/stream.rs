//! Streaming Monte Carlo: trials are folded into [`McStats`] accumulators as they finish (per
//! rayon work item, in trial order) and neighbouring accumulators merged, so memory does not
//! grow with the trial count beyond one makespan per trial. Merging is exact, so the result
//! is the same on any thread count and for any split into shards ([`Shard`]).

use super::{simulate_summary_bounded, summarise, McConfig, RunError};
use crate::analysis::accumulate::{McStats, PairedStats, ReadyMode};
use crate::model::Model;
use rayon::prelude::*;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

/// One slice of a run's trials: shard `index` (0-based) of `count` runs trials
/// `[index·T/count, (index+1)·T/count)` of a run of `T` trials.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    /// This shard, 0-based (Kubernetes' `JOB_COMPLETION_INDEX`).
    pub index: u64,
    /// Shards in all.
    pub count: u64,
}

/// Why a `--shard` value is not `I/N`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{0}` is not I/N with 0 ≤ I < N: I is the 0-based shard index (as in JOB_COMPLETION_INDEX), e.g. 0/4 … 3/4")]
pub struct BadShard(pub String);

impl std::str::FromStr for Shard {
    type Err = BadShard;
    fn from_str(s: &str) -> Result<Self, BadShard> {
        let bad = || BadShard(s.to_string());
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u64 = i.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// The whole run as one shard.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// This shard's trials of a run of `trials` trials.
    #[must_use]
    #[allow(clippy::cast_possible_truncation)]
    pub fn trials(&self, trials: u64) -> Range<u64> {
        let at = |i: u64| (u128::from(i) * u128::from(trials) / u128::from(self.count)) as u64;
        at(self.index)..at(self.index + 1)
    }
}

/// An accumulator with the first failed trial it saw; `broken` once it skipped a trial.
struct Part<A> {
    acc: A,
    err: Option<(u64, RunError)>,
    broken: bool,
}

fn first_err(a: Option<(u64, RunError)>, b: Option<(u64, RunError)>) -> Option<(u64, RunError)> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if y.0 < x.0 { y } else { x }),
        (x, y) => x.or(y),
    }
}

fn pool(cfg: &McConfig) -> Result<rayon::ThreadPool, RunError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
        .map_err(|e| RunError::ThreadPool {
            threads: cfg.threads,
            reason: e.to_string(),
        })
}

/// Folds trials `range` into accumulators made by `new` with `trial`, merging neighbours with
/// `merge` in trial order. The first failing trial (in trial order) is the error; trials after
/// it are skipped, earlier ones all run, so the error is the same on any thread count.
fn fold_trials<A: Send>(
    cfg: &McConfig,
    range: Range<u64>,
    new: &(dyn Fn() -> A + Sync),
    trial: &(dyn Fn(&mut A, u64) -> Result<(), RunError> + Sync),
    merge: &(dyn Fn(&mut A, A) + Sync),
    progress: &(dyn Fn(u64) + Sync),
) -> Result<A, RunError> {
    let done = AtomicU64::new(0);
    let first_failed = AtomicU64::new(u64::MAX);
    let fresh = || Part {
        acc: new(),
        err: None,
        broken: false,
    };
    let step = |mut p: Part<A>, i: u64| {
        if p.broken || i > first_failed.load(Ordering::Relaxed) {
            p.broken = true;
            return p;
        }
        if let Err(e) = trial(&mut p.acc, i) {
            first_failed.fetch_min(i, Ordering::Relaxed);
            p.err = Some((i, e));
            p.broken = true;
        }
        progress(done.fetch_add(1, Ordering::Relaxed) + 1);
        p
    };
    let join = |mut a: Part<A>, b: Part<A>| {
        if a.broken || b.broken {
            a.err = first_err(a.err, b.err);
            a.broken = true;
        } else {
            merge(&mut a.acc, b.acc);
        }
        a
    };
    let part = pool(cfg)?.install(|| range.into_par_iter().fold(fresh, step).reduce(fresh, join));
    match part.err {
        Some((_, e)) => Err(e),
        None => Ok(part.acc),
    }
}

fn merge_stats(a: &mut McStats, b: McStats) {
    let merged = a.merge(b);
    debug_assert!(merged, "rayon reduces neighbouring ranges in order");
}

/// Runs `shard`'s trials of the run `cfg` and gathers their statistics (the Ready-time mode is
/// that of the whole run, so shards merge into exactly the unsharded result).
///
/// # Errors
/// Settings over the limits ([`McConfig::check`]), a thread pool that cannot be built, or a
/// trial that reaches its event budget (the first such trial in trial order).
pub fn monte_carlo_shard(
    m: &Model,
    cfg: &McConfig,
    shard: Shard,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<McStats, RunError> {
    let mode = ReadyMode::for_run(cfg.trials, m.objects.len());
    monte_carlo_shard_in(m, cfg, shard, mode, progress)
}

/// [`monte_carlo_shard`] keeping Ready times in `mode` whatever the run's size (every shard
/// of a run must use the same mode).
///
/// # Errors
/// As [`monte_carlo_shard`].
pub fn monte_carlo_shard_in(
    m: &Model,
    cfg: &McConfig,
    shard: Shard,
    mode: ReadyMode,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<McStats, RunError> {
    cfg.check(m)?;
    let new = || McStats::new(m.objects.len(), mode);
    let trial = |acc: &mut McStats, i: u64| {
        let t = simulate_summary_bounded(m, cfg.seed, i)?;
        acc.add(i, &summarise(m, t));
        Ok(())
    };
    let mut st = fold_trials(
        cfg,
        shard.trials(cfg.trials),
        &new,
        &trial,
        &merge_stats,
        progress,
    )?;
    if st.makespans.is_empty() {
        st.first_trial = shard.trials(cfg.trials).start;
    }
    Ok(st)
}

/// Runs all trials of `cfg` and gathers their statistics, in memory that does not grow with
/// the trial count (beyond one makespan per trial). See [`monte_carlo_shard`].
///
/// # Errors
/// As [`monte_carlo_shard`].
pub fn monte_carlo_stats(
    m: &Model,
    cfg: &McConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<McStats, RunError> {
    monte_carlo_shard(m, cfg, Shard::ALL, progress)
}

/// Statistics of two models run on the same trials, and their paired per-object differences.
#[derive(Clone, Debug)]
pub struct PairedRun {
    /// Model A.
    pub a: McStats,
    /// Model B.
    pub b: McStats,
    /// B − A per object present in both.
    pub paired: PairedStats,
}

/// Runs every trial of `cfg` on both models (trial `i` of each together); `progress` counts
/// both sides' trials (2 per trial).
///
/// # Errors
/// As [`monte_carlo_shard`], for either model.
pub fn monte_carlo_paired(
    ma: &Model,
    mb: &Model,
    cfg: &McConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<PairedRun, RunError> {
    cfg.check(ma)?;
    cfg.check(mb)?;
    let pairs = crate::analysis::compare::pairs(ma, mb);
    let (na, nb) = (ma.objects.len(), mb.objects.len());
    let new = || PairedRun {
        a: McStats::new(na, ReadyMode::for_run(cfg.trials, na)),
        b: McStats::new(nb, ReadyMode::for_run(cfg.trials, nb)),
        paired: PairedStats::new(pairs.clone()),
    };
    let trial = |acc: &mut PairedRun, i: u64| {
        let ta = summarise(ma, simulate_summary_bounded(ma, cfg.seed, i)?);
        let tb = summarise(mb, simulate_summary_bounded(mb, cfg.seed, i)?);
        acc.paired.add(&ta, &tb);
        acc.a.add(i, &ta);
        acc.b.add(i, &tb);
        Ok(())
    };
    let merge = |x: &mut PairedRun, y: PairedRun| {
        x.paired.merge(&y.paired);
        merge_stats(&mut x.a, y.a);
        merge_stats(&mut x.b, y.b);
    };
    let twice = |n: u64| progress(2 * n);
    fold_trials(cfg, 0..cfg.trials, &new, &trial, &merge, &twice)
}
