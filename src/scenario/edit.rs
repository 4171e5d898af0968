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

/// Why an edit cannot be parsed or applied.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
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
        /// What else the user may have meant.
        hint: &'static str,
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
    Spanned::new(v.to_string(), Location::UNKNOWN, Location::UNKNOWN)
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

/// Applies edits to a raw scenario.
///
/// # Errors
/// An edit names an object or field that does not exist.
pub fn apply(raw: &mut RawScenario, edits: &[Edit]) -> Result<(), EditError> {
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
                    return Err(EditError::UnknownObject {
                        edit: e.describe(),
                        name: a.clone(),
                        hint: "",
                    });
                };
                let pos = deps.iter().position(|d| d.value.name == *b);
                match (add, pos) {
                    (true, Some(_)) => {
                        return Err(EditError::AlreadyDepends {
                            edit: e.describe(),
                            dependent: a.clone(),
                            dependency: b.clone(),
                        })
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
                        return Err(EditError::DoesNotDepend {
                            edit: e.describe(),
                            dependent: a.clone(),
                            dependency: b.clone(),
                        })
                    }
                }
            }
            Edit::Set(path, v) => set(raw, path, v, &e.describe())?,
        }
    }
    Ok(())
}

fn set(raw: &mut RawScenario, path: &str, v: &str, edit: &str) -> Result<(), EditError> {
    let Some((name, field)) = path.split_once('.') else {
        return Err(EditError::Syntax {
            flag: "--set",
            value: format!("{path}={v}"),
            expected: "NAME.field=value or controller.field=value, e.g. `apps.wait=false`",
        });
    };
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
            "concurrent" => {
                ctl.concurrent = Some(Spanned::new(
                    v.parse().map_err(|_| bad(edit, v, "a worker count"))?,
                    Location::UNKNOWN,
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
    if let Some(k) = raw
        .kustomizations
        .iter_mut()
        .find(|k| k.value.name.value == name)
    {
        let k = &mut k.value;
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
        return Ok(());
    }
    Err(EditError::UnknownObject {
        edit: edit.to_string(),
        name: name.to_string(),
        hint: " (use `controller.` for controller flags)",
    })
}
