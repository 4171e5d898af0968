//! Candidate changes worth measuring, found cheaply from the model's structure and a pilot run
//! (criticality). Each is a list of what-if edits with the exact YAML change and a reason.

use super::graph::{redundant_edges, Order};
use crate::dist::Dist;
use crate::model::{Model, ObjKind, ObjectId, Owner, Target, TiSlice};
use crate::scenario::edit::Edit;
use crate::time::format_ms;
use serde::Serialize;
use std::collections::BTreeSet;

/// What kind of change a suggestion is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Kind {
    /// A `dependsOn` implied by other edges.
    RedundantEdge,
    /// A `dependsOn` on the critical path that nothing needs.
    CriticalEdge,
    /// A `dependsOn` that would order a workload after what it needs.
    MissingEdge,
    /// `wait: true` on a Kustomization nothing depends on.
    LeafWait,
    /// A controller flag or a timeout/retry setting.
    Setting,
}

impl Kind {
    /// Short label for reports.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Kind::RedundantEdge => "redundant dependsOn",
            Kind::CriticalEdge => "dependsOn on the critical path",
            Kind::MissingEdge => "missing dependsOn",
            Kind::LeafWait => "wait on a leaf",
            Kind::Setting => "setting",
        }
    }
    /// Which `--only` group it belongs to.
    #[must_use]
    pub fn is_edge(self) -> bool {
        matches!(
            self,
            Kind::RedundantEdge | Kind::CriticalEdge | Kind::MissingEdge
        )
    }
}

/// A change to measure.
#[derive(Clone, Debug, Serialize)]
pub struct Candidate {
    /// Kind.
    pub kind: Kind,
    /// The what-if edits (as `fluxsim compare` flags).
    #[serde(skip)]
    pub edits: Vec<Edit>,
    /// The same edits as command-line flags.
    pub flags: Vec<String>,
    /// The exact change to make in the repository.
    pub change: String,
    /// Why, in one sentence, in terms of the model.
    pub why: String,
    /// Whether the structure says it is safe (no `needs`, CRD or webhook left unordered).
    pub structurally_safe: bool,
}

/// How edits name an object: `Kind/namespace/name`, never ambiguous.
#[must_use]
pub fn spec(m: &Model, o: ObjectId) -> String {
    m.objects[o].canonical.clone()
}

fn edge_edit(m: &Model, add: bool, a: ObjectId, b: ObjectId) -> Edit {
    if add {
        Edit::AddDep(spec(m, a), spec(m, b))
    } else {
        Edit::RemoveDep(spec(m, a), spec(m, b))
    }
}

fn dep_line(m: &Model, a: ObjectId, b: ObjectId) -> String {
    let (oa, ob) = (&m.objects[a], &m.objects[b]);
    if oa.namespace == ob.namespace {
        format!("- name: {}", ob.name)
    } else {
        format!("- {{name: {}, namespace: {}}}", ob.name, ob.namespace)
    }
}

fn finish(kind: Kind, edits: Vec<Edit>, change: String, why: String, safe: bool) -> Candidate {
    Candidate {
        kind,
        flags: edits.iter().map(Edit::describe).collect(),
        edits,
        change,
        why,
        structurally_safe: safe,
    }
}

/// An upper estimate of a distribution's 95th percentile (ms).
#[must_use]
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss
)]
pub fn p95(d: &Dist) -> u64 {
    match d {
        Dist::Fixed(v) => *v,
        Dist::Uniform { min, max } => min + (max - min) * 95 / 100,
        Dist::Exponential { mean, offset } => offset + (*mean as f64 * 20f64.ln()) as u64,
        Dist::LogNormal { p95, .. } => *p95,
        Dist::Triangular { max, .. } | Dist::Pert { max, .. } => *max,
        Dist::Empirical(v) => {
            let mut s = v.clone();
            s.sort_unstable();
            s[(s.len() * 95)
                .div_ceil(100)
                .saturating_sub(1)
                .min(s.len() - 1)]
        }
    }
}

/// Rounds up to whole minutes (at least one).
fn round_minutes(ms: u64) -> u64 {
    ms.div_ceil(60_000).max(1) * 60_000
}

/// Removing redundant edges, and edges between objects that are both usually critical.
fn edge_removals(
    m: &Model,
    order: &Order,
    criticality: &TiSlice<ObjectId, f64>,
    out: &mut Vec<Candidate>,
) {
    let redundant: BTreeSet<_> = redundant_edges(m).into_iter().collect();
    for (a, o) in m.objects.iter_enumerated() {
        for &b in &o.depends_on {
            let is_redundant = redundant.contains(&(a, b));
            let critical = criticality[a] >= 0.25 && criticality[b] >= 0.25;
            if !is_redundant && !critical {
                continue;
            }
            let broken = order.broken_by_removal(m, (a, b));
            let (kind, why) = if is_redundant {
                (Kind::RedundantEdge, format!(
                    "{} already waits for {} through other dependencies, so this edge only adds a dependency poll",
                    o.display(), m.objects[b].display()))
            } else if broken.is_empty() {
                (Kind::CriticalEdge, format!(
                    "{} and {} are on the critical path in {:.0}% and {:.0}% of trials, and nothing {} applies needs what {} applies (no run-time need, CRD or webhook)",
                    o.display(), m.objects[b].display(), criticality[a] * 100.0, criticality[b] * 100.0,
                    o.display(), m.objects[b].display()))
            } else {
                let (w, r) = broken[0];
                (Kind::CriticalEdge, format!(
                    "on the critical path, but UNSAFE: {} requires {}, which would then start unordered",
                    m.workloads[w].canonical, m.workloads[r].canonical))
            };
            out.push(finish(
                kind,
                vec![edge_edit(m, false, a, b)],
                format!(
                    "{}: remove from dependsOn:\n  {}",
                    o.display(),
                    dep_line(m, a, b)
                ),
                why,
                broken.is_empty(),
            ));
        }
    }
}

/// The object a dependent of kind `k` should depend on so that `owner` has applied its
/// workloads: the owner itself when kinds match, else the nearest Kustomization above it.
fn dependency_for(m: &Model, k: ObjKind, owner: ObjectId) -> Option<ObjectId> {
    let mut x = Some(owner);
    while let Some(o) = x {
        if m.objects[o].kind == k {
            return Some(o);
        }
        x = m.objects[o].parent;
    }
    None
}

/// Adding edges that order a workload after what it needs.
fn missing_edges(m: &Model, order: &Order, out: &mut Vec<Candidate>) {
    let mut seen = BTreeSet::new();
    for &(w, r) in order.unordered_requirements() {
        let (Owner::Object(a), Owner::Object(ro)) = (m.workloads[w].owner, m.workloads[r].owner)
        else {
            continue;
        };
        let Some(b) = dependency_for(m, m.objects[a].kind, ro) else {
            continue;
        };
        if a == b || order.happens_after(b, a) || !seen.insert((a, b)) {
            continue;
        }
        let what = if m.workloads[w].needs.contains(&r) {
            "crash-loops until"
        } else {
            "fails its dry-run until"
        };
        out.push(finish(
            Kind::MissingEdge,
            vec![edge_edit(m, true, a, b)],
            format!(
                "{}: add to dependsOn:\n  {}",
                m.objects[a].display(),
                dep_line(m, a, b)
            ),
            format!(
                "{} {what} {} is ready, but nothing orders {} after {}",
                m.workloads[w].canonical,
                m.workloads[r].canonical,
                m.objects[a].display(),
                m.objects[b].display()
            ),
            true,
        ));
    }
}

/// `wait: true` on Kustomizations that nothing depends on or health-checks.
fn leaf_waits(m: &Model, out: &mut Vec<Candidate>) {
    let checked: BTreeSet<ObjectId> = m
        .objects
        .iter()
        .flat_map(|o| o.health_checks.iter().chain(o.stages.iter().flatten()))
        .filter_map(|t| match t {
            Target::Object(x) => Some(*x),
            Target::Workload(_) => None,
        })
        .collect();
    for (a, o) in m.objects.iter_enumerated() {
        let parent_waits = o.parent.is_some_and(|p| m.objects[p].wait) && checked.contains(&a);
        if o.kind != ObjKind::Kustomization
            || !o.wait
            || !m.dependents[a].is_empty()
            || parent_waits
        {
            continue;
        }
        out.push(finish(
            Kind::LeafWait,
            vec![Edit::Set(format!("{}.wait", spec(m, a)), "false".into())],
            format!("{}: spec.wait: false", o.display()),
            format!(
                "nothing depends on {}, yet with wait it holds a kustomize-controller worker through its whole health wait",
                o.display()
            ),
            true,
        ));
    }
}

fn controller_settings(m: &Model, out: &mut Vec<Candidate>) {
    for (ctl, kind, p) in [
        ("kustomize", ObjKind::Kustomization, &m.kustomize),
        ("helm", ObjKind::HelmRelease, &m.helm),
    ] {
        let n = m.objects.iter().filter(|o| o.kind == kind).count();
        let edges = m
            .objects
            .iter()
            .filter(|o| o.kind == kind)
            .map(|o| o.depends_on.len())
            .sum::<usize>();
        if n > p.concurrent as usize {
            let c = (p.concurrent * 2).min(n as u32);
            out.push(finish(Kind::Setting,
                vec![Edit::Set(format!("{ctl}.concurrent"), c.to_string())],
                format!("{ctl}-controller: --concurrent={c}"),
                format!("{n} {}s share {} workers, and a reconcile holds its worker through its health or install wait", kind.as_str(), p.concurrent),
                true));
        }
        if edges > 0 && p.requeue_dependency > 5_000 && !p.watch_dependencies {
            out.push(finish(Kind::Setting,
                vec![Edit::Set(format!("{ctl}.requeue_dependency"), "5s".into())],
                format!("{ctl}-controller: --requeue-dependency=5s"),
                format!("each of the {edges} dependsOn edges waits up to {} for the next dependency poll after its dependency is Ready", format_ms(p.requeue_dependency)),
                true));
        }
    }
}

fn slowest_p95(m: &Model, o: ObjectId) -> u64 {
    m.workloads
        .iter()
        .filter(|w| w.owner == Owner::Object(o))
        .map(|w| w.ready.as_ref().map_or(0, p95))
        .max()
        .unwrap_or(0)
}

fn timeouts(m: &Model, order: &Order, out: &mut Vec<Candidate>) {
    let races: BTreeSet<ObjectId> = order
        .unordered_requirements()
        .iter()
        .filter_map(|&(w, _)| match m.workloads[w].owner {
            Owner::Object(o) => Some(o),
            Owner::Bootstrap(_) => None,
        })
        .collect();
    for (a, o) in m.objects.iter_enumerated() {
        let slow = slowest_p95(m, a);
        match &o.helm {
            Some(h) => {
                if slow > h.install_timeout {
                    let t = round_minutes(slow * 3 / 2);
                    out.push(finish(Kind::Setting,
                        vec![Edit::Set(format!("{}.timeout", spec(m, a)), format_ms(t))],
                        format!("{}: spec.timeout: {}", o.display(), format_ms(t)),
                        format!("its slowest workload's p95 readiness ({}) exceeds the install timeout ({}): a slow install fails after the release is stored", format_ms(slow), format_ms(h.install_timeout)),
                        true));
                }
                let risky = races.contains(&a)
                    || m.workloads
                        .iter()
                        .any(|w| w.owner == Owner::Object(a) && w.fail_probability > 0.0);
                if h.retries == 0 && !h.retry_on_failure && risky {
                    out.push(finish(Kind::Setting,
                        vec![Edit::Set(format!("{}.retries", spec(m, a)), "3".into())],
                        format!("{}: spec.install.remediation.retries: 3", o.display()),
                        "with the default remediation a failed first install is Stalled for good; with retries it is uninstalled and installed again".to_string(),
                        true));
                }
            }
            None => {
                let checks = o.wait || !o.health_checks.is_empty();
                if checks && slow > o.timeout {
                    let t = round_minutes(slow * 3 / 2);
                    out.push(finish(Kind::Setting,
                        vec![Edit::Set(format!("{}.timeout", spec(m, a)), format_ms(t))],
                        format!("{}: spec.timeout: {}", o.display(), format_ms(t)),
                        format!("its slowest workload's p95 readiness ({}) exceeds its health-check timeout ({}): slow trials fail and wait a full retryInterval ({})", format_ms(slow), format_ms(o.timeout), format_ms(o.retry_interval)),
                        true));
                }
            }
        }
    }
}

/// Every candidate, edges first, in a stable order.
#[must_use]
pub fn candidates(m: &Model, criticality: &TiSlice<ObjectId, f64>) -> Vec<Candidate> {
    let order = Order::new(m);
    let mut out = vec![];
    edge_removals(m, &order, criticality, &mut out);
    missing_edges(m, &order, &mut out);
    leaf_waits(m, &mut out);
    controller_settings(m, &mut out);
    timeouts(m, &order, &mut out);
    out
}
