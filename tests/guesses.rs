//! Issue 15.5: `run`, `mc`, `check` and `compare` say which guessed readiness profiles a
//! verdict rests on (text, and `rests_on_guesses` in JSON), and a stuck root cause never names
//! a guessed stand-in as if it were a real object.

use std::process::Command;

/// A pre-Flux chart and a HelmRelease whose workloads are guessed stand-ins (as `fluxsim
/// import` writes them), plus a Kustomization whose Deployment's readiness is known.
const SCENARIO: &str = "name: guesses
horizon: 1h
bootstrap:
  - {kind: DaemonSet, name: cilium, namespace: kube-system, ready: 20s, guessed: true}
kustomizations:
  - name: apps
    interval: 10m
    resources:
      - {kind: HelmRelease, name: prom, namespace: monitoring}
  - name: web
    interval: 10m
    wait: true
    resources:
      - {kind: Deployment, name: web, namespace: default, ready: 5s}
helmReleases:
  - name: prom
    namespace: monitoring
    interval: 10m
    chart: {chart: kube-prometheus-stack}
    resources:
      - {kind: StatefulSet, name: prom, namespace: monitoring, ready: 30s, guessed: true}
expect:
  p95: 1h
";

const CILIUM: &str = "what pre-Flux step 1 installs (`kube-system/cilium`, GUESSED stand-in)";
const PROM: &str = "what HelmRelease/monitoring/prom installs (GUESSED stand-in)";

fn file(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("fluxsim-guesses-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

fn cli(args: &[&str]) -> (i32, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_fluxsim"))
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

/// The one run's makespan: the HelmRelease `prom` finishes last (its stand-in needs 30s after
/// install, the Deployment of `web` 5s), so the critical path runs through it and through the
/// pre-Flux phase (Flux starts at 20s): both guesses are named; `web`'s known profile is not.
#[test]
fn run_names_the_guesses_its_makespan_rests_on() {
    let sc = file("run.yaml", SCENARIO);
    let (code, out) = cli(&["run", &sc]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("makespan rests on guessed readiness of: {CILIUM}, {PROM} (marked GUESSED in the scenario")), "{out}");
    let (_, json) = cli(&["run", &sc, "--json", "-"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["rests_on_guesses"][0]["verdict"], "makespan");
    assert_eq!(v["rests_on_guesses"][0]["guessed"][1], PROM);
}

/// SPEC R12/R15: a StatefulSet that always fails makes the install fail after the release is
/// stored; with default remediation the HelmRelease stalls and bootstrap is stuck. The root
/// cause names the HelmRelease's stand-in through the HelmRelease (the importer does not know
/// which StatefulSet the chart has), never `StatefulSet/monitoring/prom`.
#[test]
fn a_stuck_root_cause_names_a_guessed_stand_in_through_its_helm_release() {
    let sc = file(
        "stuck.yaml",
        &format!("{SCENARIO}faults:\n  - {{type: permanent, workload: prom}}\n"),
    );
    let (code, out) = cli(&["run", &sc]);
    assert_eq!(code, 1, "{out}");
    assert!(!out.contains("StatefulSet/monitoring/prom"), "{out}");
    assert!(out.contains(&format!("{PROM} is Failed")), "{out}");
    assert!(
        out.contains(&format!(
            "stuck root cause rests on guessed readiness of: {PROM} ("
        )),
        "{out}"
    );
    let (_, out) = cli(&["mc", &sc, "--trials", "20"]);
    assert!(out.contains("stuck probability: 100.00%"), "{out}");
    assert!(
        out.contains(&format!(
            "stuck probability rests on guessed readiness of: {PROM} ("
        )),
        "{out}"
    );
}

/// mc and check: every trial's critical path runs through `prom` and the pre-Flux phase
/// (criticality 100% ≥ 5%), so the p95 rests on both guesses; check repeats it under its
/// verdict.
#[test]
fn mc_and_check_name_the_guesses_the_p95_rests_on() {
    let sc = file("mc.yaml", SCENARIO);
    let want = format!("p95 rests on guessed readiness of: {CILIUM}, {PROM} (");
    let (_, out) = cli(&["mc", &sc, "--trials", "20"]);
    assert!(out.contains(&want), "{out}");
    let (_, json) = cli(&["mc", &sc, "--trials", "20", "--json", "-"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["rests_on_guesses"][0]["verdict"], "p95");
    let (code, out) = cli(&["check", &sc, "--trials", "20"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&want), "{out}");
}

/// compare: B makes `prom`'s guessed stand-in slower (50s instead of 30s), so `prom` moves,
/// and the change rests on its guess and on the pre-Flux phase's; comparing A with itself
/// moves nothing and says nothing about guesses.
#[test]
fn compare_names_the_guesses_of_the_objects_that_moved() {
    let a = file("a.yaml", SCENARIO);
    let b = file(
        "b.yaml",
        &SCENARIO.replace("ready: 30s, guessed", "ready: 50s, guessed"),
    );
    let (code, out) = cli(&["compare", &a, &b, "--trials", "20"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!(
            "the change rests on guessed readiness of: {CILIUM}, {PROM} ("
        )),
        "{out}"
    );
    let (_, json) = cli(&["compare", &a, &b, "--trials", "20", "--json", "-"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["rests_on_guesses"][0]["verdict"], "the change");
    let (_, out) = cli(&["compare", &a, &a, "--trials", "20"]);
    assert!(!out.contains("rests on guessed"), "{out}");
}

/// `merge` has no scenario: the shards' partial results carry which guessed profiles each
/// object waits for, so the merged report names the same guesses as the unsharded run, byte
/// for byte.
#[test]
fn merged_shards_name_the_same_guesses_as_the_whole_run() {
    let sc = file("shards.yaml", SCENARIO);
    let dir = std::path::Path::new(&sc).parent().unwrap().to_path_buf();
    let part = |i: u32| {
        dir.join(format!("guess-part-{i}.json"))
            .to_string_lossy()
            .into_owned()
    };
    for i in 0..2 {
        let shard = format!("{i}/2");
        let (code, _) = cli(&[
            "mc",
            &sc,
            "--trials",
            "40",
            "--shard",
            &shard,
            "--partial",
            &part(i),
        ]);
        assert_eq!(code, 0);
    }
    let (_, whole) = cli(&["mc", &sc, "--trials", "40"]);
    let (code, merged) = cli(&["merge", &part(0), &part(1)]);
    assert_eq!(code, 0, "{merged}");
    assert!(whole.contains(&format!(
        "p95 rests on guessed readiness of: {CILIUM}, {PROM} ("
    )));
    assert_eq!(merged, whole);
}
