//! Why a stuck run is stuck (R16): for every object that never became Ready, the reason it is
//! waiting and the chain back to the root cause, not only the symptom.
//!
//! Each object, workload and pre-Flux step is explained once (one line, and the next thing it
//! waits on); an object's chain stops where it reaches another stuck object, which has its own
//! entry. Root causes are memoised along the way, so the whole explanation is linear in the
//! number of objects and workloads, with no recursion (a 5,000-deep `dependsOn` chain is fine).

use crate::model::{Model, ObjectId, Owner, Target, WorkloadId};
use crate::time::format_ms;
use crate::trace::{FailWhy, Outcome, Trace};
use serde::Serialize;

/// One object that never became Ready.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StuckObject {
    /// The object.
    pub object: String,
    /// Why it is waiting (the symptom).
    pub reason: String,
    /// From the symptom towards the root cause, one step a line, up to the next stuck object.
    pub chain: Vec<String>,
    /// The stuck object whose own entry continues the chain (None: the chain is complete).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continued_at: Option<String>,
    /// The root cause (the last step of the whole chain that is not mere context).
    pub root_cause: String,
}

/// Marks a chain line that is context, not a cause.
const LATE: &str = "(later) ";

/// Something that can wait on something else.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Node {
    Obj(ObjectId),
    Wl(WorkloadId),
}

/// One explained node: its line and what it waits on.
#[derive(Clone, Debug)]
struct Step {
    line: String,
    next: Option<Node>,
}

impl Step {
    fn end(line: String) -> Self {
        Step { line, next: None }
    }
    fn to(line: String, next: Option<Target>) -> Self {
        Step {
            line,
            next: next.map(|t| match t {
                Target::Object(o) => Node::Obj(o),
                Target::Workload(w) => Node::Wl(w),
            }),
        }
    }
    fn late(&self) -> bool {
        self.line.starts_with(LATE)
    }
}

/// Per-node state, indexed by objects then workloads.
struct Ex<'a> {
    m: &'a Model,
    t: &'a Trace,
    steps: Vec<Option<Step>>,
    /// Memoised root cause of the chain starting at a node (inner None: only context after it).
    roots: Vec<Option<Option<String>>>,
    on_path: Vec<bool>,
    /// The stuck object under whose entry a node was printed.
    printed_under: Vec<Option<ObjectId>>,
}

fn last_outcome(t: &Trace, o: ObjectId) -> Option<Outcome> {
    t.runs_of(o).last().map(|r| t.runs[*r].outcome)
}

impl<'a> Ex<'a> {
    fn new(m: &'a Model, t: &'a Trace) -> Self {
        let n = m.objects.len() + m.workloads.len();
        Ex {
            m,
            t,
            steps: vec![None; n],
            roots: vec![None; n],
            on_path: vec![false; n],
            printed_under: vec![None; n],
        }
    }
    fn idx(&self, n: Node) -> usize {
        match n {
            Node::Obj(o) => o.index(),
            Node::Wl(w) => self.m.objects.len() + w.index(),
        }
    }
    fn wname(&self, w: WorkloadId) -> String {
        super::guesses::display_name(self.m, w)
    }
    fn oname(&self, o: ObjectId) -> String {
        self.m.objects[o].display()
    }
    fn name(&self, n: Node) -> String {
        match n {
            Node::Obj(o) => self.oname(o),
            Node::Wl(w) => self.wname(w),
        }
    }
    fn stuck(&self, n: Node) -> bool {
        matches!(n, Node::Obj(o) if self.t.ready_ms[o].is_none())
    }
    fn step(&self, n: Node) -> &Step {
        self.steps[self.idx(n)]
            .as_ref()
            .expect("walked before printing")
    }

    fn why_text(&self, why: FailWhy) -> (String, Option<Target>) {
        match why {
            FailWhy::CrdNotEstablished { workload } => {
                let crd = self.m.workloads[workload]
                    .crd
                    .map(|c| self.wname(c))
                    .unwrap_or_default();
                (
                    format!(
                        "dry-run of {} failed: its CRD {crd} is not established",
                        self.wname(workload)
                    ),
                    self.m.workloads[workload].crd.map(Target::Workload),
                )
            }
            FailWhy::WebhookNotReady { workload } => {
                let hook = self.m.workloads[workload].webhook;
                (
                    format!(
                        "dry-run of {} failed: webhook {} is not ready",
                        self.wname(workload),
                        hook.map(|h| self.wname(h)).unwrap_or_default()
                    ),
                    hook.map(Target::Workload),
                )
            }
            FailWhy::NamespaceMissing { workload } => (
                format!(
                    "dry-run of {} failed: namespace {} does not exist",
                    self.wname(workload),
                    self.m.workloads[workload].namespace
                ),
                self.m.workloads[workload]
                    .namespace_obj
                    .map(Target::Workload),
            ),
            FailWhy::StageTimeout { workload } => (
                format!("{} did not become Current within 60s", self.wname(workload)),
                Some(Target::Workload(workload)),
            ),
            FailWhy::HealthTimeoutWorkload { workload } => (
                format!("timed out waiting for {}", self.wname(workload)),
                Some(Target::Workload(workload)),
            ),
            FailWhy::HealthTimeoutObject { object } => (
                format!("timed out waiting for {}", self.oname(object)),
                Some(Target::Object(object)),
            ),
            FailWhy::WorkloadFailed { workload } => (
                format!("{} is Failed", self.wname(workload)),
                Some(Target::Workload(workload)),
            ),
            FailWhy::ObjectFailed { object } => (
                format!("{} is Failed (Stalled)", self.oname(object)),
                Some(Target::Object(object)),
            ),
            FailWhy::ApiUnavailable => ("the API server was unavailable".into(), None),
            FailWhy::SubstituteMissing { object, index } => self.substitute_text(object, index),
        }
    }

    /// R5b: what keeps a substituteFrom object from existing.
    fn substitute_text(&self, object: ObjectId, index: usize) -> (String, Option<Target>) {
        let r = &self.m.objects[object].substitute_from[index];
        let head = format!(
            "build failed: postBuild.substituteFrom {} does not exist",
            r.canonical
        );
        match r.workload.map(|w| (w, self.m.workloads[w].owner)) {
            None => (
                format!("{head}: nothing creates it (no Kustomization or HelmRelease applies it and it is not in bootstrap)"),
                None,
            ),
            Some((_, Owner::Object(x))) if x == object => (
                format!("{head}: only {} itself applies it, after the build that needs it", self.oname(object)),
                None,
            ),
            Some((w, _)) => (head, Some(Target::Workload(w))),
        }
    }

    /// A Helm install failure after the release was stored: a webhook rejects the create
    /// (R12), not a dry-run.
    fn install_why_text(&self, why: FailWhy) -> (String, Option<Target>) {
        match why {
            FailWhy::WebhookNotReady { workload } => {
                let hook = self.m.workloads[workload].webhook;
                (
                    format!(
                        "create of {} rejected by webhook {} (not ready)",
                        self.wname(workload),
                        hook.map(|h| self.wname(h)).unwrap_or_default()
                    ),
                    hook.map(Target::Workload),
                )
            }
            _ => self.why_text(why),
        }
    }

    /// R19: the last run is held posting its event.
    fn posting_event(&self, o: ObjectId) -> bool {
        self.t
            .runs_of(o)
            .last()
            .is_some_and(|r| self.t.runs[*r].event_ms.is_some())
    }

    /// The first pre-Flux step that never became ready (the one Flux is waiting for).
    fn blocking_bootstrap_step(&self) -> Option<Target> {
        self.m
            .bootstrap
            .iter()
            .find(|w| self.t.workloads[**w].ready_ms.is_none())
            .map(|w| Target::Workload(*w))
    }

    fn object_step(&self, o: ObjectId) -> Step {
        let name = self.oname(o);
        let end = &self.t.objects[o];
        if !end.created {
            return match self.m.objects[o].parent {
                Some(p) => Step::to(
                    format!(
                        "{name} was never created: its parent {} never applied it",
                        self.oname(p)
                    ),
                    Some(Target::Object(p)),
                ),
                None => Step::to(
                    format!("{name} was never created: Flux had not started, the pre-Flux bootstrap phase did not finish"),
                    self.blocking_bootstrap_step(),
                ),
            };
        }
        if end.ready && !end.reconciling {
            return Step::end(format!("{LATE}{name} is Ready now"));
        }
        let next = end
            .next_run_ms
            .map(|n| format!(" (next try at {})", format_ms(n)))
            .unwrap_or_default();
        match last_outcome(self.t, o) {
            None | Some(Outcome::FinalizerAdded) => {
                Step::end(format!("{name} is queued, waiting for a worker{next}"))
            }
            Some(Outcome::Suspended) => Step::end(format!("{name} is suspended")),
            Some(Outcome::ArtifactNotReady) => {
                let s = self.m.objects[o]
                    .source
                    .map(|s| self.m.sources[s].canonical.clone())
                    .unwrap_or_default();
                Step::end(format!("{name} is waiting for an artifact from {s}{next}"))
            }
            Some(Outcome::SourceNotFound) => {
                let src = self.m.objects[o].source.map(|s| &self.m.sources[s]);
                let s = src.map(|s| s.canonical.clone()).unwrap_or_default();
                Step::to(
                    format!("{name} is waiting for source {s}, which does not exist yet{next}"),
                    src.and_then(|s| s.created_by).map(Target::Workload),
                )
            }
            Some(Outcome::ChartNotReady) => {
                Step::end(format!("{name} is waiting for its HelmChart{next}"))
            }
            Some(Outcome::DependencyNotReady { dependency }) => Step::to(
                format!(
                    "{name} is blocked on dependency {}{next}",
                    self.oname(dependency)
                ),
                Some(Target::Object(dependency)),
            ),
            Some(Outcome::Stalled { why }) => {
                let (txt, tgt) = self.install_why_text(why);
                Step::to(format!("{name} is Stalled (RetriesExceeded) after install failure: {txt}; nothing retries it"), tgt)
            }
            Some(Outcome::InProgress) if self.posting_event(o) => Step::to(
                format!("{name} holds its worker posting an event to notification-controller, which is unreachable"),
                self.m.notification.until_ready.map(|(w, _)| Target::Workload(w)),
            ),
            Some(Outcome::InProgress) => Step::to(
                format!("{name} is reconciling (health check / Helm wait in progress)"),
                self.pending_target(o),
            ),
            Some(Outcome::Lost | Outcome::ApiUnavailable) => Step::end(format!(
                "{name} is waiting to be retried after a controller or API outage{next}"
            )),
            Some(oc) => {
                let (verb, why) = match oc {
                    Outcome::ApplyFailed { why } => ("apply failed", why),
                    Outcome::HealthCheckFailed { why } => ("health check failed", why),
                    Outcome::InstallFailedBeforeRelease { why } => {
                        ("install failed before a release was stored", why)
                    }
                    Outcome::InstallFailed { why } => ("install failed", why),
                    _ => ("failed", FailWhy::ApiUnavailable),
                };
                let (txt, tgt) = if matches!(oc, Outcome::InstallFailed { .. }) {
                    self.install_why_text(why)
                } else {
                    self.why_text(why)
                };
                Step::to(format!("{name}: {verb}: {txt}; retry timer{next}"), tgt)
            }
        }
    }

    fn pending_target(&self, o: ObjectId) -> Option<Target> {
        let obj = &self.m.objects[o];
        let mut cands: Vec<Target> = if obj.wait {
            obj.stages.iter().flatten().copied().collect()
        } else {
            obj.health_checks.clone()
        };
        if let Some(h) = &obj.helm {
            cands.extend(h.resources.iter().map(|w| Target::Workload(*w)));
        }
        cands.into_iter().find(|t| match t {
            Target::Workload(w) => !self.t.workloads[*w].ready,
            Target::Object(x) => !self.t.objects[*x].ready || self.t.objects[*x].reconciling,
        })
    }

    fn workload_step(&self, w: WorkloadId) -> Step {
        let name = self.wname(w);
        let e = &self.t.workloads[w];
        let wd = &self.m.workloads[w];
        if e.ready {
            let at = e.ready_ms.map(format_ms).unwrap_or_default();
            return Step::end(format!(
                "{LATE}{name} became ready later (first at {at}), too late to help"
            ));
        }
        if e.applied_ms.is_none() {
            return match wd.owner {
                Owner::Object(o) if self.on_path[o.index()] => Step::end(format!(
                    "{name} is applied by {} in the same stage as the object whose dry-run needs it: the all-or-nothing dry-run never applies it; move it to a Kustomization that this one depends on",
                    self.oname(o)
                )),
                Owner::Object(o) => Step::to(
                    format!(
                        "{name} was never applied: its owner {} has not applied it",
                        self.oname(o)
                    ),
                    Some(Target::Object(o)),
                ),
                Owner::Bootstrap(i) => Step::to(
                    format!("{name} (pre-Flux step {}) was never installed", i + 1),
                    self.blocking_bootstrap_step()
                        .filter(|t| *t != Target::Workload(w)),
                ),
            };
        }
        if let Some(n) = e.crashloop_need {
            return Step::to(
                format!(
                    "{name} is crash-looping on need {} ({} restarts)",
                    self.wname(n),
                    e.crashes
                ),
                Some(Target::Workload(n)),
            );
        }
        Step::end(if wd.permanent_failure {
            format!("{name} fails every start (injected permanent failure)")
        } else if e.failed {
            let inj = if wd.fail_probability > 0.0 {
                format!(" (injected failure probability {})", wd.fail_probability)
            } else {
                String::new()
            };
            format!("{name} is Failed after {} crashes{inj}", e.crashes)
        } else if e.crashes > 0 {
            format!(
                "{name} is crash-looping ({} crashes, failure probability {})",
                e.crashes, wd.fail_probability
            )
        } else {
            format!("{name} is starting and not ready yet")
        })
    }

    fn cycle_line(&self, n: Node) -> String {
        match n {
            Node::Obj(_) => format!("{} (cycle of waits)", self.name(n)),
            Node::Wl(_) => format!("{} (cycle of needs)", self.name(n)),
        }
    }

    /// Explains every node on the chain from `start` until a node whose root is known, a cycle
    /// or the end, and memoises each one's root cause. Iterative; each node is walked once.
    fn walk(&mut self, start: Node) {
        let mut path: Vec<Node> = vec![];
        let mut cur = Some(start);
        let tail: Option<String> = loop {
            let Some(n) = cur else { break None };
            let i = self.idx(n);
            if let Some(r) = &self.roots[i] {
                break r.clone();
            }
            if self.on_path[i] {
                break Some(self.cycle_line(n));
            }
            self.on_path[i] = true;
            path.push(n);
            if self.steps[i].is_none() {
                let s = match n {
                    Node::Obj(o) => self.object_step(o),
                    Node::Wl(w) => self.workload_step(w),
                };
                self.steps[i] = Some(s);
            }
            cur = self.step(n).next;
        };
        let mut root = tail;
        for n in path.into_iter().rev() {
            let i = self.idx(n);
            self.on_path[i] = false;
            if root.is_none() && !self.step(n).late() {
                root = Some(self.step(n).line.clone());
            }
            self.roots[i] = Some(root.clone());
        }
    }

    /// The entry of stuck object `o`: its lines up to the next stuck object or a step already
    /// printed under another entry (each node is printed once over the whole report).
    fn entry(&mut self, o: ObjectId) -> StuckObject {
        let me = Node::Obj(o);
        self.walk(me);
        let mut chain = vec![];
        let mut continued_at = None;
        let mut cur = me;
        loop {
            let i = self.idx(cur);
            self.printed_under[i] = Some(o);
            chain.push(self.step(cur).line.clone());
            let Some(next) = self.step(cur).next else {
                break;
            };
            let j = self.idx(next);
            if self.stuck(next) {
                continued_at = Some(self.name(next));
                break;
            }
            match self.printed_under[j] {
                Some(p) if p == o => {
                    chain.push(self.cycle_line(next));
                    break;
                }
                Some(p) => {
                    continued_at = Some(self.oname(p));
                    break;
                }
                None => cur = next,
            }
        }
        let root_cause = self.roots[self.idx(me)]
            .clone()
            .flatten()
            .unwrap_or_default();
        StuckObject {
            object: self.oname(o),
            reason: chain.first().cloned().unwrap_or_default(),
            chain,
            continued_at,
            root_cause,
        }
    }
}

/// Explains every object that never became Ready, in linear time and output.
#[must_use]
pub fn explain(m: &Model, t: &Trace) -> Vec<StuckObject> {
    let mut ex = Ex::new(m, t);
    m.objects
        .keys()
        .filter(|o| t.ready_ms[*o].is_none())
        .map(|o| ex.entry(o))
        .collect()
}

/// The root cause of the first object that never became Ready (what a Monte Carlo trial
/// records), without building every entry.
#[must_use]
pub fn first_root_cause(m: &Model, t: &Trace) -> Option<String> {
    let o = m.objects.keys().find(|o| t.ready_ms[*o].is_none())?;
    let mut ex = Ex::new(m, t);
    ex.walk(Node::Obj(o));
    Some(ex.roots[o.index()].clone().flatten().unwrap_or_default())
}
