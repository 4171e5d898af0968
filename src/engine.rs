//! A generic deterministic discrete-event engine. It knows nothing of Flux.
//!
//! Events are ordered by (time, insertion sequence): ties run in the order they were scheduled
//! (FIFO, as in ns-3, OMNeT++ and SimPy). Time is integer milliseconds ([`SimTime`]).
//!
//! A model may keep its own delayed entries outside the event set (a work queue) and still
//! share the one order (SPEC R0): it takes a sequence number when the entry is made
//! ([`Scheduler::reserve_seq`]), and later, lazily, schedules a wake-up carrying that number
//! ([`Scheduler::schedule_at_seq`]), which the engine orders as if it had been scheduled then.

use crate::time::SimTime;
use std::cell::Cell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

thread_local! {
    static EVENT_BUDGET: Cell<u64> = const { Cell::new(u64::MAX) };
}

/// Runs `f` with every [`Engine`] created inside it (on this thread) limited to `max_events`
/// handled events: `run_until` stops there, and the caller sees `events_handled() == max_events`.
pub fn with_event_budget<T>(max_events: u64, f: impl FnOnce() -> T) -> T {
    let old = EVENT_BUDGET.replace(max_events);
    let r = f();
    EVENT_BUDGET.set(old);
    r
}

/// A pending-event set ordered by (time, seq).
#[derive(Debug)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Reverse<(SimTime, u64, Slot<E>)>>,
    seq: u64,
}

/// Wrapper that gives events a total order without requiring `E: Ord` (order is decided by the
/// (time, seq) prefix, which is unique).
#[derive(Debug)]
struct Slot<E>(E);
impl<E> PartialEq for Slot<E> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl<E> Eq for Slot<E> {}
impl<E> PartialOrd for Slot<E> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Slot<E> {
    fn cmp(&self, _: &Self) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue.
    #[must_use]
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            seq: 0,
        }
    }
    /// Schedules `event` at `at`.
    pub fn push(&mut self, at: SimTime, event: E) {
        let seq = self.reserve();
        self.heap.push(Reverse((at, seq, Slot(event))));
    }
    /// Takes the next insertion sequence number without scheduling anything.
    pub fn reserve(&mut self) -> u64 {
        let s = self.seq;
        self.seq += 1;
        s
    }
    /// Schedules `event` at `at` with a sequence number taken earlier by [`Self::reserve`].
    pub fn push_at_seq(&mut self, at: SimTime, seq: u64, event: E) {
        self.heap.push(Reverse((at, seq, Slot(event))));
    }
    /// Removes the earliest event (FIFO among equal times), with its sequence number.
    pub fn pop(&mut self) -> Option<(SimTime, u64, E)> {
        self.heap.pop().map(|Reverse((t, q, Slot(e)))| (t, q, e))
    }
    /// Time of the earliest event.
    #[must_use]
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|Reverse((t, _, _))| *t)
    }
    /// (time, sequence) of the earliest event.
    #[must_use]
    pub fn peek_key(&self) -> Option<(SimTime, u64)> {
        self.heap.peek().map(|Reverse((t, q, _))| (*t, *q))
    }
    /// Number of pending events.
    #[must_use]
    pub fn len(&self) -> usize {
        self.heap.len()
    }
    /// Whether no event is pending.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

/// What the engine asks a model to do with each event.
pub trait Handler {
    /// The model's event type.
    type Event;
    /// Handles `event` at time `now`; may schedule more events through `sched`.
    fn handle(&mut self, now: SimTime, event: Self::Event, sched: &mut Scheduler<Self::Event>);
    /// Whether the simulation is finished (checked after each event).
    fn done(&self) -> bool {
        false
    }
}

/// The handle a model schedules through.
#[derive(Debug)]
pub struct Scheduler<E> {
    queue: EventQueue<E>,
    now: SimTime,
    current_seq: u64,
}

impl<E> Scheduler<E> {
    /// Current simulated time.
    #[must_use]
    pub fn now(&self) -> SimTime {
        self.now
    }
    /// Schedules `event` at absolute time `at` (never before now).
    pub fn schedule(&mut self, at: SimTime, event: E) {
        self.queue.push(at.max(self.now), event);
    }
    /// Schedules `event` `delay_ms` after now.
    pub fn schedule_in(&mut self, delay_ms: u64, event: E) {
        self.queue.push(self.now.after(delay_ms), event);
    }
    /// Sequence number of the event being handled.
    #[must_use]
    pub fn current_seq(&self) -> u64 {
        self.current_seq
    }
    /// Takes an insertion sequence number now, for an entry the model keeps itself (R0).
    pub fn reserve_seq(&mut self) -> u64 {
        self.queue.reserve()
    }
    /// Schedules `event` at `at` ordered by a sequence number reserved earlier: it runs as if
    /// it had been scheduled when the number was taken. `(at, seq)` must not be before the
    /// event being handled.
    pub fn schedule_at_seq(&mut self, at: SimTime, seq: u64, event: E) {
        debug_assert!((at, seq) > (self.now, self.current_seq));
        self.queue.push_at_seq(at.max(self.now), seq, event);
    }
    /// (time, sequence) of the next pending event.
    #[must_use]
    pub fn next_key(&self) -> Option<(SimTime, u64)> {
        self.queue.peek_key()
    }
}

/// The engine: a scheduler plus the loop.
#[derive(Debug)]
pub struct Engine<E> {
    sched: Scheduler<E>,
    events: u64,
    budget: u64,
}

impl<E> Default for Engine<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> Engine<E> {
    /// A new engine at time zero.
    #[must_use]
    pub fn new() -> Self {
        Engine {
            sched: Scheduler {
                queue: EventQueue::new(),
                now: SimTime::ZERO,
                current_seq: 0,
            },
            events: 0,
            budget: EVENT_BUDGET.get(),
        }
    }
    /// Schedules an initial event.
    pub fn schedule(&mut self, at: SimTime, event: E) {
        self.sched.schedule(at, event);
    }
    /// Current time.
    #[must_use]
    pub fn now(&self) -> SimTime {
        self.sched.now
    }
    /// Events handled so far.
    #[must_use]
    pub fn events_handled(&self) -> u64 {
        self.events
    }
    /// Handles the next event, if any. Returns false when the queue is empty.
    pub fn step<H: Handler<Event = E>>(&mut self, h: &mut H) -> bool {
        match self.sched.queue.pop() {
            Some((t, q, e)) => {
                self.sched.now = t;
                self.sched.current_seq = q;
                self.events += 1;
                h.handle(t, e, &mut self.sched);
                true
            }
            None => false,
        }
    }
    /// Runs until the handler is done, the queue is empty, or the next event is after `end`.
    /// Returns the time the run stopped at.
    pub fn run_until<H: Handler<Event = E>>(&mut self, h: &mut H, end: SimTime) -> SimTime {
        while !h.done() && self.events < self.budget {
            match self.sched.queue.peek_time() {
                Some(t) if t <= end => {
                    self.step(h);
                }
                _ => break,
            }
        }
        self.sched.now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Log(Vec<(u64, u32)>);
    impl Handler for Log {
        type Event = u32;
        fn handle(&mut self, now: SimTime, e: u32, s: &mut Scheduler<u32>) {
            self.0.push((now.0, e));
            if e == 1 {
                s.schedule_in(0, 10);
                s.schedule_in(5, 11);
            }
        }
    }

    #[test]
    fn ties_break_by_insertion_order() {
        let mut eng = Engine::new();
        eng.schedule(SimTime(5), 3);
        eng.schedule(SimTime(0), 1);
        eng.schedule(SimTime(0), 2);
        eng.schedule(SimTime(5), 4);
        let mut log = Log(vec![]);
        eng.run_until(&mut log, SimTime(100));
        assert_eq!(
            log.0,
            vec![(0, 1), (0, 2), (0, 10), (5, 3), (5, 4), (5, 11)]
        );
        assert_eq!(eng.events_handled(), 6);
    }

    struct Late(Vec<(u64, u32)>, Option<u64>);
    impl Handler for Late {
        type Event = u32;
        fn handle(&mut self, now: SimTime, e: u32, s: &mut Scheduler<u32>) {
            self.0.push((now.0, e));
            if e == 1 {
                // An entry made now (due at 5), woken lazily later at its own place.
                self.1 = Some(s.reserve_seq());
                s.schedule_in(1, 2);
                s.schedule_in(5, 4);
            } else if e == 2 {
                let q = self.1.take().unwrap();
                s.schedule_at_seq(SimTime(5), q, 9);
            }
        }
    }

    // SPEC R0: at t=5, 3 was scheduled first, then the entry was made, then 4; the wake-up 9,
    // scheduled at t=1, keeps the entry's place between 3 and 4.
    #[test]
    fn a_reserved_sequence_orders_a_late_wake_up() {
        let mut eng = Engine::new();
        eng.schedule(SimTime(0), 1);
        eng.schedule(SimTime(5), 3);
        let mut log = Late(vec![], None);
        eng.run_until(&mut log, SimTime(100));
        assert_eq!(log.0, vec![(0, 1), (1, 2), (5, 3), (5, 9), (5, 4)]);
    }

    #[test]
    fn run_until_stops_at_end() {
        let mut eng = Engine::new();
        eng.schedule(SimTime(5), 3);
        eng.schedule(SimTime(50), 4);
        let mut log = Log(vec![]);
        eng.run_until(&mut log, SimTime(10));
        assert_eq!(log.0, vec![(5, 3)]);
    }
}
