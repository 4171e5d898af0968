//! Scenario → Model: applies Flux's defaults (R9, R12), resolves every reference, checks for
//! cycles, and reports *all* problems at once, each with file, line and column.

use super::types::*;
use crate::dist::Dist;
use crate::rng::name_hash;
use crate::scenario::diag::did_you_mean;
use crate::scenario::schema::*;
use crate::scenario::{Diagnostic, Diagnostics, Scenario};
use crate::time::parse_duration;
use serde_saphyr::{Location, Spanned};
use std::collections::BTreeMap;

mod faults;
mod helm;
mod ks;

const DEFAULT_NS: &str = "flux-system";

struct Ctx<'a> {
    file: &'a str,
    src: &'a str,
    errors: Vec<Diagnostic>,
    lines: crate::scenario::diag::LineIndex,
}

impl Ctx<'_> {
    fn err(&mut self, loc: Location, msg: impl Into<String>, help: Option<String>) {
        let mut d = self
            .lines
            .at(self.file, self.src, loc.line(), loc.column(), msg);
        d.help = help;
        self.errors.push(d);
    }
    fn dur(&mut self, s: &Spanned<String>, what: &str) -> Option<u64> {
        match parse_duration(&s.value) {
            Ok(v) => Some(v),
            Err(e) => {
                self.err(
                    s.referenced,
                    format!("{what}: {e}"),
                    Some("use Go duration syntax such as `30s`, `5m` or `1h30m`".into()),
                );
                None
            }
        }
    }
    fn dur_opt(&mut self, s: &Option<Spanned<String>>, what: &str) -> Option<u64> {
        s.as_ref().and_then(|s| self.dur(s, what))
    }
    fn positive(&mut self, s: &Option<Spanned<String>>, what: &str) -> Option<u64> {
        let v = self.dur_opt(s, what)?;
        if v == 0 {
            let loc = s.as_ref().map_or(Location::UNKNOWN, |s| s.referenced);
            self.err(
                loc,
                format!("{what} must be above zero"),
                Some("give a positive duration such as `1m`".into()),
            );
            return None;
        }
        Some(v)
    }
    fn dist(&mut self, d: &Spanned<RawDist>, what: &str) -> Option<Dist> {
        let loc = d.referenced;
        let p = |c: &mut Self, s: &str| -> Option<u64> {
            match parse_duration(s) {
                Ok(v) => Some(v),
                Err(e) => {
                    c.err(
                        loc,
                        format!("{what}: {e}"),
                        Some("use Go duration syntax such as `30s`".into()),
                    );
                    None
                }
            }
        };
        match &d.value {
            RawDist::Fixed(s) => p(self, s).map(Dist::Fixed),
            RawDist::Map(m) => {
                let n = usize::from(m.fixed.is_some())
                    + usize::from(m.uniform.is_some())
                    + usize::from(m.exponential.is_some())
                    + usize::from(m.lognormal.is_some())
                    + usize::from(m.triangular.is_some())
                    + usize::from(m.pert.is_some())
                    + usize::from(m.empirical.is_some());
                if n != 1 {
                    self.err(loc, format!("{what}: a distribution needs exactly one of fixed, uniform, exponential, lognormal, triangular, pert, empirical (found {n})"), Some("e.g. `{lognormal: {median: 30s, p95: 90s}}`".into()));
                    return None;
                }
                if let Some(s) = &m.fixed {
                    return p(self, s).map(Dist::Fixed);
                }
                if let Some(u) = &m.uniform {
                    let (a, b) = (p(self, &u.min)?, p(self, &u.max)?);
                    if b < a {
                        self.err(
                            loc,
                            format!("{what}: uniform max is below min"),
                            Some("swap min and max".into()),
                        );
                        return None;
                    }
                    return Some(Dist::Uniform { min: a, max: b });
                }
                if let Some(e) = &m.exponential {
                    let mean = p(self, &e.mean)?;
                    let offset = match &e.offset {
                        Some(o) => p(self, o)?,
                        None => 0,
                    };
                    if mean == 0 {
                        self.err(
                            loc,
                            format!("{what}: exponential mean must be above zero"),
                            None,
                        );
                        return None;
                    }
                    return Some(Dist::Exponential { mean, offset });
                }
                if let Some(l) = &m.lognormal {
                    let (med, p95) = (p(self, &l.median)?, p(self, &l.p95)?);
                    return match Dist::lognormal(med, p95) {
                        Ok(d) => Some(d),
                        Err(e) => {
                            self.err(
                                loc,
                                format!("{what}: {e}"),
                                Some(
                                    "p95 must be above the median, e.g. `{median: 30s, p95: 90s}`"
                                        .into(),
                                ),
                            );
                            None
                        }
                    };
                }
                if let Some(t) = m.triangular.as_ref().or(m.pert.as_ref()) {
                    let (a, c, b) = (p(self, &t.min)?, p(self, &t.mode)?, p(self, &t.max)?);
                    if !(a <= c && c <= b) {
                        self.err(loc, format!("{what}: needs min ≤ mode ≤ max"), None);
                        return None;
                    }
                    return Some(if m.pert.is_some() {
                        Dist::Pert {
                            min: a,
                            mode: c,
                            max: b,
                        }
                    } else {
                        Dist::Triangular {
                            min: a,
                            mode: c,
                            max: b,
                        }
                    });
                }
                if let Some(v) = &m.empirical {
                    if v.is_empty() {
                        self.err(
                            loc,
                            format!("{what}: empirical needs at least one sample"),
                            None,
                        );
                        return None;
                    }
                    let mut out = Vec::with_capacity(v.len());
                    for s in v {
                        out.push(p(self, s)?);
                    }
                    return Some(Dist::Empirical(out));
                }
                None
            }
        }
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
    if ns.is_empty() {
        format!("{kind}/{name}")
    } else {
        format!("{kind}/{ns}/{name}")
    }
}

struct PendingWorkload<'a> {
    raw: &'a Spanned<RawWorkload>,
    default_ns: String,
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
/// # Errors
/// Every problem found, each with file, line and column.
#[allow(clippy::too_many_lines)]
pub fn build(sc: &Scenario) -> Result<Model, Diagnostics> {
    let raw = &sc.raw;
    let mut c = Ctx {
        file: &sc.file,
        src: &sc.source,
        errors: vec![],
        lines: crate::scenario::diag::LineIndex::new(&sc.source),
    };

    let horizon = c.positive(&raw.horizon, "horizon").unwrap_or(6 * 3_600_000);
    let ctl = |c: &mut Ctx, r: &RawController, kind: ObjKind| {
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
    };
    let kustomize = ctl(&mut c, &raw.controllers.kustomize, ObjKind::Kustomization);
    let helm = ctl(&mut c, &raw.controllers.helm, ObjKind::HelmRelease);

    // Sources.
    let mut sources = Vec::new();
    for s in &raw.sources {
        let kind = s
            .value
            .kind
            .clone()
            .unwrap_or_else(|| "GitRepository".into());
        let ns = s
            .value
            .namespace
            .clone()
            .unwrap_or_else(|| DEFAULT_NS.into());
        let fetch = s
            .value
            .fetch
            .as_ref()
            .and_then(|d| c.dist(d, "source fetch"));
        let canon = canonical(&kind, &ns, &s.value.name.value);
        if sources.iter().any(|x: &Source| x.canonical == canon) {
            c.err(
                s.referenced,
                format!("source `{canon}` is declared twice"),
                None,
            );
        }
        sources.push(Source {
            hash: name_hash(&canon),
            kind,
            name: s.value.name.value.clone(),
            namespace: ns,
            canonical: canon,
            fetch,
            created_by: None,
        });
    }
    if sources.is_empty() {
        let canon = "GitRepository/flux-system/flux-system".to_string();
        sources.push(Source {
            hash: name_hash(&canon),
            kind: "GitRepository".into(),
            name: "flux-system".into(),
            namespace: DEFAULT_NS.into(),
            canonical: canon,
            fetch: None,
            created_by: None,
        });
    }

    // Objects: declare first, resolve references after.
    let mut objects: Vec<FluxObject> = Vec::new();
    let mut index: BTreeMap<(ObjKind, String, String), ObjectId> = BTreeMap::new();
    let blank = |kind: ObjKind, name: &str, ns: &str, line: u64| {
        let canon = canonical(kind.as_str(), ns, name);
        FluxObject {
            kind,
            name: name.into(),
            namespace: ns.into(),
            hash: name_hash(&canon),
            canonical: canon,
            depends_on: vec![],
            interval: 600_000,
            retry_interval: 600_000,
            timeout: 570_000,
            source: None,
            parent: None,
            suspend: false,
            apply: Dist::Fixed(1000),
            wait: false,
            health_checks: vec![],
            stages: [vec![], vec![], vec![]],
            helm: None,
            substitute_from: vec![],
            line,
        }
    };
    for k in &raw.kustomizations {
        let ns = k
            .value
            .namespace
            .clone()
            .unwrap_or_else(|| DEFAULT_NS.into());
        let key = (
            ObjKind::Kustomization,
            ns.clone(),
            k.value.name.value.clone(),
        );
        if index.contains_key(&key) {
            c.err(
                k.value.name.referenced,
                format!(
                    "Kustomization `{}/{}` is declared twice",
                    ns, k.value.name.value
                ),
                Some("rename one of them".into()),
            );
            continue;
        }
        index.insert(key, objects.len());
        objects.push(blank(
            ObjKind::Kustomization,
            &k.value.name.value,
            &ns,
            k.referenced.line(),
        ));
    }
    for h in &raw.helm_releases {
        let ns = h
            .value
            .namespace
            .clone()
            .unwrap_or_else(|| DEFAULT_NS.into());
        let key = (ObjKind::HelmRelease, ns.clone(), h.value.name.value.clone());
        if index.contains_key(&key) {
            c.err(
                h.value.name.referenced,
                format!(
                    "HelmRelease `{}/{}` is declared twice",
                    ns, h.value.name.value
                ),
                Some("rename one of them".into()),
            );
            continue;
        }
        index.insert(key, objects.len());
        objects.push(blank(
            ObjKind::HelmRelease,
            &h.value.name.value,
            &ns,
            h.referenced.line(),
        ));
    }
    let n_ks = raw.kustomizations.len();

    // Workloads: declare first (bootstrap, KS resources, HR resources), resolve after.
    let mut workloads: Vec<Workload> = Vec::new();
    let mut pending: Vec<PendingWorkload> = Vec::new();
    let mut by_canon: BTreeMap<String, WorkloadId> = BTreeMap::new();
    let mut bootstrap = Vec::new();
    for (i, b) in raw.bootstrap.iter().enumerate() {
        if let Some(id) = declare(
            &mut c,
            &mut by_canon,
            b,
            Owner::Bootstrap(i),
            "kube-system",
            &mut workloads,
            &mut pending,
        ) {
            bootstrap.push(id);
        }
    }
    // Kustomization resources: workloads, or references to child Flux objects.
    let mut ks_targets: Vec<Vec<(Target, &Spanned<RawWorkload>)>> = vec![vec![]; n_ks];
    for (ki, k) in raw.kustomizations.iter().enumerate() {
        let Some(&oid) = index.get(&(
            ObjKind::Kustomization,
            k.value
                .namespace
                .clone()
                .unwrap_or_else(|| DEFAULT_NS.into()),
            k.value.name.value.clone(),
        )) else {
            continue;
        };
        let default_ns = k
            .value
            .target_namespace
            .clone()
            .unwrap_or_else(|| objects[oid].namespace.clone());
        for r in &k.value.resources {
            let kind = r.value.kind.value.as_str();
            if kind == "Kustomization" || kind == "HelmRelease" {
                let ok = if kind == "Kustomization" {
                    ObjKind::Kustomization
                } else {
                    ObjKind::HelmRelease
                };
                let ns = r
                    .value
                    .namespace
                    .clone()
                    .unwrap_or_else(|| objects[oid].namespace.clone());
                match index.get(&(ok, ns.clone(), r.value.name.value.clone())) {
                    Some(&child) => {
                        if let Some(prev) = objects[child].parent {
                            let pn = objects[prev].name.clone();
                            c.err(r.value.name.referenced, format!("{kind} `{ns}/{}` is applied by two Kustomizations (`{pn}` and `{}`)", r.value.name.value, objects[oid].name), Some("an object has one owner; remove one of the entries".into()));
                        } else if child == oid {
                            c.err(
                                r.value.name.referenced,
                                "a Kustomization cannot apply itself",
                                None,
                            );
                        } else {
                            objects[child].parent = Some(oid);
                            ks_targets[ki].push((Target::Object(child), r));
                        }
                    }
                    None => {
                        let names: Vec<&str> = objects
                            .iter()
                            .filter(|o| o.kind == ok)
                            .map(|o| o.name.as_str())
                            .collect();
                        let hint = did_you_mean(&r.value.name.value, names.iter().copied())
                            .map_or_else(
                                || {
                                    format!(
                                        "declare it under `{}`",
                                        if ok == ObjKind::Kustomization {
                                            "kustomizations"
                                        } else {
                                            "helmReleases"
                                        }
                                    )
                                },
                                |s| format!("did you mean `{s}`?"),
                            );
                        c.err(
                            r.value.name.referenced,
                            format!(
                                "resources names {kind} `{ns}/{}`, which is not declared",
                                r.value.name.value
                            ),
                            Some(hint),
                        );
                    }
                }
            } else if let Some(id) = declare(
                &mut c,
                &mut by_canon,
                r,
                Owner::Object(oid),
                &default_ns,
                &mut workloads,
                &mut pending,
            ) {
                ks_targets[ki].push((Target::Workload(id), r));
            }
        }
    }
    let mut hr_workloads: Vec<Vec<WorkloadId>> = vec![vec![]; raw.helm_releases.len()];
    for (hi, h) in raw.helm_releases.iter().enumerate() {
        let Some(&oid) = index.get(&(
            ObjKind::HelmRelease,
            h.value
                .namespace
                .clone()
                .unwrap_or_else(|| DEFAULT_NS.into()),
            h.value.name.value.clone(),
        )) else {
            continue;
        };
        let default_ns = h
            .value
            .target_namespace
            .clone()
            .unwrap_or_else(|| objects[oid].namespace.clone());
        for r in &h.value.resources {
            let kind = r.value.kind.value.as_str();
            if kind == "Kustomization" || kind == "HelmRelease" {
                c.err(
                    r.value.kind.referenced,
                    format!("a HelmRelease cannot install a {kind} in this model"),
                    Some("list it under a Kustomization's resources".into()),
                );
                continue;
            }
            if let Some(id) = declare(
                &mut c,
                &mut by_canon,
                r,
                Owner::Object(oid),
                &default_ns,
                &mut workloads,
                &mut pending,
            ) {
                hr_workloads[hi].push(id);
            }
        }
    }

    // Resolve workload references.
    #[allow(clippy::type_complexity)]
    let mut resolved: Vec<(
        Vec<WorkloadId>,
        Option<WorkloadId>,
        Option<WorkloadId>,
        Option<WorkloadId>,
    )> = Vec::new();
    let by_name = name_index(&workloads);
    let lookup = |ws: &[Workload], spec: &str, ns: &str, crd: bool| {
        lookup_in(ws, Some(&by_name), spec, ns, crd)
    };
    for (wi, pw) in pending.iter().enumerate() {
        let w = &pw.raw.value;
        let mut needs = vec![];
        for n in &w.needs {
            match lookup(&workloads, &n.value, &pw.default_ns, false) {
                Ok(id) if id == wi => {
                    c.err(n.referenced, format!("`{}` needs itself", n.value), None)
                }
                Ok(id) => needs.push(id),
                Err(h) => c.err(
                    n.referenced,
                    format!(
                        "`needs` names `{}`, which no Kustomization or HelmRelease applies",
                        n.value
                    ),
                    Some(h),
                ),
            }
        }
        let crd = w
            .crd
            .as_ref()
            .and_then(|s| match lookup(&workloads, &s.value, "", true) {
                Ok(id) => Some(id),
                Err(h) => {
                    c.err(
                        s.referenced,
                        format!(
                            "`crd` names `{}`, which is not a declared CustomResourceDefinition",
                            s.value
                        ),
                        Some(h),
                    );
                    None
                }
            });
        let webhook = w.webhook.as_ref().and_then(|s| {
            match lookup(&workloads, &s.value, &pw.default_ns, false) {
                Ok(id) => Some(id),
                Err(h) => {
                    c.err(
                        s.referenced,
                        format!("`webhook` names `{}`, which is not declared", s.value),
                        Some(h),
                    );
                    None
                }
            }
        });
        let ns = &workloads[wi].namespace;
        let ns_obj = if ns.is_empty() {
            None
        } else {
            by_canon.get(&format!("Namespace/{ns}")).copied()
        };
        resolved.push((needs, crd, webhook, ns_obj));
    }
    for (wi, (needs, crd, webhook, ns_obj)) in resolved.into_iter().enumerate() {
        workloads[wi].needs = needs;
        workloads[wi].crd = crd;
        workloads[wi].webhook = webhook;
        workloads[wi].namespace_obj = ns_obj;
    }

    super::links::link_source_creators(&mut sources, &workloads);

    ks::kustomization_fields(
        &mut c,
        raw,
        &index,
        &ks_targets,
        &workloads,
        &sources,
        &mut objects,
    );

    helm::helm_fields(
        &mut c,
        raw,
        &index,
        &hr_workloads,
        &workloads,
        &sources,
        &helm,
        &mut objects,
    );

    // dependsOn.
    let dep_lists: Vec<(ObjKind, &String, &Vec<Spanned<RawDependsOn>>, Location)> = raw
        .kustomizations
        .iter()
        .map(|k| {
            (
                ObjKind::Kustomization,
                &k.value.name.value,
                &k.value.depends_on,
                k.referenced,
            )
        })
        .chain(raw.helm_releases.iter().map(|h| {
            (
                ObjKind::HelmRelease,
                &h.value.name.value,
                &h.value.depends_on,
                h.referenced,
            )
        }))
        .collect();
    let mut dep_locs: BTreeMap<(ObjectId, ObjectId), Location> = BTreeMap::new();
    for (ki, (kind, name, deps, _)) in dep_lists.iter().enumerate() {
        let ns = if *kind == ObjKind::Kustomization {
            raw.kustomizations[ki].value.namespace.clone()
        } else {
            raw.helm_releases[ki - n_ks].value.namespace.clone()
        }
        .unwrap_or_else(|| DEFAULT_NS.into());
        let Some(&oid) = index.get(&(*kind, ns.clone(), (*name).clone())) else {
            continue;
        };
        for d in *deps {
            let dns = d.value.namespace.clone().unwrap_or_else(|| ns.clone());
            match index.get(&(*kind, dns.clone(), d.value.name.clone())) {
                Some(&t) if t == oid => c.err(
                    d.referenced,
                    format!("`{name}` depends on itself"),
                    Some("remove the entry".into()),
                ),
                Some(&t) => {
                    if !objects[oid].depends_on.contains(&t) {
                        objects[oid].depends_on.push(t);
                        dep_locs.insert((oid, t), d.referenced);
                    }
                }
                // Past the errors a report shows, skip the hints (a did-you-mean over every
                // name per entry made 10,000 unknown entries quadratic).
                None if c.errors.len() >= crate::scenario::diag::MAX_SHOWN => c.err(
                    d.referenced,
                    format!(
                        "`{name}` dependsOn unknown {} `{dns}/{}`",
                        kind.as_str(),
                        d.value.name
                    ),
                    None,
                ),
                None => {
                    let other = if *kind == ObjKind::Kustomization {
                        ObjKind::HelmRelease
                    } else {
                        ObjKind::Kustomization
                    };
                    let same: Vec<&str> = objects
                        .iter()
                        .filter(|o| o.kind == *kind)
                        .map(|o| o.name.as_str())
                        .collect();
                    let help = if index.contains_key(&(other, dns.clone(), d.value.name.clone())) {
                        format!("`{}` is a {}; a {} can only depend on {}s (see docs/model.md, \"Dependencies are polled\"). Use a Kustomization health check instead", d.value.name, other.as_str(), kind.as_str(), kind.as_str())
                    } else if let Some(s) = did_you_mean(&d.value.name, same.iter().copied()) {
                        format!("did you mean `{s}`?")
                    } else {
                        format!(
                            "known {}s: {}",
                            kind.as_str(),
                            crate::scenario::diag::name_list(&same)
                        )
                    };
                    c.err(
                        d.referenced,
                        format!(
                            "`{name}` dependsOn unknown {} `{dns}/{}`",
                            kind.as_str(),
                            d.value.name
                        ),
                        Some(help),
                    );
                }
            }
        }
    }

    // Cycles: dependsOn edges plus parent → child creation edges.
    if c.errors.is_empty() {
        if let Some(cycle) = find_cycle(&objects) {
            let names: Vec<String> = cycle.iter().map(|i| objects[*i].name.clone()).collect();
            let loc = dep_locs
                .get(&(cycle[0], cycle[1 % cycle.len()]))
                .copied()
                .unwrap_or(Location::UNKNOWN);
            let (line, col) = if loc == Location::UNKNOWN {
                (objects[cycle[0]].line, 1)
            } else {
                (loc.line(), loc.column())
            };
            let mut d = Diagnostic::at(
                c.file,
                c.src,
                line,
                col,
                format!("dependsOn cycle: {} → {}", names.join(" → "), names[0]),
            );
            d.help = Some("remove one of these dependsOn entries; Flux would wait forever".into());
            c.errors.push(d);
        }
    }

    let (faults, notification) =
        faults::build_faults(&mut c, raw, &sources, &objects, &mut workloads);

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

    if !c.errors.is_empty() {
        return Err(Diagnostics(c.errors));
    }
    let mut dependents = vec![vec![]; objects.len()];
    for (i, o) in objects.iter().enumerate() {
        for d in &o.depends_on {
            dependents[*d].push(i);
        }
    }
    let mut init_order: Vec<ObjectId> = (0..objects.len()).collect();
    init_order.sort_by(|a, b| {
        (&objects[*a].namespace, &objects[*a].name, objects[*a].kind).cmp(&(
            &objects[*b].namespace,
            &objects[*b].name,
            objects[*b].kind,
        ))
    });
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
        workloads,
        bootstrap,
        faults,
        notification,
        expect,
        dependents,
        init_order,
    })
}

/// `postBuild.substituteFrom` (R5b): ConfigMaps and Secrets in the Kustomization's namespace.
fn substitute_refs(
    c: &mut Ctx,
    kv: &RawKustomization,
    ns: &str,
    workloads: &[Workload],
) -> Vec<SubstituteRef> {
    let mut out = vec![];
    for r in kv.post_build.iter().flat_map(|p| &p.substitute_from) {
        let kind = r.value.kind.value.as_str();
        if kind != "ConfigMap" && kind != "Secret" {
            c.err(
                r.value.kind.referenced,
                format!("substituteFrom kind `{kind}` is not ConfigMap or Secret"),
                Some("use `kind: ConfigMap` or `kind: Secret`".into()),
            );
            continue;
        }
        let name = &r.value.name.value;
        out.push(SubstituteRef {
            canonical: canonical(kind, ns, name),
            workload: super::links::find_workload(workloads, kind, ns, name),
            optional: r.value.optional.unwrap_or(false),
        });
    }
    out
}

/// Declares one workload (references are resolved later).
fn declare<'a>(
    c: &mut Ctx,
    by_canon: &mut BTreeMap<String, WorkloadId>,
    rw: &'a Spanned<RawWorkload>,
    owner: Owner,
    default_ns: &str,
    workloads: &mut Vec<Workload>,
    pending: &mut Vec<PendingWorkload<'a>>,
) -> Option<WorkloadId> {
    let w = &rw.value;
    let kind = w.kind.value.clone();
    let class = class_of(&kind);
    let cluster_scoped = matches!(
        kind.as_str(),
        "CustomResourceDefinition"
            | "Namespace"
            | "ClusterRole"
            | "ClusterRoleBinding"
            | "ClusterIssuer"
            | "StorageClass"
            | "IngressClass"
            | "GatewayClass"
            | "PriorityClass"
    ) || kind.ends_with("Class");
    let ns = match &w.namespace {
        Some(n) => n.clone(),
        None if cluster_scoped => String::new(),
        None => default_ns.to_string(),
    };
    let canon = canonical(&kind, &ns, &w.name.value);
    if by_canon.contains_key(&canon) {
        c.err(
            w.name.referenced,
            format!("`{canon}` is applied twice"),
            Some("an object has one owner; remove the duplicate or rename it".into()),
        );
        return None;
    }
    let ready = match &w.ready {
        Some(d) => c.dist(d, &format!("readiness of `{canon}`")),
        None => default_ready(class),
    };
    let fail_probability = match &w.fail_probability {
        Some(p) if !(0.0..=1.0).contains(&p.value) => {
            c.err(
                p.referenced,
                format!("failProbability {} is not a probability", p.value),
                Some("use a number between 0 and 1".into()),
            );
            0.0
        }
        Some(p) => p.value,
        None => 0.0,
    };
    let id = workloads.len();
    by_canon.insert(canon.clone(), id);
    workloads.push(Workload {
        hash: name_hash(&canon),
        stage: stage_of(&kind),
        kind,
        name: w.name.value.clone(),
        namespace: ns,
        canonical: canon,
        class,
        ready,
        needs: vec![],
        crd: None,
        webhook: None,
        namespace_obj: None,
        owner,
        fail_probability,
        permanent_failure: false,
        backoff_limit: w.backoff_limit.unwrap_or(6),
        guessed: w.guessed == Some(true),
    });
    pending.push(PendingWorkload {
        raw: rw,
        default_ns: default_ns.to_string(),
    });
    Some(id)
}

/// Resolves a workload reference by scanning every workload (faults and health checks; the
/// many `needs`, `crd` and `webhook` references go through the name index).
fn lookup(
    workloads: &[Workload],
    spec: &str,
    default_ns: &str,
    only_crd: bool,
) -> Result<WorkloadId, String> {
    lookup_in(workloads, None, spec, default_ns, only_crd)
}

/// Workload ids by name, built once so that many references resolve in linear time.
type NameIndex = std::collections::HashMap<String, Vec<WorkloadId>>;

fn name_index(workloads: &[Workload]) -> NameIndex {
    let mut ix = NameIndex::new();
    for (i, w) in workloads.iter().enumerate() {
        ix.entry(w.name.clone()).or_default().push(i);
    }
    ix
}

/// Resolves a workload reference: `name`, `Kind/name`, `ns/name` or `Kind/ns/name`, scanning
/// only the workloads of that name when an index is given.
fn lookup_in(
    workloads: &[Workload],
    index: Option<&NameIndex>,
    spec: &str,
    default_ns: &str,
    only_crd: bool,
) -> Result<WorkloadId, String> {
    let parts: Vec<&str> = spec.split('/').collect();
    let pool: Vec<WorkloadId> = match (index, parts.last()) {
        (Some(ix), Some(name)) => ix.get(*name).cloned().unwrap_or_default(),
        _ => (0..workloads.len()).collect(),
    };
    let cands: Vec<WorkloadId> = pool
        .into_iter()
        .map(|i| (i, &workloads[i]))
        .filter(|(_, w)| !only_crd || w.class == WClass::Crd)
        .filter(|(_, w)| match parts.as_slice() {
            [name] => w.name == *name,
            [a, name] if a.chars().next().is_some_and(char::is_uppercase) => {
                w.kind == *a && w.name == *name
            }
            [ns, name] => w.namespace == *ns && w.name == *name,
            [kind, ns, name] => w.kind == *kind && w.namespace == *ns && w.name == *name,
            _ => false,
        })
        .map(|(i, _)| i)
        .collect();
    match cands.len() {
        1 => Ok(cands[0]),
        0 => {
            let names: Vec<&str> = workloads
                .iter()
                .filter(|w| !only_crd || w.class == WClass::Crd)
                .map(|w| w.name.as_str())
                .collect();
            let last = parts.last().copied().unwrap_or(spec);
            Err(match did_you_mean(last, names.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "declare it in some Kustomization's or HelmRelease's `resources`".into(),
            })
        }
        _ => {
            // A Namespace shares its name with what runs in it: a bare name means the workload.
            let running: Vec<_> = cands
                .iter()
                .copied()
                .filter(|i| workloads[*i].kind != "Namespace")
                .collect();
            if running.len() == 1 {
                return Ok(running[0]);
            }
            // Prefer the one in the default namespace.
            let in_ns: Vec<_> = cands
                .iter()
                .copied()
                .filter(|i| workloads[*i].namespace == default_ns)
                .collect();
            if in_ns.len() == 1 {
                return Ok(in_ns[0]);
            }
            let names: Vec<String> = cands
                .iter()
                .map(|i| format!("`{}`", workloads[*i].canonical))
                .collect();
            Err(format!(
                "`{spec}` is ambiguous: it matches {}; write `Kind/namespace/name`",
                names.join(", ")
            ))
        }
    }
}

/// Finds a cycle in dependsOn ∪ parent→child edges with an iterative DFS (no recursion, so
/// 100k-object scenarios cannot overflow the stack). Returns the objects on the cycle in order.
fn find_cycle(objects: &[FluxObject]) -> Option<Vec<ObjectId>> {
    let n = objects.len();
    // Edge u → v means "u waits for v": dependsOn, and child → parent (a child exists only after
    // its parent applied it).
    let mut adj: Vec<Vec<ObjectId>> = objects.iter().map(|o| o.depends_on.clone()).collect();
    for (i, o) in objects.iter().enumerate() {
        if let Some(p) = o.parent {
            adj[i].push(p);
        }
    }
    let mut state = vec![0u8; n]; // 0 new, 1 on stack, 2 done
    let mut parent_of = vec![usize::MAX; n];
    for root in 0..n {
        if state[root] != 0 {
            continue;
        }
        let mut stack: Vec<(ObjectId, usize)> = vec![(root, 0)];
        state[root] = 1;
        while let Some(&mut (u, ref mut i)) = stack.last_mut() {
            if *i < adj[u].len() {
                let v = adj[u][*i];
                *i += 1;
                match state[v] {
                    0 => {
                        state[v] = 1;
                        parent_of[v] = u;
                        stack.push((v, 0));
                    }
                    1 => {
                        let mut cyc = vec![v];
                        let mut x = u;
                        while x != v {
                            cyc.push(x);
                            x = parent_of[x];
                        }
                        cyc[1..].reverse();
                        return Some(cyc);
                    }
                    _ => {}
                }
            } else {
                state[u] = 2;
                stack.pop();
            }
        }
    }
    None
}
