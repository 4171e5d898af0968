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

pub mod entry;
pub mod flags;
pub mod fs;
pub mod patch;
pub mod profiles;
pub mod walk;
pub mod yaml;

use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use walk::{flux_kind, flux_postprocess, join, Repo};
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

/// ConfigMap data by (namespace, name), for `postBuild.substituteFrom`.
type ConfigMaps = BTreeMap<(String, String), BTreeMap<String, String>>;

/// What resolving a child Kustomization's path needs besides the repository: where each
/// source's paths start, the ArtifactGenerator rules and the ConfigMaps seen so far.
struct Sources {
    entry: String,
    root_name: String,
    forced_root: Option<String>,
    roots: BTreeMap<(String, String), String>,
    artifacts: Artifacts,
    configmaps: ConfigMaps,
}

/// ExternalArtifact name → copy rules (source kind, source name, from, to).
type Artifacts = BTreeMap<String, Vec<(String, String, String, String)>>;

fn artifact_map(docs: &[Doc]) -> Artifacts {
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

/// Walks `dir` from `opts.entry`.
#[must_use]
#[allow(clippy::too_many_lines)]
pub fn import(dir: &Path, opts: &ImportOptions) -> Imported {
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
    let mut index: BTreeMap<(&'static str, String, String), usize> = BTreeMap::new();
    let mut resource_sets = vec![];
    // Source roots per (kind, name) are detected on first use unless forced.
    let mut src = Sources {
        entry: entry.clone(),
        root_name: root_source.1.clone(),
        forced_root: opts.source_root.clone().map(|s| join("", &s)),
        roots: BTreeMap::new(),
        artifacts: artifact_map(&root_docs),
        configmaps: BTreeMap::new(),
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
        for d in &docs {
            if get_str(&d.value, &["kind"]) == Some("ConfigMap") {
                let ns = get_str(&d.value, &["metadata", "namespace"])
                    .unwrap_or("flux-system")
                    .to_string();
                let name = get_str(&d.value, &["metadata", "name"])
                    .unwrap_or("")
                    .to_string();
                let data: BTreeMap<String, String> = d
                    .value
                    .get("data")
                    .and_then(Value::as_object)
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| {
                                (
                                    k.clone(),
                                    v.as_str().map_or_else(|| v.to_string(), str::to_string),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                src.configmaps.entry((ns, name)).or_insert(data);
            }
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
        let mut children = vec![];
        for d in docs {
            let Some(kind) = flux_kind(&d.value) else {
                continue;
            };
            let name = get_str(&d.value, &["metadata", "name"])
                .unwrap_or("")
                .to_string();
            let ns = get_str(&d.value, &["metadata", "namespace"])
                .map_or_else(|| parent_ns.clone(), str::to_string);
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
                        "{kind} `{ns}/{name}` is applied by two owners ({} and {}); kept the first",
                        owner(objects[prev].parent),
                        owner(parent)
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
    // dependsOn.
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
    let source_root = src
        .roots
        .iter()
        .map(|((k, n), r)| format!("{k}/{n} → `{r}/`"))
        .collect::<Vec<_>>()
        .join(", ");
    Imported {
        objects,
        resource_sets,
        warnings: all_warnings,
        kustomize_flags,
        helm_flags,
        root_source,
        source_root,
        jinja_files: repo.jinja_files,
    }
}

/// Resolves and builds the path of Kustomization `c`. None when its source is external, its
/// ExternalArtifact is not (yet) known, or the path is missing (each reported, except a not-yet
/// known artifact unless `report_unknown`).
fn walk_child(
    repo: &mut Repo,
    src: &mut Sources,
    objects: &[Found],
    c: usize,
    warnings: &mut Vec<Warning>,
    report_unknown: bool,
) -> Option<Vec<Doc>> {
    let o = &objects[c];
    let v = &o.value;
    let path = get_str(v, &["spec", "path"]).unwrap_or("./").to_string();
    let sk = get_str(v, &["spec", "sourceRef", "kind"])
        .unwrap_or("GitRepository")
        .to_string();
    let sn = get_str(v, &["spec", "sourceRef", "name"])
        .unwrap_or("")
        .to_string();
    let mut root_of = |k: &str, n: &str, p: &str| -> String {
        if let Some(f) = &src.forced_root {
            return f.clone();
        }
        src.roots
            .entry((k.to_string(), n.to_string()))
            .or_insert_with(|| detect_root(repo, &src.entry, p))
            .clone()
    };
    let dir = if sk == "ExternalArtifact" {
        let p = join("", &path);
        let Some(rules) = src.artifacts.get(&sn) else {
            if report_unknown {
                warnings.push(Warning { file: o.file.clone(), line: o.line, message: format!("ExternalArtifact `{sn}` of `{}/{}` has no ArtifactGenerator in the walk (opaque leaf)", o.namespace, o.name) });
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
            let root = root_of(k, n, from);
            Some(join(&join(&root, from), rest))
        });
        match hit {
            Some(d) => d,
            None => {
                warnings.push(Warning {
                    file: o.file.clone(),
                    line: o.line,
                    message: format!("ExternalArtifact `{sn}` has no copy rule for path `{path}`"),
                });
                return None;
            }
        }
    } else {
        // The repository itself is the root source (named by the entry's gotk-sync.yaml or
        // FluxInstance; `flux-system` when neither is found); any other GitRepository or
        // OCIRepository is another repository.
        let known = sn == src.root_name || sn.is_empty();
        if !known {
            warnings.push(Warning { file: o.file.clone(), line: o.line, message: format!("Kustomization `{}/{}` reads the external source {sk}/{sn}: its content is not in this repository (opaque leaf)", o.namespace, o.name) });
            return None;
        }
        let root = root_of(&sk, &sn, &path);
        let cand = join(&root, &path);
        if !repo.is_dir(&cand) {
            let msg = if known {
                format!("spec.path `{path}` of `{}/{}` resolves to `{cand}`, which is not in the repository", o.namespace, o.name)
            } else {
                format!("Kustomization `{}/{}` reads the external source {sk}/{sn}: its content is not in this repository (opaque leaf)", o.namespace, o.name)
            };
            warnings.push(Warning {
                file: o.file.clone(),
                line: o.line,
                message: msg,
            });
            return None;
        }
        cand
    };
    if dir == src.entry || !repo.is_dir(&dir) {
        if dir != src.entry {
            warnings.push(Warning {
                file: o.file.clone(),
                line: o.line,
                message: format!(
                    "spec.path `{path}` resolves to `{dir}`, which is not in the repository"
                ),
            });
        }
        return None;
    }
    let mut docs = repo.build_dir(&dir, 0);
    for comp in v
        .pointer("/spec/components")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
    {
        if let Some(cp) = comp.as_str() {
            let cd = join(&dir, cp);
            if repo.is_dir(&cd) {
                docs.extend(repo.build_dir(&cd, 0));
            } else {
                warnings.push(Warning {
                    file: o.file.clone(),
                    line: o.line,
                    message: format!("component `{cp}` not found"),
                });
            }
        }
    }
    let unresolved = flux_postprocess(
        v,
        &mut docs,
        &src.configmaps,
        &o.namespace,
        warnings,
        &o.file,
    );
    if !unresolved.is_empty() {
        warnings.push(Warning {
            file: o.file.clone(),
            line: o.line,
            message: format!(
                "unresolved variables in `{}`'s children (substituted with \"\"): {}",
                o.name,
                unresolved.join(", ")
            ),
        });
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

/// One controller's settings, each with where it came from (or that it is Flux's default).
fn write_controller(y: &mut String, c: &str, f: &flags::ControllerFlags) {
    let _ = writeln!(y, "  {c}:");
    match &f.concurrent {
        Some(s) => {
            let _ = writeln!(
                y,
                "    concurrent: {}  # --concurrent from {}",
                s.value,
                comment(&s.from)
            );
        }
        None => {
            let _ = writeln!(
                y,
                "    concurrent: 4  # Flux default (no --concurrent flag found)"
            );
        }
    }
    match &f.requeue_dependency {
        Some(s) if crate::time::parse_duration(&s.value).is_ok_and(|d| d > 0) => {
            let _ = writeln!(
                y,
                "    requeueDependency: {}  # --requeue-dependency from {}",
                q(&s.value),
                comment(&s.from)
            );
        }
        Some(s) => {
            let _ = writeln!(y, "    requeueDependency: 30s  # Flux default: --requeue-dependency {} at {} is not a duration", comment(&q(&s.value)), comment(&s.from));
        }
        None => {
            let _ = writeln!(
                y,
                "    requeueDependency: 30s  # Flux default (no --requeue-dependency flag found)"
            );
        }
    }
    if !f.feature_gates.is_empty() {
        let _ = writeln!(y, "    featureGates:");
        for (g, s) in &f.feature_gates {
            let _ = writeln!(
                y,
                "      {}: {}  # from {}",
                q(g),
                s.value,
                comment(&s.from)
            );
        }
    }
}

/// Repository text made safe for a YAML comment: one line, control characters shown escaped.
fn comment(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

fn q(s: &str) -> String {
    serde_json::to_string(s).expect("string")
}

/// Writes the scenario YAML. Values Flux would default are left out (fluxsim applies the same
/// defaults); guessed values are marked.
#[must_use]
#[allow(clippy::too_many_lines)]
pub fn to_scenario(imp: &Imported, repo_name: &str, entry: &str) -> String {
    let mut y = String::new();
    let _ = writeln!(
        y,
        "# Imported by `fluxsim import` from {repo_name}, entry point `{entry}`."
    );
    let _ = writeln!(
        y,
        "# {} Kustomizations, {} HelmReleases, {} dependsOn edges. Timing fields come from the",
        imp.kustomizations(),
        imp.helm_releases(),
        imp.edges()
    );
    let _ = writeln!(y, "# manifests (after the parents' spec.patches and postBuild substitution); absent ones take");
    let _ = writeln!(
        y,
        "# Flux's defaults. Workload readiness times are GUESSED from chart names (see"
    );
    let _ = writeln!(
        y,
        "# `fluxsim::import::profiles`): edit them to match your cluster."
    );
    if !imp.resource_sets.is_empty() {
        let _ = writeln!(
            y,
            "# Not modelled: {} ResourceSet(s): {}.",
            imp.resource_sets.len(),
            imp.resource_sets
                .iter()
                .map(|r| r.0.clone())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let _ = writeln!(y, "name: {}", q(&format!("{repo_name}:{entry}")));
    let _ = writeln!(y, "horizon: 6h");
    let _ = writeln!(y, "controllers:");
    for (c, f) in [
        ("kustomize", &imp.kustomize_flags),
        ("helm", &imp.helm_flags),
    ] {
        write_controller(&mut y, c, f);
    }
    let ks: Vec<usize> = (0..imp.objects.len())
        .filter(|i| imp.objects[*i].kind == "Kustomization")
        .collect();
    let hr: Vec<usize> = (0..imp.objects.len())
        .filter(|i| imp.objects[*i].kind == "HelmRelease")
        .collect();
    let spec_str = |o: &Found, p: &str| {
        o.value.pointer(p).and_then(|v| {
            v.as_str()
                .map(str::to_string)
                .or_else(|| v.as_u64().map(|n| n.to_string()))
        })
    };
    let dep_list = |o: &Found| -> String {
        o.depends_on
            .iter()
            .map(|d| {
                format!(
                    "{{name: {}, namespace: {}}}",
                    q(&imp.objects[*d].name),
                    q(&imp.objects[*d].namespace)
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut declared_workloads: std::collections::BTreeSet<String> =
        std::collections::BTreeSet::new();
    if !ks.is_empty() {
        let _ = writeln!(y, "kustomizations:");
    }
    for &i in &ks {
        let o = &imp.objects[i];
        let _ = writeln!(y, "  # {}:{}", o.file, o.line);
        let _ = writeln!(
            y,
            "  - name: {}\n    namespace: {}",
            q(&o.name),
            q(&o.namespace)
        );
        match spec_str(o, "/spec/interval") {
            Some(v) => {
                let _ = writeln!(y, "    interval: {}", q(&v));
            }
            None => {
                let _ = writeln!(
                    y,
                    "    interval: 10m  # GUESSED: spec.interval is required but absent"
                );
            }
        }
        for (f, p) in [
            ("retryInterval", "/spec/retryInterval"),
            ("timeout", "/spec/timeout"),
        ] {
            if let Some(v) = spec_str(o, p) {
                let _ = writeln!(y, "    {f}: {}", q(&v));
            }
        }
        if o.value.pointer("/spec/wait").and_then(Value::as_bool) == Some(true) {
            let _ = writeln!(y, "    wait: true");
        }
        if o.value.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true) {
            let _ = writeln!(y, "    suspend: true");
        }
        if !o.depends_on.is_empty() {
            let _ = writeln!(y, "    dependsOn: [{}]", dep_list(o));
        }
        // Health checks on imported Flux objects; other kinds become guessed workloads.
        let mut hcs = vec![];
        let mut extra = vec![];
        for h in o
            .value
            .pointer("/spec/healthChecks")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
        {
            let kind = get_str(&h, &["kind"]).unwrap_or("").to_string();
            let name = get_str(&h, &["name"]).unwrap_or("").to_string();
            let hns =
                get_str(&h, &["namespace"]).map_or_else(|| o.namespace.clone(), str::to_string);
            if kind == "HelmRelease" || kind == "Kustomization" {
                if imp
                    .objects
                    .iter()
                    .any(|x| x.kind == kind && x.name == name && x.namespace == hns)
                {
                    hcs.push(format!(
                        "{{kind: {kind}, name: {}, namespace: {}}}",
                        q(&name),
                        q(&hns)
                    ));
                }
            } else if !name.is_empty() && !name.contains("${") {
                let canon = format!("{kind}/{hns}/{name}");
                if declared_workloads.insert(canon) {
                    let (ready, _) = profiles::profile(&name);
                    extra.push(format!("{{kind: {}, name: {}, namespace: {}, ready: {ready}}}  # GUESSED readiness (health check target)", q(&kind), q(&name), q(&hns)));
                    hcs.push(format!(
                        "{{kind: {}, name: {}, namespace: {}}}",
                        q(&kind),
                        q(&name),
                        q(&hns)
                    ));
                }
            }
        }
        if !hcs.is_empty() {
            let _ = writeln!(y, "    healthChecks: [{}]", hcs.join(", "));
        }
        let children: Vec<usize> = (0..imp.objects.len())
            .filter(|c| imp.objects[*c].parent == Some(i))
            .collect();
        if !children.is_empty() || !extra.is_empty() {
            let _ = writeln!(y, "    resources:");
            for c in children {
                let co = &imp.objects[c];
                let _ = writeln!(
                    y,
                    "      - {{kind: {}, name: {}, namespace: {}}}",
                    co.kind,
                    q(&co.name),
                    q(&co.namespace)
                );
            }
            for e in extra {
                let _ = writeln!(y, "      - {e}");
            }
        }
    }
    if !hr.is_empty() {
        let _ = writeln!(y, "helmReleases:");
    }
    for &i in &hr {
        let o = &imp.objects[i];
        let chart = spec_str(o, "/spec/chart/spec/chart")
            .or_else(|| spec_str(o, "/spec/chartRef/name"))
            .unwrap_or_else(|| o.name.clone());
        let _ = writeln!(y, "  # {}:{}", o.file, o.line);
        let _ = writeln!(
            y,
            "  - name: {}\n    namespace: {}",
            q(&o.name),
            q(&o.namespace)
        );
        let _ = writeln!(
            y,
            "    interval: {}",
            q(&spec_str(o, "/spec/interval").unwrap_or_else(|| "10m".into()))
        );
        if let Some(t) = spec_str(o, "/spec/timeout") {
            let _ = writeln!(y, "    timeout: {}", q(&t));
        }
        let retries = o
            .value
            .pointer("/spec/install/remediation/retries")
            .and_then(Value::as_i64);
        let strategy = spec_str(o, "/spec/install/strategy/name");
        let itimeout = spec_str(o, "/spec/install/timeout");
        if retries.is_some() || strategy.is_some() || itimeout.is_some() {
            let _ = writeln!(y, "    install:");
            if let Some(t) = itimeout {
                let _ = writeln!(y, "      timeout: {}", q(&t));
            }
            if let Some(r) = retries {
                // A negative value means "retry forever" in Flux; RetryOnFailure is the model's equivalent.
                if r < 0 {
                    let _ = writeln!(y, "      strategy: {{name: RetryOnFailure}}  # remediation.retries: {r} (forever)");
                } else {
                    let _ = writeln!(y, "      remediation: {{retries: {r}}}");
                }
            }
            if let Some(s) = strategy.filter(|_| retries.is_none_or(|r| r >= 0)) {
                let _ = writeln!(y, "      strategy: {{name: {}}}", q(&s));
            }
        }
        let _ = writeln!(y, "    chart: {{chart: {}}}", q(&chart));
        if !o.depends_on.is_empty() {
            let _ = writeln!(y, "    dependsOn: [{}]", dep_list(o));
        }
        let tns = spec_str(o, "/spec/targetNamespace").unwrap_or_else(|| o.namespace.clone());
        let (ready, kind) = profiles::profile(&chart);
        let mut wname = o.name.clone();
        while !declared_workloads.insert(format!("{kind}/{tns}/{wname}")) {
            wname.push_str("-release");
        }
        let _ = writeln!(y, "    resources:\n      - {{kind: {kind}, name: {}, namespace: {}, ready: {ready}}}  # GUESSED from chart `{chart}`", q(&wname), q(&tns));
    }
    if ks.is_empty() && hr.is_empty() {
        let _ = writeln!(y, "kustomizations: []");
    }
    y
}
