//! `dependsOn` (R3, R4): each entry resolved to an object of the same kind, with a
//! did-you-mean (or the kind mix-up explained) for one that is not declared.

use super::objects::Declared;
use super::{did_you_mean, Ctx, DEFAULT_NS};
use crate::model::types::*;
use crate::scenario::diag::{name_list, MAX_SHOWN};
use crate::scenario::schema::{RawDependsOn, RawScenario};
use crate::scenario::spanned::{Location, Spanned};
use std::collections::HashMap;

/// Where each `dependsOn` edge (dependent, dependency) is written, for cycle diagnostics.
pub(super) type DepLocs = HashMap<(ObjectId, ObjectId), Location>;

/// Resolves every `dependsOn` entry into the objects' `depends_on` lists.
pub(super) fn depends_on(c: &mut Ctx, raw: &RawScenario, d: &mut Declared<'_>) -> DepLocs {
    let lists = raw
        .kustomizations
        .iter()
        .zip(&d.ks_ids)
        .map(|(k, &oid)| {
            (
                oid,
                &k.value.name.value,
                &k.value.namespace,
                &k.value.depends_on,
            )
        })
        .chain(raw.helm_releases.iter().zip(&d.hr_ids).map(|(h, &oid)| {
            (
                oid,
                &h.value.name.value,
                &h.value.namespace,
                &h.value.depends_on,
            )
        }))
        .collect::<Vec<_>>();
    let mut locs = DepLocs::with_capacity(lists.iter().map(|l| l.3.len()).sum());
    for (oid, name, ns, deps) in lists {
        let ns = ns.as_deref().unwrap_or(DEFAULT_NS);
        for dep in deps {
            resolve(c, d, &mut locs, (oid, name, ns), dep);
        }
    }
    locs
}

/// One `dependsOn` entry of object `oid` (named `name` in `ns`).
fn resolve(
    c: &mut Ctx,
    d: &mut Declared<'_>,
    locs: &mut DepLocs,
    (oid, name, ns): (ObjectId, &str, &str),
    dep: &Spanned<RawDependsOn>,
) {
    let kind = d.objects[oid].kind;
    let dns = dep.value.namespace.as_deref().unwrap_or(ns);
    let dname = dep.value.name.as_str();
    match d.index.get(&(kind, dns, dname)) {
        Some(&t) if t == oid => c.err(
            dep.referenced,
            format!("`{name}` depends on itself"),
            Some("remove the entry".into()),
        ),
        Some(&t) => {
            if !d.objects[oid].depends_on.contains(&t) {
                d.objects[oid].depends_on.push(t);
                locs.insert((oid, t), dep.referenced);
            }
        }
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
            let help = unknown_help(d, kind, dns, dname);
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
}

/// The help for a `dependsOn` entry naming nothing of its kind.
fn unknown_help(d: &Declared<'_>, kind: ObjKind, dns: &str, dname: &str) -> String {
    let other = if kind == ObjKind::Kustomization {
        ObjKind::HelmRelease
    } else {
        ObjKind::Kustomization
    };
    let same: Vec<&str> = d
        .objects
        .iter()
        .filter(|o| o.kind == kind)
        .map(|o| o.name.as_str())
        .collect();
    if d.index.contains_key(&(other, dns, dname)) {
        format!("`{dname}` is a {}; a {} can only depend on {}s (see docs/model.md, \"Dependencies are polled\"). Use a Kustomization health check instead", other.as_str(), kind.as_str(), kind.as_str())
    } else if let Some(s) = did_you_mean(dname, same.iter().copied()) {
        format!("did you mean `{s}`?")
    } else {
        format!("known {}s: {}", kind.as_str(), name_list(&same))
    }
}
