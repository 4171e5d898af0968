//! `fluxsim advise` on planted scenarios: each kind of suggestion is found, measured against
//! hand-computed effects, and an edge whose removal breaks a `needs` is never called safe.

use fluxsim::advise::{advise, Advice, AdviseConfig, Kind, Only};
use fluxsim::model::TiSlice;
use fluxsim::scenario::parse;

fn run(yaml: &str, only: Only) -> Advice {
    let sc = parse(yaml, "planted.yaml").unwrap();
    let cfg = AdviseConfig {
        seed: 1,
        trials: 100,
        screen_trials: 50,
        threads: 1,
        max_suggestions: 10,
        only,
    };
    advise(&sc, &cfg, &|_| {}).unwrap()
}

fn find<'a>(a: &'a Advice, kind: Kind, flag: &str) -> &'a fluxsim::advise::Suggestion {
    a.suggestions
        .iter()
        .find(|s| s.candidate.kind == kind && s.candidate.flags.iter().any(|f| f.contains(flag)))
        .unwrap_or_else(|| panic!("no {kind:?} suggestion with {flag}: {:#?}", a.suggestions))
}

// SPEC R1, R8: with one worker, a leaf with `wait` holds it through its 100s health wait.
// By hand: a-leaf runs at 0.75s, applies 1s, waits 100s → Ready 101.75s; b waits for the
// worker and is Ready at 102.75s. With wait: false a-leaf is Ready at 1.75s and b at 2.75s:
// exactly 100s faster in every trial.
#[test]
fn leaf_wait_holding_the_only_worker() {
    let yaml = "
controllers: {kustomize: {concurrent: 1}}
kustomizations:
  - name: a-leaf
    wait: true
    resources: [{kind: Deployment, name: slow, namespace: x, ready: 100s}]
  - name: b
";
    let a = run(yaml, Only::Settings);
    let s = find(&a, Kind::LeafWait, "a-leaf.wait=false");
    assert_eq!(s.effect.p50.a, Some(102_750));
    assert_eq!(s.effect.p50.change_ms, Some(-100_000));
    assert_eq!(s.effect.b_faster_share, 1.0);
    assert!(s.warning.is_none());
    assert!(a.suggestions.iter().all(|s| !s.candidate.kind.is_edge()));
}

// SPEC R3: the chain a ← b ← c (docs/model.md) goes from 72.75s to 42.75s with a 5s
// dependency requeue; `c → a` is implied by `c → b → a`, so it is redundant.
#[test]
fn requeue_setting_and_redundant_edge() {
    let yaml = include_str!("../scenarios/chain.yaml")
        .replace("    dependsOn: [b]", "    dependsOn: [b, a]");
    let a = run(&yaml, Only::All);
    let s = find(&a, Kind::Setting, "requeue_dependency=5s");
    assert_eq!(s.effect.p50.change_ms, Some(-30_000));
    let r = find(
        &a,
        Kind::RedundantEdge,
        "--remove-dep Kustomization/flux-system/c=Kustomization/flux-system/a",
    );
    assert!(r.candidate.structurally_safe && r.warning.is_none());
    // Removing it changes nothing: c's poll already waits for b, which comes after a.
    assert_eq!(r.effect.p50.change_ms, Some(0));
}

// SPEC R14: app's Deployment needs db's. Removing `app → db` looks faster on the critical
// path but leaves the need unordered: it must carry a warning and never be called safe.
// Without the edge, app crash-loops instead (the missing-edge case below).
#[test]
fn removing_an_edge_that_breaks_a_need_is_not_safe() {
    let yaml = "
kustomizations:
  - name: db
    wait: true
    resources: [{kind: StatefulSet, name: db, namespace: data, ready: 40s}]
  - name: app
    wait: true
    dependsOn: [db]
    resources: [{kind: Deployment, name: app, namespace: web, ready: 5s, needs: [db]}]
";
    // Screened as a critical edge (both objects on the critical path), it is unsafe.
    let m = fluxsim::model::build(&parse(yaml, "planted.yaml").unwrap()).unwrap();
    let cands = fluxsim::advise::candidates::candidates(&m, TiSlice::from_ref(&[1.0, 1.0]));
    let c = cands
        .iter()
        .find(|c| {
            c.flags == ["--remove-dep Kustomization/flux-system/app=Kustomization/flux-system/db"]
        })
        .expect("the edge is a candidate");
    assert!(!c.structurally_safe);
    assert!(
        c.why
            .contains("UNSAFE: Deployment/web/app requires StatefulSet/data/db"),
        "{}",
        c.why
    );
    // Measured, it carries a warning and ranks after every change without one.
    let a = run(yaml, Only::Edges);
    for s in &a.suggestions {
        if s.candidate.flags == c.flags {
            assert!(s.warning.is_some(), "{s:#?}");
        }
    }
    if let Some(i) = a.suggestions.iter().position(|s| s.warning.is_some()) {
        assert!(a.suggestions[i..].iter().all(|s| s.warning.is_some()));
    }
}

#[test]
fn a_need_that_nothing_orders_gets_a_missing_edge() {
    let yaml = "
kustomizations:
  - name: db
    wait: true
    resources: [{kind: StatefulSet, name: db, namespace: data, ready: 40s}]
  - name: app
    wait: true
    resources: [{kind: Deployment, name: app, namespace: web, ready: 5s, needs: [db]}]
";
    let a = run(yaml, Only::Edges);
    let s = find(
        &a,
        Kind::MissingEdge,
        "--add-dep Kustomization/flux-system/app=Kustomization/flux-system/db",
    );
    assert!(
        s.candidate
            .why
            .contains("crash-loops until StatefulSet/data/db"),
        "{}",
        s.candidate.why
    );
    assert!(s.candidate.change.contains("- name: db"));
}

// Seed 002's document adds `proxmox-csi → proxmox-ccm` because the CSI driver needs the cloud
// controller manager: advise finds that missing edge from the `needs` alone in "before".
#[test]
fn seed_002_before_gets_the_documents_missing_edge() {
    let yaml = include_str!("../scenarios/002-matherlynet-before.yaml");
    let a = run(yaml, Only::Edges);
    let s = find(
        &a,
        Kind::MissingEdge,
        "proxmox-csi=Kustomization/flux-system/proxmox-ccm",
    );
    assert!(s.candidate.structurally_safe);
    let after = include_str!("../scenarios/002-matherlynet-after.yaml");
    assert!(
        after.contains("proxmox-ccm"),
        "the after scenario has the fix"
    );
}

/// Same scenario and seed: byte-identical advice on any thread count.
#[test]
fn advice_is_identical_on_any_thread_count() {
    let sc = parse(include_str!("../scenarios/example.yaml"), "example.yaml").unwrap();
    let json = |threads| {
        let cfg = AdviseConfig {
            seed: 3,
            trials: 150,
            screen_trials: 60,
            threads,
            max_suggestions: 5,
            only: Only::All,
        };
        fluxsim::report::advise::to_json(&advise(&sc, &cfg, &|_| {}).unwrap())
    };
    assert_eq!(json(1), json(2));
}
