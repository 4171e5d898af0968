//! Large-scenario input paths: `.json` scenarios (read by the fast JSON parser) behave
//! exactly like the same text as YAML, and every dependsOn cycle is named.

mod common;
use common::{cli, errors, temp_file};

fn write(name: &str, body: &str) -> String {
    temp_file("scale-input", name, body)
}

/// SPEC R3: two cycles that share no object are both named, each with one path through it,
/// in declaration order, at the dependsOn entry that starts it. Worked by hand: a↔b is one
/// strongly connected component, c→d→e→c another; f only depends on a cycle.
#[test]
fn two_disjoint_cycles_are_both_named() {
    let e = errors(
        "kustomizations:
  - name: a
    dependsOn: [b]
  - name: b
    dependsOn: [a]
  - name: c
    dependsOn: [d]
  - name: d
    dependsOn: [e]
  - name: e
    dependsOn: [c]
  - name: f
    dependsOn: [a]
",
    );
    let cycles: Vec<&str> = e
        .lines()
        .filter(|l| l.contains("dependsOn cycle:"))
        .collect();
    assert_eq!(cycles.len(), 2, "{e}");
    assert!(cycles[0].ends_with("dependsOn cycle: a → b → a"), "{e}");
    assert!(cycles[1].ends_with("dependsOn cycle: c → d → e → c"), "{e}");
    assert!(e.contains("bad.yaml:3:17"), "{e}");
    assert!(e.contains("bad.yaml:7:17"), "{e}");
    assert!(e.contains("2 errors found"), "{e}");
}

/// SPEC R3: a cycle through a parent → child edge (the child exists only once its parent
/// applied it) has no dependsOn entry to point at: the first object's line is named.
#[test]
fn cycle_through_a_parent_names_the_object() {
    let e = errors(
        "kustomizations:
  - name: child
  - name: parent
    dependsOn: [child]
    resources:
      - {kind: Kustomization, name: child}
",
    );
    assert!(e.contains("dependsOn cycle: child → parent → child"), "{e}");
    assert!(e.contains("bad.yaml:2:1"), "{e}");
}

/// The same scenario as `.json` and as `.yaml`: identical run output.
#[test]
fn json_scenario_runs_like_its_yaml() {
    let y = write("s.yaml", &fluxsim::synth::home_ops(300, 1, 4));
    let j = write("s.json", &fluxsim::synth::home_ops_json(300, 1, 4));
    let (cy, oy, ey) = cli(&["run", &y]);
    let (cj, oj, ej) = cli(&["run", &j]);
    assert_eq!((cy, cj), (0, 0), "{ey}{ej}");
    assert!(oy.contains("makespan:"), "{oy}");
    assert_eq!(oy, oj);
}

/// A `.json` scenario with problems gets the diagnostics of the same text as `.yaml`, with
/// line and column (the fast parser keeps no positions; the text is parsed again as YAML).
#[test]
fn json_diagnostics_match_yaml() {
    let text = "{\"kustomizations\": [\n  {\"name\": \"a\", \"interval\": \"10\"},\n  {\"name\": \"b\", \"dependsOn\": [\"x\"]}\n]}\n";
    let y = write("bad.yaml", text);
    let j = write("bad.json", text);
    let (cy, _, ey) = cli(&["validate", &y]);
    let (cj, _, ej) = cli(&["validate", &j]);
    assert_eq!((cy, cj), (2, 2));
    assert!(ey.contains("bad.yaml:2:"), "{ey}");
    assert!(ey.contains("bad.yaml:3:"), "{ey}");
    assert_eq!(ey.replace("bad.yaml", "bad.json"), ej);
    // Text the JSON parser refuses is read as YAML: an unknown field is reported as in a
    // `.yaml` file, and a trailing comma (valid YAML flow style) is accepted as YAML accepts it.
    for text in [
        "{\"kustomizations\": [{\"name\": \"a\", \"wiat\": true}]}\n",
        "{\"controllers\": {\"kustomize\": {\"featureGates\": {\"DisableFailFastBehavior\": true, \"DisableFailFastBehavior\": false}}}, \"kustomizations\": [{\"name\": \"a\"}]}\n",
        "{\"kustomizations\": [{\"name\": \"a\"},]}\n",
    ] {
        let y = write("bad2.yaml", text);
        let j = write("bad2.json", text);
        let (cy, oy, ey) = cli(&["validate", &y]);
        let (cj, oj, ej) = cli(&["validate", &j]);
        assert_eq!(cy, cj, "{ey}{ej}");
        assert_eq!(oy.replace("bad2.yaml", "bad2.json"), oj);
        assert_eq!(ey.replace("bad2.yaml", "bad2.json"), ej);
    }
}

/// `fluxsim run` without `--json` or `--csv` renders the text without the per-attempt rows:
/// the text is the full report's, byte for byte, for every shipped scenario (a stuck one
/// included: a 1-second horizon) and with a seed that makes workloads fail.
#[test]
fn run_text_without_attempt_rows_is_the_full_reports() {
    use fluxsim::report::RunReport;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
    let mut seen = 0;
    for e in std::fs::read_dir(dir).expect("scenarios/") {
        let p = e.expect("entry").path();
        if p.extension().is_none_or(|x| x != "yaml") {
            continue;
        }
        let sc = fluxsim::scenario::load(&p).expect("parses");
        let m = fluxsim::model::build(&sc).expect("valid");
        for seed in [1, 7] {
            let out = fluxsim::runner::run_once(&m, seed, 0);
            let full = RunReport::new(&m, &out).to_text();
            assert_eq!(RunReport::text_of(&m, &out), full, "{}", p.display());
        }
        seen += 1;
    }
    assert!(seen >= 10, "only {seen} scenarios");
    let (m, out) = common::run("horizon: 1s\nkustomizations: [{name: a, apply: 5s}]\n");
    assert!(out.trace.makespan_ms.is_none());
    let full = RunReport::new(&m, &out).to_text();
    assert!(full.contains("STUCK"));
    assert_eq!(RunReport::text_of(&m, &out), full);
}
