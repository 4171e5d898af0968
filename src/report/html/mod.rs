//! One self-contained HTML file for reviews: the Gantt of one run (hover for every attempt's
//! reason, the critical path marked by a border and a ★ as well as by colour), the DAG, the
//! makespan CDFs of A and B, where the time goes, advise's suggestions and the guesses the
//! verdicts rest on. No network, no CDN: inline CSS, SVG and a few lines of JavaScript.

mod svg;

use super::mc::McReport;
use super::run::RunReport;
use crate::advise::Advice;
use crate::model::Model;
use crate::time::format_ms;
use std::fmt::Write as _;

pub use svg::esc;

/// What the page shows; everything but `a_run`, `a_mc` and `model` is optional.
pub struct HtmlInput<'a> {
    /// Scenario A's model (for the DAG).
    pub model: &'a Model,
    /// One run of A (the Gantt).
    pub a_run: &'a RunReport,
    /// Monte Carlo of A.
    pub a_mc: &'a McReport,
    /// Monte Carlo of B, for the CDF overlay.
    pub b_mc: Option<&'a McReport>,
    /// advise's suggestions.
    pub advice: Option<&'a Advice>,
    /// Readiness profiles that are guesses.
    pub guessed: &'a [String],
    /// Observed bootstraps (from `calibrate`'s dumps), each with its rows placed in A's
    /// simulated distribution.
    pub observed: &'a [crate::report::observed::BootstrapReport],
}

const CSS: &str = include_str!("report.css");
const JS: &str = include_str!("report.js");

fn stat(v: Option<u64>) -> String {
    v.map_or_else(|| "stuck".to_string(), format_ms)
}

fn summary(i: &HtmlInput) -> String {
    let mc = i.a_mc;
    let mut s = format!(
        "<p class=\"lead\">{} trials: p50 <b>{}</b>, p95 <b>{}</b>, stuck in {:.1}% of trials. The timeline below is trial {} of seed {}: bootstrap took <b>{}</b>.</p>",
        mc.trials,
        stat(mc.makespan_ms.p50),
        stat(mc.makespan_ms.p95),
        mc.stuck_probability * 100.0,
        i.a_run.trial,
        i.a_run.seed,
        stat(i.a_run.makespan_ms)
    );
    if let Some(b) = i.b_mc {
        let _ = write!(
            s,
            "<p class=\"lead\">B ({}): p50 <b>{}</b>, p95 <b>{}</b>, stuck {:.1}%.</p>",
            esc(&b.scenario),
            stat(b.makespan_ms.p50),
            stat(b.makespan_ms.p95),
            b.stuck_probability * 100.0
        );
    }
    s
}

fn categories(mc: &McReport) -> String {
    let mut rows: Vec<(&String, &f64)> = mc.time_share.iter().filter(|(_, v)| **v > 0.0).collect();
    rows.sort_by(|a, b| b.1.total_cmp(a.1).then(a.0.cmp(b.0)));
    let mut s = String::from("<table class=\"cats\"><tr><th>category</th><th>share of the critical path</th><th>mean</th></tr>");
    for (k, v) in rows {
        let mean = mc.time_mean_ms.get(k).copied().unwrap_or(0.0);
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let _ = write!(
            s,
            "<tr><td>{}</td><td><span class=\"bar\" style=\"width:{:.0}px\"></span> {:.1}%</td><td>{}</td></tr>",
            esc(&k.replace('_', " ").replace("pre flux", "before Flux (pre-Flux phase)")),
            v * 300.0,
            v * 100.0,
            format_ms(mean.round() as u64)
        );
    }
    s.push_str("</table>");
    s
}

fn advice(a: &Advice) -> String {
    if a.suggestions.is_empty() {
        return "<p>No change measured as faster or safer.</p>".into();
    }
    let mut s = String::from("<table class=\"advice\"><tr><th>#</th><th>change</th><th>Δ p50</th><th>Δ p95</th><th>why</th></tr>");
    for (n, x) in a.suggestions.iter().enumerate() {
        let d = |v: Option<i64>| v.map_or("n/a".into(), super::compare::signed);
        let warn = x
            .warning
            .as_ref()
            .map_or(String::new(), |w| format!("<br><b>⚠ {}</b>", esc(w)));
        let _ = write!(
            s,
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}{warn}</td></tr>",
            n + 1,
            esc(&x.candidate.flags.join(" ")),
            d(x.effect.p50.change_ms),
            d(x.effect.p95.change_ms),
            esc(&x.candidate.why)
        );
    }
    s.push_str("</table>");
    s
}

fn observed(bs: &[crate::report::observed::BootstrapReport]) -> String {
    let mut s = String::new();
    for b in bs {
        let o = &b.observed;
        let _ = write!(
            s,
            "<p>Observed bootstrap from <code>{}</code> (root {}): {}. Each observed Ready time is placed at its percentile among the simulated ones; ⚠ marks objects outside p5–p95.</p><table><tr><th>object</th><th>observed</th><th>percentile</th><th>simulated p5 / p50 / p95</th></tr>",
            esc(&o.file),
            esc(&o.root),
            o.makespan_ms.map_or_else(|| "not finished".to_string(), |v| format!("done after {}", format_ms(v.unsigned_abs())))
        );
        for r in &b.rows {
            let seen = r.observed_ms.map_or_else(
                || "never Ready".to_string(),
                |v| format_ms(v.unsigned_abs()),
            );
            let (pct, band) = match &r.before {
                Some(p) => (
                    format!("{}{:.0}", if p.outside { "⚠ " } else { "" }, p.percentile),
                    format!(
                        "{} / {} / {}",
                        stat(p.p5_ms),
                        stat(p.p50_ms),
                        stat(p.p95_ms)
                    ),
                ),
                None => ("—".into(), "—".into()),
            };
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{seen}</td><td>{pct}</td><td>{band}</td></tr>",
                esc(&r.object)
            );
        }
        s.push_str("</table>");
    }
    s
}

fn guesses(g: &[String]) -> String {
    if g.is_empty() {
        return "<p>No readiness profile in this scenario is marked as a guess.</p>".into();
    }
    let items: String = g.iter().map(|x| format!("<li>{}</li>", esc(x))).collect();
    format!(
        "<p>{} readiness profiles are guesses; calibrate them from a real bootstrap (<code>fluxsim calibrate</code>) before trusting the numbers:</p><ul class=\"guesses\">{items}</ul>",
        g.len()
    )
}

/// The whole page.
#[must_use]
pub fn render(i: &HtmlInput) -> String {
    let title = format!("fluxsim: {}", i.a_run.scenario);
    let mut body = format!("<h1>{}</h1>{}", esc(&title), summary(i));
    let sections: [(&str, &str, String); 6] = [
        ("timeline", "Timeline of one bootstrap", svg::gantt(i.a_run)),
        (
            "cdf",
            "Bootstrap time over all trials",
            svg::cdf(i.a_mc, i.b_mc),
        ),
        ("time", "Where the time goes", categories(i.a_mc)),
        ("dag", "dependsOn graph", svg::dag(i.model, i.a_run)),
        (
            "advice",
            "Suggested changes",
            i.advice.map_or_else(
                || "<p>Run with <code>--advise</code> to measure suggested changes.</p>".into(),
                advice,
            ),
        ),
        ("guesses", "What the verdicts rest on", guesses(i.guessed)),
    ];
    for (id, h, content) in sections {
        let _ = write!(body, "<section id=\"{id}\"><h2>{h}</h2>{content}</section>");
    }
    if !i.observed.is_empty() {
        let _ = write!(
            body,
            "<section id=\"observed\"><h2>Observed beside predicted</h2>{}</section>",
            observed(i.observed)
        );
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{}</title><style>{CSS}</style></head><body>{body}<div id=\"tip\" role=\"tooltip\" hidden></div><script>{JS}</script></body></html>\n",
        esc(&title)
    )
}
