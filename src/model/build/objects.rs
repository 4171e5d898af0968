//! Sources and the declaration of every Kustomization and HelmRelease (names, namespaces,
//! duplicates); their fields are filled in later by `ks` and `helm`.

use super::{canonical, Ctx, FastHash, Index, DEFAULT_NS};
use crate::dist::Dist;
use crate::model::types::*;
use crate::rng::name_hash;
use crate::scenario::schema::RawScenario;
use rayon::prelude::*;
use std::collections::hash_map::Entry;
use std::collections::HashSet;

/// The scenario's sources, or the implicit `flux-system` GitRepository when none is declared.
pub(super) fn sources(c: &mut Ctx, raw: &RawScenario) -> PerSource<Source> {
    let mut sources = PerSource::new();
    let mut seen = HashSet::new();
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
        if !seen.insert(canon.clone()) {
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
    sources
}

fn blank(kind: ObjKind, name: &str, ns: &str, line: u64) -> FluxObject {
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
}

/// The declared objects, in declaration order (Kustomizations, then HelmReleases).
pub(super) struct Declared<'a> {
    /// Every object once (a duplicate is reported and skipped).
    pub objects: PerObject<FluxObject>,
    /// (kind, namespace, name) → object.
    pub index: Index<'a>,
    /// For each raw Kustomization, the object of its kind, namespace and name (for a
    /// duplicate: the first one declared).
    pub ks_ids: Vec<ObjectId>,
    /// The same for each raw HelmRelease.
    pub hr_ids: Vec<ObjectId>,
}

/// Declares every Kustomization and HelmRelease; a second object of the same kind, namespace
/// and name is an error.
///
/// The index (and any duplicate's diagnostic) is made in declaration order while, at the same
/// time, rayon's other threads make every object (a million objects: some 450 MB written
/// fresh, about half of this step's time); a duplicate's object is then left out again.
pub(super) fn declare<'a>(c: &mut Ctx, raw: &'a RawScenario) -> Declared<'a> {
    let (ks, hr) = (&raw.kustomizations, &raw.helm_releases);
    let ((index, mut ids), all) = rayon::join(
        || index_of(c, raw),
        || {
            let mut all: Vec<FluxObject> = Vec::with_capacity(ks.len() + hr.len());
            ks.par_iter()
                .map(|k| {
                    (
                        ObjKind::Kustomization,
                        &k.value.name,
                        &k.value.namespace,
                        k.referenced,
                    )
                })
                .chain(hr.par_iter().map(|h| {
                    (
                        ObjKind::HelmRelease,
                        &h.value.name,
                        &h.value.namespace,
                        h.referenced,
                    )
                }))
                .map(|(kind, name, ns, at)| {
                    blank(
                        kind,
                        &name.value,
                        ns.as_deref().unwrap_or(DEFAULT_NS),
                        at.line(),
                    )
                })
                .collect_into_vec(&mut all);
            all
        },
    );
    let objects = if index.len() == all.len() {
        all.into()
    } else {
        // Only the first object of each (kind, namespace, name) is kept: that of entry `i` is
        // object `ids[i]`, so entry `i` is kept when that is the next object.
        let mut kept = 0;
        all.into_iter()
            .zip(&ids)
            .filter(|(_, id)| {
                let first = id.index() == kept;
                kept += usize::from(first);
                first
            })
            .map(|(o, _)| o)
            .collect()
    };
    let hr_ids = ids.split_off(ks.len());
    Declared {
        objects,
        index,
        ks_ids: ids,
        hr_ids,
    }
}

/// The (kind, namespace, name) index of every Kustomization and HelmRelease, and the object of
/// each entry (for a duplicate: the first one declared, and the duplicate reported).
fn index_of<'a>(c: &mut Ctx, raw: &'a RawScenario) -> (Index<'a>, Vec<ObjectId>) {
    let n = raw.kustomizations.len() + raw.helm_releases.len();
    let mut index = Index::with_capacity_and_hasher(n, FastHash::default());
    let entries = raw
        .kustomizations
        .iter()
        .map(|k| (ObjKind::Kustomization, &k.value.name, &k.value.namespace))
        .chain(
            raw.helm_releases
                .iter()
                .map(|h| (ObjKind::HelmRelease, &h.value.name, &h.value.namespace)),
        );
    let mut ids = Vec::with_capacity(n);
    for (kind, name, ns) in entries {
        let ns = ns.as_deref().unwrap_or(DEFAULT_NS);
        let next = ObjectId::new(index.len());
        match index.entry((kind, ns, name.value.as_str())) {
            Entry::Occupied(first) => {
                c.err(
                    name.referenced,
                    format!(
                        "{} `{}/{}` is declared twice",
                        kind.as_str(),
                        ns,
                        name.value
                    ),
                    Some("rename one of them".into()),
                );
                ids.push(*first.get());
            }
            Entry::Vacant(e) => {
                e.insert(next);
                ids.push(next);
            }
        }
    }
    (index, ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    // SPEC R3: a second object of the same kind, namespace and name is reported once and left
    // out; its entries stand for the first one. Kustomization `a` twice, HelmRelease `a` (another
    // kind) and Kustomization `a` in namespace `x` (another namespace) are objects of their own.
    #[test]
    fn a_duplicate_is_reported_and_left_out() {
        let src = "kustomizations: [{name: a}, {name: b}, {name: a}, {name: a, namespace: x}]\nhelmReleases: [{name: a}, {name: b}, {name: b}]\n";
        let sc = crate::scenario::parse(src, "t.yaml").expect("parses");
        let mut c = Ctx::new("t.yaml", src);
        let d = declare(&mut c, &sc.raw);
        let names: Vec<String> = d.objects.iter().map(FluxObject::display).collect();
        assert_eq!(
            names,
            [
                "Kustomization/a",
                "Kustomization/b",
                "Kustomization/x/a",
                "HelmRelease/a",
                "HelmRelease/b"
            ]
        );
        let ids = |v: &[usize]| v.iter().map(|&i| ObjectId::new(i)).collect::<Vec<_>>();
        assert_eq!(d.ks_ids, ids(&[0, 1, 0, 2]));
        assert_eq!(d.hr_ids, ids(&[3, 4, 4]));
        let lines: Vec<u64> = d.objects.iter().map(|o| o.line).collect();
        assert_eq!(lines, [1, 1, 1, 2, 2]);
        assert_eq!(c.errors.len(), 2);
    }
}
