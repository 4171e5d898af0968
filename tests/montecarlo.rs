//! Issue 5: critical path tiling, Monte Carlo determinism, percentiles and criticality.
#![allow(clippy::needless_range_loop)]

mod common;
use common::*;
use fluxsim::report::McReport;
use fluxsim::runner::{monte_carlo, McConfig};
use proptest::prelude::*;

fn mc(yaml: &str, trials: u64, threads: usize) -> McReport {
    let m = model(yaml);
    let t = monte_carlo(
        &m,
        &McConfig {
            seed: 11,
            trials,
            threads,
        },
        &|_| {},
    )
    .unwrap();
    McReport::new(&m, 11, &t)
}

fn check_tiling(m: &fluxsim::model::Model, seed: u64, trial: u64) {
    let out = fluxsim::runner::run_once(m, seed, trial);
    let Some(mk) = out.trace.makespan_ms else {
        return;
    };
    let cp = out
        .critical_path
        .expect("finished runs have a critical path");
    let mut at = 0;
    for s in &cp.segments {
        assert_eq!(
            s.start_ms, at,
            "segments must be contiguous: {:?}",
            cp.segments
        );
        assert!(s.end_ms > s.start_ms);
        at = s.end_ms;
    }
    assert_eq!(at, mk, "segments must end at the makespan");
    assert_eq!(cp.per_category().iter().sum::<u64>(), mk);
}

// SPEC "What a run reports": segments tile [0, makespan] exactly, on every shipped scenario.
#[test]
fn critical_path_tiles_the_makespan_on_every_scenario() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "yaml") {
            let m = model(&std::fs::read_to_string(&p).unwrap());
            for trial in 0..40 {
                check_tiling(&m, 3, trial);
            }
            n += 1;
        }
    }
    assert!(n >= 1);
}

fn random_dag(
    n: usize,
    deps: &[Vec<usize>],
    waits: &[bool],
    ready: &[u64],
    conc: u32,
    helm: &[bool],
) -> String {
    let mut y = format!("controllers:\n  kustomize:\n    concurrent: {conc}\n  helm:\n    concurrent: {conc}\nkustomizations:\n");
    for i in 0..n {
        y += &format!("  - name: k{i}\n    wait: {}\n    retryInterval: 1m\n    apply: {{uniform: {{min: 500ms, max: 3s}}}}\n", waits[i]);
        let d: Vec<String> = deps[i]
            .iter()
            .filter(|j| **j < i)
            .map(|j| format!("k{j}"))
            .collect();
        if !d.is_empty() {
            y += &format!("    dependsOn: [{}]\n", d.join(", "));
        }
        y += &format!("    resources:\n      - {{kind: Deployment, name: d{i}, namespace: default, ready: {{lognormal: {{median: {}ms, p95: {}ms}}}}}}\n", ready[i], ready[i] * 3);
        if helm[i] {
            y += &format!("      - {{kind: HelmRelease, name: h{i}}}\n");
        }
    }
    if helm[..n].iter().any(|h| *h) {
        y += "helmReleases:\n";
        for i in 0..n {
            if helm[i] {
                y += &format!("  - name: h{i}\n    resources:\n      - {{kind: Deployment, name: hd{i}, namespace: default, ready: {{uniform: {{min: 1s, max: 40s}}}}}}\n");
            }
        }
    }
    y
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    // Property: on random DAGs (random waits, worker counts, HelmReleases), the critical path
    // segments are contiguous and sum exactly to the makespan.
    #[test]
    fn critical_path_tiles_random_dags(
        n in 1usize..20,
        deps in prop::collection::vec(prop::collection::vec(0usize..20, 0..3), 20),
        waits in prop::collection::vec(any::<bool>(), 20),
        helm in prop::collection::vec(prop::bool::weighted(0.3), 20),
        ready in prop::collection::vec(1000u64..60_000, 20),
        conc in 1u32..5,
        seed in 0u64..1000,
    ) {
        let y = random_dag(n, &deps, &waits, &ready, conc, &helm);
        let m = model(&y);
        check_tiling(&m, seed, 0);
    }
}

// SPEC R17: byte-identical JSON for any thread count.
#[test]
fn threads_do_not_change_the_output() {
    let y = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/example.yaml"
    ))
    .unwrap();
    let a = mc(&y, 500, 1).to_json();
    let b = mc(&y, 500, 2).to_json();
    assert_eq!(a, b);
}

// Closed form: one Kustomization, no health check, apply ~ U[10s, 20s]. Ready = 750ms
// (finalizer, R4) + U, so the p-quantile is 750 + 10 000 + 10 000·p ms: p50 15.75s,
// p90 19.75s, p95 20.25s, p99 20.65s. With 20 000 trials the standard error of p50 is
// 10 000·√(0.25/20 000) ≈ 35ms.
#[test]
fn percentiles_of_a_uniform_match_the_closed_form() {
    let r = mc(
        "kustomizations:\n  - name: x\n    apply: {uniform: {min: 10s, max: 20s}}\n",
        20_000,
        2,
    );
    let ms = &r.makespan_ms;
    for (k, p, tol) in [
        ("p50", 0.5, 150.0),
        ("p90", 0.9, 100.0),
        ("p95", 0.95, 80.0),
        ("p99", 0.99, 40.0),
    ] {
        let truth = 750.0 + 10_000.0 + 10_000.0 * p;
        let c = &ms.ci[k];
        let v = c.value.unwrap() as f64;
        assert!((v - truth).abs() < tol, "{k}: {v} vs {truth}");
        assert!(c.ci_low.unwrap() as f64 <= v && v <= c.ci_high.unwrap() as f64);
        // The interval is a few standard errors wide, not degenerate.
        assert!(c.ci_high.unwrap() > c.ci_low.unwrap(), "{k}: {c:?}");
    }
    assert!((ms.mean.unwrap() - 15_750.0).abs() < 60.0, "{:?}", ms.mean);
    assert_eq!(r.stuck_probability, 0.0);
    assert_eq!(r.objects[0].criticality, 1.0);
}

// Criticality index: 1.0 for every object on the only chain.
#[test]
fn criticality_is_one_on_a_single_chain() {
    let r = mc(include_str!("fixtures/chain.yaml"), 200, 2);
    for o in &r.objects {
        assert_eq!(o.criticality, 1.0, "{}", o.name);
    }
}

// Two parallel chains with equal distributions: each chain is critical in about half of the
// trials (binomial, n = 4000: σ ≈ 0.008, so ±0.04 is five σ).
#[test]
fn criticality_splits_between_equal_parallel_chains() {
    let mut y = String::from("kustomizations:\n");
    for c in ["a", "b"] {
        y += &format!("  - name: {c}1\n    wait: true\n    resources:\n      - {{kind: Deployment, name: {c}1, namespace: default, ready: {{lognormal: {{median: 40s, p95: 120s}}}}}}\n");
        y += &format!("  - name: {c}2\n    wait: true\n    dependsOn: [{c}1]\n    resources:\n      - {{kind: Deployment, name: {c}2, namespace: default, ready: {{lognormal: {{median: 40s, p95: 120s}}}}}}\n");
    }
    let r = mc(&y, 4000, 2);
    let ci = |n: &str| {
        r.objects
            .iter()
            .find(|o| o.name == format!("Kustomization/{n}"))
            .unwrap()
            .criticality
    };
    assert!((ci("a2") - 0.5).abs() < 0.04, "a2 {}", ci("a2"));
    assert!(
        (ci("a2") + ci("b2") - 1.0).abs() < 1e-9,
        "exactly one chain ends the run"
    );
    assert_eq!(ci("a1"), ci("a2"), "a chain is critical as a whole");
}
