//! Issue 7: charts and exports are produced, decode, parse, and are byte-identical per seed.
#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};
use std::process::Command;

fn chart(scenario: &str, tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fluxsim-charts-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let o = Command::new(env!("CARGO_BIN_EXE_fluxsim"))
        .args([
            "chart",
            scenario,
            "--out",
            dir.to_str().unwrap(),
            "--trials",
            "300",
            "--seed",
            "3",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    dir
}

fn png_size(p: &Path) -> (u32, u32) {
    let dec = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(p).unwrap()));
    let mut r = dec.read_info().unwrap();
    let mut buf = vec![0; r.output_buffer_size()];
    let info = r.next_frame(&mut buf).unwrap();
    assert!(buf.iter().any(|b| *b != 255), "{} is blank", p.display());
    (info.width, info.height)
}

fn svg_size(p: &Path) -> (u32, u32) {
    let txt = std::fs::read_to_string(p).unwrap();
    let doc = roxmltree::Document::parse(&txt).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert!(
        doc.descendants().any(|n| n.tag_name().name() == "text"),
        "{} has no text",
        p.display()
    );
    (
        root.attribute("width").unwrap().parse().unwrap(),
        root.attribute("height").unwrap().parse().unwrap(),
    )
}

/// A structural Mermaid check: a flowchart header, node and edge lines only, every edge
/// between declared nodes, class lines naming declared nodes.
fn check_mermaid(txt: &str) -> usize {
    let mut lines = txt.lines();
    assert_eq!(lines.next(), Some("flowchart LR"));
    let mut nodes = std::collections::BTreeSet::new();
    let mut edges = 0;
    for l in lines {
        let l = l.trim();
        if let Some((id, rest)) = l.split_once("[\"") {
            assert!(
                rest.ends_with("\"]") && !rest[..rest.len() - 2].contains('"'),
                "bad node: {l}"
            );
            nodes.insert(id.to_string());
        } else if let Some((a, b)) = l.split_once(" --> ").or_else(|| l.split_once(" -.-> ")) {
            assert!(
                nodes.contains(a) && nodes.contains(b),
                "edge to an undeclared node: {l}"
            );
            edges += 1;
        } else if let Some(c) = l.strip_prefix("class ") {
            let (ids, cls) = c.rsplit_once(' ').unwrap();
            assert_eq!(cls, "critical");
            assert!(ids.split(',').all(|i| nodes.contains(i)), "{l}");
        } else if let Some(ls) = l.strip_prefix("linkStyle ") {
            let ids = ls.split_once(' ').unwrap().0;
            assert!(
                ids.split(',').all(|i| i.parse::<usize>().unwrap() < edges),
                "{l}"
            );
        } else {
            assert!(l.starts_with("classDef "), "unexpected line: {l}");
        }
    }
    nodes.len()
}

/// A structural DOT check: `digraph … { … }`, statements end with `;`, edges between declared
/// nodes, quotes balanced.
fn check_dot(txt: &str) -> usize {
    assert!(txt.starts_with("digraph fluxsim {\n") && txt.trim_end().ends_with('}'));
    let mut nodes = std::collections::BTreeSet::new();
    for l in txt.lines().skip(1) {
        let l = l.trim();
        if l == "}" {
            continue;
        }
        assert!(l.ends_with(';'), "{l}");
        assert_eq!(l.matches('"').count() % 2, 0, "{l}");
        if let Some((a, rest)) = l.split_once(" -> ") {
            let b = rest.split([' ', ';']).next().unwrap();
            assert!(nodes.contains(a) && nodes.contains(b), "{l}");
        } else if let Some((id, _)) = l.split_once(" [label=") {
            nodes.insert(id.to_string());
        }
    }
    nodes.len()
}

#[test]
fn every_chart_and_export_is_produced_and_valid() {
    let dir = chart("scenarios/002-matherlynet-before.yaml", "a");
    for name in ["gantt", "cdf", "criticality", "categories"] {
        let (sw, sh) = svg_size(&dir.join(format!("{name}.svg")));
        let (pw, ph) = png_size(&dir.join(format!("{name}.png")));
        assert_eq!((sw, sh), (pw, ph), "{name}: SVG and PNG sizes differ");
        assert!(pw >= 600 && ph >= 250, "{name}: {pw}x{ph}");
    }
    // 31 objects plus the pre-Flux row: 18px per row plus 130px of margins.
    assert_eq!(png_size(&dir.join("gantt.png")).1, 130 + 18 * 32);
    assert_eq!(
        check_mermaid(&std::fs::read_to_string(dir.join("dag.mmd")).unwrap()),
        31
    );
    assert_eq!(
        check_dot(&std::fs::read_to_string(dir.join("dag.dot")).unwrap()),
        31
    );
    let trace: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("trace.json")).unwrap()).unwrap();
    let ev = trace["traceEvents"].as_array().unwrap();
    assert!(ev.iter().any(|e| e["ph"] == "X" && e["name"] == "apply"));
    assert!(ev.iter().all(|e| e["ph"] == "M" || e["ts"].is_u64()));
}

#[test]
fn same_seed_gives_identical_svg_mermaid_dot() {
    let a = chart("scenarios/example.yaml", "x");
    let b = chart("scenarios/example.yaml", "y");
    for f in [
        "gantt.svg",
        "cdf.svg",
        "criticality.svg",
        "categories.svg",
        "dag.mmd",
        "dag.dot",
        "trace.json",
    ] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f} differs"
        );
    }
}

#[test]
fn mermaid_marks_the_critical_chain() {
    let dir = chart("tests/fixtures/chain.yaml", "c");
    let m = std::fs::read_to_string(dir.join("dag.mmd")).unwrap();
    assert!(m.contains("class n0,n1,n2 critical"), "{m}");
    assert!(m.contains("linkStyle 0,1 stroke:#c00"), "{m}");
    assert!(
        m.contains("p50 12.75s") && m.contains("p50 1m12.75s"),
        "{m}"
    );
}
