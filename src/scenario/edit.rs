//! What-if edits applied to a parsed scenario before validation: `--add-dep`, `--remove-dep`,
//! `--set`. Editing the raw form keeps Flux's defaults honest (e.g. a new `interval` moves the
//! default `retryInterval` and `timeout` with it, SPEC R9).

use super::diag::did_you_mean;
use super::schema::{RawDependsOn, RawScenario};
use serde_saphyr::{Location, Spanned};

/// One edit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edit {
    /// `A=B`: A gains `dependsOn: [B]`.
    AddDep(String, String),
    /// `A=B`: A loses its `dependsOn` entry B.
    RemoveDep(String, String),
    /// `NAME.field=value` or `controller.field=value`.
    Set(String, String),
}

fn sp(v: &str) -> Spanned<String> {
    Spanned::new(v.to_string(), Location::UNKNOWN, Location::UNKNOWN)
}

fn pair(s: &str, flag: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((a, b)) if !a.is_empty() && !b.is_empty() => {
            Ok((a.trim().to_string(), b.trim().to_string()))
        }
        _ => Err(format!(
            "{flag} `{s}`: expected DEPENDENT=DEPENDENCY, e.g. `cert-manager=coredns`"
        )),
    }
}

impl Edit {
    /// Parses `--add-dep A=B`.
    ///
    /// # Errors
    /// When it is not `A=B`.
    pub fn add_dep(s: &str) -> Result<Edit, String> {
        pair(s, "--add-dep").map(|(a, b)| Edit::AddDep(a, b))
    }
    /// Parses `--remove-dep A=B`.
    ///
    /// # Errors
    /// When it is not `A=B`.
    pub fn remove_dep(s: &str) -> Result<Edit, String> {
        pair(s, "--remove-dep").map(|(a, b)| Edit::RemoveDep(a, b))
    }
    /// Parses `--set PATH=VALUE`.
    ///
    /// # Errors
    /// When it is not `PATH=VALUE`.
    pub fn set(s: &str) -> Result<Edit, String> {
        match s.split_once('=') {
            Some((a, b)) if a.contains('.') && !b.is_empty() => Ok(Edit::Set(a.trim().to_string(), b.trim().to_string())),
            _ => Err(format!("--set `{s}`: expected NAME.field=value or controller.field=value, e.g. `apps.wait=false`")),
        }
    }
    /// Human text for reports.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Edit::AddDep(a, b) => format!("--add-dep {a}={b}"),
            Edit::RemoveDep(a, b) => format!("--remove-dep {a}={b}"),
            Edit::Set(p, v) => format!("--set {p}={v}"),
        }
    }
}

fn norm(field: &str) -> String {
    field.replace(['_', '-'], "").to_ascii_lowercase()
}

fn parse_bool(v: &str, what: &str) -> Result<bool, String> {
    match v {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("{what}: `{v}` is not true or false")),
    }
}

/// Kustomization or HelmRelease.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ks,
    Hr,
}

/// Where an object named in an edit sits in the raw scenario.
#[derive(Clone)]
struct Found {
    kind: Kind,
    index: usize,
    namespace: String,
    name: String,
}

/// Every Kustomization and HelmRelease with its namespace (default `flux-system`).
fn objects(raw: &RawScenario) -> Vec<Found> {
    let ns = |n: &Option<String>| n.clone().unwrap_or_else(|| "flux-system".to_string());
    let ks = raw.kustomizations.iter().enumerate().map(|(i, k)| Found {
        kind: Kind::Ks,
        index: i,
        namespace: ns(&k.value.namespace),
        name: k.value.name.value.clone(),
    });
    let hr = raw.helm_releases.iter().enumerate().map(|(i, h)| Found {
        kind: Kind::Hr,
        index: i,
        namespace: ns(&h.value.namespace),
        name: h.value.name.value.clone(),
    });
    ks.chain(hr).collect()
}

/// Resolves `name` or `namespace/name` to one object; `prefer` breaks a tie between kinds
/// (a dependency of a HelmRelease is a HelmRelease). Errors name the candidates or the closest.
fn resolve(all: &[Found], spec: &str, prefer: Option<Kind>) -> Result<Found, String> {
    // `Kind/namespace/name`, `namespace/name` or `name`.
    let (kind, rest) = match spec.split_once('/') {
        Some(("Kustomization", rest)) if rest.contains('/') => (Some(Kind::Ks), rest),
        Some(("HelmRelease", rest)) if rest.contains('/') => (Some(Kind::Hr), rest),
        _ => (None, spec),
    };
    let (ns, name) = match rest.split_once('/') {
        Some((ns, name)) => (Some(ns), name),
        None => (None, rest),
    };
    let mut hits: Vec<&Found> = all
        .iter()
        .filter(|o| o.name == name && ns.is_none_or(|n| n == o.namespace))
        .filter(|o| kind.is_none_or(|k| k == o.kind))
        .collect();
    if hits.len() > 1 {
        if let Some(k) = prefer {
            if hits.iter().any(|o| o.kind == k) {
                hits.retain(|o| o.kind == k);
            }
        }
    }
    match hits.as_slice() {
        [one] => Ok((*one).clone()),
        [] => {
            let full: Vec<String> = all
                .iter()
                .map(|o| format!("{}/{}", o.namespace, o.name))
                .collect();
            let close = did_you_mean(spec, full.iter().map(String::as_str))
                .or_else(|| did_you_mean(spec, all.iter().map(|o| o.name.as_str())));
            Err(match close {
                Some(c) => {
                    format!("no Kustomization or HelmRelease named `{spec}`; did you mean `{c}`?")
                }
                None => format!("no Kustomization or HelmRelease named `{spec}`"),
            })
        }
        many => {
            let names: Vec<String> = many
                .iter()
                .map(|o| format!("`{}/{}`", o.namespace, o.name))
                .collect();
            Err(format!(
                "`{spec}` is ambiguous: write it as {}",
                names.join(" or ")
            ))
        }
    }
}

fn depends_on_mut<'a>(raw: &'a mut RawScenario, o: &Found) -> &'a mut Vec<Spanned<RawDependsOn>> {
    match o.kind {
        Kind::Ks => &mut raw.kustomizations[o.index].value.depends_on,
        Kind::Hr => &mut raw.helm_releases[o.index].value.depends_on,
    }
}

/// Applies edits to a raw scenario. Objects are named `name` (when that is unique) or
/// `namespace/name`, as imported scenarios need.
///
/// # Errors
/// An edit names an object or field that does not exist (with the closest name), or a name
/// that is ambiguous (with the namespaced forms to use).
pub fn apply(raw: &mut RawScenario, edits: &[Edit]) -> Result<(), String> {
    for e in edits {
        let all = objects(raw);
        match e {
            Edit::AddDep(a, b) | Edit::RemoveDep(a, b) => {
                let add = matches!(e, Edit::AddDep(..));
                let fail = |m: String| format!("{}: {m}", e.describe());
                let dependent = resolve(&all, a, None).map_err(fail)?;
                let dependency = resolve(&all, b, Some(dependent.kind)).map_err(fail)?;
                let deps = depends_on_mut(raw, &dependent);
                let pos = deps.iter().position(|d| {
                    d.value.name == dependency.name
                        && d.value.namespace.as_deref().unwrap_or(&dependent.namespace)
                            == dependency.namespace
                });
                match (add, pos) {
                    (true, Some(_)) => return Err(fail(format!("`{a}` already depends on `{b}`"))),
                    (true, None) => deps.push(Spanned::new(
                        RawDependsOn {
                            name: dependency.name.clone(),
                            namespace: (dependency.namespace != dependent.namespace)
                                .then(|| dependency.namespace.clone()),
                        },
                        Location::UNKNOWN,
                        Location::UNKNOWN,
                    )),
                    (false, Some(i)) => {
                        deps.remove(i);
                    }
                    (false, None) => return Err(fail(format!("`{a}` does not depend on `{b}`"))),
                }
            }
            Edit::Set(path, v) => {
                set(raw, &all, path, v).map_err(|m| format!("{}: {m}", e.describe()))?
            }
        }
    }
    Ok(())
}

fn set(raw: &mut RawScenario, all: &[Found], path: &str, v: &str) -> Result<(), String> {
    let (head, _) = path.split_once('.').expect("checked by Edit::set");
    let controller = matches!(head, "controller" | "controllers" | "kustomize" | "helm");
    // An object's name may itself contain dots: its field is what follows the last one.
    let (name, field) = if controller {
        path.split_once('.')
    } else {
        path.rsplit_once('.')
    }
    .expect("checked by Edit::set");
    let f = norm(field);
    if controller {
        let (ctl, f) = match name {
            "helm" => (&mut raw.controllers.helm, f),
            _ => match f.strip_prefix("helm.") {
                Some(rest) => (&mut raw.controllers.helm, rest.to_string()),
                None => (
                    &mut raw.controllers.kustomize,
                    f.strip_prefix("kustomize.")
                        .map(str::to_string)
                        .unwrap_or(f),
                ),
            },
        };
        match f.as_str() {
            "concurrent" => ctl.concurrent = Some(Spanned::new(v.parse().map_err(|_| format!("`{v}` is not a worker count"))?, Location::UNKNOWN, Location::UNKNOWN)),
            "requeuedependency" => ctl.requeue_dependency = Some(sp(v)),
            "watchdependencies" => ctl.watch_dependencies = Some(parse_bool(v, "watch_dependencies")?),
            _ => return Err(format!("unknown controller setting `{field}` (concurrent, requeue_dependency, watch_dependencies)")),
        }
        return Ok(());
    }
    let o = resolve(all, name, None)
        .map_err(|m| format!("{m} (use `controller.` for controller flags)"))?;
    if o.kind == Kind::Ks {
        let k = &mut raw.kustomizations[o.index].value;
        match f.as_str() {
            "wait" => k.wait = Some(parse_bool(v, "wait")?),
            "interval" => k.interval = Some(sp(v)),
            "retryinterval" => k.retry_interval = Some(sp(v)),
            "timeout" => k.timeout = Some(sp(v)),
            "suspend" => k.suspend = Some(parse_bool(v, "suspend")?),
            _ => return Err(format!("unknown Kustomization field `{field}` (wait, interval, retryInterval, timeout, suspend)")),
        }
        return Ok(());
    }
    {
        let h = &mut raw.helm_releases[o.index].value;
        match f.as_str() {
            "interval" => h.interval = Some(sp(v)),
            "timeout" => h.timeout = Some(sp(v)),
            "retries" => {
                let n: i64 = v.parse().map_err(|_| format!("`{v}` is not a number"))?;
                h.install
                    .get_or_insert_with(Default::default)
                    .remediation
                    .get_or_insert_with(Default::default)
                    .retries = Some(n);
            }
            "suspend" => h.suspend = Some(parse_bool(v, "suspend")?),
            _ => {
                return Err(format!(
                    "unknown HelmRelease field `{field}` (interval, timeout, retries, suspend)"
                ))
            }
        }
    }
    Ok(())
}
