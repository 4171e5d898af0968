//! The layering rules of DEVELOPERS.md and aesthetics.md §3, enforced by reading the sources:
//! the engine knows nothing of Flux; nothing in the library prints or reads the clock; data
//! flows one way (analysis never imports flux, runner or report; flux never imports analysis
//! or report; the model never imports the engine or flux).

use std::path::Path;

fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            let rel = p
                .strip_prefix(env!("CARGO_MANIFEST_DIR"))
                .unwrap()
                .display()
                .to_string();
            out.push((rel, std::fs::read_to_string(&p).unwrap()));
        }
    }
}

fn lib_sources() -> Vec<(String, String)> {
    let mut v = vec![];
    sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut v);
    v.into_iter()
        .filter(|(f, _)| !f.starts_with("src/cli") && f != "src/main.rs")
        .collect()
}

fn imports(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("use crate::")
                .map(|r| r.split([':', ';', '{']).next().unwrap_or("").to_string())
        })
        .collect()
}

#[test]
fn the_engine_knows_nothing_of_flux() {
    let src =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/engine.rs")).unwrap();
    assert_eq!(imports(&src), vec!["time"]);
    for word in ["Kustomization", "HelmRelease", "flux::", "model::"] {
        assert!(!src.contains(word), "engine.rs mentions `{word}`");
    }
}

#[test]
fn the_library_never_prints_or_reads_the_clock() {
    for (f, text) in lib_sources() {
        for bad in [
            "Instant::now",
            "SystemTime::now",
            "println!",
            "eprintln!",
            "print!(",
            "thread_rng",
            "rand::random",
        ] {
            let hits: Vec<&str> = text
                .lines()
                .filter(|l| l.contains(bad) && !l.trim_start().starts_with("//"))
                .collect();
            assert!(hits.is_empty(), "{f} uses `{bad}`: {hits:?}");
        }
    }
}

#[test]
fn data_flows_one_way() {
    let forbidden: &[(&str, &[&str])] = &[
        (
            "src/model/",
            &["engine", "flux", "trace", "analysis", "report", "runner"],
        ),
        (
            "src/scenario/",
            &["model", "engine", "flux", "analysis", "report", "runner"],
        ),
        ("src/flux/", &["analysis", "report", "runner"]),
        ("src/analysis/", &["flux", "runner", "report"]),
        ("src/trace.rs", &["flux", "analysis", "report"]),
        ("src/report/", &["flux", "engine"]),
        (
            "src/calibrate/",
            &["flux", "engine", "runner", "report", "observe"],
        ),
        ("src/observe/", &["flux", "engine", "runner", "analysis"]),
    ];
    for (f, text) in lib_sources() {
        for (prefix, bad) in forbidden {
            if f.starts_with(prefix) {
                for i in imports(&text) {
                    assert!(!bad.contains(&i.as_str()), "{f} imports crate::{i}");
                }
            }
        }
    }
}
