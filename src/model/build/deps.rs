//! `dependsOn` (R3, R4): each entry resolved to an object of the same kind, with a
//! did-you-mean (or the kind mix-up explained) for one that is not declared.

use super::objects::Declared;
use super::{did_you_mean, Ctx, Index, DEFAULT_NS};
use crate::model::types::*;
use crate::scenario::diag::{name_list, MAX_SHOWN};
use crate::scenario::schema::{RawDependsOn, RawScenario};
use crate::scenario::spanned::{Location, Spanned};

/// Every raw `dependsOn` list with the object it belongs to: (object, name, namespace, list),
/// Kustomizations then HelmReleases, in declaration order.
fn lists<'r>(
    raw: &'r RawScenario,
    ks_ids: &'r [ObjectId],
    hr_ids: &'r [ObjectId],
) -> impl Iterator<Item = (ObjectId, &'r str, &'r str, &'r [Spanned<RawDependsOn>])> {
    let ks = raw.kustomizations.iter().zip(ks_ids).map(|(k, &oid)| {
        let k = &k.value;
        (oid, &k.name.value, &k.namespace, &k.depends_on)
    });
    let hr = raw.helm_releases.iter().zip(hr_ids).map(|(h, &oid)| {
        let h = &h.value;
        (oid, &h.name.value, &h.namespace, &h.depends_on)
    });
    ks.chain(hr).map(|(oid, name, ns, deps)| {
        let ns = ns.as_deref().unwrap_or(DEFAULT_NS);
        (oid, name.as_str(), ns, deps.as_slice())
    })
}

/// Resolves every `dependsOn` entry into the objects' `depends_on` lists.
pub(super) fn depends_on(c: &mut Ctx, raw: &RawScenario, d: &mut Declared<'_>) {
    for (oid, name, ns, deps) in lists(raw, &d.ks_ids, &d.hr_ids) {
        // No spare room: a million objects' lists would otherwise each reserve four entries.
        d.objects[oid].depends_on.reserve_exact(deps.len());
        for dep in deps {
            let t = resolve(c, &d.index, &d.objects, (oid, name, ns), dep);
            // A repeated entry is one edge.
            if let Some(t) = t.filter(|t| !d.objects[oid].depends_on.contains(t)) {
                d.objects[oid].depends_on.push(t);
            }
        }
    }
}

/// Where the first `dependsOn` entry of `oid` that resolves to `dep` is written (for cycle
/// diagnostics, so only looked up for the few edges a cycle names).
pub(super) fn edge_location(
    raw: &RawScenario,
    d: &Declared<'_>,
    oid: ObjectId,
    dep: ObjectId,
) -> Option<Location> {
    let kind = d.objects[oid].kind;
    lists(raw, &d.ks_ids, &d.hr_ids)
        .filter(|l| l.0 == oid)
        .flat_map(|(_, _, ns, deps)| deps.iter().map(move |e| (ns, e)))
        .find(|(ns, e)| {
            let dns = e.value.namespace.as_deref().unwrap_or(ns);
            d.index.get(&(kind, dns, e.value.name.as_str())) == Some(&dep)
        })
        .map(|(_, e)| e.referenced)
}

/// One `dependsOn` entry of object `oid` (named `name` in `ns`): the object it names, if it
/// is another declared object of the same kind (else the problem goes to `c`).
fn resolve(
    c: &mut Ctx,
    index: &Index<'_>,
    objects: &TiSlice<ObjectId, FluxObject>,
    (oid, name, ns): (ObjectId, &str, &str),
    dep: &Spanned<RawDependsOn>,
) -> Option<ObjectId> {
    let kind = objects[oid].kind;
    let dns = dep.value.namespace.as_deref().unwrap_or(ns);
    let dname = dep.value.name.as_str();
    match index.get(&(kind, dns, dname)) {
        Some(&t) if t == oid => c.err(
            dep.referenced,
            format!("`{name}` depends on itself"),
            Some("remove the entry".into()),
        ),
        Some(&t) => return Some(t),
        // Past the errors a report shows, skip the hints (a did-you-mean over every name per
        // entry made 10,000 unknown entries quadratic).
        None if c.errors.len() >= MAX_SHOWN => c.err(
            dep.referenced,
            format!(
                "`{name}` dependsOn unknown {} `{dns}/{dname}`",
                kind.as_str()
            ),
            None,
        ),
        None => {
            let help = unknown_help(index, objects, kind, dns, dname);
            c.err(
                dep.referenced,
                format!(
                    "`{name}` dependsOn unknown {} `{dns}/{dname}`",
                    kind.as_str()
                ),
                Some(help),
            );
        }
    }
    None
}

/// The help for a `dependsOn` entry naming nothing of its kind.
fn unknown_help(
    index: &Index<'_>,
    objects: &TiSlice<ObjectId, FluxObject>,
    kind: ObjKind,
    dns: &str,
    dname: &str,
) -> String {
    let other = if kind == ObjKind::Kustomization {
        ObjKind::HelmRelease
    } else {
        ObjKind::Kustomization
    };
    let same: Vec<&str> = objects
        .iter()
        .filter(|o| o.kind == kind)
        .map(|o| o.name.as_str())
        .collect();
    if index.contains_key(&(other, dns, dname)) {
        format!("`{dname}` is a {}; a {} can only depend on {}s (see docs/model.md, \"Dependencies are polled\"). Use a Kustomization health check instead", other.as_str(), kind.as_str(), kind.as_str())
    } else if let Some(s) = did_you_mean(dname, same.iter().copied()) {
        format!("did you mean `{s}`?")
    } else {
        format!("known {}s: {}", kind.as_str(), name_list(&same))
    }
}
