//! Typed errors of the model layer's library functions. Their text is what users see in
//! diagnostics (as the help line of a scenario error), so it is kept word for word.

/// Why a reference or setting in a scenario cannot be resolved.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// No workload has that name (of that kind or namespace, when given).
    #[error("{}", unknown_help(.suggestion.as_deref()))]
    UnknownWorkload {
        /// A declared name close to the one given.
        suggestion: Option<String>,
    },
    /// Several workloads match and no rule picks one.
    #[error("`{spec}` is ambiguous: it matches {}; write `Kind/namespace/name`", quoted(.matches))]
    AmbiguousWorkload {
        /// The reference as written.
        spec: String,
        /// The canonical names of the matching workloads.
        matches: Vec<String>,
    },
    /// A notification-controller mode other than `refused` or `hang`.
    #[error("unknown notification mode `{0}`")]
    UnknownNotificationMode(String),
}

fn unknown_help(suggestion: Option<&str>) -> String {
    match suggestion {
        Some(s) => format!("did you mean `{s}`?"),
        None => "declare it in some Kustomization's or HelmRelease's `resources`".into(),
    }
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
