//! Raw scenario structs, mirroring the YAML one to one (Flux's own camelCase field names).
//! No Flux semantics here: defaults and cross-references are resolved in `model`.

use crate::scenario::spanned::Spanned;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::fmt;

/// A string with its position in the file.
pub type S = Spanned<String>;

/// The whole scenario file.
pub type RawScenario = RawScenarioOf<Spanned<RawKustomization>>;

/// The whole scenario file, with its Kustomizations as `K` (the JSON parser first keeps each
/// one's text, to parse them on several threads).
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    bound(deserialize = "K: Deserialize<'de>")
)]
pub struct RawScenarioOf<K> {
    /// Scenario name (defaults to the file name).
    pub name: Option<String>,
    /// Free text shown in reports.
    pub description: Option<String>,
    /// Stop and report "stuck" when not every object is Ready by this time (default 6h).
    pub horizon: Option<S>,
    /// Controller settings.
    #[serde(default)]
    pub controllers: RawControllers,
    /// A pre-Flux phase (e.g. helmfile): workloads installed one after another before Flux starts.
    #[serde(default)]
    pub bootstrap: Vec<Spanned<RawWorkload>>,
    /// Flux sources (GitRepository, OCIRepository, Bucket).
    #[serde(default)]
    pub sources: Vec<Spanned<RawSource>>,
    /// Flux Kustomizations.
    #[serde(default)]
    pub kustomizations: Vec<K>,
    /// Flux HelmReleases.
    #[serde(default)]
    pub helm_releases: Vec<Spanned<RawHelmRelease>>,
    /// Injected faults (SPEC R16).
    #[serde(default)]
    pub faults: Vec<Spanned<RawFault>>,
    /// Budgets for `fluxsim check`.
    pub expect: Option<RawExpect>,
}

impl<K> RawScenarioOf<K> {
    /// The same scenario with `kustomizations` in place of its Kustomizations.
    pub(crate) fn with_kustomizations<L>(self, kustomizations: Vec<L>) -> RawScenarioOf<L> {
        RawScenarioOf {
            name: self.name,
            description: self.description,
            horizon: self.horizon,
            controllers: self.controllers,
            bootstrap: self.bootstrap,
            sources: self.sources,
            kustomizations,
            helm_releases: self.helm_releases,
            faults: self.faults,
            expect: self.expect,
        }
    }
}

/// Settings of both controllers.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawControllers {
    /// kustomize-controller.
    #[serde(default)]
    pub kustomize: RawController,
    /// helm-controller.
    #[serde(default)]
    pub helm: RawController,
    /// notification-controller, when it is not up before Flux starts (SPEC R19).
    pub notification: Option<RawNotification>,
}

/// notification-controller during bootstrap: every reconcile posts its events to it
/// synchronously, so until its own workload is Ready each event holds a worker.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawNotification {
    /// Its workload (in `bootstrap` or some `resources`): unreachable until it is Ready.
    pub workload: S,
    /// `refused` (default: each event holds the worker 15s) or `hang` (45s).
    pub unreachable: Option<S>,
}

/// One controller's flags.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawController {
    /// `--concurrent` (default 4).
    pub concurrent: Option<Spanned<u32>>,
    /// `--requeue-dependency` (default 30s).
    pub requeue_dependency: Option<S>,
    /// What-if: the proposed dependency watch (kustomize-controller PR 1412).
    pub watch_dependencies: Option<bool>,
    /// `--feature-gates`, as a map of gate name to value (SPEC R18).
    #[serde(default, deserialize_with = "unique_gates")]
    pub feature_gates: Option<Spanned<BTreeMap<String, bool>>>,
}

/// A gate map that refuses a repeated gate. The YAML parser already does (`duplicate mapping
/// key`); this makes the JSON parser refuse it too, so a `.json` scenario falls back to the
/// YAML parser and gets the same diagnostic instead of silently keeping the last value.
fn unique_gates<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Spanned<BTreeMap<String, bool>>>, D::Error> {
    struct Unique(BTreeMap<String, bool>);
    impl<'de> Deserialize<'de> for Unique {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Unique;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a map of feature gate names to true or false")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Unique, A::Error> {
                    let mut out = BTreeMap::new();
                    while let Some((k, v)) = m.next_entry::<String, bool>()? {
                        if out.insert(k.clone(), v).is_some() {
                            return Err(de::Error::custom(format!("duplicate gate `{k}`")));
                        }
                    }
                    Ok(Unique(out))
                }
            }
            d.deserialize_map(V)
        }
    }
    let gates = Option::<Spanned<Unique>>::deserialize(d)?;
    Ok(gates.map(|g| Spanned::new(g.value.0, g.referenced)))
}

/// A per-object list without spare room: a growing `Vec` keeps room for 4 entries, and a
/// million Kustomizations applying one workload each would hold 3 million empty workloads.
/// The room grows 1, 2, 4, … entries, so the usual list of one entry is allocated once at its
/// size (not made for 4, then moved into a block for 1).
fn tight<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    struct Tight<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for Tight<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a sequence")
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut v = Vec::new();
            while let Some(x) = seq.next_element()? {
                if v.len() == v.capacity() {
                    v.reserve_exact(v.len().max(1));
                }
                v.push(x);
            }
            v.shrink_to_fit();
            Ok(v)
        }
    }
    d.deserialize_seq(Tight(std::marker::PhantomData))
}

/// A source object.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawSource {
    /// Object name.
    pub name: S,
    /// GitRepository (default), OCIRepository, Bucket.
    pub kind: Option<String>,
    /// Namespace (default flux-system).
    pub namespace: Option<String>,
    /// Time to fetch the first artifact after the finalizer step; absent: the artifact exists
    /// when Flux starts (the bootstrap Kustomization already used it).
    pub fetch: Option<Spanned<RawDist>>,
    /// Kept for copy-paste from Flux manifests; not used in bootstrap.
    pub interval: Option<S>,
    /// Kept for copy-paste from Flux manifests.
    pub url: Option<String>,
}

/// A `dependsOn` entry: `name` or `{name, namespace}`.
#[derive(Debug)]
pub struct RawDependsOn {
    /// Name.
    pub name: String,
    /// Optional namespace (default: the dependent's).
    pub namespace: Option<String>,
}

impl<'de> Deserialize<'de> for RawDependsOn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Full {
            name: String,
            namespace: Option<String>,
            #[serde(rename = "readyExpr")]
            #[allow(dead_code)]
            ready_expr: Option<String>,
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawDependsOn;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a name or a map with `name` and optional `namespace`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawDependsOn, E> {
                Ok(RawDependsOn {
                    name: v.to_string(),
                    namespace: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<RawDependsOn, A::Error> {
                let f = Full::deserialize(de::value::MapAccessDeserializer::new(m))?;
                Ok(RawDependsOn {
                    name: f.name,
                    namespace: f.namespace,
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// `sourceRef`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawSourceRef {
    /// Kind (ignored beyond documentation).
    pub kind: Option<String>,
    /// Name.
    pub name: String,
    /// Namespace.
    pub namespace: Option<String>,
}

/// A reference to an object by kind/name/namespace (health checks).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawObjectRef {
    /// API version (ignored).
    pub api_version: Option<String>,
    /// Kind.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Namespace.
    pub namespace: Option<String>,
}

/// A Flux Kustomization.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawKustomization {
    /// Name.
    pub name: S,
    /// Namespace (default flux-system).
    pub namespace: Option<String>,
    /// Default namespace for the workloads it applies.
    pub target_namespace: Option<String>,
    /// `spec.interval` (required in Flux; default 10m here, as `flux bootstrap` writes).
    pub interval: Option<S>,
    /// `spec.retryInterval` (default: interval).
    pub retry_interval: Option<S>,
    /// `spec.timeout` (default max(30s, interval − 30s)).
    pub timeout: Option<S>,
    /// `spec.wait` (default false).
    pub wait: Option<bool>,
    /// `spec.dependsOn`.
    #[serde(default, deserialize_with = "tight")]
    pub depends_on: Vec<Spanned<RawDependsOn>>,
    /// `spec.healthChecks`.
    #[serde(default, deserialize_with = "tight")]
    pub health_checks: Vec<Spanned<RawObjectRef>>,
    /// `spec.sourceRef` (default: the only source, or flux-system). Boxed, as are the other
    /// fields most objects leave out, so that a million objects of the usual few fields stay
    /// small (a Kustomization 456 -> 368 bytes, a workload 296 -> 232).
    pub source_ref: Option<Box<Spanned<RawSourceRef>>>,
    /// `spec.path` (documentation only).
    pub path: Option<String>,
    /// `spec.prune` (documentation only).
    pub prune: Option<bool>,
    /// `spec.suspend`: a suspended object is never reconciled.
    pub suspend: Option<bool>,
    /// Fetch + build + dry-run + apply duration per attempt (default 1s).
    pub apply: Option<Spanned<RawDist>>,
    /// `spec.postBuild` (only `substituteFrom` matters for timing: SPEC R5b).
    pub post_build: Option<Box<RawPostBuild>>,
    /// What it applies.
    #[serde(default, deserialize_with = "tight")]
    pub resources: Vec<Spanned<RawWorkload>>,
}

/// `spec.postBuild`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawPostBuild {
    /// `substituteFrom`: ConfigMaps and Secrets in the Kustomization's namespace. One that does
    /// not exist (not applied by any Kustomization or HelmRelease, not in `bootstrap`) and is not
    /// `optional` fails the build.
    #[serde(default)]
    pub substitute_from: Vec<Spanned<RawSubstituteRef>>,
}

/// One `substituteFrom` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawSubstituteRef {
    /// `ConfigMap` or `Secret`.
    pub kind: S,
    /// Name.
    pub name: S,
    /// `optional: true`: a missing object is no error.
    pub optional: Option<bool>,
}

/// HelmRelease `spec.install`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawInstall {
    /// `install.timeout`.
    pub timeout: Option<S>,
    /// `install.remediation`.
    pub remediation: Option<RawRemediation>,
    /// `install.strategy`.
    pub strategy: Option<RawStrategy>,
    /// `install.crds` (Create default; Skip).
    pub crds: Option<String>,
    /// `install.disableWait`.
    pub disable_wait: Option<bool>,
}

/// `install.remediation`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawRemediation {
    /// `retries` (default 0).
    pub retries: Option<i64>,
    /// `remediateLastFailure`.
    pub remediate_last_failure: Option<bool>,
}

/// `install.strategy`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawStrategy {
    /// `RemediateOnFailure` (default) or `RetryOnFailure`.
    pub name: S,
    /// `retryInterval` (default 5m).
    pub retry_interval: Option<S>,
}

/// HelmRelease chart: the HelmChart source-controller makes.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawChart {
    /// Chart name (documentation and importer).
    pub chart: Option<String>,
    /// Version (documentation).
    pub version: Option<String>,
    /// Time source-controller needs to fetch the chart after its finalizer step (default 2s).
    pub fetch: Option<Spanned<RawDist>>,
    /// Name of the HelmRepository or OCI registry the chart comes from (what a
    /// `{type: outage, target: chart, source: NAME}` fault takes down).
    pub repository: Option<String>,
}

/// A Flux HelmRelease.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawHelmRelease {
    /// Name.
    pub name: S,
    /// Namespace (default flux-system).
    pub namespace: Option<String>,
    /// Default namespace of its workloads.
    pub target_namespace: Option<String>,
    /// `spec.interval` (default 10m).
    pub interval: Option<S>,
    /// `spec.timeout` (default 5m).
    pub timeout: Option<S>,
    /// `spec.dependsOn` (HelmReleases only).
    #[serde(default, deserialize_with = "tight")]
    pub depends_on: Vec<Spanned<RawDependsOn>>,
    /// `spec.chart.spec`.
    pub chart: Option<RawChart>,
    /// `spec.chartRef`: the chart is the artifact of a declared source (an OCIRepository),
    /// instead of a HelmChart made from `chart` (SPEC R5: a missing one backs off).
    pub chart_ref: Option<Spanned<RawSourceRef>>,
    /// `spec.install`.
    pub install: Option<RawInstall>,
    /// `spec.suspend`.
    pub suspend: Option<bool>,
    /// Helm template + apply duration per attempt (default 2s).
    pub apply: Option<Spanned<RawDist>>,
    /// What the chart installs (chart CRDs are applied first).
    #[serde(default, deserialize_with = "tight")]
    pub resources: Vec<Spanned<RawWorkload>>,
}

/// A Kubernetes object applied by a Kustomization or a HelmRelease, or a reference from a
/// Kustomization's `resources` to a HelmRelease / Kustomization it creates.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawWorkload {
    /// Kind: Deployment, DaemonSet, StatefulSet, Job, CustomResourceDefinition, Namespace, …,
    /// any custom resource kind, or HelmRelease / Kustomization (a child Flux object).
    pub kind: S,
    /// Name.
    pub name: S,
    /// Namespace.
    pub namespace: Option<String>,
    /// Readiness time from the moment it can start (SPEC R14).
    pub ready: Option<Spanned<RawDist>>,
    /// Workloads it needs at run time: until they are ready it crash-loops.
    #[serde(default, deserialize_with = "tight")]
    pub needs: Vec<S>,
    /// For a custom resource: its CRD (name); dry-run fails until that CRD is established (R7).
    /// Boxed, as the other fields most workloads leave out (see `RawKustomization::source_ref`).
    pub crd: Option<Box<S>>,
    /// An admission webhook workload that must be ready for dry-run to pass.
    pub webhook: Option<Box<S>>,
    /// Failure probability of each start attempt (R16).
    pub fail_probability: Option<Box<Spanned<f64>>>,
    /// Job `backoffLimit` (default 6).
    pub backoff_limit: Option<u32>,
    /// The readiness profile is a guess (written by `fluxsim import`); reports say when a
    /// verdict rests on it.
    pub guessed: Option<bool>,
    /// The readiness profile was fitted from a real cluster (written by `fluxsim calibrate`).
    pub observed: Option<Box<RawObserved>>,
}

/// Where an observed readiness profile came from.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawObserved {
    /// Number of samples it was fitted from.
    pub samples: u32,
    /// Where the samples came from (dump files).
    pub source: Option<String>,
}

/// An injected fault (R16).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawFault {
    /// `failure`, `permanent`, `outage`, `restart`, `slowdown`.
    #[serde(rename = "type")]
    pub kind: S,
    /// Workload the fault applies to (failure, permanent, outage of a workload).
    pub workload: Option<S>,
    /// `git`, `apiserver`, `workload`, `notification` or `chart` (outage).
    pub target: Option<S>,
    /// Notification outage: `refused` (default: each event holds its worker 15s) or `hang`
    /// (45s).
    pub mode: Option<S>,
    /// Source name for a git outage, or chart repository for a chart outage (default: every
    /// source / every chart).
    pub source: Option<S>,
    /// Failure probability per start attempt.
    pub probability: Option<Spanned<f64>>,
    /// Window start.
    pub from: Option<S>,
    /// Window end.
    pub to: Option<S>,
    /// Restart time.
    pub at: Option<S>,
    /// `kustomize` or `helm` (restart).
    pub controller: Option<S>,
    /// How long the restarted controller is down (default 10s).
    pub down: Option<S>,
    /// Slowdown factor of readiness times starting in the window.
    pub factor: Option<Spanned<f64>>,
}

/// CI budgets.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawExpect {
    /// Budget for the median makespan.
    pub p50: Option<S>,
    /// Budget for p90.
    pub p90: Option<S>,
    /// Budget for p95.
    pub p95: Option<S>,
    /// Budget for p99.
    pub p99: Option<S>,
    /// Budget for the mean.
    pub mean: Option<S>,
    /// Largest acceptable stuck probability.
    pub stuck_probability: Option<f64>,
    /// Trials `check` runs by default.
    pub trials: Option<u32>,
}

/// A distribution as written: a bare duration (fixed), or a one-key map such as
/// `{lognormal: {median: 30s, p95: 90s}}`, kept as the form it names (no boxed map per value:
/// a million-object scenario has millions of them).
#[derive(Debug)]
pub enum RawDist {
    /// `30s`.
    Fixed(String),
    /// `{fixed: 30s}`.
    MapFixed(String),
    /// `{uniform: {min, max}}`.
    Uniform(MinMax),
    /// `{exponential: {mean, offset}}`.
    Exponential(ExpSpec),
    /// `{lognormal: {median, p95}}`.
    LogNormal(LogNormalSpec),
    /// `{triangular: {min, mode, max}}`.
    Triangular(Box<ThreePoint>),
    /// `{pert: {min, mode, max}}`.
    Pert(Box<ThreePoint>),
    /// `{empirical: [10s, 12s, ...]}`.
    Empirical(Vec<String>),
    /// A map with none or several of the forms: how many (the model refuses it).
    NotOne(usize),
}

/// The one-key distribution map as parsed, before it becomes a [`RawDist`].
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDistMap {
    fixed: Option<String>,
    uniform: Option<MinMax>,
    exponential: Option<ExpSpec>,
    lognormal: Option<LogNormalSpec>,
    triangular: Option<Box<ThreePoint>>,
    pert: Option<Box<ThreePoint>>,
    empirical: Option<Vec<String>>,
}

impl From<RawDistMap> for RawDist {
    fn from(m: RawDistMap) -> Self {
        let n = usize::from(m.fixed.is_some())
            + usize::from(m.uniform.is_some())
            + usize::from(m.exponential.is_some())
            + usize::from(m.lognormal.is_some())
            + usize::from(m.triangular.is_some())
            + usize::from(m.pert.is_some())
            + usize::from(m.empirical.is_some());
        if n != 1 {
            return RawDist::NotOne(n);
        }
        if let Some(s) = m.fixed {
            RawDist::MapFixed(s)
        } else if let Some(u) = m.uniform {
            RawDist::Uniform(u)
        } else if let Some(e) = m.exponential {
            RawDist::Exponential(e)
        } else if let Some(l) = m.lognormal {
            RawDist::LogNormal(l)
        } else if let Some(t) = m.triangular {
            RawDist::Triangular(t)
        } else if let Some(p) = m.pert {
            RawDist::Pert(p)
        } else {
            RawDist::Empirical(m.empirical.unwrap_or_default())
        }
    }
}

/// `{min, max}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MinMax {
    /// Lower bound.
    pub min: String,
    /// Upper bound.
    pub max: String,
}

/// `{mean, offset}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpSpec {
    /// Mean of the exponential part.
    pub mean: String,
    /// Constant added.
    pub offset: Option<String>,
}

/// `{median, p95}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogNormalSpec {
    /// Median.
    pub median: String,
    /// 95th percentile.
    pub p95: String,
}

/// `{min, mode, max}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThreePoint {
    /// Minimum.
    pub min: String,
    /// Most likely value.
    pub mode: String,
    /// Maximum.
    pub max: String,
}

impl<'de> Deserialize<'de> for RawDist {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawDist;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration such as `30s`, or a map such as `{lognormal: {median: 30s, p95: 90s}}`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawDist, E> {
                Ok(RawDist::Fixed(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawDist, E> {
                Ok(RawDist::Fixed(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawDist, E> {
                Ok(RawDist::Fixed(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<RawDist, A::Error> {
                let f = RawDistMap::deserialize(de::value::MapAccessDeserializer::new(m))?;
                Ok(f.into())
            }
        }
        d.deserialize_any(V)
    }
}
