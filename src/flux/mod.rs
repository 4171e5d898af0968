//! Flux's controllers as handlers of the generic engine: work queues and worker pools (R1–R4),
//! the Kustomization reconcile (R5–R10), the HelmRelease reconcile (R11–R13), workloads
//! (R14–R15) and faults (R16). Every draw comes from a keyed stream (R17).
//!
//! Depends on `model`, `engine`, `trace`, `rng`, `dist`, `time`; never on `analysis` or `report`.

mod events;
mod health;
mod helmrelease;
mod kustomization;
mod source;
mod workload;

use crate::engine::{Engine, Handler, Scheduler, TimedQueue};
use crate::model::{
    Model, ObjKind, ObjectId, PerObject, PerSource, PerWorkload, SourceId, Target, WClass,
    WorkloadId,
};
use crate::rng::{Purpose, TrialKey};
use crate::time::SimTime;
use crate::trace::{Cause, ObjectEnd, Outcome, Run, Trace, WorkloadEnd};

/// First step of the per-item exponential rate limiter (`--min-retry-delay`, 750ms).
pub const MIN_RETRY_DELAY_MS: u64 = 750;
/// Cap of the rate limiter (`--max-retry-delay`, 15m).
pub const MAX_RETRY_DELAY_MS: u64 = 900_000;
/// Source-not-ready requeue (R5).
pub const ARTIFACT_REQUEUE_MS: u64 = 30_000;
/// SSA stage wait poll and timeout (R7).
pub const STAGE_POLL_MS: u64 = 2_000;
/// SSA stage wait timeout (R7).
pub const STAGE_TIMEOUT_MS: u64 = 60_000;
/// Health check poll (R8) and Helm wait poll (R12).
pub const HEALTH_POLL_MS: u64 = 5_000;

/// Delay of the n-th rate-limited requeue: 750ms·2ⁿ, capped at 15m.
#[must_use]
pub fn rate_limit_delay(n: u32) -> u64 {
    if n >= 20 {
        return MAX_RETRY_DELAY_MS;
    }
    (MIN_RETRY_DELAY_MS << n).min(MAX_RETRY_DELAY_MS)
}

/// One simulation event.
#[derive(Clone, Copy, Debug)]
#[doc(hidden)]
pub enum Ev {
    BootstrapStep(usize),
    FluxStart,
    Wake,
    SourceFetch(SourceId),
    SourceArtifact(SourceId),
    ChartFetch(ObjectId),
    ChartReady(ObjectId),
    Step(ObjectId, u32, Step),
    WlStart(WorkloadId, u32),
    WlReady(WorkloadId, u32),
    WlCrash(WorkloadId, u32),
    WlOutage(WorkloadId, bool),
    /// The `i`-th controller restart of the scenario's faults.
    Restart(u32),
    RestartUp(ObjKind),
}

/// Continuations of a running reconcile.
#[derive(Clone, Copy, Debug)]
#[doc(hidden)]
pub enum Step {
    ApplyDone,
    /// Started at the object's `poll_started`.
    StagePoll {
        stage: u8,
    },
    HealthPoll,
    HealthTimeout,
    HrApplyDone,
    /// Started at the object's `poll_started`.
    HrCrdPoll,
    HrWaitPoll,
    HrWaitTimeout,
    EventPosted,
}

#[derive(Clone, Copy, Debug)]
#[repr(C)] // What a queue head check reads (`ready_at`, `seq`, `lazy`) first.
pub(crate) struct Entry {
    /// When it is due; for an entry whose jitter is not drawn yet, the earliest it can be.
    ready_at: u64,
    seq: u64,
    /// A jittered delay (`RequeueAfter` d ± 5 %, R10) whose draw is put off until the exact
    /// time matters (Monte Carlo summaries): (d, draw index). The draw is keyed (R17), so drawing it
    /// later gives the same value; most are never needed (an interval requeue after the
    /// bootstrap ends, a chart poll overtaken by the chart's watch).
    lazy: Option<(u64, u32)>,
    cause_ms: u64,
    cause: Cause,
}

impl Entry {
    /// The latest it can be due.
    fn latest(&self) -> u64 {
        match self.lazy {
            Some((d, _)) => self.cause_ms.saturating_add(jitter_bounds(d).1),
            None => self.ready_at,
        }
    }
}

/// Bounds of d·(1 + 0.05·U[−1, 1]) rounded, with a margin for floating-point rounding.
fn jitter_bounds(d: u64) -> (u64, u64) {
    (d.saturating_sub(d / 16 + 2), d.saturating_add(d / 16 + 2))
}

/// An object's state in one trial. Laid out for the cache: what every event, queue head and
/// add reads comes first (a trial touches every object's first lines over and over).
#[derive(Clone, Debug, Default)]
#[repr(C, align(64))]
pub(crate) struct ObjState {
    pending: Option<Entry>,
    gen: u32,
    rl_n: u32,
    running: Option<usize>,
    created: bool,
    finalizer: bool,
    ready: bool,
    reconciling: bool,
    stalled: bool,
    /// Ready=False with reason DependencyNotReady (what the dependency watch looks for, R3).
    dep_wait: bool,
    // HelmRelease
    chart_requested: bool,
    chart_ready: bool,
    attempts: u32,
    jitter_n: u32,
    followup: Option<Entry>,
    health_start: u64,
    /// When the current stage wait or CRD wait began (its poll events carry no time, R7).
    poll_started: u64,
    /// The health target found InProgress at the last poll (where the next scan starts).
    health_hint: u32,
    /// The HelmChart's rate-limiter count (not reset between its failures).
    chart_fail_n: u32,
    install_failures: u32,
    release_stored: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) enum WStatus {
    #[default]
    NotApplied,
    Starting,
    CrashLoop,
    Ready,
    Down,
    Failed,
}

#[derive(Clone, Debug)]
pub(crate) struct WlState {
    /// The model's class, kept here because every status read needs it (and this state is
    /// in cache by then; the model's workload is not).
    class: WClass,
    applied_at: Option<u64>,
    first_ready: Option<u64>,
    ready_since: u64,
    status: WStatus,
    starts: u32,
    crashes: u32,
    job_failures: u32,
    gen: u32,
    crash_need: Option<WorkloadId>,
    total_crashes: u32,
}

#[derive(Debug)]
pub(crate) struct CtlState {
    free: u32,
    /// Pending entries by (ready time, sequence), with FIFO lanes for immediate adds,
    /// dependency and artifact polls and first rate-limited requeues. Deleted lazily: an entry is live only while its object's `pending`
    /// has the same sequence number.
    queue: TimedQueue<ObjectId>,
    down_until: u64,
}

impl WlState {
    fn new(class: WClass) -> Self {
        WlState {
            class,
            applied_at: None,
            first_ready: None,
            ready_since: 0,
            status: WStatus::NotApplied,
            starts: 0,
            crashes: 0,
            job_failures: 0,
            gen: 0,
            crash_need: None,
            total_crashes: 0,
        }
    }
}

/// kstatus of a health-check target (R13, R15).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum KStatus {
    /// Ready.
    Current,
    /// Not yet.
    InProgress,
    /// Failed (fail-fast).
    Failed,
}

/// The simulated cluster for one trial.
pub(crate) struct World<'m> {
    pub(crate) m: &'m Model,
    pub(crate) key: TrialKey,
    pub(crate) obj: PerObject<ObjState>,
    pub(crate) wl: PerWorkload<WlState>,
    /// The outcome and follow-up of each run whose event post holds its worker (R19): at
    /// most one per busy worker, so a short list.
    pub(crate) deferred: Vec<(ObjectId, Outcome, events::Next)>,
    pub(crate) src_ready: PerSource<Option<u64>>,
    /// The source object exists (declared at start, or applied by its creator, R5).
    pub(crate) src_exists: PerSource<bool>,
    pub(crate) src_fail_n: PerSource<u32>,
    pub(crate) ctl: [CtlState; 2],
    pub(crate) trace: Trace,
    /// The object of each run in `trace.runs` (what indexing the runs by object reads).
    run_owner: Vec<ObjectId>,
    pub(crate) remaining: usize,
    /// Earliest outstanding Wake event (time, sequence), if any.
    wake: Option<(u64, u64)>,
    pub(crate) bootstrap_step: usize,
    /// The optimised paths (FIFO lanes, incremental health scans); false runs the plain
    /// reference implementation, which must give the same trace.
    pub(crate) fast: bool,
    /// Jittered requeues put their draw off ([`Entry::lazy`]): for Monte Carlo summaries,
    /// which never need most of them. A full trace needs every one (`next_run_ms`), so there
    /// it would only add work.
    lazy_jitter: bool,
    /// Which health targets of each object can be Failed.
    health: health::HealthCache,
    /// A controller's queue, free workers or outage changed since the last dispatch: only
    /// then (or at a Wake) can the dispatch after an event start anything (R0).
    dirty: bool,
}

fn ci(k: ObjKind) -> usize {
    match k {
        ObjKind::Kustomization => 0,
        ObjKind::HelmRelease => 1,
    }
}

impl<'m> World<'m> {
    fn new(m: &'m Model, seed: u64, trial: u64, fast: bool, lazy_jitter: bool) -> Self {
        let n = m.objects.len();
        let mk = |p: &crate::model::ControllerParams| {
            let lanes = [
                0,
                p.requeue_dependency,
                MIN_RETRY_DELAY_MS,
                ARTIFACT_REQUEUE_MS,
            ];
            let mut queue = TimedQueue::with_lanes(if fast { &lanes[..] } else { &[] });
            queue.reserve(n.min(RESERVED_ITEMS));
            CtlState {
                free: p.concurrent,
                queue,
                down_until: 0,
            }
        };
        World {
            m,
            key: TrialKey::new(seed, trial),
            obj: vec![ObjState::default(); n].into(),
            wl: m.workloads.iter().map(|w| WlState::new(w.class)).collect(),
            deferred: Vec::new(),
            src_ready: vec![None; m.sources.len()].into(),
            src_exists: vec![false; m.sources.len()].into(),
            src_fail_n: vec![0; m.sources.len()].into(),
            ctl: [mk(&m.kustomize), mk(&m.helm)],
            trace: Trace {
                ready_ms: vec![None; n].into(),
                runs: Vec::with_capacity(n * 6),
                source_ready_ms: vec![None; m.sources.len()].into(),
                kinds: m.objects.iter().map(|o| o.kind).collect(),
                ..Trace::default()
            },
            run_owner: Vec::with_capacity(n * 6),
            remaining: n,
            wake: None,
            bootstrap_step: 0,
            fast,
            lazy_jitter,
            health: health::HealthCache::new(n),
            dirty: true,
        }
    }

    pub(crate) fn api_down(&self, t: u64) -> bool {
        self.m
            .faults
            .api_outages
            .iter()
            .any(|(a, b)| t >= *a && t < *b)
    }

    /// Adds an object to its controller's work queue (R2): one pending entry per object, the
    /// earlier ready time wins; while it runs, one follow-up run is remembered. The entry takes
    /// its place in the one order of the simulation now, when the add is made (R0).
    pub(crate) fn enqueue(
        &mut self,
        o: ObjectId,
        ready_at: u64,
        cause: Cause,
        cause_ms: u64,
        s: &mut Scheduler<Ev>,
    ) {
        if !self.obj[o].created {
            return;
        }
        let e = Entry {
            ready_at,
            seq: s.reserve_seq(),
            cause,
            cause_ms,
            lazy: None,
        };
        self.enqueue_entry(o, e, s.now());
    }

    /// `RequeueAfter` d ± 5 % (R10): the draw is taken now (its index), the value on the
    /// summary path only when it matters ([`Entry::lazy`]).
    pub(crate) fn requeue_jittered(
        &mut self,
        o: ObjectId,
        d: u64,
        cause: Cause,
        s: &mut Scheduler<Ev>,
    ) {
        if !self.lazy_jitter || d == 0 {
            let d = self.jitter(o, d);
            self.requeue_after(o, d, cause, s);
            return;
        }
        self.obj[o].rl_n = 0;
        let n = self.obj[o].jitter_n;
        self.obj[o].jitter_n += 1;
        if !self.obj[o].created {
            return;
        }
        let now = s.now().0;
        let e = Entry {
            ready_at: now + jitter_bounds(d).0,
            seq: s.reserve_seq(),
            cause,
            cause_ms: now,
            lazy: Some((d, n)),
        };
        self.enqueue_entry(o, e, s.now());
    }

    /// Draws a lazy entry's jitter: its exact due time.
    fn resolve(&self, o: ObjectId, e: &mut Entry) {
        if let Some((d, n)) = e.lazy.take() {
            e.ready_at = e.cause_ms + self.jitter_value(o, d, n);
        }
    }

    /// Whether `a` is due strictly before `b` (drawing lazy jitters only when the bounds
    /// do not decide).
    fn due_before(&self, o: ObjectId, a: &mut Entry, b: &mut Entry) -> bool {
        if a.latest() < b.ready_at {
            return true;
        }
        if a.ready_at >= b.latest() {
            return false;
        }
        self.resolve(o, a);
        self.resolve(o, b);
        a.ready_at < b.ready_at
    }

    fn enqueue_entry(&mut self, o: ObjectId, mut e: Entry, now: SimTime) {
        if self.obj[o].running.is_some() {
            if let Some(mut f) = self.obj[o].followup {
                let wins = self.due_before(o, &mut e, &mut f);
                self.obj[o].followup = Some(if wins { e } else { f });
            } else {
                self.obj[o].followup = Some(e);
            }
            return;
        }
        if let Some(mut p) = self.obj[o].pending {
            if !self.due_before(o, &mut e, &mut p) {
                // `p` may now be drawn; its queue item is moved when it reaches the head.
                self.obj[o].pending = Some(p);
                return;
            }
        }
        self.obj[o].pending = Some(e);
        let c = ci(self.trace.kinds[o]);
        self.ctl[c].queue.push(now, SimTime(e.ready_at), e.seq, o);
        self.dirty = true;
    }

    /// The live head of controller `c`'s queue (stale entries are dropped on the way; a
    /// lazy entry reaching the head is drawn and moved to its exact place).
    fn live_head(&mut self, c: usize, now: SimTime) -> Option<(u64, u64, ObjectId)> {
        while let Some((ready_at, seq, &o)) = self.ctl[c].queue.peek() {
            match &self.obj[o].pending {
                Some(p) if p.seq == seq => {
                    if p.lazy.is_none() && p.ready_at == ready_at.0 {
                        return Some((ready_at.0, seq, o));
                    }
                    self.move_to_exact_place(c, o, now);
                }
                _ => {
                    self.ctl[c].queue.pop();
                }
            }
        }
        None
    }

    /// Draws the jitter of `o`'s pending entry, the head of controller `c`'s queue, and
    /// moves it from its earliest possible place to its exact one.
    #[cold]
    fn move_to_exact_place(&mut self, c: usize, o: ObjectId, now: SimTime) {
        let mut p = self.obj[o].pending.expect("live entry");
        self.resolve(o, &mut p);
        self.obj[o].pending = Some(p);
        self.ctl[c].queue.pop();
        self.ctl[c].queue.push(now, SimTime(p.ready_at), p.seq, o);
    }

    /// Hands due entries to free workers in the one order of the simulation (R0): an entry
    /// runs when its (ready time, add sequence) comes before the next pending event; an entry
    /// due later gets one lazy Wake that carries the entry's own sequence number.
    fn dispatch(&mut self, s: &mut Scheduler<Ev>) {
        let now = s.now().0;
        let cur = (now, s.current_seq());
        if self.wake.is_some_and(|w| w <= cur) {
            self.wake = None;
        }
        loop {
            let mut best: Option<(u64, u64, ObjectId, usize)> = None;
            for c in 0..2 {
                if now < self.ctl[c].down_until || self.ctl[c].free == 0 {
                    continue;
                }
                if let Some((r, q, o)) = self.live_head(c, s.now()) {
                    if best.is_none_or(|b| (r, q) < (b.0, b.1)) {
                        best = Some((r, q, o, c));
                    }
                }
            }
            let Some((ready_at, seq, o, c)) = best else {
                break;
            };
            let next = s.next_key().map(|(t, q)| (t.0, q));
            if ready_at > now || next.is_some_and(|n| (ready_at, seq) > n) {
                if self.wake.is_none_or(|w| (ready_at, seq) < w) {
                    self.wake = Some((ready_at, seq));
                    s.schedule_at_seq(SimTime(ready_at), seq, Ev::Wake);
                }
                break;
            }
            self.ctl[c].queue.pop();
            self.ctl[c].free -= 1;
            let e = self.obj[o]
                .pending
                .take()
                .expect("queued object has an entry");
            self.start_run(o, e, s);
        }
        self.dirty = false;
    }

    fn start_run(&mut self, o: ObjectId, e: Entry, s: &mut Scheduler<Ev>) {
        let now = s.now().0;
        let run = self.trace.runs.len();
        self.run_owner.push(o);
        self.trace.runs.push(Run {
            object: o,
            queued_ms: e.ready_at,
            cause: e.cause,
            cause_ms: e.cause_ms,
            start_ms: now,
            apply_end_ms: None,
            end_ms: None,
            outcome: Outcome::InProgress,
            attempt: None,
            event_ms: None,
        });
        self.obj[o].running = Some(run);
        self.obj[o].gen = self.obj[o].gen.wrapping_add(1);
        match self.trace.kinds[o] {
            ObjKind::Kustomization => self.ks_start(o, run, s),
            ObjKind::HelmRelease => self.hr_start(o, run, s),
        }
    }

    /// Ends the current run of `o` with `outcome` and frees its worker.
    pub(crate) fn finish(&mut self, o: ObjectId, outcome: Outcome, s: &mut Scheduler<Ev>) -> usize {
        let now = s.now().0;
        let run = self.obj[o]
            .running
            .take()
            .expect("finish of a running object");
        let st = &mut self.obj[o];
        st.dep_wait = match outcome {
            Outcome::DependencyNotReady { .. } => true,
            // Runs that do not patch the Ready condition.
            Outcome::FinalizerAdded | Outcome::ApiUnavailable | Outcome::Suspended => st.dep_wait,
            _ => false,
        };
        let r = &mut self.trace.runs[run];
        r.end_ms = Some(now);
        r.outcome = outcome;
        if r.apply_end_ms.is_none() && matches!(outcome, Outcome::Ready) {
            r.apply_end_ms = Some(r.event_ms.unwrap_or(now));
        }
        self.ctl[ci(self.trace.kinds[o])].free += 1;
        self.dirty = true;
        // The follow-up keeps the time and place of the add that asked for it (R0, R2).
        if let Some(f) = self.obj[o].followup.take() {
            self.enqueue_entry(o, f, s.now());
        }
        run
    }

    /// The steps every reconcile starts with (R4, R16, `spec.suspend`): an API-server outage
    /// fails it with a rate-limited requeue; the first reconcile only adds the finalizer;
    /// a suspended object stops. Returns true when the run ended here.
    pub(crate) fn common_prelude(
        &mut self,
        o: ObjectId,
        run: usize,
        s: &mut Scheduler<Ev>,
    ) -> bool {
        let now = s.now().0;
        if self.api_down(now) {
            self.finish(o, Outcome::ApiUnavailable, s);
            self.requeue_rate_limited(o, Cause::RateLimited { run }, s);
            return true;
        }
        if !self.obj[o].finalizer {
            self.obj[o].finalizer = true;
            self.finish(o, Outcome::FinalizerAdded, s);
            self.requeue_rate_limited(o, Cause::Finalizer { run }, s);
            return true;
        }
        if self.m.objects[o].suspend {
            self.finish(o, Outcome::Suspended, s);
            return true;
        }
        false
    }

    /// Rate-limited requeue (`Requeue: true` or an error): 750ms·2ⁿ, n then grows.
    pub(crate) fn requeue_rate_limited(
        &mut self,
        o: ObjectId,
        cause: Cause,
        s: &mut Scheduler<Ev>,
    ) {
        let d = rate_limit_delay(self.obj[o].rl_n);
        self.obj[o].rl_n += 1;
        let now = s.now().0;
        self.enqueue(o, now + d, cause, now, s);
    }

    /// `RequeueAfter` with no error: the rate limiter forgets the object.
    pub(crate) fn requeue_after(
        &mut self,
        o: ObjectId,
        d: u64,
        cause: Cause,
        s: &mut Scheduler<Ev>,
    ) {
        self.obj[o].rl_n = 0;
        let now = s.now().0;
        self.enqueue(o, now + d, cause, now, s);
    }

    /// d·(1 + 0.05·U[−1, 1]) with a keyed draw.
    pub(crate) fn jitter(&mut self, o: ObjectId, d: u64) -> u64 {
        let n = self.obj[o].jitter_n;
        self.obj[o].jitter_n += 1;
        self.jitter_value(o, d, n)
    }

    /// The `n`-th jitter draw of `o` applied to `d` (R17: a keyed stream, any time).
    fn jitter_value(&self, o: ObjectId, d: u64, n: u32) -> u64 {
        let u = self
            .key
            .stream(self.m.objects[o].hash, Purpose::Jitter, n)
            .uniform();
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss
        )]
        let v = libm::round(d as f64 * (1.0 + 0.05 * (2.0 * u - 1.0))) as u64;
        v
    }

    /// An object became Ready=True.
    pub(crate) fn mark_ready(&mut self, o: ObjectId, run: usize, s: &mut Scheduler<Ev>) {
        let now = s.now().0;
        let st = &mut self.obj[o];
        st.ready = true;
        st.reconciling = false;
        st.stalled = false;
        if self.trace.ready_ms[o].is_none() {
            self.trace.ready_ms[o] = Some(now);
            self.remaining -= 1;
        }
        let interval = self.m.objects[o].interval;
        self.requeue_jittered(o, interval, Cause::Interval { run }, s);
        // What-if (R3): the proposed dependency watch enqueues at once only the dependents whose
        // Ready condition is False with reason DependencyNotReady. (Off by default: then the
        // dependents are not even looked at.)
        if !(self.m.kustomize.watch_dependencies || self.m.helm.watch_dependencies) {
            return;
        }
        for &d in &self.m.dependents[o] {
            let watch = match self.trace.kinds[d] {
                ObjKind::Kustomization => self.m.kustomize.watch_dependencies,
                ObjKind::HelmRelease => self.m.helm.watch_dependencies,
            };
            if watch && self.obj[d].dep_wait {
                self.enqueue(d, now, Cause::DependencyReady { run }, now, s);
            }
        }
    }

    /// Creates an object (applied by its parent, or present at Flux start) and enqueues it.
    pub(crate) fn create(&mut self, o: ObjectId, cause: Cause, s: &mut Scheduler<Ev>) {
        if self.obj[o].created {
            return;
        }
        self.obj[o].created = true;
        let now = s.now().0;
        self.enqueue(o, now, cause, now, s);
    }

    /// kstatus of a health-check target (R13, R15).
    pub(crate) fn kstatus(&self, t: Target, now: u64) -> KStatus {
        match t {
            Target::Object(o) => {
                let st = &self.obj[o];
                if st.stalled {
                    KStatus::Failed
                } else if st.ready && !st.reconciling {
                    KStatus::Current
                } else {
                    KStatus::InProgress
                }
            }
            Target::Workload(w) => self.wl_kstatus(w, now),
        }
    }

    fn flux_start(&mut self, s: &mut Scheduler<Ev>) {
        let now = s.now().0;
        self.trace.flux_start_ms = now;
        for i in self.m.sources.keys() {
            if self.m.sources[i].created_by.is_none() {
                self.source_create(i, s);
            }
        }
        let m = self.m;
        for &o in &m.init_order {
            if m.objects[o].parent.is_none() {
                self.create(o, Cause::Created, s);
            }
        }
        for &(w, a, b) in &m.faults.workload_outages {
            s.schedule(SimTime(a), Ev::WlOutage(w, true));
            s.schedule(SimTime(b), Ev::WlOutage(w, false));
        }
        for (i, &(_, at, _)) in m.faults.restarts.iter().enumerate() {
            let i = u32::try_from(i).expect("fewer than 2^32 restarts");
            s.schedule(SimTime(at.max(now)), Ev::Restart(i));
        }
    }

    fn restart(&mut self, k: ObjKind, down: u64, s: &mut Scheduler<Ev>) {
        let now = s.now().0;
        let c = ci(k);
        for o in self.m.objects.keys() {
            if self.trace.kinds[o] != k {
                continue;
            }
            let st = &mut self.obj[o];
            st.gen = st.gen.wrapping_add(1);
            st.pending = None;
            st.followup = None;
            if let Some(run) = st.running.take() {
                let r = &mut self.trace.runs[run];
                r.end_ms = Some(now);
                r.outcome = Outcome::Lost;
            }
        }
        let kinds = &self.trace.kinds;
        self.deferred.retain(|d| kinds[d.0] != k);
        self.ctl[c].queue.clear();
        self.ctl[c].free = match k {
            ObjKind::Kustomization => self.m.kustomize.concurrent,
            ObjKind::HelmRelease => self.m.helm.concurrent,
        };
        self.ctl[c].down_until = now + down;
        self.dirty = true;
        s.schedule_in(down, Ev::RestartUp(k));
    }

    fn restart_up(&mut self, k: ObjKind, s: &mut Scheduler<Ev>) {
        let now = s.now().0;
        self.dirty = true;
        let m = self.m;
        for &o in &m.init_order {
            if m.objects[o].kind == k && self.obj[o].created && !self.obj[o].stalled {
                self.enqueue(o, now, Cause::Restart, now, s);
            }
        }
    }

    fn bootstrap_step(&mut self, i: usize, s: &mut Scheduler<Ev>) {
        self.bootstrap_step = i;
        match self.m.bootstrap.get(i) {
            None => {
                let now = s.now();
                s.schedule(now, Ev::FluxStart);
            }
            Some(&w) => self.apply_workload(w, s),
        }
    }

    /// The trace at `end`. With `full` false and every object Ready, the end states
    /// (`workloads`, `objects`) are left empty: a Monte Carlo summary of a finished trial
    /// reads neither, and `objects` would draw every lazy interval jitter.
    fn finish_trace(mut self, end: u64, full: bool) -> Trace {
        let now = end;
        self.trace.end_ms = end;
        self.trace.index_runs(self.m.objects.len(), &self.run_owner);
        self.trace.makespan_ms = if self.remaining == 0 {
            self.trace.ready_ms.iter().map(|r| r.unwrap_or(0)).max()
        } else {
            None
        };
        if !full && self.remaining == 0 {
            return self.trace;
        }
        self.trace.workloads = self
            .wl
            .keys()
            .map(|w| {
                let st = &self.wl[w];
                WorkloadEnd {
                    applied_ms: st.applied_at,
                    ready_ms: st.first_ready,
                    ready: st.status == WStatus::Ready,
                    starts: st.starts,
                    crashes: st.total_crashes,
                    crashloop_need: st.crash_need,
                    failed: self.wl_kstatus(w, now) == KStatus::Failed,
                }
            })
            .collect();
        self.trace.objects = self
            .obj
            .keys()
            .map(|o| {
                let st = &self.obj[o];
                ObjectEnd {
                    created: st.created,
                    ready: st.ready,
                    reconciling: st.reconciling,
                    stalled: st.stalled,
                    next_run_ms: st.pending.or(st.followup).map(|mut e| {
                        self.resolve(o, &mut e);
                        e.ready_at
                    }),
                }
            })
            .collect();
        self.trace
    }
}

impl Handler for World<'_> {
    type Event = Ev;
    fn handle(&mut self, _now: SimTime, ev: Ev, s: &mut Scheduler<Ev>) {
        match ev {
            Ev::BootstrapStep(i) => self.bootstrap_step(i, s),
            Ev::FluxStart => self.flux_start(s),
            Ev::Wake => {}
            Ev::SourceFetch(i) => self.source_fetch(i, s),
            Ev::SourceArtifact(i) => self.source_artifact(i, s),
            Ev::ChartFetch(o) => self.chart_fetch(o, s),
            Ev::ChartReady(o) => self.chart_ready(o, s),
            Ev::Step(o, gen, step) => {
                if self.obj[o].gen == gen && self.obj[o].running.is_some() {
                    match step {
                        Step::ApplyDone => self.ks_stages(o, 0, s),
                        Step::StagePoll { stage } => self.ks_stage_poll(o, stage, s),
                        Step::HealthPoll => self.ks_health_poll(o, s),
                        Step::HealthTimeout => self.ks_health_timeout(o, s),
                        Step::HrApplyDone => self.hr_apply_done(o, s),
                        Step::HrCrdPoll => self.hr_crd_poll(o, s),
                        Step::HrWaitPoll => self.hr_wait_poll(o, s),
                        Step::HrWaitTimeout => self.hr_wait_timeout(o, s),
                        Step::EventPosted => self.event_posted(o, s),
                    }
                }
            }
            Ev::WlStart(w, g) => {
                if self.wl[w].gen == g {
                    self.wl_start(w, s);
                }
            }
            Ev::WlReady(w, g) => {
                if self.wl[w].gen == g {
                    self.wl_ready(w, s);
                }
            }
            Ev::WlCrash(w, g) => {
                if self.wl[w].gen == g {
                    self.wl_crash(w, s);
                }
            }
            Ev::WlOutage(w, down) => self.wl_outage(w, down, s),
            Ev::Restart(i) => {
                let (k, _, down) = self.m.faults.restarts[i as usize];
                self.restart(k, down, s);
            }
            Ev::RestartUp(k) => self.restart_up(k, s),
        }
        // An event that changed no controller leaves every due entry as the last dispatch
        // left it: started, or covered by a Wake at its own place (R0).
        if self.dirty || !self.fast || matches!(ev, Ev::Wake) {
            self.dispatch(s);
        }
    }
    fn done(&self) -> bool {
        self.remaining == 0
    }
}

/// Simulates one trial of `m`: a pure function of (scenario, seed, trial) (SPEC "The model").
#[must_use]
pub fn simulate(m: &Model, seed: u64, trial: u64) -> Trace {
    simulate_with(m, seed, trial, true, true)
}

/// [`simulate`] for a Monte Carlo summary: the same trace, except that a trial in which
/// every object became Ready has no end states (`workloads` and `objects` empty).
#[doc(hidden)]
#[must_use]
pub fn simulate_summary(m: &Model, seed: u64, trial: u64) -> Trace {
    simulate_with(m, seed, trial, true, false)
}

/// [`simulate`] on the plain reference implementation: one heap for every event and every
/// work queue, every health target checked at every poll. Slower; the same trace, byte for
/// byte (tests compare the two).
#[doc(hidden)]
#[must_use]
pub fn simulate_reference(m: &Model, seed: u64, trial: u64) -> Trace {
    simulate_with(m, seed, trial, false, true)
}

/// Items each queue lane and heap has room for from the start (one per object up to this
/// many: a trial of a few hundred objects then never grows them; a larger one grows them as
/// it needs, rather than reserving what it may never use).
const RESERVED_ITEMS: usize = 4_096;

/// Delays of the engine's FIFO lanes: the fixed polls (R7, R8, R12) and first fetches (R4).
const EVENT_LANES: [u64; 3] = [HEALTH_POLL_MS, STAGE_POLL_MS, MIN_RETRY_DELAY_MS];

fn simulate_with(m: &Model, seed: u64, trial: u64, fast: bool, full: bool) -> Trace {
    let mut w = World::new(m, seed, trial, fast, fast && !full);
    let mut eng: Engine<Ev> = Engine::with_lanes(if fast { &EVENT_LANES } else { &[] });
    eng.reserve(m.objects.len().min(RESERVED_ITEMS));
    if m.objects.is_empty() {
        let mut t = w.finish_trace(0, true);
        t.makespan_ms = Some(0);
        return t;
    }
    eng.schedule(SimTime::ZERO, Ev::BootstrapStep(0));
    let end = eng.run_until(&mut w, SimTime(m.horizon));
    let events = eng.events_handled();
    let stop = if w.remaining == 0 { end.0 } else { m.horizon };
    let mut t = w.finish_trace(stop, full);
    t.events = events;
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(ready_at: u64, seq: u64, lazy: Option<(u64, u32)>) -> Entry {
        Entry {
            ready_at,
            seq,
            cause: Cause::Created,
            cause_ms: 1_000,
            lazy,
        }
    }

    // SPEC R10, R17: an entry whose jitter is not drawn yet lies within its bounds and compares
    // with other adds exactly as its drawn time does, on whichever side it is.
    #[test]
    fn an_entry_not_drawn_compares_as_its_drawn_time() {
        let sc =
            crate::scenario::parse("kustomizations:\n  - {name: a, interval: 10s}\n", "t.yaml")
                .expect("parses");
        let m = crate::model::build(&sc).expect("builds");
        let w = World::new(&m, 1, 0, true, true);
        let d = 10_000;
        let (lo, hi) = jitter_bounds(d);
        for n in 0..200 {
            let exact = 1_000 + w.jitter_value(ObjectId::new(0), d, n);
            assert!(
                (1_000 + lo..=1_000 + hi).contains(&exact),
                "draw {n}: {exact}"
            );
            let lazy = entry(1_000 + lo, 5, Some((d, n)));
            for t in [exact - 1, exact, exact + 1, 1_000 + lo, 1_000 + hi] {
                let (mut a, mut b) = (entry(t, 9, None), lazy);
                assert_eq!(
                    w.due_before(ObjectId::new(0), &mut a, &mut b),
                    t < exact,
                    "add at {t}, draw {n}"
                );
                let (mut a, mut b) = (lazy, entry(t, 9, None));
                assert_eq!(
                    w.due_before(ObjectId::new(0), &mut a, &mut b),
                    exact < t,
                    "draw {n} vs add at {t}"
                );
            }
        }
    }
}
