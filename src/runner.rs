//! Public orchestration: one run, or N Monte Carlo trials in parallel (rayon), collected in
//! trial order and reduced sequentially, so results are byte-identical for any thread count.

use crate::analysis::critical_path::{critical_path, CriticalPath};
use crate::analysis::stuck::{explain, first_root_cause, StuckObject};
use crate::flux::simulate;
use crate::model::Model;
use crate::trace::Trace;
use rayon::prelude::*;

/// Everything about one run.
#[derive(Clone, Debug)]
pub struct RunOutput {
    /// Seed.
    pub seed: u64,
    /// Trial index.
    pub trial: u64,
    /// The trace.
    pub trace: Trace,
    /// Critical path (None when stuck).
    pub critical_path: Option<CriticalPath>,
    /// Stuck objects with their explanation.
    pub stuck: Vec<StuckObject>,
}

/// Runs trial `trial` of `m` under `seed`.
#[must_use]
pub fn run_once(m: &Model, seed: u64, trial: u64) -> RunOutput {
    let trace = simulate(m, seed, trial);
    let critical_path = critical_path(m, &trace);
    let stuck = if trace.makespan_ms.is_none() {
        explain(m, &trace)
    } else {
        vec![]
    };
    RunOutput {
        seed,
        trial,
        trace,
        critical_path,
        stuck,
    }
}

pub use crate::trace::TrialSummary;

/// Summarises one trial.
#[must_use]
pub fn trial_summary(m: &Model, seed: u64, trial: u64) -> TrialSummary {
    let t = simulate(m, seed, trial);
    let cp = critical_path(m, &t);
    let stuck_root = if t.makespan_ms.is_none() {
        first_root_cause(m, &t)
    } else {
        None
    };
    TrialSummary {
        makespan_ms: t.makespan_ms,
        critical: cp.as_ref().map(|c| c.objects.clone()).unwrap_or_default(),
        per_category_ms: cp
            .as_ref()
            .map(CriticalPath::per_category)
            .unwrap_or_default(),
        ready_ms: t.ready_ms,
        stuck_root,
        events: t.events,
    }
}

/// Monte Carlo settings.
#[derive(Clone, Debug)]
pub struct McConfig {
    /// Master seed.
    pub seed: u64,
    /// Number of trials.
    pub trials: u64,
    /// Worker threads (0: rayon's default).
    pub threads: usize,
}

/// Runs the trials; `progress` is called after each trial with the count done (from any thread).
///
/// # Errors
/// When the thread pool cannot be built.
pub fn monte_carlo(
    m: &Model,
    cfg: &McConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<TrialSummary>, String> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
        .map_err(|e| e.to_string())?;
    let done = std::sync::atomic::AtomicU64::new(0);
    Ok(pool.install(|| {
        (0..cfg.trials)
            .into_par_iter()
            .map(|i| {
                let s = trial_summary(m, cfg.seed, i);
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                progress(n);
                s
            })
            .collect()
    }))
}
