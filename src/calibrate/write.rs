//! Writes the calibrated scenario: the original text with each fitted workload's item rewritten
//! (one flow mapping with its fitted `ready` and `observed: {samples, source}`), fitted `apply`
//! times set on their objects, and the controllers' observed flags. Comments elsewhere survive.
//! Anything laid out in a way this line editor does not handle is listed instead of guessed.

use super::{Calibration, Flags};
use crate::model::Model;
use crate::scenario::schema::{RawController, RawScenario, RawWorkload};
use crate::scenario::spanned::Spanned;
use crate::scenario::Scenario;

struct Edit {
    from: usize,
    to: usize,
    lines: Vec<String>,
}

/// YAML plain scalar or a double-quoted string.
fn q(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
        && !matches!(s, "true" | "false" | "null" | "yes" | "no" | "on" | "off")
        && s.parse::<f64>().is_err();
    if plain {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

fn indent_of(l: &str) -> usize {
    l.len() - l.trim_start().len()
}

fn workloads(raw: &RawScenario) -> Vec<(&Spanned<RawWorkload>, String)> {
    let mut v: Vec<(&Spanned<RawWorkload>, String)> =
        raw.bootstrap.iter().map(|w| (w, String::new())).collect();
    for k in &raw.kustomizations {
        let ns = k
            .value
            .target_namespace
            .clone()
            .or(k.value.namespace.clone())
            .unwrap_or("flux-system".into());
        v.extend(k.value.resources.iter().map(|w| (w, ns.clone())));
    }
    for h in &raw.helm_releases {
        let ns = h
            .value
            .target_namespace
            .clone()
            .or(h.value.namespace.clone())
            .unwrap_or("flux-system".into());
        v.extend(h.value.resources.iter().map(|w| (w, ns.clone())));
    }
    v
}

/// The raw item of a model workload: same kind and name, and the namespace it resolves to.
fn raw_of<'a>(
    list: &[(&'a Spanned<RawWorkload>, String)],
    w: &crate::model::Workload,
) -> Option<&'a Spanned<RawWorkload>> {
    let c: Vec<_> = list
        .iter()
        .filter(|(r, _)| r.value.kind.value == w.kind && r.value.name.value == w.name)
        .collect();
    if c.len() == 1 {
        return Some(c[0].0);
    }
    c.iter()
        .find(|(r, d)| r.value.namespace.as_deref().unwrap_or(d) == w.namespace)
        .map(|(r, _)| *r)
}

fn flow(w: &RawWorkload, ready: &str, samples: usize, source: &str) -> String {
    let mut f = vec![
        format!("kind: {}", q(&w.kind.value)),
        format!("name: {}", q(&w.name.value)),
    ];
    if let Some(ns) = &w.namespace {
        f.push(format!("namespace: {}", q(ns)));
    }
    f.push(format!("ready: {ready}"));
    f.push(format!(
        "observed: {{samples: {samples}, source: {}}}",
        q(source)
    ));
    if !w.needs.is_empty() {
        let n: Vec<String> = w.needs.iter().map(|x| q(&x.value)).collect();
        f.push(format!("needs: [{}]", n.join(", ")));
    }
    if let Some(c) = &w.crd {
        f.push(format!("crd: {}", q(&c.value)));
    }
    if let Some(h) = &w.webhook {
        f.push(format!("webhook: {}", q(&h.value)));
    }
    if let Some(p) = &w.fail_probability {
        f.push(format!("failProbability: {}", p.value));
    }
    if let Some(b) = w.backoff_limit {
        f.push(format!("backoffLimit: {b}"));
    }
    format!("{{{}}}", f.join(", "))
}

fn workload_edit(lines: &[&str], rw: &Spanned<RawWorkload>, text: String) -> Option<Edit> {
    let line = usize::try_from(rw.referenced.line()).ok()?.checked_sub(1)?;
    let col = usize::try_from(rw.referenced.column())
        .ok()?
        .checked_sub(1)?;
    let l = lines.get(line)?;
    let prefix = l.get(..col)?;
    if prefix.trim() != "-" {
        return None;
    }
    let mut to = line + 1;
    while to < lines.len() && !lines[to].trim().is_empty() && indent_of(lines[to]) >= col {
        to += 1;
    }
    Some(Edit {
        from: line,
        to,
        lines: vec![format!("{prefix}{text}")],
    })
}

fn controller_line(name: &str, raw: &RawController, f: Option<&Flags>) -> Option<String> {
    let f = f?;
    let mut v = vec![];
    if let Some(c) = f.concurrent.or(raw.concurrent.as_ref().map(|c| c.value)) {
        v.push(format!("concurrent: {c}"));
    }
    if let Some(r) = f
        .requeue_dependency
        .clone()
        .or(raw.requeue_dependency.as_ref().map(|r| r.value.clone()))
    {
        v.push(format!("requeueDependency: {}", q(&r)));
    }
    if let Some(w) = raw.watch_dependencies {
        v.push(format!("watchDependencies: {w}"));
    }
    let mut gates = raw
        .feature_gates
        .as_ref()
        .map(|g| g.value.clone())
        .unwrap_or_default();
    gates.extend(f.feature_gates.clone());
    if !gates.is_empty() {
        let g: Vec<String> = gates
            .iter()
            .map(|(k, b)| format!("{}: {b}", q(k)))
            .collect();
        v.push(format!("featureGates: {{{}}}", g.join(", ")));
    }
    let version = if f.version.is_empty() {
        String::new()
    } else {
        format!(" {}", f.version)
    };
    Some(format!(
        "  {name}: {{{}}}  # observed: {name}-controller{version}",
        v.join(", ")
    ))
}

fn controllers_edit(lines: &[&str], sc: &Scenario, c: &Calibration) -> Option<Edit> {
    let r = &sc.raw.controllers;
    let k = controller_line("kustomize", &r.kustomize, c.kustomize.as_ref());
    let h = controller_line("helm", &r.helm, c.helm.as_ref());
    if k.is_none() && h.is_none() {
        return None;
    }
    let keep = |name: &str, rc: &RawController| -> Option<String> {
        let mut v = vec![];
        if let Some(x) = &rc.concurrent {
            v.push(format!("concurrent: {}", x.value));
        }
        if let Some(x) = &rc.requeue_dependency {
            v.push(format!("requeueDependency: {}", q(&x.value)));
        }
        if let Some(x) = rc.watch_dependencies {
            v.push(format!("watchDependencies: {x}"));
        }
        if let Some(g) = &rc.feature_gates {
            let g: Vec<String> = g
                .value
                .iter()
                .map(|(k, b)| format!("{}: {b}", q(k)))
                .collect();
            v.push(format!("featureGates: {{{}}}", g.join(", ")));
        }
        (!v.is_empty()).then(|| format!("  {name}: {{{}}}", v.join(", ")))
    };
    let mut out = vec!["controllers:".to_string()];
    out.extend(k.or_else(|| keep("kustomize", &r.kustomize)));
    out.extend(h.or_else(|| keep("helm", &r.helm)));
    let top = |l: &&str| indent_of(l) == 0 && !l.starts_with('#') && !l.trim().is_empty();
    if let Some(i) = lines.iter().position(|l| l.starts_with("controllers:")) {
        let mut to = i + 1;
        while to < lines.len() && !top(&lines[to]) {
            to += 1;
        }
        return Some(Edit {
            from: i,
            to,
            lines: out,
        });
    }
    let at = lines
        .iter()
        .position(|l| {
            ["bootstrap:", "sources:", "kustomizations:", "helmReleases:"]
                .iter()
                .any(|k| l.starts_with(k))
        })
        .unwrap_or(lines.len());
    Some(Edit {
        from: at,
        to: at,
        lines: out,
    })
}

fn apply_edit(lines: &[&str], name_line: u64, apply: Option<u64>, text: &str) -> Option<Edit> {
    if let Some(al) = apply {
        let i = usize::try_from(al).ok()?.checked_sub(1)?;
        let l = lines.get(i)?;
        let p = l.find("apply:")?;
        return Some(Edit {
            from: i,
            to: i + 1,
            lines: vec![format!("{}apply: {text}", &l[..p])],
        });
    }
    let i = usize::try_from(name_line).ok()?.checked_sub(1)?;
    let l = lines.get(i)?;
    let p = l.find("name:")?;
    if l[..p].contains('{') {
        return None;
    }
    Some(Edit {
        from: i + 1,
        to: i + 1,
        lines: vec![format!("{}apply: {text}", " ".repeat(p))],
    })
}

fn object_edits(
    lines: &[&str],
    sc: &Scenario,
    m: &Model,
    c: &Calibration,
    edits: &mut Vec<Edit>,
    skipped: &mut Vec<String>,
) {
    for f in &c.objects {
        let o = &m.objects[f.object];
        if o.kind == crate::model::ObjKind::HelmRelease {
            // Status stamps are whole seconds and the difference includes the chart CRDs'
            // wait: reported, not written (flux-observability.md §b, §f).
            skipped.push(format!("{}: apply ≈ {} from whole-second stamps, including the chart CRDs' wait (not written; set it by hand if you trust it)", o.canonical, f.fit.yaml()));
            continue;
        }
        let text = format!(
            "{}  # observed: {}, from {}",
            f.fit.yaml(),
            f.fit.how(),
            f.source
        );
        // HelmReleases were skipped above: only Kustomizations get an apply edit.
        let found = sc
            .raw
            .kustomizations
            .iter()
            .find(|k| {
                k.value.name.value == o.name
                    && k.value.namespace.as_deref().unwrap_or("flux-system") == o.namespace
            })
            .map(|k| {
                (
                    k.value.name.referenced.line(),
                    k.value.apply.as_ref().map(|a| a.referenced.line()),
                )
            });
        match found.and_then(|(n, a)| apply_edit(lines, n, a, &text)) {
            Some(e) => edits.push(e),
            None => skipped.push(format!(
                "{}: apply {} (set it by hand)",
                o.canonical,
                f.fit.yaml()
            )),
        }
    }
}

/// The calibrated scenario text, and what could not be written in place (with the value to set
/// by hand). `source` names the dumps in `observed.source`.
#[must_use]
pub fn calibrated(
    sc: &Scenario,
    m: &Model,
    c: &Calibration,
    source: &str,
) -> (String, Vec<String>) {
    let lines: Vec<&str> = sc.source.lines().collect();
    let list = workloads(&sc.raw);
    let (mut edits, mut skipped) = (vec![], vec![]);
    for f in &c.workloads {
        let w = &m.workloads[f.workload];
        let e = raw_of(&list, w).and_then(|rw| {
            workload_edit(
                &lines,
                rw,
                flow(
                    &rw.value,
                    &f.fit.yaml(),
                    f.fit.samples,
                    &super::source_of(&f.files),
                ),
            )
        });
        match e {
            Some(e) => edits.push(e),
            None => skipped.push(format!(
                "{}: ready {} (set it by hand)",
                w.canonical,
                f.fit.yaml()
            )),
        }
    }
    object_edits(&lines, sc, m, c, &mut edits, &mut skipped);
    edits.extend(controllers_edit(&lines, sc, c));
    edits.sort_by_key(|e| (e.from, e.to));
    let mut out = vec![format!(
        "# Calibrated by `fluxsim calibrate` from {source}."
    )];
    out.extend(skipped.iter().map(|s| format!("# not written: {s}")));
    let mut i = 0;
    for e in edits {
        if e.from < i {
            continue;
        }
        out.extend(lines[i..e.from].iter().map(|s| (*s).to_string()));
        out.extend(e.lines);
        i = e.to;
    }
    out.extend(lines[i..].iter().map(|s| (*s).to_string()));
    (out.join("\n") + "\n", skipped)
}
