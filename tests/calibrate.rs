//! `fluxsim calibrate` on hand-written dumps in the documented formats (flux-observability.md):
//! every expected number below is worked out by hand from the fixture's timestamps.

use fluxsim::calibrate::{self, load::FileKind, load::Input, timeline};
use fluxsim::dist::Dist;
use fluxsim::model::{build, Model};
use fluxsim::scenario::{parse, Scenario};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/calibrate/");

fn scenario() -> (Scenario, Model) {
    let text = std::fs::read_to_string(format!("{DIR}scenario.yaml")).unwrap();
    let sc = parse(&text, "scenario.yaml").unwrap();
    let m = build(&sc).unwrap();
    (sc, m)
}

fn read(files: &[&str]) -> Input {
    let mut input = Input::default();
    for f in files {
        let text = std::fs::read_to_string(format!("{DIR}{f}")).unwrap();
        calibrate::load::read(&mut input, f, &text).unwrap_or_else(|e| panic!("{e}"));
    }
    input
}

fn obj<'a>(i: &'a Input, name: &str) -> &'a calibrate::load::ObjRec {
    i.objects.iter().find(|o| o.name == name).unwrap()
}

#[test]
fn kustomization_that_failed_its_health_check_twice() {
    let i = read(&["flux.json"]);
    let infra = obj(&i, "infra");
    // history: the succeeded entry (one reconciliation) holds the bootstrap run: 2m3.5s, of
    // which the health wait (Healthy message, same second as lastReconciled) is 2m0.25s.
    assert_eq!(infra.run_ms, Some(123_500));
    assert_eq!(infra.health_ms, Some(120_250));
    // The HealthCheckFailed entry counts two runs.
    assert_eq!(infra.health_failures, 2);
    // firstReconciled 10:12:05 − created 10:00:00 = 12m5s.
    assert_eq!(infra.first_ready.unwrap() - infra.created, 725_000);
    // The root's bootstrap duration was overwritten by two later runs: not used, and said so.
    let root = obj(&i, "flux-system");
    assert_eq!(root.run_ms, None);
    assert!(
        root.notes[0].contains("overwritten by 2 later runs"),
        "{:?}",
        root.notes
    );
}

#[test]
fn helm_releases_installed_and_stalled() {
    let i = read(&["flux.json"]);
    let p = obj(&i, "podinfo");
    assert_eq!(p.install_ms, Some(33_500));
    // Released 10:12:40 − firstDeployed 10:12:09 = 31s of the 33.5s action.
    assert_eq!(p.first_ready.unwrap() - p.first_deployed.unwrap(), 31_000);
    let k = obj(&i, "kube-prometheus-stack");
    assert_eq!(k.stalled.as_deref(), Some("RetriesExceeded"));
    assert_eq!(
        (k.install_failures, k.install_ms, k.first_ready),
        (3, Some(300_100), None)
    );
}

#[test]
fn readiness_from_pods_and_jobs() {
    let (_, m) = scenario();
    let c = calibrate::calibrate(&m, &read(&["workloads.json"]));
    let get = |k: &str| {
        c.workloads
            .iter()
            .find(|w| w.key == k)
            .unwrap_or_else(|| panic!("{k}: {:?}", c.workloads))
    };
    // podinfo: no restart, so created 10:12:10 → Ready 10:12:22 = 12s (not from startedAt).
    assert_eq!(get("Deployment/podinfo/podinfo").samples, vec![12_000]);
    // grafana crash-looped 3 times: last start 10:01:40 → Ready 10:01:52 = 12s (SPEC R14:
    // readiness counts from the start that succeeded).
    let g = get("Deployment/monitoring/grafana");
    assert_eq!((g.samples.clone(), g.restarts), (vec![12_000], 3));
    // Job: 10:00:00 → completed 10:00:45 = 45s, one failed pod.
    let j = get("Job/default/migrate");
    assert_eq!((j.samples.clone(), j.restarts), (vec![45_000], 1));
    // One sample: median observed, p95 assumed at 2 × median.
    assert_eq!(g.fit.yaml(), "{lognormal: {median: 12s, p95: 24s}}");
    assert!(g.fit.assumed_spread);
    // prometheus-0 never became Ready: no sample, said so; cert-manager is not in the scenario.
    assert!(
        c.notes
            .iter()
            .any(|n| n.contains("StatefulSet/monitoring/prometheus") && n.contains("5 restarts")),
        "{:?}",
        c.notes
    );
    assert_eq!(
        c.unmatched,
        vec!["Deployment/cert-manager/cert-manager".to_string()]
    );
}

#[test]
fn apply_times_from_status_then_from_the_log() {
    let (_, m) = scenario();
    let c = calibrate::calibrate(&m, &read(&["flux.json"]));
    let infra = c
        .objects
        .iter()
        .find(|o| o.key == "Kustomization/flux-system/infra")
        .unwrap();
    // Status: 2m3.5s run − 2m0.25s health wait = 3.25s.
    assert_eq!(infra.samples, vec![3_250]);
    let hr = c
        .objects
        .iter()
        .find(|o| o.key == "HelmRelease/podinfo/podinfo")
        .unwrap();
    // 33.5s action − 31s from firstDeployed to Released = 2.5s (±1s: whole-second stamps).
    assert_eq!(
        (hr.samples.clone(), hr.install_ms.clone()),
        (vec![2_500], vec![33_500])
    );
    let i = read(&["flux.json", "kustomize-controller.log"]);
    assert_eq!(
        i.kinds[1],
        FileKind::Log {
            controller: "kustomize-controller".into(),
            lines: 3,
            skipped: 1
        }
    );
    let c = calibrate::calibrate(&m, &i);
    let infra = c
        .objects
        .iter()
        .find(|o| o.key == "Kustomization/flux-system/infra")
        .unwrap();
    // Log: All dependencies are ready 10:10:01.500 → server-side apply completed 10:10:04.250.
    assert_eq!(infra.samples, vec![2_750]);
}

#[test]
fn observed_timeline_with_event_precision() {
    let (_, m) = scenario();
    let i = read(&["flux.json", "events.json"]);
    let b = &timeline::observed(&m, &i)[0];
    // Start: the earliest Kustomization, flux-system, created 09:59:58.
    assert_eq!(b.root, "Kustomization/flux-system/flux-system");
    let at = |k: &str| b.objects.iter().find(|o| o.key.ends_with(k)).unwrap();
    assert_eq!(at("/flux-system").ready_ms, Some(2_000));
    // infra: 10:12:05 from history, refined by the success event's name (…c1f15 = 10:12:05.123456789).
    assert_eq!(
        (at("/infra").ready_ms, at("/infra").precise),
        (Some(727_123), true)
    );
    assert_eq!(at("/podinfo").ready_ms, Some(762_000));
    // The stalled release never became Ready: no observed makespan.
    assert_eq!(at("/kube-prometheus-stack").ready_ms, None);
    assert_eq!(b.makespan_ms, None);
    // The DependencyNotReady event: first poll from the name (10:00:01.25), 12 polls.
    let e = i
        .events
        .iter()
        .find(|e| e.reason == "DependencyNotReady")
        .unwrap();
    assert_eq!(
        (e.first - i.objects[1].created, e.count, e.first_exact),
        (1_250, 12, true)
    );
}

#[test]
fn controllers_flags_and_the_written_scenario() {
    let (sc, m) = scenario();
    let i = read(&[
        "flux.json",
        "workloads.json",
        "controllers.json",
        "kustomize-controller.log",
    ]);
    let c = calibrate::calibrate(&m, &i);
    let k = c.kustomize.as_ref().unwrap();
    assert_eq!(
        (
            k.version.as_str(),
            k.concurrent,
            k.requeue_dependency.as_deref()
        ),
        ("v1.6.1", Some(10), Some("5s"))
    );
    assert_eq!(
        k.feature_gates.get("DisableStatusPollerCache"),
        Some(&false)
    );
    assert_eq!(c.helm.as_ref().unwrap().concurrent, None);
    let (text, skipped) = calibrate::write::calibrated(&sc, &m, &c, "fixtures");
    let cm =
        build(&parse(&text, "calibrated.yaml").unwrap_or_else(|e| panic!("{e}\n{text}"))).unwrap();
    assert_eq!(cm.kustomize.concurrent, 10);
    assert_eq!(cm.kustomize.requeue_dependency, 5_000);
    let w = |k: &str| {
        cm.workloads
            .iter()
            .find(|w| w.canonical == k)
            .unwrap()
            .ready
            .clone()
    };
    assert!(matches!(
        w("Deployment/podinfo/podinfo"),
        Some(Dist::LogNormal {
            median: 12_000,
            p95: 24_000,
            ..
        })
    ));
    assert_eq!(
        w("Job/default/migrate"),
        Some(Dist::LogNormal {
            median: 45_000,
            p95: 90_000,
            mu: libm::log(45_000.0),
            sigma: libm::log(2.0) / 1.644_853_626_951_472_2
        })
    );
    // The prometheus guess stays a guess (no sample); the stalled release's apply is not written.
    assert!(
        text.contains("name: prometheus, ready: 30s, guessed: true"),
        "{text}"
    );
    assert!(
        text.contains("observed: {samples: 1, source: workloads.json}"),
        "{text}"
    );
    assert!(
        text.contains("apply: {lognormal: {median: 2.75s, p95: 5.5s}}"),
        "{text}"
    );
    assert!(
        skipped
            .iter()
            .any(|s| s.starts_with("HelmRelease/podinfo/podinfo")),
        "{skipped:?}"
    );
    // The versions say which records exist: no history before KC v1.7, no action duration
    // before HC v1.4.
    assert!(
        c.notes.iter().any(|n| n.contains("older than v1.7")),
        "{:?}",
        c.notes
    );
    assert!(
        c.notes.iter().any(|n| n.contains("older than v1.4")),
        "{:?}",
        c.notes
    );
    // What each missing input would have added: here only the events.
    assert_eq!(c.missing.len(), 1, "{:?}", c.missing);
    assert!(c.missing[0].contains("kubectl get events -A -o json"));
}

fn err(name: &str, text: &str) -> String {
    calibrate::load::read(&mut Input::default(), name, text)
        .unwrap_err()
        .to_string()
}

#[test]
fn malformed_and_foreign_json_name_the_file_and_field() {
    assert!(err("x.json", r#"{"foo": 1}"#).starts_with("x.json: JSON without `items`"));
    assert!(err("x.json", "kind: List\n").contains("x.json: not JSON"));
    let pod = r#"{"kind": "List", "items": [{"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}}]}"#;
    assert_eq!(
        err("pods.json", pod),
        "pods.json: items[0] (Pod ns/p): missing field `metadata.creationTimestamp`"
    );
    let ks = r#"{"kind": "List", "items": [{"kind": "Kustomization", "metadata": {"name": "k", "namespace": "flux-system", "creationTimestamp": "2025-03-01T10:00:00Z"},
        "status": {"history": [{"firstReconciled": "yesterday", "lastReconciledDuration": "1s", "lastReconciledStatus": "ReconciliationSucceeded", "totalReconciliations": 1}]}}]}"#;
    let e = err("flux.json", ks);
    assert!(e.starts_with("flux.json: items[0] (Kustomization flux-system/k): field `status.history[].firstReconciled`"), "{e}");
    let bad_items = r#"{"kind": "List", "items": {"a": 1}}"#;
    assert_eq!(
        err("l.json", bad_items),
        "l.json: field `items` is not a list"
    );
    let log = "{\"level\":\"info\",\"msg\":\"x\"}\n{\"level\":\"info\",\"msg\":\"y\"}\n";
    assert!(err("kc.log", log).contains("kc.log: line 1: missing field `ts`"));
}

#[test]
fn dump_errors_are_typed() {
    use fluxsim::calibrate::error::{DumpError, FieldError, StampWhy};
    let read = |text: &str| calibrate::load::read(&mut Input::default(), "d.json", text);
    assert!(matches!(read("  \n"), Err(DumpError::Empty { .. })));
    assert!(matches!(
        read("{\"foo\": 1}"),
        Err(DumpError::NotADump { .. })
    ));
    let job = r#"{"kind": "Job", "metadata": {"name": "j", "namespace": "ns", "creationTimestamp": "2025-03-01T10:00:00"}}"#;
    let Err(DumpError::Item { item, problem, .. }) = read(job) else {
        panic!("an item error");
    };
    assert_eq!(item, "items[0] (Job ns/j)");
    let FieldError::Time { field, source } = *problem else {
        panic!("a time field: {problem:?}");
    };
    assert_eq!(field, "metadata.creationTimestamp");
    assert_eq!(source.why, StampWhy::Layout);
    let log = "{\"ts\":\"2025-03-01T10:00:00.000Zq\",\"msg\":\"x\"}\n";
    let Err(DumpError::LogLine { line, problem, .. }) = read(log) else {
        panic!("a log line error");
    };
    assert_eq!(line, 1);
    assert!(matches!(*problem, FieldError::Time { .. }), "{problem:?}");
}

fn fluxsim(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_fluxsim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

#[test]
fn the_commands_end_to_end() {
    let help = String::from_utf8(fluxsim(&["calibrate", "--help"]).stdout).unwrap();
    for cmd in [
        "kubectl get events -A -o json",
        "kubectl get kustomizations,helmreleases -A -o json",
        "kubectl -n flux-system logs deploy/helm-controller",
        "kubectl -n flux-system get deployments -o json",
    ] {
        assert!(help.contains(cmd), "--help lacks `{cmd}`");
    }
    let dir = std::env::temp_dir().join(format!("fluxsim-observe-{}", std::process::id()));
    let d = dir.display().to_string();
    let o = fluxsim(&[
        "observe",
        "scenarios/example.yaml",
        "--seed",
        "3",
        "--out",
        &d,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let files: Vec<String> = [
        "events.json",
        "flux.json",
        "workloads.json",
        "controllers.json",
        "kustomize-controller.log",
        "helm-controller.log",
    ]
    .iter()
    .map(|f| format!("{d}/{f}"))
    .collect();
    let mut args = vec!["calibrate", "scenarios/example.yaml"];
    args.extend(files.iter().map(String::as_str));
    args.extend(["--trials", "50", "--json", "-"]);
    let o = fluxsim(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["bootstraps"][0]["rows"][0]["object"], "makespan");
    // Every input was given: nothing is missing.
    assert_eq!(v["calibration"]["missing"].as_array().unwrap().len(), 0);
    // A file that is not a dump: one line naming it, exit 2.
    let o = fluxsim(&["calibrate", "scenarios/example.yaml", "Cargo.toml"]);
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err.starts_with("error: Cargo.toml: not JSON") && err.lines().count() == 1,
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn before_flux_2_7_apply_comes_from_the_events() {
    let (_, m) = scenario();
    // No status.history (kustomize-controller < v1.7): Ready's time is only the latest run's.
    let ks = r#"{"kind": "List", "items": [{"kind": "Kustomization", "metadata": {"name": "infra", "namespace": "flux-system", "creationTimestamp": "2025-03-01T10:00:00Z"},
        "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded", "lastTransitionTime": "2025-03-01T10:12:05Z"}]}}]}"#;
    let ev = |name: &str, reason: &str, msg: &str| {
        format!(
            r#"{{"kind": "Event", "metadata": {{"name": "{name}", "namespace": "flux-system"}}, "involvedObject": {{"kind": "Kustomization", "name": "infra", "namespace": "flux-system"}},
            "reason": "{reason}", "message": "{msg}", "count": 1, "firstTimestamp": "2025-03-01T10:12:05Z", "lastTimestamp": "2025-03-01T10:12:05Z"}}"#
        )
    };
    let events = format!(
        r#"{{"kind": "List", "items": [{}, {}]}}"#,
        ev(
            "infra.1828a622f97c1f15",
            "ReconciliationSucceeded",
            "Reconciliation finished in 2m3.5s, next run in 10m0s"
        ),
        ev(
            "infra.1828a622f97c1f00",
            "Progressing",
            "Health check passed in 2m0.25s"
        )
    );
    let mut i = Input::default();
    calibrate::load::read(&mut i, "flux.json", ks).unwrap();
    calibrate::load::read(&mut i, "events.json", &events).unwrap();
    assert!(i.objects[0].ready_is_latest);
    let c = calibrate::calibrate(&m, &i);
    let infra = &c.objects[0];
    // 2m3.5s − 2m0.25s = 3.25s.
    assert_eq!(
        (infra.samples.clone(), infra.source.as_str()),
        (vec![3_250], "events: run duration − health wait (ms)")
    );
    assert!(
        c.notes.iter().any(|n| n.contains("no `status.history`")),
        "{:?}",
        c.notes
    );
}

#[test]
fn two_captures_of_one_bootstrap_count_once() {
    let (_, m) = scenario();
    let i = read(&["workloads.json", "workloads.json", "flux.json", "flux.json"]);
    let c = calibrate::calibrate(&m, &i);
    let p = c
        .workloads
        .iter()
        .find(|w| w.key == "Deployment/podinfo/podinfo")
        .unwrap();
    assert_eq!(p.samples, vec![12_000]);
    let hr = c
        .objects
        .iter()
        .find(|o| o.key == "HelmRelease/podinfo/podinfo")
        .unwrap();
    assert_eq!(hr.install_ms, vec![33_500]);
    assert_eq!(timeline::observed(&m, &i).len(), 1);
}
