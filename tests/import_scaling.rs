//! Issue 21.2: no recursion on depth the repository controls and no work that grows faster
//! than the repository. Each case is sized so that the old quadratic or exponential versions
//! took seconds to minutes (measured: 1,000 Kustomizations whose path is their own folder took
//! 38 s and 3.3 GB); there are no timing asserts: each must finish, and its output must stay
//! proportional to its input.

use fluxsim::import::{import, to_scenario, ImportOptions, Imported};
use std::path::{Path, PathBuf};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("fluxsim-scale-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("cluster")).unwrap();
    d
}

fn ks(name: &str, path: &str, extra: &str) -> String {
    format!(
        "---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n  namespace: flux-system\nspec:\n  interval: 1h\n  path: {path}\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n{extra}"
    )
}

fn write(dir: &Path, rel: &str, text: &str) -> usize {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
    text.len()
}

fn run(dir: &Path) -> (Imported, String) {
    let imp = import(
        dir,
        &ImportOptions {
            entry: "cluster".into(),
            source_root: None,
        },
    );
    let y = to_scenario(&imp, "scale", "cluster");
    let _ = std::fs::remove_dir_all(dir);
    (imp, y)
}

/// 1,000 Kustomizations in one folder, each with that folder as its path: the folder is built
/// once; the others build the same thing and are one warning line with a count.
#[test]
fn kustomizations_whose_path_is_their_own_folder() {
    let d = tmp("selfpath");
    write(&d, "cluster/ks.yaml", &ks("root", "./apps", ""));
    let all: String = (0..1000)
        .map(|i| ks(&format!("k{i}"), "./apps", ""))
        .collect();
    let input = write(&d, "apps/all.yaml", &all);
    let (imp, y) = run(&d);
    assert_eq!(imp.kustomizations(), 1001);
    assert!(imp.warnings.len() <= 3, "{:#?}", imp.warnings);
    assert!(
        y.len() < 2 * input,
        "scenario {} bytes for {input} input bytes",
        y.len()
    );
}

/// 200 Kustomizations with different substitutions over one shared folder of 200
/// Kustomizations that each use a 5 KB variable 10 times: 2 GB of substitution output if done
/// in full. The bytes produced are capped; the warnings stay one line per cause.
#[test]
fn substitution_amplified_through_a_shared_path() {
    let d = tmp("amplify");
    let big = "x".repeat(5_000);
    let parents: String = (0..200)
        .map(|i| {
            ks(
                &format!("p{i}"),
                "./shared",
                &format!(
                    "  postBuild:\n    substitute:\n      ID: \"{i}\"\n      BIG: \"{big}\"\n"
                ),
            )
        })
        .collect();
    let mut input = write(&d, "cluster/ks.yaml", &parents);
    let uses: String = (0..10).map(|j| format!("    v{j}: ${{BIG}}\n")).collect();
    let children: String = (0..200)
        .map(|i| {
            ks(
                &format!("c{i}"),
                "./nowhere",
                &format!("  commonMetadata:\n{uses}"),
            )
        })
        .collect();
    input += write(&d, "shared/all.yaml", &children);
    let (imp, y) = run(&d);
    assert_eq!(imp.kustomizations(), 400);
    // One line per child document and cause (applied by two owners; its path is missing),
    // each counting its repeats, plus the budget's.
    assert!(imp.warnings.len() <= 401, "{} warnings", imp.warnings.len());
    assert!(imp
        .warnings
        .iter()
        .any(|w| w.message.contains("stopped substituting")));
    assert!(
        y.len() < 2 * input,
        "scenario {} bytes for {input} input bytes",
        y.len()
    );
}

/// Depth the repository controls: a 200,000-deep target regex, a 100,000-segment JSON 6902
/// path, a 100,000-segment replacement field path, a 5,000-long dependsOn chain closed into a
/// cycle. Each is refused or handled without recursion.
#[test]
fn deep_patterns_paths_and_chains() {
    let d = tmp("deep");
    let deep_re = format!("{}a{}", "(".repeat(200_000), ")".repeat(200_000));
    let deep_path = "/x".repeat(100_000);
    let deep_field = vec!["x"; 100_000].join(".");
    write(&d, "cluster/ks.yaml", &ks("root", "./apps", ""));
    write(
        &d,
        "apps/kustomization.yaml",
        &format!(
            "resources:\n  - ./chain.yaml\npatches:\n  - target:\n      kind: Kustomization\n      name: \"{deep_re}\"\n    patch: |\n      - op: add\n        path: /spec/wait\n        value: true\n  - target:\n      kind: Kustomization\n    patch: |\n      - op: add\n        path: {deep_path}\n        value: 1\nreplacements:\n  - source:\n      kind: Kustomization\n      name: c0\n      fieldPath: metadata.name\n    targets:\n      - select:\n          kind: Kustomization\n        fieldPaths:\n          - {deep_field}\n"
        ),
    );
    let n = 5000;
    let chain: String = (0..n)
        .map(|i| {
            ks(
                &format!("c{i}"),
                "./nowhere",
                &format!("  dependsOn:\n    - name: c{}\n", (i + 1) % n),
            )
        })
        .collect();
    write(&d, "apps/chain.yaml", &chain);
    let (imp, y) = run(&d);
    assert_eq!(imp.kustomizations(), n + 1);
    // One edge closes the cycle and is dropped.
    assert_eq!(imp.edges(), n - 1);
    assert!(imp
        .warnings
        .iter()
        .any(|w| w.message.contains("not usable")));
    assert!(imp
        .warnings
        .iter()
        .any(|w| w.message.contains("deeper than 64")));
    assert!(imp
        .warnings
        .iter()
        .any(|w| w.message.contains("dependsOn cycle")));
    assert!(imp
        .objects
        .iter()
        .all(|o| o.value.pointer("/spec/wait").is_none()));
    assert!(y.len() < 400 * n);
}
