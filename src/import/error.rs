//! The importer's errors: what keeps `fluxsim import` from choosing what to read. Problems
//! inside a repository are warnings ([`super::Warning`]), never errors.

/// Why an import cannot start.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The repository path is not a directory.
    #[error("`{0}` is not a directory")]
    NotADirectory(String),
    /// The entry point is not a directory of the repository.
    #[error("entry point `{entry}` is not a directory under `{dir}`")]
    EntryNotADirectory {
        /// The entry point given.
        entry: String,
        /// The repository.
        dir: String,
    },
    /// Several sync definitions: each `dir (from file:line)`.
    #[error("several clusters are defined: {}; choose one with --entry", .0.join(", "))]
    SeveralClusters(Vec<String>),
    /// No sync definition and no conventional cluster folder.
    #[error(
        "no entry point found: looked in {files} manifests for a gotk-sync.yaml Kustomization, a FluxInstance spec.sync or a flux-instance HelmRelease's values.instance.sync{}, and for the folders {}; give the cluster's Flux folder with --entry",
        if unresolved.is_empty() { String::new() } else { format!(" ({})", unresolved.join("; ")) },
        folders.join(", ")
    )]
    NoEntryPoint {
        /// Manifests read.
        files: usize,
        /// Sync definitions whose path is not a folder (`file:line names path …`).
        unresolved: Vec<String>,
        /// The conventional folders looked for.
        folders: Vec<String>,
    },
    /// No sync definition, and several conventional cluster folders.
    #[error("no sync definition found, and several cluster folders: {}; choose one with --entry", .0.join(", "))]
    SeveralFolders(Vec<String>),
}
