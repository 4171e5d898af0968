//! Generated scenarios (proptest): extreme durations, deep chains, wide fan-outs, faults of
//! every kind. Whatever the input, a run ends (within its event budget or with the budget
//! error), never panics, and keeps the model's invariants:
//! - an object is Ready only after each of its dependencies is (SPEC R6);
//! - the critical path's segments tile [0, makespan] exactly ("What a run reports");
//! - busy workers never exceed a controller's `concurrent` (SPEC R1).
//!
//! The case count is modest so this runs in a few seconds in release.

mod common;
use common::Pick;
use fluxsim::model::{build, Model, ObjKind};
use fluxsim::runner::{try_run_once, RunError, RunOutput};
use fluxsim::scenario::parse;
use proptest::prelude::*;
use std::fmt::Write as _;

const DURATIONS: [&str; 8] = ["1ms", "50ms", "1s", "30s", "5m", "1h", "100h", "0s"];
const HORIZONS: [&str; 5] = ["1s", "1m", "1h", "6h", "48h"];
/// Polling periods (`interval`, `requeueDependency`): a 1 ms period is the event budget's
/// business (tests/hardening.rs); here they stay long enough for a few-second test.
const PERIODS: [&str; 4] = ["10s", "30s", "5m", "1h"];
const KINDS: [&str; 7] = [
    "Deployment",
    "DaemonSet",
    "StatefulSet",
    "Job",
    "CustomResourceDefinition",
    "Namespace",
    "ConfigMap",
];

/// The scenario generator's choices ([`Pick`]'s stream).
impl Pick {
    fn dur(&mut self) -> &'static str {
        DURATIONS[self.next(DURATIONS.len() - 1)]
    }
    fn period(&mut self) -> &'static str {
        PERIODS[self.next(PERIODS.len())]
    }
    fn chance(&mut self, pct: usize) -> bool {
        self.next(100) < pct
    }
}

/// The shape of the `dependsOn` graph.
#[derive(Clone, Copy, Debug)]
enum Shape {
    Chain,
    FanOut,
    Random,
}

fn deps(p: &mut Pick, shape: Shape, i: usize, prefix: &str) -> Vec<String> {
    match shape {
        _ if i == 0 => vec![],
        Shape::Chain => vec![format!("{prefix}{}", i - 1)],
        Shape::FanOut => vec![format!("{prefix}0")],
        Shape::Random => (0..p.next(3))
            .map(|_| format!("{prefix}{}", p.next(i)))
            .collect(),
    }
}

fn resources(p: &mut Pick, y: &mut String, owner: &str, workloads: &mut Vec<String>) {
    let n = p.next(4);
    if n > 0 {
        y.push_str("    resources:\n");
    }
    for j in 0..n {
        let name = format!("{owner}-w{j}");
        let kind = KINDS[p.next(KINDS.len())];
        let _ = write!(
            y,
            "      - {{kind: {kind}, name: {name}, ready: {}",
            p.dur()
        );
        if !workloads.is_empty() && p.chance(30) {
            let _ = write!(y, ", needs: [{}]", workloads[p.next(workloads.len())]);
        }
        y.push_str("}\n");
        workloads.push(name);
    }
}

fn faults(p: &mut Pick, y: &mut String, workloads: &[String], n: usize) {
    if n == 0 {
        return;
    }
    y.push_str("faults:\n");
    for _ in 0..n {
        let w = workloads.get(p.next(workloads.len().max(1))).cloned();
        let (from, to) = (p.dur(), p.dur());
        let _ = match (p.next(7), w) {
            (0, Some(w)) => writeln!(y, "  - {{type: permanent, workload: {w}}}"),
            (1, Some(w)) => writeln!(y, "  - {{type: failure, workload: {w}, probability: 0.5}}"),
            (2, Some(w)) => writeln!(
                y,
                "  - {{type: outage, target: workload, workload: {w}, from: 0s, to: {to}}}"
            ),
            (3, _) => writeln!(
                y,
                "  - {{type: outage, target: apiserver, from: {from}, to: {to}}}"
            ),
            (4, _) => writeln!(y, "  - {{type: outage, target: git, from: 0s, to: {to}}}"),
            (5, _) => writeln!(
                y,
                "  - {{type: restart, controller: kustomize, at: {from}, down: {to}}}"
            ),
            _ => writeln!(y, "  - {{type: slowdown, factor: 3, from: 0s, to: {to}}}"),
        };
    }
}

/// A scenario from the generated parameters.
fn scenario(seed: u64, n_ks: usize, n_hr: usize, shape: Shape, n_faults: usize) -> String {
    let mut p = Pick(seed);
    let mut y = String::new();
    let _ = writeln!(
        y,
        "name: gen\nhorizon: {}",
        HORIZONS[p.next(HORIZONS.len())]
    );
    let _ = writeln!(
        y,
        "controllers:\n  kustomize: {{concurrent: {}, requeueDependency: {}}}\n  helm: {{concurrent: {}}}",
        1 + p.next(8),
        p.period(),
        1 + p.next(4)
    );
    let mut workloads = vec![];
    y.push_str("kustomizations:\n");
    for i in 0..n_ks {
        let _ = writeln!(
            y,
            "  - name: k{i}\n    interval: {}\n    wait: {}",
            p.period(),
            p.chance(50)
        );
        let d = deps(&mut p, shape, i, "k");
        if !d.is_empty() {
            let _ = writeln!(y, "    dependsOn: [{}]", d.join(", "));
        }
        resources(&mut p, &mut y, &format!("k{i}"), &mut workloads);
    }
    if n_hr > 0 {
        y.push_str("helmReleases:\n");
    }
    for i in 0..n_hr {
        let _ = writeln!(y, "  - name: h{i}\n    timeout: {}", p.dur());
        let d = deps(&mut p, shape, i, "h");
        if !d.is_empty() {
            let _ = writeln!(y, "    dependsOn: [{}]", d.join(", "));
        }
        resources(&mut p, &mut y, &format!("h{i}"), &mut workloads);
    }
    faults(&mut p, &mut y, &workloads, n_faults);
    y
}

fn deps_ready_first(m: &Model, out: &RunOutput) -> Result<(), String> {
    for (o, obj) in m.objects.iter_enumerated() {
        let Some(t) = out.trace.ready_ms[o] else {
            continue;
        };
        for &d in &obj.depends_on {
            match out.trace.ready_ms[d] {
                Some(td) if td <= t => {}
                other => {
                    return Err(format!(
                        "{} Ready at {t} before dependency {} ({other:?})",
                        obj.name, m.objects[d].name
                    ))
                }
            }
        }
    }
    Ok(())
}

fn path_tiles(out: &RunOutput) -> Result<(), String> {
    let (Some(ms), Some(cp)) = (out.trace.makespan_ms, &out.critical_path) else {
        return Ok(());
    };
    let mut at = 0;
    for s in &cp.segments {
        if s.start_ms != at || s.end_ms < s.start_ms {
            return Err(format!("segment {s:?} does not start at {at}"));
        }
        at = s.end_ms;
    }
    if at != ms {
        return Err(format!("critical path ends at {at}, makespan {ms}"));
    }
    Ok(())
}

fn workers_within_limit(m: &Model, out: &RunOutput) -> Result<(), String> {
    for (kind, limit) in [
        (ObjKind::Kustomization, m.kustomize.concurrent),
        (ObjKind::HelmRelease, m.helm.concurrent),
    ] {
        // (time, +1 start / -1 end), ends sorted before starts at the same millisecond.
        let mut ev: Vec<(u64, i32)> = vec![];
        for r in &out.trace.runs {
            if m.objects[r.object].kind == kind {
                ev.push((r.start_ms, 1));
                ev.push((r.end_ms.unwrap_or(u64::MAX), -1));
            }
        }
        ev.sort_unstable();
        let mut busy = 0i64;
        for (t, d) in ev {
            busy += i64::from(d);
            if busy > i64::from(limit) {
                return Err(format!(
                    "{busy} {kind:?} workers busy at {t}, concurrent {limit}"
                ));
            }
        }
    }
    Ok(())
}

/// The generator's parameters: a seed, counts of Kustomizations and HelmReleases, a shape, faults.
fn cases() -> impl Strategy<Value = (u64, usize, usize, Shape, usize)> {
    (
        any::<u64>(),
        1usize..30,
        0usize..6,
        prop_oneof![Just(Shape::Chain), Just(Shape::FanOut), Just(Shape::Random)],
        0usize..4,
    )
}

/// A generated scenario's YAML and, when validation accepts it, its model (it must parse).
fn generated(
    seed: u64,
    n_ks: usize,
    n_hr: usize,
    shape: Shape,
    n_faults: usize,
) -> Result<(String, Option<Model>), TestCaseError> {
    let y = scenario(seed, n_ks, n_hr, shape, n_faults);
    let sc = parse(&y, "gen.yaml").map_err(|d| TestCaseError::fail(format!("{d}\n{y}")))?;
    let m = build(&sc).ok();
    Ok((y, m))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, rng_seed: proptest::test_runner::RngSeed::Fixed(0x5EED), ..ProptestConfig::default() })]

    #[test]
    fn generated_scenarios_keep_the_invariants(
        (seed, n_ks, n_hr, shape, n_faults) in cases(),
    ) {
        // What validation refuses (e.g. a `needs` cycle) ends here with diagnostics.
        let (y, Some(m)) = generated(seed, n_ks, n_hr, shape, n_faults)? else { return Ok(()) };
        match try_run_once(&m, seed, 0) {
            Err(RunError::EventBudget { .. }) => {}
            Err(e) => prop_assert!(false, "{e}"),
            Ok(out) => {
                prop_assert!(out.trace.events <= fluxsim::runner::event_budget(&m));
                deps_ready_first(&m, &out).map_err(|e| TestCaseError::fail(format!("{e}\n{y}")))?;
                path_tiles(&out).map_err(|e| TestCaseError::fail(format!("{e}\n{y}")))?;
                workers_within_limit(&m, &out).map_err(|e| TestCaseError::fail(format!("{e}\n{y}")))?;
                prop_assert_eq!(out.stuck.is_empty(), out.trace.makespan_ms.is_some());
            }
        }
    }

    // Issue 18: the optimised paths (FIFO lanes, incremental health scans, lazily drawn
    // jitter) give the reference implementation's trace, byte for byte, whatever the
    // scenario (SPEC R0, R17).
    #[test]
    fn generated_scenarios_run_the_same_on_the_reference_path(
        (seed, n_ks, n_hr, shape, n_faults) in cases(),
    ) {
        // What validation refuses (e.g. a `needs` cycle) ends here with diagnostics.
        let (y, Some(m)) = generated(seed, n_ks, n_hr, shape, n_faults)? else { return Ok(()) };
        let budget = fluxsim::runner::event_budget(&m);
        let run = |f: fn(&Model, u64, u64) -> fluxsim::trace::Trace| {
            let t = fluxsim::engine::with_event_budget(budget, || f(&m, seed, 0));
            serde_json::to_string(&t).expect("trace serializes")
        };
        let same = run(fluxsim::flux::simulate) == run(fluxsim::flux::simulate_reference);
        prop_assert!(same, "traces differ\n{}", y);
        // The Monte Carlo path (jitter drawn lazily; no end states once all is Ready).
        let summary = fluxsim::engine::with_event_budget(budget, || fluxsim::flux::simulate_summary(&m, seed, 0));
        let mut reference = fluxsim::engine::with_event_budget(budget, || fluxsim::flux::simulate_reference(&m, seed, 0));
        if reference.makespan_ms.is_some() {
            reference.objects.clear();
            reference.workloads.clear();
        }
        let same = serde_json::to_string(&summary).expect("trace serializes")
            == serde_json::to_string(&reference).expect("trace serializes");
        prop_assert!(same, "Monte Carlo traces differ\n{}", y);
        prop_assert_eq!(
            fluxsim::runner::trial_summary(&m, seed, 0),
            fluxsim::runner::trial_summary_reference(&m, seed, 0),
            "summaries differ\n{}", y
        );
    }
}
