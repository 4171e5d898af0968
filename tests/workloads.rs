//! Work-queue order (R2) and what the cluster does after apply (R14, R15), against times
//! worked out by hand.

mod common;
use common::*;
use fluxsim::trace::{FailWhy, Outcome};

// SPEC R2: initial order is namespace/name, not file order. With one worker, `b` (declared
// first) and `a` both take their finalizer step at 0 and are requeued for 0.75s; `a` goes first
// (apply 1s → Ready 1.75s), `b` waits in the queue from 0.75s to 1.75s → Ready 2.75s.
#[test]
fn initial_queue_order_is_namespace_then_name() {
    let y = "controllers:\n  kustomize: {concurrent: 1}\nkustomizations:\n  - name: b\n    apply: 1s\n  - name: a\n    apply: 1s\n";
    let (m, out) = run(y);
    assert_eq!(ready(&m, &out, "a"), Some(1_750));
    assert_eq!(ready(&m, &out, "b"), Some(2_750));
    let b = runs_of(&m, &out, "b");
    assert_eq!(
        (b[1].queued_ms, b[1].start_ms),
        (750, 1_750),
        "b queued at 0.75s, picked at 1.75s"
    );
}

// SPEC R2: one pending entry per object, the earlier ready time wins. With the dependency
// watch, b's poll entry for 30.75s is replaced by the watch's entry at 12.75s, and the stale
// 30.75s entry never runs: b has exactly three runs (finalizer 0, poll 0.75, work 12.75).
#[test]
fn an_earlier_add_replaces_the_pending_entry() {
    let yaml = include_str!("fixtures/chain.yaml").replace(
        "name: chain",
        "name: chain\ncontrollers:\n  kustomize:\n    watchDependencies: true",
    );
    let (m, out) = run(&yaml);
    let starts: Vec<u64> = runs_of(&m, &out, "b").iter().map(|r| r.start_ms).collect();
    assert_eq!(starts, vec![0, 750, 12_750]);
}

// SPEC R14: `app` needs `db` at run time. Both are applied at 1.75s (finalizer 0.75 + apply 1s);
// db is ready 45s later, at 46.75s. app starts at 1.75 and crashes (db not ready), restarts
// after kubelet's 10s and 20s backoffs at 11.75 and 31.75 (both crash), then after 40s at
// 71.75 — db is ready — and is ready 5s later at 76.75s, seen by the 5s health poll
// (1.75 + 15 × 5 = 76.75s).
#[test]
fn needs_crash_loop_with_kubelet_backoff() {
    let y = "kustomizations:\n  - name: db\n    apply: 1s\n    resources:\n      - {kind: Deployment, name: db, namespace: default, ready: 45s}\n  - name: app\n    wait: true\n    apply: 1s\n    resources:\n      - {kind: Deployment, name: app, namespace: default, ready: 5s, needs: [db]}\n";
    let (m, out) = run(y);
    let app = m.workloads.position(|w| w.name == "app").unwrap();
    let w = &out.trace.workloads[app];
    assert_eq!((w.starts, w.crashes, w.ready_ms), (4, 3, Some(76_750)));
    assert_eq!(ready(&m, &out, "app"), Some(76_750));
}

// SPEC R15: a crash-looping StatefulSet is Failed, so a `wait: true` parent fails fast at its
// first poll (1.75s, right after apply); a crash-looping Deployment stays InProgress (its 600s
// progress deadline is later than the 9m30s health timeout), so the parent waits out the
// timeout: 1.75 + 570 = 571.75s.
#[test]
fn statefulset_fails_fast_deployment_stays_in_progress() {
    let body = |kind: &str| {
        format!("kustomizations:\n  - name: db\n    apply: 1s\n    resources:\n      - {{kind: Deployment, name: db, namespace: default, ready: 900s}}\n  - name: app\n    wait: true\n    apply: 1s\n    resources:\n      - {{kind: {kind}, name: app, namespace: default, ready: 5s, needs: [Deployment/default/db]}}\n")
    };
    let (m, out) = run(&body("StatefulSet"));
    let r = runs_of(&m, &out, "app")
        .into_iter()
        .find(|r| r.outcome.is_failure())
        .unwrap()
        .clone();
    assert!(
        matches!(
            r.outcome,
            Outcome::HealthCheckFailed {
                why: FailWhy::WorkloadFailed { .. }
            }
        ),
        "{:?}",
        r.outcome
    );
    assert_eq!(r.end_ms, Some(1_750));
    let (m, out) = run(&body("Deployment"));
    let r = runs_of(&m, &out, "app")
        .into_iter()
        .find(|r| r.outcome.is_failure())
        .unwrap()
        .clone();
    assert!(
        matches!(
            r.outcome,
            Outcome::HealthCheckFailed {
                why: FailWhy::HealthTimeoutWorkload { .. }
            }
        ),
        "{:?}",
        r.outcome
    );
    assert_eq!(r.end_ms, Some(571_750));
}
