//! The package says the truth about itself: its `rust-version` is at least every dependency's.

use std::process::Command;

/// `1.90` and `1.90.0` are the same version: missing parts count as 0.
fn version(v: &str) -> [u32; 3] {
    let mut out = [0; 3];
    for (o, p) in out.iter_mut().zip(v.split('.')) {
        *o = p.parse().unwrap_or(0);
    }
    out
}

#[test]
fn rust_version_covers_every_dependency() {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--manifest-path",
        ])
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ours = version(env!("CARGO_PKG_RUST_VERSION"));
    let mut checked = 0;
    for p in meta["packages"].as_array().unwrap() {
        if let Some(v) = p["rust_version"].as_str() {
            checked += 1;
            assert!(
                version(v) <= ours,
                "{} needs Rust {v}, but Cargo.toml says rust-version {}",
                p["name"],
                env!("CARGO_PKG_RUST_VERSION")
            );
        }
    }
    assert!(
        checked > 10,
        "only {checked} packages declare a rust-version"
    );
}
