//! Issue 16.4: `fluxsim import DIR` reads only inside DIR and always ends: symlinks leaving
//! DIR, symlink loops, FIFOs named `*.yaml`, unreadable folders and `resources: [., .]` each
//! end in a warning naming the path.

use fluxsim::import::{import, ImportOptions, Imported};
use std::path::{Path, PathBuf};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("fluxsim-confine-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn ks(name: &str, path: &str) -> String {
    format!(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n  namespace: flux-system\nspec:\n  interval: 1h\n  path: {path}\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"
    )
}

fn run(dir: &Path) -> Imported {
    import(
        dir,
        &ImportOptions {
            entry: "cluster".into(),
            source_root: None,
        },
    )
}

fn warned(imp: &Imported, file: &str, text: &str) -> bool {
    imp.warnings
        .iter()
        .any(|w| w.file == file && w.message.contains(text))
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_dir_and_loops_are_not_followed() {
    let d = tmp("links");
    let outside = tmp("links-outside");
    write(&outside, "secret.yaml", &ks("outside", "./x"));
    write(&d, "cluster/ks.yaml", &ks("inside", "./apps"));
    write(
        &d,
        "apps/kustomization.yaml",
        "resources:\n  - ./link.yaml\n  - ./loop\n  - ./passwd.yaml\n  - ./inner.yaml\n",
    );
    std::os::unix::fs::symlink(outside.join("secret.yaml"), d.join("apps/link.yaml")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", d.join("apps/passwd.yaml")).unwrap();
    std::os::unix::fs::symlink(d.join("apps/loop"), d.join("apps/loop")).unwrap();
    // A link that stays inside DIR is followed.
    write(
        &d,
        "apps/real/inner.yaml",
        &ks("linked-inside", "./nowhere"),
    );
    std::os::unix::fs::symlink(d.join("apps/real/inner.yaml"), d.join("apps/inner.yaml")).unwrap();
    let imp = run(&d);
    let names: Vec<&str> = imp.objects.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["inside", "linked-inside"], "{:?}", imp.warnings);
    assert!(
        warned(&imp, "apps/link.yaml", "outside the repository"),
        "{:?}",
        imp.warnings
    );
    assert!(warned(&imp, "apps/passwd.yaml", "outside the repository"));
    assert!(
        warned(&imp, "apps/loop", "not followed"),
        "{:?}",
        imp.warnings
    );
    let _ = std::fs::remove_dir_all(&d);
    let _ = std::fs::remove_dir_all(&outside);
}

#[cfg(unix)]
#[test]
fn a_fifo_named_yaml_is_skipped_not_read() {
    let d = tmp("fifo");
    write(&d, "cluster/ks.yaml", &ks("a", "./nowhere"));
    let fifo = d.join("cluster/pipe.yaml");
    let st = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !st.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo not available");
        return;
    }
    let imp = run(&d);
    assert_eq!(imp.objects.len(), 1);
    assert!(
        warned(&imp, "cluster/pipe.yaml", "FIFO"),
        "{:?}",
        imp.warnings
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[cfg(unix)]
#[test]
fn an_unreadable_folder_is_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let d = tmp("unreadable");
    write(&d, "cluster/ks.yaml", &ks("a", "./nowhere"));
    write(&d, "cluster/locked/x.yaml", &ks("hidden", "./nowhere"));
    std::fs::set_permissions(
        d.join("cluster/locked"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    // root reads any folder: then there is nothing to test.
    let readable = std::fs::read_dir(d.join("cluster/locked")).is_ok();
    let imp = run(&d);
    std::fs::set_permissions(
        d.join("cluster/locked"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    if !readable {
        assert_eq!(imp.objects.len(), 1);
        assert!(
            warned(&imp, "cluster/locked", "cannot list"),
            "{:?}",
            imp.warnings
        );
    }
    let _ = std::fs::remove_dir_all(&d);
}

/// `resources: [., .]` at every level of a 30-deep chain was 2^30 builds; now each folder is
/// built once and a folder that includes itself is a warning.
#[test]
fn self_including_resources_end_with_a_warning() {
    let d = tmp("selfref");
    write(&d, "cluster/ks.yaml", &ks("top", "./apps/l0"));
    for i in 0..30 {
        write(
            &d,
            &format!("apps/l{i}/kustomization.yaml"),
            &format!(
                "resources:\n  - .\n  - .\n  - ../l{}\n  - ../l{}\n  - ./ks.yaml\n",
                i + 1,
                i + 1
            ),
        );
        write(
            &d,
            &format!("apps/l{i}/ks.yaml"),
            &ks(&format!("k{i}"), "./nowhere"),
        );
    }
    let imp = run(&d);
    // top, and k0..k29 once each (each folder's Kustomization found once).
    assert_eq!(imp.objects.len(), 31);
    assert!(imp
        .warnings
        .iter()
        .any(|w| w.file == "apps/l0/kustomization.yaml" && w.message.contains("cycle")));
    let _ = std::fs::remove_dir_all(&d);
}
