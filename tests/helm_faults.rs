//! Issue 4: HelmReleases, faults and stuck bootstraps, against hand-computed times.

mod common;
use common::*;
use fluxsim::model::SourceId;
use fluxsim::trace::Outcome;

fn hr(retries: &str) -> String {
    format!(
        "helmReleases:\n  - name: h\n    timeout: 30s\n    apply: 1s\n    chart: {{fetch: 2s}}\n{retries}    resources:\n      - {{kind: Deployment, name: slow, namespace: default, ready: 100s}}\n  - name: h2\n    dependsOn: [h]\n    resources:\n      - {{kind: Deployment, name: d2, namespace: default, ready: 5s}}\n"
    )
}

// SPEC R11/R12. h: finalizer at 0 → 0.75s: HelmChart requested (ready 0.75 + 0.75 + 2 = 3.5s),
// SourceNotReady; the chart watch runs it at 3.5s; apply 1s → install at 4.5s, Helm wait
// times out at 34.5s → default remediation: Stalled, never retried. h2 stays blocked.
#[test]
fn install_timeout_with_default_remediation_stalls_and_blocks_dependents() {
    let (m, out) = run(&hr(""));
    let r = runs_of(&m, &out, "h");
    let last = r.last().unwrap();
    assert!(
        matches!(last.outcome, Outcome::Stalled { .. }),
        "{:?}",
        last.outcome
    );
    assert_eq!(last.start_ms, 3_500);
    assert_eq!(last.end_ms, Some(34_500));
    assert_eq!(
        r.iter().filter(|x| x.attempt.is_some()).count(),
        1,
        "never retried"
    );
    assert!(out.trace.makespan_ms.is_none());
    let h2 = out
        .stuck
        .iter()
        .find(|s| s.object.ends_with("/h2"))
        .unwrap();
    assert!(
        h2.reason.contains("blocked on dependency HelmRelease/h"),
        "{h2:?}"
    );
    assert!(h2.root_cause.contains("Stalled"), "{h2:?}");
}

// retries: 2 → 3 attempts. Attempt 1 at 3.5s fails at 34.5s; uninstall, Requeue → 750ms·2⁰
// → 35.25s; attempt 2 fails at 66.25s → 750ms·2¹ = 1.5s → 67.75s; attempt 3 fails at 98.75s →
// Stalled.
#[test]
fn retries_two_makes_three_attempts_at_computed_times() {
    let (m, out) = run(&hr(
        "    install:\n      remediation:\n        retries: 2\n",
    ));
    let starts: Vec<(u64, Option<u64>)> = runs_of(&m, &out, "h")
        .iter()
        .filter(|x| x.attempt.is_some())
        .map(|x| (x.start_ms, x.end_ms))
        .collect();
    assert_eq!(
        starts,
        vec![
            (3_500, Some(34_500)),
            (35_250, Some(66_250)),
            (67_750, Some(98_750))
        ]
    );
    let last = runs_of(&m, &out, "h").last().unwrap().outcome;
    assert!(matches!(last, Outcome::Stalled { .. }));
}

// R13: a wait: true parent over a Stalled HelmRelease fails fast. p: apply 0.75→1.75s creates
// h; h: finalizer 1.75, chart at 2.5 + 0.75 + 2 = 5.25s, install 6.25s, Stalled at 36.25s.
// p polls every 5s from 1.75s and sees Failed at 36.75s, long before its 9m30s timeout.
#[test]
fn wait_parent_fails_fast_over_a_stalled_helmrelease() {
    let y = format!("kustomizations:\n  - name: p\n    wait: true\n    apply: 1s\n    resources:\n      - {{kind: HelmRelease, name: h}}\n{}", hr("").replace("  - name: h2\n    dependsOn: [h]\n    resources:\n      - {kind: Deployment, name: d2, namespace: default, ready: 5s}\n", ""));
    let (m, out) = run(&y);
    let p = runs_of(&m, &out, "p");
    let failed = p
        .iter()
        .find(|r| matches!(r.outcome, Outcome::HealthCheckFailed { .. }))
        .unwrap();
    assert_eq!(failed.end_ms, Some(36_750));
}

// R13: over a failing child Kustomization the parent waits its full timeout. Child c has a
// Deployment that never becomes ready (permanent fault); parent p (timeout 2m) applies c at
// 1.75s and times out at 1.75 + 120 = 121.75s.
#[test]
fn wait_parent_waits_full_timeout_over_a_failing_child() {
    let y = "kustomizations:\n  - name: p\n    wait: true\n    timeout: 2m\n    apply: 1s\n    resources:\n      - {kind: Kustomization, name: c}\n  - name: c\n    wait: true\n    timeout: 30s\n    apply: 1s\n    resources:\n      - {kind: DaemonSet, name: broken, namespace: default, ready: 10s}\nfaults:\n  - {type: permanent, workload: broken}\n";
    let (m, out) = run(y);
    let failed = runs_of(&m, &out, "p")
        .into_iter()
        .find(|r| matches!(r.outcome, Outcome::HealthCheckFailed { .. }))
        .unwrap();
    assert_eq!(failed.end_ms, Some(121_750));
}

// R5/R16: a pre-Flux phase of 60s, a Git outage 60s–180s. The source's first fetch at 60.75s
// fails; backoff 1.5, 3, 6, 12, 24, 48, 96s → attempts at 62.25, 65.25, 71.25, 83.25, 107.25,
// 155.25 (all in the outage), 251.25 succeeds; the fetch takes 2s → artifact at 253.25s. The
// watch runs the Kustomization at once: apply 1s → Ready 254.25s.
#[test]
fn git_outage_delays_first_apply_to_computed_time() {
    let y = "bootstrap:\n  - {kind: Deployment, name: flux, namespace: flux-system, ready: 60s}\nsources:\n  - {name: flux-system, fetch: 2s}\nkustomizations:\n  - name: a\n    apply: 1s\nfaults:\n  - {type: outage, target: git, from: 60s, to: 180s}\n";
    let (m, out) = run(y);
    assert_eq!(out.trace.flux_start_ms, 60_000);
    assert_eq!(out.trace.source_ready_ms[SourceId::new(0)], Some(253_250));
    assert_eq!(ready(&m, &out, "a"), Some(254_250));
}

// R16: a kustomize-controller restart at 30s (down 10s) loses a's health wait; a is
// re-enqueued at 40s, applies to 41s, and its Deployment (ready at 61.75s) is seen at the
// 66s poll. Without the restart it is Ready at 61.75s.
#[test]
fn controller_restart_loses_in_flight_work() {
    let base = "kustomizations:\n  - name: a\n    wait: true\n    apply: 1s\n    resources:\n      - {kind: Deployment, name: d, namespace: default, ready: 60s}\n";
    let (m0, o0) = run(base);
    assert_eq!(ready(&m0, &o0, "a"), Some(61_750));
    let (m, out) = run(&format!(
        "{base}faults:\n  - {{type: restart, controller: kustomize, at: 30s, down: 10s}}\n"
    ));
    let r = runs_of(&m, &out, "a");
    assert!(r
        .iter()
        .any(|x| x.outcome == Outcome::Lost && x.end_ms == Some(30_000)));
    assert_eq!(ready(&m, &out, "a"), Some(66_000));
}

// R16: failure probability 1 on the root's workload blocks the whole tree; the report names
// the root.
#[test]
fn certain_failure_on_the_root_blocks_the_tree() {
    let y = include_str!("fixtures/chain.yaml").replace("name: chain", "name: chain\nhorizon: 1h")
        + "faults:\n  - {type: failure, workload: Deployment/default/a, probability: 1}\n";
    let (_, out) = run(&y);
    assert!(out.trace.makespan_ms.is_none());
    assert_eq!(out.stuck.len(), 3);
    for s in &out.stuck {
        assert!(
            s.root_cause.contains("Deployment/default/a")
                && s.root_cause.contains("failure probability 1"),
            "{s:?}"
        );
    }
}

// R16 slowdown: factor 3 over [0, 1m). The Deployment is applied at 1.75s (finalizer 0.75 +
// apply 1s), inside the window, so its 10s readiness becomes 30s: ready at 31.75s, seen by
// the health poll at 1.75 + 6×5 = 31.75s. Without the fault: 11.75s.
#[test]
fn slowdown_window_stretches_readiness() {
    let base = "kustomizations:\n  - name: a\n    wait: true\n    apply: 1s\n    resources:\n      - {kind: Deployment, name: d, namespace: default, ready: 10s}\n";
    let (m0, o0) = run(base);
    assert_eq!(ready(&m0, &o0, "a"), Some(11_750));
    let (m, out) = run(&format!(
        "{base}faults:\n  - {{type: slowdown, factor: 3, from: 0s, to: 1m}}\n"
    ));
    assert_eq!(ready(&m, &out, "a"), Some(31_750));
}

// R16 API-server outage [0, 10s): every reconcile in the window fails and is rate-limited
// (controller-runtime: the per-item failure count is not reset until a success): attempts at
// 0, 0.75, 2.25, 5.25s fail (delays 0.75, 1.5, 3, 6s); at 11.25s the finalizer step runs and
// requeues with the 5th delay, 750ms·2⁴ = 12s → 23.25s; apply 1s → Ready 24.25s.
#[test]
fn api_outage_fails_reconciles_with_backoff() {
    let y = "kustomizations:\n  - name: a\n    apply: 1s\nfaults:\n  - {type: outage, target: apiserver, from: 0s, to: 10s}\n";
    let (m, out) = run(y);
    let starts: Vec<u64> = runs_of(&m, &out, "a").iter().map(|r| r.start_ms).collect();
    assert_eq!(starts, vec![0, 750, 2_250, 5_250, 11_250, 23_250]);
    assert_eq!(ready(&m, &out, "a"), Some(24_250));
}
