//! The user documentation stays true: the worked timeline of docs/model.md is the shipped
//! scenario `scenarios/chain.yaml`, and the numbers the page prints are the simulator's.

mod common;
use common::*;

const CHAIN: &str = include_str!("../scenarios/chain.yaml");
const MODEL_MD: &str = include_str!("../docs/model.md");

// SPEC R3, R4, R6, R8 — by hand in docs/model.md "A worked timeline": a Ready 12.75s,
// b 42.75s, c 72.75s; with a 5s dependency requeue b runs at its 15.75s poll (Ready 27.75s),
// c's 15.75s poll sees b reconciling and its 30.75s poll sees it Ready → 42.75s; with the
// dependency watch 36.75s.
#[test]
fn worked_timeline_matches_the_simulator() {
    let (m, out) = run(CHAIN);
    for (name, ms) in [("a", 12_750), ("b", 42_750), ("c", 72_750)] {
        assert_eq!(ready(&m, &out, name), Some(ms), "{name}");
    }
    let with = |controllers: &str| {
        let yaml = CHAIN.replace(
            "name: chain",
            &format!("name: chain\ncontrollers:\n  kustomize: {{{controllers}}}"),
        );
        run(&yaml).1.trace.makespan_ms
    };
    assert_eq!(with("requeueDependency: 5s"), Some(42_750));
    assert_eq!(with("watchDependencies: true"), Some(36_750));
    for shown in [
        "12.75s",
        "42.75s",
        "72.75s",
        "36.75s",
        "36s dependency polling latency",
    ] {
        assert!(
            MODEL_MD.contains(shown),
            "docs/model.md no longer shows {shown}"
        );
    }
}

/// User-facing documents never send a reader to files they do not have.
#[test]
fn user_docs_are_self_contained() {
    let docs = [
        ("README.md", include_str!("../README.md")),
        ("docs/model.md", MODEL_MD),
        ("docs/import.md", include_str!("../docs/import.md")),
        (
            "scenarios/README.md",
            include_str!("../scenarios/README.md"),
        ),
    ];
    for (name, text) in docs {
        assert!(!text.contains("../shared"), "{name} mentions ../shared");
        assert!(!text.contains("SPEC.md"), "{name} mentions SPEC.md");
        assert_eq!(
            bare_rule_number(text),
            None,
            "{name} cites a bare rule number"
        );
    }
}

#[test]
fn bare_rule_numbers_are_found() {
    assert_eq!(bare_rule_number("as R7 says"), Some("R7"));
    assert_eq!(bare_rule_number("(R5b)"), Some("R5b"));
    assert_eq!(bare_rule_number("RFC3339 and R2D2s"), None);
    assert_eq!(bare_rule_number("see R7 for this"), Some("R7"));
    assert_eq!(bare_rule_number("(R12)"), Some("R12"));
    assert_eq!(bare_rule_number("RFC 3339, R2D2, FR7"), None);
}

/// The composite GitHub Action parses, and every `inputs.X` it uses is declared (a typo there
/// would silently be an empty string on GitHub).
#[test]
fn github_action_inputs_are_declared() {
    let text = include_str!("../action.yml");
    let doc: serde_json::Value = serde_saphyr::from_str(text).expect("action.yml is YAML");
    let inputs = doc["inputs"].as_object().expect("inputs");
    assert!(inputs.contains_key("scenario") && inputs.contains_key("baseline"));
    assert_eq!(doc["runs"]["using"], "composite");
    let mut used = 0;
    for part in text.split("inputs.").skip(1) {
        let name: String = part
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        assert!(
            inputs.contains_key(&name),
            "action.yml uses undeclared input {name}"
        );
        used += 1;
    }
    assert!(used >= 6, "only {used} uses of inputs found");
}

/// Messages and reports never cite the internal spec: code comments may, strings may not.
#[test]
fn user_facing_strings_cite_no_spec() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = vec![];
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let mut in_tests = false;
        for (i, line) in text.lines().enumerate() {
            in_tests |= line.contains("#[cfg(test)]");
            let code = line.trim_start();
            if in_tests || code.starts_with("//") {
                continue;
            }
            // The part of the line inside string literals.
            let quoted: String = code
                .split('"')
                .skip(1)
                .step_by(2)
                .collect::<Vec<_>>()
                .join(" ");
            for bad in ["SPEC", "../shared", "flux-semantics.md"] {
                assert!(
                    !quoted.contains(bad),
                    "{}:{}: a message cites `{bad}`: {line}",
                    f.display(),
                    i + 1
                );
            }
            assert_eq!(
                bare_rule_number(&quoted),
                None,
                "{}:{}: {line}",
                f.display(),
                i + 1
            );
        }
    }
}
