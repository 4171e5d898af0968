//! Finding a cluster's entry point and root source the way Flux does: the Kustomization of a
//! `gotk-sync.yaml` (its `spec.path` and `sourceRef`), a FluxInstance's `spec.sync` (kind,
//! name — default `flux-system` — and path), including a FluxInstance held in the
//! `values.instance` of a flux-instance HelmRelease. The source named there is the repository
//! itself. A sync path is relative to the source's root, which is the repository root or, for
//! template trees and sub-tree artifacts, the nearest folder above the defining file under
//! which the path exists.

use super::error::ImportError;
use super::flags::instance_spec;
use super::fs::Kind;
use super::walk::{join, Repo};
use super::yaml::get_str;
use serde_json::Value;
use std::path::Path;

/// A cluster entry point found in the repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The entry folder, relative to the repository root.
    pub dir: String,
    /// The root source's kind (GitRepository, OCIRepository).
    pub source_kind: String,
    /// The root source's name.
    pub source_name: String,
    /// Where it was defined.
    pub file: String,
    /// Line.
    pub line: usize,
    /// The FluxInstance spec, when it came from one.
    pub instance: Option<Value>,
}

/// What a search looked at (for the error when nothing is found).
#[derive(Clone, Debug, Default)]
pub struct Searched {
    /// Manifest files read.
    pub files: usize,
    /// Sync definitions whose path could not be resolved: (file:line, path).
    pub unresolved: Vec<(String, String)>,
}

const MAX_SCAN_DEPTH: usize = 24;

/// Every entry point defined in the repository, sorted by folder, one per folder.
#[must_use]
pub fn find_entries(dir: &Path) -> (Vec<Entry>, Searched) {
    let mut repo = Repo::new(dir);
    let mut files = vec![];
    let mut stack = vec![(String::new(), 0usize)];
    while let Some((d, depth)) = stack.pop() {
        for (name, kind) in repo.fs.list(&d) {
            let rel = join(&d, &name);
            match kind {
                Kind::Dir if depth < MAX_SCAN_DEPTH && !name.starts_with('.') => {
                    stack.push((rel, depth + 1));
                }
                Kind::File
                    if [".yaml", ".yml", ".yaml.j2", ".yml.j2"]
                        .iter()
                        .any(|x| name.ends_with(x)) =>
                {
                    files.push(rel);
                }
                _ => {}
            }
        }
    }
    files.sort();
    let mut searched = Searched {
        files: files.len(),
        ..Searched::default()
    };
    let mut out: Vec<Entry> = vec![];
    for f in files {
        let gotk = f
            .rsplit('/')
            .next()
            .is_some_and(|n| n.starts_with("gotk-sync."));
        for d in repo.docs(&f) {
            let (path, kind, name, instance) = if let Some(spec) = instance_spec(&d.value) {
                let Some(p) = spec.pointer("/sync/path").and_then(Value::as_str) else {
                    continue;
                };
                (
                    p.to_string(),
                    get_str(spec, &["sync", "kind"]).unwrap_or("GitRepository"),
                    get_str(spec, &["sync", "name"]).unwrap_or("flux-system"),
                    Some(spec.clone()),
                )
            } else if gotk && get_str(&d.value, &["kind"]) == Some("Kustomization") {
                let v = &d.value;
                (
                    get_str(v, &["spec", "path"]).unwrap_or("./").to_string(),
                    get_str(v, &["spec", "sourceRef", "kind"]).unwrap_or("GitRepository"),
                    get_str(v, &["spec", "sourceRef", "name"]).unwrap_or("flux-system"),
                    None,
                )
            } else {
                continue;
            };
            let at = format!("{}:{}", d.file, d.line);
            match resolve(&mut repo, &d.file, &path) {
                Some(dir) if !out.iter().any(|e| e.dir == dir) => out.push(Entry {
                    dir,
                    source_kind: kind.to_string(),
                    source_name: name.to_string(),
                    file: d.file.clone(),
                    line: d.line,
                    instance,
                }),
                Some(_) => {}
                None => searched.unresolved.push((at, path)),
            }
        }
    }
    out.sort_by(|a, b| a.dir.cmp(&b.dir));
    (out, searched)
}

/// The folder a sync path names: under the nearest folder above `file` (up to the repository
/// root) where it exists.
fn resolve(repo: &mut Repo, file: &str, path: &str) -> Option<String> {
    if path.contains("${") || path.contains("j2var") || path.contains("#{") {
        return None;
    }
    let mut cur = file.rsplit_once('/').map_or("", |x| x.0).to_string();
    loop {
        let cand = join(&cur, path);
        if repo.is_dir(&cand) {
            return Some(cand);
        }
        match cur.rsplit_once('/') {
            Some((up, _)) => cur = up.to_string(),
            None if !cur.is_empty() => cur = String::new(),
            None => return None,
        }
    }
}

/// Conventional cluster folders, used when no sync definition is found.
const CONVENTIONS: &[&str] = &[
    "kubernetes/flux/cluster",
    "template/config/kubernetes/flux/cluster",
    "templates/config/kubernetes/flux/cluster",
    "clusters/*",
    "kubernetes/clusters/*",
];

/// The entry point to import when the user named none: the one sync definition, or else the
/// one conventional folder. Err: a message listing the candidates (choose with `--entry`) or
/// what was looked at.
///
/// # Errors
/// None or several entry points.
pub fn choose_entry(dir: &Path) -> Result<Entry, ImportError> {
    let (found, searched) = find_entries(dir);
    match found.len() {
        1 => return Ok(found[0].clone()),
        0 => {}
        _ => {
            return Err(ImportError::SeveralClusters(
                found
                    .iter()
                    .map(|e| format!("{} (from {}:{})", e.dir, e.file, e.line))
                    .collect(),
            ))
        }
    }
    let mut conv = vec![];
    let mut repo = Repo::new(dir);
    for c in CONVENTIONS {
        if let Some(parent) = c.strip_suffix("/*") {
            for (n, k) in repo.fs.list(parent) {
                if k == Kind::Dir {
                    conv.push(format!("{parent}/{n}"));
                }
            }
        } else if repo.is_dir(c) {
            conv.push((*c).to_string());
        }
    }
    match conv.len() {
        1 => Ok(Entry {
            dir: conv[0].clone(),
            source_kind: "GitRepository".into(),
            source_name: "flux-system".into(),
            file: String::new(),
            line: 0,
            instance: None,
        }),
        0 => {
            let unresolved = searched
                .unresolved
                .iter()
                .map(|(at, p)| format!("{at} names path `{p}`, which is not a folder here"))
                .collect::<Vec<_>>();
            Err(ImportError::NoEntryPoint {
                files: searched.files,
                unresolved,
                folders: CONVENTIONS.iter().map(|c| (*c).to_string()).collect(),
            })
        }
        _ => Err(ImportError::SeveralFolders(conv)),
    }
}
