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

// ---- The command line ----

use std::io::Write as _;
use std::process::{Command, Stdio};

fn cli(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fluxsim"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = c.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).unwrap();
    }
    drop(input);
    let o = c.wait_with_output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn tmp(name: &str, body: &str) -> String {
    common::temp_file("hardening", name, body)
}

const OK: &str = "kustomizations:\n  - name: a\n";

/// A fresh named pipe `name` in this test binary's folder `fluxsim-TAG-PID` (made again if it
/// is there already), with that folder.
#[cfg(unix)]
fn named_pipe(tag: &str, name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("fluxsim-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join(name);
    let _ = std::fs::remove_file(&fifo);
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    (dir, fifo)
}

/// A stuck scenario that polls every millisecond (SPEC R3 `requeue_dependency`).
const POLL_1MS: &str = "controllers:\n  kustomize: {requeueDependency: 1ms}\nkustomizations:\n  - name: infra\n    wait: true\n    resources: [{kind: Deployment, name: x}]\n  - name: apps\n    dependsOn: [infra]\nfaults: [{type: permanent, workload: x}]\nhorizon: 8h\n";

#[test]
fn closed_stdout_ends_quietly() {
    let p = tmp("pipe.yaml", &chain(50, ""));
    let mut c = Command::new(env!("CARGO_BIN_EXE_fluxsim"))
        .args(["run", &p])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(c.stdout.take());
    let o = c.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn dash_reads_the_scenario_from_stdin() {
    let (code, out, err) = cli(&["validate", "-"], Some(OK));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1 Kustomizations"), "{out}");
    let (code, _, err) = cli(
        &["run", "-"],
        Some("kustomizations:\n  - name: a\n    wiat: true\n"),
    );
    assert_eq!(code, 2);
    assert!(err.contains("<stdin>:3:5"), "{err}");
}

#[test]
fn two_outputs_on_stdout_are_refused() {
    let p = tmp("ok.yaml", OK);
    let (code, out, err) = cli(&["run", &p, "--json", "-", "--csv", "-"], None);
    assert_eq!(code, 2);
    assert!(out.is_empty() && err.contains("--json and --csv"), "{err}");
}

#[test]
fn empty_scenario_is_an_error() {
    for body in ["", "name: x\n"] {
        let p = tmp("empty.yaml", body);
        let (code, _, err) = cli(&["run", &p], None);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("no Kustomization or HelmRelease"), "{err}");
    }
}

#[test]
fn check_needs_something_to_check() {
    let p = tmp("nocheck.yaml", OK);
    let (code, _, err) = cli(&["check", &p, "--trials", "10"], None);
    assert_eq!(code, 2);
    assert!(
        err.contains("nothing to check") && err.contains("--baseline"),
        "{err}"
    );
}

// The output path is checked before simulating: with the 1 ms poll scenario, the error is
// the unwritable path, not the event budget the run would have hit.
#[test]
fn output_paths_are_checked_first() {
    let p = tmp("poll-out.yaml", POLL_1MS);
    let (code, _, err) = cli(&["mc", &p, "--json", "/nonexistent-dir/x.json"], None);
    assert_eq!(code, 2);
    assert!(
        err.contains("cannot write `/nonexistent-dir/x.json`"),
        "{err}"
    );
    assert!(!err.contains("events"), "{err}");
}

#[test]
fn a_killed_write_leaves_nothing_behind_the_next_run() {
    let p = tmp("stray.yaml", OK);
    let dir = std::path::Path::new(&p).parent().unwrap().join("stray-out");
    std::fs::create_dir_all(&dir).unwrap();
    let stray = dir.join(".out.json.fluxsim-tmp");
    std::fs::write(&stray, "half a report").unwrap();
    let out = dir.join("out.json");
    let (code, _, err) = cli(&["run", &p, "--json", out.to_str().unwrap()], None);
    assert_eq!(code, 0, "{err}");
    assert!(!stray.exists());
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("out.json")]);
}

#[test]
fn absurd_trials_and_threads_are_refused() {
    let p = tmp("absurd.yaml", OK);
    let (code, _, err) = cli(&["mc", &p, "--trials", "4000000000"], None);
    assert_eq!(code, 2);
    assert!(err.contains("--trials 4000000000 is too many"), "{err}");
    let (code, _, err) = cli(&["mc", &p, "--threads", "100000"], None);
    assert_eq!(code, 2);
    assert!(
        err.contains("--threads 100000 is too many: at most 256"),
        "{err}"
    );
}

// SPEC R3/R16: 1 ms dependency polls for 8 h would be 28.8 million reconciles (20 GB). The
// trial stops at its event budget, 500,000 + 10,000 × (2 objects + 1 workload) = 530,000,
// and the error names the setting.
#[test]
fn polling_without_bound_hits_the_event_budget() {
    let p = tmp("poll.yaml", POLL_1MS);
    for cmd in ["run", "mc"] {
        let (code, _, err) = cli(
            &[cmd, &p, "--trials", "4"][..if cmd == "run" { 2 } else { 4 }],
            None,
        );
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains("stopped after 530000 events")
                && err.contains("`controllers.kustomize.requeueDependency` of 1ms"),
            "{err}"
        );
    }
}

#[test]
fn oversized_input_is_refused() {
    let (code, _, err) = cli(&["validate", "/dev/zero"], None);
    assert_eq!(code, 2);
    assert!(err.contains("larger than 320 MiB"), "{err}");
}

#[test]
fn yaml_errors_are_said_in_words() {
    let p = tmp(
        "neg.yaml",
        "controllers:\n  kustomize:\n    concurrent: -1\nkustomizations: [{name: a}]\n",
    );
    let (code, _, err) = cli(&["validate", &p], None);
    assert_eq!(code, 2);
    assert!(
        err.contains("must be a positive integer") && err.contains("neg.yaml:3:17"),
        "{err}"
    );
    // One anchor replayed through 300 aliases: more events than the file has bytes.
    let mut y = String::from("bootstrap: &b [");
    for i in 0..20 {
        y.push_str(&format!("{{kind: Deployment, name: x{i}}}, "));
    }
    y.push_str("]\nkustomizations:\n");
    for i in 0..300 {
        y.push_str(&format!("  - {{name: k{i}, resources: *b}}\n"));
    }
    let p = tmp("alias.yaml", &y);
    let (code, _, err) = cli(&["validate", &p], None);
    assert_eq!(code, 2);
    assert!(
        err.contains("aliases") && err.contains("write the repeated part out"),
        "{err}"
    );
    assert!(!err.contains("Budget") && !err.contains("Breach"), "{err}");
}

// A one-line flow-style file with 10,000 errors: each diagnostic keeps a 100-character
// excerpt, the report shows 20 and counts the rest, the known-names hint lists 10.
#[test]
fn many_errors_on_one_line_stay_small() {
    let n = 10_000;
    let items: Vec<String> = (0..n)
        .map(|i| format!("{{name: k{i}, dependsOn: [nope{i}]}}"))
        .collect();
    let p = tmp(
        "flow.yaml",
        &format!("kustomizations: [{}]\n", items.join(", ")),
    );
    let (code, _, err) = cli(&["validate", &p], None);
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!("and {} more", n - 20)),
        "{}",
        &err[err.len() - 300..]
    );
    assert!(err.contains("10000 errors found"));
    assert!(err.len() < 40_000, "{} bytes", err.len());
}

// A Gantt chart of 2,000 objects draws 300 rows (the critical path's objects and the earliest
// others) plus one row counting the rest: 130 + 18 × 301 pixels high, not 36,000.
#[test]
fn large_gantt_is_summarised() {
    use fluxsim::report::chart::{to_svg, Chart, Gantt};
    let mut y = String::from("kustomizations:\n  - name: hub\n");
    for i in 0..2_000 {
        y.push_str(&format!("  - name: app-{i:04}\n    dependsOn: [hub]\n"));
    }
    let (m, out) = run(&y);
    let rep = RunReport::new(&m, &out);
    let g = Gantt { report: &rep };
    assert_eq!(g.size().1, 130 + 18 * 301);
    let svg = to_svg(&g).unwrap();
    assert!(svg.contains("1701 more objects"), "no summary row");
    // Every critical object keeps its row.
    for o in rep.objects.iter().filter(|o| o.critical) {
        assert!(svg.contains(&o.name), "{} missing", o.name);
    }
}

// 20,000 workloads, each `needs` the previous one (SPEC R14): every reference is resolved
// through a name index built once (a scan of all workloads per reference took 14 s at 40,000).
#[test]
fn many_needs_resolve_in_linear_time() {
    let n = 20_000;
    let mut y = String::from("kustomizations:\n  - name: a\n    resources:\n");
    for i in 0..n {
        y.push_str(&format!("      - {{kind: Deployment, name: d{i}"));
        if i > 0 {
            y.push_str(&format!(", needs: [d{}]", i - 1));
        }
        y.push_str("}\n");
    }
    let m = common::model(&y);
    assert_eq!(m.workloads.len(), n);
    let last = m.workloads.position(|w| w.name == "d19999").unwrap();
    let prev = m.workloads.position(|w| w.name == "d19998").unwrap();
    assert_eq!(m.workloads[last].needs, vec![prev]);
}

/// Writing to a device or a FIFO (`--markdown /dev/null`, a named pipe) writes in place: the
/// atomic temp-file-and-rename used for regular files once replaced `/dev/null` itself with a
/// regular file. Tested on a FIFO of our own, never on /dev/null.
#[cfg(unix)]
#[test]
fn output_to_a_fifo_is_written_in_place() {
    use std::io::Read;
    use std::os::unix::fs::FileTypeExt;
    let (dir, fifo) = named_pipe("fifo", "out.md");
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut s = String::new();
            std::fs::File::open(&fifo)
                .unwrap()
                .read_to_string(&mut s)
                .unwrap();
            s
        })
    };
    let path = fifo.to_str().unwrap();
    fluxsim::report::write::check_writable(path).unwrap();
    fluxsim::report::write::write_output(path, b"hello\n", &mut std::io::sink()).unwrap();
    assert_eq!(reader.join().unwrap(), "hello\n");
    let ft = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(ft.is_fifo(), "the FIFO is still a FIFO");
    assert!(!dir.join(".out.md.fluxsim-tmp").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A scenario path that is a named pipe: with a writer it is read like a file; with none,
/// opening it would wait forever, so the command gives up after a short wait with one error
/// naming the path, exit 2. (The child is killed if it is still running after a minute, so a
/// regression fails instead of hanging the suite.)
#[cfg(unix)]
#[test]
fn a_scenario_that_is_a_named_pipe_is_read_or_refused_never_waited_on_forever() {
    let (dir, fifo) = named_pipe("scenario-fifo", "s.yaml");
    let path = fifo.to_str().unwrap().to_string();
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(&fifo, OK).unwrap())
    };
    let (code, out, err) = cli(&["run", &path], None);
    writer.join().unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("makespan"), "{out}");

    named_pipe("scenario-fifo", "s.yaml");
    let mut c = Command::new(env!("CARGO_BIN_EXE_fluxsim"))
        .args(["run", &path])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut waited = 0;
    while c.try_wait().unwrap().is_none() {
        waited += 1;
        if waited > 600 {
            c.kill().unwrap();
            panic!("`fluxsim run` on a named pipe with no writer is still waiting after a minute");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let o = c.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(&path) && err.contains("named pipe"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `fluxsim calibrate` with a dump that cannot be read as one: one line naming it, exit 2.
fn calibrate_refuses(dump: &str, wants: &str) {
    let sc = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/calibrate/scenario.yaml"
    );
    let (code, out, err) = cli(&["calibrate", sc, dump], None);
    assert_eq!(code, 2, "{dump}: {err}");
    assert!(out.is_empty(), "{out}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: ") && err.contains(dump) && err.contains(wants),
        "{err}"
    );
}

/// A named pipe nothing writes to made `calibrate` wait in `open` forever; now the wait is
/// bounded (5 s) and the pipe is named. A pipe with a writer is read as usual.
#[cfg(unix)]
#[test]
fn calibrate_does_not_wait_forever_on_a_fifo() {
    use std::io::Write;
    let (dir, fifo) = named_pipe("dump-fifo", "events.json");
    let path = fifo.to_str().unwrap();
    calibrate_refuses(path, "nothing opened for writing within 5 s");
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut f = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
            f.write_all(
                br#"{"kind": "List", "items": [{"kind": "ConfigMap", "metadata": {"name": "x"}}]}"#,
            )
            .unwrap();
        })
    };
    // Read through the pipe: refused for what it holds, not for being a pipe.
    calibrate_refuses(path, "holds only ConfigMap");
    writer.join().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A directory, a missing file and a List of kinds calibration does not read: one line, exit 2.
#[test]
fn calibrate_refuses_what_is_no_dump() {
    calibrate_refuses(env!("CARGO_MANIFEST_DIR"), "cannot read");
    calibrate_refuses("no-such-dump.json", "cannot read");
    let dir = std::env::temp_dir().join(format!("fluxsim-dump-kinds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("cm.json");
    std::fs::write(
        &f,
        r#"{"kind": "List", "items": [{"kind": "Secret", "metadata": {"name": "x"}}]}"#,
    )
    .unwrap();
    calibrate_refuses(f.to_str().unwrap(), "holds only Secret");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A Kustomization's log lines were matched by scanning every earlier line for each
/// `server-side apply completed` (lines² / 2), and every object's lines and events by scanning
/// all of them (objects × lines): a 200,000-line log, or 30,000 objects beside 30,000 events,
/// took minutes. Both are one pass now; this asserts completion and the result.
#[test]
fn calibrate_matches_long_logs_and_many_objects_in_one_pass() {
    use fluxsim::calibrate::{self, load::Input, timeline};
    let sc = fluxsim::scenario::parse(
        include_str!("fixtures/calibrate/scenario.yaml"),
        "scenario.yaml",
    )
    .unwrap();
    let m = fluxsim::model::build(&sc).unwrap();
    // `infra` applies 200,000 times with no `All dependencies are ready` line: no start to
    // measure from, so no log sample (the status history's 1.2s run gives none either).
    let mut log = String::new();
    for i in 0..200_000 {
        log.push_str(&format!("{{\"ts\":\"2025-03-01T10:05:00.000Z\",\"msg\":\"server-side apply completed\",\"controllerKind\":\"Kustomization\",\"name\":\"infra\",\"namespace\":\"flux-system\",\"reconcileID\":\"r{i}\"}}\n"));
    }
    let mut input = Input::default();
    let fx = |f: &str| std::fs::read_to_string(format!("tests/fixtures/calibrate/{f}")).unwrap();
    calibrate::load::read(&mut input, "flux.json", &fx("flux.json")).unwrap();
    calibrate::load::read(&mut input, "kc.log", &log).unwrap();
    assert_eq!(input.logs.len(), 200_000);
    let c = calibrate::calibrate(&m, &input);
    assert!(c.objects.iter().all(|o| o.source != "controller log (ms)"));
    // 30,000 Ready Kustomizations the scenario does not know, and 30,000 events about others.
    let ks: Vec<String> = (0..30_000).map(|i| format!(r#"{{"kind": "Kustomization", "metadata": {{"name": "k{i}", "namespace": "x", "creationTimestamp": "2025-03-01T10:00:00Z"}}, "status": {{"conditions": [{{"type": "Ready", "status": "True", "lastTransitionTime": "2025-03-01T10:01:00Z"}}]}}}}"#)).collect();
    let ev: Vec<String> = (0..30_000).map(|i| format!(r#"{{"kind": "Event", "metadata": {{"name": "e{i}"}}, "involvedObject": {{"kind": "Kustomization", "namespace": "y", "name": "k{i}"}}, "reason": "ReconciliationSucceeded", "firstTimestamp": "2025-03-01T10:01:00Z"}}"#)).collect();
    let mut input = Input::default();
    let list = |v: &[String]| format!("{{\"kind\": \"List\", \"items\": [{}]}}", v.join(","));
    calibrate::load::read(&mut input, "many.json", &list(&ks)).unwrap();
    calibrate::load::read(&mut input, "events.json", &list(&ev)).unwrap();
    let c = calibrate::calibrate(&m, &input);
    assert_eq!(c.unmatched.len(), 30_000);
    let b = timeline::observed(&m, &input);
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].objects.len(), 30_000);
    assert!(b[0]
        .objects
        .iter()
        .all(|o| o.ready_ms == Some(60_000) && !o.precise));
}
