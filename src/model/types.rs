//! Validated domain types. A [`Model`] cannot be invalid: every reference is resolved to an id,
//! every default is applied (flux-semantics.md §1), the `dependsOn` graph is acyclic.

use crate::dist::Dist;

pub use typed_index_collections::{TiSlice, TiVec};

/// Declares an index type: a `u32` newtype that only indexes its own [`TiVec`]s, so an object
/// id cannot index the workloads by mistake. `Debug` and `Display` print the bare number.
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(u32);

        impl $name {
            /// The id of the `i`-th element.
            ///
            /// # Panics
            /// If `i` does not fit in 32 bits (inputs are capped far below that).
            #[must_use]
            #[inline]
            pub fn new(i: usize) -> Self {
                $name(u32::try_from(i).expect("fewer than 2^32 elements"))
            }
            /// The position this id stands for.
            #[must_use]
            #[inline]
            pub const fn index(self) -> usize {
                self.0 as usize
            }
        }
        impl From<usize> for $name {
            #[inline]
            fn from(i: usize) -> Self {
                $name::new(i)
            }
        }
        impl From<$name> for usize {
            #[inline]
            fn from(id: $name) -> usize {
                id.index()
            }
        }
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&self.0, f)
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.0, f)
            }
        }
    };
}

id_type!(
    /// A Kustomization or HelmRelease: its place in [`Model::objects`].
    ObjectId
);
id_type!(
    /// A workload: its place in [`Model::workloads`].
    WorkloadId
);
id_type!(
    /// A source: its place in [`Model::sources`].
    SourceId
);

/// Per-object values, indexed by [`ObjectId`] and by nothing else:
///
/// ```
/// # use fluxsim::model::{ObjectId, PerObject};
/// let ready: PerObject<Option<u64>> = vec![None, Some(1_500)].into();
/// assert_eq!(ready[ObjectId::new(1)], Some(1_500));
/// ```
///
/// ```compile_fail
/// # use fluxsim::model::{PerObject, WorkloadId};
/// let ready: PerObject<Option<u64>> = vec![None, Some(1_500)].into();
/// let _ = ready[WorkloadId::new(1)]; // a workload id does not index objects
/// ```
pub type PerObject<T> = TiVec<ObjectId, T>;
/// Per-workload values, indexed by [`WorkloadId`].
pub type PerWorkload<T> = TiVec<WorkloadId, T>;
/// Per-source values, indexed by [`SourceId`].
pub type PerSource<T> = TiVec<SourceId, T>;

/// A controller's settings (R1, R3).
#[derive(Clone, Debug, PartialEq)]
pub struct ControllerParams {
    /// Worker pool size (`--concurrent`, default 4).
    pub concurrent: u32,
    /// `--requeue-dependency` in ms (default 30 000).
    pub requeue_dependency: u64,
    /// What-if: dependents are enqueued when a dependency turns Ready (kustomize-controller PR 1412).
    pub watch_dependencies: bool,
    /// `--feature-gates` as given (every gate kept, R18).
    pub feature_gates: std::collections::BTreeMap<String, bool>,
    /// helm-controller `DefaultToRetryOnFailure`: `RetryOnFailure` is the default strategy.
    pub default_retry_on_failure: bool,
    /// kustomize-controller `DisableFailFastBehavior`: no fail-fast in health checks.
    pub disable_fail_fast: bool,
}

impl Default for ControllerParams {
    fn default() -> Self {
        ControllerParams {
            concurrent: 4,
            requeue_dependency: 30_000,
            watch_dependencies: false,
            feature_gates: std::collections::BTreeMap::new(),
            default_retry_on_failure: false,
            disable_fail_fast: false,
        }
    }
}

/// Which controller reconciles an object.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum ObjKind {
    /// kustomize-controller.
    Kustomization,
    /// helm-controller.
    HelmRelease,
}

impl ObjKind {
    /// Kind name as in Flux.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ObjKind::Kustomization => "Kustomization",
            ObjKind::HelmRelease => "HelmRelease",
        }
    }
}

/// A source object (R5).
#[derive(Clone, Debug)]
pub struct Source {
    /// Kind (GitRepository, OCIRepository, Bucket).
    pub kind: String,
    /// Name.
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// `Kind/ns/name`.
    pub canonical: String,
    /// Stream key.
    pub hash: u64,
    /// Time to fetch the first artifact after its finalizer step; None: present at Flux start
    /// (or, for a source created later, fetched at once).
    pub fetch: Option<Dist>,
    /// The workload (a `GitRepository`, `OCIRepository`, `Bucket` or `HelmRepository` in some
    /// Kustomization's `resources`) whose apply creates this source; None: it exists at start.
    pub created_by: Option<WorkloadId>,
}

/// Something a Kustomization applies or health-checks.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A Kubernetes workload or plain object.
    Workload(WorkloadId),
    /// A child Kustomization or HelmRelease.
    Object(ObjectId),
}

/// HelmRelease-only settings (R11, R12).
#[derive(Clone, Debug)]
pub struct HelmSpec {
    /// HelmChart fetch time after its finalizer step.
    pub chart_fetch: Dist,
    /// Install (and Helm wait) timeout in ms (default 5m).
    pub install_timeout: u64,
    /// `install.remediation.retries`.
    pub retries: u32,
    /// `install.remediation.remediateLastFailure`.
    pub remediate_last_failure: bool,
    /// `install.strategy.name: RetryOnFailure`, or no strategy named and helm-controller's
    /// `DefaultToRetryOnFailure` gate on.
    pub retry_on_failure: bool,
    /// `install.strategy.retryInterval` (default 5m).
    pub strategy_retry_interval: u64,
    /// `install.disableWait`.
    pub disable_wait: bool,
    /// The chart's HelmRepository / OCI registry (for chart outages).
    pub repository: Option<String>,
    /// Chart CRDs (installed first, waited for ≤ 60s).
    pub crds: Vec<WorkloadId>,
    /// Everything else the chart installs.
    pub resources: Vec<WorkloadId>,
}

/// A Kustomization or HelmRelease.
#[derive(Clone, Debug)]
pub struct FluxObject {
    /// Which controller.
    pub kind: ObjKind,
    /// Name.
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// `Kind/ns/name`: the stream key and the sort key of the initial queue order.
    pub canonical: String,
    /// Stream key hash.
    pub hash: u64,
    /// Resolved `dependsOn`.
    pub depends_on: Vec<ObjectId>,
    /// `spec.interval` ms.
    pub interval: u64,
    /// `spec.retryInterval` ms (KS; default interval).
    pub retry_interval: u64,
    /// `spec.timeout` ms (KS health timeout; HR default install timeout).
    pub timeout: u64,
    /// Source (KS).
    pub source: Option<SourceId>,
    /// The Kustomization that creates this object by applying it; None: exists when Flux starts.
    pub parent: Option<ObjectId>,
    /// `spec.suspend`.
    pub suspend: bool,
    /// Apply duration per attempt.
    pub apply: Dist,
    /// `spec.wait` (KS).
    pub wait: bool,
    /// `spec.healthChecks` (KS).
    pub health_checks: Vec<Target>,
    /// What it applies, by SSA stage (R7): [CRD/Namespace/ClusterRole, *Class, everything else].
    pub stages: [Vec<Target>; 3],
    /// HelmRelease settings.
    pub helm: Option<HelmSpec>,
    /// `postBuild.substituteFrom` (KS, R5b).
    pub substitute_from: Vec<SubstituteRef>,
    /// Line in the scenario file (for messages).
    pub line: u64,
}

impl FluxObject {
    /// `Kind/name` when the namespace is flux-system, else `Kind/ns/name`: how reports name it.
    #[must_use]
    pub fn display(&self) -> String {
        // Made for every object of a report: one exact buffer rather than `format!`.
        let kind = self.kind.as_str();
        let ns = (self.namespace != "flux-system").then_some(self.namespace.as_str());
        let mut s = String::with_capacity(kind.len() + self.namespace.len() + self.name.len() + 2);
        s.push_str(kind);
        s.push('/');
        if let Some(ns) = ns {
            s.push_str(ns);
            s.push('/');
        }
        s.push_str(&self.name);
        s
    }
}

/// One `postBuild.substituteFrom` entry (R5b): a ConfigMap or Secret in the Kustomization's
/// namespace that must exist when the build runs, unless optional.
#[derive(Clone, Debug)]
pub struct SubstituteRef {
    /// `Kind/ns/name`.
    pub canonical: String,
    /// The workload that is this object, if anything applies it (or the pre-Flux phase).
    pub workload: Option<WorkloadId>,
    /// `optional: true`.
    pub optional: bool,
}

/// How a workload's status evolves (R14, R15).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WClass {
    /// CustomResourceDefinition: Established ~1s after apply.
    Crd,
    /// Deployment (crash-looping stays InProgress; Failed at the 600s progress deadline).
    Deployment,
    /// DaemonSet (never Failed).
    DaemonSet,
    /// StatefulSet (a failed pod makes it Failed).
    StatefulSet,
    /// Job (Current when complete; Failed after backoffLimit failures).
    Job,
    /// Anything else: Current at once unless it has a readiness time.
    Other,
}

/// Who applies a workload.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Owner {
    /// A Kustomization or HelmRelease.
    Object(ObjectId),
    /// The pre-Flux bootstrap phase, step i.
    Bootstrap(usize),
}

/// A Kubernetes object applied by a Kustomization, a HelmRelease or the pre-Flux phase.
#[derive(Clone, Debug)]
pub struct Workload {
    /// Kind.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Namespace ("" when cluster-scoped).
    pub namespace: String,
    /// `Kind/ns/name`.
    pub canonical: String,
    /// Stream key hash.
    pub hash: u64,
    /// Status rules.
    pub class: WClass,
    /// SSA stage 0, 1 or 2 (R7).
    pub stage: u8,
    /// Readiness time after a start (None: Current at once).
    pub ready: Option<Dist>,
    /// Run-time needs (crash-loop until ready).
    pub needs: Vec<WorkloadId>,
    /// CRD that must be established for dry-run to pass.
    pub crd: Option<WorkloadId>,
    /// Admission webhook that must be ready for dry-run to pass.
    pub webhook: Option<WorkloadId>,
    /// Namespace object that must exist for dry-run to pass (when the scenario declares it).
    pub namespace_obj: Option<WorkloadId>,
    /// Who applies it.
    pub owner: Owner,
    /// Failure probability per start attempt (R16).
    pub fail_probability: f64,
    /// Every start fails (R16).
    pub permanent_failure: bool,
    /// Job backoffLimit.
    pub backoff_limit: u32,
    /// The readiness profile is a guess (`guessed: true`): reports say when a verdict rests
    /// on it.
    pub guessed: bool,
}

/// Injected faults (R16).
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// Git outages: (source or every source, from, to).
    pub git_outages: Vec<(Option<SourceId>, u64, u64)>,
    /// API server outages (from, to).
    pub api_outages: Vec<(u64, u64)>,
    /// Workload outages (workload, from, to).
    pub workload_outages: Vec<(WorkloadId, u64, u64)>,
    /// Controller restarts: (controller, at, down-time).
    pub restarts: Vec<(ObjKind, u64, u64)>,
    /// Slowdowns: (from, to, factor) applied to readiness times of starts inside the window.
    pub slowdowns: Vec<(u64, u64, f64)>,
    /// Chart source outages: (repository or every one, from, to); chart fetches fail.
    pub chart_outages: Vec<(Option<String>, u64, u64)>,
}

/// Posting events to notification-controller (R19).
#[derive(Clone, Debug, Default)]
pub struct Notification {
    /// Unreachable until this workload is Ready (bootstrap); each event then holds its worker
    /// this many ms.
    pub until_ready: Option<(WorkloadId, u64)>,
    /// Unreachable windows (from, to, hold per event in ms).
    pub outages: Vec<(u64, u64, u64)>,
}

/// Each event holds the worker 15s while connections are refused (4 retries: 1+2+4+8 s).
pub const EVENT_HOLD_REFUSED_MS: u64 = 15_000;
/// Each event holds the worker 45s while connections hang.
pub const EVENT_HOLD_HANG_MS: u64 = 45_000;

/// CI budgets.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Expect {
    /// p50 budget ms.
    pub p50: Option<u64>,
    /// p90 budget ms.
    pub p90: Option<u64>,
    /// p95 budget ms.
    pub p95: Option<u64>,
    /// p99 budget ms.
    pub p99: Option<u64>,
    /// Mean budget ms.
    pub mean: Option<u64>,
    /// Largest acceptable stuck probability.
    pub stuck_probability: Option<f64>,
    /// Default trial count for `check`.
    pub trials: Option<u32>,
}

/// A validated scenario.
#[derive(Clone, Debug)]
pub struct Model {
    /// Scenario name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Stuck horizon ms.
    pub horizon: u64,
    /// kustomize-controller.
    pub kustomize: ControllerParams,
    /// helm-controller.
    pub helm: ControllerParams,
    /// Sources.
    pub sources: PerSource<Source>,
    /// Kustomizations and HelmReleases.
    pub objects: PerObject<FluxObject>,
    /// Workloads.
    pub workloads: PerWorkload<Workload>,
    /// Pre-Flux phase, in order.
    pub bootstrap: Vec<WorkloadId>,
    /// Faults.
    pub faults: Faults,
    /// notification-controller reachability (R19).
    pub notification: Notification,
    /// Budgets.
    pub expect: Expect,
    /// Reverse `dependsOn`.
    pub dependents: PerObject<Vec<ObjectId>>,
    /// Objects in (namespace, name) order: the initial work-queue order (R2).
    pub init_order: Vec<ObjectId>,
}

impl Model {
    /// Finds an object by name (and kind, if given): `name`, `ns/name` or `Kind/ns/name`.
    #[must_use]
    pub fn find_object(&self, spec: &str) -> Option<ObjectId> {
        self.objects.position(|o| {
            o.name == spec
                || format!("{}/{}", o.namespace, o.name) == spec
                || o.canonical == spec
                || o.display() == spec
        })
    }
    /// Number of `dependsOn` edges.
    #[must_use]
    pub fn edge_count(&self) -> usize {
        self.objects.iter().map(|o| o.depends_on.len()).sum()
    }
}
