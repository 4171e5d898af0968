//! The controllers' flags as the cluster runs them: the kustomize-controller and
//! helm-controller Deployments are rebuilt with the repository's patches applied in order
//! (a FluxInstance's `spec.cluster.size` profile, then its `spec.kustomize.patches`, then
//! kustomize patches of the controllers in the walked kustomization files), and their
//! container args are read as pflag does (SPEC R18): the last `--concurrent` and
//! `--requeue-dependency` win, `--feature-gates` accumulate (a later value for the same gate
//! wins). Each value remembers the file and line it came from. Flag-like text anywhere else
//! (a README, a comment) is never read.

use super::patch::{apply_patch, Target};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A value and where it came from (`file:line`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting<T> {
    /// The value.
    pub value: T,
    /// `file:line` of the patch or profile that set it.
    pub from: String,
}

/// One controller's flags found in the repository (None: Flux's default).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ControllerFlags {
    /// `--concurrent`.
    pub concurrent: Option<Setting<u32>>,
    /// `--requeue-dependency`.
    pub requeue_dependency: Option<Setting<String>>,
    /// `--feature-gates`, merged.
    pub feature_gates: BTreeMap<String, Setting<bool>>,
}

/// What changes a controller Deployment, in the order the cluster applies it.
#[derive(Clone, Debug)]
pub enum FlagSource {
    /// flux-operator's `spec.cluster.size` profile (small, medium, large).
    Size {
        /// The profile name.
        size: String,
        /// The file it is in.
        file: String,
    },
    /// A patch (strategic merge or JSON 6902) with its target.
    Patch {
        /// The patch document.
        patch: Value,
        /// Its target.
        target: Box<Target>,
        /// Whether a target was given.
        has_target: bool,
        /// The file it is in.
        file: String,
    },
}

/// flux-operator's cluster size profiles: (`--concurrent`, `--requeue-dependency`) for the
/// kustomize and helm controllers.
fn size_profile(size: &str) -> Option<(u32, &'static str)> {
    match size {
        "small" => Some((5, "10s")),
        "medium" => Some((10, "5s")),
        "large" => Some((20, "5s")),
        _ => None,
    }
}

/// The flags of `controller` (`kustomize-controller` or `helm-controller`) after `sources`.
/// `line_of(file, text)` finds the line of `text` in `file` (0 when unknown).
pub fn controller_flags(
    controller: &str,
    sources: &[FlagSource],
    line_of: &mut dyn FnMut(&str, &str) -> usize,
) -> ControllerFlags {
    let mut deployment = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": controller, "namespace": "flux-system"},
        "spec": {"template": {"spec": {
            "containers": [{"name": "manager", "args": []}],
            "volumes": [{"name": "temp", "emptyDir": {}}]}}}
    });
    // (arg, from) in order.
    let mut args: Vec<(String, String)> = vec![];
    for s in sources {
        match s {
            FlagSource::Size { size, file } => {
                if let Some((c, rq)) = size_profile(size) {
                    let from = format!(
                        "{file}:{} (cluster size {size})",
                        line_of(file, &format!("size: {size}"))
                    );
                    for a in [
                        format!("--concurrent={c}"),
                        format!("--requeue-dependency={rq}"),
                    ] {
                        args.push((a, from.clone()));
                    }
                    deployment_set_args(&mut deployment, &args);
                }
            }
            FlagSource::Patch {
                patch,
                target,
                has_target,
                file,
            } => {
                let (applied, _) = apply_patch(&mut deployment, patch, target, *has_target);
                if !applied {
                    continue;
                }
                let new = deployment_args(&deployment);
                args = new
                    .into_iter()
                    .enumerate()
                    .map(|(i, a)| match args.get(i) {
                        Some((old, from)) if *old == a => (a, from.clone()),
                        _ => {
                            let from = format!("{file}:{}", line_of(file, &a));
                            (a, from)
                        }
                    })
                    .collect();
            }
        }
    }
    parse_args(&args)
}

fn deployment_args(d: &Value) -> Vec<String> {
    d.pointer("/spec/template/spec/containers/0/args")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn deployment_set_args(d: &mut Value, args: &[(String, String)]) {
    if let Some(a) = d.pointer_mut("/spec/template/spec/containers/0/args") {
        *a = Value::Array(args.iter().map(|(s, _)| Value::String(s.clone())).collect());
    }
}

/// pflag semantics over the final args (SPEC R18).
fn parse_args(args: &[(String, String)]) -> ControllerFlags {
    let mut f = ControllerFlags::default();
    let mut i = 0;
    while i < args.len() {
        let (a, from) = (&args[i].0, &args[i].1);
        // `--flag=value` or `--flag value`.
        let (name, value) = match a.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (a.as_str(), args.get(i + 1).map(|x| x.0.clone())),
        };
        let consumed_next = !a.contains('=');
        let mut used = true;
        match (name, value) {
            ("--concurrent", Some(v)) => {
                if let Ok(n) = v.trim().parse::<u32>() {
                    f.concurrent = Some(Setting {
                        value: n,
                        from: from.clone(),
                    });
                }
            }
            ("--requeue-dependency", Some(v)) => {
                f.requeue_dependency = Some(Setting {
                    value: v.trim().to_string(),
                    from: from.clone(),
                });
            }
            ("--feature-gates", Some(v)) => {
                for pair in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    let (gate, val) = pair.split_once('=').unwrap_or((pair, "true"));
                    if let Ok(b) = val.trim().parse::<bool>() {
                        f.feature_gates.insert(
                            gate.trim().to_string(),
                            Setting {
                                value: b,
                                from: from.clone(),
                            },
                        );
                    }
                }
            }
            _ => used = false,
        }
        i += if used && consumed_next { 2 } else { 1 };
    }
    f
}

/// The FluxInstance `spec` carried by a document: a FluxInstance itself, or the
/// `values.instance` of a HelmRelease of the flux-instance chart.
#[must_use]
pub fn instance_spec(doc: &Value) -> Option<&Value> {
    let api = doc.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = doc.get("kind").and_then(Value::as_str).unwrap_or("");
    match kind {
        "FluxInstance" if api.starts_with("fluxcd.controlplane.io/") => doc.get("spec"),
        "HelmRelease" if api.starts_with("helm.toolkit.fluxcd.io/") => doc
            .pointer("/spec/values/instance")
            .filter(|v| v.is_object()),
        _ => None,
    }
}

/// The flag sources of a FluxInstance spec found in `file` at `line`.
#[must_use]
pub fn instance_sources(spec: &Value, file: &str, line: usize) -> Vec<FlagSource> {
    let mut out = vec![];
    if let Some(size) = spec.pointer("/cluster/size").and_then(Value::as_str) {
        let _ = line;
        out.push(FlagSource::Size {
            size: size.to_string(),
            file: file.to_string(),
        });
    }
    for p in spec
        .pointer("/kustomize/patches")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for (patch, target, has_target) in super::walk::inline_patch(p, file) {
            out.push(FlagSource::Patch {
                patch,
                target: Box::new(target),
                has_target,
                file: file.to_string(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arg(s: &str) -> (String, String) {
        (s.to_string(), "f:1".to_string())
    }

    /// SPEC R18: the last --concurrent wins; --feature-gates accumulate, a later value for the
    /// same gate wins.
    #[test]
    fn pflag_semantics() {
        let f = parse_args(&[
            arg("--concurrent=10"),
            arg("--feature-gates=A=true,B=true"),
            arg("--concurrent"),
            arg("20"),
            arg("--feature-gates=B=false"),
            arg("--requeue-dependency=5s"),
        ]);
        assert_eq!(f.concurrent.unwrap().value, 20);
        assert_eq!(f.requeue_dependency.unwrap().value, "5s");
        let gates: Vec<(String, bool)> = f
            .feature_gates
            .iter()
            .map(|(k, v)| (k.clone(), v.value))
            .collect();
        assert_eq!(gates, [("A".to_string(), true), ("B".to_string(), false)]);
    }
}
