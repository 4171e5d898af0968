//! Scenario → Model: applies Flux's defaults (R9, R12), resolves every reference, checks for
//! cycles, and reports *all* problems at once, each with file, line and column. Each concern
//! has its own file: values (durations, distributions), objects, workloads, ks, helm, deps,
//! cycles, faults; `build` runs them in order.

use super::types::*;
use crate::dist::Dist;
use crate::scenario::diag::did_you_mean;
use crate::scenario::schema::{RawController, RawScenario};
use crate::scenario::spanned::Location;
use crate::scenario::{Diagnostic, Diagnostics, Scenario};
use std::collections::HashMap;

mod cycles;
mod deps;
mod faults;
mod helm;
mod ks;
mod objects;
mod values;
mod workloads;

const DEFAULT_NS: &str = "flux-system";

/// (kind, namespace, name) → object, borrowing the names from the raw scenario.
type Index<'a> = HashMap<(ObjKind, &'a str, &'a str), ObjectId, FastHash>;

/// The hasher of the build's indexes, whose keys are short names and ids: foldhash, several
/// times faster than the default SipHash on such keys and seeded at random per process, so a
/// hostile scenario cannot be written to make every name collide (the indexes are only looked
/// up, never iterated, so the seed cannot change any output).
type FastHash = foldhash::fast::RandomState;

/// The diagnostics collected while building, with what they need to point into the file.
struct Ctx<'a> {
    file: &'a str,
    src: &'a str,
    errors: Vec<Diagnostic>,
    /// Made at the first problem (a valid scenario needs none).
    lines: Option<crate::scenario::diag::LineIndex>,
}

impl<'a> Ctx<'a> {
    /// A context for `src`, read from `file`, with no problem found yet.
    fn new(file: &'a str, src: &'a str) -> Self {
        Ctx {
            file,
            src,
            errors: vec![],
            lines: None,
        }
    }

    fn err(&mut self, loc: Location, msg: impl Into<String>, help: Option<String>) {
        let src = self.src;
        let mut d = self
            .lines
            .get_or_insert_with(|| crate::scenario::diag::LineIndex::new(src))
            .at(self.file, src, loc.line(), loc.column(), msg);
        d.help = help;
        self.errors.push(d);
    }
}

fn class_of(kind: &str) -> WClass {
    match kind {
        "CustomResourceDefinition" => WClass::Crd,
        "Deployment" | "Pod" | "ReplicaSet" => WClass::Deployment,
        "DaemonSet" => WClass::DaemonSet,
        "StatefulSet" => WClass::StatefulSet,
        "Job" => WClass::Job,
        _ => WClass::Other,
    }
}

/// SSA stage of a kind (R7): 0 = CRDs, Namespaces, ClusterRoles; 1 = `*Class`; 2 = the rest.
#[must_use]
pub fn stage_of(kind: &str) -> u8 {
    match kind {
        "CustomResourceDefinition" | "Namespace" | "ClusterRole" => 0,
        k if k.ends_with("Class") => 1,
        _ => 2,
    }
}

fn default_ready(class: WClass) -> Option<Dist> {
    match class {
        // R14: a CRD is established about 1s after apply.
        WClass::Crd => Some(Dist::Fixed(1000)),
        WClass::Deployment | WClass::DaemonSet | WClass::StatefulSet => {
            Some(Dist::lognormal(15_000, 45_000).expect("valid"))
        }
        WClass::Job => Some(Dist::lognormal(10_000, 30_000).expect("valid")),
        WClass::Other => None,
    }
}

fn canonical(kind: &str, ns: &str, name: &str) -> String {
    // Made for every object and workload: pushed into one exact buffer rather than formatted.
    let mut s = String::with_capacity(kind.len() + ns.len() + name.len() + 2);
    s.push_str(kind);
    s.push('/');
    if !ns.is_empty() {
        s.push_str(ns);
        s.push('/');
    }
    s.push_str(name);
    s
}

/// R9: timeout = max(30s, interval − 30s); an explicit timeout below 30s is raised to 30s.
#[must_use]
pub fn kustomization_timeout(interval: u64, explicit: Option<u64>) -> u64 {
    match explicit {
        Some(t) => t.max(30_000),
        None => interval.saturating_sub(30_000).max(30_000),
    }
}

/// Builds and validates a [`Model`] from a parsed scenario.
///
/// A scenario without file positions (a `.json` file read by the fast parser) that has
/// problems is parsed again as YAML, so that every diagnostic names its line and column.
///
/// # Errors
/// Every problem found, each with file, line and column.
pub fn build(sc: &Scenario) -> Result<Model, Diagnostics> {
    match build_located(sc) {
        Err(_) if !sc.located => build_located(&crate::scenario::parse(&sc.source, &sc.file)?),
        r => r,
    }
}

fn build_located(sc: &Scenario) -> Result<Model, Diagnostics> {
    let raw = &sc.raw;
    let mut c = Ctx::new(&sc.file, &sc.source);
    let horizon = c.positive(&raw.horizon, "horizon").unwrap_or(6 * 3_600_000);
    let kustomize = controller(&mut c, &raw.controllers.kustomize, ObjKind::Kustomization);
    let helm = controller(&mut c, &raw.controllers.helm, ObjKind::HelmRelease);
    let mut sources = objects::sources(&mut c, raw);
    // Objects and workloads are declared first, their references resolved after.
    let mut d = objects::declare(&mut c, raw);
    let mut ws = workloads::declare_all(&mut c, raw, &mut d);
    workloads::resolve(&mut c, &mut ws);
    super::links::link_source_creators(&mut sources, &ws.list, |k, ns, n| ws.find(k, ns, n));
    ks::kustomization_fields(&mut c, raw, &mut d, &ws, &sources);
    helm::helm_fields(&mut c, raw, &mut d, &ws, &sources, &helm);
    deps::depends_on(&mut c, raw, &mut d);
    if c.errors.is_empty() {
        cycles::report_cycles(&mut c, &d.objects, |a, b| {
            deps::edge_location(raw, &d, a, b)
        });
    }
    let (faults, notification) =
        faults::build_faults(&mut c, raw, &sources, &d.objects, &mut ws.list, &ws.by_name);
    let expect = expect(&mut c, raw);
    if !c.errors.is_empty() {
        return Err(Diagnostics(c.errors));
    }
    let objects = d.objects;
    let (dependents, init_order) = orders(&objects);
    let name = raw.name.clone().unwrap_or_else(|| {
        std::path::Path::new(&sc.file)
            .file_stem()
            .map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned())
    });
    Ok(Model {
        name,
        description: raw.description.clone().unwrap_or_default(),
        horizon,
        kustomize,
        helm,
        sources,
        objects,
        workloads: ws.list,
        bootstrap: ws.bootstrap,
        faults,
        notification,
        expect,
        dependents,
        init_order,
    })
}

/// One controller's flags.
fn controller(c: &mut Ctx, r: &RawController, kind: ObjKind) -> ControllerParams {
    let mut p = ControllerParams::default();
    if let Some(n) = &r.concurrent {
        if n.value == 0 {
            c.err(
                n.referenced,
                "concurrent must be at least 1",
                Some("Flux's default is 4".into()),
            );
        } else {
            p.concurrent = n.value;
        }
    }
    if let Some(v) = c.positive(&r.requeue_dependency, "requeueDependency") {
        p.requeue_dependency = v;
    }
    p.watch_dependencies = r.watch_dependencies.unwrap_or(false);
    if let Some(g) = &r.feature_gates {
        super::settings::apply_gates(kind, &mut p, &g.value);
    }
    p
}

/// Budgets for `fluxsim check`.
fn expect(c: &mut Ctx, raw: &RawScenario) -> Expect {
    let mut expect = Expect::default();
    if let Some(e) = &raw.expect {
        expect.p50 = c.dur_opt(&e.p50, "expect.p50");
        expect.p90 = c.dur_opt(&e.p90, "expect.p90");
        expect.p95 = c.dur_opt(&e.p95, "expect.p95");
        expect.p99 = c.dur_opt(&e.p99, "expect.p99");
        expect.mean = c.dur_opt(&e.mean, "expect.mean");
        expect.stuck_probability = e.stuck_probability;
        expect.trials = e.trials;
    }
    expect
}

/// Each object's dependents, and the order objects are created in (by namespace, name, kind),
/// side by side on rayon's threads.
fn orders(objects: &TiSlice<ObjectId, FluxObject>) -> (PerObject<Vec<ObjectId>>, Vec<ObjectId>) {
    rayon::join(
        || {
            let mut dependents: PerObject<Vec<ObjectId>> = vec![vec![]; objects.len()].into();
            for (i, o) in objects.iter_enumerated() {
                for d in &o.depends_on {
                    dependents[*d].push(i);
                }
            }
            dependents
        },
        || init_order(objects),
    )
}

/// Objects by (namespace, name, kind). Each is sorted by the first 8 bytes and the length of
/// its namespace and name, held beside its id, and the strings are read only where those
/// cannot tell: the same order as comparing the strings, without reading two objects and
/// their strings at each step of the sort.
fn init_order(objects: &TiSlice<ObjectId, FluxObject>) -> Vec<ObjectId> {
    let mut keys: Vec<(Prefix, Prefix, ObjectId)> = objects
        .iter_enumerated()
        .map(|(i, o)| (Prefix::of(&o.namespace), Prefix::of(&o.name), i))
        .collect();
    // A million objects take a few hundred ms; stable, and the keys are unique anyway, so
    // the order is the same on any number of threads.
    rayon::slice::ParallelSliceMut::par_sort_by(&mut keys[..], |a, b| {
        let (x, y) = (|| &objects[a.2], || &objects[b.2]);
        a.0.cmp(&b.0, || (&x().namespace, &y().namespace))
            .then_with(|| a.1.cmp(&b.1, || (&x().name, &y().name)))
            .then_with(|| x().kind.cmp(&y().kind))
    });
    keys.into_iter().map(|k| k.2).collect()
}

/// A string's first 8 bytes (zero-padded, in order as a big-endian number) and its length.
#[derive(Clone, Copy)]
struct Prefix(u64, usize);

impl Prefix {
    fn of(s: &str) -> Self {
        let mut b = [0u8; 8];
        let n = s.len().min(8);
        b[..n].copy_from_slice(&s.as_bytes()[..n]);
        Prefix(u64::from_be_bytes(b), s.len())
    }

    /// The order of the two strings these are the prefixes of; `full` gives the strings, read
    /// only when the prefixes tie and one of them is longer than 8 bytes. Different prefixes
    /// differ at a byte both strings have, or where the shorter one has ended (padding 0,
    /// below the other's byte): the strings' order. Equal prefixes of strings of at most 8
    /// bytes: the shorter (maybe with trailing NUL bytes in the other) is a prefix of the other.
    fn cmp<'s>(
        &self,
        other: &Self,
        full: impl FnOnce() -> (&'s String, &'s String),
    ) -> std::cmp::Ordering {
        match self.0.cmp(&other.0) {
            std::cmp::Ordering::Equal if self.1 <= 8 && other.1 <= 8 => self.1.cmp(&other.1),
            std::cmp::Ordering::Equal => {
                let (a, b) = full();
                a.cmp(b)
            }
            o => o,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // SPEC R2: the initial queue order is by namespace, then name, then kind. Names and
    // namespaces that share their first 8 bytes, end inside them, or differ only by a NUL
    // byte (which the zero padding of a prefix must not hide), and a Kustomization and a
    // HelmRelease of the same name, come out as comparing the strings gives.
    #[test]
    fn initial_order_is_the_string_order() {
        let src = r#"
kustomizations:
  - {name: abcdefgh1, namespace: longnamespace-b}
  - {name: abcdefgh0, namespace: longnamespace-b}
  - {name: abcdefgh, namespace: longnamespace-a}
  - {name: "a\0", namespace: x}
  - {name: a, namespace: x}
  - {name: same, namespace: x}
  - {name: zz, namespace: "longnamespace"}
helmReleases:
  - {name: same, namespace: x}
  - {name: abcdefgh01, namespace: longnamespace-b}
"#;
        let sc = crate::scenario::parse(src, "t.yaml").expect("parses");
        let m = build(&sc).expect("valid");
        let mut want: Vec<ObjectId> = m.objects.keys().collect();
        want.sort_by(|a, b| {
            let (x, y) = (&m.objects[*a], &m.objects[*b]);
            (&x.namespace, &x.name, x.kind).cmp(&(&y.namespace, &y.name, y.kind))
        });
        assert_eq!(m.init_order, want);
        let names: Vec<String> = m
            .init_order
            .iter()
            .map(|&o| m.objects[o].display())
            .collect();
        assert_eq!(
            names,
            [
                "Kustomization/longnamespace/zz",
                "Kustomization/longnamespace-a/abcdefgh",
                "Kustomization/longnamespace-b/abcdefgh0",
                "HelmRelease/longnamespace-b/abcdefgh01",
                "Kustomization/longnamespace-b/abcdefgh1",
                "Kustomization/x/a",
                "Kustomization/x/a\0",
                "Kustomization/x/same",
                "HelmRelease/x/same",
            ]
        );
    }
}
