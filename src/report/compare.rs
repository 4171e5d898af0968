//! The comparison report: text, JSON and Markdown (for a pull-request comment).

use crate::analysis::compare::{Comparison, PercentileChange};
use crate::time::format_ms;
use serde::Serialize;
use std::fmt::Write as _;

/// A rendered comparison.
#[derive(Clone, Debug, Serialize)]
pub struct CompareReport {
    /// Layout version.
    pub schema_version: u32,
    /// Tool.
    pub tool: String,
    /// Side A.
    pub a: String,
    /// Side B.
    pub b: String,
    /// Edits that made B from A (if any).
    pub edits: Vec<String>,
    /// Seed.
    pub seed: u64,
    /// The paired comparison.
    pub comparison: Comparison,
    /// Verdicts that rest on guessed readiness profiles, and which.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rests_on_guesses: Vec<crate::analysis::guesses::RestsOn>,
}

/// Signed duration: `+1m2s`, `-750ms`, `0s`.
#[must_use]
pub fn signed(ms: i64) -> String {
    let s = format_ms(ms.unsigned_abs());
    match ms.signum() {
        1 => format!("+{s}"),
        -1 => format!("-{s}"),
        _ => s,
    }
}

#[allow(clippy::cast_possible_truncation)]
fn signed_f(ms: f64) -> String {
    signed(ms.round() as i64)
}

fn pc(p: &PercentileChange) -> String {
    let v = |x: Option<u64>| x.map_or("stuck".to_string(), format_ms);
    let ch = p.change_ms.map_or("n/a".into(), signed);
    let ci = match (p.ci_low_ms, p.ci_high_ms) {
        (Some(l), Some(h)) => format!(" [{}, {}]", signed(l), signed(h)),
        _ => String::new(),
    };
    format!("{} → {}  ({ch}{ci})", v(p.a), v(p.b))
}

impl CompareReport {
    /// JSON with a trailing newline.
    #[must_use]
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("serializes");
        s.push('\n');
        s
    }

    fn verdict(&self) -> String {
        let c = &self.comparison;
        match (c.mean_change_ms, c.mean_change_ci_ms) {
            _ if c.b_stuck_probability > c.a_stuck_probability + 1e-12 => format!(
                "B gets stuck more often ({:.1}% → {:.1}%)",
                100.0 * c.a_stuck_probability,
                100.0 * c.b_stuck_probability
            ),
            (Some(m), Some(h)) if m - h > 0.0 => format!(
                "B is slower: {} on average (95% CI {} … {})",
                signed_f(m),
                signed_f(m - h),
                signed_f(m + h)
            ),
            (Some(m), Some(h)) if m + h < 0.0 => format!(
                "B is faster: {} on average (95% CI {} … {})",
                signed_f(m),
                signed_f(m - h),
                signed_f(m + h)
            ),
            (Some(m), _) if m == 0.0 && c.equal_share == 1.0 => {
                "no difference in any trial".to_string()
            }
            (Some(m), Some(h)) => format!(
                "no significant difference: {} on average (95% CI {} … {})",
                signed_f(m),
                signed_f(m - h),
                signed_f(m + h)
            ),
            _ => "no paired trials finished on both sides".into(),
        }
    }

    /// Human summary.
    #[must_use]
    pub fn to_text(&self) -> String {
        let c = &self.comparison;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "A: {}\nB: {}{}",
            self.a,
            self.b,
            if self.edits.is_empty() {
                String::new()
            } else {
                format!(" ({})", self.edits.join(" "))
            }
        );
        let _ = writeln!(
            s,
            "{} paired trials, seed {} (same random numbers on both sides)\n",
            c.trials, self.seed
        );
        let _ = writeln!(s, "{}", self.verdict());
        let _ = writeln!(s, "  p50  {}", pc(&c.p50));
        let _ = writeln!(s, "  p95  {}", pc(&c.p95));
        let _ = writeln!(
            s,
            "  B faster in {:.1}% of trials, slower in {:.1}%, equal in {:.1}%",
            100.0 * c.b_faster_share,
            100.0 * c.b_slower_share,
            100.0 * c.equal_share
        );
        let _ = writeln!(
            s,
            "  stuck probability {:.2}% → {:.2}%",
            100.0 * c.a_stuck_probability,
            100.0 * c.b_stuck_probability
        );
        let _ = writeln!(
            s,
            "\nobjects whose Ready time moved most (mean paired change):"
        );
        for o in c
            .objects
            .iter()
            .filter(|o| o.mean_change_ms.abs() >= 0.5 || o.only_in.is_some())
        {
            let v = |x: Option<u64>| x.map_or("-".to_string(), format_ms);
            let note = o
                .only_in
                .as_ref()
                .map(|w| format!("  (only in {w})"))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "  {:>10}  {}  (p50 {} → {}){note}",
                signed_f(o.mean_change_ms),
                o.name,
                v(o.a_p50_ms),
                v(o.b_p50_ms)
            );
        }
        for g in &self.rests_on_guesses {
            let _ = writeln!(s, "\n{}", g.line());
        }
        s
    }

    /// Markdown for a pull-request comment.
    #[must_use]
    pub fn to_markdown(&self) -> String {
        let c = &self.comparison;
        let mut s = String::new();
        let _ = writeln!(s, "### fluxsim: bootstrap time, A → B\n");
        let _ = writeln!(
            s,
            "**{}** ({} paired trials, seed {})\n",
            self.verdict(),
            c.trials,
            self.seed
        );
        if !self.edits.is_empty() {
            let _ = writeln!(s, "B = A with `{}`\n", self.edits.join(" "));
        }
        let _ = writeln!(s, "| | A | B | change [95% CI] |\n|---|---|---|---|");
        for (k, p) in [("p50", &c.p50), ("p95", &c.p95)] {
            let v = |x: Option<u64>| x.map_or("stuck".to_string(), format_ms);
            let ci = match (p.ci_low_ms, p.ci_high_ms) {
                (Some(l), Some(h)) => format!(" [{}, {}]", signed(l), signed(h)),
                _ => String::new(),
            };
            let _ = writeln!(
                s,
                "| {k} | {} | {} | {}{ci} |",
                v(p.a),
                v(p.b),
                p.change_ms.map_or("n/a".into(), signed)
            );
        }
        let _ = writeln!(
            s,
            "| stuck probability | {:.2}% | {:.2}% | {:+.2} points |",
            100.0 * c.a_stuck_probability,
            100.0 * c.b_stuck_probability,
            100.0 * (c.b_stuck_probability - c.a_stuck_probability)
        );
        let _ = writeln!(
            s,
            "\nB is faster in {:.1}% of trials and slower in {:.1}%.\n",
            100.0 * c.b_faster_share,
            100.0 * c.b_slower_share
        );
        let moved: Vec<_> = c
            .objects
            .iter()
            .filter(|o| o.mean_change_ms.abs() >= 0.5)
            .take(10)
            .collect();
        if !moved.is_empty() {
            let _ = writeln!(s, "| object | mean Ready change |\n|---|---|");
            for o in moved {
                let _ = writeln!(s, "| `{}` | {} |", o.name, signed_f(o.mean_change_ms));
            }
        }
        for g in &self.rests_on_guesses {
            let _ = writeln!(s, "\n⚠️ {}", g.line());
        }
        s
    }
}
