//! Large-scenario input paths: every dependsOn cycle is named.

mod common;
use common::errors;

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
