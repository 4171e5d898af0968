//! What the cluster does after apply (R14, R15): readiness draws, run-time `needs` with kubelet
//! crash-loop backoff, kstatus per kind, dry-run checks, workload faults (R16).

use super::{Ev, KStatus, WStatus, World};
use crate::engine::Scheduler;
use crate::model::{Owner, WClass, WorkloadId};
use crate::rng::Purpose;
use crate::time::SimTime;
use crate::trace::FailWhy;

/// Kubelet CrashLoopBackOff: 10s, 20s, 40s … capped at 300s.
#[must_use]
pub fn crashloop_backoff(crashes: u32) -> u64 {
    let n = crashes.saturating_sub(1).min(16);
    (10_000u64 << n).min(300_000)
}

/// Job pod-failure backoff: 10s doubling, capped at 10 minutes.
#[must_use]
pub fn job_backoff(failures: u32) -> u64 {
    let n = failures.saturating_sub(1).min(16);
    (10_000u64 << n).min(600_000)
}

/// Deployment `progressDeadlineSeconds` default (600s).
pub const PROGRESS_DEADLINE_MS: u64 = 600_000;
/// Kubelet resets the crash-loop backoff after 600s of running.
pub const BACKOFF_RESET_MS: u64 = 600_000;

impl World<'_> {
    /// Server-side dry-run of one object (R7): its namespace present, its CRD established
    /// ([`Self::build_check`]), its webhook ready ([`Self::webhook_check`]).
    pub(crate) fn dry_run(&self, w: WorkloadId) -> Option<FailWhy> {
        self.build_check(w).or_else(|| self.webhook_check(w))
    }

    /// What fails before anything is created: the namespace is missing, or the kind is unknown
    /// because its CRD is not established (Helm: `KubeClient.Build`, before the release is
    /// stored, R12).
    pub(crate) fn build_check(&self, w: WorkloadId) -> Option<FailWhy> {
        let wd = &self.m.workloads[w];
        if let Some(ns) = wd.namespace_obj {
            if self.wl[ns].applied_at.is_none() {
                return Some(FailWhy::NamespaceMissing { workload: w });
            }
        }
        if let Some(crd) = wd.crd {
            if self.wl[crd].status != WStatus::Ready {
                return Some(FailWhy::CrdNotEstablished { workload: w });
            }
        }
        None
    }

    /// An admission webhook the object needs is not ready: the create (or dry-run) is
    /// rejected.
    pub(crate) fn webhook_check(&self, w: WorkloadId) -> Option<FailWhy> {
        let hook = self.m.workloads[w].webhook?;
        (self.wl[hook].status != WStatus::Ready).then_some(FailWhy::WebhookNotReady { workload: w })
    }

    /// Applies a workload (a re-apply of an applied one is a no-op).
    pub(crate) fn apply_workload(&mut self, w: WorkloadId, s: &mut Scheduler<Ev>) {
        if self.wl[w].applied_at.is_some() {
            return;
        }
        let now = s.now().0;
        self.wl[w].applied_at = Some(now);
        self.wl[w].status = WStatus::Starting;
        if self.wl[w].class == WClass::Other {
            self.source_applied(w, s);
        }
        self.wl_start(w, s);
    }

    /// Helm uninstall remediation removes the release's objects; whatever `needs` one of
    /// them and runs crash-loops again (R12, R14).
    pub(crate) fn uninstall_workload(&mut self, w: WorkloadId, s: &mut Scheduler<Ev>) {
        let st = &mut self.wl[w];
        st.gen = st.gen.wrapping_add(1);
        st.applied_at = None;
        st.status = WStatus::NotApplied;
        st.crashes = 0;
        st.job_failures = 0;
        let now = s.now().0;
        for x in self.m.workloads.keys() {
            let xs = &self.wl[x];
            let running = matches!(xs.status, WStatus::Ready | WStatus::Starting);
            if !running || xs.applied_at.is_none() || !self.m.workloads[x].needs.contains(&w) {
                continue;
            }
            let xs = &mut self.wl[x];
            if xs.status == WStatus::Ready && now.saturating_sub(xs.ready_since) > BACKOFF_RESET_MS
            {
                xs.crashes = 0;
            }
            xs.gen = xs.gen.wrapping_add(1);
            xs.crash_need = Some(w);
            self.crash(x, s);
        }
    }

    fn in_outage(&self, w: WorkloadId, t: u64) -> Option<u64> {
        self.m
            .faults
            .workload_outages
            .iter()
            .find(|(x, a, b)| *x == w && t >= *a && t < *b)
            .map(|(_, _, b)| *b)
    }

    /// One start attempt (R14): a need not ready → crash at once and back off; otherwise the
    /// readiness time is drawn (slowed inside a slowdown window), and a failure draw may make
    /// the attempt crash at that time instead (R16).
    pub(crate) fn wl_start(&mut self, w: WorkloadId, s: &mut Scheduler<Ev>) {
        let now = s.now().0;
        let wd = &self.m.workloads[w];
        if let Some(end) = self.in_outage(w, now) {
            self.wl[w].status = WStatus::Down;
            let g = self.wl[w].gen;
            s.schedule(SimTime(end), Ev::WlStart(w, g));
            return;
        }
        let k = self.wl[w].starts;
        self.wl[w].starts += 1;
        if let Some(&need) = wd
            .needs
            .iter()
            .find(|n| self.wl[**n].status != WStatus::Ready)
        {
            self.wl[w].crash_need = Some(need);
            self.crash(w, s);
            return;
        }
        let Some(dist) = &wd.ready else {
            self.wl_ready(w, s);
            return;
        };
        let mut r = dist.sample(&mut self.key.stream(wd.hash, Purpose::Ready, k));
        for (a, b, f) in &self.m.faults.slowdowns {
            if now >= *a && now < *b {
                #[allow(
                    clippy::cast_precision_loss,
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss
                )]
                {
                    r = libm::round(r as f64 * f) as u64;
                }
            }
        }
        let fails = wd.permanent_failure
            || (wd.fail_probability > 0.0
                && self.key.stream(wd.hash, Purpose::Fail, k).uniform() < wd.fail_probability);
        self.wl[w].status = WStatus::Starting;
        let g = self.wl[w].gen;
        if fails {
            s.schedule_in(r, Ev::WlCrash(w, g));
        } else {
            s.schedule_in(r, Ev::WlReady(w, g));
        }
    }

    fn crash(&mut self, w: WorkloadId, s: &mut Scheduler<Ev>) {
        let now = s.now().0;
        let st = &mut self.wl[w];
        st.total_crashes += 1;
        if st.class == WClass::Job {
            st.job_failures += 1;
            if st.job_failures > self.m.workloads[w].backoff_limit {
                st.status = WStatus::Failed;
                return;
            }
            st.status = WStatus::CrashLoop;
            let d = job_backoff(st.job_failures);
            let g = st.gen;
            s.schedule(SimTime(now + d), Ev::WlStart(w, g));
            return;
        }
        st.crashes += 1;
        st.status = WStatus::CrashLoop;
        let d = crashloop_backoff(st.crashes);
        let g = st.gen;
        s.schedule(SimTime(now + d), Ev::WlStart(w, g));
    }

    pub(crate) fn wl_crash(&mut self, w: WorkloadId, s: &mut Scheduler<Ev>) {
        self.wl[w].crash_need = None;
        self.crash(w, s);
    }

    pub(crate) fn wl_ready(&mut self, w: WorkloadId, s: &mut Scheduler<Ev>) {
        let now = s.now().0;
        let st = &mut self.wl[w];
        st.status = WStatus::Ready;
        st.ready_since = now;
        st.crash_need = None;
        if st.first_ready.is_none() {
            st.first_ready = Some(now);
        }
        if let Owner::Bootstrap(i) = self.m.workloads[w].owner {
            if i == self.bootstrap_step {
                s.schedule(SimTime(now), Ev::BootstrapStep(i + 1));
            }
        }
    }

    pub(crate) fn wl_outage(&mut self, w: WorkloadId, down: bool, s: &mut Scheduler<Ev>) {
        let now = s.now().0;
        let st = &mut self.wl[w];
        if st.applied_at.is_none() {
            return;
        }
        if down {
            st.gen = st.gen.wrapping_add(1);
            st.status = WStatus::Down;
        } else if st.status == WStatus::Down {
            if now.saturating_sub(st.ready_since) > super::workload::BACKOFF_RESET_MS {
                st.crashes = 0;
            }
            self.wl_start(w, s);
        }
    }

    /// kstatus of a workload (R15).
    pub(crate) fn wl_kstatus(&self, w: WorkloadId, now: u64) -> KStatus {
        let st = &self.wl[w];
        if st.status == WStatus::Ready {
            return KStatus::Current;
        }
        let Some(applied) = st.applied_at else {
            return KStatus::InProgress;
        };
        match self.wl[w].class {
            WClass::Deployment if now >= applied + PROGRESS_DEADLINE_MS => KStatus::Failed,
            WClass::StatefulSet if st.status == WStatus::CrashLoop => KStatus::Failed,
            WClass::Job if st.status == WStatus::Failed => KStatus::Failed,
            _ => KStatus::InProgress,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubelet_backoff_sequence() {
        // flux-semantics.md §1: 10, 20, 40, 80, 160, 300, 300 …
        let v: Vec<u64> = (1..=7).map(crashloop_backoff).collect();
        assert_eq!(
            v,
            vec![10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]
        );
        assert_eq!(job_backoff(7), 600_000);
    }
}
