//! The record of what happened in one run: every reconcile with its phases, cause and outcome,
//! workload status changes, and the final state. No analysis here.

use crate::model::{ObjKind, ObjectId, PerObject, PerSource, PerWorkload, SourceId, WorkloadId};
use serde::Serialize;

/// Why a work-queue entry existed: the constraint that released a reconcile (critical path).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Cause {
    /// Object created when Flux started.
    Created,
    /// Object created by its parent Kustomization's apply (run index).
    CreatedBy {
        /// Parent's run.
        run: usize,
    },
    /// Requeue after the finalizer step (R4).
    Finalizer {
        /// The finalizer run.
        run: usize,
    },
    /// Requeue after `requeue_dependency` (R3/R6).
    DependencyPoll {
        /// The run that found a dependency not ready.
        run: usize,
    },
    /// The dependency watch what-if: a dependency turned Ready.
    DependencyReady {
        /// The dependency's Ready run.
        run: usize,
    },
    /// Requeue after 30s because the source had no artifact (R5).
    SourcePoll {
        /// The run that found no artifact.
        run: usize,
    },
    /// The source's artifact arrived (watch).
    SourceArrived {
        /// The source.
        source: SourceId,
    },
    /// HelmChart became ready (watch).
    ChartReady,
    /// Requeue after a failure (retryInterval, R10; RetryOnFailure, R12).
    Retry {
        /// The failed run.
        run: usize,
    },
    /// Rate-limited requeue (750ms·2ⁿ): HelmRelease errors, uninstall remediation, API errors.
    RateLimited {
        /// The failed run.
        run: usize,
    },
    /// Periodic requeue after success (interval ± 5 %).
    Interval {
        /// The successful run.
        run: usize,
    },
    /// Re-enqueued after a controller restart.
    Restart,
}

/// Why an apply, install or health check failed.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FailWhy {
    /// Dry-run failed: the CRD of this object is not established (R7).
    CrdNotEstablished {
        /// The custom resource.
        workload: WorkloadId,
    },
    /// Dry-run failed: the admission webhook it needs is not ready.
    WebhookNotReady {
        /// The object.
        workload: WorkloadId,
    },
    /// Dry-run failed: its namespace does not exist yet.
    NamespaceMissing {
        /// The object.
        workload: WorkloadId,
    },
    /// A CRD/Namespace/Class stage did not become Current within 60s.
    StageTimeout {
        /// An object that was not Current.
        workload: WorkloadId,
    },
    /// Health check timed out; this target was not Current.
    HealthTimeoutWorkload {
        /// The workload.
        workload: WorkloadId,
    },
    /// Health check timed out on a Flux object.
    HealthTimeoutObject {
        /// The object.
        object: ObjectId,
    },
    /// Fail-fast: this workload is Failed.
    WorkloadFailed {
        /// The workload.
        workload: WorkloadId,
    },
    /// Fail-fast: this HelmRelease is Stalled.
    ObjectFailed {
        /// The object.
        object: ObjectId,
    },
    /// The API server was unavailable.
    ApiUnavailable,
    /// Build failed: a `postBuild.substituteFrom` object does not exist (R5b).
    SubstituteMissing {
        /// The Kustomization.
        object: ObjectId,
        /// Index in its `substitute_from`.
        index: usize,
    },
}

/// How a reconcile ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcome {
    /// Still running when the simulation stopped.
    InProgress,
    /// First reconcile: only the finalizer was added (R4).
    FinalizerAdded,
    /// `spec.suspend`.
    Suspended,
    /// Source has no artifact yet (R5).
    ArtifactNotReady,
    /// The source object does not exist yet (R5): Ready=False ArtifactFailed, retry after
    /// retryInterval (HelmRelease: backoff).
    SourceNotFound,
    /// A dependency was not Ready (R6).
    DependencyNotReady {
        /// The first dependency found not Ready.
        dependency: ObjectId,
    },
    /// HelmChart not ready (R11).
    ChartNotReady,
    /// Ready=True.
    Ready,
    /// Apply failed (R7); requeue after retryInterval.
    ApplyFailed {
        /// Why.
        why: FailWhy,
    },
    /// Health check failed or timed out (R8).
    HealthCheckFailed {
        /// Why.
        why: FailWhy,
    },
    /// Helm install failed before a release was stored: exponential backoff (R12).
    InstallFailedBeforeRelease {
        /// Why.
        why: FailWhy,
    },
    /// Helm install failed after the release was stored (R12); remediated or retried.
    InstallFailed {
        /// Why.
        why: FailWhy,
    },
    /// Helm install failed and retries are exhausted: Stalled, never retried (R12).
    Stalled {
        /// Why.
        why: FailWhy,
    },
    /// Lost in a controller restart.
    Lost,
    /// The API server was unavailable.
    ApiUnavailable,
}

impl Outcome {
    /// Whether this is a failure of real work (not a wait).
    #[must_use]
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            Outcome::ApplyFailed { .. }
                | Outcome::HealthCheckFailed { .. }
                | Outcome::InstallFailedBeforeRelease { .. }
                | Outcome::InstallFailed { .. }
                | Outcome::Stalled { .. }
        )
    }
}

/// One reconcile of one object.
#[derive(Clone, Debug, Serialize)]
pub struct Run {
    /// The object.
    pub object: ObjectId,
    /// When its queue entry became ready.
    pub queued_ms: u64,
    /// What released the entry.
    pub cause: Cause,
    /// When the cause released it (≤ queued_ms).
    pub cause_ms: u64,
    /// When a worker picked it up.
    pub start_ms: u64,
    /// When apply (and stage waits) ended and health waiting began.
    pub apply_end_ms: Option<u64>,
    /// When it ended.
    pub end_ms: Option<u64>,
    /// How it ended.
    pub outcome: Outcome,
    /// Apply/install attempt number (0-based) when it did real work.
    pub attempt: Option<u32>,
    /// When it began posting its event to an unreachable notification-controller (R19): the
    /// worker is held from then to `end_ms`.
    pub event_ms: Option<u64>,
}

/// A workload's status at the end of the run.
#[derive(Clone, Debug, Serialize)]
pub struct WorkloadEnd {
    /// When it was first applied.
    pub applied_ms: Option<u64>,
    /// When it first became ready.
    pub ready_ms: Option<u64>,
    /// Ready at the end.
    pub ready: bool,
    /// Start attempts.
    pub starts: u32,
    /// Crashes (including crash-loops on needs).
    pub crashes: u32,
    /// The need it last crash-looped on.
    pub crashloop_need: Option<WorkloadId>,
    /// kstatus Failed at the end.
    pub failed: bool,
}

/// An object's state at the end of the run.
#[derive(Clone, Debug, Serialize)]
pub struct ObjectEnd {
    /// Created (applied by its parent or present at start).
    pub created: bool,
    /// Ready=True at the end.
    pub ready: bool,
    /// Reconciling at the end.
    pub reconciling: bool,
    /// HelmRelease Stalled.
    pub stalled: bool,
    /// The next time it is queued to run, if any.
    pub next_run_ms: Option<u64>,
}

/// Everything recorded in one run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Trace {
    /// When Flux started (end of the pre-Flux phase).
    pub flux_start_ms: u64,
    /// Every reconcile, in start order.
    pub runs: Vec<Run>,
    /// Run indices grouped by object (CSR layout: see [`Trace::runs_of`]).
    pub run_index: Vec<usize>,
    /// Offsets into `run_index`, one more than there are objects.
    pub run_offsets: Vec<usize>,
    /// First Ready time per object.
    pub ready_ms: PerObject<Option<u64>>,
    /// Artifact time per source.
    pub source_ready_ms: PerSource<Option<u64>>,
    /// Per workload at the end.
    pub workloads: PerWorkload<WorkloadEnd>,
    /// Per object at the end.
    pub objects: PerObject<ObjectEnd>,
    /// Makespan: when the last object first became Ready; None when stuck.
    pub makespan_ms: Option<u64>,
    /// Time the simulation stopped.
    pub end_ms: u64,
    /// Events handled by the engine.
    pub events: u64,
    /// Controller of each object (for reports).
    pub kinds: PerObject<ObjKind>,
}

impl Trace {
    /// The runs of object `o`, in start order.
    #[must_use]
    pub fn runs_of(&self, o: ObjectId) -> &[usize] {
        let i = o.index();
        match (self.run_offsets.get(i), self.run_offsets.get(i + 1)) {
            (Some(a), Some(b)) => &self.run_index[*a..*b],
            _ => &[],
        }
    }

    /// Builds the per-object index of runs from each run's object kept aside (`owners[i]` is
    /// `runs[i].object`): reads 4 bytes per run instead of the run itself, with no per-object
    /// allocation.
    pub(crate) fn index_runs(&mut self, objects: usize, owners: &[ObjectId]) {
        debug_assert_eq!(owners.len(), self.runs.len());
        let mut offsets = vec![0usize; objects + 1];
        for o in owners {
            offsets[o.index() + 1] += 1;
        }
        for i in 0..objects {
            offsets[i + 1] += offsets[i];
        }
        let mut next = offsets.clone();
        let mut index = vec![0usize; owners.len()];
        for (i, o) in owners.iter().enumerate() {
            let o = o.index();
            index[next[o]] = i;
            next[o] += 1;
        }
        self.run_index = index;
        self.run_offsets = offsets;
    }
}

/// Number of critical-path categories.
pub const N_CATEGORIES: usize = 9;

/// What Monte Carlo keeps of one trial (no per-event data).
#[derive(Clone, Debug, PartialEq)]
pub struct TrialSummary {
    /// Makespan (None: stuck).
    pub makespan_ms: Option<u64>,
    /// First Ready time per object.
    pub ready_ms: PerObject<Option<u64>>,
    /// Objects on the critical path.
    pub critical: Vec<ObjectId>,
    /// Critical-path ms per category.
    pub per_category_ms: [u64; N_CATEGORIES],
    /// Root cause of the first stuck object (stuck trials only).
    pub stuck_root: Option<String>,
    /// Engine events handled.
    pub events: u64,
}
