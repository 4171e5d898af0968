//! Walking a repository the way kustomize and Flux build it, from an entry point.

use super::cluster::{HeldMap, Known};
use super::fs::{Fs, Kind};
use super::patch::{apply_patch, substitute, Target, MAX_DEPTH};
use super::yaml::{get, get_str, parse_docs, strip_jinja, Doc};
use super::Warning;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Kinds that are never namespaced (kustomize's `namespace:` leaves them alone).
pub const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleBinding",
    "ClusterIssuer",
    "ClusterSecretStore",
    "StorageClass",
    "IngressClass",
    "GatewayClass",
    "PriorityClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "APIService",
    "PersistentVolume",
    "VolumeSnapshotClass",
    "CSIDriver",
    "RuntimeClass",
];

/// Whether a document is a Flux object of interest.
#[must_use]
pub fn flux_kind(d: &Value) -> Option<&'static str> {
    let api = get_str(d, &["apiVersion"]).unwrap_or("");
    let kind = get_str(d, &["kind"]).unwrap_or("");
    match (kind, api.split('/').next().unwrap_or("")) {
        ("Kustomization", "kustomize.toolkit.fluxcd.io") => Some("Kustomization"),
        ("HelmRelease", "helm.toolkit.fluxcd.io") => Some("HelmRelease"),
        ("ResourceSet", "fluxcd.controlplane.io") => Some("ResourceSet"),
        ("ArtifactGenerator", "source.extensions.fluxcd.io") => Some("ArtifactGenerator"),
        _ => None,
    }
}

/// Most documents one folder build may produce: kustomize `resources` can include a folder
/// many times over (`resources: [., .]`, diamonds of bases), which would grow without bound.
pub const MAX_BUILD_DOCS: usize = 50_000;

/// The repository reader: files, Jinja handling, warnings.
pub struct Repo {
    /// Confined file access.
    pub fs: Fs,
    /// Problems found.
    pub warnings: Vec<Warning>,
    /// Files that were makejinja templates.
    pub jinja_files: usize,
    /// Missing resource paths (opaque leaves), counted, reported once each.
    pub missing: BTreeMap<String, (String, usize)>,
    cache: BTreeMap<String, Vec<Doc>>,
    /// Folders whose build is in progress (a folder including itself is a cycle).
    building: Vec<String>,
    /// Finished kustomize builds by folder (a folder is built once).
    built: BTreeMap<String, Vec<Doc>>,
    /// Kustomize patches that may target the Flux controllers' Deployments, in build order,
    /// with the kustomization file they are in.
    pub controller_patches: Vec<(Value, Target, bool, String)>,
}

fn norm(p: &Path) -> String {
    let mut parts: Vec<String> = vec![];
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                parts.pop();
            }
            std::path::Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    parts.join("/")
}

/// Joins a repo-relative directory and a relative path, normalising `.` and `..`.
#[must_use]
pub fn join(dir: &str, rel: &str) -> String {
    let rel = rel.trim().trim_matches('"').trim_matches('\'');
    norm(&Path::new(dir).join(rel.trim_start_matches("./")))
}

impl Repo {
    /// A reader for `root`.
    #[must_use]
    pub fn new(root: &Path) -> Repo {
        Repo {
            fs: Fs::new(root),
            warnings: vec![],
            jinja_files: 0,
            missing: BTreeMap::new(),
            cache: BTreeMap::new(),
            building: vec![],
            built: BTreeMap::new(),
            controller_patches: vec![],
        }
    }

    /// The file at `rel`, or its `.j2` template.
    pub fn file(&mut self, rel: &str) -> Option<String> {
        [rel.to_string(), format!("{rel}.j2")]
            .into_iter()
            .find(|cand| self.fs.is_file(cand))
    }

    /// Whether `rel` is a directory.
    pub fn is_dir(&mut self, rel: &str) -> bool {
        self.fs.is_dir(rel)
    }

    fn warn(&mut self, file: &str, line: usize, msg: String) {
        self.warnings.push(Warning {
            file: file.to_string(),
            line,
            message: msg,
        });
    }

    /// Parsed documents of a file (cached).
    pub fn docs(&mut self, rel: &str) -> Vec<Doc> {
        if let Some(d) = self.cache.get(rel) {
            return d.clone();
        }
        let Some(text) = self.fs.read(rel) else {
            self.cache.insert(rel.to_string(), vec![]);
            return vec![];
        };
        let text = if rel.ends_with(".j2") {
            let (t, stripped) = strip_jinja(&text);
            if stripped {
                self.jinja_files += 1;
            }
            t
        } else {
            text
        };
        let (docs, problems) = parse_docs(rel, &text);
        for (line, msg) in problems {
            self.warn(rel, line, format!("document skipped: {msg}"));
        }
        self.cache.insert(rel.to_string(), docs.clone());
        docs
    }

    fn kustomization_file(&mut self, dir: &str) -> Option<String> {
        ["kustomization.yaml", "kustomization.yml", "Kustomization"]
            .iter()
            .find_map(|f| self.file(&join(dir, f)))
    }

    /// Builds a directory as Flux does: kustomize if it has a kustomization file, else Flux's
    /// generator (every manifest in it and below; a subdirectory with a kustomization file is
    /// built as one unit).
    pub fn build_dir(&mut self, dir: &str, depth: usize) -> Vec<Doc> {
        if depth > 40 {
            self.warn(dir, 0, "directory nesting too deep; stopped".into());
            return vec![];
        }
        if self.building.iter().any(|b| b == dir) {
            self.warn(
                dir,
                0,
                "folder includes itself (a resources cycle): not built again".into(),
            );
            return vec![];
        }
        if let Some(k) = self.kustomization_file(dir) {
            if let Some(d) = self.built.get(dir) {
                return d.clone();
            }
            self.building.push(dir.to_string());
            let out = self.kustomize(dir, &k, depth);
            self.building.pop();
            self.built.insert(dir.to_string(), out.clone());
            return out;
        }
        let mut out = vec![];
        for (name, kind) in self.fs.list(dir) {
            let rel = join(dir, &name);
            if kind == Kind::Dir {
                self.building.push(dir.to_string());
                out.extend(self.build_dir(&rel, depth + 1));
                self.building.pop();
            } else if [".yaml", ".yml", ".yaml.j2", ".yml.j2"]
                .iter()
                .any(|x| name.ends_with(x))
            {
                out.extend(self.docs(&rel));
            }
            if out.len() > MAX_BUILD_DOCS {
                break;
            }
        }
        out
    }

    fn resource(&mut self, base: &str, r: &str, from: &str, depth: usize) -> Vec<Doc> {
        if r.contains("://") || r.starts_with("github.com") || r.starts_with("git@") {
            self.warn(from, 0, format!("remote resource `{r}` not followed"));
            return vec![];
        }
        let p = join(base, r);
        if let Some(f) = self.file(&p) {
            return self.docs(&f);
        }
        if self.is_dir(&p) {
            if p == base || self.building.contains(&p) {
                self.warn(
                    from,
                    0,
                    format!("resource `{r}` is the folder itself or one that includes it (a cycle): skipped"),
                );
                return vec![];
            }
            return self.build_dir(&p, depth + 1);
        }
        self.missing
            .entry(p)
            .or_insert_with(|| (from.to_string(), 0));
        vec![]
    }

    fn kustomize(&mut self, dir: &str, kfile: &str, depth: usize) -> Vec<Doc> {
        let kdocs = self.docs(kfile);
        let Some(k) = kdocs.first().map(|d| d.value.clone()) else {
            return vec![];
        };
        let mut out = vec![];
        let list = |v: &Value, key: &str| -> Vec<String> {
            v.get(key)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let entries = list(&k, "resources")
            .into_iter()
            .chain(list(&k, "bases"))
            .chain(list(&k, "components"));
        // kustomize refuses a second object with the same identity ("already registered id"):
        // keep the first, so that a base included twice does not double the build.
        let mut seen: BTreeSet<(String, String, String, String)> = BTreeSet::new();
        let mut dropped = 0usize;
        for r in entries {
            for d in self.resource(dir, &r, kfile, depth) {
                let id = identity(&d.value);
                if id.3.is_empty() || seen.insert(id) {
                    out.push(d);
                } else {
                    dropped += 1;
                }
            }
            if out.len() > MAX_BUILD_DOCS {
                self.warn(
                    kfile,
                    0,
                    format!("the build of `{dir}` passed {MAX_BUILD_DOCS} documents: stopped"),
                );
                out.truncate(MAX_BUILD_DOCS);
                break;
            }
        }
        if dropped > 0 {
            self.warn(
                kfile,
                0,
                format!("{dropped} documents are included twice (kustomize refuses this); kept the first of each"),
            );
        }
        if let Some(ns) = get_str(&k, &["namespace"]) {
            for d in &mut out {
                set_namespace(&mut d.value, ns);
            }
        }
        // patches (and the older patchesStrategicMerge / patchesJson6902).
        let mut patches: Vec<PatchDoc> = vec![];
        for p in k
            .get("patches")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
        {
            if let Some(path) = get_str(&p, &["path"]).filter(|_| p.get("patch").is_none()) {
                let (target, has_target) = (
                    Target::from_value(p.get("target")),
                    p.get("target").is_some(),
                );
                match self.file(&join(dir, path)) {
                    Some(f) => patches.extend(
                        self.docs(&f)
                            .into_iter()
                            .map(|d| (d.value, target.clone(), has_target)),
                    ),
                    None => self.warn(kfile, 0, format!("patch file `{path}` not found")),
                }
            } else {
                patches.extend(inline_patch(&p, kfile));
            }
        }
        for path in list(&k, "patchesStrategicMerge") {
            if let Some(f) = self.file(&join(dir, &path)) {
                patches.extend(
                    self.docs(&f)
                        .into_iter()
                        .map(|d| (d.value, Target::default(), false)),
                );
            }
        }
        for (p, t, has) in &patches {
            if may_target_controller(p, t, *has) {
                self.controller_patches
                    .push((p.clone(), t.clone(), *has, kfile.to_string()));
            }
        }
        apply_patches(&mut out, &patches, kfile, "patch", &mut self.warnings);
        replacements(&k, &mut out);
        out
    }
}

/// An object's identity (apiVersion, kind, namespace, name).
fn identity(v: &Value) -> (String, String, String, String) {
    let g = |p: &[&str]| get_str(v, p).unwrap_or("").to_string();
    (
        g(&["apiVersion"]),
        g(&["kind"]),
        g(&["metadata", "namespace"]),
        g(&["metadata", "name"]),
    )
}

/// Whether a patch could apply to the kustomize-controller or helm-controller Deployment.
fn may_target_controller(patch: &Value, target: &Target, has_target: bool) -> bool {
    ["kustomize-controller", "helm-controller"].iter().any(|c| {
        let d = serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": c, "namespace": "flux-system"}});
        if has_target {
            target.matches(&d)
        } else {
            get_str(patch, &["kind"]) == Some("Deployment")
                && get_str(patch, &["metadata", "name"]) == Some(c)
        }
    })
}

/// A patch document with its target and whether a target was given.
pub(crate) type PatchDoc = (Value, Target, bool);

/// The documents of an inline `patch:` entry of a `patches:` list (kustomize or Flux).
pub(crate) fn inline_patch(entry: &Value, file: &str) -> Vec<PatchDoc> {
    let (target, has_target) = (
        Target::from_value(entry.get("target")),
        entry.get("target").is_some(),
    );
    get_str(entry, &["patch"])
        .map(|text| {
            parse_docs(file, text)
                .0
                .into_iter()
                .map(|d| (d.value, target.clone(), has_target))
                .collect()
        })
        .unwrap_or_default()
}

/// Applies each patch, in order, to every document; problems become warnings on `file`.
fn apply_patches(
    docs: &mut [Doc],
    patches: &[PatchDoc],
    file: &str,
    what: &str,
    warnings: &mut Vec<Warning>,
) {
    for (patch, target, has_target) in patches {
        warnings.extend(target.problems().into_iter().map(|pr| Warning {
            file: file.to_string(),
            line: 0,
            message: format!("{what}: {pr}"),
        }));
        // JSON 6902 operations deeper than MAX_DEPTH are refused once here, not per document.
        let patch = &match patch {
            Value::Array(ops) => Value::Array(
                ops.iter()
                    .filter(|op| {
                        let deep = ["path", "from"].iter().any(|k| {
                            op.get(*k)
                                .and_then(Value::as_str)
                                .is_some_and(|p| p.matches('/').count() > MAX_DEPTH)
                        });
                        if deep {
                            warnings.push(Warning {
                                file: file.to_string(),
                                line: 0,
                                message: format!("{what}: a JSON 6902 path deeper than {MAX_DEPTH} levels: operation skipped"),
                            });
                        }
                        !deep
                    })
                    .cloned()
                    .collect(),
            ),
            other => other.clone(),
        };
        for d in docs.iter_mut() {
            let (_, problems) = apply_patch(&mut d.value, patch, target, *has_target);
            warnings.extend(problems.into_iter().map(|pr| Warning {
                file: file.to_string(),
                line: 0,
                message: format!("{what}: {pr}"),
            }));
        }
    }
}

/// Sets the namespace of a namespaced object.
pub fn set_namespace(v: &mut Value, ns: &str) {
    let kind = get_str(v, &["kind"]).unwrap_or("").to_string();
    if CLUSTER_SCOPED.contains(&kind.as_str()) {
        return;
    }
    if let Some(m) = v.as_object_mut() {
        let md = m
            .entry("metadata")
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
        if let Some(md) = md.as_object_mut() {
            md.insert("namespace".into(), Value::String(ns.to_string()));
        }
    }
}

/// kustomize `replacements`, for the common case: copy a field of a source object (by kind and
/// optional name) into fields of target objects (by kind).
fn replacements(k: &Value, docs: &mut [Doc]) {
    for r in k
        .get("replacements")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
    {
        let Some(src) = r.get("source") else { continue };
        let skind = get_str(src, &["kind"]);
        let sname = get_str(src, &["name"]);
        let field = get_str(src, &["fieldPath"]).unwrap_or("metadata.name");
        let value = docs
            .iter()
            .find(|d| {
                skind.is_none_or(|x| get_str(&d.value, &["kind"]) == Some(x))
                    && sname.is_none_or(|x| get_str(&d.value, &["metadata", "name"]) == Some(x))
            })
            .and_then(|d| get(&d.value, &field.split('.').collect::<Vec<_>>()).cloned());
        let Some(value) = value else { continue };
        for t in r
            .get("targets")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
        {
            let tkind = t.pointer("/select/kind").and_then(Value::as_str);
            // Field paths deeper than MAX_DEPTH are refused.
            let paths: Vec<String> = t
                .get("fieldPaths")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .filter(|p| p.matches('.').count() < MAX_DEPTH)
                        .collect()
                })
                .unwrap_or_default();
            for d in docs.iter_mut() {
                if tkind.is_some_and(|x| get_str(&d.value, &["kind"]) != Some(x)) {
                    continue;
                }
                for p in &paths {
                    let mut cur = &mut d.value;
                    let parts: Vec<&str> = p.split('.').collect();
                    for (i, part) in parts.iter().enumerate() {
                        let Some(m) = cur.as_object_mut() else { break };
                        if i + 1 == parts.len() {
                            m.insert((*part).to_string(), value.clone());
                            break;
                        }
                        cur = m
                            .entry((*part).to_string())
                            .or_insert_with(|| Value::Object(serde_json::Map::new()));
                    }
                }
            }
        }
    }
}

/// What a Kustomization's `postBuild` found.
#[derive(Clone, Debug, Default)]
pub struct PostBuild {
    /// `substituteFrom` entries the cluster does not have (yet, in this walk): (kind, name,
    /// optional).
    pub missing: Vec<(String, String, bool)>,
    /// `substituteFrom` objects that exist but whose values are unknown: "Secret `x`
    /// (SOPS-encrypted)".
    pub unknown: Vec<String>,
}

/// Fields whose value decides the simulated DAG or timing.
const DAG_FIELDS: &[(&str, &str)] = &[
    ("metadata.name", "/metadata/name"),
    ("spec.path", "/spec/path"),
    ("spec.dependsOn", "/spec/dependsOn"),
    ("spec.interval", "/spec/interval"),
    ("spec.retryInterval", "/spec/retryInterval"),
    ("spec.timeout", "/spec/timeout"),
    ("spec.wait", "/spec/wait"),
    ("spec.targetNamespace", "/spec/targetNamespace"),
];

/// Applies a Flux Kustomization's `spec.patches`, `targetNamespace` and `postBuild`
/// substitution to the documents its path produced. Variables come from `substituteFrom`
/// objects in `held` (this walk's, then the previous walk's; in the Kustomization's namespace) and `substitute`; an undefined one
/// without default becomes "" and is reported where it is used, naming the DAG fields it
/// touches.
pub fn flux_postprocess(
    ks: &Value,
    docs: &mut [Doc],
    held: [&HeldMap; 2],
    ks_ns: &str,
    warnings: &mut Vec<Warning>,
    ks_file: &str,
    budget: &mut usize,
) -> PostBuild {
    let patches: Vec<PatchDoc> = ks
        .pointer("/spec/patches")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|p| inline_patch(p, ks_file))
        .collect();
    apply_patches(docs, &patches, ks_file, "spec.patches", warnings);
    if let Some(tns) = ks.pointer("/spec/targetNamespace").and_then(Value::as_str) {
        for d in docs.iter_mut() {
            set_namespace(&mut d.value, tns);
        }
    }
    let mut out = PostBuild::default();
    let Some(pb) = ks.pointer("/spec/postBuild") else {
        return out;
    };
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    for sf in pb
        .get("substituteFrom")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let kind = get_str(sf, &["kind"]).unwrap_or("ConfigMap");
        let name = get_str(sf, &["name"]).unwrap_or("");
        let optional = sf.get("optional").and_then(Value::as_bool) == Some(true);
        let key = (kind.to_string(), ks_ns.to_string(), name.to_string());
        match held[0].get(&key).or_else(|| held[1].get(&key)) {
            Some(h) => match (&h.data, h.known) {
                (Some(data), _) => vars.extend(data.clone()),
                (None, Known::Sops) => out
                    .unknown
                    .push(format!("{kind} `{name}` (SOPS-encrypted)")),
                (None, Known::External) => out
                    .unknown
                    .push(format!("{kind} `{name}` (made by an ExternalSecret)")),
                (None, _) => out.unknown.push(format!("{kind} `{name}`")),
            },
            None => out
                .missing
                .push((kind.to_string(), name.to_string(), optional)),
        }
    }
    if let Some(m) = pb.get("substitute").and_then(Value::as_object) {
        for (k, v) in m {
            let s = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            vars.insert(k.clone(), s);
        }
    }
    let from = if out.unknown.is_empty() {
        String::new()
    } else {
        format!(
            " (they may come from {}, whose values are unknown)",
            out.unknown.join(", ")
        )
    };
    for d in docs.iter_mut() {
        let disabled = ["labels", "annotations"].iter().any(|m| {
            d.value
                .pointer(&format!(
                    "/metadata/{m}/kustomize.toolkit.fluxcd.io~1substitute"
                ))
                .and_then(Value::as_str)
                == Some("disabled")
        });
        if flux_kind(&d.value).is_none() || disabled {
            continue;
        }
        if *budget == 0 {
            continue;
        }
        let mut unresolved = vec![];
        let before = d.value.clone();
        let size = before.to_string().len();
        substitute(&mut d.value, &vars, &mut unresolved);
        let grown = d.value.to_string().len();
        if grown > *budget {
            d.value = before;
            if *budget > 0 {
                warnings.push(Warning {
                    file: d.file.clone(),
                    line: d.line,
                    message: format!("postBuild substitution produced more than {} MiB in all: stopped substituting (documents kept as written)", super::sources::MAX_SUBST_BYTES >> 20),
                });
            }
            *budget = 0;
            continue;
        }
        *budget -= grown.saturating_sub(size).max(grown / 8);
        if unresolved.is_empty() {
            continue;
        }
        unresolved.sort();
        unresolved.dedup();
        let touched: Vec<&str> = DAG_FIELDS
            .iter()
            .filter(|(_, p)| {
                before.pointer(p).is_some_and(|v| {
                    let t = v.to_string();
                    unresolved.iter().any(|u| t.contains(&format!("${{{u}")))
                })
            })
            .map(|(f, _)| *f)
            .collect();
        let effect = if touched.is_empty() {
            "no field of the simulated graph".to_string()
        } else {
            format!("DAG fields {}", touched.join(", "))
        };
        warnings.push(Warning {
            file: d.file.clone(),
            line: d.line,
            message: format!(
                "variables {} are not defined by `{}`'s postBuild{from}: substituted with \"\", affecting {effect}",
                unresolved.join(", "),
                get_str(ks, &["metadata", "name"]).unwrap_or("")
            ),
        });
    }
    out
}
