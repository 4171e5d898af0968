//! `fluxsim calibrate`: what a real cluster recorded (kubectl JSON dumps, controller JSON logs)
//! → readiness and apply times fitted per object, the controllers' real flags, and the observed
//! bootstrap timeline. Field meanings: flux-observability.md. Pure: text in, data out.

pub mod error;
pub mod fit;
pub mod flux;
pub mod kube;
pub mod load;
pub mod stamp;
pub mod timeline;
pub mod write;

use crate::model::{Model, ObjectId, WorkloadId};
use fit::Fitted;
use load::Input;
use std::collections::BTreeMap;

/// A fitted readiness profile of one workload.
#[derive(Clone, Debug, serde::Serialize)]
pub struct WorkloadFit {
    /// The scenario workload.
    #[serde(skip)]
    pub workload: WorkloadId,
    /// `Kind/ns/name`.
    pub key: String,
    /// Samples (ms), one per bootstrap: created (or last restarted) → Ready.
    pub samples: Vec<u64>,
    /// The dump files the samples came from.
    pub files: Vec<String>,
    /// Restarts seen across samples.
    pub restarts: u32,
    /// Pods that never became Ready.
    pub not_ready: usize,
    /// The fit.
    pub fit: Fitted,
}

/// A fitted apply time of one Kustomization or HelmRelease.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ObjectFit {
    /// The object.
    #[serde(skip)]
    pub object: ObjectId,
    /// `Kind/ns/name`.
    pub key: String,
    /// Apply samples (ms).
    pub samples: Vec<u64>,
    /// Where they came from and at what precision.
    pub source: String,
    /// HelmRelease install action durations (ms), for the report.
    pub install_ms: Vec<u64>,
    /// The fit of `apply`.
    pub fit: Fitted,
}

/// One controller's observed flags.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Flags {
    /// Image tag.
    pub version: String,
    /// `--concurrent`.
    pub concurrent: Option<u32>,
    /// `--requeue-dependency`.
    pub requeue_dependency: Option<String>,
    /// `--feature-gates`.
    pub feature_gates: BTreeMap<String, bool>,
}

/// Everything calibration found.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Calibration {
    /// Readiness fits.
    pub workloads: Vec<WorkloadFit>,
    /// Apply fits.
    pub objects: Vec<ObjectFit>,
    /// kustomize-controller flags.
    pub kustomize: Option<Flags>,
    /// helm-controller flags.
    pub helm: Option<Flags>,
    /// Observed things with no match in the scenario.
    pub unmatched: Vec<String>,
    /// What each missing input would have added.
    pub missing: Vec<String>,
    /// Inputs that were too late or too coarse.
    pub notes: Vec<String>,
}

fn sample_of(p: &load::PodRec) -> Option<u64> {
    let start = if p.restarts > 0 {
        p.started.unwrap_or(p.created)
    } else {
        p.created
    };
    p.ready.map(|r| u64::try_from(r - start).unwrap_or(0))
}

/// Per workload key and file: the slowest pod (all replicas must be Ready, flux-semantics §5).
fn readiness_samples(input: &Input) -> BTreeMap<String, (Vec<u64>, u32, usize, Vec<String>)> {
    let mut per: BTreeMap<(String, usize), (Option<u64>, u32, usize)> = BTreeMap::new();
    // The same pod in two dumps (two captures of one bootstrap) is one sample.
    let mut seen = std::collections::BTreeSet::new();
    for p in &input.pods {
        if !seen.insert((p.owner.as_str(), p.name.as_str(), p.created)) {
            continue;
        }
        let e = per
            .entry((p.owner.clone(), p.file))
            .or_insert((Some(0), 0, 0));
        e.1 = e.1.saturating_add(p.restarts);
        match sample_of(p) {
            Some(s) => e.0 = e.0.map(|x| x.max(s)),
            None => {
                e.0 = None;
                e.2 += 1;
            }
        }
    }
    for j in &input.jobs {
        let e = per
            .entry((j.key.clone(), j.file))
            .or_insert((Some(0), 0, 0));
        e.1 = e.1.saturating_add(j.failed);
        match j.completed {
            Some(c) => e.0 = Some(u64::try_from(c - j.created).unwrap_or(0)),
            None => e.2 += 1,
        }
    }
    let mut out: BTreeMap<String, (Vec<u64>, u32, usize, Vec<String>)> = BTreeMap::new();
    for ((k, f), (s, r, nr)) in per {
        let e = out.entry(k).or_default();
        e.3.push(input.files[f].clone());
        e.0.extend(s);
        e.1 = e.1.saturating_add(r);
        e.2 += nr;
    }
    out
}

fn fit_workloads(m: &Model, input: &Input, c: &mut Calibration) {
    let by_key: BTreeMap<&str, WorkloadId> = m
        .workloads
        .iter_enumerated()
        .map(|(i, w)| (w.canonical.as_str(), i))
        .collect();
    for (key, (samples, restarts, not_ready, files)) in readiness_samples(input) {
        let Some(&w) = by_key.get(key.as_str()) else {
            if !key.contains("/flux-system/") && !key.starts_with("Pod/") {
                c.unmatched.push(key);
            }
            continue;
        };
        let Some(fit) = fit::fit(&samples) else {
            c.notes.push(format!(
                "{key}: {not_ready} pod(s) never Ready ({restarts} restarts): no readiness sample"
            ));
            continue;
        };
        c.workloads.push(WorkloadFit {
            workload: w,
            key,
            samples,
            files,
            restarts,
            not_ready,
            fit,
        });
    }
}

/// Names a set of dump files briefly: `a.json`, or `a.json and 19 more`.
#[must_use]
pub fn source_of(files: &[String]) -> String {
    match files {
        [] => String::new(),
        [a] => a.clone(),
        [a, b] => format!("{a}, {b}"),
        [a, rest @ ..] => format!("{a} and {} more", rest.len()),
    }
}

/// Calibrates `m` from the dumps in `input`.
#[must_use]
pub fn calibrate(m: &Model, input: &Input) -> Calibration {
    let mut c = Calibration::default();
    fit_workloads(m, input, &mut c);
    timeline::fit_objects(m, input, &mut c);
    c.kustomize = controller_flags(input, "kustomize-controller", &mut c.notes);
    c.helm = controller_flags(input, "helm-controller", &mut c.notes);
    missing_inputs(input, &mut c);
    c
}

/// A token the calibrated scenario can carry as is: an image tag or a feature gate name.
fn token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._+-".contains(&b))
}

/// A controller's flags, as far as the calibrated scenario can take them: values the
/// controller itself would refuse (`--concurrent=0`, a requeue that is no positive duration,
/// a gate name that is no name) are noted and left out, never written.
fn controller_flags(input: &Input, name: &str, notes: &mut Vec<String>) -> Option<Flags> {
    let d = input.controllers.iter().find(|c| c.name == name)?;
    let mut f = Flags {
        version: d
            .image
            .rsplit_once(':')
            .map(|(_, t)| t.to_string())
            .filter(|t| token(t))
            .unwrap_or_default(),
        ..Flags::default()
    };
    let mut unused = |a: &str| {
        notes.push(format!(
            "{name}: `{}` is not a value the controller accepts: not used",
            error::Brief(a)
        ));
    };
    for a in &d.args {
        let Some((k, v)) = a.trim_start_matches('-').split_once('=') else {
            continue;
        };
        match k {
            "concurrent" => match v.parse() {
                Ok(n) if n > 0 => f.concurrent = Some(n),
                _ => unused(a),
            },
            "requeue-dependency" => match crate::time::parse_duration(v) {
                Ok(ms) if ms > 0 => f.requeue_dependency = Some(v.to_string()),
                _ => unused(a),
            },
            "feature-gates" => {
                for g in v.split(',').filter(|g| !g.is_empty()) {
                    let (n, b) = g.split_once('=').unwrap_or((g, "true"));
                    if token(n.trim()) {
                        f.feature_gates
                            .insert(n.trim().to_string(), b.trim() == "true");
                    } else {
                        unused(g);
                    }
                }
            }
            _ => {}
        }
    }
    Some(f)
}

/// `v1.6.1` → (1, 6).
fn minor(version: &str) -> Option<(u32, u32)> {
    let mut it = version.trim_start_matches('v').split('.');
    Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
}

/// What the controllers' versions and the events' counts say about the records
/// (flux-observability.md §0, §b, §c).
fn version_notes(input: &Input, c: &mut Calibration) {
    let kc = c.kustomize.as_ref().and_then(|f| minor(&f.version));
    if kc.is_some_and(|v| v < (1, 7)) {
        c.notes.push("kustomize-controller is older than v1.7 (Flux 2.7): Kustomizations have no status.history, so apply times and first Ready come from logs and events only".into());
    }
    let hc = c.helm.as_ref().and_then(|f| minor(&f.version));
    if hc.is_some_and(|v| v < (1, 4)) {
        c.notes.push("helm-controller is older than v1.4 (Flux 2.7): no lastAttemptedReleaseActionDuration, so install times come from logs only".into());
    }
    if c.helm.as_ref().is_some_and(|f| f.version == "v1.4.0") {
        c.notes.push("helm-controller v1.4.0 sets Ready=Unknown on every run: HelmRelease Ready times are the latest run's, not the install's".into());
    }
    // The recorder's token bucket is per object (and type) and per controller process: count
    // within one dump.
    let mut per: BTreeMap<(usize, &str), u64> = BTreeMap::new();
    for e in &input.events {
        let n = per.entry((e.file, e.object.as_str())).or_default();
        *n = n.saturating_add(e.count);
    }
    for ((f, o), n) in per.into_iter().filter(|(_, n)| *n >= 25) {
        c.notes.push(format!("{o}: {n} events in {}, past the recorder's burst of 25: later events may have been dropped (the logs keep them)", input.files[f]));
    }
}

fn missing_inputs(input: &Input, c: &mut Calibration) {
    version_notes(input, c);
    let cmd = |what: &str, how: &str| format!("{what} (`{how}`)");
    if input.pods.is_empty() && input.jobs.is_empty() {
        c.missing.push(cmd(
            "no Pods: workload readiness would have been fitted",
            "kubectl get pods,deployments,statefulsets,daemonsets,jobs -A -o json",
        ));
    }
    if input.objects.is_empty() {
        c.missing.push(cmd("no Kustomizations or HelmReleases: the observed timeline, apply and install times would have come from their status", "kubectl get kustomizations,helmreleases -A -o json"));
    }
    if input.events.is_empty() {
        c.missing.push(cmd("no Events: dependency polls and millisecond first occurrences would have been read (events expire after 1h)", "kubectl get events -A -o json"));
    }
    if input.logs.is_empty() {
        c.missing.push(cmd("no controller logs: Kustomization apply times to the millisecond, from `All dependencies are ready` to `server-side apply completed`", "kubectl -n flux-system logs deploy/kustomize-controller"));
    }
    if input.controllers.is_empty() {
        c.missing.push(cmd("no flux-system Deployments: the controllers' real --concurrent, --requeue-dependency and --feature-gates would have been read", "kubectl -n flux-system get deployments -o json"));
    }
    for o in &input.objects {
        for n in &o.notes {
            c.notes
                .push(format!("{}/{}/{}: {n}", o.kind, o.namespace, o.name));
        }
    }
    if !input.events.is_empty() && !input.objects.is_empty() {
        let first_ready = input.objects.iter().filter_map(|o| o.first_ready).min();
        let first_event = input.events.iter().map(|e| e.first).min();
        if let (Some(r), Some(e)) = (first_ready, first_event) {
            if e > r {
                c.notes.push("the Events start after the first object was Ready: the bootstrap's events had expired (1h) or were dropped; dump events first, right after bootstrap".into());
            }
        }
    }
    if !c.notes.is_empty() {
        c.notes.push("capture order that loses least: events, then Kustomizations and HelmReleases (within the shortest interval), controller logs, workloads, flux-system Deployments".into());
    }
}
