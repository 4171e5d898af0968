//! `fluxsim advise`: proposes the `dependsOn` and settings changes that make bootstrap faster
//! or safer, each measured on common random numbers against the scenario as it is.
//!
//! Candidates come cheaply from the structure (transitive reduction, run-time needs, CRDs and
//! webhooks that nothing orders, leaves holding workers, controller flags, timeouts below a
//! workload's p95) and from a pilot run's criticality. Every candidate is screened with a few
//! hundred paired trials; the most promising are confirmed with the full trial count.

pub mod candidates;
pub mod graph;

use crate::analysis::compare::{compare, Comparison};
use crate::model::{build, Model, PerObject};
use crate::runner::{monte_carlo, McConfig, TrialSummary};
use crate::scenario::edit::apply;
use crate::scenario::{parse, Scenario};
pub use candidates::{Candidate, Kind};
use serde::Serialize;

/// Why advise could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdviseError {
    /// The scenario does not validate (the diagnostics, rendered).
    #[error("{0}")]
    Invalid(String),
    /// The Monte Carlo could not run (too many trials or threads).
    #[error(transparent)]
    Run(#[from] crate::runner::RunError),
}

/// What `advise` looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Only {
    /// Everything.
    All,
    /// `dependsOn` changes only.
    Edges,
    /// Settings (flags, timeouts, retries, wait) only.
    Settings,
}

/// Settings of an advise run.
#[derive(Clone, Debug)]
pub struct AdviseConfig {
    /// Seed shared by every side.
    pub seed: u64,
    /// Trials that confirm a suggestion.
    pub trials: u64,
    /// Trials that screen a candidate (at most `trials`).
    pub screen_trials: u64,
    /// Worker threads (0: all cores).
    pub threads: usize,
    /// At most this many suggestions.
    pub max_suggestions: usize,
    /// Which kinds.
    pub only: Only,
}

/// A measured suggestion.
#[derive(Clone, Debug, Serialize)]
pub struct Suggestion {
    /// The change.
    #[serde(flatten)]
    pub candidate: Candidate,
    /// The paired comparison against the scenario as it is.
    pub effect: Comparison,
    /// Stuck probability without and with the change.
    pub stuck: (f64, f64),
    /// 95 % half-width of the paired stuck-probability change.
    pub stuck_change_ci: f64,
    /// A warning the reader must see (the change raises the stuck probability, or the
    /// structure says it is unsafe).
    pub warning: Option<String>,
}

/// The result of `advise`.
#[derive(Clone, Debug, Serialize)]
pub struct Advice {
    /// Scenario name.
    pub scenario: String,
    /// Seed.
    pub seed: u64,
    /// Trials per confirmed suggestion.
    pub trials: u64,
    /// Trials per screened candidate.
    pub screen_trials: u64,
    /// Candidates screened.
    pub screened: usize,
    /// Trials simulated in all (both sides counted once for the baseline).
    pub trials_simulated: u64,
    /// Suggestions, best first.
    pub suggestions: Vec<Suggestion>,
    /// Readiness profiles that are guesses (the verdicts rest on them).
    pub guessed: Vec<String>,
}

fn stuck_share(t: &[TrialSummary]) -> f64 {
    if t.is_empty() {
        return 0.0;
    }
    #[allow(clippy::cast_precision_loss)]
    let s = t.iter().filter(|x| x.makespan_ms.is_none()).count() as f64 / t.len() as f64;
    s
}

/// 95 % half-width of the mean of paired stuck indicators (B − A).
#[allow(clippy::cast_precision_loss)]
fn stuck_ci(a: &[TrialSummary], b: &[TrialSummary]) -> f64 {
    let d: Vec<f64> = a
        .iter()
        .zip(b)
        .map(|(x, y)| {
            f64::from(u8::from(y.makespan_ms.is_none()))
                - f64::from(u8::from(x.makespan_ms.is_none()))
        })
        .collect();
    let n = d.len() as f64;
    if n < 2.0 {
        return 0.0;
    }
    let mean = d.iter().sum::<f64>() / n;
    let var = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    1.96 * (var / n).sqrt()
}

/// Share of trials with each object on the critical path.
#[allow(clippy::cast_precision_loss)]
fn criticality(m: &Model, t: &[TrialSummary]) -> PerObject<f64> {
    let mut c: PerObject<f64> = vec![0.0; m.objects.len()].into();
    for s in t {
        for &o in &s.critical {
            c[o] += 1.0;
        }
    }
    let n = t.len().max(1) as f64;
    c.iter().map(|x| x / n).collect()
}

fn wanted(only: Only, k: Kind) -> bool {
    match only {
        Only::All => true,
        Only::Edges => k.is_edge(),
        Only::Settings => !k.is_edge(),
    }
}

struct Measured {
    candidate: Candidate,
    effect: Comparison,
    stuck: (f64, f64),
    ci: f64,
}

fn measure(
    sc: &Scenario,
    m: &Model,
    base: &[TrialSummary],
    c: Candidate,
    cfg: &McConfig,
) -> Result<Option<Measured>, AdviseError> {
    let mut raw = parse(&sc.source, &sc.file).map_err(|e| AdviseError::Invalid(e.to_string()))?;
    if apply(&mut raw.raw, &c.edits).is_err() {
        return Ok(None);
    }
    let Ok(mb) = build(&raw) else {
        return Ok(None); // e.g. the edit would make a cycle
    };
    let b = monte_carlo(&mb, cfg, &|_| {})?;
    Ok(Some(Measured {
        effect: compare(m, base, &mb, &b, cfg.seed),
        stuck: (stuck_share(base), stuck_share(&b)),
        ci: stuck_ci(base, &b),
        candidate: c,
    }))
}

/// Worth confirming: faster on average, less often stuck, or a safety edge.
fn promising(x: &Measured) -> bool {
    // Faster with 95 % confidence: the paired mean change and its whole interval below zero.
    let faster = match (x.effect.mean_change_ms, x.effect.mean_change_ci_ms) {
        (Some(d), Some(hw)) => d + hw < 0.0,
        (Some(d), None) => d < 0.0,
        _ => false,
    };
    // A redundant edge is worth removing when it costs nothing: less to read, no extra poll.
    let harmless = x.candidate.kind == Kind::RedundantEdge
        && x.effect.mean_change_ms.is_some_and(|d| d <= 0.0)
        && x.stuck.1 <= x.stuck.0;
    faster || harmless || x.stuck.1 < x.stuck.0 || x.candidate.kind == Kind::MissingEdge
}

/// Best first: changes without a warning, then less stuck, then the larger p50 gain, then
/// the larger mean gain.
fn rank(warned: bool, stuck: (f64, f64), effect: &Comparison) -> (bool, i64, i64, i64) {
    #[allow(clippy::cast_possible_truncation)]
    let stuck = ((stuck.1 - stuck.0) * 1e6) as i64;
    let p50 = effect.p50.change_ms.unwrap_or(0);
    #[allow(clippy::cast_possible_truncation)]
    let mean = effect.mean_change_ms.unwrap_or(0.0) as i64;
    (warned, stuck, p50, mean)
}

fn rank_key(s: &Suggestion) -> (bool, i64, i64, i64) {
    rank(s.warning.is_some(), s.stuck, &s.effect)
}

fn warning(x: &Measured) -> Option<String> {
    if x.stuck.1 > x.stuck.0 {
        return Some(format!(
            "raises the stuck probability from {:.1}% to {:.1}%",
            x.stuck.0 * 100.0,
            x.stuck.1 * 100.0
        ));
    }
    (!x.candidate.structurally_safe)
        .then(|| "a workload would start before what it requires".to_string())
}

/// Runs advise on a parsed scenario.
///
/// # Errors
/// The scenario is invalid, or the thread pool cannot be built.
pub fn advise(
    sc: &Scenario,
    cfg: &AdviseConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Advice, AdviseError> {
    let m = build(sc).map_err(|e| AdviseError::Invalid(e.to_string()))?;
    let screen = McConfig {
        seed: cfg.seed,
        trials: cfg.screen_trials.min(cfg.trials).max(1),
        threads: cfg.threads,
    };
    let full = McConfig {
        seed: cfg.seed,
        trials: cfg.trials.max(1),
        threads: cfg.threads,
    };
    let base_screen = monte_carlo(&m, &screen, progress)?;
    let cands: Vec<Candidate> = candidates::candidates(&m, &criticality(&m, &base_screen))
        .into_iter()
        .filter(|c| wanted(cfg.only, c.kind))
        .collect();
    let screened = cands.len();
    let mut simulated = screen.trials * (1 + screened as u64);
    let mut shortlist = vec![];
    for c in cands {
        if let Some(x) = measure(sc, &m, &base_screen, c, &screen)? {
            if promising(&x) {
                shortlist.push(x);
            }
        }
    }
    shortlist.sort_by_cached_key(|x| rank(warning(x).is_some(), x.stuck, &x.effect));
    shortlist.truncate(cfg.max_suggestions);
    let base_full = if full.trials == screen.trials {
        base_screen
    } else {
        monte_carlo(&m, &full, progress)?
    };
    simulated += full.trials * (1 + shortlist.len() as u64);
    let mut suggestions = vec![];
    for x in shortlist {
        if let Some(y) = measure(sc, &m, &base_full, x.candidate, &full)? {
            // Confirmed only if the full run agrees with the screen.
            if !promising(&y) {
                continue;
            }
            suggestions.push(Suggestion {
                warning: warning(&y),
                candidate: y.candidate,
                effect: y.effect,
                stuck: y.stuck,
                stuck_change_ci: y.ci,
            });
        }
    }
    suggestions.sort_by_key(rank_key);
    Ok(Advice {
        scenario: m.name.clone(),
        seed: cfg.seed,
        trials: full.trials,
        screen_trials: screen.trials,
        screened,
        trials_simulated: simulated,
        suggestions,
        guessed: guessed_profiles(sc),
    })
}

/// Workloads whose readiness the scenario marks as a guess.
#[must_use]
pub fn guessed_profiles(sc: &Scenario) -> Vec<String> {
    let r = &sc.raw;
    let ks = r.kustomizations.iter().flat_map(|k| &k.value.resources);
    let hr = r.helm_releases.iter().flat_map(|h| &h.value.resources);
    ks.chain(hr)
        .chain(&r.bootstrap)
        .filter(|w| w.value.guessed == Some(true))
        .map(|w| format!("{}/{}", w.value.kind.value, w.value.name.value))
        .collect()
}
