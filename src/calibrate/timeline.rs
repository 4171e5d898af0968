//! Apply times per Flux object, and the observed bootstrap timeline set beside the simulated
//! distribution (flux-observability.md §a, §b, §d, §f, §g).

use super::fit;
use super::load::{EventRec, Input, LogRec, ObjRec};
use super::{Calibration, ObjectFit};
use crate::analysis::accumulate::{McStats, ReadyMode};
use crate::model::{Model, ObjectId};
use crate::trace::TrialSummary;
use std::collections::{BTreeMap, BTreeSet};

fn key(o: &ObjRec) -> String {
    format!("{}/{}/{}", o.kind, o.namespace, o.name)
}

/// The model's objects by `Kind/ns/name`.
fn object_ids(m: &Model) -> BTreeMap<&str, ObjectId> {
    let mut ids = BTreeMap::new();
    for (i, o) in m.objects.iter_enumerated() {
        ids.entry(o.canonical.as_str()).or_insert(i);
    }
    ids
}

/// Log lines and events per object, each in input order: built once, so many objects and many
/// lines cost n log n, not objects × lines.
struct ByObject<'a> {
    logs: BTreeMap<&'a str, Vec<&'a LogRec>>,
    events: BTreeMap<&'a str, Vec<&'a EventRec>>,
}

impl<'a> ByObject<'a> {
    fn new(input: &'a Input) -> Self {
        let mut b = ByObject {
            logs: BTreeMap::new(),
            events: BTreeMap::new(),
        };
        for l in &input.logs {
            b.logs.entry(l.object.as_str()).or_default().push(l);
        }
        for e in &input.events {
            b.events.entry(e.object.as_str()).or_default().push(e);
        }
        b
    }
    fn logs(&self, k: &str) -> &[&'a LogRec] {
        self.logs.get(k).map_or(&[], Vec::as_slice)
    }
    fn events(&self, k: &str) -> &[&'a EventRec] {
        self.events.get(k).map_or(&[], Vec::as_slice)
    }
}

const FINISHED: &str = "Reconciliation finished in ";

/// For each line, the index of the first `Reconciliation finished` line at or after it in the
/// same file and run (`reconcileID`), and in the same file: one backward pass.
fn next_finished(lines: &[&LogRec]) -> Vec<(Option<usize>, Option<usize>)> {
    let (mut by_run, mut by_file) = (BTreeMap::new(), BTreeMap::new());
    let mut out = vec![(None, None); lines.len()];
    for (j, x) in lines.iter().enumerate().rev() {
        if x.msg.starts_with(FINISHED) {
            by_run.insert((x.file, x.reconcile.as_str()), j);
            by_file.insert(x.file, j);
        }
        out[j] = (
            by_run.get(&(x.file, x.reconcile.as_str())).copied(),
            by_file.get(&x.file).copied(),
        );
    }
    out
}

/// `Reconciliation finished in D` at `f.ts` → the run's start, `f.ts − D`.
fn started(f: &LogRec) -> Option<i64> {
    let d = f.msg.trim_start_matches(FINISHED).split(',').next()?;
    Some(f.ts - i64::try_from(crate::time::parse_duration(d).ok()?).ok()?)
}

/// Kustomization apply from its log: `All dependencies are ready` (or `Reconciliation finished
/// in D` − D) → `server-side apply completed`, in the first run that applied something between
/// the object's creation and its first Ready (so a log is matched to its own bootstrap). A line
/// without `reconcileID` (controller-runtime before 0.12) pairs with any line of its file.
fn ks_apply_from_logs(by: &ByObject, o: &ObjRec) -> Option<u64> {
    let until = o.first_ready.map_or(i64::MAX, |r| r + 1000);
    let lines: Vec<&LogRec> = by
        .logs(&key(o))
        .iter()
        .copied()
        .filter(|l| l.ts >= o.created && l.ts < until)
        .collect();
    let next = next_finished(&lines);
    // The latest `All dependencies are ready` so far, per file and run and per file.
    let (mut deps_run, mut deps_file) = (BTreeMap::new(), BTreeMap::new());
    for (i, l) in lines.iter().enumerate() {
        if l.msg != "server-side apply completed" {
            if l.msg.starts_with("All dependencies are ready") {
                deps_run.insert((l.file, l.reconcile.as_str()), l.ts);
                deps_file.insert(l.file, l.ts);
            }
            continue;
        }
        let any_run = l.reconcile.is_empty();
        let deps = if any_run {
            deps_file.get(&l.file)
        } else {
            deps_run.get(&(l.file, l.reconcile.as_str()))
        };
        let fin = if any_run { next[i].1 } else { next[i].0 };
        let start = deps.copied().or_else(|| started(lines[fin?]));
        if let Some(s) = start {
            return Some(u64::try_from(l.ts - s).unwrap_or(0));
        }
    }
    None
}

fn waits(m: &Model, id: ObjectId) -> bool {
    m.objects[id].wait || !m.objects[id].health_checks.is_empty()
}

/// Kustomization apply from its events, for Flux before 2.7 (no history): the first
/// `Reconciliation finished in D` after creation, minus the `Health check passed in H` event of
/// the same second. D also holds the dependency check and the final patch (milliseconds).
fn ks_apply_from_events(by: &ByObject, o: &ObjRec, waits: bool) -> Option<u64> {
    let evs: Vec<&EventRec> = by
        .events(&key(o))
        .iter()
        .copied()
        .filter(|e| e.first >= o.created)
        .collect();
    let done = evs
        .iter()
        .filter(|e| e.reason == "ReconciliationSucceeded")
        .min_by_key(|e| e.first)?;
    let d = done.message.strip_prefix(FINISHED)?.split(',').next()?;
    let d = crate::time::parse_duration(d).ok()?;
    let health = evs
        .iter()
        .filter(|e| (e.first - done.first).abs() < 1000)
        .find_map(|e| super::flux::health_passed(&e.message));
    match (health, waits) {
        (Some(h), _) => Some(d.saturating_sub(h)),
        (None, false) => Some(d),
        (None, true) => None,
    }
}

/// Fits `apply` of every matched Kustomization and HelmRelease.
pub fn fit_objects(m: &Model, input: &Input, c: &mut Calibration) {
    let ids = object_ids(m);
    let by = ByObject::new(input);
    let mut unmatched: BTreeSet<String> = c.unmatched.iter().cloned().collect();
    let mut per: BTreeMap<ObjectId, (Vec<u64>, Vec<u64>, String)> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for o in &input.objects {
        let k = key(o);
        let Some(&id) = ids.get(k.as_str()) else {
            if unmatched.insert(k.clone()) {
                c.unmatched.push(k);
            }
            continue;
        };
        // The same object in two dumps of one bootstrap is one sample.
        if !seen.insert((id, o.created)) {
            continue;
        }
        let e = per.entry(id).or_default();
        if o.kind == "Kustomization" {
            if let Some(v) = ks_apply_from_logs(&by, o) {
                e.0.push(v);
                e.2 = "controller log (ms)".into();
            } else if let Some(run) = o.run_ms {
                match o.health_ms {
                    Some(h) => e.0.push(run.saturating_sub(h)),
                    None if !waits(m, id) => e.0.push(run),
                    None => continue,
                }
                e.2 = "status.history duration − health wait (ms)".into();
            } else if let Some(v) = ks_apply_from_events(&by, o, waits(m, id)) {
                e.0.push(v);
                e.2 = "events: run duration − health wait (ms)".into();
            }
        } else if let (Some(d), Some(r), Some(f)) = (o.install_ms, o.first_ready, o.first_deployed)
        {
            e.1.push(d);
            e.0.push(d.saturating_sub(u64::try_from(r - f).unwrap_or(0)));
            e.2 = "install duration − (Released − firstDeployed) (±1s)".into();
        }
    }
    for (id, (samples, install_ms, source)) in per {
        if let Some(fit) = fit::fit(&samples) {
            c.objects.push(ObjectFit {
                object: id,
                key: m.objects[id].canonical.clone(),
                samples,
                source,
                install_ms,
                fit,
            });
        }
    }
}

/// One object in an observed bootstrap.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ObservedObject {
    /// `Kind/ns/name`.
    pub key: String,
    /// The scenario object.
    #[serde(skip)]
    pub object: Option<ObjectId>,
    /// Created, ms after the root Kustomization's creation.
    pub created_ms: i64,
    /// First Ready, ms after it (None: never Ready).
    pub ready_ms: Option<i64>,
    /// Whether `ready_ms` is millisecond-precise (an event name or a log line); else ±1s.
    pub precise: bool,
}

/// One observed bootstrap (one Kustomization/HelmRelease dump).
#[derive(Clone, Debug, serde::Serialize)]
pub struct ObservedBootstrap {
    /// The dump file.
    pub file: String,
    /// The root Kustomization (the earliest created).
    pub root: String,
    /// Its creation (ms since epoch): the origin of every time below.
    pub start_epoch_ms: i64,
    /// Objects in order of first Ready.
    pub objects: Vec<ObservedObject>,
    /// Last first-Ready (None when something never became Ready).
    pub makespan_ms: Option<i64>,
}

/// A second-resolution time refined by a millisecond one in the same second.
fn refine(by: &ByObject, k: &str, ready_s: i64) -> Option<i64> {
    let in_sec = |t: i64| t >= ready_s && t < ready_s + 1000;
    let ev = by
        .events(k)
        .iter()
        .filter(|e| {
            e.first_exact
                && in_sec(e.first)
                && matches!(
                    e.reason.as_str(),
                    "ReconciliationSucceeded" | "InstallSucceeded"
                )
        })
        .map(|e| e.first);
    let lg = by
        .logs(k)
        .iter()
        .filter(|l| {
            in_sec(l.ts)
                && (l.msg.starts_with(FINISHED) || l.msg == "release in-sync with desired state")
        })
        .map(|l| l.ts);
    ev.chain(lg).min()
}

/// The observed bootstraps, one per dump file holding Flux objects.
#[must_use]
pub fn observed(m: &Model, input: &Input) -> Vec<ObservedBootstrap> {
    let (ids, by) = (object_ids(m), ByObject::new(input));
    let mut out = vec![];
    for (f, name) in input.files.iter().enumerate() {
        let objs: Vec<&ObjRec> = input.objects.iter().filter(|o| o.file == f).collect();
        let Some(root) = objs
            .iter()
            .filter(|o| o.kind == "Kustomization")
            .min_by_key(|o| (o.created, key(o)))
        else {
            continue;
        };
        let start = root.created;
        let mut list: Vec<ObservedObject> = objs
            .iter()
            .map(|o| {
                let k = key(o);
                let exact = o.first_ready.and_then(|r| refine(&by, &k, r));
                ObservedObject {
                    object: ids.get(k.as_str()).copied(),
                    created_ms: o.created - start,
                    ready_ms: exact.or(o.first_ready).map(|r| r - start),
                    precise: exact.is_some(),
                    key: k,
                }
            })
            .collect();
        list.sort_by(|a, b| {
            (a.ready_ms.unwrap_or(i64::MAX), &a.key).cmp(&(b.ready_ms.unwrap_or(i64::MAX), &b.key))
        });
        let makespan_ms = list
            .iter()
            .map(|o| o.ready_ms)
            .collect::<Option<Vec<_>>>()
            .and_then(|v| v.into_iter().max());
        if out
            .iter()
            .any(|b: &ObservedBootstrap| b.start_epoch_ms == start && b.root == key(root))
        {
            continue;
        }
        out.push(ObservedBootstrap {
            file: name.clone(),
            root: key(root),
            start_epoch_ms: start,
            objects: list,
            makespan_ms,
        });
    }
    out
}

/// Where an observed time falls in a simulated distribution: the percentage of trials at or
/// below it (stuck trials count as later than anything), and the simulated p5/p50/p95.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Placement {
    /// Percentile of the observed value (0–100).
    pub percentile: f64,
    /// Simulated p5 (ms; None: among stuck trials).
    pub p5_ms: Option<u64>,
    /// Simulated median.
    pub p50_ms: Option<u64>,
    /// Simulated p95.
    pub p95_ms: Option<u64>,
    /// Outside p5–p95.
    pub outside: bool,
}

/// Places `observed` (ms) among simulated values (None = stuck).
#[must_use]
pub fn place(observed: i64, sim: &[Option<u64>]) -> Option<Placement> {
    if sim.is_empty() {
        return None;
    }
    let sorted = crate::analysis::stats::sort_with_stuck(sim);
    let below = sim
        .iter()
        .filter(|v| v.is_some_and(|x| i64::try_from(x).unwrap_or(i64::MAX) <= observed))
        .count();
    #[allow(clippy::cast_precision_loss)]
    let percentile = 100.0 * below as f64 / sim.len() as f64;
    let q = |p| crate::analysis::stats::percentile(&sorted, p);
    Some(Placement {
        percentile,
        p5_ms: q(0.05),
        p50_ms: q(0.5),
        p95_ms: q(0.95),
        outside: !(5.0..=95.0).contains(&percentile),
    })
}

/// One row of the observed-versus-predicted table.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Row {
    /// `Kind/ns/name` (or `makespan`).
    pub object: String,
    /// Observed first Ready (ms after the root's creation).
    pub observed_ms: Option<i64>,
    /// Whether it is millisecond-precise.
    pub precise: bool,
    /// In the prediction before calibration.
    pub before: Option<Placement>,
    /// After calibration.
    pub after: Option<Placement>,
}

/// Rows for one bootstrap: the makespan first, then each matched object.
#[must_use]
pub fn compare(
    b: &ObservedBootstrap,
    before: &[TrialSummary],
    after: Option<&[TrialSummary]>,
) -> Vec<Row> {
    let stats = |t: &[TrialSummary]| {
        let n = t.first().map_or(0, |s| s.ready_ms.len());
        let mut st = McStats::new(n, ReadyMode::for_run(t.len() as u64, n));
        for (i, s) in t.iter().enumerate() {
            st.add(i as u64, s);
        }
        st
    };
    compare_stats(b, &stats(before), after.map(stats).as_ref())
}

/// Places `observed` among object `o`'s simulated Ready times (never Ready counts as later
/// than anything); exact, or within a histogram bucket when the run kept histograms.
#[allow(clippy::cast_precision_loss)]
fn place_object(observed: i64, st: &McStats, o: ObjectId) -> Option<Placement> {
    let n = st.trials();
    if n == 0 {
        return None;
    }
    if o >= st.never_ready.next_key() {
        // Not in this model: never Ready in any trial.
        return place(observed, &[None]);
    }
    let percentile = 100.0 * st.ready_at_most(o, observed) as f64 / n as f64;
    let q = st.ready_percentiles(o, &[0.05, 0.5, 0.95]);
    Some(Placement {
        percentile,
        p5_ms: q[0],
        p50_ms: q[1],
        p95_ms: q[2],
        outside: !(5.0..=95.0).contains(&percentile),
    })
}

/// [`compare`] from streamed statistics (see `runner::monte_carlo_stats`).
#[must_use]
pub fn compare_stats(b: &ObservedBootstrap, before: &McStats, after: Option<&McStats>) -> Vec<Row> {
    let last = b
        .objects
        .iter()
        .filter(|o| o.ready_ms == b.makespan_ms)
        .all(|o| o.precise);
    let mk = |st: &McStats| b.makespan_ms.and_then(|v| place(v, &st.makespans));
    let mut rows = vec![Row {
        object: "makespan".into(),
        observed_ms: b.makespan_ms,
        precise: b.makespan_ms.is_some() && last,
        before: mk(before),
        after: after.and_then(mk),
    }];
    for o in &b.objects {
        let Some(id) = o.object else { continue };
        let at = |st: &McStats| o.ready_ms.and_then(|v| place_object(v, st, id));
        rows.push(Row {
            object: o.key.clone(),
            observed_ms: o.ready_ms,
            precise: o.precise,
            before: at(before),
            after: after.and_then(at),
        });
    }
    rows
}
