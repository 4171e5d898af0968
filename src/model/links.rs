//! Links resolved after every object is declared: which workload creates a source (R5).

use super::types::{Owner, Source, SourceId, TiSlice, Workload, WorkloadId};

/// Kinds of source objects a Kustomization can apply.
pub const SOURCE_KINDS: [&str; 4] = ["GitRepository", "OCIRepository", "Bucket", "HelmRepository"];

/// A source whose object some Kustomization applies (same kind, name and namespace in its
/// `resources`) exists only from that apply on (R5). `find` gives the workload of exactly that
/// kind, namespace and name.
pub(crate) fn link_source_creators(
    sources: &mut TiSlice<SourceId, Source>,
    workloads: &TiSlice<WorkloadId, Workload>,
    find: impl Fn(&str, &str, &str) -> Option<WorkloadId>,
) {
    for src in sources.iter_mut() {
        src.created_by = find(&src.kind, &src.namespace, &src.name).filter(|&w| {
            SOURCE_KINDS.contains(&workloads[w].kind.as_str())
                && matches!(workloads[w].owner, Owner::Object(_))
        });
    }
}
