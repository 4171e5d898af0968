//! CI regression check: `expect` budgets in the scenario and/or a committed baseline with a
//! relative tolerance. Pure: takes reports, returns findings.

use crate::model::Expect;
use crate::report::McReport;
use crate::time::format_ms;
use serde::Serialize;

/// One budget or baseline comparison.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// What was checked (`p95`, `stuck_probability`, …).
    pub metric: String,
    /// Against what (`budget` or `baseline`).
    pub against: String,
    /// The limit (ms, or a probability).
    pub limit: String,
    /// The measured value.
    pub actual: String,
    /// Whether it regressed.
    pub regressed: bool,
    /// By how much, in words.
    pub by: String,
}

/// The verdict.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckResult {
    /// Every comparison made.
    pub findings: Vec<Finding>,
    /// Objects most responsible (largest p95 Ready-time increase against the baseline, or the
    /// most critical objects when there is no baseline).
    pub responsible: Vec<String>,
    /// Verdicts that rest on guessed readiness profiles, and which.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rests_on_guesses: Vec<crate::analysis::guesses::RestsOn>,
}

impl CheckResult {
    /// Whether anything regressed.
    #[must_use]
    pub fn regressed(&self) -> bool {
        self.findings.iter().any(|f| f.regressed)
    }
}

fn ms_metric(r: &McReport, k: &str) -> Option<u64> {
    match k {
        "p50" => r.makespan_ms.p50,
        "p90" => r.makespan_ms.p90,
        "p95" => r.makespan_ms.p95,
        "p99" => r.makespan_ms.p99,
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        "mean" => r.makespan_ms.mean.map(|m| m.round() as u64),
        _ => None,
    }
}

fn show(v: Option<u64>) -> String {
    v.map_or("stuck".into(), format_ms)
}

/// Checks `cur` against the budgets and, if given, a baseline with relative `tolerance`
/// (0.1 = 10 %; stuck probability may rise by `tolerance` × baseline + 0.005 absolute).
#[must_use]
#[allow(clippy::cast_precision_loss)]
pub fn check(
    cur: &McReport,
    expect: &Expect,
    baseline: Option<&McReport>,
    tolerance: f64,
) -> CheckResult {
    let mut f = vec![];
    for (k, budget) in [
        ("p50", expect.p50),
        ("p90", expect.p90),
        ("p95", expect.p95),
        ("p99", expect.p99),
        ("mean", expect.mean),
    ] {
        if let Some(b) = budget {
            let a = ms_metric(cur, k);
            let regressed = a.is_none_or(|a| a > b);
            let by = match a {
                Some(a) if a > b => format!("over budget by {}", format_ms(a - b)),
                Some(a) => format!("{} under budget", format_ms(b - a)),
                None => "stuck trials reach this percentile".into(),
            };
            f.push(Finding {
                metric: k.into(),
                against: "budget".into(),
                limit: format_ms(b),
                actual: show(a),
                regressed,
                by,
            });
        }
    }
    if let Some(b) = expect.stuck_probability {
        let a = cur.stuck_probability;
        f.push(Finding {
            metric: "stuck_probability".into(),
            against: "budget".into(),
            limit: format!("{:.2}%", 100.0 * b),
            actual: format!("{:.2}%", 100.0 * a),
            regressed: a > b,
            by: format!("{:+.2} points", 100.0 * (a - b)),
        });
    }
    let mut responsible = vec![];
    if let Some(base) = baseline {
        for k in ["p50", "p95"] {
            let (bv, av) = (ms_metric(base, k), ms_metric(cur, k));
            let (regressed, by, limit) = match (bv, av) {
                (Some(b), Some(a)) => {
                    let lim = (b as f64 * (1.0 + tolerance)).round() as u64;
                    let pct = if b == 0 {
                        0.0
                    } else {
                        100.0 * (a as f64 - b as f64) / b as f64
                    };
                    (
                        a > lim,
                        format!("{pct:+.1}% against baseline {}", format_ms(b)),
                        format_ms(lim),
                    )
                }
                (Some(b), None) => (
                    true,
                    format!("now stuck; baseline {}", format_ms(b)),
                    format_ms(b),
                ),
                (None, _) => (false, "baseline was stuck".into(), "stuck".into()),
            };
            f.push(Finding {
                metric: k.into(),
                against: "baseline".into(),
                limit,
                actual: show(av),
                regressed,
                by,
            });
        }
        let lim = base.stuck_probability * (1.0 + tolerance) + 0.005;
        f.push(Finding {
            metric: "stuck_probability".into(),
            against: "baseline".into(),
            limit: format!("{:.2}%", 100.0 * lim),
            actual: format!("{:.2}%", 100.0 * cur.stuck_probability),
            regressed: cur.stuck_probability > lim,
            by: format!(
                "{:+.2} points against baseline {:.2}%",
                100.0 * (cur.stuck_probability - base.stuck_probability),
                100.0 * base.stuck_probability
            ),
        });
        let mut moved: Vec<(i128, String)> = cur
            .objects
            .iter()
            .filter_map(|o| {
                let b = base.objects.iter().find(|x| x.name == o.name)?;
                let d = i128::from(o.ready_p95_ms.unwrap_or(u64::MAX))
                    - i128::from(b.ready_p95_ms.unwrap_or(u64::MAX));
                (d > 0).then(|| {
                    (
                        d,
                        format!(
                            "{} (ready p95 {} → {})",
                            o.name,
                            show(b.ready_p95_ms),
                            show(o.ready_p95_ms)
                        ),
                    )
                })
            })
            .collect();
        moved.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        responsible = moved.into_iter().take(5).map(|x| x.1).collect();
    }
    if responsible.is_empty() {
        let mut crit: Vec<&crate::report::mc::ObjectStats> = cur.objects.iter().collect();
        crit.sort_by(|a, b| {
            b.criticality
                .total_cmp(&a.criticality)
                .then(b.ready_p95_ms.cmp(&a.ready_p95_ms))
        });
        responsible = crit
            .into_iter()
            .take(3)
            .map(|o| {
                format!(
                    "{} (on the critical path in {:.0}% of trials, ready p95 {})",
                    o.name,
                    100.0 * o.criticality,
                    show(o.ready_p95_ms)
                )
            })
            .collect();
    }
    CheckResult {
        findings: f,
        responsible,
        rests_on_guesses: cur.rests_on_guesses.clone(),
    }
}

impl CheckResult {
    /// Human summary.
    #[must_use]
    pub fn to_text(&self, scenario: &str) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        let verdict = if self.regressed() { "REGRESSION" } else { "ok" };
        let _ = writeln!(s, "{verdict}: {scenario}");
        for f in &self.findings {
            let mark = if f.regressed { "✗" } else { "✓" };
            let _ = writeln!(
                s,
                "  {mark} {:<17} {:>10} (limit {} from {}) — {}",
                f.metric, f.actual, f.limit, f.against, f.by
            );
        }
        if self.regressed() {
            let _ = writeln!(s, "  objects responsible:");
            for r in &self.responsible {
                let _ = writeln!(s, "    {r}");
            }
        }
        for g in &self.rests_on_guesses {
            let _ = writeln!(s, "  {}", g.line());
        }
        s
    }

    /// Markdown for `$GITHUB_STEP_SUMMARY`.
    #[must_use]
    pub fn to_markdown(&self, scenario: &str) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        let verdict = if self.regressed() {
            "❌ regression"
        } else {
            "✅ within budget"
        };
        let _ = writeln!(s, "### fluxsim check `{scenario}`: {verdict}\n\n| metric | against | limit | actual | |\n|---|---|---|---|---|");
        for f in &self.findings {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} |",
                f.metric, f.against, f.limit, f.actual, f.by
            );
        }
        if self.regressed() {
            let _ = writeln!(s, "\nObjects responsible:\n");
            for r in &self.responsible {
                let _ = writeln!(s, "- {r}");
            }
        }
        for g in &self.rests_on_guesses {
            let _ = writeln!(s, "\n⚠️ {}", g.line());
        }
        s
    }
}
