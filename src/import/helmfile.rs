//! The phase before Flux: charts a helmfile installs (`helmfile sync`, usually under a
//! `bootstrap/` folder) before Flux starts. A HelmRelease that later adopts one of them finds
//! the release in Helm's storage and upgrades it (helm-controller: an existing release it has
//! no history of is "unmanaged", and the next action is an upgrade), so its workloads are
//! already ready: it is no fresh install with a long readiness.
//!
//! What is read: every helmfile (`helmfile*.yaml[.gotmpl|.j2]`, or a file in a `helmfile/` or
//! `helmfile.d/` folder) among the repository's pre-Flux files; its `releases` (name,
//! namespace, chart, `needs`, `installed: false` skipped). Go templates are stripped: a line
//! that is only `{{ … }}` is dropped, an inline one becomes a placeholder. A helmfile whose
//! releases only give CRDs (`helmDefaults.args` has `--include-crds`, or its name says `crd`:
//! templated and piped to kubectl) installs no workloads. A pre-Flux `kustomization.yaml` that
//! inflates charts (`helmCharts:`) installs them too.

use super::walk::Repo;
use super::yaml::{get_str, parse_docs, strip_jinja};
use serde_json::Value;

/// A chart a helmfile installs before Flux.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreRelease {
    /// Helm release name.
    pub name: String,
    /// Release namespace (`default` when the helmfile names none).
    pub namespace: String,
    /// Chart name (the last part of `chart:`; the release name when it is templated).
    pub chart: String,
    /// The helmfile, relative to the repository root.
    pub file: String,
    /// Line of the release in it.
    pub line: usize,
}

/// What the repository's helmfiles do before Flux.
#[derive(Clone, Debug, Default)]
pub struct PreFlux {
    /// Releases installed (`helmfile sync`), in install order (`needs` first).
    pub releases: Vec<PreRelease>,
    /// Helmfiles whose charts give only CRDs: (file, number of charts).
    pub crds_only: Vec<(String, usize)>,
}

impl PreFlux {
    /// The release a HelmRelease adopts: Helm release `name` in `namespace`.
    #[must_use]
    pub fn adopted(&self, name: &str, namespace: &str) -> Option<&PreRelease> {
        self.releases
            .iter()
            .find(|r| r.name == name && r.namespace == namespace)
    }
}

/// Whether a pre-Flux file is a helmfile (not a values template or a base of templates).
fn is_helmfile(rel: &str) -> bool {
    let parts: Vec<&str> = rel.split('/').collect();
    let name = parts.last().copied().unwrap_or("");
    let yaml = [".yaml", ".yml", ".gotmpl", ".j2"]
        .iter()
        .any(|e| name.ends_with(e));
    let in_dir = parts.len() > 1
        && matches!(parts[parts.len() - 2], "helmfile" | "helmfile.d")
        && !parts.contains(&"templates");
    yaml && (name.starts_with("helmfile") || in_dir)
}

/// Go template syntax stripped: a line that is only `{{ … }}` becomes empty (the line count
/// is kept), an inline `{{ … }}` becomes `tmpl`.
fn strip_gotmpl(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("{{") && t.ends_with("}}") {
            out.push('\n');
            continue;
        }
        let mut l = line.to_string();
        while let Some(a) = l.find("{{") {
            let Some(b) = l[a..].find("}}") else { break };
            l.replace_range(a..a + b + 2, "tmpl");
        }
        out.push_str(&l);
        out.push('\n');
    }
    out
}

/// The helmfiles to read: among `files`, those of the tree the entry point is in (under
/// `prefix` when the root source starts there; else the rendered files, not `.j2` templates).
fn choose(files: Vec<String>, prefix: &str) -> Vec<String> {
    let helmfiles: Vec<String> = files.into_iter().filter(|f| is_helmfile(f)).collect();
    let under: Vec<String> = helmfiles
        .iter()
        .filter(|f| !prefix.is_empty() && f.starts_with(prefix))
        .cloned()
        .collect();
    if !under.is_empty() {
        return under;
    }
    if helmfiles.iter().any(|f| !f.ends_with(".j2")) {
        return helmfiles
            .into_iter()
            .filter(|f| !f.ends_with(".j2"))
            .collect();
    }
    helmfiles
}

/// Reads the helmfiles of the repository, and the `helm install` commands of its bootstrap
/// scripts ([`super::helmcli`]), in file order. `prefix` is where the root source's paths
/// start.
pub fn find(repo: &mut Repo, prefix: &str) -> PreFlux {
    let mut out = PreFlux::default();
    let all = super::cluster::pre_flux_files(repo);
    let helmfiles = choose(all.clone(), prefix);
    for f in all {
        if super::helmcli::is_script(&f) && !helmfiles.contains(&f) {
            let text = repo.fs.read(&f).unwrap_or_default();
            for r in super::helmcli::releases(&f, &text) {
                if out.adopted(&r.name, &r.namespace).is_none() {
                    out.releases.push(r);
                }
            }
            continue;
        }
        if is_kustomization(&f) {
            let text = repo.fs.read(&f).unwrap_or_default();
            for r in kustomize_charts(&f, &text) {
                if out.adopted(&r.name, &r.namespace).is_none() {
                    out.releases.push(r);
                }
            }
            continue;
        }
        if !helmfiles.contains(&f) {
            continue;
        }
        let Some(text) = repo.fs.read(&f) else {
            continue;
        };
        let text = if f.ends_with(".j2") {
            strip_jinja(&text).0
        } else {
            text
        };
        let text = strip_gotmpl(&text);
        let (docs, _) = parse_docs(&f, &text);
        for d in docs {
            let Some(rels) = d.value.get("releases").and_then(Value::as_array) else {
                continue;
            };
            let crds = f.rsplit('/').next().unwrap_or(&f).contains("crd")
                || d.value
                    .pointer("/helmDefaults/args")
                    .and_then(Value::as_array)
                    .is_some_and(|a| a.iter().any(|x| x.as_str() == Some("--include-crds")));
            if crds {
                out.crds_only.push((f.clone(), rels.len()));
                continue;
            }
            let read = releases(rels, &f, &text);
            for r in in_order(read) {
                if out.adopted(&r.0.name, &r.0.namespace).is_none() {
                    out.releases.push(r.0);
                }
            }
        }
    }
    out
}

fn is_kustomization(rel: &str) -> bool {
    matches!(
        rel.rsplit('/').next(),
        Some("kustomization.yaml" | "kustomization.yml")
    )
}

/// The charts a pre-Flux `kustomization.yaml` inflates (`helmCharts:`, applied with
/// `kubectl kustomize --enable-helm | kubectl apply`; Flux never builds these). No Helm
/// release is stored, so a HelmRelease later installs over workloads that are already ready:
/// for timing, the same as adopting a release.
fn kustomize_charts(file: &str, text: &str) -> Vec<PreRelease> {
    let (docs, _) = parse_docs(file, text);
    let mut out = vec![];
    for d in docs {
        let ns = get_str(&d.value, &["namespace"]).unwrap_or("default");
        for c in d
            .value
            .get("helmCharts")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(chart) = get_str(c, &["name"]) else {
                continue;
            };
            let name = get_str(c, &["releaseName"]).unwrap_or(chart);
            let namespace = get_str(c, &["namespace"]).unwrap_or(ns);
            if [name, namespace].iter().any(|s| s.contains(['$', '{'])) {
                continue;
            }
            out.push(PreRelease {
                name: name.to_string(),
                namespace: namespace.to_string(),
                chart: chart.to_string(),
                file: file.to_string(),
                line: line_of(text, chart),
            });
        }
    }
    out
}

/// Each release of a helmfile with its `needs` (as `namespace/name`).
fn releases(rels: &[Value], file: &str, text: &str) -> Vec<(PreRelease, Vec<String>)> {
    let mut out = vec![];
    for r in rels {
        let Some(name) = get_str(r, &["name"]).filter(|n| !n.is_empty() && !n.contains("tmpl"))
        else {
            continue;
        };
        if r.get("installed").and_then(Value::as_bool) == Some(false) {
            continue;
        }
        let namespace = get_str(r, &["namespace"]).unwrap_or("default").to_string();
        if namespace.contains("tmpl") {
            continue;
        }
        let chart = get_str(r, &["chart"])
            .filter(|c| !c.contains("tmpl"))
            .and_then(|c| c.rsplit('/').next())
            .unwrap_or(name)
            .to_string();
        let needs = r
            .get("needs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|n| {
                let parts: Vec<&str> = n.split('/').collect();
                match parts.as_slice() {
                    [name] => format!("{namespace}/{name}"),
                    [.., ns, name] => format!("{ns}/{name}"),
                    [] => String::new(),
                }
            })
            .collect();
        let line = line_of(text, name);
        out.push((
            PreRelease {
                name: name.to_string(),
                namespace,
                chart,
                file: file.to_string(),
                line,
            },
            needs,
        ));
    }
    out
}

/// The 1-based line of `name: NAME` (a release), 0 when not found.
fn line_of(text: &str, name: &str) -> usize {
    text.lines()
        .position(|l| {
            let t = l.trim().trim_start_matches("- ").trim();
            t.strip_prefix("name:")
                .is_some_and(|v| v.trim().trim_matches(['"', '\'']) == name)
        })
        .map_or(0, |i| i + 1)
}

/// The releases in helmfile's order: each after the releases it `needs`, else in file order.
fn in_order(mut rels: Vec<(PreRelease, Vec<String>)>) -> Vec<(PreRelease, Vec<String>)> {
    let mut done: Vec<(PreRelease, Vec<String>)> = vec![];
    while !rels.is_empty() {
        let key = |r: &PreRelease| format!("{}/{}", r.namespace, r.name);
        let pending: Vec<String> = rels.iter().map(|r| key(&r.0)).collect();
        // The first whose needs are installed (or not in this file); a cycle takes the first.
        let i = rels
            .iter()
            .position(|(_, needs)| needs.iter().all(|n| !pending.contains(n)))
            .unwrap_or(0);
        done.push(rels.remove(i));
    }
    done
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helmfiles_are_told_from_their_templates() {
        assert!(is_helmfile("bootstrap/helmfile.yaml"));
        assert!(is_helmfile("bootstrap/helmfile.yaml.gotmpl"));
        assert!(is_helmfile("bootstrap/helmfile.d/01-apps.yaml"));
        assert!(is_helmfile("bootstrap/helmfile/apps.yaml.j2"));
        assert!(!is_helmfile(
            "bootstrap/helmfile/templates/values.yaml.gotmpl"
        ));
        assert!(!is_helmfile("bootstrap/bootstrap.sh"));
    }

    #[test]
    fn go_templates_are_stripped() {
        let t = strip_gotmpl("a: 1\n{{- if x }}\nchart: '{{ .Values.c }}'\n{{ end }}\n");
        assert_eq!(t, "a: 1\n\nchart: 'tmpl'\n\n");
    }
}
