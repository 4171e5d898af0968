//! Critical path of one run (SPEC "What a run reports"): walk back from the last object to
//! become Ready, at each step following the constraint that released it. The segments tile
//! [0, makespan] exactly; each carries a category.

use crate::model::{Model, ObjectId, PerObject};
use crate::trace::{Cause, Outcome, Trace, N_CATEGORIES};
use serde::Serialize;

/// Where time goes.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Category {
    /// Before Flux starts (the pre-Flux bootstrap phase).
    PreFlux,
    /// Waiting for a source artifact.
    SourceWait,
    /// Ready in the queue, waiting for a worker (or for its own previous run).
    QueueWait,
    /// The 750ms finalizer step (R4).
    Finalizer,
    /// A dependency was Ready but the dependent had not polled yet (R3).
    DependencyPolling,
    /// Fetch, build, dry-run, apply, stage waits.
    Apply,
    /// Health checks and Helm waits.
    HealthWait,
    /// Waiting for a retry timer after a failure.
    RetryWait,
    /// A worker held posting an event to an unreachable notification-controller (R19).
    EventWait,
}

impl Category {
    /// All categories in report order.
    pub const ALL: [Category; N_CATEGORIES] = [
        Category::PreFlux,
        Category::SourceWait,
        Category::QueueWait,
        Category::Finalizer,
        Category::DependencyPolling,
        Category::Apply,
        Category::HealthWait,
        Category::RetryWait,
        Category::EventWait,
    ];
    /// Human name.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Category::PreFlux => "pre-Flux bootstrap",
            Category::SourceWait => "source wait",
            Category::QueueWait => "queue wait",
            Category::Finalizer => "finalizer",
            Category::DependencyPolling => "dependency polling latency",
            Category::Apply => "apply",
            Category::HealthWait => "health wait",
            Category::RetryWait => "retry wait",
            Category::EventWait => "event recording (notification-controller unreachable)",
        }
    }
    /// snake_case key.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Category::PreFlux => "pre_flux",
            Category::SourceWait => "source_wait",
            Category::QueueWait => "queue_wait",
            Category::Finalizer => "finalizer",
            Category::DependencyPolling => "dependency_polling",
            Category::Apply => "apply",
            Category::HealthWait => "health_wait",
            Category::RetryWait => "retry_wait",
            Category::EventWait => "event_wait",
        }
    }
    /// Index in [`Category::ALL`].
    #[must_use]
    pub fn index(self) -> usize {
        self as usize
    }
}

/// One piece of the critical path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Segment {
    /// Start ms.
    pub start_ms: u64,
    /// End ms.
    pub end_ms: u64,
    /// Category.
    pub category: Category,
    /// The object it belongs to (None before Flux starts).
    pub object: Option<ObjectId>,
}

/// The critical path: segments in time order, tiling [0, makespan].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CriticalPath {
    /// Segments, earliest first.
    pub segments: Vec<Segment>,
    /// Objects on the path, earliest first (no repeats).
    pub objects: Vec<ObjectId>,
}

impl CriticalPath {
    /// Milliseconds per category, indexed by [`Category::index`].
    #[must_use]
    pub fn per_category(&self) -> [u64; N_CATEGORIES] {
        let mut out = [0u64; N_CATEGORIES];
        for s in &self.segments {
            out[s.category.index()] += s.end_ms - s.start_ms;
        }
        out
    }
}

struct Walker<'a> {
    t: &'a Trace,
    segs: Vec<Segment>,
    cursor: u64,
    /// Per object, (end, run) of its Ready runs, sorted: each lookup is a binary search, so a
    /// path through many polls of objects with many runs stays O(runs log runs).
    ready_ends: ReadyEnds,
}

impl Walker<'_> {
    fn seg(&mut self, from: u64, cat: Category, obj: Option<ObjectId>) {
        let from = from.min(self.cursor);
        if from < self.cursor {
            self.segs.push(Segment {
                start_ms: from,
                end_ms: self.cursor,
                category: cat,
                object: obj,
            });
        }
        self.cursor = from;
    }
}

/// The run of `o` that ended Ready at exactly `at`.
fn ready_run_at(t: &Trace, o: ObjectId, at: u64) -> Option<usize> {
    t.runs_of(o)
        .iter()
        .copied()
        .find(|&r| t.runs[r].outcome == Outcome::Ready && t.runs[r].end_ms == Some(at))
}

/// (end, run) of the Ready runs of each object the walk asks about, sorted, found at its
/// first question: object `o`'s are `ends[a..b]` for `spans[o] = (a, b)`. Each lookup is then a
/// binary search, so a path through many polls of objects with many runs stays
/// O(runs log runs); objects never asked about are never read (most, in a Monte Carlo trial).
struct ReadyEnds {
    ends: Vec<(u64, usize)>,
    /// Per object, where its ends are, or `NOT_YET`.
    spans: Vec<(usize, usize)>,
}

const NOT_YET: (usize, usize) = (usize::MAX, 0);

impl ReadyEnds {
    fn new(objects: usize) -> Self {
        ReadyEnds {
            ends: Vec::new(),
            spans: vec![NOT_YET; objects],
        }
    }

    fn of(&mut self, t: &Trace, o: ObjectId) -> &[(u64, usize)] {
        if self.spans[o.index()] == NOT_YET {
            let from = self.ends.len();
            self.ends.extend(
                t.runs_of(o)
                    .iter()
                    .filter(|&&r| t.runs[r].outcome == Outcome::Ready)
                    .filter_map(|&r| t.runs[r].end_ms.map(|e| (e, r))),
            );
            self.ends[from..].sort_unstable();
            self.spans[o.index()] = (from, self.ends.len());
        }
        let (a, b) = self.spans[o.index()];
        &self.ends[a..b]
    }
}

/// Latest time ≤ `by` at which `o` became Ready (end of a Ready run).
fn last_ready_before(w: &mut Walker<'_>, o: ObjectId, by: u64) -> Option<(u64, usize)> {
    let v = w.ready_ends.of(w.t, o);
    let i = v.partition_point(|x| x.0 <= by);
    i.checked_sub(1).map(|i| v[i])
}

/// The latest Ready time ≤ the cursor among `objects` (ties: the later run), with its run.
fn last_ready_among(w: &mut Walker<'_>, objects: &[ObjectId]) -> Option<(u64, usize)> {
    let by = w.cursor;
    objects
        .iter()
        .filter_map(|&o| last_ready_before(w, o, by))
        .max()
}

/// Walks the critical path of a finished (not stuck) run.
#[must_use]
pub fn critical_path(m: &Model, t: &Trace) -> Option<CriticalPath> {
    let makespan = t.makespan_ms?;
    let last = m
        .objects
        .keys()
        .filter(|o| t.ready_ms[*o] == Some(makespan))
        .max_by_key(|o| {
            // Among ties, the one whose Ready run was recorded last.
            ready_run_at(t, *o, makespan).unwrap_or(0)
        })?;
    let mut w = Walker {
        t,
        segs: vec![],
        cursor: makespan,
        ready_ends: ReadyEnds::new(m.objects.len()),
    };
    let mut run = ready_run_at(t, last, makespan);
    let mut guard = 0usize;
    while let Some(r) = run.take() {
        guard += 1;
        if guard > t.runs.len() * 4 + 16 {
            break;
        }
        let rr = &w.t.runs[r];
        let o = rr.object;
        // Inside the run: health wait then apply (a failed run may end inside apply).
        if let Some(ev) = rr.event_ms {
            w.seg(ev, Category::EventWait, Some(o));
        }
        let end = rr.end_ms.unwrap_or(w.cursor);
        let apply_end = rr.apply_end_ms.unwrap_or(end).min(w.cursor);
        if apply_end < w.cursor {
            // Follow a health-checked Flux object that turned Ready last, if any.
            let mut jumped = false;
            if rr.outcome == Outcome::Ready {
                let obj = &m.objects[o];
                let targets: Vec<ObjectId> = if obj.wait {
                    obj.stages
                        .iter()
                        .flatten()
                        .filter_map(|x| match x {
                            crate::model::Target::Object(c) => Some(*c),
                            _ => None,
                        })
                        .collect()
                } else {
                    obj.health_checks
                        .iter()
                        .filter_map(|x| match x {
                            crate::model::Target::Object(c) => Some(*c),
                            _ => None,
                        })
                        .collect()
                };
                let best = last_ready_among(&mut w, &targets).filter(|(e, _)| *e >= apply_end);
                if let Some((e, rn)) = best {
                    w.seg(e, Category::HealthWait, Some(o));
                    run = Some(rn);
                    jumped = true;
                }
            }
            if jumped {
                continue;
            }
            w.seg(apply_end, Category::HealthWait, Some(o));
        }
        w.seg(rr.start_ms, Category::Apply, Some(o));
        w.seg(rr.queued_ms, Category::QueueWait, Some(o));
        run = cause_next(&mut w, m, r);
    }
    w.seg(t.flux_start_ms, Category::SourceWait, None);
    w.seg(0, Category::PreFlux, None);
    w.segs.reverse();
    let mut objects = vec![];
    let mut seen: PerObject<bool> = vec![false; m.objects.len()].into();
    for s in &w.segs {
        if let Some(o) = s.object {
            if !std::mem::replace(&mut seen[o], true) {
                objects.push(o);
            }
        }
    }
    Some(CriticalPath {
        segments: w.segs,
        objects,
    })
}

/// Handles the cause of run `r` (whose own phases are already consumed): emits the cause's
/// segment and returns the next run to walk into.
fn cause_next(w: &mut Walker<'_>, m: &Model, r: usize) -> Option<usize> {
    let t = w.t;
    let mut r = r;
    loop {
        let next: Option<usize> = {
            let rr = &t.runs[r];
            let o = rr.object;
            match rr.cause {
                Cause::Created => {
                    w.seg(t.flux_start_ms, Category::SourceWait, Some(o));
                    None
                }
                Cause::CreatedBy { run: p } => {
                    let pr = &t.runs[p];
                    w.seg(pr.start_ms, Category::Apply, Some(pr.object));
                    w.seg(pr.queued_ms, Category::QueueWait, Some(pr.object));
                    {
                        r = p;
                        continue;
                    }
                }
                Cause::Finalizer { run: f }
                | Cause::RateLimited { run: f }
                | Cause::Retry { run: f }
                | Cause::SourcePoll { run: f }
                | Cause::DependencyPoll { run: f } => {
                    let cat = match rr.cause {
                        Cause::Finalizer { .. } => Category::Finalizer,
                        Cause::SourcePoll { .. } => Category::SourceWait,
                        Cause::DependencyPoll { .. } => Category::DependencyPolling,
                        _ => Category::RetryWait,
                    };
                    let fr = &t.runs[f];
                    let fend = fr.end_ms.unwrap_or(fr.start_ms);
                    if let Cause::DependencyPoll { .. } = rr.cause {
                        // The dependency that turned Ready last before this poll released it.
                        let best = last_ready_among(w, &m.objects[o].depends_on);
                        if let Some((y, dr)) = best {
                            if y >= fend {
                                w.seg(y, Category::DependencyPolling, Some(o));
                                return Some(dr);
                            }
                        }
                    }
                    w.seg(fend, cat, Some(o));
                    if let Some(ev) = fr.event_ms {
                        w.seg(ev, Category::EventWait, Some(o));
                    }
                    // The failed/previous run's own phases.
                    let apply_end = fr.apply_end_ms.unwrap_or(fend);
                    w.seg(apply_end, Category::HealthWait, Some(o));
                    w.seg(fr.start_ms, Category::Apply, Some(o));
                    w.seg(fr.queued_ms, Category::QueueWait, Some(o));
                    {
                        r = f;
                        continue;
                    }
                }
                Cause::DependencyReady { run: d } => Some(d),
                Cause::SourceArrived { .. } => {
                    w.seg(t.flux_start_ms, Category::SourceWait, Some(o));
                    None
                }
                Cause::ChartReady => {
                    // The chart arrived (watch): before that the object waited on its source.
                    match t.runs_of(o).iter().copied().filter(|x| *x < r).max() {
                        Some(p) => {
                            let pr = &t.runs[p];
                            w.seg(
                                pr.end_ms.unwrap_or(pr.start_ms),
                                Category::SourceWait,
                                Some(o),
                            );
                            w.seg(pr.start_ms, Category::Apply, Some(o));
                            w.seg(pr.queued_ms, Category::QueueWait, Some(o));
                            {
                                r = p;
                                continue;
                            }
                        }
                        None => {
                            w.seg(t.flux_start_ms, Category::SourceWait, Some(o));
                            None
                        }
                    }
                }
                Cause::Interval { run: p } => {
                    let pr = &t.runs[p];
                    w.seg(
                        pr.end_ms.unwrap_or(pr.start_ms),
                        Category::QueueWait,
                        Some(o),
                    );
                    Some(p)
                }
                Cause::Restart => {
                    // Time lost to the restart: back to the object's previous run.
                    let prev = t.runs_of(o).iter().copied().filter(|x| *x < r).max();
                    match prev {
                        Some(p) => {
                            let pr = &t.runs[p];
                            w.seg(pr.start_ms, Category::RetryWait, Some(o));
                            w.seg(pr.queued_ms, Category::QueueWait, Some(o));
                            {
                                r = p;
                                continue;
                            }
                        }
                        None => None,
                    }
                }
            }
        };
        return next;
    }
}
