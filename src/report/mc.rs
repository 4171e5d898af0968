//! The Monte Carlo report: makespan distribution with confidence intervals, stuck probability,
//! per-object Ready-time percentiles, criticality index, where the time goes.

use crate::analysis::critical_path::Category;
use crate::analysis::stats::{mean_ci, percentile, percentile_ci, sort_with_stuck, PercentileCi};
use crate::model::Model;
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
}

impl McReport {
    /// Builds the report from trial summaries (in trial order).
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn new(m: &Model, seed: u64, trials: &[TrialSummary]) -> Self {
        let n = trials.len();
        let mk: Vec<Option<u64>> = trials.iter().map(|t| t.makespan_ms).collect();
        let sorted = sort_with_stuck(&mk);
        let finished: Vec<u64> = mk.iter().flatten().copied().collect();
        let (mean, hw) = mean_ci(&finished);
        let mut ci = BTreeMap::new();
        for (k, p) in [("p50", 0.5), ("p90", 0.9), ("p95", 0.95), ("p99", 0.99)] {
            ci.insert(k.to_string(), percentile_ci(&sorted, p));
        }
        let stuck = n - finished.len();
        let mut time_share = BTreeMap::new();
        let mut time_mean = BTreeMap::new();
        let fin: Vec<&TrialSummary> = trials.iter().filter(|t| t.makespan_ms.is_some()).collect();
        for c in Category::ALL {
            let tot: u64 = fin.iter().map(|t| t.per_category_ms[c.index()]).sum();
            let mks: u64 = fin.iter().map(|t| t.makespan_ms.unwrap_or(0)).sum();
            time_share.insert(
                c.key().to_string(),
                if mks == 0 {
                    0.0
                } else {
                    tot as f64 / mks as f64
                },
            );
            time_mean.insert(
                c.key().to_string(),
                if fin.is_empty() {
                    0.0
                } else {
                    tot as f64 / fin.len() as f64
                },
            );
        }
        let mut crit = vec![0u64; m.objects.len()];
        for t in trials {
            for o in &t.critical {
                crit[*o] += 1;
            }
        }
        let objects = m
            .init_order
            .iter()
            .map(|&o| {
                let r: Vec<Option<u64>> = trials.iter().map(|t| t.ready_ms[o]).collect();
                let never = r.iter().filter(|x| x.is_none()).count();
                let s = sort_with_stuck(&r);
                ObjectStats {
                    name: m.objects[o].display(),
                    ready_p50_ms: percentile(&s, 0.5),
                    ready_p90_ms: percentile(&s, 0.9),
                    ready_p95_ms: percentile(&s, 0.95),
                    never_ready_probability: if n == 0 { 0.0 } else { never as f64 / n as f64 },
                    criticality: if n == 0 {
                        0.0
                    } else {
                        crit[o] as f64 / n as f64
                    },
                }
            })
            .collect();
        let mut roots: BTreeMap<String, u64> = BTreeMap::new();
        for t in trials {
            if let Some(r) = &t.stuck_root {
                *roots.entry(r.clone()).or_default() += 1;
            }
        }
        let mut roots: Vec<(String, u64)> = roots.into_iter().collect();
        roots.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        roots.truncate(10);
        let rests_on_guesses = crate::analysis::guesses::for_mc(m, &crit, n, &roots);
        McReport {
            schema_version: super::SCHEMA_VERSION,
            tool: format!("fluxsim {}", env!("CARGO_PKG_VERSION")),
            scenario: m.name.clone(),
            seed,
            trials: n as u64,
            stuck_probability: if n == 0 { 0.0 } else { stuck as f64 / n as f64 },
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
            objects,
            stuck_root_causes: roots,
            mean_events: if n == 0 {
                0.0
            } else {
                trials.iter().map(|t| t.events as f64).sum::<f64>() / n as f64
            },
            trial_makespans_ms: mk,
            rests_on_guesses,
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
        let bytes = w
            .into_inner()
            .map_err(|e| csv::Error::from(e.into_error()))?;
        String::from_utf8(bytes)
            .map_err(|e| csv::Error::from(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
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
        for o in objs {
            let _ = writeln!(
                s,
                "  {:<w$}  {:>10}  {:>10}  {:>10.1}%",
                o.name,
                f(o.ready_p50_ms),
                f(o.ready_p95_ms),
                100.0 * o.criticality
            );
        }
        for g in &self.rests_on_guesses {
            let _ = writeln!(s, "\n{}", g.line());
        }
        s
    }
}
