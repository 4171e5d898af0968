//! What-if edits applied to a parsed scenario before validation: `--add-dep`, `--remove-dep`,
//! `--set`. Editing the raw form keeps Flux's defaults honest (e.g. a new `interval` moves the
//! default `retryInterval` and `timeout` with it, SPEC R9).

use super::diag::did_you_mean;
use super::schema::{RawDependsOn, RawScenario};
use crate::scenario::spanned::{Location, Spanned};

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

/// Why an edit cannot be parsed or applied.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EditError {
    /// The flag's value does not have the expected form.
    #[error("{flag} `{value}`: expected {expected}")]
    Syntax {
        /// `--add-dep`, `--remove-dep` or `--set`.
        flag: &'static str,
        /// The value given.
        value: String,
        /// The expected form, with an example.
        expected: &'static str,
    },
    /// No Kustomization or HelmRelease has this name.
    #[error("{edit}: no Kustomization or HelmRelease named `{name}`{hint}")]
    UnknownObject {
        /// The edit, as given.
        edit: String,
        /// The name.
        name: String,
        /// What else the user may have meant (`; did you mean …?`, or empty).
        hint: String,
    },
    /// A bare name that several objects share.
    #[error("{edit}: `{name}` is ambiguous: write it as {forms}")]
    Ambiguous {
        /// The edit.
        edit: String,
        /// The name.
        name: String,
        /// The namespaced forms to choose from.
        forms: String,
    },
    /// `--add-dep` of an edge that exists.
    #[error("{edit}: `{dependent}` already depends on `{dependency}`")]
    AlreadyDepends {
        /// The edit.
        edit: String,
        /// A.
        dependent: String,
        /// B.
        dependency: String,
    },
    /// `--remove-dep` of an edge that does not exist.
    #[error("{edit}: `{dependent}` does not depend on `{dependency}`")]
    DoesNotDepend {
        /// The edit.
        edit: String,
        /// A.
        dependent: String,
        /// B.
        dependency: String,
    },
    /// `--set` of a field that cannot be set.
    #[error("{edit}: unknown {what} `{field}` ({allowed})")]
    UnknownField {
        /// The edit.
        edit: String,
        /// "Kustomization field", "HelmRelease field" or "controller setting".
        what: &'static str,
        /// The field.
        field: String,
        /// The fields that can be set.
        allowed: &'static str,
    },
    /// `--set` with a value of the wrong type.
    #[error("{edit}: `{value}` is not {expected}")]
    BadValue {
        /// The edit.
        edit: String,
        /// The value.
        value: String,
        /// What it should be.
        expected: &'static str,
    },
}

fn sp(v: &str) -> Spanned<String> {
    Spanned::new(v.to_string(), Location::UNKNOWN)
}

fn pair(s: &str, flag: &'static str) -> Result<(String, String), EditError> {
    match s.split_once('=') {
        Some((a, b)) if !a.is_empty() && !b.is_empty() => {
            Ok((a.trim().to_string(), b.trim().to_string()))
        }
        _ => Err(EditError::Syntax {
            flag,
            value: s.to_string(),
            expected: "DEPENDENT=DEPENDENCY, e.g. `cert-manager=coredns`",
        }),
    }
}

impl Edit {
    /// Parses `--add-dep A=B`.
    ///
    /// # Errors
    /// When it is not `A=B`.
    pub fn add_dep(s: &str) -> Result<Edit, EditError> {
        pair(s, "--add-dep").map(|(a, b)| Edit::AddDep(a, b))
    }
    /// Parses `--remove-dep A=B`.
    ///
    /// # Errors
    /// When it is not `A=B`.
    pub fn remove_dep(s: &str) -> Result<Edit, EditError> {
        pair(s, "--remove-dep").map(|(a, b)| Edit::RemoveDep(a, b))
    }
    /// Parses `--set PATH=VALUE`.
    ///
    /// # Errors
    /// When it is not `PATH=VALUE`.
    pub fn set(s: &str) -> Result<Edit, EditError> {
        match s.split_once('=') {
            Some((a, b)) if a.contains('.') && !b.is_empty() => {
                Ok(Edit::Set(a.trim().to_string(), b.trim().to_string()))
            }
            _ => Err(EditError::Syntax {
                flag: "--set",
                value: s.to_string(),
                expected: "NAME.field=value or controller.field=value, e.g. `apps.wait=false`",
            }),
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

fn parse_bool(v: &str, edit: &str) -> Result<bool, EditError> {
    match v {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(bad(edit, v, "true or false")),
    }
}

fn bad(edit: &str, v: &str, expected: &'static str) -> EditError {
    EditError::BadValue {
        edit: edit.to_string(),
        value: v.to_string(),
        expected,
    }
}

fn unknown(edit: &str, what: &'static str, field: &str, allowed: &'static str) -> EditError {
    EditError::UnknownField {
        edit: edit.to_string(),
        what,
        field: field.to_string(),
        allowed,
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
fn resolve(
    all: &[Found],
    spec: &str,
    prefer: Option<Kind>,
    edit: &str,
) -> Result<Found, EditError> {
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
            Err(EditError::UnknownObject {
                edit: edit.to_string(),
                name: spec.to_string(),
                hint: close.map_or_else(String::new, |c| format!("; did you mean `{c}`?")),
            })
        }
        many => {
            let names: Vec<String> = many
                .iter()
                .map(|o| format!("`{}/{}`", o.namespace, o.name))
                .collect();
            Err(EditError::Ambiguous {
                edit: edit.to_string(),
                name: spec.to_string(),
                forms: names.join(" or "),
            })
        }
    }
}

fn depends_on_mut<'a>(raw: &'a mut RawScenario, o: &Found) -> &'a mut Vec<Spanned<RawDependsOn>> {
    match o.kind {
        Kind::Ks => &mut raw.kustomizations[o.index].value.depends_on,
        Kind::Hr => &mut raw.helm_releases[o.index].value.depends_on,
    }
}

/// Applies edits to a raw scenario. Objects are named `name` (when that is unique),
/// `namespace/name` or `Kind/namespace/name`, as imported scenarios need.
///
/// # Errors
/// An edit names an object or field that does not exist (with the closest name), or a name
/// that is ambiguous (with the namespaced forms to use).
pub fn apply(raw: &mut RawScenario, edits: &[Edit]) -> Result<(), EditError> {
    for e in edits {
        let all = objects(raw);
        let edit = e.describe();
        match e {
            Edit::AddDep(a, b) | Edit::RemoveDep(a, b) => {
                let add = matches!(e, Edit::AddDep(..));
                let dependent = resolve(&all, a, None, &edit)?;
                let dependency = resolve(&all, b, Some(dependent.kind), &edit)?;
                let deps = depends_on_mut(raw, &dependent);
                let pos = deps.iter().position(|d| {
                    d.value.name == dependency.name
                        && d.value.namespace.as_deref().unwrap_or(&dependent.namespace)
                            == dependency.namespace
                });
                let (dependent_name, dependency_name) = (a.clone(), b.clone());
                match (add, pos) {
                    (true, Some(_)) => {
                        return Err(EditError::AlreadyDepends {
                            edit,
                            dependent: dependent_name,
                            dependency: dependency_name,
                        })
                    }
                    (true, None) => deps.push(Spanned::new(
                        RawDependsOn {
                            name: dependency.name.clone(),
                            namespace: (dependency.namespace != dependent.namespace)
                                .then(|| dependency.namespace.clone()),
                        },
                        Location::UNKNOWN,
                    )),
                    (false, Some(i)) => {
                        deps.remove(i);
                    }
                    (false, None) => {
                        return Err(EditError::DoesNotDepend {
                            edit,
                            dependent: dependent_name,
                            dependency: dependency_name,
                        })
                    }
                }
            }
            Edit::Set(path, v) => set(raw, &all, path, v, &edit)?,
        }
    }
    Ok(())
}

fn set(
    raw: &mut RawScenario,
    all: &[Found],
    path: &str,
    v: &str,
    edit: &str,
) -> Result<(), EditError> {
    let head = path.split_once('.').map_or(path, |(h, _)| h);
    let controller = matches!(head, "controller" | "controllers" | "kustomize" | "helm");
    // An object's name may itself contain dots: its field is what follows the last one.
    let split = if controller {
        path.split_once('.')
    } else {
        path.rsplit_once('.')
    };
    let Some((name, field)) = split else {
        return Err(EditError::Syntax {
            flag: "--set",
            value: format!("{path}={v}"),
            expected: "NAME.field=value or controller.field=value, e.g. `apps.wait=false`",
        });
    };
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
            "concurrent" => {
                ctl.concurrent = Some(Spanned::new(
                    v.parse().map_err(|_| bad(edit, v, "a worker count"))?,
                    Location::UNKNOWN,
                ))
            }
            "requeuedependency" => ctl.requeue_dependency = Some(sp(v)),
            "watchdependencies" => ctl.watch_dependencies = Some(parse_bool(v, edit)?),
            _ => {
                return Err(unknown(
                    edit,
                    "controller setting",
                    field,
                    "concurrent, requeue_dependency, watch_dependencies",
                ))
            }
        }
        return Ok(());
    }
    let o = resolve(all, name, None, edit)?;
    if o.kind == Kind::Ks {
        let k = &mut raw.kustomizations[o.index].value;
        match f.as_str() {
            "wait" => k.wait = Some(parse_bool(v, edit)?),
            "interval" => k.interval = Some(sp(v)),
            "retryinterval" => k.retry_interval = Some(sp(v)),
            "timeout" => k.timeout = Some(sp(v)),
            "suspend" => k.suspend = Some(parse_bool(v, edit)?),
            _ => {
                return Err(unknown(
                    edit,
                    "Kustomization field",
                    field,
                    "wait, interval, retryInterval, timeout, suspend",
                ))
            }
        }
        return Ok(());
    }
    {
        let h = &mut raw.helm_releases[o.index].value;
        match f.as_str() {
            "interval" => h.interval = Some(sp(v)),
            "timeout" => h.timeout = Some(sp(v)),
            "retries" => {
                let n: i64 = v.parse().map_err(|_| bad(edit, v, "a number"))?;
                h.install
                    .get_or_insert_with(Default::default)
                    .remediation
                    .get_or_insert_with(Default::default)
                    .retries = Some(n);
            }
            "suspend" => h.suspend = Some(parse_bool(v, edit)?),
            _ => {
                return Err(unknown(
                    edit,
                    "HelmRelease field",
                    field,
                    "interval, timeout, retries, suspend",
                ))
            }
        }
    }
    Ok(())
}
