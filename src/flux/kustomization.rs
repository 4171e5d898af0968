//! The Kustomization reconcile (R4–R10; flux-semantics.md §3, steps S1–S14).

use super::events::Next;
use super::{
    Ev, KStatus, Step, World, ARTIFACT_REQUEUE_MS, HEALTH_POLL_MS, STAGE_POLL_MS, STAGE_TIMEOUT_MS,
};
use crate::engine::Scheduler;
use crate::model::{ObjectId, Target, WorkloadId};
use crate::rng::Purpose;
use crate::trace::{Cause, FailWhy, Outcome};

impl World<'_> {
    /// S1–S7: finalizer, suspend, source, dependencies; then the apply starts.
    pub(crate) fn ks_start(&mut self, o: ObjectId, run: usize, s: &mut Scheduler<Ev>) {
        let obj = &self.m.objects[o];
        if self.common_prelude(o, run, s) {
            return;
        }
        // S4 (R5): a missing source object is a failure: retry after retryInterval (the
        // artifact watch rescues it earlier).
        if obj.source.is_some_and(|src| !self.src_exists[src]) {
            self.obj[o].ready = false;
            let ri = self.m.objects[o].retry_interval;
            let next = Next::After(ri, |run| Cause::SourcePoll { run });
            self.end_run(o, Outcome::SourceNotFound, next, s);
            return;
        }
        // S5 (R5): the source's artifact must exist.
        if let Some(src) = obj.source {
            if self.src_ready[src].is_none() {
                self.obj[o].ready = false;
                let next = Next::After(ARTIFACT_REQUEUE_MS, |run| Cause::SourcePoll { run });
                self.end_run(o, Outcome::ArtifactNotReady, next, s);
                return;
            }
        }
        // S6 (R6): every dependency Ready and not mid-reconcile.
        if let Some(&d) = obj
            .depends_on
            .iter()
            .find(|&&d| !self.obj[d].ready || self.obj[d].reconciling)
        {
            self.obj[o].ready = false;
            let rq = self.m.kustomize.requeue_dependency;
            let next = Next::After(rq, |run| Cause::DependencyPoll { run });
            self.end_run(o, Outcome::DependencyNotReady { dependency: d }, next, s);
            return;
        }
        // S9 (R5b): a substituteFrom object that does not exist and is not optional fails the
        // build (taken to fail at once: the build's time is in `apply`).
        if let Some(index) = obj
            .substitute_from
            .iter()
            .position(|r| !r.optional && r.workload.is_none_or(|w| self.wl[w].applied_at.is_none()))
        {
            let why = FailWhy::SubstituteMissing { object: o, index };
            self.ks_fail(o, Outcome::ApplyFailed { why }, s);
            return;
        }
        // S7: Ready=Unknown, Reconciling=True.
        self.obj[o].reconciling = true;
        self.obj[o].dep_wait = false;
        let attempt = self.obj[o].attempts;
        self.obj[o].attempts += 1;
        self.trace.runs[run].attempt = Some(attempt);
        let d = obj
            .apply
            .sample(&mut self.key.stream(obj.hash, Purpose::Apply, attempt));
        let gen = self.obj[o].gen;
        s.schedule_in(d, Ev::Step(o, gen, Step::ApplyDone));
    }

    /// S10 (R7): staged apply from `from` on. Stages 0 and 1 wait until Current (2s, ≤60s).
    pub(crate) fn ks_stages(&mut self, o: ObjectId, from: u8, s: &mut Scheduler<Ev>) {
        let now = s.now().0;
        let obj = &self.m.objects[o];
        for st in from..3 {
            let targets = &obj.stages[st as usize];
            if targets.is_empty() {
                continue;
            }
            if self.api_down(now) {
                self.ks_fail(
                    o,
                    Outcome::ApplyFailed {
                        why: FailWhy::ApiUnavailable,
                    },
                    s,
                );
                return;
            }
            // All-or-nothing dry-run of the stage.
            for t in targets {
                if let Target::Workload(w) = *t {
                    if let Some(why) = self.dry_run(w) {
                        self.ks_fail(o, Outcome::ApplyFailed { why }, s);
                        return;
                    }
                }
            }
            let run = self.obj[o].running.expect("running");
            for i in 0..obj.stages[st as usize].len() {
                match obj.stages[st as usize][i] {
                    Target::Workload(w) => self.apply_workload(w, s),
                    Target::Object(c) => self.create(c, Cause::CreatedBy { run }, s),
                }
            }
            if st < 2 {
                if targets
                    .iter()
                    .all(|t| self.kstatus(*t, now) == KStatus::Current)
                {
                    continue;
                }
                let gen = self.obj[o].gen;
                self.obj[o].poll_started = now;
                s.schedule_in(
                    STAGE_POLL_MS,
                    Ev::Step(o, gen, Step::StagePoll { stage: st }),
                );
                return;
            }
        }
        self.ks_health_start(o, s);
    }

    pub(crate) fn ks_stage_poll(&mut self, o: ObjectId, stage: u8, s: &mut Scheduler<Ev>) {
        let now = s.now().0;
        let started = self.obj[o].poll_started;
        let targets = &self.m.objects[o].stages[stage as usize];
        match targets
            .iter()
            .find(|t| self.kstatus(**t, now) != KStatus::Current)
        {
            None => self.ks_stages(o, stage + 1, s),
            Some(t) => {
                if now >= started + STAGE_TIMEOUT_MS {
                    let w = match t {
                        Target::Workload(w) => *w,
                        Target::Object(_) => WorkloadId::default(),
                    };
                    self.ks_fail(
                        o,
                        Outcome::ApplyFailed {
                            why: FailWhy::StageTimeout { workload: w },
                        },
                        s,
                    );
                } else {
                    let gen = self.obj[o].gen;
                    let next = (now + STAGE_POLL_MS).min(started + STAGE_TIMEOUT_MS);
                    s.schedule(
                        crate::time::SimTime(next),
                        Ev::Step(o, gen, Step::StagePoll { stage }),
                    );
                }
            }
        }
    }

    fn health_targets(&self, o: ObjectId) -> impl Iterator<Item = Target> + use<'_> {
        self.health_lists(o).into_iter().flatten().copied()
    }

    /// S12 (R8): wait checks everything applied; else healthChecks; neither → Ready now.
    fn ks_health_start(&mut self, o: ObjectId, s: &mut Scheduler<Ev>) {
        let now = s.now().0;
        let run = self.obj[o].running.expect("running");
        self.trace.runs[run].apply_end_ms = Some(now);
        if self.health_targets(o).next().is_none() {
            self.ks_succeed(o, s);
            return;
        }
        self.obj[o].health_start = now;
        self.ks_health_poll(o, s);
    }

    /// One health poll: all Current → Ready; one Failed → fail fast (with the
    /// `DisableFailFastBehavior` gate: only once nothing is InProgress any more); else poll
    /// again in 5s, until `timeout` after the first poll.
    pub(crate) fn ks_health_poll(&mut self, o: ObjectId, s: &mut Scheduler<Ev>) {
        let now = s.now().0;
        let fail_fast = !self.m.kustomize.disable_fail_fast;
        let (failed, in_progress) = self.health_scan(o, now, fail_fast);
        if let Some(t) = failed.filter(|_| fail_fast || !in_progress) {
            let why = match t {
                Target::Workload(w) => FailWhy::WorkloadFailed { workload: w },
                Target::Object(x) => FailWhy::ObjectFailed { object: x },
            };
            self.ks_fail(o, Outcome::HealthCheckFailed { why }, s);
            return;
        }
        if !in_progress && failed.is_none() {
            self.ks_succeed(o, s);
            return;
        }
        let deadline = self.obj[o].health_start + self.m.objects[o].timeout;
        let gen = self.obj[o].gen;
        if now + HEALTH_POLL_MS >= deadline {
            s.schedule(
                crate::time::SimTime(deadline),
                Ev::Step(o, gen, Step::HealthTimeout),
            );
        } else {
            s.schedule_in(HEALTH_POLL_MS, Ev::Step(o, gen, Step::HealthPoll));
        }
    }

    pub(crate) fn ks_health_timeout(&mut self, o: ObjectId, s: &mut Scheduler<Ev>) {
        let now = s.now().0;
        let pending = self
            .health_targets(o)
            .find(|t| self.kstatus(*t, now) != KStatus::Current);
        let why = match pending {
            Some(Target::Workload(w)) => FailWhy::HealthTimeoutWorkload { workload: w },
            Some(Target::Object(x)) => FailWhy::HealthTimeoutObject { object: x },
            None => {
                // Everything turned Current exactly at the deadline: the context expired first.
                FailWhy::HealthTimeoutObject { object: o }
            }
        };
        self.ks_fail(o, Outcome::HealthCheckFailed { why }, s);
    }

    /// S14 (R10): Ready=True, requeue after interval ± 5 %.
    fn ks_succeed(&mut self, o: ObjectId, s: &mut Scheduler<Ev>) {
        self.end_run(o, Outcome::Ready, Next::Ready, s);
    }

    /// S13 (R10): Ready=False, requeue after retryInterval, flat.
    pub(crate) fn ks_fail(&mut self, o: ObjectId, outcome: Outcome, s: &mut Scheduler<Ev>) {
        self.obj[o].ready = false;
        self.obj[o].reconciling = false;
        let ri = self.m.objects[o].retry_interval;
        self.end_run(o, outcome, Next::After(ri, |run| Cause::Retry { run }), s);
    }
}
