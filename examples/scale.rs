//! Scale probe for results/bench.md: one trial of a synthetic home-ops DAG of N objects,
//! reporting build time, trial time, events and peak memory (VmHWM).
//! Usage: cargo run --release --example scale -- 100000

use std::time::Instant;

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let y = fluxsim::synth::home_ops(n, 1, 50);
    let t0 = Instant::now();
    let m = fluxsim::model::build(&fluxsim::scenario::parse(&y, "synthetic").expect("parses"))
        .expect("valid");
    let build = t0.elapsed();
    let t1 = Instant::now();
    let t = fluxsim::flux::simulate(&m, 1, 0);
    let sim = t1.elapsed();
    let cp = fluxsim::analysis::critical_path(&m, &t);
    println!(
        "objects {n}  parse+build {:.3}s  trial {:.3}s  events {}  events/s {:.1}M  makespan {}  critical segments {}  peak RSS {} MiB",
        build.as_secs_f64(),
        sim.as_secs_f64(),
        t.events,
        t.events as f64 / sim.as_secs_f64() / 1e6,
        t.makespan_ms.map_or("stuck".into(), fluxsim::time::format_ms),
        cp.map_or(0, |c| c.segments.len()),
        peak_rss_kib() / 1024
    );
}
