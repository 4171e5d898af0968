//! No input crashes, hangs or exhausts the machine: each case here once panicked, ran without
//! bound or grew quadratically. Scaling cases use sizes at which the old quadratic code took
//! seconds; they assert completion and output size, never timing.

mod common;
use common::run;
use fluxsim::report::{McReport, RunReport};
use fluxsim::runner::{monte_carlo, McConfig};

/// `n` Kustomizations in a chain, k0 ← k1 ← … (each depends on the previous one).
fn chain(n: usize, head: &str) -> String {
    let mut y = format!("{head}kustomizations:\n");
    for i in 0..n {
        y.push_str(&format!("  - name: k{i}\n"));
        if i > 0 {
            y.push_str(&format!("    dependsOn: [k{}]\n", i - 1));
        }
    }
    y
}

// SPEC R16: a permanent fault on a pre-Flux workload means Flux never starts; the stuck report
// names the bootstrap workload instead of panicking on an object without a parent.
#[test]
fn fault_on_a_bootstrap_workload_is_explained() {
    let (m, out) = run("bootstrap: [{kind: DaemonSet, name: cilium, namespace: kube-system}]\nkustomizations: [{name: apps}]\nfaults: [{type: permanent, workload: cilium}]\n");
    assert!(out.trace.makespan_ms.is_none());
    assert_eq!(out.stuck.len(), 1);
    let s = &out.stuck[0];
    assert!(
        s.reason.contains("never created") && s.reason.contains("pre-Flux"),
        "{s:?}"
    );
    assert!(
        s.root_cause.contains("DaemonSet/kube-system/cilium")
            && s.root_cause.contains("permanent failure"),
        "{s:?}"
    );
    assert!(RunReport::new(&m, &out).to_text().contains("root cause:"));
}

// SPEC R16: a horizon shorter than the pre-Flux phase (2h readiness, 1h horizon) is stuck with
// the bootstrap step still starting.
#[test]
fn horizon_shorter_than_bootstrap_is_explained() {
    let (_, out) = run("bootstrap: [{kind: DaemonSet, name: cilium, namespace: kube-system, ready: 2h}]\nkustomizations: [{name: apps}]\nhorizon: 1h\n");
    assert!(out.trace.makespan_ms.is_none());
    assert!(
        out.stuck[0]
            .root_cause
            .contains("cilium is starting and not ready yet"),
        "{:?}",
        out.stuck
    );
}

// Object names of 65,536+ characters used to overflow the text table's width argument.
#[test]
fn very_long_names_render() {
    let name = "a".repeat(70_000);
    let (m, out) = run(&format!("kustomizations:\n  - name: {name}\n"));
    let text = RunReport::new(&m, &out).to_text();
    assert!(text.contains(&name));
    let trials = monte_carlo(
        &m,
        &McConfig {
            seed: 1,
            trials: 2,
            threads: 1,
        },
        &|_| {},
    )
    .unwrap();
    assert!(McReport::new(&m, 1, &trials).to_text().contains(&name));
}

// SPEC R6/R16: a suspended root with a 3,000-long chain behind it. Each stuck object is
// explained once, pointing at its blocker: output is linear (two lines per entry at most), and
// every entry's root cause is the suspended root. The old walk printed 4.5 million lines.
#[test]
fn stuck_chain_explanation_is_linear() {
    let n = 3_000;
    let y = chain(n, "horizon: 2m\n").replacen(
        "  - name: k0\n",
        "  - name: k0\n    suspend: true\n",
        1,
    );
    let (m, out) = run(&y);
    assert_eq!(out.stuck.len(), n);
    for s in &out.stuck {
        assert!(s.chain.len() <= 2, "{s:?}");
        assert_eq!(s.root_cause, "Kustomization/k0 is suspended", "{s:?}");
    }
    assert_eq!(
        out.stuck[1].continued_at.as_deref(),
        Some("Kustomization/k0")
    );
    let text = RunReport::new(&m, &out).to_text();
    assert!(
        text.lines().count() < 10 * n,
        "{} lines",
        text.lines().count()
    );
}

// A 5,000-deep chain used to overflow the stack in the recursive explanation; run it on a
// small (256 KiB) stack to make sure the walk is iterative.
#[test]
fn deep_chain_does_not_overflow_the_stack() {
    let y = chain(5_000, "horizon: 1m\n").replacen(
        "  - name: k0\n",
        "  - name: k0\n    suspend: true\n",
        1,
    );
    let (m, out) = run(&y);
    let s = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || fluxsim::analysis::stuck::explain(&m, &out.trace))
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(s.len(), 5_000);
    assert!(s
        .iter()
        .all(|x| x.root_cause == "Kustomization/k0 is suspended"));
}
