//! `dependsOn` (R3, R4): each entry resolved to an object of the same kind, with a
//! did-you-mean (or the kind mix-up explained) for one that is not declared.

use super::objects::Declared;
use super::{did_you_mean, Ctx, Index, DEFAULT_NS};
use crate::model::types::*;
use crate::scenario::diag::{name_list, MAX_SHOWN};
use crate::scenario::schema::{RawDependsOn, RawScenario};
use crate::scenario::spanned::{Location, Spanned};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

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
    if !all_resolved_in_parallel(raw, d) {
        for o in d.objects.iter_mut() {
            o.depends_on = vec![];
        }
        entry_by_entry(c, raw, d);
    }
}

/// [`depends_on`] one entry at a time, each problem reported in declaration order.
fn entry_by_entry(c: &mut Ctx, raw: &RawScenario, d: &mut Declared<'_>) {
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

/// The common case on rayon's threads (a million objects: about 0.2 s on one): each object
/// declared once and every entry naming another declared object of its kind. Each list is then
/// what the entry-by-entry reading below makes of it. False if some object or entry is not so
/// (the lists are then left for that reading, which reports the problems in order).
fn all_resolved_in_parallel(raw: &RawScenario, d: &mut Declared<'_>) -> bool {
    if d.objects.len() != raw.kustomizations.len() + raw.helm_releases.len() {
        return false; // a duplicate: entries and objects do not pair up
    }
    let ok = AtomicBool::new(true);
    let ks = raw
        .kustomizations
        .par_iter()
        .map(|k| (&k.value.namespace, &k.value.depends_on));
    let hr = raw
        .helm_releases
        .par_iter()
        .map(|h| (&h.value.namespace, &h.value.depends_on));
    let index = &d.index;
    d.objects
        .raw
        .par_iter_mut()
        .enumerate()
        .zip(ks.chain(hr))
        .for_each(|((i, o), (ns, deps))| {
            let ns = ns.as_deref().unwrap_or(DEFAULT_NS);
            let mut list = Vec::with_capacity(deps.len());
            for dep in deps {
                let dns = dep.value.namespace.as_deref().unwrap_or(ns);
                match index.get(&(o.kind, dns, dep.value.name.as_str())) {
                    Some(&t) if t.index() != i => {
                        if !list.contains(&t) {
                            list.push(t);
                        }
                    }
                    _ => {
                        ok.store(false, Ordering::Relaxed);
                        return;
                    }
                }
            }
            o.depends_on = list;
        });
    ok.into_inner()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::build::objects;

    /// Each object's `depends_on`, resolved on rayon's threads or entry by entry (`None`: not
    /// the common case), with the number of problems reported.
    fn lists(src: &str, parallel: bool) -> Option<(Vec<Vec<usize>>, usize)> {
        let sc = crate::scenario::parse(src, "t.yaml").expect("parses");
        let mut c = Ctx::new("t.yaml", src);
        let mut d = objects::declare(&mut c, &sc.raw);
        if parallel {
            all_resolved_in_parallel(&sc.raw, &mut d).then_some(())?;
        } else {
            entry_by_entry(&mut c, &sc.raw, &mut d);
        }
        let ids = |o: &FluxObject| o.depends_on.iter().map(|i| i.index()).collect();
        Some((d.objects.iter().map(ids).collect(), c.errors.len()))
    }

    // SPEC R3: each entry names an object of the same kind, in the dependent's namespace
    // unless it gives one; a repeated entry is one edge. Worked by hand: a 0, b 1, c 2 (in x),
    // d 3 (in x), HelmReleases h 4, g 5.
    #[test]
    fn lists_made_in_parallel_are_those_made_entry_by_entry() {
        let src = "kustomizations:\n  - {name: a}\n  - {name: b, dependsOn: [a, a]}\n  - {name: c, namespace: x, dependsOn: [{name: a, namespace: flux-system}, d]}\n  - {name: d, namespace: x}\nhelmReleases:\n  - {name: h, dependsOn: [g, g]}\n  - {name: g}\n";
        let want = vec![vec![], vec![0], vec![0, 3], vec![], vec![5], vec![]];
        assert_eq!(lists(src, false), Some((want.clone(), 0)));
        assert_eq!(lists(src, true), Some((want, 0)));
    }

    // An unknown entry, a self-dependency, a HelmRelease named by a Kustomization (SPEC R4) or
    // a duplicate object is not the common case: entry by entry reports it.
    #[test]
    fn a_problem_is_left_to_the_entry_by_entry_reading() {
        for bad in [
            "kustomizations: [{name: a, dependsOn: [z]}]",
            "kustomizations: [{name: a, dependsOn: [a]}]",
            "kustomizations: [{name: a, dependsOn: [h]}]\nhelmReleases: [{name: h}]",
            "kustomizations: [{name: a}, {name: a}]",
        ] {
            assert_eq!(lists(bad, true), None, "{bad}");
            assert!(lists(bad, false).expect("read").1 >= 1, "{bad}");
        }
    }
}
