//! Links resolved after every object is declared: which workload creates a source (R5), which
//! workload is a `substituteFrom` object (R5b).

use super::types::{Owner, Source, Workload, WorkloadId};

/// Kinds of source objects a Kustomization can apply.
pub const SOURCE_KINDS: [&str; 4] = ["GitRepository", "OCIRepository", "Bucket", "HelmRepository"];

/// A source whose object some Kustomization applies (same kind, name and namespace in its
/// `resources`) exists only from that apply on (R5).
pub(crate) fn link_source_creators(sources: &mut [Source], workloads: &[Workload]) {
    for src in sources.iter_mut() {
        src.created_by = workloads.iter().position(|w| {
            SOURCE_KINDS.contains(&w.kind.as_str())
                && w.kind == src.kind
                && w.name == src.name
                && w.namespace == src.namespace
                && matches!(w.owner, Owner::Object(_))
        });
    }
}

/// The workload of that kind, namespace and name, if any.
pub(crate) fn find_workload(
    workloads: &[Workload],
    kind: &str,
    ns: &str,
    name: &str,
) -> Option<WorkloadId> {
    workloads
        .iter()
        .position(|w| w.kind == kind && w.namespace == ns && w.name == name)
}
