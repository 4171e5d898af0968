//! The DAG as Mermaid (for pull-request descriptions) and Graphviz DOT, with the critical path
//! marked and every node labelled with its Ready time; and a Chrome trace-event JSON of one run
//! (opens in Perfetto or chrome://tracing).

use crate::model::{Model, ObjectId, PerObject};
use crate::report::RunReport;
use crate::time::format_ms;
use serde_json::json;
use std::fmt::Write as _;

/// What to draw on each object.
pub struct GraphLabels {
    /// Ready time shown on each node (indexed like `Model::objects`), e.g. the Monte Carlo p50.
    pub ready_ms: PerObject<Option<u64>>,
    /// What the time means (`p50`, `ready`).
    pub ready_label: String,
    /// Objects on the critical path.
    pub critical: PerObject<bool>,
}

fn node_id(i: ObjectId) -> String {
    format!("n{i}")
}

fn esc(s: &str) -> String {
    s.replace('"', "'")
}

fn label(m: &Model, l: &GraphLabels, i: ObjectId) -> String {
    let o = &m.objects[i];
    let t = l.ready_ms[i].map_or("never Ready".to_string(), |v| {
        format!("{} {}", l.ready_label, format_ms(v))
    });
    let kind = if o.kind == crate::model::ObjKind::HelmRelease {
        "HR "
    } else {
        ""
    };
    format!("{kind}{}", esc(&o.name)) + "|" + &t
}

/// Edges (dependency → dependent) with a flag for "both ends critical", plus creation edges.
fn edges(m: &Model, l: &GraphLabels) -> Vec<(ObjectId, ObjectId, bool, bool)> {
    let mut v = vec![];
    for (i, o) in m.objects.iter_enumerated() {
        for d in &o.depends_on {
            v.push((*d, i, l.critical[*d] && l.critical[i], false));
        }
        if let Some(p) = o.parent {
            v.push((p, i, l.critical[p] && l.critical[i], true));
        }
    }
    v
}

/// Mermaid flowchart.
#[must_use]
pub fn mermaid(m: &Model, l: &GraphLabels) -> String {
    let mut s = String::from("flowchart LR\n");
    for i in m.objects.keys() {
        let lab = label(m, l, i).replace('|', "<br/>");
        let _ = writeln!(s, "  {}[\"{lab}\"]", node_id(i));
    }
    let es = edges(m, l);
    for (a, b, _, created) in &es {
        let arrow = if *created { "-.->" } else { "-->" };
        let _ = writeln!(s, "  {} {arrow} {}", node_id(*a), node_id(*b));
    }
    let _ = writeln!(
        s,
        "  classDef critical fill:#fde2e2,stroke:#c00,stroke-width:3px"
    );
    let crit: Vec<String> = m
        .objects
        .keys()
        .filter(|i| l.critical[*i])
        .map(node_id)
        .collect();
    if !crit.is_empty() {
        let _ = writeln!(s, "  class {} critical", crit.join(","));
    }
    let ce: Vec<String> = es
        .iter()
        .enumerate()
        .filter(|(_, e)| e.2)
        .map(|(k, _)| k.to_string())
        .collect();
    if !ce.is_empty() {
        let _ = writeln!(
            s,
            "  linkStyle {} stroke:#c00,stroke-width:3px",
            ce.join(",")
        );
    }
    s
}

/// Graphviz DOT.
#[must_use]
pub fn dot(m: &Model, l: &GraphLabels) -> String {
    let mut s = String::from("digraph fluxsim {\n  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fillcolor=\"#eef3fb\", fontname=\"sans-serif\"];\n");
    for i in m.objects.keys() {
        let lab = label(m, l, i).replace('|', "\\n");
        let extra = if l.critical[i] {
            ", color=\"#cc0000\", penwidth=3, fillcolor=\"#fde2e2\""
        } else {
            ""
        };
        let _ = writeln!(s, "  {} [label=\"{lab}\"{extra}];", node_id(i));
    }
    for (a, b, crit, created) in edges(m, l) {
        let mut attrs = vec![];
        if created {
            attrs.push("style=dashed".to_string());
        }
        if crit {
            attrs.push("color=\"#cc0000\"".into());
            attrs.push("penwidth=3".into());
        }
        let a_s = if attrs.is_empty() {
            String::new()
        } else {
            format!(" [{}]", attrs.join(", "))
        };
        let _ = writeln!(s, "  {} -> {}{a_s};", node_id(a), node_id(b));
    }
    s.push_str("}\n");
    s
}

/// Chrome trace-event JSON of one run: one thread per object, complete events per phase.
#[must_use]
pub fn chrome_trace(r: &RunReport) -> String {
    let mut ev = vec![];
    for (tid, o) in r.objects.iter().enumerate() {
        ev.push(json!({"name": "thread_name", "ph": "M", "pid": 1, "tid": tid, "args": {"name": o.name}}));
        for a in &o.runs {
            let us = |ms: u64| ms * 1000;
            let end = a.end_ms.unwrap_or(r.makespan_ms.unwrap_or(r.horizon_ms));
            if a.start_ms > a.queued_ms {
                ev.push(json!({"name": "queued", "cat": "queue", "ph": "X", "ts": us(a.queued_ms), "dur": us(a.start_ms - a.queued_ms), "pid": 1, "tid": tid}));
            }
            match a.apply_end_ms {
                Some(ae) => {
                    ev.push(json!({"name": "apply", "cat": "apply", "ph": "X", "ts": us(a.start_ms), "dur": us(ae - a.start_ms), "pid": 1, "tid": tid, "args": {"outcome": a.outcome, "reason": a.reason, "cause": a.cause}}));
                    if end > ae {
                        ev.push(json!({"name": "health wait", "cat": "health", "ph": "X", "ts": us(ae), "dur": us(end - ae), "pid": 1, "tid": tid, "args": {"outcome": a.outcome, "reason": a.reason}}));
                    }
                }
                None => ev.push(json!({"name": a.outcome, "cat": "reconcile", "ph": "X", "ts": us(a.start_ms), "dur": us(end.saturating_sub(a.start_ms)).max(1), "pid": 1, "tid": tid, "args": {"reason": a.reason, "cause": a.cause}})),
            }
            if !matches!(
                a.outcome.as_str(),
                "Ready"
                    | "FinalizerAdded"
                    | "DependencyNotReady"
                    | "ArtifactFailed"
                    | "SourceNotReady"
                    | "InProgress"
            ) {
                ev.push(json!({"name": format!("{}: {}", a.outcome, a.reason), "cat": "failure", "ph": "i", "s": "t", "ts": us(end), "pid": 1, "tid": tid}));
            }
        }
    }
    for (k, c) in r.critical_path.iter().enumerate() {
        ev.push(json!({"name": c.category.key(), "cat": "critical_path", "ph": "X", "ts": c.start_ms * 1000, "dur": (c.end_ms - c.start_ms) * 1000, "pid": 2, "tid": 0, "args": {"object": c.object, "segment": k}}));
    }
    ev.push(json!({"name": "process_name", "ph": "M", "pid": 1, "args": {"name": format!("{} (seed {})", r.scenario, r.seed)}}));
    ev.push(
        json!({"name": "process_name", "ph": "M", "pid": 2, "args": {"name": "critical path"}}),
    );
    let mut s = serde_json::to_string(&json!({"traceEvents": ev, "displayTimeUnit": "ms"}))
        .expect("serializes");
    s.push('\n');
    s
}
