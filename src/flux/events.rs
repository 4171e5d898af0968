//! Event recording (R19): a reconcile posts its event to notification-controller on its
//! worker before it returns. Normally instant; while notification-controller is unreachable
//! the post holds the worker 15s (connections refused) or 45s (connections hang), and only
//! then does the run end and its requeue start counting.

use super::{Ev, Step, World};
use crate::engine::Scheduler;
use crate::model::ObjectId;
use crate::time::SimTime;
use crate::trace::{Cause, Outcome};

/// What follows the end of a run.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Next {
    /// Nothing is scheduled (terminal).
    Nothing,
    /// `RequeueAfter` this many ms.
    After(u64, fn(usize) -> Cause),
    /// `RequeueAfter` this many ms ± 5 %.
    AfterJittered(u64, fn(usize) -> Cause),
    /// Rate-limited requeue (an error or `Requeue: true`).
    RateLimited(fn(usize) -> Cause),
    /// Ready=True, then `interval` ± 5 %.
    Ready,
}

impl World<'_> {
    /// How long posting an event at `now` holds the worker (0 when notification-controller is
    /// reachable).
    pub(crate) fn event_hold(&self, now: u64) -> u64 {
        let n = &self.m.notification;
        let window = n
            .outages
            .iter()
            .filter(|(a, b, _)| now >= *a && now < *b)
            .map(|(_, _, h)| *h)
            .max()
            .unwrap_or(0);
        let boot = n
            .until_ready
            .filter(|(w, _)| self.wl[*w].status != super::WStatus::Ready)
            .map_or(0, |(_, h)| h);
        window.max(boot)
    }

    /// Ends the run of `o` with `outcome` (posting its event first), then does `next`.
    pub(crate) fn end_run(
        &mut self,
        o: ObjectId,
        outcome: Outcome,
        next: Next,
        s: &mut Scheduler<Ev>,
    ) {
        let now = s.now().0;
        let hold = self.event_hold(now);
        if hold == 0 {
            self.complete_run(o, outcome, next, s);
            return;
        }
        let run = self.obj[o].running.expect("end of a running object");
        self.trace.runs[run].event_ms = Some(now);
        self.deferred.push((o, outcome, next));
        let gen = self.obj[o].gen;
        s.schedule(SimTime(now + hold), Ev::Step(o, gen, Step::EventPosted));
    }

    /// The held event post returned.
    pub(crate) fn event_posted(&mut self, o: ObjectId, s: &mut Scheduler<Ev>) {
        if let Some(i) = self.deferred.iter().position(|d| d.0 == o) {
            let (_, outcome, next) = self.deferred.swap_remove(i);
            self.complete_run(o, outcome, next, s);
        }
    }

    fn complete_run(&mut self, o: ObjectId, outcome: Outcome, next: Next, s: &mut Scheduler<Ev>) {
        let run = self.finish(o, outcome, s);
        match next {
            Next::Nothing => {}
            Next::After(d, cause) => self.requeue_after(o, d, cause(run), s),
            Next::AfterJittered(d, cause) => self.requeue_jittered(o, d, cause(run), s),
            Next::RateLimited(cause) => self.requeue_rate_limited(o, cause(run), s),
            Next::Ready => self.mark_ready(o, run, s),
        }
    }
}
