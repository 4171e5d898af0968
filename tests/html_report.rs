//! The HTML review report, opened in a real headless browser (Chromium from Debian's packages;
//! `.ci/install-deps` installs it, and CI sets FLUXSIM_REQUIRE_BROWSER=1 so it never skips).
#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};
use std::process::Command;

fn browser() -> Option<&'static str> {
    ["chromium-headless-shell", "chromium"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

fn report(args: &[&str], tag: &str) -> (PathBuf, String) {
    let out = std::env::temp_dir().join(format!("fluxsim-html-{}-{tag}.html", std::process::id()));
    let o = Command::new(env!("CARGO_BIN_EXE_fluxsim"))
        .arg("report")
        .args(args)
        .args(["--html", out.to_str().unwrap(), "--trials", "200"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(&out).unwrap();
    (out, html)
}

fn scenario(name: &str) -> String {
    format!("{}/scenarios/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The page loads without errors, every object has its bar, hovering shows each attempt's
/// reason; a screenshot is kept under results/.
#[test]
fn report_works_in_a_real_browser() {
    let (path, html) = report(
        &[
            &scenario("002-matherlynet-before.yaml"),
            &scenario("002-matherlynet-after.yaml"),
            "--advise",
        ],
        "002",
    );
    let Some(b) = browser() else {
        assert!(
            std::env::var_os("FLUXSIM_REQUIRE_BROWSER").is_none(),
            "no Chromium found, and CI requires it"
        );
        eprintln!("skipped: no chromium-headless-shell or chromium on PATH (apt-get install chromium-headless-shell)");
        return;
    };
    let url = format!("file://{}#selftest", path.display());
    let o = Command::new(b)
        .args([
            "--no-sandbox",
            "--disable-gpu",
            "--virtual-time-budget=5000",
            "--dump-dom",
            &url,
        ])
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&o.stdout);
    let start = dom
        .find("<pre id=\"selftest\">")
        .expect("the self-test ran")
        + 19;
    let json: serde_json::Value =
        serde_json::from_str(&dom[start..start + dom[start..].find('<').unwrap()]).unwrap();
    assert_eq!(json["objects"], 31, "{json}"); // 31 Kustomizations in seed 002
    assert_eq!(json["missing"], 0, "{json}");
    assert!(json["attempts"].as_u64().unwrap() >= 62, "{json}"); // finalizer + work for each
    assert_eq!(json["tooltips"], json["attempts"], "{json}");
    assert_eq!(json["errors"].as_array().unwrap().len(), 0, "{json}");
    assert!(html.contains("Suggested changes") && html.contains("requeue_dependency=5s"));
    // The screenshot reviewers see in results/.
    let shot = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/report-002.png");
    let o = Command::new(b)
        .args([
            "--no-sandbox",
            "--disable-gpu",
            "--window-size=1400,2400",
            &format!("--screenshot={}", shot.display()),
            &format!("file://{}", path.display()),
        ])
        .output()
        .unwrap();
    assert!(o.status.success() && shot.exists());
}

/// Self-contained and light: nothing fetched from the network, under 2 MB at 400 objects,
/// repository text escaped.
#[test]
fn report_is_self_contained_light_and_escaped() {
    let synth = std::env::temp_dir().join(format!("fluxsim-html-{}-300.yaml", std::process::id()));
    std::fs::write(&synth, fluxsim::synth::home_ops(400, 1, 4)).unwrap();
    let (_, html) = report(&[synth.to_str().unwrap()], "300");
    assert!(html.len() < 2 * 1024 * 1024, "{} bytes", html.len());
    for bad in ["<script src", "<link", "http://", "https://", "@import"] {
        assert!(!html.contains(bad), "the page references `{bad}`");
    }
    assert!(
        html.contains("namespaces are collapsed"),
        "400 objects are grouped and collapsed"
    );
    let evil = std::env::temp_dir().join(format!("fluxsim-html-{}-evil.yaml", std::process::id()));
    std::fs::write(
        &evil,
        "kustomizations:\n  - name: \"a<script>alert(1)</script>\"\n",
    )
    .unwrap();
    let (_, html) = report(&[evil.to_str().unwrap()], "evil");
    assert!(!html.contains("<script>alert"), "object names are escaped");
    assert!(html.contains("a&lt;script&gt;alert(1)&lt;/script&gt;"));
}

/// The report sets a real (here: simulated, shipped) bootstrap's dumps beside the prediction.
#[test]
fn report_shows_an_observed_bootstrap() {
    let dumps = Path::new(env!("CARGO_MANIFEST_DIR")).join("results/calibration/dumps/1");
    let mut files: Vec<String> = std::fs::read_dir(&dumps)
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    files.sort();
    let mut args = vec![scenario("example.yaml"), "--observed".to_string()];
    args.extend(files);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (_, html) = report(&args, "observed");
    assert!(html.contains("<h2>Observed beside predicted</h2>"));
    assert!(html.contains("<tr><td>makespan</td>"));
    assert!(html.contains("HelmRelease/cert-manager/cert-manager"));
}
