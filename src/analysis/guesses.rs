//! Which guessed readiness profiles a verdict rests on. `fluxsim import` marks every readiness
//! profile it guessed (`guessed: true`); `run`, `mc`, `check` and `compare` say when a makespan,
//! a p95, a stuck probability or a stuck root cause depends on one of them, and name them.
//!
//! An object rests on the workloads it waits for: those it applies (a HelmRelease's install
//! waits for them; a Kustomization with `wait: true` too) and its health-check targets. The
//! pre-Flux phase adds to every makespan, so its guessed workloads count for every time.
//! A guessed workload a HelmRelease applies stands for what its chart installs (the importer
//! does not read charts), so reports name it through its HelmRelease, never as an object of
//! its own that may not exist.

use crate::model::{Model, ObjectId, Owner, PerObject, Target, TiSlice, WorkloadId};
use serde::{Deserialize, Serialize};

/// The guessed readiness profiles one verdict rests on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestsOn {
    /// The verdict: `makespan`, `p95`, `stuck probability`, `stuck root cause`, `change`.
    pub verdict: String,
    /// The guessed workloads, as reports name them.
    pub guessed: Vec<String>,
}

impl RestsOn {
    /// One line: `p95 rests on guessed readiness of: a, b (marked GUESSED in the scenario)`.
    #[must_use]
    pub fn line(&self) -> String {
        const SHOWN: usize = 8;
        let more = self.guessed.len().saturating_sub(SHOWN);
        let mut names = self
            .guessed
            .iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if more > 0 {
            names.push_str(&format!(" and {more} more"));
        }
        format!(
            "{} rests on guessed readiness of: {names} (marked GUESSED in the scenario; calibrate them to trust it)",
            self.verdict
        )
    }
}

/// How reports name workload `w`: its `Kind/ns/name`, or, for a guessed stand-in of what a
/// HelmRelease or a pre-Flux chart installs, through its owner.
#[must_use]
pub fn display_name(m: &Model, w: WorkloadId) -> String {
    let wl = &m.workloads[w];
    match wl.owner {
        Owner::Object(o) if wl.guessed && m.objects[o].helm.is_some() => {
            format!(
                "what {} installs (GUESSED stand-in)",
                m.objects[o].display()
            )
        }
        Owner::Bootstrap(i) if wl.guessed => format!(
            "what pre-Flux step {} installs (`{}/{}`, GUESSED stand-in)",
            i + 1,
            wl.namespace,
            wl.name
        ),
        _ => wl.canonical.clone(),
    }
}

/// Guessed workloads that `objects` wait for, and those of the pre-Flux phase, named as
/// [`display_name`] does, in model order without repeats.
#[must_use]
pub fn waited_on(m: &Model, objects: &[ObjectId]) -> Vec<String> {
    GuessIndex::of(m).waited_on(objects)
}

/// The guessed workloads each object waits for: what [`waited_on`] and
/// [`GuessIndex::named_in`] need of a model, kept without it (a Monte Carlo shard's partial
/// result carries it, so `merge` can say what a verdict rests on without the scenario).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuessIndex {
    /// Guessed workloads: (workload id, name as reports give it), in id order.
    pub names: Vec<(WorkloadId, String)>,
    /// Guessed workloads of the pre-Flux phase.
    pub bootstrap: Vec<WorkloadId>,
    /// Per object: the guessed workloads it waits for (what it applies and waits for, its
    /// health-check targets). Empty when the scenario has no guessed profile.
    pub waits: PerObject<Vec<WorkloadId>>,
}

impl GuessIndex {
    /// The index of `m`.
    #[must_use]
    pub fn of(m: &Model) -> Self {
        let guessed = |w: &WorkloadId| m.workloads[*w].guessed;
        let names: Vec<(WorkloadId, String)> = m
            .workloads
            .keys()
            .filter(guessed)
            .map(|w| (w, display_name(m, w)))
            .collect();
        if names.is_empty() {
            return GuessIndex::default();
        }
        let mut waits: PerObject<Vec<WorkloadId>> = m
            .objects
            .iter()
            .map(|ob| {
                ob.health_checks
                    .iter()
                    .filter_map(|t| match t {
                        Target::Workload(w) => Some(*w),
                        Target::Object(_) => None,
                    })
                    .filter(guessed)
                    .collect()
            })
            .collect();
        for (w, wl) in m.workloads.iter_enumerated() {
            if let Owner::Object(o) = wl.owner {
                let ob = &m.objects[o];
                if wl.guessed && (ob.helm.is_some() || ob.wait) {
                    waits[o].push(w);
                }
            }
        }
        let bootstrap = m.bootstrap.iter().copied().filter(guessed).collect();
        GuessIndex {
            names,
            bootstrap,
            waits,
        }
    }

    fn name(&self, w: WorkloadId) -> Option<&str> {
        self.names
            .binary_search_by_key(&w, |(id, _)| *id)
            .ok()
            .map(|i| self.names[i].1.as_str())
    }

    /// Guessed workloads that `objects` wait for, and those of the pre-Flux phase, in model
    /// order without repeats.
    #[must_use]
    pub fn waited_on(&self, objects: &[ObjectId]) -> Vec<String> {
        if self.names.is_empty() {
            return vec![];
        }
        let mut ws: Vec<WorkloadId> = self.bootstrap.clone();
        for &o in objects {
            ws.extend(self.waits.get(o).into_iter().flatten());
        }
        ws.sort_unstable();
        ws.dedup();
        ws.into_iter()
            .filter_map(|w| self.name(w).map(str::to_string))
            .collect()
    }

    /// Guessed workloads named in `texts` (stuck chains and root causes).
    #[must_use]
    pub fn named_in<'a>(&self, texts: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let texts: Vec<&str> = texts.into_iter().collect();
        self.names
            .iter()
            .map(|(_, n)| n)
            .filter(|n| texts.iter().any(|t| t.contains(n.as_str())))
            .cloned()
            .collect()
    }

    /// What Monte Carlo verdicts rest on: the p95 (objects on the critical path in at least
    /// [`CRITICAL_SHARE`] of the trials; `critical[o]` counts them over `trials`) and the
    /// stuck probability (the guessed workloads its root causes name).
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn for_mc(
        &self,
        critical: &TiSlice<ObjectId, u64>,
        trials: u64,
        stuck_roots: &[(String, u64)],
    ) -> Vec<RestsOn> {
        let on_path: Vec<ObjectId> = critical
            .keys()
            .filter(|o| trials > 0 && critical[*o] as f64 / trials as f64 >= CRITICAL_SHARE)
            .collect();
        let time = (!on_path.is_empty())
            .then(|| rests_on("p95", self.waited_on(&on_path)))
            .flatten();
        let stuck = rests_on(
            "stuck probability",
            self.named_in(stuck_roots.iter().map(|r| r.0.as_str())),
        );
        time.into_iter().chain(stuck).collect()
    }
}

/// The objects named (by [`crate::model::FluxObject::display`]) in `names`.
#[must_use]
pub fn objects_named<'a>(m: &Model, names: impl IntoIterator<Item = &'a str>) -> Vec<ObjectId> {
    let names: Vec<&str> = names.into_iter().collect();
    m.objects
        .keys()
        .filter(|o| names.contains(&m.objects[*o].display().as_str()))
        .collect()
}

/// One entry when `guessed` is not empty.
#[must_use]
pub fn rests_on(verdict: &str, guessed: Vec<String>) -> Option<RestsOn> {
    (!guessed.is_empty()).then(|| RestsOn {
        verdict: verdict.to_string(),
        guessed,
    })
}

/// What one run's verdicts rest on: the makespan (the objects on its critical path) or, when
/// stuck, the root causes (the guessed workloads its stuck chains name).
#[must_use]
pub fn for_run(
    m: &Model,
    critical: Option<&[ObjectId]>,
    stuck: &[super::stuck::StuckObject],
) -> Vec<RestsOn> {
    let texts = stuck
        .iter()
        .flat_map(|s| s.chain.iter().chain(std::iter::once(&s.root_cause)))
        .map(String::as_str);
    let index = GuessIndex::of(m);
    let stuck = rests_on("stuck root cause", index.named_in(texts));
    let time = critical.and_then(|c| rests_on("makespan", index.waited_on(c)));
    time.into_iter().chain(stuck).collect()
}

/// Criticality from which an object counts as on the p95's critical path.
pub const CRITICAL_SHARE: f64 = 0.05;

/// What a paired comparison rests on: the guessed workloads of the objects whose Ready time
/// moved (named as `Kind/ns/name` in `moved`), on either side, and of the pre-Flux phases.
#[must_use]
pub fn for_compare(a: &Model, b: &Model, moved: &[&str]) -> Vec<RestsOn> {
    if moved.is_empty() {
        return vec![];
    }
    let mut g = waited_on(a, &objects_named(a, moved.iter().copied()));
    for x in waited_on(b, &objects_named(b, moved.iter().copied())) {
        if !g.contains(&x) {
            g.push(x);
        }
    }
    rests_on("the change", g).into_iter().collect()
}
