//! Issue 22: HelmRelease fidelity (SPEC R11, R12), against times worked out by hand.

mod common;
use common::*;
use fluxsim::rng::{name_hash, Purpose, TrialKey};
use fluxsim::trace::{Cause, FailWhy, Outcome};

/// The n-th ± 5 % jitter of `d` for an object, drawn as the model draws it (SPEC R17: keyed by
/// seed 1, trial 0, the object's canonical name, purpose and draw number).
fn jitter(canonical: &str, n: u32, d: u64) -> u64 {
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

// SPEC R11: SourceNotReady requeues after helm-controller's --requeue-dependency ± 5 % (here
// 5s), not a fixed 30s. t=0 finalizer; 0.75s the HelmChart is requested (ready at 0.75 + 0.75
// + 12 = 13.5s): SourceNotReady, polls at t1 = 0.75 + j0 and t2 = t1 + j1 (each 5s ± 5 %, so
// t2 ≤ 11.25s and the third poll would come after 15s); the HelmChart watch runs the install
// at 13.5s: apply 2s → 15.5s, Deployment ready 5s later → Ready 20.5s. With the old fixed 30s
// the first poll would have come after 29.25s.
#[test]
fn r11_source_not_ready_polls_at_requeue_dependency() {
    let y = "controllers:\n  helm:\n    requeueDependency: 5s\nhelmReleases:\n  - name: h\n    chart: {fetch: 12s}\n    resources:\n      - {kind: Deployment, name: d, namespace: default, ready: 5s}\n";
    let (m, out) = run(y);
    let c = "HelmRelease/flux-system/h";
    let t1 = 750 + jitter(c, 0, 5_000);
    let t2 = t1 + jitter(c, 1, 5_000);
    assert!((5_500..=6_000).contains(&t1) && t2 <= 11_250);
    let r = runs_of(&m, &out, "h");
    let starts: Vec<u64> = r.iter().map(|x| x.start_ms).collect();
    assert_eq!(starts, vec![0, 750, t1, t2, 13_500]);
    assert!(r[1..4].iter().all(|x| x.outcome == Outcome::ChartNotReady));
    assert_eq!(r[4].cause, Cause::ChartReady);
    assert_eq!(ready(&m, &out, "h"), Some(20_500));
}

fn webhook_case(retries: u32) -> String {
    format!("horizon: 10m\nhelmReleases:\n  - name: app\n    install: {{remediation: {{retries: {retries}}}}}\n    resources:\n      - {{kind: Deployment, name: app, namespace: default, ready: 5s}}\n      - {{kind: Certificate, name: app-cert, namespace: default, webhook: hook}}\n  - name: wh\n    resources:\n      - {{kind: Deployment, name: hook, namespace: default, ready: 40s}}\n")
}

// SPEC R12: a create rejected by a webhook that is not ready fails the install *after* the
// release is stored. Defaults: apply 2s, chart 2s. Both charts are ready at 3.5s; app and wh
// start at 3.5s (name order) and both reach the install at 5.5s, app first: its Certificate is
// rejected (wh's webhook Deployment is applied at 5.5s and ready at 45.5s). With retries 0:
// Stalled at 5.5s on the first attempt, never retried; the Deployment that was not rejected
// stays created (ready at 10.5s). The stuck report names the webhook as the root cause.
#[test]
fn r12_webhook_rejection_with_default_remediation_stalls() {
    let (m, out) = run(&webhook_case(0));
    let r = runs_of(&m, &out, "app");
    let work: Vec<_> = r.iter().filter(|x| x.attempt.is_some()).collect();
    assert_eq!(work.len(), 1);
    assert_eq!((work[0].start_ms, work[0].end_ms), (3_500, Some(5_500)));
    assert!(matches!(
        work[0].outcome,
        Outcome::Stalled {
            why: FailWhy::WebhookNotReady { .. }
        }
    ));
    assert_eq!(ready(&m, &out, "wh"), Some(45_500));
    let d = m.workloads.position(|w| w.name == "app").unwrap();
    assert_eq!(out.trace.workloads[d].ready_ms, Some(10_500));
    let s = out
        .stuck
        .iter()
        .find(|s| s.object.ends_with("/app"))
        .unwrap();
    assert!(
        s.root_cause
            .contains("rejected by webhook Deployment/default/hook (not ready)"),
        "{s:?}"
    );
}

// SPEC R12 with retries: each failure uninstalls and requeues rate-limited (750ms·2ⁿ, n not
// reset between attempts); each attempt applies 2s. Failures at 5.5s (→ +0.75 = 6.25),
// 8.25 (→ +1.5 = 9.75), 11.75 (→ +3 = 14.75), 16.75 (→ +6 = 22.75), 24.75 (→ +12 = 36.75),
// 38.75 (→ +24 = 62.75); the 7th attempt installs at 64.75s, after the webhook is ready
// (45.5s): app's Deployment (uninstalled each time) is ready at 69.75s → Ready 69.75s. That
// needs retries ≥ 6; with retries 5 the 6th failure (38.75s) exhausts them → Stalled.
#[test]
fn r12_webhook_rejection_with_retries_reinstalls_until_the_webhook_is_ready() {
    let (m, out) = run(&webhook_case(6));
    let ends: Vec<(u64, Option<u64>)> = runs_of(&m, &out, "app")
        .iter()
        .filter(|x| x.attempt.is_some())
        .map(|x| (x.start_ms, x.end_ms))
        .collect();
    assert_eq!(
        ends,
        vec![
            (3_500, Some(5_500)),
            (6_250, Some(8_250)),
            (9_750, Some(11_750)),
            (14_750, Some(16_750)),
            (22_750, Some(24_750)),
            (36_750, Some(38_750)),
            (62_750, Some(69_750)),
        ]
    );
    assert_eq!(ready(&m, &out, "app"), Some(69_750));

    let (m5, out5) = run(&webhook_case(5));
    let last = runs_of(&m5, &out5, "app").last().unwrap().outcome;
    assert!(matches!(last, Outcome::Stalled { .. }), "{last:?}");
    assert_eq!(
        runs_of(&m5, &out5, "app").last().unwrap().end_ms,
        Some(38_750)
    );
}

// SPEC R12: a missing CRD is a failure before the release is stored: exponential backoff, no
// Stall even with retries 0. crdhr applies its chart CRD at 5.5s (established 20s later, at
// 25.5s). cr (name order first) fails its build at 5.5s (+0.75), 8.25 (+1.5), 11.75 (+3),
// 16.75 (+6), 24.75 (+12 → 36.75s); at 38.75s the CRD is established → Ready 38.75s.
#[test]
fn r12_missing_crd_backs_off_before_the_release_is_stored() {
    let y = "helmReleases:\n  - name: cr\n    resources:\n      - {kind: Foo, name: foo, namespace: default, crd: foos.example.com}\n  - name: crdhr\n    resources:\n      - {kind: CustomResourceDefinition, name: foos.example.com, ready: 20s}\n";
    let (m, out) = run(y);
    let r = runs_of(&m, &out, "cr");
    let fails: Vec<u64> = r
        .iter()
        .filter(|x| matches!(x.outcome, Outcome::InstallFailedBeforeRelease { .. }))
        .map(|x| x.end_ms.unwrap())
        .collect();
    assert_eq!(fails, vec![5_500, 8_250, 11_750, 16_750, 24_750]);
    assert_eq!(ready(&m, &out, "crdhr"), Some(25_500));
    assert_eq!(ready(&m, &out, "cr"), Some(38_750));
}

fn last_failure_case(remediate: bool) -> String {
    format!("horizon: 5m\nkustomizations:\n  - name: web\n    apply: 1s\n    resources:\n      - {{kind: Deployment, name: web, namespace: default, ready: 1s, needs: [db]}}\nhelmReleases:\n  - name: base\n    timeout: 30s\n    install: {{remediation: {{remediateLastFailure: {remediate}}}}}\n    resources:\n      - {{kind: Deployment, name: db, namespace: default, ready: 10s}}\n      - {{kind: DaemonSet, name: bad, namespace: default, ready: 10m}}\n")
}

// SPEC R12 remediateLastFailure: base's chart is ready at 3.5s, install at 5.5s (db ready at
// 15.5s), the Helm wait times out at 35.5s; retries 0 are exhausted. web is applied at 1.75s
// and crash-loops on db (crashes at 1.75 and 11.75s, backoff 10s, 20s), starts at 31.75s and
// is ready at 32.75s. With remediateLastFailure the failed release is uninstalled at 35.5s
// before the Stall: db goes away and web crash-loops again (3rd crash at 35.5s → 40s → 75.5s,
// 4th → 80s → 155.5s, 5th; the next restart at 315.5s is past the 5m horizon): 5 crashes, not
// ready at the end. Without it db stays and web stays ready with 2 crashes.
#[test]
fn r12_remediate_last_failure_uninstalls_before_stalling() {
    let (m, out) = run(&last_failure_case(true));
    let wl = |m: &fluxsim::model::Model, n: &str| m.workloads.position(|w| w.name == n).unwrap();
    let last = *runs_of(&m, &out, "base").last().unwrap();
    assert!(matches!(last.outcome, Outcome::Stalled { .. }));
    assert_eq!(last.end_ms, Some(35_500));
    let db = &out.trace.workloads[wl(&m, "db")];
    assert_eq!(db.applied_ms, None, "uninstalled");
    let web = &out.trace.workloads[wl(&m, "web")];
    assert_eq!(web.ready_ms, Some(32_750));
    assert!(!web.ready);
    assert_eq!(web.crashes, 5);
    assert_eq!(web.crashloop_need, Some(wl(&m, "db")));

    let (m0, out0) = run(&last_failure_case(false));
    let web0 = &out0.trace.workloads[wl(&m0, "web")];
    assert!(web0.ready);
    assert_eq!(web0.crashes, 2);
    assert_eq!(out0.trace.workloads[wl(&m0, "db")].ready_ms, Some(15_500));
}

// Issue 14 point 7 (SPEC R11, R16, reference §4): an outage of the chart repository [0, 30s).
// h's HelmChart is requested at 0.75s; after its finalizer step (0.75s) its fetches at 1.5, 3,
// 6, 12, 24s fail and back off 1.5, 3, 6, 12, 24s (750ms·2ⁿ, n not reset); the fetch at 48s
// succeeds and takes 2s → chart ready at 50s. Meanwhile h polls SourceNotReady at
// t1 = 0.75 + j0 (30s ± 5 %); the chart watch runs the install at 50s: apply 2s → 52s,
// Deployment ready 5s → Ready 57s. Without the outage: chart at 3.5s, Ready 10.5s. An outage
// of another repository changes nothing.
#[test]
fn chart_repository_outage_backs_off_then_recovers() {
    let hr = "helmReleases:\n  - name: h\n    chart: {repository: bitnami}\n    resources:\n      - {kind: Deployment, name: d, namespace: default, ready: 5s}\n";
    let fault = |repo: &str| {
        format!("{hr}  - name: other\n    chart: {{repository: other}}\nfaults:\n  - {{type: outage, target: chart, source: {repo}, from: 0s, to: 30s}}\n")
    };
    let (m, out) = run(&fault("bitnami"));
    let t1 = 750 + jitter("HelmRelease/flux-system/h", 0, 30_000);
    let starts: Vec<u64> = runs_of(&m, &out, "h").iter().map(|r| r.start_ms).collect();
    assert_eq!(starts, vec![0, 750, t1, 50_000]);
    assert_eq!(ready(&m, &out, "h"), Some(57_000));
    let (m0, out0) = run(&fault("other"));
    assert_eq!(ready(&m0, &out0, "h"), Some(10_500));
}

// SPEC R5 on the helm side: a chartRef source object that does not exist yet is an error →
// exponential backoff. h (name order before maker): finalizer at 0 (→ 0.75s, n = 1); 0.75s:
// the OCIRepository does not exist → backoff 1.5s → 2.25s, then 3s → 5.25s, then 6s → 11.25s.
// maker applies it at 0.75 + 10 = 10.75s; after its finalizer step (11.5s) the fetch takes 3s →
// artifact at 14.5s. 11.25s: the object exists, no artifact → SourceNotReady (30s ± 5 %); the
// source watch runs h at 14.5s: apply 2s → 16.5s, Deployment ready 5s → Ready 21.5s.
#[test]
fn r5_missing_chart_ref_source_backs_off_exponentially() {
    let y = "sources:\n  - {name: flux-system}\n  - {name: podinfo, kind: OCIRepository, fetch: 3s}\nkustomizations:\n  - name: maker\n    apply: 10s\n    resources:\n      - {kind: OCIRepository, name: podinfo}\nhelmReleases:\n  - name: h\n    chartRef: {kind: OCIRepository, name: podinfo}\n    resources:\n      - {kind: Deployment, name: d, namespace: default, ready: 5s}\n";
    let (m, out) = run(y);
    let r = runs_of(&m, &out, "h");
    let starts: Vec<u64> = r.iter().map(|x| x.start_ms).collect();
    assert_eq!(starts, vec![0, 750, 2_250, 5_250, 11_250, 14_500]);
    assert!(r[1..4].iter().all(|x| x.outcome == Outcome::SourceNotFound));
    assert_eq!(r[4].outcome, Outcome::ChartNotReady);
    assert!(matches!(r[5].cause, Cause::SourceArrived { .. }));
    assert_eq!(ready(&m, &out, "h"), Some(21_500));
}
