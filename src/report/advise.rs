//! The advise report: text, JSON and Markdown (a pull-request comment a reviewer acts on).

use super::compare::signed;
use crate::advise::{Advice, Suggestion};
use crate::analysis::compare::PercentileChange;
use std::fmt::Write as _;

fn change(p: &PercentileChange) -> String {
    let ch = p.change_ms.map_or("n/a".into(), signed);
    match (p.ci_low_ms, p.ci_high_ms) {
        (Some(l), Some(h)) => format!("{ch} [{}, {}]", signed(l), signed(h)),
        _ => ch,
    }
}

fn stuck(s: &Suggestion) -> String {
    let d = (s.stuck.1 - s.stuck.0) * 100.0;
    if s.stuck.0 == 0.0 && s.stuck.1 == 0.0 {
        "0 → 0".to_string()
    } else {
        format!(
            "{:.1}% → {:.1}% ({d:+.1} ± {:.1} pts)",
            s.stuck.0 * 100.0,
            s.stuck.1 * 100.0,
            s.stuck_change_ci * 100.0
        )
    }
}

fn header(a: &Advice) -> String {
    format!(
        "{} candidate changes screened with {} paired trials each; {} confirmed with {} (seed {}, {} trials simulated)",
        a.screened,
        a.screen_trials,
        a.suggestions.len(),
        a.trials,
        a.seed,
        a.trials_simulated
    )
}

fn guesses(a: &Advice) -> Option<String> {
    if a.guessed.is_empty() {
        return None;
    }
    let shown: Vec<&str> = a.guessed.iter().take(10).map(String::as_str).collect();
    let more = a.guessed.len().saturating_sub(shown.len());
    Some(format!(
        "These verdicts rest on {} guessed readiness profiles ({}{}); calibrate them from a real bootstrap to trust the numbers.",
        a.guessed.len(),
        shown.join(", "),
        if more > 0 { format!(", and {more} more") } else { String::new() }
    ))
}

/// Plain text for a terminal.
#[must_use]
pub fn to_text(a: &Advice) -> String {
    let mut t = format!("advise {}\n{}\n\n", a.scenario, header(a));
    if a.suggestions.is_empty() {
        t.push_str("No change measured as faster or safer.\n");
    }
    for (i, s) in a.suggestions.iter().enumerate() {
        let c = &s.candidate;
        let _ = writeln!(t, "{}. {} — {}", i + 1, c.kind.label(), c.flags.join(" "));
        let _ = writeln!(
            t,
            "   p50 {}   p95 {}   stuck {}",
            change(&s.effect.p50),
            change(&s.effect.p95),
            stuck(s)
        );
        if let Some(w) = &s.warning {
            let _ = writeln!(t, "   WARNING: {w}");
        }
        let _ = writeln!(t, "   why: {}", c.why);
        for l in c.change.lines() {
            let _ = writeln!(t, "   | {l}");
        }
        t.push('\n');
    }
    if let Some(g) = guesses(a) {
        let _ = writeln!(t, "{g}");
    }
    t
}

/// Markdown for a pull-request comment.
#[must_use]
pub fn to_markdown(a: &Advice) -> String {
    let mut t = format!("### fluxsim advise: {}\n\n{}.\n\n", a.scenario, header(a));
    if a.suggestions.is_empty() {
        t.push_str("No change measured as faster or safer.\n");
        return t;
    }
    t.push_str("| # | change | Δ p50 [95% CI] | Δ p95 [95% CI] | stuck | B faster in |\n|---|---|---|---|---|---|\n");
    for (i, s) in a.suggestions.iter().enumerate() {
        let warn = if s.warning.is_some() { " ⚠" } else { "" };
        let _ = writeln!(
            t,
            "| {} | {}{warn}: `{}` | {} | {} | {} | {:.0}% |",
            i + 1,
            s.candidate.kind.label(),
            s.candidate.flags.join(" "),
            change(&s.effect.p50),
            change(&s.effect.p95),
            stuck(s),
            s.effect.b_faster_share * 100.0
        );
    }
    t.push('\n');
    for (i, s) in a.suggestions.iter().enumerate() {
        let _ = writeln!(
            t,
            "**{}. {}** — {}.",
            i + 1,
            s.candidate.kind.label(),
            s.candidate.why
        );
        if let Some(w) = &s.warning {
            let _ = writeln!(t, "\n> ⚠ {w}.");
        }
        let (first, rest) = s
            .candidate
            .change
            .split_once('\n')
            .unwrap_or((&s.candidate.change, ""));
        let body = if rest.is_empty() {
            String::new()
        } else {
            format!("{rest}\n")
        };
        let _ = writeln!(t, "\n```yaml\n# {first}\n{body}```\n");
    }
    if let Some(g) = guesses(a) {
        let _ = writeln!(t, "{g}");
    }
    t
}

/// JSON with a trailing newline.
#[must_use]
pub fn to_json(a: &Advice) -> String {
    let mut s = serde_json::to_string_pretty(a).unwrap_or_default();
    s.push('\n');
    s
}
