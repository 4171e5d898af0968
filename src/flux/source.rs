//! Sources (R5): a source object exists from the start or once its creator is applied; after
//! its finalizer step it fetches its first artifact (Git outages back it off, R16); the
//! artifact's arrival enqueues every Kustomization on it (the watch).

use super::{rate_limit_delay, Ev, World, MIN_RETRY_DELAY_MS};
use crate::engine::Scheduler;
use crate::model::{SourceId, WorkloadId};
use crate::rng::Purpose;
use crate::trace::Cause;

impl World<'_> {
    /// The source object comes into existence: a declared source with no fetch time has its
    /// artifact at once; otherwise the finalizer step, then the first fetch (R4).
    pub(crate) fn source_create(&mut self, i: SourceId, s: &mut Scheduler<Ev>) {
        if self.src_exists[i] {
            return;
        }
        self.src_exists[i] = true;
        let now = s.now().0;
        if self.m.sources[i].fetch.is_none() && self.m.sources[i].created_by.is_none() {
            self.src_ready[i] = Some(now);
            self.trace.source_ready_ms[i] = Some(now);
        } else {
            self.src_fail_n[i] = 1;
            s.schedule_in(MIN_RETRY_DELAY_MS, Ev::SourceFetch(i));
        }
    }

    /// A workload was applied: if it is a source object, the source now exists.
    pub(crate) fn source_applied(&mut self, w: WorkloadId, s: &mut Scheduler<Ev>) {
        for i in self.m.sources.keys() {
            if self.m.sources[i].created_by == Some(w) {
                self.source_create(i, s);
            }
        }
    }

    pub(crate) fn source_fetch(&mut self, i: SourceId, s: &mut Scheduler<Ev>) {
        let now = s.now().0;
        let down = self
            .m
            .faults
            .git_outages
            .iter()
            .any(|(src, a, b)| src.is_none_or(|x| x == i) && now >= *a && now < *b);
        if down {
            let d = rate_limit_delay(self.src_fail_n[i]);
            self.src_fail_n[i] += 1;
            s.schedule_in(d, Ev::SourceFetch(i));
            return;
        }
        let src = &self.m.sources[i];
        let attempt = self.src_fail_n[i];
        let d = src.fetch.as_ref().map_or(0, |f| {
            f.sample(&mut self.key.stream(src.hash, Purpose::Fetch, attempt))
        });
        s.schedule_in(d, Ev::SourceArtifact(i));
    }

    pub(crate) fn source_artifact(&mut self, i: SourceId, s: &mut Scheduler<Ev>) {
        let now = s.now().0;
        if self.src_ready[i].is_some() {
            return;
        }
        self.src_ready[i] = Some(now);
        self.trace.source_ready_ms[i] = Some(now);
        // The watch enqueues every Kustomization on this source (R5).
        let m = self.m;
        for &o in &m.init_order {
            if m.objects[o].source == Some(i) {
                self.enqueue(o, now, Cause::SourceArrived { source: i }, now, s);
            }
        }
    }
}
