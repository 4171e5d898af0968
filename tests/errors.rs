//! Bad input: every case gives a clear error with file, line and column, exit status 2,
//! and no panic (SPEC "Scenario files").

mod common;
use common::{cli, errors, temp_file};

fn write(name: &str, body: &str) -> String {
    temp_file("errors", name, body)
}

#[test]
fn unknown_field_names_line_and_column() {
    let e = errors("kustomizations:\n  - name: a\n    wiat: true\n");
    assert!(e.contains("unknown field `wiat`"), "{e}");
    assert!(e.contains("bad.yaml:3:5"), "{e}");
}

#[test]
fn unknown_depends_on_suggests_a_name() {
    let e = errors("kustomizations:\n  - name: infra-controllers\n  - name: apps\n    dependsOn: [infra-controlers]\n");
    assert!(
        e.contains("dependsOn unknown Kustomization `flux-system/infra-controlers`"),
        "{e}"
    );
    assert!(e.contains("did you mean `infra-controllers`?"), "{e}");
    assert!(e.contains("bad.yaml:4:"), "{e}");
}

#[test]
fn cycle_is_named() {
    let e = errors("kustomizations:\n  - name: a\n    dependsOn: [c]\n  - name: b\n    dependsOn: [a]\n  - name: c\n    dependsOn: [b]\n");
    assert!(e.contains("dependsOn cycle:"), "{e}");
    for n in ["a", "b", "c"] {
        assert!(
            e.contains(&format!(" {n} ")) || e.contains(&format!("{n} →")),
            "{e}"
        );
    }
}

#[test]
fn bad_duration_and_nonsense_values() {
    let e = errors("kustomizations:\n  - name: a\n    interval: 10\n");
    assert!(
        e.contains("missing unit") && e.contains("bad.yaml:3:15"),
        "{e}"
    );
    let e = errors("kustomizations:\n  - name: a\n    interval: 0s\n");
    assert!(e.contains("interval must be above zero"), "{e}");
    let e = errors("controllers:\n  kustomize:\n    concurrent: 0\n");
    assert!(e.contains("concurrent must be at least 1"), "{e}");
    let e = errors("kustomizations:\n  - name: a\n    resources:\n      - {kind: Deployment, name: x, ready: {lognormal: {median: 30s, p95: 10s}}}\n");
    assert!(e.contains("p95") && e.contains("bad.yaml:4:"), "{e}");
    let e = errors("kustomizations:\n  - name: a\n    wait: maybe\n");
    assert!(e.contains("invalid boolean"), "{e}");
}

#[test]
fn helmrelease_cannot_depend_on_a_kustomization() {
    let e = errors(
        "kustomizations:\n  - name: infra\nhelmReleases:\n  - name: app\n    dependsOn: [infra]\n",
    );
    assert!(e.contains("can only depend on HelmReleases"), "{e}");
}

#[test]
fn all_errors_are_reported_at_once() {
    let e = errors("kustomizations:\n  - name: a\n    interval: 5x\n    dependsOn: [nope]\n");
    assert!(e.contains("2 errors found"), "{e}");
}

#[test]
fn cli_exits_2_on_every_bad_input() {
    let cases = [
        (
            "unknown.yaml",
            "kustomizations:\n  - name: a\n    wiat: true\n",
        ),
        (
            "dep.yaml",
            "kustomizations:\n  - name: a\n    dependsOn: [b]\n",
        ),
        (
            "cycle.yaml",
            "kustomizations:\n  - name: a\n    dependsOn: [b]\n  - name: b\n    dependsOn: [a]\n",
        ),
        ("dur.yaml", "horizon: forever\n"),
        ("syntax.yaml", "kustomizations:\n  - name: a\n   wait: [\n"),
    ];
    for (name, body) in cases {
        let p = write(name, body);
        for cmd in ["validate", "run", "mc"] {
            let (code, _, err) = cli(&[cmd, &p]);
            assert_eq!(code, 2, "{cmd} {name}: {err}");
            assert!(
                err.contains("error:") && err.contains(name),
                "{cmd} {name}: {err}"
            );
            assert!(!err.contains("panicked"), "{err}");
        }
    }
    let (code, _, err) = cli(&["run", "/nonexistent/x.yaml"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read scenario"), "{err}");
}

#[test]
fn failed_output_write_leaves_nothing_behind() {
    let p = write("ok.yaml", "kustomizations:\n  - name: a\n");
    let (code, _, err) = cli(&["run", &p, "--json", "/nonexistent-dir/out.json"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot write"), "{err}");
}

// A distribution map names exactly one form: two forms, or none, are refused with the count,
// at the line of the value (line 3 and line 5 here); one form alone is accepted.
#[test]
fn distribution_map_needs_exactly_one_form() {
    let e = errors("kustomizations:\n  - name: a\n    apply: {fixed: 1s, uniform: {min: 1s, max: 2s}}\n  - name: b\n    apply: {}\n");
    assert!(
        e.contains("apply: a distribution needs exactly one of fixed, uniform, exponential, lognormal, triangular, pert, empirical (found 2)"),
        "{e}"
    );
    assert!(e.contains("(found 0)"), "{e}");
    assert!(
        e.contains("bad.yaml:3:") && e.contains("bad.yaml:5:"),
        "{e}"
    );
    let m = common::model("kustomizations: [{name: a, apply: {pert: {min: 1s, mode: 2s, max: 4s}}}, {name: b, apply: {fixed: 3s}}]\n");
    assert_eq!(
        m.objects[fluxsim::model::ObjectId::new(0)].apply,
        fluxsim::dist::Dist::Pert {
            min: 1000,
            mode: 2000,
            max: 4000
        }
    );
    assert_eq!(
        m.objects[fluxsim::model::ObjectId::new(1)].apply,
        fluxsim::dist::Dist::Fixed(3000)
    );
}
