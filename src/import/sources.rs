//! Sources: where each Flux source's paths start in the repository, ExternalArtifacts
//! remapped by ArtifactGenerator copy rules, and resolving a child Kustomization's path.

use super::cluster::HeldMap;

/// Most documents the walk builds for child Kustomizations in all (a corpus entry point
/// builds a few thousand): shared paths and amplifying layouts stop here.
pub const MAX_WALK_DOCS: usize = 200_000;
/// Most bytes postBuild substitution may produce in one import.
pub const MAX_SUBST_BYTES: usize = 64 * 1024 * 1024;
use super::walk::{flux_kind, flux_postprocess, join, Repo};
use super::yaml::{get_str, Doc};
use super::{Found, Warning};
use serde_json::Value;
use std::collections::BTreeMap;

/// What resolving a child Kustomization's path needs besides the repository: where each
/// source's paths start, the ArtifactGenerator rules and the ConfigMaps seen so far.
pub(crate) struct Sources {
    pub(crate) entry: String,
    pub(crate) root_name: String,
    pub(crate) forced_root: Option<String>,
    pub(crate) roots: BTreeMap<(String, String), String>,
    pub(crate) artifacts: Artifacts,
    pub(crate) held: HeldMap,
    /// Build key → the first Kustomization that built it.
    pub(crate) builds: BTreeMap<String, usize>,
    /// Documents built so far by child Kustomizations.
    pub(crate) docs_built: usize,
    /// Bytes postBuild substitution may still produce.
    pub(crate) subst_budget: usize,
    /// What a previous walk found (looked up after `held`).
    pub(crate) seed: HeldMap,
    /// substituteFrom entries not found when used: (Kustomization index, kind, name, optional).
    pub(crate) misses: Vec<(usize, String, String, bool)>,
}

/// ExternalArtifact name → copy rules (source kind, source name, from, to).
pub(crate) type Artifacts = BTreeMap<String, Vec<(String, String, String, String)>>;

pub(crate) fn artifact_map(docs: &[Doc]) -> Artifacts {
    let mut m: Artifacts = BTreeMap::new();
    for d in docs
        .iter()
        .filter(|d| flux_kind(&d.value) == Some("ArtifactGenerator"))
    {
        let sources: BTreeMap<String, (String, String)> = d
            .value
            .pointer("/spec/sources")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|s| {
                        (
                            get_str(s, &["alias"]).unwrap_or("").to_string(),
                            (
                                get_str(s, &["kind"]).unwrap_or("GitRepository").to_string(),
                                get_str(s, &["name"]).unwrap_or("").to_string(),
                            ),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        for a in d
            .value
            .pointer("/spec/artifacts")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
        {
            let name = get_str(&a, &["name"]).unwrap_or("").to_string();
            for c in a
                .get("copy")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
            {
                let from = get_str(&c, &["from"]).unwrap_or("");
                let to = get_str(&c, &["to"]).unwrap_or("");
                // "@monorepo/apps/base/**" → "apps/base/"; "@artifact/base/" → "base/".
                let strip = |s: &str| {
                    s.split_once('/')
                        .map_or("", |x| x.1)
                        .trim_end_matches("**")
                        .to_string()
                };
                let alias = from.trim_start_matches('@').split('/').next().unwrap_or("");
                let (sk, sn) = sources
                    .get(alias)
                    .cloned()
                    .unwrap_or_else(|| ("GitRepository".into(), "flux-system".into()));
                m.entry(name.clone())
                    .or_default()
                    .push((sk, sn, strip(from), strip(to)));
            }
        }
    }
    m
}

/// A warning at Kustomization `o`'s file and line.
fn warn_at(warnings: &mut Vec<Warning>, o: &Found, message: String) {
    warnings.push(Warning {
        file: o.file.clone(),
        line: o.line,
        message,
    });
}

/// The root folder of source `kind/name` (detected once from `path`, or forced).
fn root_of(repo: &mut Repo, src: &mut Sources, kind: &str, name: &str, path: &str) -> String {
    if let Some(f) = &src.forced_root {
        return f.clone();
    }
    src.roots
        .entry((kind.to_string(), name.to_string()))
        .or_insert_with(|| detect_root(repo, &src.entry, path))
        .clone()
}

/// The folder an ExternalArtifact's copy rules put `path` in. None when the artifact is not
/// (yet) known (reported when `report_unknown`) or no rule copies that path (reported).
fn artifact_dir(
    repo: &mut Repo,
    src: &mut Sources,
    o: &Found,
    (sn, path): (&str, &str),
    warnings: &mut Vec<Warning>,
    report_unknown: bool,
) -> Option<String> {
    let p = join("", path);
    let Some(rules) = src.artifacts.get(sn).cloned() else {
        if report_unknown {
            let message = format!(
                "ExternalArtifact `{sn}` of `{}/{}` has no ArtifactGenerator in the walk (opaque leaf)",
                o.namespace, o.name
            );
            warn_at(warnings, o, message);
        }
        return None;
    };
    let hit = rules.iter().find_map(|(k, n, from, to)| {
        let to = to.trim_end_matches('/');
        let rest = if to.is_empty() {
            Some(p.as_str())
        } else {
            p.strip_prefix(to).map(|r| r.trim_start_matches('/'))
        }?;
        let root = root_of(repo, src, k, n, from);
        Some(join(&join(&root, from), rest))
    });
    if hit.is_none() {
        let message = format!("ExternalArtifact `{sn}` has no copy rule for path `{path}`");
        warn_at(warnings, o, message);
    }
    hit
}

/// The folder `spec.path` names in the repository itself. The repository is the root source
/// (named by the entry's gotk-sync.yaml or FluxInstance; `flux-system` when neither is found);
/// any other GitRepository or OCIRepository is another repository (reported, None).
fn repo_dir(
    repo: &mut Repo,
    src: &mut Sources,
    o: &Found,
    (sk, sn, path): (&str, &str, &str),
    warnings: &mut Vec<Warning>,
) -> Option<String> {
    if sn != src.root_name && !sn.is_empty() {
        let message = format!(
            "Kustomization `{}/{}` reads the external source {sk}/{sn}: its content is not in this repository (opaque leaf)",
            o.namespace, o.name
        );
        warn_at(warnings, o, message);
        return None;
    }
    let root = root_of(repo, src, sk, sn, path);
    let cand = join(&root, path);
    if !repo.is_dir(&cand) {
        let message = format!(
            "spec.path `{path}` of `{}/{}` resolves to `{cand}`, which is not in the repository",
            o.namespace, o.name
        );
        warn_at(warnings, o, message);
        return None;
    }
    Some(cand)
}

/// What decides a build: the folder and the Kustomization's build settings. One that repeats
/// another's (a Kustomization whose path is its own folder, shared paths) yields the same
/// objects, which are already known, so each is built once.
fn build_key(dir: &str, o: &Found) -> String {
    let at = |p: &str| o.value.pointer(p).map(Value::to_string).unwrap_or_default();
    format!(
        "{dir}\0{}\0{}\0{}\0{}\0{}",
        o.namespace,
        at("/spec/components"),
        at("/spec/patches"),
        at("/spec/postBuild"),
        at("/spec/targetNamespace"),
    )
}

/// Adds the documents of the Kustomization's `spec.components` (a missing one is reported).
fn add_components(
    repo: &mut Repo,
    dir: &str,
    o: &Found,
    docs: &mut Vec<Doc>,
    warnings: &mut Vec<Warning>,
) {
    let comps = o
        .value
        .pointer("/spec/components")
        .and_then(Value::as_array);
    for cp in comps.into_iter().flatten().filter_map(Value::as_str) {
        let cd = join(dir, cp);
        if repo.is_dir(&cd) {
            docs.extend(repo.build_dir(&cd, 0));
        } else {
            let message = format!("component `{cd}` not found: its resources are not imported");
            warn_at(warnings, o, message);
        }
    }
}

/// Resolves and builds the path of Kustomization `c`. None when its source is external, its
/// ExternalArtifact is not (yet) known, or the path is missing (each reported, except a not-yet
/// known artifact unless `report_unknown`).
pub(crate) fn walk_child(
    repo: &mut Repo,
    src: &mut Sources,
    objects: &[Found],
    c: usize,
    warnings: &mut Vec<Warning>,
    report_unknown: bool,
) -> Option<Vec<Doc>> {
    let o = &objects[c];
    let v = &o.value;
    let path = get_str(v, &["spec", "path"]).unwrap_or("./");
    let sk = get_str(v, &["spec", "sourceRef", "kind"]).unwrap_or("GitRepository");
    let sn = get_str(v, &["spec", "sourceRef", "name"]).unwrap_or("");
    let dir = if sk == "ExternalArtifact" {
        artifact_dir(repo, src, o, (sn, path), warnings, report_unknown)?
    } else {
        repo_dir(repo, src, o, (sk, sn, path), warnings)?
    };
    if dir == src.entry || !repo.is_dir(&dir) {
        if dir != src.entry {
            let message =
                format!("spec.path `{path}` resolves to `{dir}`, which is not in the repository");
            warn_at(warnings, o, message);
        }
        return None;
    }
    let key = build_key(&dir, o);
    if let Some(first) = src.builds.get(&key) {
        let f = &objects[*first];
        let message = format!(
            "builds `{dir}` exactly as `{}/{}` does: its objects are that one's, not walked again",
            f.namespace, f.name
        );
        warn_at(warnings, o, message);
        return None;
    }
    src.builds.insert(key, c);
    let mut docs = repo.build_dir(&dir, 0);
    src.docs_built += docs.len();
    if src.docs_built > MAX_WALK_DOCS {
        let message = format!("the walk built more than {MAX_WALK_DOCS} documents: stopped here (the rest of the graph is missing)");
        warn_at(warnings, o, message);
        return None;
    }
    add_components(repo, &dir, o, &mut docs, warnings);
    let pb = flux_postprocess(
        v,
        &mut docs,
        [&src.held, &src.seed],
        &o.namespace,
        warnings,
        &o.file,
        &mut src.subst_budget,
    );
    for (kind, name, optional) in pb.missing {
        if !src
            .misses
            .iter()
            .any(|m| m.0 == c && m.2 == name && m.1 == kind)
        {
            src.misses.push((c, kind, name, optional));
        }
    }
    Some(docs)
}

/// The source root: the deepest ancestor of the entry point (or the entry itself) under which
/// `path` exists; the repository root if none does.
fn detect_root(repo: &mut Repo, entry: &str, path: &str) -> String {
    let mut cur = entry.to_string();
    loop {
        if repo.is_dir(&join(&cur, path)) {
            return cur;
        }
        match cur.rsplit_once('/') {
            Some((up, _)) => cur = up.to_string(),
            None if !cur.is_empty() => cur = String::new(),
            None => return String::new(),
        }
    }
}
