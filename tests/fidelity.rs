//! Issue 14: the model's differences from Flux, closed rule by rule, each against times worked
//! out by hand from the SPEC rules (the arithmetic is in the comment above each test).

mod common;
use common::*;
use fluxsim::model::SourceId;
use fluxsim::trace::{Cause, Outcome};

// SPEC R0, R2: a delayed work-queue entry takes its place in the order when its add is made.
// requeueDependency 5s. t=0: finalizers of k00, k01 (name order) → both requeued to 0.75s,
// k00's add first. 0.75s: k00 finds k01 not Ready → DependencyNotReady, requeue to 5.75s (this
// add is made now, before k01 starts); k01 starts, its 5s apply ends at 5.75s (scheduled after
// k00's add). 5.75s: k00's entry comes first: k01 is still reconciling (Ready=Unknown) → requeue
// to 10.75s; then k01 is Ready at 5.75s. 10.75s: k00 applies 4s → Ready at 14.75s.
#[test]
fn r0_a_delayed_entry_is_ordered_by_its_add() {
    let y = "controllers:\n  kustomize:\n    requeueDependency: 5s\nkustomizations:\n  - name: k00\n    dependsOn: [k01]\n    apply: 4s\n  - name: k01\n    apply: 5s\n";
    let (m, out) = run(y);
    assert_eq!(ready(&m, &out, "k01"), Some(5_750));
    let starts: Vec<u64> = runs_of(&m, &out, "k00")
        .iter()
        .map(|r| r.start_ms)
        .collect();
    assert_eq!(starts, vec![0, 750, 5_750, 10_750]);
    assert!(matches!(
        runs_of(&m, &out, "k00")[2].outcome,
        Outcome::DependencyNotReady { .. }
    ));
    assert_eq!(ready(&m, &out, "k00"), Some(14_750));
}

// SPEC R0: the order does not depend on declaration order, only on names (R2) and adds.
#[test]
fn r0_same_answer_whatever_the_declaration_order() {
    let y = "controllers:\n  kustomize:\n    requeueDependency: 5s\nkustomizations:\n  - name: k01\n    apply: 5s\n  - name: k00\n    dependsOn: [k01]\n    apply: 4s\n";
    let (m, out) = run(y);
    assert_eq!(ready(&m, &out, "k00"), Some(14_750));
}

const WATCH: &str = "controllers:\n  kustomize:\n    watchDependencies: true\nkustomizations:\n  - name: a\n    interval: 1m\n  - name: b\n    dependsOn: [a]\n    wait: true\n    timeout: 30s\n    retryInterval: 10m\n    resources:\n      - {kind: DaemonSet, name: b, namespace: default, ready: 45s}\n  - name: z\n    wait: true\n    timeout: 15m\n    resources:\n      - {kind: DaemonSet, name: z, namespace: default, ready: 700s}\n";

// SPEC R3 (watch what-if): only dependents whose Ready condition is False with reason
// DependencyNotReady are enqueued when a dependency turns Ready.
// t=0 finalizers; 0.75s a applies (1s), b finds a reconciling → DependencyNotReady.
// 1.75s a Ready → the watch enqueues b (waiting with DependencyNotReady): apply 1s → 2.75s,
// the DaemonSet is ready at 2.75 + 45 = 47.75s; health polls 2.75 … 27.75s, timeout 30s →
// HealthCheckFailed at 32.75s, retry at 32.75 + 600 = 632.75s. a turns Ready again every ~1m
// (interval ± 5 %): b failed its health check, so the watch leaves it alone. 632.75s: apply 1s,
// first poll at 633.75s sees the DaemonSet Current → Ready at 633.75s (not ~65.9s).
// z (DaemonSet ready at 1.75 + 700 = 701.75s) keeps the run going past b's Ready: a's later
// Ready transitions do not re-run the Ready b.
#[test]
fn r3_watch_enqueues_only_dependents_waiting_on_the_dependency() {
    let (m, out) = run(WATCH);
    let a = m.find_object("a").unwrap();
    // Precondition of the hand computation: a is not mid-reconcile at 632.75s.
    let busy = out.trace.runs_of(a).iter().any(|&r| {
        let r = &out.trace.runs[r];
        r.attempt.is_some() && r.start_ms <= 632_750 && r.end_ms.is_none_or(|e| e > 632_750)
    });
    assert!(!busy, "seed puts a's periodic run over b's retry");
    let b = runs_of(&m, &out, "b");
    assert_eq!(b[2].start_ms, 1_750);
    assert!(matches!(b[2].cause, Cause::DependencyReady { .. }));
    assert_eq!(b[2].end_ms, Some(32_750));
    assert!(matches!(b[2].outcome, Outcome::HealthCheckFailed { .. }));
    assert_eq!(b[3].start_ms, 632_750);
    assert!(matches!(b[3].cause, Cause::Retry { .. }));
    assert_eq!(ready(&m, &out, "b"), Some(633_750));
    assert_eq!(b.len(), 4, "no run of b but the four computed");
    assert_eq!(ready(&m, &out, "z"), Some(701_750));
    // a did turn Ready again in between (the runs the watch ignored).
    let a_ready = runs_of(&m, &out, "a")
        .iter()
        .filter(|r| r.outcome == Outcome::Ready)
        .count();
    assert!(a_ready >= 10, "a Ready {a_ready} times");
}

// SPEC R3 on the helm side (issue 22 point 4). Defaults: apply 2s, chart 2s.
// 0.75s: h1, h2, h3 request their charts (ready at 0.75 + 0.75 + 2 = 3.5s); h2, h3 find h1 not
// Ready → DependencyNotReady. 3.5s: the chart watch runs h1 (install 5.5s, Deployment ready
// 15.5s, Helm wait polls 5.5, 10.5, 15.5 → Ready 15.5s) and h2, h3 (h1 reconciling →
// DependencyNotReady again). 15.5s: the dependency watch enqueues h2 and h3. h2: install 17.5s,
// ready 22.5s. h3: install 17.5s, DaemonSet never ready within its 30s timeout → Stalled at
// 47.5s. h1 turns Ready again about 1m later: h2 (Ready) and h3 (Stalled) are not enqueued.
#[test]
fn r3_helm_watch_skips_ready_and_stalled_dependents() {
    let y = "horizon: 5m\ncontrollers:\n  helm:\n    watchDependencies: true\nhelmReleases:\n  - name: h1\n    interval: 1m\n    resources:\n      - {kind: Deployment, name: d1, namespace: default, ready: 10s}\n  - name: h2\n    dependsOn: [h1]\n    resources:\n      - {kind: Deployment, name: d2, namespace: default, ready: 5s}\n  - name: h3\n    dependsOn: [h1]\n    timeout: 30s\n    resources:\n      - {kind: DaemonSet, name: d3, namespace: default, ready: 10m}\n";
    let (m, out) = run(y);
    assert_eq!(ready(&m, &out, "h1"), Some(15_500));
    assert_eq!(ready(&m, &out, "h2"), Some(22_500));
    let h3 = runs_of(&m, &out, "h3");
    let last = h3.last().unwrap();
    assert!(matches!(last.outcome, Outcome::Stalled { .. }));
    assert_eq!((last.start_ms, last.end_ms), (15_500, Some(47_500)));
    let h1_ready = runs_of(&m, &out, "h1")
        .iter()
        .filter(|r| r.outcome == Outcome::Ready)
        .count();
    assert!(h1_ready >= 2, "h1 turned Ready again");
    for name in ["h2", "h3"] {
        let by_watch = runs_of(&m, &out, name)
            .iter()
            .filter(|r| matches!(r.cause, Cause::DependencyReady { .. }))
            .count();
        assert_eq!(by_watch, 1, "{name}: only the run that ended its wait");
    }
}

fn jitter(canonical: &str, n: u32, d: u64) -> u64 {
    use fluxsim::rng::{name_hash, Purpose, TrialKey};
    let u = TrialKey::new(1, 0)
        .stream(name_hash(canonical), Purpose::Jitter, n)
        .uniform();
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    let v = libm::round(d as f64 * (1.0 + 0.05 * (2.0 * u - 1.0))) as u64;
    v
}

const SLOW_HR: &str = "helmReleases:\n  - name: h\n    timeout: 30s\n    apply: 1s\n    chart: {fetch: 2s}\nINSTALL    resources:\n      - {kind: Deployment, name: slow, namespace: default, ready: 100s}\n";

// SPEC R18 + R12: helm-controller's DefaultToRetryOnFailure makes RetryOnFailure the default.
// h: chart requested at 0.75s (SourceNotReady, jitter draw 0), ready at 3.5s; apply 1s →
// install at 4.5s (Deployment ready at 104.5s); the Helm wait times out at 34.5s → no Stall:
// retry after 5m ± 5 % (jitter draw 1), an upgrade: apply 1s, the Deployment is Current →
// Ready at 34.5 + j1 + 1s. An explicit RemediateOnFailure still stalls at 34.5s.
#[test]
fn r18_default_to_retry_on_failure_retries_instead_of_stalling() {
    let gate = "controllers:\n  helm:\n    featureGates: {DefaultToRetryOnFailure: true, OOMWatch: true}\n";
    let (m, out) = run(&format!("{gate}{}", SLOW_HR.replace("INSTALL", "")));
    let r = runs_of(&m, &out, "h");
    let failed = r
        .iter()
        .find(|x| matches!(x.outcome, Outcome::InstallFailed { .. }))
        .unwrap();
    assert_eq!(failed.end_ms, Some(34_500));
    let j1 = jitter("HelmRelease/flux-system/h", 1, 300_000);
    assert_eq!(ready(&m, &out, "h"), Some(34_500 + j1 + 1_000));
    assert!(!r
        .iter()
        .any(|x| matches!(x.outcome, Outcome::Stalled { .. })));
    // Unknown gates are kept and listed as having no timing effect.
    let notes = fluxsim::model::gate_notes(&m.kustomize, &m.helm);
    assert!(notes.contains(&"helm-controller OOMWatch=true: no timing effect".to_string()));

    let explicit = SLOW_HR.replace(
        "INSTALL",
        "    install: {strategy: {name: RemediateOnFailure}}\n",
    );
    let (m2, out2) = run(&format!("{gate}{explicit}"));
    let last = *runs_of(&m2, &out2, "h").last().unwrap();
    assert!(matches!(last.outcome, Outcome::Stalled { .. }));
    assert_eq!(last.end_ms, Some(34_500));
}

// SPEC R18 + R8: kustomize-controller's DisableFailFastBehavior. p (wait) applies h and a
// Deployment `big` at 1.75s (big ready at 201.75s). h: finalizer 1.75, chart at 2.5 + 0.75 + 2
// = 5.25s, install 6.25s, Stalled at 36.25s. With fail-fast p fails at its 36.75s poll; without,
// it waits until nothing is InProgress: big turns Current at 201.75s, which is a poll time
// (1.75 + 40 × 5), so p fails there.
#[test]
fn r18_disable_fail_fast_waits_until_nothing_is_in_progress() {
    let ks = "kustomizations:\n  - name: p\n    wait: true\n    apply: 1s\n    resources:\n      - {kind: HelmRelease, name: h}\n      - {kind: Deployment, name: big, namespace: default, ready: 200s}\n";
    let hr = SLOW_HR.replace("INSTALL", "");
    let fail_end = |y: &str| {
        let (m, out) = run(y);
        runs_of(&m, &out, "p")
            .iter()
            .find(|r| matches!(r.outcome, Outcome::HealthCheckFailed { .. }))
            .and_then(|r| r.end_ms)
    };
    assert_eq!(fail_end(&format!("{ks}{hr}")), Some(36_750));
    let gate = "controllers:\n  kustomize:\n    featureGates: {DisableFailFastBehavior: true}\n";
    assert_eq!(fail_end(&format!("{gate}{ks}{hr}")), Some(201_750));
}

// SPEC R5: a source object that another Kustomization creates. `maker` (apply 99.25s) applies
// the GitRepository at 0.75 + 99.25 = 100s; its finalizer step ends at 100.75s, the fetch takes
// 60s → artifact at 160.75s. `apps` at 0.75s: the source object does not exist → Ready=False
// ArtifactFailed, retry after its retryInterval 2m → 120.75s: the object exists, no artifact
// → 30s → 150.75s: again → 180.75s; the artifact watch runs it at 160.75s → apply 1s → Ready
// 161.75s.
#[test]
fn r5_missing_source_object_retries_after_retry_interval_and_the_watch_rescues_it() {
    let y = "sources:\n  - {name: flux-system}\n  - {name: apps-repo, fetch: 60s}\nkustomizations:\n  - name: apps\n    sourceRef: {name: apps-repo}\n    retryInterval: 2m\n    apply: 1s\n  - name: maker\n    apply: 99250ms\n    resources:\n      - {kind: GitRepository, name: apps-repo}\n";
    let (m, out) = run(y);
    let r = runs_of(&m, &out, "apps");
    let starts: Vec<u64> = r.iter().map(|x| x.start_ms).collect();
    assert_eq!(starts, vec![0, 750, 120_750, 150_750, 160_750]);
    assert_eq!(r[1].outcome, Outcome::SourceNotFound);
    assert_eq!(r[2].outcome, Outcome::ArtifactNotReady);
    assert_eq!(r[3].outcome, Outcome::ArtifactNotReady);
    assert!(matches!(r[4].cause, Cause::SourceArrived { .. }));
    assert_eq!(out.trace.source_ready_ms[SourceId::new(1)], Some(160_750));
    assert_eq!(ready(&m, &out, "apps"), Some(161_750));
}

// SPEC R5b: `apps` substitutes from ConfigMap cluster-vars, which `config` applies after a 30s
// apply (at 0.75 + 30 = 30.75s); an optional Secret that nothing creates is no error.
// 0.75s apps: build fails (ConfigMap missing) → Ready=False, retry after retryInterval 1m →
// 60.75s: the ConfigMap exists → apply 1s → Ready 61.75s.
#[test]
fn r5b_missing_substitute_from_fails_the_build_until_it_exists() {
    let y = "kustomizations:\n  - name: apps\n    retryInterval: 1m\n    apply: 1s\n    postBuild:\n      substituteFrom:\n        - {kind: ConfigMap, name: cluster-vars}\n        - {kind: Secret, name: maybe, optional: true}\n  - name: config\n    apply: 30s\n    resources:\n      - {kind: ConfigMap, name: cluster-vars}\n";
    let (m, out) = run(y);
    let r = runs_of(&m, &out, "apps");
    assert!(matches!(
        r[1].outcome,
        Outcome::ApplyFailed {
            why: fluxsim::trace::FailWhy::SubstituteMissing { .. }
        }
    ));
    assert_eq!(r[1].end_ms, Some(750));
    assert_eq!(r[2].start_ms, 60_750);
    assert_eq!(ready(&m, &out, "apps"), Some(61_750));
}

// SPEC R5b: nothing ever creates the object, or only the Kustomization itself does → stuck, and
// the stuck report names the missing object.
#[test]
fn r5b_substitute_from_nobody_creates_is_stuck_and_named() {
    let base = "horizon: 10m\nkustomizations:\n  - name: apps\n    postBuild:\n      substituteFrom:\n        - {kind: ConfigMap, name: vars}\n";
    let (_, out) = run(base);
    assert!(out.trace.makespan_ms.is_none());
    let rc = &out.stuck[0].root_cause;
    assert!(
        rc.contains("ConfigMap/flux-system/vars") && rc.contains("nothing creates it"),
        "{rc}"
    );
    let own = format!("{base}    resources:\n      - {{kind: ConfigMap, name: vars}}\n");
    let (_, out) = run(&own);
    let rc = &out.stuck[0].root_cause;
    assert!(
        rc.contains("ConfigMap/flux-system/vars") && rc.contains("only Kustomization/apps itself"),
        "{rc}"
    );
}

const EVENTS: &str = "kustomizations:\n  - name: a\n    apply: 1s\n  - name: b\n    dependsOn: [a]\n    apply: 1s\nfaults:\n  - {type: outage, target: notification, from: 0s, to: 60s MODE}\n";

// SPEC R19, connections refused: each event holds its worker 15s and the requeue counts from
// the end. Finalizer runs post no event. a: apply 0.75 → 1.75s, success event held → Ready at
// 16.75s. b at 0.75s: DependencyNotReady event held to 15.75s → poll at 45.75s: apply → 46.75s,
// still inside the window → Ready at 61.75s (31.75s without the fault). On the critical path
// 2 × 15s are event recording.
#[test]
fn r19_unreachable_notification_controller_holds_workers_refused() {
    let (m, out) = run(&EVENTS.replace(" MODE", ""));
    assert_eq!(ready(&m, &out, "a"), Some(16_750));
    let b = runs_of(&m, &out, "b");
    assert_eq!((b[1].event_ms, b[1].end_ms), (Some(750), Some(15_750)));
    assert_eq!(b[2].start_ms, 45_750);
    assert_eq!(ready(&m, &out, "b"), Some(61_750));
    let per = out.critical_path.unwrap().per_category();
    use fluxsim::analysis::Category;
    assert_eq!(per[Category::EventWait.index()], 30_000);
    assert_eq!(per.iter().sum::<u64>(), 61_750);
    let (m0, out0) = run(EVENTS.split("faults:").next().unwrap());
    assert_eq!(ready(&m0, &out0, "b"), Some(31_750));
}

// SPEC R19, connections hang: 45s per event. a Ready at 1.75 + 45 = 46.75s; b's
// DependencyNotReady event holds it to 45.75s → poll at 75.75s, after the window → Ready 76.75s.
#[test]
fn r19_hanging_connections_hold_45s() {
    let (m, out) = run(&EVENTS.replace(" MODE", ", mode: hang"));
    assert_eq!(ready(&m, &out, "a"), Some(46_750));
    assert_eq!(ready(&m, &out, "b"), Some(76_750));
}

// SPEC R19, bootstrap option: notification-controller is applied by `flux` at 1.75s and ready
// 20s later (21.75s). flux's own success event at 1.75s is held 15s → Ready 16.75s; a (apply
// 25s) ends at 25.75s, when notification-controller is Ready → no hold.
#[test]
fn r19_unreachable_until_its_own_workload_is_ready() {
    let y = "controllers:\n  notification: {workload: notification-controller}\nkustomizations:\n  - name: a\n    apply: 25s\n  - name: flux\n    apply: 1s\n    resources:\n      - {kind: Deployment, name: notification-controller, namespace: flux-system, ready: 20s}\n";
    let (m, out) = run(y);
    assert_eq!(ready(&m, &out, "flux"), Some(16_750));
    assert_eq!(ready(&m, &out, "a"), Some(25_750));
}

// SPEC R2, R0: an add while the object runs gives one follow-up run that keeps the time of that
// add. k's source fetches its artifact at 0.75 + 5 = 5.75s. k at 0.75s: no artifact → its
// event is held 15s (notification outage) to 15.75s; the artifact watch adds k at 5.75s while
// it runs. At 15.75s the follow-up (ready since 5.75s) runs at once, before the run's own 30s
// requeue: apply 1s → 16.75s, success event held → Ready 31.75s.
#[test]
fn r2_follow_up_keeps_the_time_of_its_add() {
    let y = "sources:\n  - {name: flux-system, fetch: 5s}\nkustomizations:\n  - name: k\n    apply: 1s\nfaults:\n  - {type: outage, target: notification, from: 0s, to: 60s}\n";
    let (m, out) = run(y);
    let r = runs_of(&m, &out, "k");
    assert_eq!(r[1].outcome, Outcome::ArtifactNotReady);
    assert_eq!(r[1].end_ms, Some(15_750));
    assert!(matches!(r[2].cause, Cause::SourceArrived { .. }));
    assert_eq!((r[2].queued_ms, r[2].start_ms), (5_750, 15_750));
    assert_eq!(ready(&m, &out, "k"), Some(31_750));
    assert_eq!(r.len(), 3);
}
