//! Sources and the declaration of every Kustomization and HelmRelease (names, namespaces,
//! duplicates); their fields are filled in later by `ks` and `helm`.

use super::{canonical, Ctx, FastHash, Index, DEFAULT_NS};
use crate::dist::Dist;
use crate::model::types::*;
use crate::rng::name_hash;
use crate::scenario::schema::RawScenario;
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
pub(super) fn declare<'a>(c: &mut Ctx, raw: &'a RawScenario) -> Declared<'a> {
    let mut objects: PerObject<FluxObject> =
        Vec::with_capacity(raw.kustomizations.len() + raw.helm_releases.len()).into();
    let mut index = Index::with_capacity_and_hasher(objects.capacity(), FastHash::default());
    let entries = raw
        .kustomizations
        .iter()
        .map(|k| {
            (
                ObjKind::Kustomization,
                &k.value.name,
                &k.value.namespace,
                k.referenced,
            )
        })
        .chain(raw.helm_releases.iter().map(|h| {
            (
                ObjKind::HelmRelease,
                &h.value.name,
                &h.value.namespace,
                h.referenced,
            )
        }));
    let mut ids = Vec::with_capacity(objects.capacity());
    for (kind, name, ns, at) in entries {
        let ns = ns.as_deref().unwrap_or(DEFAULT_NS);
        let key = (kind, ns, name.value.as_str());
        match index.entry(key) {
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
                continue;
            }
            Entry::Vacant(e) => {
                e.insert(objects.next_key());
            }
        }
        ids.push(objects.next_key());
        objects.push(blank(kind, &name.value, ns, at.line()));
    }
    let hr_ids = ids.split_off(raw.kustomizations.len());
    Declared {
        objects,
        index,
        ks_ids: ids,
        hr_ids,
    }
}
