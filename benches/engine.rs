//! Engine throughput on a synthetic event load: a hold model (pop the earliest event, push one
//! at t + d) with 256 pending events, the size of a large bootstrap's pending set. Models
//! nothing of Flux: it measures the generic kernel alone (target ≥ 10 M events/s on one core).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use fluxsim::engine::{Engine, Handler, Scheduler};
use fluxsim::time::SimTime;

struct Hold {
    left: u64,
    x: u64,
}

impl Handler for Hold {
    type Event = u32;
    fn handle(&mut self, _now: SimTime, e: u32, s: &mut Scheduler<u32>) {
        self.left -= 1;
        self.x = self
            .x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        s.schedule_in(1 + (self.x >> 54), e);
    }
    fn done(&self) -> bool {
        self.left == 0
    }
}

/// Runs `n` events with `pending` events in flight.
pub fn hold(n: u64, pending: u32) -> u64 {
    let mut eng = Engine::new();
    for i in 0..pending {
        eng.schedule(SimTime(u64::from(i)), i);
    }
    let mut h = Hold { left: n, x: 7 };
    eng.run_until(&mut h, SimTime(u64::MAX));
    eng.events_handled()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("engine");
    const N: u64 = 1_000_000;
    g.throughput(Throughput::Elements(N));
    g.bench_function("hold_1M_events_256_pending", |b| b.iter(|| hold(N, 256)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
