//! The HelmRelease reconcile (R11–R13; flux-semantics.md §4, steps H1–H11).

use super::events::Next;
use super::{
    rate_limit_delay, Ev, KStatus, Step, World, HEALTH_POLL_MS, MIN_RETRY_DELAY_MS, STAGE_POLL_MS,
    STAGE_TIMEOUT_MS,
};
use crate::engine::Scheduler;
use crate::model::ObjectId;
use crate::rng::Purpose;
use crate::time::SimTime;
use crate::trace::{Cause, FailWhy, Outcome};

impl World<'_> {
    /// H1–H7, then the install/upgrade starts.
    pub(crate) fn hr_start(&mut self, o: ObjectId, run: usize, s: &mut Scheduler<Ev>) {
        let obj = &self.m.objects[o];
        if self.common_prelude(o, run, s) {
            return;
        }
        if self.obj[o].stalled {
            // Terminal: only a spec change or a forced reconcile recovers (R12).
            let why = FailWhy::ObjectFailed { object: o };
            self.end_run(o, Outcome::Stalled { why }, Next::Nothing, s);
            return;
        }
        // H3 (R11): the HelmChart is created before the dependency check.
        if !self.obj[o].chart_requested && obj.source.is_none() {
            // Its finalizer step, then the first fetch.
            self.obj[o].chart_requested = true;
            self.obj[o].chart_fail_n = 1;
            s.schedule_in(MIN_RETRY_DELAY_MS, Ev::ChartFetch(o));
        }
        // H5: dependencies, polled every requeue_dependency (no jitter, no watch).
        if let Some(&d) = obj
            .depends_on
            .iter()
            .find(|&&d| !self.obj[d].ready || self.obj[d].reconciling)
        {
            self.obj[o].ready = false;
            let rq = self.m.helm.requeue_dependency;
            let next = Next::After(rq, |run| Cause::DependencyPoll { run });
            self.end_run(o, Outcome::DependencyNotReady { dependency: d }, next, s);
            return;
        }
        // H6 (R5): a chartRef source object that does not exist → ArtifactFailed, an error:
        // exponential backoff.
        if let Some(src) = obj.source {
            if !self.src_exists[src] {
                self.obj[o].ready = false;
                let next = Next::RateLimited(|run| Cause::RateLimited { run });
                self.end_run(o, Outcome::SourceNotFound, next, s);
                return;
            }
            self.obj[o].chart_ready = self.src_ready[src].is_some();
        }
        // H7 (R11): chart artifact; SourceNotReady → `--requeue-dependency` ± 5 % (30s by
        // default), plus the HelmChart watch.
        if !self.obj[o].chart_ready {
            self.obj[o].ready = false;
            let rq = self.m.helm.requeue_dependency;
            let next = Next::AfterJittered(rq, |run| Cause::SourcePoll { run });
            self.end_run(o, Outcome::ChartNotReady, next, s);
            return;
        }
        // H10: Ready=Unknown, Reconciling=True; template + apply takes `apply`.
        self.obj[o].reconciling = true;
        self.obj[o].dep_wait = false;
        let attempt = self.obj[o].attempts;
        self.obj[o].attempts += 1;
        self.trace.runs[run].attempt = Some(attempt);
        let d = obj
            .apply
            .sample(&mut self.key.stream(obj.hash, Purpose::Apply, attempt));
        let gen = self.obj[o].gen;
        s.schedule_in(d, Ev::Step(o, gen, Step::HrApplyDone));
    }

    /// source-controller reconciles the HelmChart: during an outage of its repository the
    /// fetch fails and backs off 750ms·2ⁿ (n not reset, §4); otherwise the chart is ready after
    /// its fetch time.
    pub(crate) fn chart_fetch(&mut self, o: ObjectId, s: &mut Scheduler<Ev>) {
        let now = s.now().0;
        let obj = &self.m.objects[o];
        let spec = obj.helm.as_ref().expect("HelmRelease has helm spec");
        let down = self.m.faults.chart_outages.iter().any(|(repo, a, b)| {
            repo.as_ref()
                .is_none_or(|r| spec.repository.as_ref() == Some(r))
                && now >= *a
                && now < *b
        });
        if down {
            let d = rate_limit_delay(self.obj[o].chart_fail_n);
            self.obj[o].chart_fail_n += 1;
            s.schedule_in(d, Ev::ChartFetch(o));
            return;
        }
        let d = spec
            .chart_fetch
            .sample(&mut self.key.stream(obj.hash, Purpose::Chart, 0));
        s.schedule_in(d, Ev::ChartReady(o));
    }

    pub(crate) fn chart_ready(&mut self, o: ObjectId, s: &mut Scheduler<Ev>) {
        self.obj[o].chart_ready = true;
        let now = s.now().0;
        self.enqueue(o, now, Cause::ChartReady, now, s);
    }

    /// Chart CRDs first (install only), waited for ≤ 60s.
    pub(crate) fn hr_apply_done(&mut self, o: ObjectId, s: &mut Scheduler<Ev>) {
        let now = s.now().0;
        let m = self.m;
        let spec = m.objects[o].helm.as_ref().expect("helm spec");
        if self.obj[o].release_stored {
            // RetryOnFailure: the next attempt is an upgrade of the failed release.
            self.hr_install(o, s);
            return;
        }
        for &w in &spec.crds {
            self.apply_workload(w, s);
        }
        if spec
            .crds
            .iter()
            .all(|w| self.wl_kstatus(*w, now) == KStatus::Current)
        {
            self.hr_install(o, s);
        } else {
            let gen = self.obj[o].gen;
            self.obj[o].poll_started = now;
            s.schedule_in(STAGE_POLL_MS, Ev::Step(o, gen, Step::HrCrdPoll));
        }
    }

    pub(crate) fn hr_crd_poll(&mut self, o: ObjectId, s: &mut Scheduler<Ev>) {
        let now = s.now().0;
        let started = self.obj[o].poll_started;
        let spec = self.m.objects[o].helm.as_ref().expect("helm spec");
        match spec
            .crds
            .iter()
            .find(|w| self.wl_kstatus(**w, now) != KStatus::Current)
        {
            None => self.hr_install(o, s),
            Some(&w) if now >= started + STAGE_TIMEOUT_MS => {
                self.hr_fail_before_release(o, FailWhy::StageTimeout { workload: w }, s);
            }
            Some(_) => {
                let gen = self.obj[o].gen;
                s.schedule(
                    SimTime((now + STAGE_POLL_MS).min(started + STAGE_TIMEOUT_MS)),
                    Ev::Step(o, gen, Step::HrCrdPoll),
                );
            }
        }
    }

    /// Helm builds the objects (a missing CRD fails here, before a release is stored), stores
    /// the release, creates the objects (one an admission webhook rejects fails the install
    /// after the release is stored; the others are created), then waits (5s poll, fail-fast,
    /// install timeout). R12.
    fn hr_install(&mut self, o: ObjectId, s: &mut Scheduler<Ev>) {
        let now = s.now().0;
        let m = self.m;
        let spec = m.objects[o].helm.as_ref().expect("helm spec");
        if self.api_down(now) {
            self.hr_fail_before_release(o, FailWhy::ApiUnavailable, s);
            return;
        }
        if !self.obj[o].release_stored {
            if let Some(why) = spec.resources.iter().find_map(|&w| self.build_check(w)) {
                self.hr_fail_before_release(o, why, s);
                return;
            }
            self.obj[o].release_stored = true;
        }
        let mut rejected = None;
        for &w in &spec.resources {
            match self.webhook_check(w) {
                Some(why) => rejected = rejected.or(Some(why)),
                None => self.apply_workload(w, s),
            }
        }
        if let Some(why) = rejected {
            self.hr_fail_after_release(o, why, s);
            return;
        }
        let run = self.obj[o].running.expect("running");
        self.trace.runs[run].apply_end_ms = Some(now);
        if spec.disable_wait {
            self.hr_succeed(o, s);
            return;
        }
        self.obj[o].health_start = now;
        self.hr_wait_poll(o, s);
    }

    pub(crate) fn hr_wait_poll(&mut self, o: ObjectId, s: &mut Scheduler<Ev>) {
        let now = s.now().0;
        let spec = self.m.objects[o].helm.as_ref().expect("helm spec");
        let mut all = true;
        for &w in &spec.resources {
            match self.wl_kstatus(w, now) {
                KStatus::Failed => {
                    self.hr_fail_after_release(o, FailWhy::WorkloadFailed { workload: w }, s);
                    return;
                }
                KStatus::InProgress => all = false,
                KStatus::Current => {}
            }
        }
        if all {
            self.hr_succeed(o, s);
            return;
        }
        let deadline = self.obj[o].health_start + spec.install_timeout;
        let gen = self.obj[o].gen;
        if now + HEALTH_POLL_MS >= deadline {
            s.schedule(SimTime(deadline), Ev::Step(o, gen, Step::HrWaitTimeout));
        } else {
            s.schedule_in(HEALTH_POLL_MS, Ev::Step(o, gen, Step::HrWaitPoll));
        }
    }

    pub(crate) fn hr_wait_timeout(&mut self, o: ObjectId, s: &mut Scheduler<Ev>) {
        let now = s.now().0;
        let spec = self.m.objects[o].helm.as_ref().expect("helm spec");
        let w = spec
            .resources
            .iter()
            .copied()
            .find(|w| self.wl_kstatus(*w, now) != KStatus::Current)
            .unwrap_or_default();
        self.hr_fail_after_release(o, FailWhy::HealthTimeoutWorkload { workload: w }, s);
    }

    fn hr_succeed(&mut self, o: ObjectId, s: &mut Scheduler<Ev>) {
        self.obj[o].install_failures = 0;
        self.end_run(o, Outcome::Ready, Next::Ready, s);
    }

    /// Failure before a release is stored: an error → exponential backoff 750ms·2ⁿ ≤ 15m.
    fn hr_fail_before_release(&mut self, o: ObjectId, why: FailWhy, s: &mut Scheduler<Ev>) {
        self.obj[o].ready = false;
        self.obj[o].reconciling = false;
        let next = Next::RateLimited(|run| Cause::RateLimited { run });
        self.end_run(o, Outcome::InstallFailedBeforeRelease { why }, next, s);
    }

    /// Failure after the release is stored (wait timeout, failed resource), R12.
    fn hr_fail_after_release(&mut self, o: ObjectId, why: FailWhy, s: &mut Scheduler<Ev>) {
        let spec = self.m.objects[o].helm.as_ref().expect("helm spec");
        self.obj[o].install_failures += 1;
        self.obj[o].ready = false;
        if spec.retry_on_failure {
            // Reconciling stays True (ProgressingWithRetry): a parent sees InProgress.
            let next =
                Next::AfterJittered(spec.strategy_retry_interval, |run| Cause::Retry { run });
            self.end_run(o, Outcome::InstallFailed { why }, next, s);
        } else if self.obj[o].install_failures > spec.retries {
            // Retries exhausted → Stalled, TerminalError, never requeued; with
            // remediateLastFailure the failed release is uninstalled first.
            if spec.remediate_last_failure {
                self.hr_uninstall(o, s);
            }
            self.obj[o].stalled = true;
            self.obj[o].reconciling = false;
            self.end_run(o, Outcome::Stalled { why }, Next::Nothing, s);
        } else {
            // Uninstall remediation, then Requeue:true (rate-limited) → reinstall.
            self.obj[o].reconciling = false;
            self.hr_uninstall(o, s);
            let next = Next::RateLimited(|run| Cause::RateLimited { run });
            self.end_run(o, Outcome::InstallFailed { why }, next, s);
        }
    }

    /// Helm uninstall: the release and every object it created go away.
    fn hr_uninstall(&mut self, o: ObjectId, s: &mut Scheduler<Ev>) {
        self.obj[o].release_stored = false;
        let m = self.m;
        let spec = m.objects[o].helm.as_ref().expect("helm spec");
        for &w in &spec.resources {
            self.uninstall_workload(w, s);
        }
    }
}
