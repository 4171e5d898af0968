//! Why a stuck run is stuck (R16): for every object that never became Ready, the reason it is
//! waiting and the chain back to the root cause, not only the symptom.

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
    /// From the symptom to the root cause, one step a line.
    pub chain: Vec<String>,
    /// The root cause (last element of the chain).
    pub root_cause: String,
}

/// Marks a chain line that is context, not a cause.
const LATE: &str = "(later) ";

struct Ex<'a> {
    m: &'a Model,
    t: &'a Trace,
    seen_o: Vec<bool>,
    seen_w: Vec<bool>,
    chain: Vec<String>,
}

fn last_outcome(t: &Trace, o: ObjectId) -> Option<(Outcome, Option<u64>)> {
    t.runs_of(o)
        .last()
        .map(|r| (t.runs[*r].outcome, t.runs[*r].end_ms))
}

impl Ex<'_> {
    fn wname(&self, w: WorkloadId) -> String {
        self.m.workloads[w].canonical.clone()
    }
    fn oname(&self, o: ObjectId) -> String {
        self.m.objects[o].display()
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

    fn object(&mut self, o: ObjectId) {
        if self.seen_o[o] {
            self.chain
                .push(format!("{} (cycle of waits)", self.oname(o)));
            return;
        }
        self.seen_o[o] = true;
        let name = self.oname(o);
        let end = &self.t.objects[o];
        if !end.created {
            let p = self.m.objects[o]
                .parent
                .expect("uncreated objects have a parent");
            self.chain.push(format!(
                "{name} was never created: its parent {} never applied it",
                self.oname(p)
            ));
            self.object(p);
            return;
        }
        if end.ready && !end.reconciling {
            self.chain.push(format!("{LATE}{name} is Ready now"));
            return;
        }
        let next = end
            .next_run_ms
            .map(|n| format!(" (next try at {})", format_ms(n)))
            .unwrap_or_default();
        match last_outcome(self.t, o) {
            None | Some((Outcome::FinalizerAdded, _)) => self
                .chain
                .push(format!("{name} is queued, waiting for a worker{next}")),
            Some((Outcome::Suspended, _)) => self.chain.push(format!("{name} is suspended")),
            Some((Outcome::ArtifactNotReady, _)) => {
                let s = self.m.objects[o]
                    .source
                    .map(|s| self.m.sources[s].canonical.clone())
                    .unwrap_or_default();
                self.chain
                    .push(format!("{name} is waiting for an artifact from {s}{next}"));
            }
            Some((Outcome::SourceNotFound, _)) => {
                let src = self.m.objects[o].source.map(|s| &self.m.sources[s]);
                let s = src.map(|s| s.canonical.clone()).unwrap_or_default();
                self.chain.push(format!(
                    "{name} is waiting for source {s}, which does not exist yet{next}"
                ));
                if let Some(w) = src.and_then(|s| s.created_by) {
                    self.workload(w);
                }
            }
            Some((Outcome::ChartNotReady, _)) => self
                .chain
                .push(format!("{name} is waiting for its HelmChart{next}")),
            Some((Outcome::DependencyNotReady { dependency }, _)) => {
                self.chain.push(format!(
                    "{name} is blocked on dependency {}{next}",
                    self.oname(dependency)
                ));
                self.object(dependency);
            }
            Some((Outcome::Stalled { why }, _)) => {
                let (txt, tgt) = self.install_why_text(why);
                self.chain.push(format!("{name} is Stalled (RetriesExceeded) after install failure: {txt}; nothing retries it"));
                self.target(tgt);
            }
            Some((Outcome::InProgress, _)) if self.posting_event(o) => {
                self.chain.push(format!(
                    "{name} holds its worker posting an event to notification-controller, which is unreachable"
                ));
                if let Some((w, _)) = self.m.notification.until_ready {
                    self.workload(w);
                }
            }
            Some((Outcome::InProgress, _)) => {
                self.chain.push(format!(
                    "{name} is reconciling (health check / Helm wait in progress)"
                ));
                let tg = self.pending_target(o);
                self.target(tg);
            }
            Some((Outcome::Lost, _)) | Some((Outcome::ApiUnavailable, _)) => self.chain.push(
                format!("{name} is waiting to be retried after a controller or API outage{next}"),
            ),
            Some((oc, _)) => {
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
                self.chain
                    .push(format!("{name}: {verb}: {txt}; retry timer{next}"));
                self.target(tgt);
            }
        }
    }

    /// R19: the last run is held posting its event.
    fn posting_event(&self, o: ObjectId) -> bool {
        self.t
            .runs_of(o)
            .last()
            .is_some_and(|r| self.t.runs[*r].event_ms.is_some())
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

    fn target(&mut self, t: Option<Target>) {
        match t {
            Some(Target::Object(o)) => self.object(o),
            Some(Target::Workload(w)) => self.workload(w),
            None => {}
        }
    }

    fn workload(&mut self, w: WorkloadId) {
        if self.seen_w[w] {
            self.chain
                .push(format!("{} (cycle of needs)", self.wname(w)));
            return;
        }
        self.seen_w[w] = true;
        let name = self.wname(w);
        let e = &self.t.workloads[w];
        let wd = &self.m.workloads[w];
        if e.ready {
            let at = e.ready_ms.map(format_ms).unwrap_or_default();
            self.chain.push(format!(
                "{LATE}{name} became ready later (first at {at}), too late to help"
            ));
            return;
        }
        if e.applied_ms.is_none() {
            match wd.owner {
                Owner::Object(o) if self.seen_o[o] => {
                    self.chain.push(format!(
                        "{name} is applied by {} in the same stage as the object whose dry-run needs it: the all-or-nothing dry-run (SPEC R7) never applies it; move it to a Kustomization that this one depends on",
                        self.oname(o)
                    ));
                }
                Owner::Object(o) => {
                    self.chain.push(format!(
                        "{name} was never applied: its owner {} has not applied it",
                        self.oname(o)
                    ));
                    self.object(o);
                }
                Owner::Bootstrap(i) => self.chain.push(format!(
                    "{name} (pre-Flux step {}) was never installed",
                    i + 1
                )),
            }
            return;
        }
        if let Some(n) = e.crashloop_need {
            self.chain.push(format!(
                "{name} is crash-looping on need {} ({} restarts)",
                self.wname(n),
                e.crashes
            ));
            self.workload(n);
            return;
        }
        if wd.permanent_failure {
            self.chain.push(format!(
                "{name} fails every start (injected permanent failure)"
            ));
        } else if e.failed {
            let inj = if wd.fail_probability > 0.0 {
                format!(" (injected failure probability {})", wd.fail_probability)
            } else {
                String::new()
            };
            self.chain
                .push(format!("{name} is Failed after {} crashes{inj}", e.crashes));
        } else if e.crashes > 0 {
            self.chain.push(format!(
                "{name} is crash-looping ({} crashes, failure probability {})",
                e.crashes, wd.fail_probability
            ));
        } else {
            self.chain
                .push(format!("{name} is starting and not ready yet"));
        }
    }
}

/// Explains every object that never became Ready.
#[must_use]
pub fn explain(m: &Model, t: &Trace) -> Vec<StuckObject> {
    let mut out = vec![];
    for o in 0..m.objects.len() {
        if t.ready_ms[o].is_some() {
            continue;
        }
        let mut ex = Ex {
            m,
            t,
            seen_o: vec![false; m.objects.len()],
            seen_w: vec![false; m.workloads.len()],
            chain: vec![],
        };
        ex.object(o);
        let reason = ex.chain.first().cloned().unwrap_or_default();
        let root_cause = ex
            .chain
            .iter()
            .rev()
            .find(|c| !c.starts_with(LATE))
            .cloned()
            .unwrap_or_default();
        out.push(StuckObject {
            object: m.objects[o].display(),
            reason,
            chain: ex.chain,
            root_cause,
        });
    }
    out
}
