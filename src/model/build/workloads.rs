//! Workloads (R6, R7, R13–R15): declared first (bootstrap, Kustomization and HelmRelease
//! `resources`), then their `needs`, `crd`, `webhook` and namespace references resolved
//! through a name index, so a million references cost linear time.

use super::objects::Declared;
use super::{
    canonical, class_of, default_ready, did_you_mean, stage_of, Ctx, FastHash, DEFAULT_NS,
};
use crate::dist::Dist;
use crate::model::error::ModelError;
use crate::model::types::*;
use crate::rng::name_hash;
use crate::scenario::schema::{RawScenario, RawWorkload};
use crate::scenario::spanned::Spanned;
use rayon::prelude::*;
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

/// A workload declared but not yet resolved: its raw entry and the namespace it defaults to.
struct Pending<'a> {
    raw: &'a Spanned<RawWorkload>,
    default_ns: &'a str,
}

/// Every workload, with the indexes that resolve references to them.
pub(super) struct Workloads<'a> {
    /// The workloads, in declaration order.
    pub list: PerWorkload<Workload>,
    /// `Kind/namespace/name` (or `Kind/name`) → workload.
    by_canon: CanonIndex,
    /// Name → workloads of that name.
    pub by_name: NameIndex<'a>,
    /// The bootstrap workloads, in order.
    pub bootstrap: Vec<WorkloadId>,
    /// What each raw Kustomization's `resources` apply: `ks_targets[ks_start[k]..ks_start[k + 1]]`.
    ks_targets: Vec<Target>,
    ks_start: Vec<usize>,
    /// The workloads each raw HelmRelease's chart installs, the same way.
    hr_workloads: Vec<WorkloadId>,
    hr_start: Vec<usize>,
    pending: Vec<Pending<'a>>,
}

impl Workloads<'_> {
    /// What raw Kustomization `k`'s `resources` apply.
    pub fn ks_targets(&self, k: usize) -> &[Target] {
        &self.ks_targets[self.ks_start[k]..self.ks_start[k + 1]]
    }

    /// The workloads raw HelmRelease `h`'s chart installs.
    pub fn hr_workloads(&self, h: usize) -> &[WorkloadId] {
        &self.hr_workloads[self.hr_start[h]..self.hr_start[h + 1]]
    }

    /// The workload of exactly that kind, namespace and name, if any.
    pub fn find(&self, kind: &str, ns: &str, name: &str) -> Option<WorkloadId> {
        // `canonical` is one-to-one on declared workloads (a second workload with the same
        // canonical name is refused), so the fields check only guards against names with `/`.
        self.by_canon
            .get(&self.list, &canonical(kind, ns, name))
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
    declare_all_in_parallel(c, raw, d).unwrap_or_else(|| declare_one_by_one(c, raw, d))
}

/// Workloads with room for `n` and the per-object lists of `raw`, nothing declared yet.
fn with_room<'a>(raw: &RawScenario, n: usize) -> Workloads<'a> {
    Workloads {
        list: PerWorkload::with_capacity(n),
        by_canon: CanonIndex::with_capacity(n),
        by_name: NameIndex::default(),
        bootstrap: vec![],
        ks_targets: Vec::with_capacity(n),
        ks_start: Vec::with_capacity(raw.kustomizations.len() + 1),
        hr_workloads: vec![],
        hr_start: Vec::with_capacity(raw.helm_releases.len() + 1),
        pending: Vec::with_capacity(n),
    }
}

/// [`declare_all`] one workload at a time, each problem reported in declaration order.
fn declare_one_by_one<'a>(
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
    let mut ws = with_room(raw, n);
    let mut preps = prepare_all(c, &declared_entries(raw, d)).into_iter();
    let mut prep = move || preps.next().expect("one per declared workload");
    for (i, b) in raw.bootstrap.iter().enumerate() {
        if let Some(id) = declare(c, &mut ws, b, Owner::Bootstrap(i), "kube-system", prep()) {
            ws.bootstrap.push(id);
        }
    }
    for (ki, k) in raw.kustomizations.iter().enumerate() {
        ws.ks_start.push(ws.ks_targets.len());
        let oid = d.ks_ids[ki];
        let kv = &k.value;
        // The object's namespace (that of the first declared object of this kind and name).
        let ns = kv.namespace.as_deref().unwrap_or(DEFAULT_NS);
        let default_ns = kv.target_namespace.as_deref().unwrap_or(ns);
        for r in &kv.resources {
            let kind = r.value.kind.value.as_str();
            if kind == "Kustomization" || kind == "HelmRelease" {
                if let Some(child) = child_object(c, d, oid, r) {
                    ws.ks_targets.push(Target::Object(child));
                }
            } else if let Some(id) = declare(c, &mut ws, r, Owner::Object(oid), default_ns, prep())
            {
                ws.ks_targets.push(Target::Workload(id));
            }
        }
    }
    ws.ks_start.push(ws.ks_targets.len());
    for (hi, h) in raw.helm_releases.iter().enumerate() {
        ws.hr_start.push(ws.hr_workloads.len());
        let oid = d.hr_ids[hi];
        let hv = &h.value;
        let ns = hv.namespace.as_deref().unwrap_or(DEFAULT_NS);
        let default_ns = hv.target_namespace.as_deref().unwrap_or(ns);
        for r in &hv.resources {
            let kind = r.value.kind.value.as_str();
            if kind == "Kustomization" || kind == "HelmRelease" {
                c.err(
                    r.value.kind.referenced,
                    format!("a HelmRelease cannot install a {kind} in this model"),
                    Some("list it under a Kustomization's resources".into()),
                );
                continue;
            }
            if let Some(id) = declare(c, &mut ws, r, Owner::Object(oid), default_ns, prep()) {
                ws.hr_workloads.push(id);
            }
        }
    }
    ws.hr_start.push(ws.hr_workloads.len());
    ws.by_name = NameIndex::new(ws.pending.iter().map(|p| p.raw.value.name.value.as_str()));
    ws
}

/// Every raw workload `declare_all` declares, in that order, with the namespace it defaults
/// to and its owner (Kustomization and HelmRelease entries naming a Flux object left out).
fn declared_entries<'a>(raw: &'a RawScenario, d: &Declared<'_>) -> Vec<(Pending<'a>, Owner)> {
    let flux = |r: &Spanned<RawWorkload>| {
        let kind = r.value.kind.value.as_str();
        kind == "Kustomization" || kind == "HelmRelease"
    };
    let ks = raw
        .kustomizations
        .iter()
        .zip(&d.ks_ids)
        .flat_map(|(k, &oid)| {
            let kv = &k.value;
            let ns = kv.namespace.as_deref().unwrap_or(DEFAULT_NS);
            let default_ns = kv.target_namespace.as_deref().unwrap_or(ns);
            kv.resources.iter().map(move |r| (r, default_ns, oid))
        });
    let hr = raw
        .helm_releases
        .iter()
        .zip(&d.hr_ids)
        .flat_map(|(h, &oid)| {
            let hv = &h.value;
            let ns = hv.namespace.as_deref().unwrap_or(DEFAULT_NS);
            let default_ns = hv.target_namespace.as_deref().unwrap_or(ns);
            hv.resources.iter().map(move |r| (r, default_ns, oid))
        });
    let bootstrap = raw.bootstrap.iter().enumerate().map(|(i, b)| {
        let p = Pending {
            raw: b,
            default_ns: "kube-system",
        };
        (p, Owner::Bootstrap(i))
    });
    bootstrap
        .chain(
            ks.chain(hr)
                .filter(|(r, _, _)| !flux(r))
                .map(|(raw, default_ns, oid)| (Pending { raw, default_ns }, Owner::Object(oid))),
        )
        .collect()
}

/// `declare_all` in the common case: every workload valid on its own (readiness, failure
/// probability) and declared once, and no HelmRelease naming a Flux object in its
/// `resources`. The workloads are then made on rayon's threads, straight into their list
/// (a million workloads: some 220 MB written fresh), while the two name indexes are made
/// side by side. `None` (with `c` and `d` as they were) if the scenario is not so: the
/// workloads are then declared one by one, which reports each problem in order.
fn declare_all_in_parallel<'a>(
    c: &mut Ctx,
    raw: &'a RawScenario,
    d: &mut Declared<'_>,
) -> Option<Workloads<'a>> {
    let hr_flux = raw
        .helm_releases
        .iter()
        .flat_map(|h| &h.value.resources)
        .any(|r| {
            let kind = r.value.kind.value.as_str();
            kind == "Kustomization" || kind == "HelmRelease"
        });
    if hr_flux {
        return None;
    }
    let entries = declared_entries(raw, d);
    let valid = AtomicBool::new(true);
    let mut list = Vec::with_capacity(entries.len());
    entries
        .par_iter()
        .map(|(p, owner)| {
            made(c, p, *owner).unwrap_or_else(|| {
                valid.store(false, Ordering::Relaxed);
                placeholder(*owner)
            })
        })
        .collect_into_vec(&mut list);
    let list: PerWorkload<Workload> = list.into();
    if !valid.into_inner() {
        return None;
    }
    let (by_canon, by_name) = rayon::join(
        || {
            let mut ix = CanonIndex::with_capacity(list.len());
            let unique = list
                .iter_enumerated()
                .all(|(i, w)| ix.insert_new(&list, &w.canonical, w.hash, i));
            unique.then_some(ix)
        },
        || NameIndex::new(entries.iter().map(|(p, _)| p.raw.value.name.value.as_str())),
    );
    let mut ws = Workloads {
        by_canon: by_canon?,
        by_name,
        bootstrap: (0..raw.bootstrap.len()).map(WorkloadId::new).collect(),
        pending: Vec::with_capacity(entries.len()),
        ..with_room(raw, 0)
    };
    ws.pending.extend(entries.into_iter().map(|(p, _)| p));
    ws.ks_targets.reserve(list.len());
    let mut next = raw.bootstrap.len();
    for (ki, k) in raw.kustomizations.iter().enumerate() {
        ws.ks_start.push(ws.ks_targets.len());
        for r in &k.value.resources {
            let kind = r.value.kind.value.as_str();
            if kind == "Kustomization" || kind == "HelmRelease" {
                if let Some(child) = child_object(c, d, d.ks_ids[ki], r) {
                    ws.ks_targets.push(Target::Object(child));
                }
            } else {
                ws.ks_targets.push(Target::Workload(WorkloadId::new(next)));
                next += 1;
            }
        }
    }
    ws.ks_start.push(ws.ks_targets.len());
    ws.hr_workloads = (next..list.len()).map(WorkloadId::new).collect();
    let mut start = 0;
    for h in &raw.helm_releases {
        ws.hr_start.push(start);
        start += h.value.resources.len();
    }
    ws.hr_start.push(start);
    ws.list = list;
    Some(ws)
}

/// The workload `declare` makes of `p` owned by `owner`, if it has no problem of its own (a
/// readiness or failure probability it would report); its references are resolved later.
fn made(c: &Ctx, p: &Pending<'_>, owner: Owner) -> Option<Workload> {
    let Prepared { named, ready } = prepare(c, p);
    let fail_probability = match &p.raw.value.fail_probability {
        Some(p) if !(0.0..=1.0).contains(&p.value) => return None,
        Some(p) => p.value,
        None => 0.0,
    };
    Some(workload(
        &p.raw.value,
        named,
        ready?,
        owner,
        fail_probability,
    ))
}

/// A declared workload, its references not resolved yet.
fn workload(
    w: &RawWorkload,
    named: Named,
    ready: Option<Dist>,
    owner: Owner,
    fail_probability: f64,
) -> Workload {
    let kind = w.kind.value.as_str();
    Workload {
        hash: named.hash,
        stage: stage_of(kind),
        kind: kind.to_string(),
        name: w.name.value.clone(),
        namespace: named.ns,
        canonical: named.canon,
        class: class_of(kind),
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
    }
}

/// Stands in for a workload with a problem (the whole list is then dropped).
fn placeholder(owner: Owner) -> Workload {
    Workload {
        kind: String::new(),
        name: String::new(),
        namespace: String::new(),
        canonical: String::new(),
        hash: 0,
        class: WClass::Other,
        stage: 2,
        ready: None,
        needs: vec![],
        crd: None,
        webhook: None,
        namespace_obj: None,
        owner,
        fail_probability: 0.0,
        permanent_failure: false,
        backoff_limit: 0,
        guessed: false,
    }
}

/// A raw workload's namespace, canonical name and the name's hash.
struct Named {
    ns: String,
    canon: String,
    hash: u64,
}

/// What [`declare`] makes of a raw workload on its own: its [`Named`] parts and its readiness
/// (`None`: it has a problem, which `declare` finds again and reports).
struct Prepared {
    named: Named,
    ready: Option<Option<Dist>>,
}

/// [`Prepared`] for `p`. A readiness is read in a context of its own, so nothing is reported.
fn prepare(c: &Ctx, p: &Pending<'_>) -> Prepared {
    let w = &p.raw.value;
    let kind = w.kind.value.as_str();
    let ns = match &w.namespace {
        Some(n) => n.clone(),
        None if cluster_scoped(kind) => String::new(),
        None => p.default_ns.to_string(),
    };
    let canon = canonical(kind, &ns, &w.name.value);
    let ready = match &w.ready {
        Some(d) => {
            let mut scratch = Ctx::new(c.file, c.src);
            let r = scratch.dist(d, "readiness");
            scratch.errors.is_empty().then_some(r)
        }
        None => Some(default_ready(class_of(kind))),
    };
    Prepared {
        named: Named {
            hash: name_hash(&canon),
            ns,
            canon,
        },
        ready,
    }
}

/// [`Prepared`] for every entry, in order, made on rayon's threads (a million workloads:
/// about half of the declarations' time).
fn prepare_all(c: &Ctx, entries: &[(Pending<'_>, Owner)]) -> Vec<Prepared> {
    entries.par_iter().map(|(p, _)| prepare(c, p)).collect()
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

/// Declares one workload (references are resolved later); `prep` is its [`Prepared`].
fn declare<'a>(
    c: &mut Ctx,
    ws: &mut Workloads<'a>,
    rw: &'a Spanned<RawWorkload>,
    owner: Owner,
    default_ns: &'a str,
    prep: Prepared,
) -> Option<WorkloadId> {
    let w = &rw.value;
    let Prepared { named, ready } = prep;
    let id = ws.list.next_key();
    if !ws
        .by_canon
        .insert_new(&ws.list, &named.canon, named.hash, id)
    {
        c.err(
            w.name.referenced,
            format!("`{}` is applied twice", named.canon),
            Some("an object has one owner; remove the duplicate or rename it".into()),
        );
        return None;
    }
    let ready = match (ready, &w.ready) {
        (Some(ready), _) => ready,
        (None, Some(d)) => c.dist(d, format_args!("readiness of `{}`", named.canon)),
        (None, None) => default_ready(class_of(&w.kind.value)),
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
    ws.list
        .push(workload(w, named, ready, owner, fail_probability));
    ws.pending.push(Pending {
        raw: rw,
        default_ns,
    });
    Some(id)
}

/// Resolves every workload's `needs`, `crd`, `webhook` and namespace.
pub(super) fn resolve(c: &mut Ctx, ws: &mut Workloads<'_>) {
    // Namespace objects by namespace, looked up once per namespace rather than per workload.
    let mut namespaces: HashMap<String, Option<WorkloadId>, FastHash> = HashMap::default();
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
        let ns = ws.list[wi].namespace.as_str();
        let ns_obj = if ns.is_empty() {
            None
        } else if let Some(&o) = namespaces.get(ns) {
            o
        } else {
            let o = ws.by_canon.get(&ws.list, &format!("Namespace/{ns}"));
            namespaces.insert(ns.to_string(), o);
            o
        };
        let wl = &mut ws.list[wi];
        wl.needs = needs;
        wl.crd = crd;
        wl.webhook = webhook;
        wl.namespace_obj = ns_obj;
    }
}

/// Workload ids by name, built once so that many references resolve in linear time: the first
/// workload of each name, and after each workload the next one of its name (names borrowed
/// from the raw scenario: no copy, no list per name).
#[derive(Default)]
pub(super) struct NameIndex<'a> {
    first: HashMap<&'a str, WorkloadId, FastHash>,
    next: PerWorkload<Option<WorkloadId>>,
}

impl<'a> NameIndex<'a> {
    /// The index of `names` (workload `i` is named `names[i]`).
    fn new(names: impl DoubleEndedIterator<Item = &'a str> + ExactSizeIterator) -> Self {
        let n = names.len();
        let mut first = HashMap::with_capacity_and_hasher(n, FastHash::default());
        let mut next: PerWorkload<Option<WorkloadId>> = vec![None; n].into();
        // From the last workload back, so that each name's chain runs in declaration order.
        for (i, name) in names.enumerate().rev() {
            let i = WorkloadId::new(i);
            next[i] = first.insert(name, i);
        }
        NameIndex { first, next }
    }

    /// The workloads named `name`, in declaration order.
    fn named(&self, name: &str) -> impl Iterator<Item = WorkloadId> + '_ {
        std::iter::successors(self.first.get(name).copied(), |&i| self.next[i])
    }
}

/// `Kind/namespace/name` → workload, keyed by the hash of the canonical name that every
/// workload keeps anyway ([`Workload::hash`]), so that no name is copied into the index. The
/// rare second name with the same hash goes to `clashes`.
struct CanonIndex {
    by_hash: HashMap<u64, WorkloadId, FastHash>,
    clashes: HashMap<String, WorkloadId>,
}

impl CanonIndex {
    fn with_capacity(n: usize) -> Self {
        CanonIndex {
            by_hash: HashMap::with_capacity_and_hasher(n, FastHash::default()),
            clashes: HashMap::new(),
        }
    }

    /// The workload whose canonical name is `canon`.
    fn get(&self, list: &TiSlice<WorkloadId, Workload>, canon: &str) -> Option<WorkloadId> {
        self.get_hashed(list, canon, name_hash(canon))
    }

    /// The same, given `name_hash(canon)`.
    fn get_hashed(
        &self,
        list: &TiSlice<WorkloadId, Workload>,
        canon: &str,
        hash: u64,
    ) -> Option<WorkloadId> {
        match self.by_hash.get(&hash) {
            Some(&i) if list[i].canonical == canon => Some(i),
            Some(_) => self.clashes.get(canon).copied(),
            None => None,
        }
    }

    /// Indexes workload `id`, named `canon` (of hash `name_hash(canon)`), unless a workload
    /// of that name is indexed already (then false). One lookup: `id` is the next workload.
    fn insert_new(
        &mut self,
        list: &TiSlice<WorkloadId, Workload>,
        canon: &str,
        hash: u64,
        id: WorkloadId,
    ) -> bool {
        match self.by_hash.entry(hash) {
            Entry::Vacant(e) => {
                e.insert(id);
                true
            }
            Entry::Occupied(e) if list[*e.get()].canonical == canon => false,
            Entry::Occupied(_) => match self.clashes.entry(canon.to_string()) {
                Entry::Vacant(e) => {
                    e.insert(id);
                    true
                }
                Entry::Occupied(_) => false,
            },
        }
    }
}

/// Resolves a workload reference: `name`, `Kind/name`, `ns/name` or `Kind/ns/name`, looking
/// only at the workloads of that name. Several matches: a bare name prefers the one workload
/// that is not a Namespace, then the one in `default_ns`.
///
/// # Errors
/// [`ModelError::UnknownWorkload`] (with a did-you-mean) or [`ModelError::AmbiguousWorkload`].
pub(super) fn lookup_in(
    workloads: &TiSlice<WorkloadId, Workload>,
    index: &NameIndex<'_>,
    spec: &str,
    default_ns: &str,
    only_crd: bool,
) -> Result<WorkloadId, ModelError> {
    let parts: Vec<&str> = spec.split('/').collect();
    let name = parts.last().copied().unwrap_or(spec);
    let cands: Vec<WorkloadId> = index
        .named(name)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn workloads() -> PerWorkload<Workload> {
        let sc = crate::scenario::parse(
            "kustomizations: [{name: a, resources: [{kind: Job, name: x, namespace: n1}, {kind: Job, name: y}, {kind: Job, name: x, namespace: n2}]}]\n",
            "t.yaml",
        )
        .expect("parses");
        crate::model::build(&sc).expect("valid").workloads
    }

    // Two different canonical names with the same hash (forced here; a 64-bit clash in
    // practice) are both found, and a third name with that hash is not.
    #[test]
    fn canonical_index_keeps_names_whose_hashes_clash() {
        let list = workloads();
        let mut ix = CanonIndex::with_capacity(3);
        for (i, w) in list.iter_enumerated() {
            assert!(ix.insert_new(&list, &w.canonical, 7, i));
        }
        assert!(
            !ix.insert_new(&list, "Job/n2/x", 7, WorkloadId::new(3)),
            "indexed already"
        );
        assert!(
            !ix.insert_new(&list, "Job/n1/x", 7, WorkloadId::new(3)),
            "indexed already"
        );
        assert_eq!(
            ix.get_hashed(&list, "Job/n1/x", 7),
            Some(WorkloadId::new(0))
        );
        assert_eq!(
            ix.get_hashed(&list, "Job/flux-system/y", 7),
            Some(WorkloadId::new(1))
        );
        assert_eq!(
            ix.get_hashed(&list, "Job/n2/x", 7),
            Some(WorkloadId::new(2))
        );
        assert_eq!(ix.get_hashed(&list, "Job/n3/x", 7), None);
        assert_eq!(ix.get(&list, "Job/n2/x"), None, "another hash: not indexed");
    }

    // Workloads of one name come in declaration order (what an ambiguous reference lists).
    #[test]
    fn name_index_lists_a_name_in_declaration_order() {
        let ix = NameIndex::new(["x", "y", "x", "x"].into_iter());
        let ids = |v: &[usize]| v.iter().map(|&i| WorkloadId::new(i)).collect::<Vec<_>>();
        assert_eq!(ix.named("x").collect::<Vec<_>>(), ids(&[0, 2, 3]));
        assert_eq!(ix.named("y").collect::<Vec<_>>(), ids(&[1]));
        assert_eq!(ix.named("z").count(), 0);
    }
}

#[cfg(test)]
mod parallel_tests {
    use super::*;
    use crate::model::build::objects;

    /// Bootstrap, a target namespace, a cluster-scoped kind, a child HelmRelease and a child
    /// Kustomization between workloads, HelmReleases with and without resources.
    const SRC: &str = "
bootstrap:
  - {kind: Deployment, name: cilium, namespace: kube-system}
kustomizations:
  - name: infra
    targetNamespace: apps
    resources:
      - {kind: Namespace, name: apps}
      - {kind: HelmRelease, name: web, namespace: apps}
      - {kind: CustomResourceDefinition, name: crds.example.io}
      - {kind: Deployment, name: api, ready: 20s, failProbability: 0.25}
  - name: child
    resources: [{kind: Job, name: migrate, backoffLimit: 2}]
  - name: top
    resources: [{kind: Kustomization, name: child}, {kind: ConfigMap, name: api}]
helmReleases:
  - name: web
    namespace: apps
    resources:
      - {kind: Deployment, name: web}
      - {kind: StatefulSet, name: db, guessed: true}
  - name: empty
  - name: one
    resources: [{kind: Job, name: seed}]
";

    /// What declaring `src` gives, written out, the parallel way or one workload at a time.
    fn declared(src: &str, parallel: bool) -> Option<String> {
        let sc = crate::scenario::parse(src, "t.yaml").expect("parses");
        let mut c = Ctx::new("t.yaml", src);
        let mut d = objects::declare(&mut c, &sc.raw);
        let ws = if parallel {
            declare_all_in_parallel(&mut c, &sc.raw, &mut d)?
        } else {
            declare_one_by_one(&mut c, &sc.raw, &mut d)
        };
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        let found: Vec<_> = ws
            .list
            .iter()
            .map(|w| {
                let named: Vec<_> = ws.by_name.named(&w.name).collect();
                (ws.by_canon.get(&ws.list, &w.canonical), named)
            })
            .collect();
        let pending: Vec<_> = ws
            .pending
            .iter()
            .map(|p| (p.raw.value.name.value.clone(), p.default_ns))
            .collect();
        let parents: Vec<_> = d.objects.iter().map(|o| o.parent).collect();
        Some(format!(
            "{:?}\n{:?}\n{:?} {:?}\n{:?} {:?}\n{found:?}\n{pending:?}\n{parents:?}",
            ws.list, ws.bootstrap, ws.ks_targets, ws.ks_start, ws.hr_workloads, ws.hr_start
        ))
    }

    // SPEC R6, R13: the workloads made on rayon's threads are those declared one at a time:
    // the same ids, namespaces, owners, readiness, per-object lists, indexes and children.
    #[test]
    fn parallel_declaration_is_the_one_by_one_declaration() {
        let one_by_one = declared(SRC, false).expect("declared");
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("a pool");
            let parallel = pool
                .install(|| declared(SRC, true))
                .expect("the common case");
            assert_eq!(parallel, one_by_one, "{threads} threads");
        }
        // Worked by hand: cilium 0; infra's apps 1, CRD 2, api 3; child's migrate 4; top's
        // api ConfigMap 5; web's web 6, db 7; one's seed 8.
        let ws = one_by_one.lines().nth(2).expect("targets");
        assert_eq!(
            ws,
            "[Workload(1), Object(3), Workload(2), Workload(3), Workload(4), Object(1), Workload(5)] [0, 4, 5, 7]"
        );
        let hr = one_by_one.lines().nth(3).expect("helm lists");
        assert_eq!(hr, "[6, 7, 8] [0, 2, 2, 3]");
    }

    // A scenario with a problem a workload reports (a duplicate, a bad readiness, a failure
    // probability above 1, a HelmRelease installing a Flux object) is declared one at a time,
    // so that each problem is reported where it is found.
    #[test]
    fn a_problem_is_left_to_the_one_by_one_declaration() {
        for bad in [
            "kustomizations: [{name: a, resources: [{kind: Job, name: x}, {kind: Job, name: x}]}]",
            "kustomizations: [{name: a, resources: [{kind: Job, name: x, ready: 5q}]}]",
            "kustomizations: [{name: a, resources: [{kind: Job, name: x, failProbability: 2}]}]",
            "helmReleases: [{name: a, resources: [{kind: Kustomization, name: b}]}]",
        ] {
            assert_eq!(declared(bad, true), None, "{bad}");
        }
    }
}
