//! The ConfigMaps and Secrets the cluster will have, and who applies each: what
//! `postBuild.substituteFrom` reads (SPEC R5b). Collected over the whole walk before any
//! substitution is trusted, so the result does not depend on walk order.

use super::yaml::{get_str, Doc};
use serde_json::Value;
use std::collections::BTreeMap;

/// How the importer knows an object and its values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Known {
    /// A plain manifest: its values are known.
    Plain,
    /// A SOPS-encrypted Secret: present, values unknown.
    Sops,
    /// Made by an ExternalSecret at run time: present once applied, values unknown.
    External,
    /// Guessed: a listed file that is not in this copy of the repository has its name.
    Guessed,
    /// Created before Flux: a bootstrap file (bootstrap folder, helmfile, task file, script)
    /// names it.
    PreFlux,
    /// Nothing in the repository creates it: assumed created outside it before Flux (by hand,
    /// a bootstrap tool, a secret manager), as a cluster that bootstraps must have it.
    Outside,
}

/// Whether a repository file belongs to the phase before Flux: under a `bootstrap` folder, a
/// helmfile (or in a `helmfile.d` folder), a task file or a shell script.
fn pre_flux_file(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel).to_ascii_lowercase();
    rel.split('/')
        .any(|p| p.eq_ignore_ascii_case("bootstrap") || p == ".taskfiles" || p == "helmfile.d")
        || name.starts_with("helmfile")
        || name.starts_with("taskfile")
        || name == "justfile"
        || name == "makefile"
        || name.ends_with(".sh")
}

/// The repository's pre-Flux files (bootstrap folders, helmfiles, task files, scripts), sorted.
/// Lists only inside the repository, within its budgets.
pub fn pre_flux_files(repo: &mut super::walk::Repo) -> Vec<String> {
    let mut stack = vec![(String::new(), 0usize)];
    let mut files = vec![];
    while let Some((d, depth)) = stack.pop() {
        for (n, kind) in repo.fs.list(&d) {
            let rel = super::walk::join(&d, &n);
            match kind {
                super::fs::Kind::Dir
                    if depth < 24 && (n == ".taskfiles" || !n.starts_with('.')) =>
                {
                    stack.push((rel, depth + 1));
                }
                super::fs::Kind::File if pre_flux_file(&rel) => files.push(rel),
                _ => {}
            }
        }
    }
    files.sort();
    files
}

/// The bootstrap file and line naming `name` (a Secret or ConfigMap created before Flux), if
/// any. Reads only inside the repository, within its budgets.
pub fn find_pre_flux(repo: &mut super::walk::Repo, name: &str) -> Option<(String, usize)> {
    pre_flux_files(repo).into_iter().find_map(|f| {
        let text = repo.fs.read(&f)?;
        let i = text.find(name)?;
        // A whole word: not part of a longer name.
        let ok = |c: Option<char>| {
            c.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        };
        (ok(text[..i].chars().next_back()) && ok(text[i + name.len()..].chars().next()))
            .then(|| (f.clone(), text[..i].matches('\n').count() + 1))
    })
}

/// A ConfigMap or Secret the cluster will have.
#[derive(Clone, Debug)]
pub struct Held {
    /// Its values (None: unknown).
    pub data: Option<BTreeMap<String, String>>,
    /// How it is known.
    pub known: Known,
    /// The Kustomization that applies it (object index; None: the entry point's own sync).
    pub applier: Option<usize>,
    /// Where it is defined.
    pub file: String,
    /// Line.
    pub line: usize,
}

/// (kind, namespace, name) → what the cluster will have.
pub type HeldMap = BTreeMap<(String, String, String), Held>;

fn strings(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
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
        .unwrap_or_default()
}

/// Standard base64 (Secret `data`); None when not valid.
fn base64(s: &str) -> Option<String> {
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = vec![];
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push(u8::try_from((bits >> n) & 0xff).ok()?);
        }
    }
    String::from_utf8(out).ok()
}

/// Records the ConfigMaps, Secrets and ExternalSecret targets among `docs` (applied by
/// `applier` into `parent_ns` unless they name a namespace). The first definition wins.
pub fn collect(docs: &[Doc], parent_ns: &str, applier: Option<usize>, into: &mut HeldMap) {
    for d in docs {
        let v = &d.value;
        let ns = get_str(v, &["metadata", "namespace"]).unwrap_or(parent_ns);
        let name = get_str(v, &["metadata", "name"]).unwrap_or("");
        let api = get_str(v, &["apiVersion"]).unwrap_or("");
        let (kind, name, data, known) = match get_str(v, &["kind"]).unwrap_or("") {
            "ConfigMap" if api == "v1" => (
                "ConfigMap",
                name,
                Some(strings(v.get("data"))),
                Known::Plain,
            ),
            "Secret" if api == "v1" && v.get("sops").is_some() => {
                ("Secret", name, None, Known::Sops)
            }
            "Secret" if api == "v1" => {
                let mut data: BTreeMap<String, String> = BTreeMap::new();
                let mut ok = true;
                for (k, b) in strings(v.get("data")) {
                    match base64(&b) {
                        Some(s) => {
                            data.insert(k, s);
                        }
                        None => ok = false,
                    }
                }
                data.extend(strings(v.get("stringData")));
                ("Secret", name, ok.then_some(data), Known::Plain)
            }
            "ExternalSecret" if api.starts_with("external-secrets.io/") => (
                "Secret",
                get_str(v, &["spec", "target", "name"]).unwrap_or(name),
                None,
                Known::External,
            ),
            _ => continue,
        };
        if name.is_empty() || name.contains("${") {
            continue;
        }
        into.entry((kind.to_string(), ns.to_string(), name.to_string()))
            .or_insert_with(|| Held {
                data,
                known,
                applier,
                file: d.file.clone(),
                line: d.line,
            });
    }
}

/// The `substituteFrom` references (kind, name, optional) of a Kustomization's value.
#[must_use]
pub fn substitute_refs(v: &Value) -> Vec<(String, String, bool)> {
    v.pointer("/spec/postBuild/substituteFrom")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| {
            let kind = get_str(r, &["kind"]).unwrap_or("ConfigMap");
            let name = get_str(r, &["name"]).filter(|n| !n.is_empty())?;
            let optional = r.get("optional").and_then(Value::as_bool) == Some(true);
            (kind == "ConfigMap" || kind == "Secret")
                .then(|| (kind.to_string(), name.to_string(), optional))
        })
        .collect()
}

/// A `substituteFrom` object applied only by the Kustomization that reads it (or by one it
/// creates): kustomize-controller reads it from the cluster before it builds (reference S9),
/// so on a fresh cluster that build fails every `retryInterval` and bootstrap is stuck (SPEC
/// R5b). Kept so, with a warning, unless a bootstrap file names it: then it is created before
/// Flux and moved there.
pub fn self_applied(
    repo: &mut super::walk::Repo,
    objects: &[super::Found],
    held: &mut HeldMap,
    warnings: &mut Vec<super::Warning>,
) {
    for (i, o) in objects.iter().enumerate() {
        if o.kind != "Kustomization" {
            continue;
        }
        for (kind, name, optional) in substitute_refs(&o.value) {
            let key = (kind.clone(), o.namespace.clone(), name.clone());
            let Some(h) = held.get_mut(&key) else {
                continue;
            };
            let Some(a) = h.applier else { continue };
            // Is the applier `i` itself or created (transitively) by `i`?
            let mut up = Some(a);
            while up.is_some_and(|u| u != i) {
                up = up.and_then(|u| objects[u].parent);
            }
            if up.is_none() || optional {
                continue;
            }
            let by = if a == i {
                "only by that Kustomization itself".to_string()
            } else {
                format!(
                    "only by `{}/{}`, which it creates",
                    objects[a].namespace, objects[a].name
                )
            };
            if let Some((file, line)) = find_pre_flux(repo, &name) {
                warnings.push(super::Warning { file: o.file.clone(), line: o.line, message: format!("assumed: postBuild.substituteFrom {kind} `{name}` of `{}/{}` is applied {by}, and created before Flux by {file}:{line}, which names it (written under bootstrap:)", o.namespace, o.name) });
                *h = Held {
                    data: h.data.take(),
                    known: Known::PreFlux,
                    applier: None,
                    file,
                    line,
                };
                continue;
            }
            warnings.push(super::Warning { file: o.file.clone(), line: o.line, message: format!("postBuild.substituteFrom {kind} `{name}` of `{}/{}` is applied {by} ({}:{}): Flux reads it before building, so on a fresh cluster this build fails and bootstrap is stuck; apply it from a parent Kustomization, or create it before Flux", o.namespace, o.name, h.file, h.line) });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_data_is_decoded() {
        assert_eq!(base64("aGVsbG8=").as_deref(), Some("hello"));
        assert_eq!(base64("ZG9tYWlu").as_deref(), Some("domain"));
        assert_eq!(base64("!!"), None);
    }
}
