//! Issue 6: paired what-if comparison and the CI regression check.

mod common;
use common::*;
use fluxsim::analysis::compare::compare;
use fluxsim::runner::{monte_carlo, McConfig};
use fluxsim::scenario::edit::{apply, Edit};
use std::process::Command;

fn trials(m: &fluxsim::model::Model, n: u64) -> Vec<fluxsim::runner::TrialSummary> {
    monte_carlo(
        m,
        &McConfig {
            seed: 5,
            trials: n,
            threads: 2,
        },
        &|_| {},
    )
    .unwrap()
}

fn cli(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_fluxsim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

// SPEC R17: the same scenario on both sides gives exactly zero difference in every trial.
#[test]
fn comparing_a_scenario_with_itself_is_exactly_zero() {
    let y = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/002-matherlynet-before.yaml"
    ))
    .unwrap();
    let m = model(&y);
    let t = trials(&m, 300);
    let c = compare(&m, &t, &m, &t.clone(), 5);
    assert!(c.trial_changes_ms.iter().all(|d| *d == Some(0)));
    assert_eq!(c.mean_change_ms, Some(0.0));
    assert_eq!(c.equal_share, 1.0);
    assert_eq!(c.p95.change_ms, Some(0));
    let (code, out, _) = cli(&[
        "compare",
        "scenarios/example.yaml",
        "scenarios/example.yaml",
        "--trials",
        "200",
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("no difference in any trial"), "{out}");
}

// Removing `app → db` while app's Deployment needs db. By hand (apply 1s, db ready 400s):
// with the edge, db is Ready at 401.75s, app polls at 420.75s, applies to 421.75s, is ready at
// 431.75s. Without it, app applies at 1.75s and crash-loops (10, 20, 40, 80, 160, 300s backoff:
// starts at 1.75, 11.75, 31.75, 71.75, 151.75, 311.75, 611.75s); its health check times out at
// 1.75 + 570 = 571.75s (timeout 9m30s), the retry at 1171.75s applies to 1172.75s and finds the
// Deployment ready (621.75s): Ready at 1172.75s. Slower by exactly 741s in every trial.
#[test]
fn removing_a_needed_edge_is_slower_and_compare_says_so() {
    let y = "kustomizations:\n  - name: db\n    wait: true\n    apply: 1s\n    resources:\n      - {kind: Deployment, name: db, namespace: default, ready: 400s}\n  - name: app\n    wait: true\n    apply: 1s\n    dependsOn: [db]\n    resources:\n      - {kind: Deployment, name: app, namespace: default, ready: 10s, needs: [db]}\n";
    let ma = model(y);
    let mut sc = fluxsim::scenario::parse(y, "b.yaml").unwrap();
    apply(&mut sc.raw, &[Edit::remove_dep("app=db").unwrap()]).unwrap();
    let mb = fluxsim::model::build(&sc).unwrap();
    let (ta, tb) = (trials(&ma, 50), trials(&mb, 50));
    assert_eq!(ta[0].makespan_ms, Some(431_750));
    assert_eq!(tb[0].makespan_ms, Some(1_172_750));
    let c = compare(&ma, &ta, &mb, &tb, 5);
    assert_eq!(c.mean_change_ms, Some(741_000.0));
    assert_eq!(c.b_slower_share, 1.0);
    let p = std::env::temp_dir().join(format!("needs-{}.yaml", std::process::id()));
    std::fs::write(&p, y).unwrap();
    let (code, out, err) = cli(&[
        "compare",
        p.to_str().unwrap(),
        "--remove-dep",
        "app=db",
        "--trials",
        "50",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("B is slower: +12m21s"), "{out}");
}

#[test]
fn edits_reject_unknown_names() {
    let mut sc = fluxsim::scenario::parse("kustomizations:\n  - name: a\n", "x.yaml").unwrap();
    // The edit itself names an unknown dependency (it used to pass it on to validation).
    let e = apply(&mut sc.raw, &[Edit::add_dep("a=zzz").unwrap()])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("no Kustomization or HelmRelease named `zzz`"),
        "{e}"
    );
    let mut sc = fluxsim::scenario::parse("kustomizations:\n  - name: a\n", "x.yaml").unwrap();
    assert!(apply(&mut sc.raw, &[Edit::set("nope.wait=true").unwrap()])
        .unwrap_err()
        .to_string()
        .contains("no Kustomization or HelmRelease named `nope`"));
    assert!(apply(&mut sc.raw, &[Edit::set("a.colour=red").unwrap()])
        .unwrap_err()
        .to_string()
        .contains("unknown Kustomization field"));
    assert!(Edit::add_dep("nonsense").is_err());
    let (code, _, err) = cli(&[
        "compare",
        "scenarios/example.yaml",
        "--set",
        "apps.wait=maybe",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("not true or false"), "{err}");
}

#[test]
fn check_exits_1_on_a_broken_budget_and_0_on_committed_baselines() {
    let y = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/example.yaml"
    ))
    .unwrap()
    .replace("p95: 6m", "p95: 1m30s");
    let p = std::env::temp_dir().join(format!("budget-{}.yaml", std::process::id()));
    std::fs::write(&p, y).unwrap();
    let summary = std::env::temp_dir().join(format!("summary-{}.md", std::process::id()));
    let o = Command::new(env!("CARGO_BIN_EXE_fluxsim"))
        .args(["check", p.to_str().unwrap(), "--trials", "300"])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("REGRESSION") && out.contains("✗ p95") && out.contains("over budget by"),
        "{out}"
    );
    assert!(out.contains("objects responsible"), "{out}");
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.contains("❌ regression"), "{md}");
    let (code, out, err) = cli(&[
        "check",
        "scenarios/example.yaml",
        "--baseline",
        "results/baselines/example.json",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    // A baseline from the unedited scenario flags the edited one.
    let slow = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/example.yaml"
    ))
    .unwrap()
    .replace(
        "kustomizations:",
        "controllers:\n  kustomize:\n    requeueDependency: 2m\nkustomizations:",
    );
    std::fs::write(&p, slow).unwrap();
    let (code, out, _) = cli(&[
        "check",
        p.to_str().unwrap(),
        "--baseline",
        "results/baselines/example.json",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("against baseline"), "{out}");
    let (code, _, err) = cli(&[
        "check",
        "scenarios/example.yaml",
        "--baseline",
        "Cargo.toml",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("is not a fluxsim report"), "{err}");
}
