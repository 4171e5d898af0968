//! Scale probe for results/bench.md: one `fluxsim run` of a synthetic home-ops DAG of N
//! objects, phase by phase (generate, parse, build, simulate, critical path and stuck analysis,
//! report text, JSON), with events and peak memory (VmHWM).
//!
//! Usage: `cargo run --release --example scale -- 100000` (a synthetic scenario of N objects),
//! or `cargo run --release --example scale -- FILE.yaml` (a scenario file, read as `fluxsim run`
//! reads it: a `.json` file with the fast JSON parser). `--json` also renders the JSON report.

use std::time::Instant;

/// The allocator the `fluxsim` binary uses (src/main.rs), so the phases cost what they cost there.
#[cfg(feature = "cli")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn peak_rss_kib() -> u64 {
    status_kib("VmHWM:")
}

/// A memory figure of this process from /proc/self/status, in KiB (0 if unknown).
fn status_kib(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// CPU time (user + system) of this process so far, in seconds, from /proc/self/stat (in
/// clock ticks of 10 ms): on a shared machine it says more than the wall clock.
fn cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime and stime are 12th, 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse().ok())
        .collect();
    #[allow(clippy::cast_precision_loss)]
    let ticks = f.iter().sum::<u64>() as f64;
    ticks / 100.0
}

/// Page faults of this process so far (minor: fresh pages the kernel zeroes), from /proc/self/stat.
fn minor_faults() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    rest.split_whitespace()
        .nth(7)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Runs `f`, prints its wall and CPU time, the RSS after it, the peak RSS so far and the page
/// faults it took under `name`, returns its value.
fn phase<T>(name: &str, f: impl FnOnce() -> T) -> T {
    let (t, c, pf) = (Instant::now(), cpu_s(), minor_faults());
    let v = f();
    println!(
        "  {name:<10} wall {:>7.3} s  cpu {:>7.2} s  RSS {:>6} MiB  peak {:>6} MiB  faults {:>7}",
        t.elapsed().as_secs_f64(),
        cpu_s() - c,
        status_kib("VmRSS:") / 1024,
        peak_rss_kib() / 1024,
        minor_faults() - pf
    );
    v
}

fn main() {
    let arg = std::env::args().nth(1).unwrap_or_else(|| "1000".into());
    let total = Instant::now();
    let (src, file) = match arg.parse::<usize>() {
        Ok(n) => (
            phase("generate", || fluxsim::synth::home_ops(n, 1, 50)),
            "synthetic".to_string(),
        ),
        Err(_) => (
            phase("read", || {
                fluxsim::scenario::read_file(std::path::Path::new(&arg)).expect("scenario text")
            }),
            arg.clone(),
        ),
    };
    let sc = phase("parse", || {
        if file.ends_with(".json") {
            fluxsim::scenario::parse_json(src, &file).expect("parses")
        } else {
            fluxsim::scenario::parse(&src, &file).expect("parses")
        }
    });
    let m = phase("build", || fluxsim::model::build(&sc).expect("valid"));
    // As `fluxsim run` does (src/cli/common.rs): freed on a thread of its own.
    phase("drop raw", || {
        if std::env::var_os("SYNC_DROP").is_some() {
            drop(sc)
        } else {
            drop(std::thread::spawn(move || drop(sc)))
        }
    });
    let trace = phase("simulate", || fluxsim::flux::simulate(&m, 1, 0));
    let events = trace.events;
    let out = phase("analyse", || fluxsim::runner::RunOutput {
        seed: 1,
        trial: 0,
        critical_path: fluxsim::analysis::critical_path(&m, &trace),
        stuck: if trace.makespan_ms.is_none() {
            fluxsim::analysis::stuck::explain(&m, &trace)
        } else {
            vec![]
        },
        trace,
    });
    // `fluxsim run` without `--json` or `--csv` renders only the text, which does not need the
    // report's per-attempt rows.
    let text = phase("report", || fluxsim::report::RunReport::text_of(&m, &out));
    // `--json` renders the full report (1.9 GB of JSON for 1,000,000 objects).
    let json = if std::env::args().any(|a| a == "--json") {
        phase("json", || {
            fluxsim::report::RunReport::new(&m, &out).to_json()
        })
    } else {
        String::new()
    };
    println!(
        "objects {}  events {events}  text {} B  json {} B  total wall {:.3} s  cpu {:.2} s  peak RSS {} MiB",
        m.objects.len(),
        text.len(),
        json.len(),
        total.elapsed().as_secs_f64(),
        cpu_s(),
        peak_rss_kib() / 1024
    );
}
