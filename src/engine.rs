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
use dary_heap::QuaternaryHeap;
use std::cell::Cell;
use std::cmp::Reverse;
use std::collections::VecDeque;

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

/// Items ordered by (time, sequence number): a 4-ary heap (shallower than a binary one, so
/// fewer cache misses when it holds a million events) plus FIFO lanes for fixed delays.
///
/// An item pushed a lane's delay after the current time goes to the back of that lane when it
/// does not come before the lane's last item. As time never goes back and sequence numbers
/// are taken in order, that is the usual case, so each lane stays sorted and costs O(1) per
/// push and pop; any other item goes to the heap. [`Self::pop`] takes the least head of the
/// heap and the lanes, so the order is exactly the heap-only order. The keys (time, sequence)
/// must be unique.
#[derive(Debug)]
pub struct TimedQueue<T> {
    heap: QuaternaryHeap<Reverse<(SimTime, u64, Slot<T>)>>,
    lanes: Vec<Lane<T>>,
    /// The key of the heap's least item, then of each lane's front item ([`NO_KEY`] when
    /// empty): finding the least head is one pass over a few integers.
    fronts: Vec<Key>,
    /// Index in `fronts` of the least key (kept up to date by every push and pop).
    head: usize,
    /// The lane for late entries ([`Self::push_late`]), if any.
    late: Option<usize>,
}

/// (time, sequence) packed so that one integer comparison orders two keys.
type Key = u128;
/// The key of an empty lane or heap (no item has it: sequence numbers never reach `u64::MAX`).
const NO_KEY: Key = Key::MAX;

#[inline(always)]
fn key(t: SimTime, seq: u64) -> Key {
    (u128::from(t.0) << 64) | u128::from(seq)
}

#[inline(always)]
#[allow(clippy::cast_possible_truncation)] // the two halves of a packed key
fn unkey(k: Key) -> (SimTime, u64) {
    (SimTime((k >> 64) as u64), k as u64)
}

/// Items pushed a fixed `delay` after the time of their push, in push order.
#[derive(Debug)]
struct Lane<T> {
    delay: u64,
    /// Key of the last item pushed (items only go to the back when they come after it).
    last: (SimTime, u64),
    items: VecDeque<(SimTime, u64, T)>,
}

/// Wrapper that gives items a total order without requiring `T: Ord` (order is decided by the
/// (time, seq) prefix, which is unique).
#[derive(Debug)]
struct Slot<T>(T);
impl<T> PartialEq for Slot<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl<T> Eq for Slot<T> {}
impl<T> PartialOrd for Slot<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Slot<T> {
    fn cmp(&self, _: &Self) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}

/// Where an item goes: the heap or a lane.
#[derive(Clone, Copy, Debug)]
enum Head {
    Heap,
    Lane(usize),
}

impl<T> Default for TimedQueue<T> {
    fn default() -> Self {
        Self::with_lanes(&[])
    }
}

impl<T> TimedQueue<T> {
    /// An empty queue with one FIFO lane per distinct delay in `delays` (none: a plain heap).
    #[must_use]
    pub fn with_lanes(delays: &[u64]) -> Self {
        let mut q = TimedQueue {
            heap: QuaternaryHeap::new(),
            lanes: Vec::with_capacity(delays.len()),
            fronts: vec![NO_KEY],
            head: 0,
            late: None,
        };
        for &delay in delays {
            if q.lanes.iter().all(|l| l.delay != delay) {
                q.add_lane(delay);
            }
        }
        q
    }
    /// Room for `n` more items in the heap and in each lane, so that filling them does not
    /// grow them one doubling (and copy) at a time.
    pub fn reserve(&mut self, n: usize) {
        self.heap.reserve(n);
        for l in &mut self.lanes {
            l.items.reserve(n);
        }
    }
    fn add_lane(&mut self, delay: u64) {
        self.lanes.push(Lane {
            delay,
            last: (SimTime::ZERO, 0),
            items: VecDeque::new(),
        });
        self.fronts.push(NO_KEY);
    }
    /// Adds `item` at (`at`, `seq`), pushed at time `now`: into the lane of delay `at − now`
    /// when there is one and the item does not come before its last item, else into the heap.
    #[inline(always)]
    pub fn push(&mut self, now: SimTime, at: SimTime, seq: u64, item: T) {
        let place = self.place(now, at, seq);
        self.insert(place, at, seq, item);
    }
    /// Adds `item` like [`Self::push`]; when no delay lane takes it, to the back of the lane
    /// for late entries (see [`Self::with_late_lane`]) if it does not come before that lane's
    /// last item. For items whose keys mostly come in order (lazy wake-ups).
    #[inline]
    pub fn push_late(&mut self, now: SimTime, at: SimTime, seq: u64, item: T) {
        let place = match (self.place(now, at, seq), self.late) {
            (Head::Heap, Some(i)) => {
                let l = &self.lanes[i];
                if l.items.is_empty() || l.last < (at, seq) {
                    Head::Lane(i)
                } else {
                    Head::Heap
                }
            }
            (p, _) => p,
        };
        self.insert(place, at, seq, item);
    }
    /// Puts `item` at the back of lane `place` (which `place`/`push_late` chose so that the
    /// lane stays sorted) or into the heap, and keeps `fronts` and `head` up to date.
    #[inline(always)]
    fn insert(&mut self, place: Head, at: SimTime, seq: u64, item: T) {
        let k = key(at, seq);
        let f = match place {
            Head::Lane(i) => {
                let l = &mut self.lanes[i];
                l.last = (at, seq);
                l.items.push_back((at, seq, item));
                i + 1
            }
            Head::Heap => {
                self.heap.push(Reverse((at, seq, Slot(item))));
                0
            }
        };
        // A lane's items are sorted, so its new back item is its front only when it was empty.
        if k < self.fronts[f] {
            self.fronts[f] = k;
        }
        if k < self.fronts[self.head] {
            self.head = f;
        }
    }
    /// This queue with one more lane, for [`Self::push_late`]: items of any delay go to its
    /// back when they come after its last item.
    #[must_use]
    pub fn with_late_lane(mut self) -> Self {
        if self.late.is_none() {
            self.late = Some(self.lanes.len());
            // No push is ever this far ahead, so `place` never picks it by delay.
            self.add_lane(u64::MAX);
        }
        self
    }
    /// The lane an item at (`at`, `seq`) pushed at `now` may go to the back of, else the heap.
    #[inline]
    fn place(&self, now: SimTime, at: SimTime, seq: u64) -> Head {
        if let Some(d) = at.0.checked_sub(now.0) {
            if let Some(i) = self.lanes.iter().position(|l| l.delay == d) {
                let l = &self.lanes[i];
                if l.items.is_empty() || l.last < (at, seq) {
                    return Head::Lane(i);
                }
            }
        }
        Head::Heap
    }
    #[inline(always)]
    fn find_head(&mut self) {
        let mut best = 0;
        let mut least = self.fronts[0];
        for (i, &k) in self.fronts.iter().enumerate().skip(1) {
            if k < least {
                least = k;
                best = i;
            }
        }
        self.head = best;
    }
    /// (time, sequence) of the least item.
    #[must_use]
    #[inline(always)]
    pub fn peek_key(&self) -> Option<(SimTime, u64)> {
        let k = self.fronts[self.head];
        (k != NO_KEY).then(|| unkey(k))
    }
    /// The least item with its key.
    #[must_use]
    pub fn peek(&self) -> Option<(SimTime, u64, &T)> {
        if self.fronts[self.head] == NO_KEY {
            return None;
        }
        match self.head {
            0 => self.heap.peek().map(|Reverse((t, q, Slot(x)))| (*t, *q, x)),
            i => self.lanes[i - 1].items.front().map(|(t, q, x)| (*t, *q, x)),
        }
    }
    /// Removes the least item (FIFO among equal times when sequences are taken in order).
    #[inline(always)]
    pub fn pop(&mut self) -> Option<(SimTime, u64, T)> {
        if self.fronts[self.head] == NO_KEY {
            return None;
        }
        let item = match self.head {
            0 => {
                let item = self.heap.pop().map(|Reverse((t, q, Slot(x)))| (t, q, x));
                self.fronts[0] = self
                    .heap
                    .peek()
                    .map_or(NO_KEY, |Reverse((t, q, _))| key(*t, *q));
                item
            }
            i => {
                let l = &mut self.lanes[i - 1];
                let item = l.items.pop_front();
                self.fronts[i] = l.items.front().map_or(NO_KEY, |(t, q, _)| key(*t, *q));
                item
            }
        };
        self.find_head();
        item
    }
    /// Removes every item (lanes are kept).
    pub fn clear(&mut self) {
        self.heap.clear();
        for l in &mut self.lanes {
            l.items.clear();
        }
        self.fronts.fill(NO_KEY);
        self.head = 0;
    }
    /// Number of items.
    #[must_use]
    pub fn len(&self) -> usize {
        self.heap.len() + self.lanes.iter().map(|l| l.items.len()).sum::<usize>()
    }
    /// Whether there is no item.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A pending-event set ordered by (time, seq), with its sequence counter.
#[derive(Debug)]
pub struct EventQueue<E> {
    items: TimedQueue<E>,
    seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue (a plain heap).
    #[must_use]
    pub fn new() -> Self {
        Self::with_lanes(&[])
    }
    /// An empty queue with a FIFO lane per delay (see [`TimedQueue`]), and when there is
    /// one, a lane for wake-ups scheduled with a reserved sequence number.
    #[must_use]
    pub fn with_lanes(delays: &[u64]) -> Self {
        let items = TimedQueue::with_lanes(delays);
        EventQueue {
            items: if delays.is_empty() {
                items
            } else {
                items.with_late_lane()
            },
            seq: 0,
        }
    }
    /// Schedules `event` at `at`, pushed at time `now` (which picks its lane).
    pub fn push(&mut self, now: SimTime, at: SimTime, event: E) {
        let seq = self.reserve();
        self.items.push(now, at, seq, event);
    }
    /// Takes the next insertion sequence number without scheduling anything.
    pub fn reserve(&mut self) -> u64 {
        let s = self.seq;
        self.seq += 1;
        s
    }
    /// Schedules `event` at `at` with a sequence number taken earlier by [`Self::reserve`].
    pub fn push_at_seq(&mut self, now: SimTime, at: SimTime, seq: u64, event: E) {
        self.items.push_late(now, at, seq, event);
    }
    /// Removes the earliest event (FIFO among equal times), with its sequence number.
    pub fn pop(&mut self) -> Option<(SimTime, u64, E)> {
        self.items.pop()
    }
    /// Time of the earliest event.
    #[must_use]
    pub fn peek_time(&self) -> Option<SimTime> {
        self.items.peek_key().map(|(t, _)| t)
    }
    /// (time, sequence) of the earliest event.
    #[must_use]
    pub fn peek_key(&self) -> Option<(SimTime, u64)> {
        self.items.peek_key()
    }
    /// Number of pending events.
    #[must_use]
    pub fn len(&self) -> usize {
        self.items.len()
    }
    /// Whether no event is pending.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
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
        self.queue.push(self.now, at.max(self.now), event);
    }
    /// Schedules `event` `delay_ms` after now.
    pub fn schedule_in(&mut self, delay_ms: u64, event: E) {
        self.queue.push(self.now, self.now.after(delay_ms), event);
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
        self.queue
            .push_at_seq(self.now, at.max(self.now), seq, event);
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
        Self::with_lanes(&[])
    }
    /// A new engine at time zero whose events scheduled one of `delays` after the current
    /// time go to FIFO lanes instead of the heap (same order, less work; see [`TimedQueue`]);
    /// with any lane, wake-ups scheduled at a reserved sequence number that come in order
    /// go to one more ([`TimedQueue::with_late_lane`]).
    #[must_use]
    pub fn with_lanes(delays: &[u64]) -> Self {
        Engine {
            sched: Scheduler {
                queue: EventQueue::with_lanes(delays),
                now: SimTime::ZERO,
                current_seq: 0,
            },
            events: 0,
            budget: EVENT_BUDGET.get(),
        }
    }
    /// Room for `n` pending events in each of the event set's lanes and its heap (see
    /// [`TimedQueue::reserve`]).
    pub fn reserve(&mut self, n: usize) {
        self.sched.queue.items.reserve(n);
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

    /// Pops `n` items from a queue fed like an engine feeds it: each pop pushes up to two
    /// items at fixed or random delays, some with a sequence number taken earlier (R0).
    fn drain(delays: &[u64], n: usize) -> Vec<(u64, u64, u32)> {
        let mut q = TimedQueue::with_lanes(delays);
        if !delays.is_empty() {
            q = q.with_late_lane();
        }
        let (mut seq, mut x, mut held) = (0u64, 7u64, vec![]);
        let next = |x: &mut u64, m: u64| {
            *x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (*x >> 33) % m
        };
        q.push(SimTime(0), SimTime(0), 0, 0u32);
        let mut out = vec![];
        while let Some((t, s, v)) = q.pop() {
            out.push((t.0, s, v));
            if out.len() == n {
                break;
            }
            for _ in 0..=next(&mut x, 2) {
                seq += 1;
                let d = [0, 5, 7, next(&mut x, 20)][usize::try_from(next(&mut x, 4)).unwrap()];
                if next(&mut x, 5) == 0 {
                    held.push(seq);
                    continue;
                }
                // A reserved number is only used for a later time (as the engine requires).
                let reuse = d > 0 && next(&mut x, 3) == 0;
                let s = if reuse {
                    held.pop().unwrap_or(seq)
                } else {
                    seq
                };
                if reuse || next(&mut x, 4) == 0 {
                    q.push_late(t, SimTime(t.0 + d), s, v + 1);
                } else {
                    q.push(t, SimTime(t.0 + d), s, v + 1);
                }
            }
        }
        out
    }

    #[test]
    fn lanes_keep_the_heap_order() {
        let plain = drain(&[], 5_000);
        assert_eq!(plain.len(), 5_000);
        assert!(plain
            .windows(2)
            .all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1)));
        assert_eq!(drain(&[0, 5, 7], 5_000), plain);
        assert_eq!(drain(&[5], 5_000), plain);
    }

    // A controller restart empties its work queue (R2): what is pushed after is all there is.
    #[test]
    fn a_cleared_queue_forgets_every_lane_and_the_heap() {
        let mut q = TimedQueue::with_lanes(&[5, 7]);
        q.push(SimTime(0), SimTime(5), 1, 'a');
        q.push(SimTime(0), SimTime(3), 2, 'b');
        q.push(SimTime(0), SimTime(7), 3, 'c');
        assert_eq!(q.peek_key(), Some((SimTime(3), 2)));
        q.clear();
        assert_eq!((q.peek_key(), q.len()), (None, 0));
        assert!(q.pop().is_none());
        q.push(SimTime(10), SimTime(17), 4, 'd');
        q.push(SimTime(10), SimTime(15), 5, 'e');
        q.push(SimTime(10), SimTime(12), 6, 'f');
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|(_, _, x)| x)).collect();
        assert_eq!(order, vec!['f', 'e', 'd']);
        assert_eq!(q.peek_key(), None);
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
