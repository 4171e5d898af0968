//! Public orchestration: one run, or N Monte Carlo trials in parallel (rayon), collected in
//! trial order and reduced sequentially, so results are byte-identical for any thread count.
//!
//! Every trial runs under an event budget (see [`event_budget`]) and Monte Carlo settings are
//! checked against fixed limits before anything is allocated, so no input can make a run
//! grow without bound (docs/limits.md).

use crate::analysis::critical_path::{critical_path, CriticalPath};
use crate::analysis::stuck::{explain, first_root_cause, StuckObject};
use crate::engine::with_event_budget;
use crate::flux::{simulate, simulate_reference, simulate_summary};
use crate::model::Model;
use crate::time::format_ms;
use crate::trace::Trace;
use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};

/// Events every trial may handle, whatever the scenario's size.
pub const BASE_EVENT_BUDGET: u64 = 500_000;
/// Further events per object and per workload.
pub const EVENTS_PER_ELEMENT: u64 = 10_000;
/// Most trials in one Monte Carlo run.
pub const MAX_TRIALS: u64 = 10_000_000;
/// Most (trials × objects) Ready times [`monte_carlo`], which keeps every trial's summary,
/// holds in memory (16 bytes each). The streaming runs ([`monte_carlo_stats`]) have no such
/// limit: their memory does not grow with the trial count.
pub const MAX_TRIAL_CELLS: u64 = 50_000_000;
/// Most worker threads.
pub const MAX_THREADS: usize = 256;

/// Why a run could not be done.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum RunError {
    /// `trials` is zero.
    #[error("--trials must be at least 1")]
    NoTrials,
    /// `trials` above [`MAX_TRIALS`].
    #[error("--trials {trials} is too many: at most {max}; run fewer trials")]
    TrialsOverLimit {
        /// Asked for.
        trials: u64,
        /// The limit.
        max: u64,
    },
    /// `trials` above what fits in memory for this scenario when every trial's summary is kept.
    #[error("--trials {trials} is too many: at most {max} for a scenario of {objects} objects (each trial keeps every object's Ready time); run fewer trials")]
    TooManyTrials {
        /// Asked for.
        trials: u64,
        /// The limit for this scenario.
        max: u64,
        /// Objects in the scenario.
        objects: usize,
    },
    /// `threads` above [`MAX_THREADS`].
    #[error("--threads {threads} is too many: at most {max} (0 uses one per core)")]
    TooManyThreads {
        /// Asked for.
        threads: usize,
        /// The limit.
        max: usize,
    },
    /// The thread pool could not be started.
    #[error("cannot start {threads} worker threads: {reason}")]
    ThreadPool {
        /// Asked for.
        threads: usize,
        /// The system's reason.
        reason: String,
    },
    /// A trial handled as many events as it may.
    #[error("trial {trial} stopped after {limit} events, the limit for a scenario of {elements} objects and workloads ({BASE_EVENT_BUDGET} + {EVENTS_PER_ELEMENT} each): {setting} with a horizon of {horizon} keeps it polling; raise that setting, shorten `horizon`, or fix what is stuck (`fluxsim run` with a shorter horizon shows it)")]
    EventBudget {
        /// The trial.
        trial: u64,
        /// The budget.
        limit: u64,
        /// Objects plus workloads.
        elements: usize,
        /// The shortest polling period, as a scenario setting (e.g. `requeueDependency: 1ms`).
        setting: String,
        /// The horizon, formatted.
        horizon: String,
    },
}

/// Events one trial of `m` may handle: [`BASE_EVENT_BUDGET`] plus [`EVENTS_PER_ELEMENT`] per
/// object and workload. A bootstrap that finishes needs a few per object; a stuck one polls,
/// and a poll period of a millisecond would otherwise run (and record) millions of reconciles
/// per simulated hour.
#[must_use]
pub fn event_budget(m: &Model) -> u64 {
    let n = (m.objects.len() + m.workloads.len()) as u64;
    BASE_EVENT_BUDGET.saturating_add(EVENTS_PER_ELEMENT.saturating_mul(n))
}

/// The scenario setting with the shortest period: what makes a stuck run poll the most.
fn shortest_period(m: &Model) -> String {
    let mut best = (u64::MAX, String::from("the polling intervals"));
    let mut consider = |ms: u64, what: String| {
        if ms < best.0 {
            best = (ms, what);
        }
    };
    consider(
        m.kustomize.requeue_dependency,
        "`controllers.kustomize.requeueDependency`".into(),
    );
    consider(
        m.helm.requeue_dependency,
        "`controllers.helm.requeueDependency`".into(),
    );
    for o in &m.objects {
        consider(o.interval, format!("`interval` of {}", o.display()));
        consider(
            o.retry_interval,
            format!("`retryInterval` of {}", o.display()),
        );
    }
    format!("{} of {}", best.1, format_ms(best.0))
}

fn budget_error(m: &Model, trial: u64) -> RunError {
    RunError::EventBudget {
        trial,
        limit: event_budget(m),
        elements: m.objects.len() + m.workloads.len(),
        setting: shortest_period(m),
        horizon: format_ms(m.horizon),
    }
}

/// Simulates one trial under the event budget.
fn simulate_bounded(m: &Model, seed: u64, trial: u64) -> Result<Trace, RunError> {
    bounded(m, seed, trial, simulate)
}

/// Simulates one trial under the event budget, for [`summarise`] (a finished trial's trace
/// has no end states: the summary does not read them).
fn simulate_summary_bounded(m: &Model, seed: u64, trial: u64) -> Result<Trace, RunError> {
    bounded(m, seed, trial, simulate_summary)
}

fn bounded(
    m: &Model,
    seed: u64,
    trial: u64,
    sim: fn(&Model, u64, u64) -> Trace,
) -> Result<Trace, RunError> {
    let budget = event_budget(m);
    let t = with_event_budget(budget, || sim(m, seed, trial));
    if t.events >= budget && t.makespan_ms.is_none() {
        return Err(budget_error(m, trial));
    }
    Ok(t)
}

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

fn output(m: &Model, seed: u64, trial: u64, trace: Trace) -> RunOutput {
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

/// Runs trial `trial` of `m` under `seed`. A trial that reaches its event budget ends there
/// and is reported stuck; [`try_run_once`] reports it as an error instead.
#[must_use]
pub fn run_once(m: &Model, seed: u64, trial: u64) -> RunOutput {
    let trace = with_event_budget(event_budget(m), || simulate(m, seed, trial));
    output(m, seed, trial, trace)
}

/// Runs trial `trial` of `m` under `seed`.
///
/// # Errors
/// [`RunError::EventBudget`] when the trial reaches its event budget.
pub fn try_run_once(m: &Model, seed: u64, trial: u64) -> Result<RunOutput, RunError> {
    let trace = simulate_bounded(m, seed, trial)?;
    Ok(output(m, seed, trial, trace))
}

pub use crate::trace::TrialSummary;

mod stream;
pub use stream::{
    monte_carlo_paired, monte_carlo_shard, monte_carlo_shard_in, monte_carlo_stats, BadShard,
    PairedRun, Shard,
};

fn summarise(m: &Model, t: Trace) -> TrialSummary {
    let (critical, per_category_ms) = match critical_path(m, &t) {
        Some(cp) => {
            let per_category = cp.per_category();
            (cp.objects, per_category)
        }
        None => (Vec::new(), Default::default()),
    };
    let stuck_root = if t.makespan_ms.is_none() {
        first_root_cause(m, &t)
    } else {
        None
    };
    TrialSummary {
        makespan_ms: t.makespan_ms,
        critical,
        per_category_ms,
        ready_ms: t.ready_ms,
        stuck_root,
        events: t.events,
    }
}

/// Summarises one trial (a trial that reaches its event budget counts as stuck).
#[must_use]
pub fn trial_summary(m: &Model, seed: u64, trial: u64) -> TrialSummary {
    let t = with_event_budget(event_budget(m), || simulate_summary(m, seed, trial));
    summarise(m, t)
}

/// [`trial_summary`] from the full trace of the plain reference simulation
/// ([`simulate_reference`]); tests check that the two are equal.
#[doc(hidden)]
#[must_use]
pub fn trial_summary_reference(m: &Model, seed: u64, trial: u64) -> TrialSummary {
    let t = with_event_budget(event_budget(m), || simulate_reference(m, seed, trial));
    summarise(m, t)
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

impl McConfig {
    /// Checks the settings against the limits of a streaming run ([`monte_carlo_stats`]),
    /// before anything is allocated. Those limits no longer depend on `m` (its memory does not
    /// grow with trials × objects); the model stays in the signature for callers and for
    /// limits that may.
    ///
    /// # Errors
    /// No trials, more than [`MAX_TRIALS`], too many threads.
    pub fn check(&self, _m: &Model) -> Result<(), RunError> {
        if self.trials == 0 {
            return Err(RunError::NoTrials);
        }
        if self.trials > MAX_TRIALS {
            return Err(RunError::TrialsOverLimit {
                trials: self.trials,
                max: MAX_TRIALS,
            });
        }
        if self.threads > MAX_THREADS {
            return Err(RunError::TooManyThreads {
                threads: self.threads,
                max: MAX_THREADS,
            });
        }
        Ok(())
    }

    /// Checks the settings against the limits of [`monte_carlo`], which keeps every trial's
    /// summary (so also trials × objects at most [`MAX_TRIAL_CELLS`]).
    ///
    /// # Errors
    /// As [`McConfig::check`], and too many trials for the scenario's size.
    pub fn check_collected(&self, m: &Model) -> Result<(), RunError> {
        self.check(m)?;
        let objects = m.objects.len();
        let max = MAX_TRIALS.min(MAX_TRIAL_CELLS / (objects as u64 + 1));
        if self.trials > max {
            return Err(RunError::TooManyTrials {
                trials: self.trials,
                max,
                objects,
            });
        }
        Ok(())
    }
}

/// Runs the trials and keeps every trial's summary; `progress` is called after each trial with
/// the count done (from any thread). Memory grows with trials × objects: reports use
/// [`monte_carlo_stats`], which streams.
///
/// # Errors
/// Settings over the limits ([`McConfig::check_collected`]), a thread pool that cannot be built, or a
/// trial that reaches its event budget (the first such trial in trial order).
pub fn monte_carlo(
    m: &Model,
    cfg: &McConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<TrialSummary>, RunError> {
    cfg.check_collected(m)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
        .map_err(|e| RunError::ThreadPool {
            threads: cfg.threads,
            reason: e.to_string(),
        })?;
    let done = AtomicU64::new(0);
    // The first trial (in trial order) that fails; later trials are skipped, earlier ones all
    // run, so the error reported is the same on any thread count.
    let first_failed = AtomicU64::new(u64::MAX);
    let results: Vec<Option<Result<TrialSummary, RunError>>> = pool.install(|| {
        (0..cfg.trials)
            .into_par_iter()
            .map(|i| {
                if i > first_failed.load(Ordering::Relaxed) {
                    return None;
                }
                let s = simulate_summary_bounded(m, cfg.seed, i).map(|t| summarise(m, t));
                if s.is_err() {
                    first_failed.fetch_min(i, Ordering::Relaxed);
                }
                progress(done.fetch_add(1, Ordering::Relaxed) + 1);
                Some(s)
            })
            .collect()
    });
    results.into_iter().map_while(|r| r).collect()
}
