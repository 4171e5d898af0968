//! The Monte Carlo report: makespan distribution with confidence intervals, stuck probability,
//! per-object Ready-time percentiles, criticality index, where the time goes.

use crate::analysis::accumulate::{McStats, ReadyMode};
use crate::analysis::critical_path::Category;
use crate::analysis::guesses::GuessIndex;
use crate::analysis::sketch::RELATIVE_ERROR;
use crate::analysis::stats::{mean_ci, percentile, percentile_ci, sort_with_stuck, PercentileCi};
use crate::model::{Model, ObjectId, PerObject};
use crate::runner::TrialSummary;
use crate::time::format_ms;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Makespan statistics.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MakespanStats {
    /// Mean of the trials that finished.
    pub mean: Option<f64>,
    /// 95 % half-width of the mean.
    pub mean_ci_halfwidth: Option<f64>,
    /// Smallest.
    pub min: Option<u64>,
    /// Median.
    pub p50: Option<u64>,
    /// 90th percentile.
    pub p90: Option<u64>,
    /// 95th percentile.
    pub p95: Option<u64>,
    /// 99th percentile.
    pub p99: Option<u64>,
    /// Largest finished.
    pub max: Option<u64>,
    /// Percentiles with distribution-free 95 % CIs (stuck trials count as +∞).
    pub ci: BTreeMap<String, PercentileCi>,
}

/// Per-object statistics.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ObjectStats {
    /// Name.
    pub name: String,
    /// Ready p50.
    pub ready_p50_ms: Option<u64>,
    /// Ready p90.
    pub ready_p90_ms: Option<u64>,
    /// Ready p95.
    pub ready_p95_ms: Option<u64>,
    /// Share of trials in which it never became Ready.
    pub never_ready_probability: f64,
    /// Share of trials with it on the critical path (criticality index).
    pub criticality: f64,
}

/// The Monte Carlo report.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct McReport {
    /// Layout version.
    pub schema_version: u32,
    /// Tool.
    pub tool: String,
    /// Scenario.
    pub scenario: String,
    /// Seed.
    pub seed: u64,
    /// Trials.
    pub trials: u64,
    /// Share of trials not finished by the horizon.
    pub stuck_probability: f64,
    /// Makespan distribution.
    pub makespan_ms: MakespanStats,
    /// Mean share of the makespan per category (critical path), over finished trials.
    pub time_share: BTreeMap<String, f64>,
    /// Mean critical-path ms per category, over finished trials.
    pub time_mean_ms: BTreeMap<String, f64>,
    /// Objects, in (namespace, name) order.
    pub objects: Vec<ObjectStats>,
    /// Most common root causes of stuck trials, with counts.
    pub stuck_root_causes: Vec<(String, u64)>,
    /// Mean engine events per trial.
    pub mean_events: f64,
    /// Makespan of each trial in trial order (null: stuck).
    pub trial_makespans_ms: Vec<Option<u64>>,
    /// Verdicts that rest on guessed readiness profiles, and which.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rests_on_guesses: Vec<crate::analysis::guesses::RestsOn>,
    /// Present when per-object Ready percentiles come from histograms (many trials of many
    /// objects): the largest relative error against the exact percentiles (1/256).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_percentile_error: Option<f64>,
}

/// What a Monte Carlo report needs to know of the scenario besides the trials: its name and
/// its objects' names (kept in a shard's partial result, so parts merge without the scenario).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioInfo {
    /// Scenario name.
    pub name: String,
    /// Display name of each object, by object id.
    pub objects: PerObject<String>,
    /// Object ids in (namespace, name) order, the order of the report's table.
    pub order: Vec<ObjectId>,
    /// The guessed readiness profiles its objects wait for (empty when none is guessed).
    #[serde(default, skip_serializing_if = "is_empty_index")]
    pub guesses: GuessIndex,
}

fn is_empty_index(g: &GuessIndex) -> bool {
    g.names.is_empty()
}

impl ScenarioInfo {
    /// The names of `m`.
    #[must_use]
    pub fn of(m: &Model) -> Self {
        ScenarioInfo {
            name: m.name.clone(),
            objects: m.objects.iter().map(|o| o.display()).collect(),
            order: m.init_order.clone(),
            guesses: GuessIndex::of(m),
        }
    }
}

#[allow(clippy::cast_precision_loss)]
fn share(c: u64, n: u64) -> f64 {
    if n == 0 {
        0.0
    } else {
        c as f64 / n as f64
    }
}

/// Mean share of the makespan and mean ms per category over finished trials.
fn time_split(st: &McStats, finished: &[u64]) -> (BTreeMap<String, f64>, BTreeMap<String, f64>) {
    let mut time_share = BTreeMap::new();
    let mut time_mean = BTreeMap::new();
    let mks: u64 = finished.iter().sum();
    for c in Category::ALL {
        let tot = st.category_ms[c.index()];
        time_share.insert(c.key().to_string(), share(tot, mks));
        time_mean.insert(c.key().to_string(), share(tot, finished.len() as u64));
    }
    (time_share, time_mean)
}

fn object_stats(info: &ScenarioInfo, st: &McStats, n: u64) -> Vec<ObjectStats> {
    info.order
        .iter()
        .map(|&o| {
            let q = st.ready_percentiles_of(o, n, &[0.5, 0.9, 0.95]);
            ObjectStats {
                name: info.objects[o].clone(),
                ready_p50_ms: q[0],
                ready_p90_ms: q[1],
                ready_p95_ms: q[2],
                never_ready_probability: share(st.never_ready[o], n),
                criticality: share(st.critical[o], n),
            }
        })
        .collect()
}

impl McReport {
    /// Builds the report from trial summaries (in trial order).
    #[must_use]
    pub fn new(m: &Model, seed: u64, trials: &[TrialSummary]) -> Self {
        let mut st = McStats::new(
            m.objects.len(),
            ReadyMode::for_run(trials.len() as u64, m.objects.len()),
        );
        for (i, t) in trials.iter().enumerate() {
            st.add(i as u64, t);
        }
        Self::from_stats(&ScenarioInfo::of(m), seed, st)
    }

    /// Builds the report from accumulated statistics (all trials of the run, in trial order);
    /// takes them to keep their makespans without a copy.
    #[must_use]
    pub fn from_stats(info: &ScenarioInfo, seed: u64, mut st: McStats) -> Self {
        let n = st.trials();
        let mk = std::mem::take(&mut st.makespans);
        let sorted = sort_with_stuck(&mk);
        let finished: Vec<u64> = mk.iter().flatten().copied().collect();
        let (mean, hw) = mean_ci(&finished);
        let mut ci = BTreeMap::new();
        for (k, p) in [("p50", 0.5), ("p90", 0.9), ("p95", 0.95), ("p99", 0.99)] {
            ci.insert(k.to_string(), percentile_ci(&sorted, p));
        }
        let stuck = n - finished.len() as u64;
        let (time_share, time_mean) = time_split(&st, &finished);
        let mut roots: Vec<(String, u64)> = st
            .stuck_roots
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        roots.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        roots.truncate(10);
        let rests_on_guesses = info.guesses.for_mc(&st.critical, n, &roots);
        McReport {
            schema_version: super::SCHEMA_VERSION,
            tool: format!("fluxsim {}", env!("CARGO_PKG_VERSION")),
            scenario: info.name.clone(),
            seed,
            trials: n,
            stuck_probability: share(stuck, n),
            makespan_ms: MakespanStats {
                mean,
                mean_ci_halfwidth: hw,
                min: finished.iter().min().copied(),
                p50: percentile(&sorted, 0.5),
                p90: percentile(&sorted, 0.9),
                p95: percentile(&sorted, 0.95),
                p99: percentile(&sorted, 0.99),
                max: finished.iter().max().copied(),
                ci,
            },
            time_share,
            time_mean_ms: time_mean,
            objects: object_stats(info, &st, n),
            stuck_root_causes: roots,
            mean_events: share(st.events, n),
            trial_makespans_ms: mk,
            rests_on_guesses,
            ready_percentile_error: (st.mode() == ReadyMode::Sketch).then_some(RELATIVE_ERROR),
        }
    }

    /// Pretty JSON with a trailing newline.
    #[must_use]
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("report serializes");
        s.push('\n');
        s
    }

    /// CSV: one row per trial.
    ///
    /// # Errors
    /// Never in practice.
    pub fn to_csv(&self) -> Result<String, csv::Error> {
        let mut w = csv::Writer::from_writer(vec![]);
        w.write_record(["trial", "makespan_ms", "stuck"])?;
        for (i, m) in self.trial_makespans_ms.iter().enumerate() {
            w.write_record([
                i.to_string(),
                m.map(|x| x.to_string()).unwrap_or_default(),
                m.is_none().to_string(),
            ])?;
        }
        super::csv_text(w)
    }

    /// Human summary.
    #[must_use]
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    pub fn to_text(&self) -> String {
        let f = |v: Option<u64>| v.map_or("stuck".to_string(), format_ms);
        let mut s = String::new();
        let _ = writeln!(
            s,
            "scenario {} · {} trials · seed {}\n",
            self.scenario, self.trials, self.seed
        );
        let ms = &self.makespan_ms;
        if let Some(mean) = ms.mean {
            let _ = writeln!(
                s,
                "makespan mean {} ± {} (95% CI, finished trials)",
                format_ms(mean.round() as u64),
                format_ms(ms.mean_ci_halfwidth.unwrap_or(0.0).round() as u64)
            );
        }
        for k in ["p50", "p90", "p95", "p99"] {
            let c = &ms.ci[k];
            let _ = writeln!(
                s,
                "  {k}  {:>10}   95% CI [{}, {}]",
                f(c.value),
                f(c.ci_low),
                f(c.ci_high)
            );
        }
        let _ = writeln!(s, "  min {}  max {}", f(ms.min), f(ms.max));
        let _ = writeln!(
            s,
            "stuck probability: {:.2}%",
            100.0 * self.stuck_probability
        );
        for (r, c) in &self.stuck_root_causes {
            let _ = writeln!(s, "  {c:>6} × {r}");
        }
        let _ = writeln!(
            s,
            "\nwhere the time goes (mean share of makespan on the critical path):"
        );
        let mut v: Vec<(&String, &f64)> =
            self.time_share.iter().filter(|(_, x)| **x > 0.0).collect();
        v.sort_by(|a, b| b.1.total_cmp(a.1).then(a.0.cmp(b.0)));
        for (k, x) in v {
            let label = Category::ALL
                .iter()
                .find(|c| c.key() == k)
                .map_or(k.as_str(), |c| c.label());
            let _ = writeln!(s, "  {:5.1}%  {label}", 100.0 * x);
        }
        let _ = writeln!(
            s,
            "\nobjects (criticality = share of trials on the critical path):"
        );
        if let Some(e) = self.ready_percentile_error {
            let _ = writeln!(
                s,
                "  (ready times from histograms, within {:.1}% of the exact percentiles)",
                100.0 * e
            );
        }
        let w = self
            .objects
            .iter()
            .map(|o| o.name.chars().count())
            .max()
            .unwrap_or(6)
            .clamp(6, super::MAX_NAME_COLUMN);
        let _ = writeln!(
            s,
            "  {:<w$}  {:>10}  {:>10}  {:>11}",
            "object", "ready p50", "ready p95", "criticality"
        );
        let mut objs: Vec<&ObjectStats> = self.objects.iter().collect();
        objs.sort_by(|a, b| {
            b.criticality
                .total_cmp(&a.criticality)
                .then(a.name.cmp(&b.name))
        });
        // A histogram's value is good to `e` of itself: print no more digits than that.
        let shown = |v: Option<u64>| {
            f(v.map(|ms| {
                self.ready_percentile_error
                    .map_or(ms, |e| round_to_error(ms, e))
            }))
        };
        for o in objs {
            let _ = writeln!(
                s,
                "  {:<w$}  {:>10}  {:>10}  {:>10.1}%",
                o.name,
                shown(o.ready_p50_ms),
                shown(o.ready_p95_ms),
                100.0 * o.criticality
            );
        }
        for g in &self.rests_on_guesses {
            let _ = writeln!(s, "\n{}", g.line());
        }
        s
    }
}

/// `ms` rounded to the largest power of ten of milliseconds not above its error `ms · e`
/// (1 ms at least): 197,119 ms within 1/256 (770 ms) prints as 3m17.1s.
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]
fn round_to_error(ms: u64, e: f64) -> u64 {
    let err = (ms as f64 * e).max(1.0) as u64;
    let mut step = 1u64;
    while step.saturating_mul(10) <= err {
        step *= 10;
    }
    (ms + step / 2) / step * step
}

#[cfg(test)]
mod tests {
    use super::round_to_error;

    /// Worked by hand: 197,119 · 1/256 = 770 → steps of 100 ms → 197,100; 30,015 · 1/256 =
    /// 117 → 100 ms → 30,000; 255 · 1/256 < 1 → 1 ms → 255; 4,999,999 · 1/256 = 19,531 →
    /// 10 s → 5,000,000.
    #[test]
    fn histogram_values_print_to_their_error() {
        let e = 1.0 / 256.0;
        assert_eq!(round_to_error(197_119, e), 197_100);
        assert_eq!(round_to_error(30_015, e), 30_000);
        assert_eq!(round_to_error(255, e), 255);
        assert_eq!(round_to_error(4_999_999, e), 5_000_000);
    }
}
