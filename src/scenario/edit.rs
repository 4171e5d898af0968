//! What-if edits applied to a parsed scenario before validation: `--add-dep`, `--remove-dep`,
//! `--set`. Editing the raw form keeps Flux's defaults honest (e.g. a new `interval` moves the
//! default `retryInterval` and `timeout` with it, SPEC R9).

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

/// Applies edits to a raw scenario.
///
/// # Errors
/// An edit names an object or field that does not exist.
pub fn apply(raw: &mut RawScenario, edits: &[Edit]) -> Result<(), String> {
    for e in edits {
        match e {
            Edit::AddDep(a, b) | Edit::RemoveDep(a, b) => {
                let add = matches!(e, Edit::AddDep(..));
                let deps = if let Some(k) = raw
                    .kustomizations
                    .iter_mut()
                    .find(|k| k.value.name.value == *a)
                {
                    &mut k.value.depends_on
                } else if let Some(h) = raw
                    .helm_releases
                    .iter_mut()
                    .find(|h| h.value.name.value == *a)
                {
                    &mut h.value.depends_on
                } else {
                    return Err(format!(
                        "{}: no Kustomization or HelmRelease named `{a}`",
                        e.describe()
                    ));
                };
                let pos = deps.iter().position(|d| d.value.name == *b);
                match (add, pos) {
                    (true, Some(_)) => {
                        return Err(format!("{}: `{a}` already depends on `{b}`", e.describe()))
                    }
                    (true, None) => deps.push(Spanned::new(
                        RawDependsOn {
                            name: b.clone(),
                            namespace: None,
                        },
                        Location::UNKNOWN,
                        Location::UNKNOWN,
                    )),
                    (false, Some(i)) => {
                        deps.remove(i);
                    }
                    (false, None) => {
                        return Err(format!("{}: `{a}` does not depend on `{b}`", e.describe()))
                    }
                }
            }
            Edit::Set(path, v) => {
                set(raw, path, v).map_err(|m| format!("{}: {m}", e.describe()))?
            }
        }
    }
    Ok(())
}

fn set(raw: &mut RawScenario, path: &str, v: &str) -> Result<(), String> {
    let (name, field) = path.split_once('.').expect("checked by Edit::set");
    let f = norm(field);
    if name == "controller" || name == "kustomize" || name == "helm" || name == "controllers" {
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
    if let Some(k) = raw
        .kustomizations
        .iter_mut()
        .find(|k| k.value.name.value == name)
    {
        let k = &mut k.value;
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
    if let Some(h) = raw
        .helm_releases
        .iter_mut()
        .find(|h| h.value.name.value == name)
    {
        let h = &mut h.value;
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
        return Ok(());
    }
    Err(format!(
        "no Kustomization or HelmRelease named `{name}` (use `controller.` for controller flags)"
    ))
}
