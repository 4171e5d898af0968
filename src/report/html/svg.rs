//! Inline SVG for the HTML report: Gantt rows grouped by namespace, CDFs, the layered DAG.

use crate::model::{Model, PerObject};
use crate::report::mc::McReport;
use crate::report::run::{AttemptReport, ObjectReport, RunReport};
use crate::time::format_ms;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Escapes text for HTML and SVG (elements and attributes).
#[must_use]
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

const LABEL_W: f64 = 300.0;
const PLOT_W: f64 = 880.0;
const ROW_H: f64 = 18.0;
/// Namespaces are shown collapsed (except those on the critical path) above this many objects.
const OPEN_ALL_UP_TO: usize = 300;

/// A "nice" tick step in ms for an axis spanning `span` ms, about 8 ticks.
fn tick_step(span: u64) -> u64 {
    const STEPS: [u64; 16] = [
        100, 250, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000,
        600_000, 900_000, 1_800_000, 3_600_000,
    ];
    STEPS
        .iter()
        .copied()
        .find(|s| span / s <= 8)
        .unwrap_or(span.div_ceil(8).max(1))
}

#[allow(clippy::cast_precision_loss)]
fn x(ms: u64, span: u64) -> f64 {
    LABEL_W + PLOT_W * ms as f64 / span.max(1) as f64
}

fn axis(span: u64, height: f64) -> String {
    let mut s = String::from("<g class=\"axis\">");
    let step = tick_step(span);
    let mut t = 0;
    while t <= span {
        let xx = x(t, span);
        let _ = write!(s, "<line x1=\"{xx:.1}\" y1=\"14\" x2=\"{xx:.1}\" y2=\"{height:.1}\"/><text x=\"{xx:.1}\" y=\"11\" text-anchor=\"middle\">{}</text>", format_ms(t));
        t += step;
    }
    s.push_str("</g>");
    s
}

fn attempt_tip(o: &ObjectReport, n: usize, a: &AttemptReport) -> String {
    let end = a.end_ms.map_or_else(
        || "did not end".to_string(),
        |e| format!("ended {}", format_ms(e)),
    );
    let applied = a
        .apply_end_ms
        .map_or(String::new(), |e| format!(", applied {}", format_ms(e)));
    format!(
        "{} — reconcile {} ({})\nqueued {}, started {}{applied}, {end}\n{}: {}",
        o.name,
        n + 1,
        a.cause,
        format_ms(a.queued_ms),
        format_ms(a.start_ms),
        a.outcome,
        a.reason
    )
}

fn rect(s: &mut String, class: &str, from: u64, to: u64, y: f64, span: u64) {
    let (x0, x1) = (x(from, span), x(to.max(from), span));
    let _ = write!(
        s,
        "<rect class=\"{class}\" x=\"{x0:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"/>",
        y + 3.0,
        (x1 - x0).max(1.5),
        ROW_H - 6.0
    );
}

fn row(o: &ObjectReport, y: f64, span: u64) -> String {
    let star = if o.critical { "★ " } else { "" };
    let cls = if o.critical { " class=\"crit\"" } else { "" };
    let mut s = format!(
        "<g data-object=\"{}\"><text x=\"4\" y=\"{:.1}\"{cls}>{star}{}</text>",
        esc(&o.name),
        y + ROW_H - 5.0,
        esc(&o.name)
    );
    if o.runs.is_empty() {
        let tip = format!("{} — never reconciled\n{}: {}", o.name, o.outcome, o.reason);
        let _ = write!(
            s,
            "<g class=\"att\" tabindex=\"0\" data-tip=\"{}\">",
            esc(&tip)
        );
        rect(&mut s, "q", 0, span, y, span);
        s.push_str("</g>");
    }
    for (n, a) in o.runs.iter().enumerate() {
        let end = a.end_ms.unwrap_or(span);
        // Anything but a success or the finalizer step: a failure or a wait on something else.
        let failed = !matches!(
            a.outcome.as_str(),
            "Ready" | "FinalizerAdded" | "InProgress"
        );
        let _ = write!(
            s,
            "<g class=\"att{}\" tabindex=\"0\" data-tip=\"{}\">",
            if o.critical { " critbar" } else { "" },
            esc(&attempt_tip(o, n, a))
        );
        rect(&mut s, "q", a.queued_ms, a.start_ms, y, span);
        let apply_end = a.apply_end_ms.unwrap_or(end);
        rect(
            &mut s,
            if failed { "fail" } else { "ap" },
            a.start_ms,
            apply_end,
            y,
            span,
        );
        if apply_end < end {
            rect(
                &mut s,
                if failed { "fail" } else { "hw" },
                apply_end,
                end,
                y,
                span,
            );
        }
        s.push_str("</g>");
    }
    s.push_str("</g>");
    s
}

const LEGEND: &str = "<p class=\"legend\"><span><i style=\"background:#d0d7de\"></i>queued</span><span><i style=\"background:#0969da\"></i>apply / install</span><span><i style=\"background:#2da44e\"></i>health wait</span><span><i style=\"background:repeating-linear-gradient(45deg,#fff 0 2px,#cf222e 2px 4px)\"></i>failed or waiting on a dependency</span><span>★ bold, black border: critical path</span> — hover or focus a bar for its reason.</p><svg width=\"0\" height=\"0\" aria-hidden=\"true\"><defs><pattern id=\"hatch\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"4\" height=\"4\" fill=\"#fff\"/><rect width=\"2\" height=\"4\" fill=\"#cf222e\"/></pattern></defs></svg>";

/// The Gantt of one run: one `<details>` per namespace, rows by first Ready time.
#[must_use]
pub fn gantt(r: &RunReport) -> String {
    let span = r
        .objects
        .iter()
        .flat_map(|o| o.runs.iter().map(|a| a.end_ms.unwrap_or(a.start_ms)))
        .chain(r.makespan_ms)
        .max()
        .unwrap_or(1)
        .max(1);
    let mut groups: BTreeMap<&str, Vec<&ObjectReport>> = BTreeMap::new();
    for o in &r.objects {
        groups.entry(o.namespace.as_str()).or_default().push(o);
    }
    let open_all = r.objects.len() <= OPEN_ALL_UP_TO;
    let mut s = String::from(LEGEND);
    if !open_all {
        let _ = write!(s, "<p class=\"note\">{} objects: namespaces are collapsed except those on the critical path; open one to see its rows.</p>", r.objects.len());
    }
    for (ns, mut objs) in groups {
        objs.sort_by_key(|o| (o.ready_ms.unwrap_or(u64::MAX), o.name.clone()));
        let critical = objs.iter().filter(|o| o.critical).count();
        let open = if open_all || critical > 0 {
            " open"
        } else {
            ""
        };
        #[allow(clippy::cast_precision_loss)]
        let h = 18.0 + ROW_H * objs.len() as f64;
        let _ = write!(
            s,
            "<details{open}><summary>{} — {} objects{}</summary><svg width=\"{:.0}\" height=\"{h:.0}\" role=\"img\" aria-label=\"timeline of namespace {}\">{}",
            esc(ns),
            objs.len(),
            if critical > 0 { format!(", {critical} on the critical path") } else { String::new() },
            LABEL_W + PLOT_W + 20.0,
            esc(ns),
            axis(span, h)
        );
        if r.flux_start_ms > 0 {
            let w = x(r.flux_start_ms, span) - LABEL_W;
            let _ = write!(s, "<rect x=\"{LABEL_W:.1}\" y=\"14\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"#f6f8fa\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"note\">before Flux (pre-Flux phase)</text>", h - 14.0, LABEL_W + 4.0, h - 4.0);
        }
        for (i, o) in objs.iter().enumerate() {
            #[allow(clippy::cast_precision_loss)]
            s.push_str(&row(o, 16.0 + ROW_H * i as f64, span));
        }
        s.push_str("</svg></details>");
    }
    s
}

/// Makespan CDFs: A solid, B dashed (readable without colour); stuck trials never reach it.
#[must_use]
pub fn cdf(a: &McReport, b: Option<&McReport>) -> String {
    let finite = |r: &McReport| {
        r.trial_makespans_ms
            .iter()
            .flatten()
            .copied()
            .collect::<Vec<u64>>()
    };
    let span = finite(a)
        .into_iter()
        .chain(b.map(finite).unwrap_or_default())
        .max()
        .unwrap_or(1)
        .max(1);
    let (h, top) = (260.0, 20.0);
    let mut s = format!("<svg width=\"{:.0}\" height=\"{:.0}\" role=\"img\" aria-label=\"cumulative distribution of bootstrap time\">{}", LABEL_W + PLOT_W + 20.0, h + 30.0, axis(span, h));
    for (r, dash, name) in [(Some(a), "", "A"), (b, " stroke-dasharray=\"6 4\"", "B")] {
        let Some(r) = r else { continue };
        let mut v = finite(r);
        v.sort_unstable();
        #[allow(clippy::cast_precision_loss)]
        let n = r.trial_makespans_ms.len().max(1) as f64;
        let mut pts = format!("{:.1},{:.1}", x(0, span), top + h - top);
        for (i, ms) in v.iter().enumerate() {
            #[allow(clippy::cast_precision_loss)]
            let y = h - (h - top) * (i + 1) as f64 / n;
            let _ = write!(
                pts,
                " {:.1},{:.1} {:.1},{y:.1}",
                x(*ms, span),
                h - (h - top) * i as f64 / n,
                x(*ms, span)
            );
        }
        let _ = write!(s, "<polyline fill=\"none\" stroke=\"#1b1f24\" stroke-width=\"2\"{dash} points=\"{pts}\"/>");
        let _ = write!(
            s,
            "<text x=\"8\" y=\"{:.0}\">{name}: {} (p50 {}, p95 {})</text>",
            if name == "A" { top + 10.0 } else { top + 26.0 },
            esc(&r.scenario),
            r.makespan_ms.p50.map_or("stuck".into(), format_ms),
            r.makespan_ms.p95.map_or("stuck".into(), format_ms)
        );
    }
    let _ = write!(
        s,
        "<text x=\"8\" y=\"{:.0}\">share of trials finished →</text></svg>",
        h + 20.0
    );
    s
}

/// Longest `dependsOn` depth of each object (its column in the DAG).
fn depths(m: &Model) -> PerObject<usize> {
    let order = crate::advise::graph::dependency_order(m);
    let mut d: PerObject<usize> = vec![0usize; m.objects.len()].into();
    for o in order {
        d[o] = m.objects[o]
            .depends_on
            .iter()
            .map(|b| d[*b] + 1)
            .max()
            .unwrap_or(0);
    }
    d
}

/// The `dependsOn` graph in columns by depth, critical objects marked.
#[must_use]
pub fn dag(m: &Model, r: &RunReport) -> String {
    if m.objects.len() > 600 {
        return format!("<p class=\"note\">{} objects: too many to draw legibly here; <code>fluxsim chart</code> writes the graph as Mermaid and DOT.</p>", m.objects.len());
    }
    let d = depths(m);
    let critical: std::collections::BTreeSet<&str> = r
        .objects
        .iter()
        .filter(|o| o.critical)
        .map(|o| o.name.as_str())
        .collect();
    let mut slot = vec![0usize; d.iter().max().map_or(1, |x| x + 1)];
    let mut pos: PerObject<(f64, f64)> = vec![(0.0, 0.0); m.objects.len()].into();
    for (i, di) in d.iter_enumerated() {
        #[allow(clippy::cast_precision_loss)]
        let p = (10.0 + 230.0 * *di as f64, 10.0 + 28.0 * slot[*di] as f64);
        pos[i] = p;
        slot[*di] += 1;
    }
    #[allow(clippy::cast_precision_loss)]
    let (w, h) = (
        20.0 + 230.0 * slot.len() as f64,
        20.0 + 28.0 * *slot.iter().max().unwrap_or(&1) as f64,
    );
    let mut s = format!("<p class=\"note\">Columns by dependsOn depth, each dependency to the left of what waits for it. Solid boxes: Kustomizations; dashed: HelmReleases; ★ and a bold outline: the critical path of the timeline above.</p><svg width=\"{w:.0}\" height=\"{h:.0}\" role=\"img\" aria-label=\"dependsOn graph\">");
    for (a, o) in m.objects.iter_enumerated() {
        for &b in &o.depends_on {
            let ((bx, by), (ax, ay)) = (pos[b], pos[a]);
            let _ = write!(s, "<path d=\"M{:.1},{:.1} C{:.1},{:.1} {:.1},{:.1} {ax:.1},{:.1}\" fill=\"none\" stroke=\"#8c959f\"/>", bx + 200.0, by + 10.0, bx + 215.0, by + 10.0, ax - 15.0, ay + 10.0, ay + 10.0);
        }
    }
    for (i, o) in m.objects.iter_enumerated() {
        let name = o.display();
        let crit = critical.contains(name.as_str());
        let (px, py) = pos[i];
        // The kind is in the box's outline (HelmReleases dashed); the name is what matters.
        let label = if o.namespace == "flux-system" {
            o.name.clone()
        } else {
            format!("{}/{}", o.namespace, o.name)
        };
        let short: String = label.chars().take(32).collect();
        let dash = if o.kind == crate::model::ObjKind::HelmRelease {
            " stroke-dasharray=\"4 2\""
        } else {
            ""
        };
        let _ = write!(
            s,
            "<g data-tip=\"{}\"><rect x=\"{px:.1}\" y=\"{py:.1}\" width=\"200\" height=\"20\" rx=\"3\" fill=\"#fff\" stroke=\"#1b1f24\" stroke-width=\"{}\"{dash}/><text x=\"{:.1}\" y=\"{:.1}\"{}>{}{}</text></g>",
            esc(&name),
            if crit { 2.5 } else { 1.0 },
            px + 4.0,
            py + 14.0,
            if crit { " class=\"crit\"" } else { "" },
            if crit { "★ " } else { "" },
            esc(&short)
        );
    }
    s.push_str("</svg>");
    s
}
