//! Workloads (R6, R7, R13–R15): declared first (bootstrap, Kustomization and HelmRelease
//! `resources`), then their `needs`, `crd`, `webhook` and namespace references resolved
//! through a name index, so a million references cost linear time.

use super::objects::Declared;
use super::{canonical, class_of, default_ready, did_you_mean, stage_of, Ctx};
use crate::model::error::ModelError;
use crate::model::types::*;
use crate::rng::name_hash;
use crate::scenario::schema::{RawScenario, RawWorkload};
use crate::scenario::spanned::Spanned;
use std::collections::HashMap;

/// A workload declared but not yet resolved: its raw entry and the namespace it defaults to.
struct Pending<'a> {
    raw: &'a Spanned<RawWorkload>,
    default_ns: String,
}

/// Every workload, with the indexes that resolve references to them.
pub(super) struct Workloads<'a> {
    /// The workloads, in declaration order.
    pub list: PerWorkload<Workload>,
    /// `Kind/namespace/name` (or `Kind/name`) → workload.
    pub by_canon: HashMap<String, WorkloadId>,
    /// Name → workloads of that name.
    pub by_name: NameIndex,
    /// The bootstrap workloads, in order.
    pub bootstrap: Vec<WorkloadId>,
    /// For each raw Kustomization, what its `resources` apply, with the raw entry.
    pub ks_targets: Vec<Vec<(Target, &'a Spanned<RawWorkload>)>>,
    /// For each raw HelmRelease, the workloads its chart installs.
    pub hr_workloads: Vec<Vec<WorkloadId>>,
    pending: Vec<Pending<'a>>,
}

impl Workloads<'_> {
    /// The workload of exactly that kind, namespace and name, if any.
    pub fn find(&self, kind: &str, ns: &str, name: &str) -> Option<WorkloadId> {
        // `canonical` is one-to-one on declared workloads (a second workload with the same
        // canonical name is refused), so the fields check only guards against names with `/`.
        self.by_canon
            .get(&canonical(kind, ns, name))
            .copied()
            .filter(|&i| {
                let w = &self.list[i];
                w.kind == kind && w.namespace == ns && w.name == name
            })
    }

    /// Resolves a workload reference (see [`lookup_in`]).
    pub fn lookup(
        &self,
        spec: &str,
        default_ns: &str,
        only_crd: bool,
    ) -> Result<WorkloadId, ModelError> {
        lookup_in(&self.list, &self.by_name, spec, default_ns, only_crd)
    }
}

/// Declares every workload: bootstrap, then each Kustomization's `resources` (which may also
/// name child Flux objects), then each HelmRelease's.
pub(super) fn declare_all<'a>(
    c: &mut Ctx,
    raw: &'a RawScenario,
    d: &mut Declared<'_>,
) -> Workloads<'a> {
    let n = raw.bootstrap.len()
        + raw
            .kustomizations
            .iter()
            .map(|k| k.value.resources.len())
            .sum::<usize>()
        + raw
            .helm_releases
            .iter()
            .map(|h| h.value.resources.len())
            .sum::<usize>();
    let mut ws = Workloads {
        list: PerWorkload::with_capacity(n),
        by_canon: HashMap::with_capacity(n),
        by_name: NameIndex::new(),
        bootstrap: vec![],
        ks_targets: vec![vec![]; raw.kustomizations.len()],
        hr_workloads: vec![vec![]; raw.helm_releases.len()],
        pending: Vec::with_capacity(n),
    };
    for (i, b) in raw.bootstrap.iter().enumerate() {
        if let Some(id) = declare(c, &mut ws, b, Owner::Bootstrap(i), "kube-system") {
            ws.bootstrap.push(id);
        }
    }
    for (ki, k) in raw.kustomizations.iter().enumerate() {
        let oid = d.ks_ids[ki];
        let default_ns = k
            .value
            .target_namespace
            .clone()
            .unwrap_or_else(|| d.objects[oid].namespace.clone());
        for r in &k.value.resources {
            let kind = r.value.kind.value.as_str();
            if kind == "Kustomization" || kind == "HelmRelease" {
                if let Some(child) = child_object(c, d, oid, r) {
                    ws.ks_targets[ki].push((Target::Object(child), r));
                }
            } else if let Some(id) = declare(c, &mut ws, r, Owner::Object(oid), &default_ns) {
                ws.ks_targets[ki].push((Target::Workload(id), r));
            }
        }
    }
    for (hi, h) in raw.helm_releases.iter().enumerate() {
        let oid = d.hr_ids[hi];
        let default_ns = h
            .value
            .target_namespace
            .clone()
            .unwrap_or_else(|| d.objects[oid].namespace.clone());
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
            if let Some(id) = declare(c, &mut ws, r, Owner::Object(oid), &default_ns) {
                ws.hr_workloads[hi].push(id);
            }
        }
    }
    ws.by_name = name_index(&ws.list);
    ws
}

/// A Kustomization's `resources` entry naming a Kustomization or HelmRelease: that object
/// becomes its child (created when the parent applies).
fn child_object(
    c: &mut Ctx,
    d: &mut Declared<'_>,
    oid: ObjectId,
    r: &Spanned<RawWorkload>,
) -> Option<ObjectId> {
    let kind = r.value.kind.value.as_str();
    let ok = if kind == "Kustomization" {
        ObjKind::Kustomization
    } else {
        ObjKind::HelmRelease
    };
    let ns = r
        .value
        .namespace
        .clone()
        .unwrap_or_else(|| d.objects[oid].namespace.clone());
    let name = &r.value.name;
    match d.index.get(&(ok, ns.as_str(), name.value.as_str())) {
        Some(&child) => {
            if let Some(prev) = d.objects[child].parent {
                let pn = d.objects[prev].name.clone();
                c.err(
                    name.referenced,
                    format!(
                        "{kind} `{ns}/{}` is applied by two Kustomizations (`{pn}` and `{}`)",
                        name.value, d.objects[oid].name
                    ),
                    Some("an object has one owner; remove one of the entries".into()),
                );
                None
            } else if child == oid {
                c.err(name.referenced, "a Kustomization cannot apply itself", None);
                None
            } else {
                d.objects[child].parent = Some(oid);
                Some(child)
            }
        }
        None => {
            let names = d
                .objects
                .iter()
                .filter(|o| o.kind == ok)
                .map(|o| o.name.as_str());
            let hint = did_you_mean(&name.value, names).map_or_else(
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
                name.referenced,
                format!(
                    "resources names {kind} `{ns}/{}`, which is not declared",
                    name.value
                ),
                Some(hint),
            );
            None
        }
    }
}

/// Kinds without a namespace.
fn cluster_scoped(kind: &str) -> bool {
    matches!(
        kind,
        "CustomResourceDefinition"
            | "Namespace"
            | "ClusterRole"
            | "ClusterRoleBinding"
            | "ClusterIssuer"
            | "StorageClass"
            | "IngressClass"
            | "GatewayClass"
            | "PriorityClass"
    ) || kind.ends_with("Class")
}

/// Declares one workload (references are resolved later).
fn declare<'a>(
    c: &mut Ctx,
    ws: &mut Workloads<'a>,
    rw: &'a Spanned<RawWorkload>,
    owner: Owner,
    default_ns: &str,
) -> Option<WorkloadId> {
    let w = &rw.value;
    let kind = w.kind.value.clone();
    let class = class_of(&kind);
    let ns = match &w.namespace {
        Some(n) => n.clone(),
        None if cluster_scoped(&kind) => String::new(),
        None => default_ns.to_string(),
    };
    let canon = canonical(&kind, &ns, &w.name.value);
    if ws.by_canon.contains_key(&canon) {
        c.err(
            w.name.referenced,
            format!("`{canon}` is applied twice"),
            Some("an object has one owner; remove the duplicate or rename it".into()),
        );
        return None;
    }
    let ready = match &w.ready {
        Some(d) => c.dist(d, format_args!("readiness of `{canon}`")),
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
    let id = ws.list.next_key();
    ws.by_canon.insert(canon.clone(), id);
    ws.list.push(Workload {
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
    ws.pending.push(Pending {
        raw: rw,
        default_ns: default_ns.to_string(),
    });
    Some(id)
}

/// Resolves every workload's `needs`, `crd`, `webhook` and namespace.
pub(super) fn resolve(c: &mut Ctx, ws: &mut Workloads<'_>) {
    // Namespace objects by namespace, looked up once per namespace rather than per workload.
    let mut namespaces: HashMap<String, Option<WorkloadId>> = HashMap::new();
    for i in 0..ws.pending.len() {
        let wi = WorkloadId::new(i);
        let Pending { raw, default_ns } = &ws.pending[i];
        let w = &raw.value;
        let mut needs = vec![];
        for n in &w.needs {
            match ws.lookup(&n.value, default_ns, false) {
                Ok(id) if id == wi => {
                    c.err(n.referenced, format!("`{}` needs itself", n.value), None);
                }
                Ok(id) => needs.push(id),
                Err(h) => c.err(
                    n.referenced,
                    format!(
                        "`needs` names `{}`, which no Kustomization or HelmRelease applies",
                        n.value
                    ),
                    Some(h.to_string()),
                ),
            }
        }
        let crd = w
            .crd
            .as_ref()
            .and_then(|s| match ws.lookup(&s.value, "", true) {
                Ok(id) => Some(id),
                Err(h) => {
                    c.err(
                        s.referenced,
                        format!(
                            "`crd` names `{}`, which is not a declared CustomResourceDefinition",
                            s.value
                        ),
                        Some(h.to_string()),
                    );
                    None
                }
            });
        let webhook =
            w.webhook
                .as_ref()
                .and_then(|s| match ws.lookup(&s.value, default_ns, false) {
                    Ok(id) => Some(id),
                    Err(h) => {
                        c.err(
                            s.referenced,
                            format!("`webhook` names `{}`, which is not declared", s.value),
                            Some(h.to_string()),
                        );
                        None
                    }
                });
        let ns = &ws.list[wi].namespace;
        let ns_obj = if ns.is_empty() {
            None
        } else if let Some(&o) = namespaces.get(ns.as_str()) {
            o
        } else {
            let o = ws.by_canon.get(&format!("Namespace/{ns}")).copied();
            namespaces.insert(ns.clone(), o);
            o
        };
        let wl = &mut ws.list[wi];
        wl.needs = needs;
        wl.crd = crd;
        wl.webhook = webhook;
        wl.namespace_obj = ns_obj;
    }
}

/// Workload ids by name, built once so that many references resolve in linear time.
pub(super) type NameIndex = HashMap<String, Vec<WorkloadId>>;

fn name_index(workloads: &TiSlice<WorkloadId, Workload>) -> NameIndex {
    let mut ix = NameIndex::with_capacity(workloads.len());
    for (i, w) in workloads.iter_enumerated() {
        ix.entry(w.name.clone()).or_default().push(i);
    }
    ix
}

/// Resolves a workload reference: `name`, `Kind/name`, `ns/name` or `Kind/ns/name`, looking
/// only at the workloads of that name. Several matches: a bare name prefers the one workload
/// that is not a Namespace, then the one in `default_ns`.
///
/// # Errors
/// [`ModelError::UnknownWorkload`] (with a did-you-mean) or [`ModelError::AmbiguousWorkload`].
pub(super) fn lookup_in(
    workloads: &TiSlice<WorkloadId, Workload>,
    index: &NameIndex,
    spec: &str,
    default_ns: &str,
    only_crd: bool,
) -> Result<WorkloadId, ModelError> {
    let parts: Vec<&str> = spec.split('/').collect();
    let pool = parts
        .last()
        .and_then(|name| index.get(*name))
        .map_or(&[][..], Vec::as_slice);
    let cands: Vec<WorkloadId> = pool
        .iter()
        .map(|&i| (i, &workloads[i]))
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
            let names = workloads
                .iter()
                .filter(|w| !only_crd || w.class == WClass::Crd)
                .map(|w| w.name.as_str());
            let last = parts.last().copied().unwrap_or(spec);
            Err(ModelError::UnknownWorkload {
                suggestion: did_you_mean(last, names).map(str::to_string),
            })
        }
        _ => pick(workloads, &cands, spec, default_ns),
    }
}

/// Chooses among several workloads matching `spec`.
fn pick(
    workloads: &TiSlice<WorkloadId, Workload>,
    cands: &[WorkloadId],
    spec: &str,
    default_ns: &str,
) -> Result<WorkloadId, ModelError> {
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
    Err(ModelError::AmbiguousWorkload {
        spec: spec.to_string(),
        matches: cands
            .iter()
            .map(|i| workloads[*i].canonical.clone())
            .collect(),
    })
}
