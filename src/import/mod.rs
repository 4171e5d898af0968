//! `fluxsim import`: reads a Flux repository from an entry point (a cluster's Flux
//! Kustomization folder) the way kustomize and Flux build it, and writes a scenario that runs.
//!
//! What it emulates: kustomize `resources`/`components`/`namespace`/`patches`/`replacements`,
//! Flux's directory generator, namespace rules (parent `targetNamespace` > outermost kustomize
//! `namespace:` > `metadata.namespace` > the parent's namespace), the parent's `spec.patches`
//! (strategic merge and JSON 6902) before timing fields are read, `postBuild` substitution
//! (`${VAR}`, `${VAR:=default}`, `$${VAR}`) with `substituteFrom` ConfigMaps found in the repo,
//! `ExternalArtifact` sources remapped by ArtifactGenerator copy rules, makejinja `.j2` trees
//! (stripped: conditional branches are all kept, so the graph is a superset).
//! Problems are warnings with file and line; nothing panics.

pub mod cluster;
pub mod entry;
mod error;
pub mod flags;
pub mod fs;
pub mod helmcli;
pub mod helmfile;
pub mod patch;
pub mod profiles;
mod sources;
pub mod walk;
mod write;
pub mod yaml;

pub use error::ImportError;
pub use write::to_scenario;

use cluster::{Held, HeldMap, Known};
use serde_json::Value;
use sources::{artifact_map, walk_child, Sources};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use walk::{flux_kind, join, Repo};
use yaml::{get_str, Doc};

/// A problem found while importing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// File, relative to the repository root ("" when not file-specific).
    pub file: String,
    /// 1-based line (0 when unknown).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.file.is_empty(), self.line) {
            (true, _) => write!(f, "warning: {}", self.message),
            (false, 0) => write!(f, "warning: {}: {}", self.file, self.message),
            (false, l) => write!(f, "warning: {}:{l}: {}", self.file, self.message),
        }
    }
}

/// A Flux object found by the walk.
#[derive(Clone, Debug)]
pub struct Found {
    /// `Kustomization` or `HelmRelease`.
    pub kind: &'static str,
    /// Name (after substitution).
    pub name: String,
    /// Namespace (after Flux's rules).
    pub namespace: String,
    /// The object after patches and substitution.
    pub value: Value,
    /// Index of the Kustomization that applies it (None: the entry point / flux-system).
    pub parent: Option<usize>,
    /// File and line it came from.
    pub file: String,
    /// Line.
    pub line: usize,
    /// Resolved `dependsOn` (indices).
    pub depends_on: Vec<usize>,
}

/// The result of an import.
#[derive(Clone, Debug)]
pub struct Imported {
    /// Kustomizations and HelmReleases, in discovery order.
    pub objects: Vec<Found>,
    /// ResourceSets seen (not modelled), with their `dependsOn` entry counts.
    pub resource_sets: Vec<(String, usize)>,
    /// Problems.
    pub warnings: Vec<Warning>,
    /// kustomize-controller flags found in the repository (None: Flux's default).
    pub kustomize_flags: flags::ControllerFlags,
    /// helm-controller flags found in the repository.
    pub helm_flags: flags::ControllerFlags,
    /// The root source (kind, name): the repository itself.
    pub root_source: (String, String),
    /// Source-root prefix used.
    pub source_root: String,
    /// Number of `.j2` templates read by stripping.
    pub jinja_files: usize,
    /// The ConfigMaps and Secrets the cluster will have (for `postBuild.substituteFrom`).
    pub held: HeldMap,
    /// What the repository's helmfiles install before Flux.
    pub pre_flux: helmfile::PreFlux,
}

impl Imported {
    /// Kustomization count.
    #[must_use]
    pub fn kustomizations(&self) -> usize {
        self.objects
            .iter()
            .filter(|o| o.kind == "Kustomization")
            .count()
    }
    /// HelmRelease count.
    #[must_use]
    pub fn helm_releases(&self) -> usize {
        self.objects
            .iter()
            .filter(|o| o.kind == "HelmRelease")
            .count()
    }
    /// Resolved `dependsOn` edges.
    #[must_use]
    pub fn edges(&self) -> usize {
        self.objects.iter().map(|o| o.depends_on.len()).sum()
    }
}

/// Import settings.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// Entry point directory, relative to the repository root.
    pub entry: String,
    /// Source-root prefix (where the root source's paths start); None: detect.
    pub source_root: Option<String>,
}

/// The controllers' flags: FluxInstances (the entry's own sync definition and any the walk
/// reached), then kustomize patches of the controller Deployments met by the walk.
fn find_flags(
    repo: &mut Repo,
    instances: &[(Value, String, usize)],
) -> (flags::ControllerFlags, flags::ControllerFlags) {
    let mut sources = vec![];
    for (spec, file, line) in instances {
        sources.extend(flags::instance_sources(spec, file, *line));
    }
    for (patch, target, has_target, file) in std::mem::take(&mut repo.controller_patches) {
        sources.push(flags::FlagSource::Patch {
            patch,
            target: Box::new(target),
            has_target,
            file,
        });
    }
    let mut texts: BTreeMap<String, String> = BTreeMap::new();
    let mut line_of = |file: &str, needle: &str| -> usize {
        let text = texts
            .entry(file.to_string())
            .or_insert_with(|| repo.fs.read(file).unwrap_or_default());
        text.find(needle)
            .map_or(0, |i| text[..i].matches('\n').count() + 1)
    };
    (
        flags::controller_flags("kustomize-controller", &sources, &mut line_of),
        flags::controller_flags("helm-controller", &sources, &mut line_of),
    )
}

/// Walks `dir` from `opts.entry`. `postBuild.substituteFrom` is resolved against every
/// ConfigMap and Secret the cluster will have, whichever Kustomization applies it and wherever
/// the walk meets it: a first walk collects them; when a reference was met before its object,
/// a second walk starts with all of them known (SPEC R5b: whether it exists in time is the
/// simulation's business). A reference nothing applies is kept for the scenario (a build
/// failure until it exists) unless a listed file missing from this copy of the repository has
/// its name (then it is assumed present and marked as a guess).
#[must_use]
pub fn import(dir: &Path, opts: &ImportOptions) -> Imported {
    let first = walk(dir, opts, HeldMap::new());
    let late = first.misses.iter().any(|(c, kind, name, _)| {
        first.held.contains_key(&(
            kind.clone(),
            first.imported.objects[*c].namespace.clone(),
            name.clone(),
        ))
    });
    let mut w = if late {
        let seed = first.held.clone();
        walk(dir, opts, seed)
    } else {
        first
    };
    resolve_substitute_from(dir, &mut w);
    cluster::self_applied(
        &mut Repo::new(dir),
        &w.imported.objects,
        &mut w.held,
        &mut w.imported.warnings,
    );
    let mut imp = w.imported;
    imp.pre_flux = helmfile::find(&mut Repo::new(dir), &w.root_prefix);
    pre_flux_warnings(&mut imp);
    sanitize(&mut imp);
    break_cycles(&mut imp);
    imp.held = w.held;
    imp.warnings = dedupe(std::mem::take(&mut imp.warnings));
    imp
}

/// Checks that `dir` is a directory and `entry` a directory under it, before an import.
///
/// # Errors
/// [`ImportError::NotADirectory`], [`ImportError::EntryNotADirectory`].
pub fn check_dirs(dir: &str, entry: &str) -> Result<(), ImportError> {
    let root = Path::new(dir);
    if !root.is_dir() {
        return Err(ImportError::NotADirectory(dir.to_string()));
    }
    if !root.join(entry).is_dir() {
        return Err(ImportError::EntryNotADirectory {
            entry: entry.to_string(),
            dir: dir.to_string(),
        });
    }
    Ok(())
}

/// One walk's result.
struct Walk {
    imported: Imported,
    held: HeldMap,
    misses: Vec<(usize, String, String, bool)>,
    /// Listed paths that are not in the repository.
    missing_paths: Vec<String>,
    /// Where the root source's paths start ("" for the repository root).
    root_prefix: String,
}

/// Says what the helmfiles install before Flux and which HelmReleases adopt it.
fn pre_flux_warnings(imp: &mut Imported) {
    let mut files: Vec<(String, usize)> = vec![];
    for r in &imp.pre_flux.releases {
        if !files.iter().any(|f| f.0 == r.file) {
            files.push((r.file.clone(), r.line));
        }
    }
    for (file, line) in files {
        let names: Vec<String> = imp
            .pre_flux
            .releases
            .iter()
            .filter(|r| r.file == file)
            .map(|r| format!("{}/{}", r.namespace, r.name))
            .collect();
        let adopters: Vec<String> = imp
            .objects
            .iter()
            .filter(|o| o.kind == "HelmRelease")
            .filter(|o| {
                let (n, ns) = write::release_of(o);
                imp.pre_flux
                    .adopted(&n, &ns)
                    .is_some_and(|r| r.file == file)
            })
            .map(|o| format!("{}/{}", o.namespace, o.name))
            .collect();
        let what = if helmcli::is_script(&file) {
            "script"
        } else if file.ends_with("kustomization.yaml") || file.ends_with("kustomization.yml") {
            "kustomization (helmCharts)"
        } else {
            "helmfile"
        };
        imp.warnings.push(Warning { file, line, message: format!("assumed: this {what} installs {} chart(s) before Flux starts ({}), one after another: written under bootstrap: with GUESSED readiness; {} HelmRelease(s) adopt one ({}) and upgrade an already-ready release", names.len(), names.join(", "), adopters.len(), if adopters.is_empty() { "none".to_string() } else { adopters.join(", ") }) });
    }
    for (file, n) in imp.pre_flux.crds_only.clone() {
        imp.warnings.push(Warning { file, line: 0, message: format!("assumed: the CRDs of this helmfile's {n} chart(s) are applied before Flux (not modelled: they exist when Flux starts)") });
    }
}

/// Decides each substituteFrom reference nothing in the walk applies: created before Flux when
/// a bootstrap file names it; a guess when a listed but absent file has its name; else a
/// warning (the scenario keeps the reference).
fn resolve_substitute_from(dir: &Path, w: &mut Walk) {
    let mut repo = Repo::new(dir);
    for (c, kind, name, optional) in std::mem::take(&mut w.misses) {
        let o = &w.imported.objects[c];
        let key = (kind.clone(), o.namespace.clone(), name.clone());
        if w.held.contains_key(&key) {
            continue;
        }
        if let Some((file, line)) = cluster::find_pre_flux(&mut repo, &name) {
            w.imported.warnings.push(Warning { file: o.file.clone(), line: o.line, message: format!("assumed: postBuild.substituteFrom {kind} `{name}` of `{}/{}` is created before Flux, by {file}:{line}, which names it (written under bootstrap:)", o.namespace, o.name) });
            w.held.insert(
                key,
                Held {
                    data: None,
                    known: Known::PreFlux,
                    applier: None,
                    file,
                    line,
                },
            );
            continue;
        }
        let stem = |p: &str| {
            let f = p.rsplit('/').next().unwrap_or(p);
            f.split('.').next().unwrap_or(f).to_string()
        };
        if let Some(p) = w.missing_paths.iter().find(|p| stem(p) == name) {
            w.imported.warnings.push(Warning { file: o.file.clone(), line: o.line, message: format!("GUESSED: postBuild.substituteFrom {kind} `{name}` of `{}/{}` is assumed to be `{p}`, which is listed but not in this copy of the repository (written under bootstrap:)", o.namespace, o.name) });
            w.held.insert(
                key,
                Held {
                    data: None,
                    known: Known::Guessed,
                    applier: None,
                    file: p.clone(),
                    line: 0,
                },
            );
        } else if !optional {
            // A cluster that bootstraps has it, so it was made outside the repository (by
            // hand, a bootstrap tool, a secret manager). Assume so, say so, and let the user
            // remove it from bootstrap: to see the build fail.
            w.imported.warnings.push(Warning { file: o.file.clone(), line: o.line, message: format!("GUESSED: postBuild.substituteFrom {kind} `{name}` of `{}/{}` is created by nothing in the repository; assumed created before Flux (written under bootstrap:). If your cluster does not have it, remove it from bootstrap: and Flux fails this build until it exists", o.namespace, o.name) });
            w.held.insert(
                key,
                Held {
                    data: None,
                    known: Known::Outside,
                    applier: None,
                    file: o.file.clone(),
                    line: o.line,
                },
            );
        }
    }
}

/// Timing and strategy fields Flux would reject (not a positive duration: a number, `0s`, an
/// unresolved `${VAR}` that became "", a misspelled strategy) are dropped with a warning, so
/// Flux's default applies and the written scenario always validates.
fn sanitize(imp: &mut Imported) {
    for o in &mut imp.objects {
        let fields: &[&str] = if o.kind == "Kustomization" {
            &["/spec/interval", "/spec/retryInterval", "/spec/timeout"]
        } else {
            &["/spec/interval", "/spec/timeout", "/spec/install/timeout"]
        };
        for f in fields {
            let Some(v) = o.value.pointer(f) else {
                continue;
            };
            let ok = v
                .as_str()
                .is_some_and(|s| crate::time::parse_duration(s).is_ok_and(|d| d > 0));
            if !ok {
                let shown = v.to_string();
                drop_field(&mut o.value, f);
                imp.warnings.push(Warning {
                    file: o.file.clone(),
                    line: o.line,
                    message: format!(
                        "{} `{}/{}`: `{}` is {shown}, not a positive duration: Flux's default used",
                        o.kind,
                        o.namespace,
                        o.name,
                        f.trim_start_matches('/').replace('/', ".")
                    ),
                });
            }
        }
        let p = "/spec/install/strategy/name";
        if let Some(v) = o.value.pointer(p) {
            if !matches!(v.as_str(), Some("RemediateOnFailure" | "RetryOnFailure")) {
                let shown = v.to_string();
                drop_field(&mut o.value, p);
                imp.warnings.push(Warning { file: o.file.clone(), line: o.line, message: format!("HelmRelease `{}/{}`: install strategy {shown} is not RemediateOnFailure or RetryOnFailure: the default (RemediateOnFailure) used", o.namespace, o.name) });
            }
        }
    }
}

fn drop_field(v: &mut Value, pointer: &str) {
    if let Some((parent, last)) = pointer.rsplit_once('/') {
        if let Some(Value::Object(m)) = v.pointer_mut(parent) {
            m.remove(last);
        }
    }
}

/// A `dependsOn` cycle would wait forever: the edge that closes each cycle (in discovery
/// order) is dropped with a warning naming the cycle.
fn break_cycles(imp: &mut Imported) {
    let n = imp.objects.len();
    // 0 = unvisited, 1 = on the stack, 2 = done. Iterative DFS: (node, next edge).
    let mut state = vec![0u8; n];
    for root in 0..n {
        if state[root] != 0 {
            continue;
        }
        let mut stack = vec![(root, 0usize)];
        state[root] = 1;
        while let Some(&(u, k)) = stack.last() {
            let top = stack.len() - 1;
            let Some(&v) = imp.objects[u].depends_on.get(k) else {
                state[u] = 2;
                stack.pop();
                continue;
            };
            match state[v] {
                0 => {
                    stack[top].1 += 1;
                    state[v] = 1;
                    stack.push((v, 0));
                }
                1 => {
                    let from = stack.iter().position(|(x, _)| *x == v).unwrap_or(0);
                    let cycle: Vec<String> = stack[from..]
                        .iter()
                        .map(|(x, _)| {
                            format!("{}/{}", imp.objects[*x].namespace, imp.objects[*x].name)
                        })
                        .chain(std::iter::once(format!(
                            "{}/{}",
                            imp.objects[v].namespace, imp.objects[v].name
                        )))
                        .collect();
                    let o = &imp.objects[u];
                    imp.warnings.push(Warning {
                        file: o.file.clone(),
                        line: o.line,
                        message: format!(
                            "dependsOn cycle {}: Flux would wait forever; the last edge is dropped",
                            cycle.join(" → ")
                        ),
                    });
                    imp.objects[u].depends_on.remove(k);
                }
                _ => stack[top].1 += 1,
            }
        }
    }
}

/// One line per cause: identical messages are merged into the first, which keeps its file and
/// line and counts the others (`and 2 more like it`, `and 29 more like it, in 29 other files`).
/// A message that names its subject in backticks (a component path, a Secret) is the same
/// cause in any file; one that does not (a symlink not followed) is about its own file, so it
/// is merged only with its like in that file.
fn dedupe(ws: Vec<Warning>) -> Vec<Warning> {
    struct Seen {
        first: Warning,
        more: usize,
        files: BTreeSet<String>,
    }
    let mut out: Vec<Seen> = vec![];
    let mut at: BTreeMap<(String, String), usize> = BTreeMap::new();
    for w in ws {
        let file = if w.message.contains('`') {
            String::new()
        } else {
            w.file.clone()
        };
        let key = (file, w.message.clone());
        match at.get(&key) {
            Some(&i) => {
                let seen = &mut out[i];
                seen.more += 1;
                if w.file != seen.first.file {
                    seen.files.insert(w.file);
                }
            }
            None => {
                at.insert(key, out.len());
                out.push(Seen {
                    first: w,
                    more: 0,
                    files: BTreeSet::new(),
                });
            }
        }
    }
    out.into_iter()
        .map(
            |Seen {
                 mut first,
                 more,
                 files,
             }| {
                match (more, files.len()) {
                    (0, _) => {}
                    (n, 0) => first.message.push_str(&format!(" (and {n} more like it)")),
                    (n, 1) => first
                        .message
                        .push_str(&format!(" (and {n} more like it, in 1 other file)")),
                    (n, f) => first
                        .message
                        .push_str(&format!(" (and {n} more like it, in {f} other files)")),
                }
                first
            },
        )
        .collect()
}

fn walk(dir: &Path, opts: &ImportOptions, seed: HeldMap) -> Walk {
    let mut repo = Repo::new(dir);
    let entry = join("", &opts.entry);
    let mut warnings = vec![];
    if !repo.is_dir(&entry) {
        warnings.push(Warning {
            file: entry.clone(),
            line: 0,
            message: "entry point is not a directory".into(),
        });
    }
    // The entry's own sync definition (gotk-sync.yaml or a FluxInstance) names the root
    // source and may carry the controllers' settings.
    let (defined, _) = entry::find_entries(dir);
    let own = defined.into_iter().find(|e| e.dir == entry);
    let root_source = own.as_ref().map_or_else(
        || ("GitRepository".to_string(), "flux-system".to_string()),
        |e| (e.source_kind.clone(), e.source_name.clone()),
    );
    let mut instances: Vec<(Value, String, usize)> = own
        .and_then(|e| e.instance.map(|i| (i, e.file, e.line)))
        .into_iter()
        .collect();
    let root_docs = repo.build_dir(&entry, 0);
    let mut objects: Vec<Found> = vec![];
    let mut index: Index = BTreeMap::new();
    let mut resource_sets = vec![];
    // Source roots per (kind, name) are detected on first use unless forced.
    let mut src = Sources {
        entry: entry.clone(),
        root_name: root_source.1.clone(),
        forced_root: opts.source_root.clone().map(|s| join("", &s)),
        roots: BTreeMap::new(),
        artifacts: artifact_map(&root_docs),
        held: HeldMap::new(),
        builds: BTreeMap::new(),
        docs_built: 0,
        subst_budget: sources::MAX_SUBST_BYTES,
        seed,
        misses: vec![],
    };
    let mut deferred: Vec<usize> = vec![];
    // Work list: (documents built for a parent, parent index).
    let mut work: Vec<(Vec<Doc>, Option<usize>)> = vec![(root_docs, None)];
    let mut guard = 0usize;
    while let Some((docs, parent)) = work.pop() {
        guard += 1;
        if guard > 20_000 {
            warnings.push(Warning {
                file: String::new(),
                line: 0,
                message: "stopped after 20000 units (loop in the repository?)".into(),
            });
            break;
        }
        src.artifacts.extend(artifact_map(&docs));
        for d in &docs {
            if let Some(spec) = flags::instance_spec(&d.value) {
                if !instances
                    .iter()
                    .any(|(_, f, l)| *f == d.file && *l == d.line)
                {
                    instances.push((spec.clone(), d.file.clone(), d.line));
                }
            }
        }
        let parent_ns = parent.map_or_else(
            || "flux-system".to_string(),
            |p| objects[p].namespace.clone(),
        );
        cluster::collect(&docs, &parent_ns, parent, &mut src.held);
        let children = add_objects(
            docs,
            parent,
            &parent_ns,
            &mut objects,
            &mut index,
            &mut resource_sets,
            &mut warnings,
        );
        // Walk each child Kustomization's path.
        for &c in children.iter().rev() {
            if objects[c].kind == "Kustomization" {
                if let Some(docs) =
                    walk_child(&mut repo, &mut src, &objects, c, &mut warnings, false)
                {
                    work.push((docs, Some(c)));
                } else if get_str(&objects[c].value, &["spec", "sourceRef", "kind"])
                    == Some("ExternalArtifact")
                {
                    deferred.push(c);
                }
            }
        }
        // ExternalArtifacts whose ArtifactGenerator the walk found later.
        if work.is_empty() && !deferred.is_empty() {
            let pending = std::mem::take(&mut deferred);
            let last_round = pending.iter().all(|c| {
                !src.artifacts.contains_key(
                    get_str(&objects[*c].value, &["spec", "sourceRef", "name"]).unwrap_or(""),
                )
            });
            for c in pending {
                match walk_child(&mut repo, &mut src, &objects, c, &mut warnings, last_round) {
                    Some(docs) => work.push((docs, Some(c))),
                    None if !last_round => deferred.push(c),
                    None => {}
                }
            }
        }
    }
    resolve_depends_on(&mut objects, &index, &mut warnings);
    let (kustomize_flags, helm_flags) = find_flags(&mut repo, &instances);
    let mut all_warnings = repo.fs.warnings;
    all_warnings.extend(repo.warnings);
    all_warnings.extend(warnings);
    if !repo.missing.is_empty() {
        all_warnings.push(Warning { file: String::new(), line: 0, message: format!("{} referenced paths are not in the repository (plain manifests: treated as opaque, e.g. `{}`)", repo.missing.len(), repo.missing.keys().next().cloned().unwrap_or_default()) });
    }
    if repo.jinja_files > 0 {
        all_warnings.push(Warning { file: String::new(), line: 0, message: format!("{} makejinja (.j2) templates were read by stripping `#% %#` blocks and replacing `#{{ }}#` expressions: every conditional branch is kept, so the graph is a superset", repo.jinja_files) });
    }
    let root_prefix = src.roots.get(&root_source).cloned().unwrap_or_default();
    let source_root = src
        .roots
        .iter()
        .map(|((k, n), r)| format!("{k}/{n} → `{r}/`"))
        .collect::<Vec<_>>()
        .join(", ");
    Walk {
        imported: Imported {
            objects,
            resource_sets,
            warnings: all_warnings,
            kustomize_flags,
            helm_flags,
            root_source,
            source_root,
            jinja_files: repo.jinja_files,
            held: HeldMap::new(),
            pre_flux: helmfile::PreFlux::default(),
        },
        held: src.held,
        misses: src.misses,
        missing_paths: repo.missing.keys().cloned().collect(),
        root_prefix,
    }
}

/// Flux objects by (kind, namespace, name) → index.
type Index = BTreeMap<(&'static str, String, String), usize>;

/// Adds the Flux objects among `docs` (applied by `parent`) and returns the new ones' indices.
/// An object already applied by another owner is a warning; ResourceSets are listed, not
/// modelled.
fn add_objects(
    docs: Vec<Doc>,
    parent: Option<usize>,
    parent_ns: &str,
    objects: &mut Vec<Found>,
    index: &mut Index,
    resource_sets: &mut Vec<(String, usize)>,
    warnings: &mut Vec<Warning>,
) -> Vec<usize> {
    let mut children = vec![];
    for d in docs {
        let Some(kind) = flux_kind(&d.value) else {
            continue;
        };
        let name = get_str(&d.value, &["metadata", "name"])
            .unwrap_or("")
            .to_string();
        let ns = get_str(&d.value, &["metadata", "namespace"])
            .map_or_else(|| parent_ns.to_string(), str::to_string);
        if kind == "ResourceSet" {
            let n = d
                .value
                .pointer("/spec/dependsOn")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            if resource_sets
                .iter()
                .any(|r: &(String, usize)| r.0 == format!("{ns}/{name}"))
            {
                continue;
            }
            resource_sets.push((format!("{ns}/{name}"), n));
            warnings.push(Warning { file: d.file.clone(), line: d.line, message: format!("ResourceSet `{ns}/{name}` is not modelled (its objects are generated at run time; {n} dependsOn entries skipped)") });
            continue;
        }
        if kind == "ArtifactGenerator" {
            continue;
        }
        if d.value.get("spec").is_none() {
            continue; // a patch-only document
        }
        if name.is_empty() || name.contains("${") {
            warnings.push(Warning {
                file: d.file.clone(),
                line: d.line,
                message: format!("{kind} with unresolved name `{name}` skipped"),
            });
            continue;
        }
        let key = (kind, ns.clone(), name.clone());
        if let Some(&prev) = index.get(&key) {
            let owner = |p: Option<usize>| {
                p.map_or("the entry point".to_string(), |i| {
                    format!(
                        "Kustomization `{}/{}`",
                        objects[i].namespace, objects[i].name
                    )
                })
            };
            warnings.push(Warning {
                file: d.file.clone(),
                line: d.line,
                message: format!(
                    "{kind} `{ns}/{name}` is applied by two owners: kept the first, {} (this one is applied by {})",
                    owner(objects[prev].parent),
                    if parent.is_some() { "another Kustomization" } else { "the entry point" }
                ),
            });
            continue;
        }
        index.insert(key, objects.len());
        children.push(objects.len());
        objects.push(Found {
            kind,
            name,
            namespace: ns,
            value: d.value,
            parent,
            file: d.file,
            line: d.line,
            depends_on: vec![],
        });
    }
    children
}

/// Resolves each object's `dependsOn` to indices; a dangling entry is a warning.
fn resolve_depends_on(objects: &mut [Found], index: &Index, warnings: &mut Vec<Warning>) {
    #[allow(clippy::needless_range_loop)]
    for i in 0..objects.len() {
        let o = &objects[i];
        let deps = o
            .value
            .pointer("/spec/dependsOn")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut res = vec![];
        for d in deps {
            let (name, dns) = match &d {
                Value::String(s) => (s.clone(), o.namespace.clone()),
                _ => (
                    get_str(&d, &["name"]).unwrap_or("").to_string(),
                    get_str(&d, &["namespace"]).map_or_else(|| o.namespace.clone(), str::to_string),
                ),
            };
            match index.get(&(o.kind, dns.clone(), name.clone())) {
                Some(&t) if t != i => {
                    if !res.contains(&t) {
                        res.push(t);
                    }
                }
                _ => warnings.push(Warning { file: o.file.clone(), line: o.line, message: format!("{} `{}/{}` dependsOn `{dns}/{name}`, which the walk did not find (dangling edge dropped)", o.kind, o.namespace, o.name) }),
            }
        }
        objects[i].depends_on = res;
    }
}

#[cfg(test)]
mod tests {
    use super::{dedupe, Warning};

    fn w(file: &str, line: usize, message: &str) -> Warning {
        Warning {
            file: file.into(),
            line,
            message: message.into(),
        }
    }

    /// Issue 15.6: one line per cause with a count. The same missing component named by three
    /// Kustomizations in two files is one warning at the first place; a message that names no
    /// subject is merged only within its file.
    #[test]
    fn one_line_per_cause_with_a_count() {
        let out = dedupe(vec![
            w("a/ks.yaml", 2, "component `c/x` not found"),
            w("b/ks.yaml", 4, "other cause"),
            w("a/ks.yaml", 9, "component `c/x` not found"),
            w("c/ks.yaml", 2, "component `c/x` not found"),
            w("b/ks.yaml", 7, "other cause"),
            w("d/ks.yaml", 1, "other cause"),
        ]);
        let got: Vec<(String, usize, String)> = out
            .into_iter()
            .map(|w| (w.file, w.line, w.message))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "a/ks.yaml".into(),
                    2,
                    "component `c/x` not found (and 2 more like it, in 1 other file)".into()
                ),
                (
                    "b/ks.yaml".into(),
                    4,
                    "other cause (and 1 more like it)".into()
                ),
                ("d/ks.yaml".into(), 1, "other cause".into()),
            ]
        );
    }
}
