//! Issue 2: the simulation core against numbers worked out by hand from the SPEC rules.

mod common;
use common::*;
use fluxsim::model::ObjectId;
use fluxsim::trace::{FailWhy, Outcome};

const CHAIN: &str = include_str!("fixtures/chain.yaml");

// SPEC R3, R4, R6, R8. By hand (apply 2s, Deployment ready 10s after apply, wait: true):
// t=0 finalizers of a, b, c; 0.75s a starts (b, c see deps not ready → poll at 30.75s);
// a: apply to 2.75s, health polls 2.75, 7.75, 12.75 → Ready 12.75s.
// b at 30.75s: apply → 32.75, Ready 42.75s. c at 30.75s finds b reconciling → 60.75s:
// apply → 62.75, Ready 72.75s.
#[test]
fn chain_ready_times_include_finalizer_and_polling() {
    let (m, out) = run(CHAIN);
    assert_eq!(ready(&m, &out, "a"), Some(12_750));
    assert_eq!(ready(&m, &out, "b"), Some(42_750));
    assert_eq!(ready(&m, &out, "c"), Some(72_750));
    assert_eq!(out.trace.makespan_ms, Some(72_750));
    // c: finalizer at 0, dependency-not-ready at 0.75 and 30.75, success at 60.75.
    let c = runs_of(&m, &out, "c");
    let starts: Vec<u64> = c.iter().map(|r| r.start_ms).collect();
    assert_eq!(starts, vec![0, 750, 30_750, 60_750]);
    assert_eq!(c[0].outcome, Outcome::FinalizerAdded);
    assert!(matches!(c[1].outcome, Outcome::DependencyNotReady { .. }));
    assert!(matches!(c[2].outcome, Outcome::DependencyNotReady { .. }));
}

// SPEC R3 what-if: with the dependency watch, b starts when a turns Ready (12.75s) → Ready
// 24.75s; c starts at 24.75s → Ready 36.75s. Faster by 72.75 − 36.75 = 36s.
#[test]
fn watch_dependencies_is_faster_by_the_polling_latency() {
    let yaml = CHAIN.replace(
        "name: chain",
        "name: chain\ncontrollers:\n  kustomize:\n    watchDependencies: true",
    );
    let (m, out) = run(&yaml);
    assert_eq!(ready(&m, &out, "a"), Some(12_750));
    assert_eq!(ready(&m, &out, "b"), Some(24_750));
    assert_eq!(ready(&m, &out, "c"), Some(36_750));
    let (_, base) = run(CHAIN);
    assert_eq!(
        base.trace.makespan_ms.unwrap() - out.trace.makespan_ms.unwrap(),
        36_000
    );
}

// SPEC R1: a reconcile holds its worker through the health wait. With concurrent: 1, `slow`
// (wait: true on a Deployment ready 100s after apply) starts at 0.75s, applies to 1.75s and is
// Ready at 101.75s; `zfast` (no wait) waits for the worker and is Ready at 101.75 + 1 = 102.75s.
// With two workers it is Ready at 0.75 + 1 = 1.75s: delayed by exactly 101s.
#[test]
fn wait_holds_the_worker() {
    let base = |n: u32| {
        format!(
            "controllers:\n  kustomize:\n    concurrent: {n}\nkustomizations:\n  - name: slow\n    wait: true\n    apply: 1s\n    resources:\n      - {{kind: Deployment, name: slow, namespace: default, ready: 100s}}\n  - name: zfast\n    apply: 1s\n    resources:\n      - {{kind: ConfigMap, name: cfg, namespace: default}}\n"
        )
    };
    let (m1, o1) = run(&base(1));
    let (m2, o2) = run(&base(2));
    assert_eq!(ready(&m1, &o1, "slow"), Some(101_750));
    assert_eq!(ready(&m1, &o1, "zfast"), Some(102_750));
    assert_eq!(ready(&m2, &o2, "zfast"), Some(1_750));
    assert_eq!(
        ready(&m1, &o1, "zfast").unwrap() - ready(&m2, &o2, "zfast").unwrap(),
        101_000
    );
}

// SPEC R9/R10: interval 2m → timeout max(30s, 2m − 30s) = 90s, retryInterval = 2m.
// Health starts at 1.75s, times out at 91.75s; retry at 91.75 + 120 = 211.75s; the Deployment
// (applied at 1.75s, ready 200s later) is ready at 201.75s, so the retry applies (1s) and is
// Ready at 212.75s.
#[test]
fn health_timeout_retries_after_retry_interval_with_default_timeout() {
    let yaml = "kustomizations:\n  - name: x\n    interval: 2m\n    wait: true\n    apply: 1s\n    resources:\n      - {kind: Deployment, name: x, namespace: default, ready: 200s}\n";
    let (m, out) = run(yaml);
    assert_eq!(m.objects[ObjectId::new(0)].timeout, 90_000);
    assert_eq!(m.objects[ObjectId::new(0)].retry_interval, 120_000);
    let r = runs_of(&m, &out, "x");
    assert!(matches!(
        r[1].outcome,
        Outcome::HealthCheckFailed {
            why: FailWhy::HealthTimeoutWorkload { .. }
        }
    ));
    assert_eq!(r[1].end_ms, Some(91_750));
    assert_eq!(r[2].start_ms, 211_750);
    assert_eq!(ready(&m, &out, "x"), Some(212_750));
}

// SPEC R9 defaults in isolation.
#[test]
fn timeout_defaults() {
    use fluxsim::model::kustomization_timeout;
    assert_eq!(kustomization_timeout(600_000, None), 570_000); // 10m → 9m30s
    assert_eq!(kustomization_timeout(40_000, None), 30_000); // floor 30s
    assert_eq!(kustomization_timeout(600_000, Some(10_000)), 30_000); // raised to 30s
    assert_eq!(kustomization_timeout(600_000, Some(120_000)), 120_000);
    let m = model("kustomizations:\n  - name: x\n");
    assert!(
        !m.objects[ObjectId::new(0)].wait,
        "SPEC R9: wait defaults to false"
    );
    assert_eq!(m.objects[ObjectId::new(0)].interval, 600_000);
    assert_eq!(m.objects[ObjectId::new(0)].retry_interval, 600_000);
}

// SPEC R7: `apps` holds a ClusterIssuer whose CRD is applied by `crds`, which depends on
// `base` (Deployment ready 20s, wait). apps: apply 0.75→1.75s, dry-run fails (CRD absent),
// retry at 61.75s. base Ready 21.75s; crds polls at 30.75s, applies to 31.75s, the CRD is
// established at 32.75s, the stage poll sees it at 33.75s → Ready 33.75s. apps retries at
// 61.75s and is Ready at 62.75s. Its Deployment (same stage as the CR) was not applied by the
// failed attempt: it is applied at 62.75s.
#[test]
fn cr_before_its_crd_fails_the_stage_dry_run_and_retries() {
    let yaml = r"
kustomizations:
  - name: apps
    retryInterval: 1m
    apply: 1s
    resources:
      - {kind: ClusterIssuer, name: letsencrypt, crd: clusterissuers.cert-manager.io}
      - {kind: Deployment, name: web, namespace: default, ready: 5s}
  - name: base
    wait: true
    apply: 1s
    resources:
      - {kind: Deployment, name: base, namespace: default, ready: 20s}
  - name: crds
    dependsOn: [base]
    apply: 1s
    resources:
      - {kind: CustomResourceDefinition, name: clusterissuers.cert-manager.io}
";
    let (m, out) = run(yaml);
    let a = runs_of(&m, &out, "apps");
    assert!(
        matches!(
            a[1].outcome,
            Outcome::ApplyFailed {
                why: FailWhy::CrdNotEstablished { .. }
            }
        ),
        "{:?}",
        a[1].outcome
    );
    assert_eq!(a[1].end_ms, Some(1_750));
    assert_eq!(ready(&m, &out, "base"), Some(21_750));
    assert_eq!(ready(&m, &out, "crds"), Some(33_750));
    assert_eq!(a[2].start_ms, 61_750);
    assert_eq!(ready(&m, &out, "apps"), Some(62_750));
    let web = m.workloads.position(|w| w.name == "web").unwrap();
    assert_eq!(out.trace.workloads[web].applied_ms, Some(62_750));
}

// SPEC R17: same scenario and seed → byte-identical JSON.
#[test]
fn same_seed_gives_identical_json() {
    let yaml = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/example.yaml"
    ))
    .unwrap();
    let m = model(&yaml);
    let a = fluxsim::report::RunReport::new(&m, &fluxsim::runner::run_once(&m, 7, 0)).to_json();
    let b = fluxsim::report::RunReport::new(&m, &fluxsim::runner::run_once(&m, 7, 0)).to_json();
    assert_eq!(a, b);
    let c = fluxsim::report::RunReport::new(&m, &fluxsim::runner::run_once(&m, 8, 0)).to_json();
    assert_ne!(a, c, "a different seed should give different draws");
}

// SPEC R17: changing one object's distribution, or adding an unrelated object, leaves every
// other object's draws unchanged.
#[test]
fn draws_are_keyed_by_object_not_position() {
    let base = "kustomizations:\n  - name: a\n    wait: true\n    resources:\n      - {kind: Deployment, name: a, namespace: default, ready: {lognormal: {median: 30s, p95: 90s}}}\n  - name: b\n    wait: true\n    resources:\n      - {kind: Deployment, name: b, namespace: default, ready: {lognormal: {median: 30s, p95: 90s}}}\n";
    let changed = base.replace(
        "name: b, namespace: default, ready: {lognormal: {median: 30s, p95: 90s}}",
        "name: b, namespace: default, ready: {uniform: {min: 1s, max: 5m}}",
    );
    let added = format!("{base}  - name: aaa-new\n    wait: true\n    resources:\n      - {{kind: Deployment, name: new, namespace: default, ready: 45s}}\n");
    for seed in 0..20 {
        let m0 = model(base);
        let m1 = model(&changed);
        let m2 = model(&added);
        let r0 = fluxsim::flux::simulate(&m0, seed, 0);
        let r1 = fluxsim::flux::simulate(&m1, seed, 0);
        let r2 = fluxsim::flux::simulate(&m2, seed, 0);
        let a = |m: &fluxsim::model::Model, t: &fluxsim::trace::Trace| {
            t.ready_ms[m.find_object("a").unwrap()]
        };
        assert_eq!(
            a(&m0, &r0),
            a(&m1, &r1),
            "seed {seed}: a moved when b changed"
        );
        assert_eq!(
            a(&m0, &r0),
            a(&m2, &r2),
            "seed {seed}: a moved when an object was added"
        );
        let b = |m: &fluxsim::model::Model, t: &fluxsim::trace::Trace| {
            t.ready_ms[m.find_object("b").unwrap()]
        };
        assert_eq!(
            b(&m0, &r0),
            b(&m2, &r2),
            "seed {seed}: b moved when an object was added"
        );
    }
}

// Critical path of the chain, by hand: finalizer 0.75s, apply 3×2s, health 3×10s, polling
// latency (30.75 − 12.75) + (60.75 − 42.75) = 36s; total 72.75s.
#[test]
fn chain_critical_path_by_hand() {
    let (_, out) = run(CHAIN);
    let cp = out.critical_path.unwrap();
    let per = cp.per_category();
    use fluxsim::analysis::Category::*;
    assert_eq!(per[Finalizer.index()], 750);
    assert_eq!(per[Apply.index()], 6_000);
    assert_eq!(per[HealthWait.index()], 30_000);
    assert_eq!(per[DependencyPolling.index()], 36_000);
    assert_eq!(per.iter().sum::<u64>(), 72_750);
    assert_eq!(cp.objects.len(), 3);
}
