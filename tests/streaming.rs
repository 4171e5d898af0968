//! Issue 18: streaming Monte Carlo, shards and merge. The statistics of a run do not depend on
//! the thread count or on how its trials are split into shards (SPEC R16: a run is a pure
//! function of scenario, seed and trial), and per-object histograms stay within their bound.

use fluxsim::analysis::accumulate::{McStats, ReadyMode};
use fluxsim::analysis::sketch::RELATIVE_ERROR;
use fluxsim::model::{build, Model};
use fluxsim::report::mc::ScenarioInfo;
use fluxsim::report::McReport;
use fluxsim::runner::{monte_carlo, monte_carlo_shard, monte_carlo_stats, McConfig, Shard};
mod common;
use common::cli_in;

fn scenario(name: &str) -> String {
    format!("{}/scenarios/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn load(name: &str) -> Model {
    build(&fluxsim::scenario::load(std::path::Path::new(&scenario(name))).unwrap()).unwrap()
}

fn cfg(trials: u64, threads: usize) -> McConfig {
    McConfig {
        seed: 7,
        trials,
        threads,
    }
}

#[test]
fn streamed_statistics_do_not_depend_on_threads_and_match_the_collected_report() {
    let m = load("example.yaml");
    let one = monte_carlo_stats(&m, &cfg(300, 1), &|_| {}).unwrap();
    let two = monte_carlo_stats(&m, &cfg(300, 2), &|_| {}).unwrap();
    assert_eq!(one, two);
    let one_json = McReport::from_stats(&ScenarioInfo::of(&m), 7, one).to_json();
    let streamed = McReport::from_stats(&ScenarioInfo::of(&m), 7, two).to_json();
    assert_eq!(one_json, streamed);
    let all = monte_carlo(&m, &cfg(300, 2), &|_| {}).unwrap();
    assert_eq!(streamed, McReport::new(&m, 7, &all).to_json());
}

#[test]
fn shard_ranges_by_hand() {
    // Shard I of N runs [I·T/N, (I+1)·T/N): 1000 trials in 3 → 0..333, 333..666, 666..1000.
    let s = |i, n| Shard { index: i, count: n };
    assert_eq!(s(0, 3).trials(1000), 0..333);
    assert_eq!(s(1, 3).trials(1000), 333..666);
    assert_eq!(s(2, 3).trials(1000), 666..1000);
    // More shards than trials: 2 trials in 4 → 0..0, 0..1, 1..1, 1..2.
    let r: Vec<_> = (0..4).map(|i| s(i, 4).trials(2)).collect();
    assert_eq!(r, vec![0..0, 0..1, 1..1, 1..2]);
    assert_eq!("3/4".parse::<Shard>(), Ok(s(3, 4)));
    for bad in ["0/0", "3/2", "2/2", "x", "1/", "/2", "-1/2", "1/2/3"] {
        assert!(bad.parse::<Shard>().is_err(), "{bad}");
    }
}

#[test]
fn shards_merge_into_the_whole_run() {
    let m = load("example.yaml");
    let whole = monte_carlo_stats(&m, &cfg(200, 2), &|_| {}).unwrap();
    let mut merged = McStats::new(m.objects.len(), ReadyMode::for_run(200, m.objects.len()));
    for i in 0..3 {
        let part = monte_carlo_shard(&m, &cfg(200, 1), Shard { index: i, count: 3 }, &|_| {});
        assert!(merged.merge(part.unwrap()));
    }
    assert_eq!(merged, whole);
}

#[test]
fn histogram_percentiles_are_within_the_stated_error() {
    let m = load("synthetic-homeops-160.yaml");
    let trials = monte_carlo(&m, &cfg(300, 2), &|_| {}).unwrap();
    let n = m.objects.len();
    let (mut exact, mut sketch) = (
        McStats::new(n, ReadyMode::Exact),
        McStats::new(n, ReadyMode::Sketch),
    );
    for (i, t) in trials.iter().enumerate() {
        exact.add(i as u64, t);
        sketch.add(i as u64, t);
    }
    let ps = [0.5, 0.9, 0.95];
    for o in (0..n).map(fluxsim::model::ObjectId::new) {
        let (e, s) = (
            exact.ready_percentiles(o, &ps),
            sketch.ready_percentiles(o, &ps),
        );
        for (e, s) in e.iter().zip(&s) {
            match (e, s) {
                (Some(e), Some(s)) => {
                    #[allow(clippy::cast_precision_loss)]
                    let err = (*s as f64 - *e as f64).abs() / (*e as f64).max(1.0);
                    assert!(err <= RELATIVE_ERROR, "object {o}: {s} against exact {e}");
                }
                (None, None) => {}
                _ => panic!("object {o}: {e:?} against {s:?}"),
            }
        }
    }
}

fn tmpdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("fluxsim-streaming-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn sharded_and_merged_output_is_byte_identical_to_the_unsharded_run() {
    let d = tmpdir("merge");
    let sc = scenario("example.yaml");
    let base = ["mc", &sc, "--trials", "500", "--seed", "3"];
    for i in 0..3 {
        let shard = format!("{i}/3");
        let part = format!("part-{i}.json");
        let args = [
            &base[..],
            &["--threads", "1", "--shard", &shard, "--partial", &part],
        ]
        .concat();
        assert_eq!(cli_in(&d, &args).0, 0);
    }
    let whole = [
        &base[..],
        &["--threads", "2", "--json", "u.json", "--csv", "u.csv"],
    ]
    .concat();
    let (code, text, _) = cli_in(&d, &whole);
    assert_eq!(code, 0);
    let merge = ["merge", "part-2.json", "part-0.json", "part-1.json"];
    let (code, merged_text, err) = cli_in(
        &d,
        &[&merge[..], &["--json", "m.json", "--csv", "m.csv"]].concat(),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(merged_text, text);
    for (a, b) in [("u.json", "m.json"), ("u.csv", "m.csv")] {
        assert_eq!(
            std::fs::read(d.join(a)).unwrap(),
            std::fs::read(d.join(b)).unwrap()
        );
    }
}

fn one_error_line(out: &(i32, String, String), want: &str) {
    assert_eq!(out.0, 2, "{}", out.2);
    let lines: Vec<&str> = out.2.lines().collect();
    assert_eq!(lines.len(), 1, "{}", out.2);
    assert!(
        lines[0].starts_with("error: ") && lines[0].contains(want),
        "{}",
        out.2
    );
}

#[test]
fn merge_refuses_parts_of_other_runs_duplicates_and_gaps() {
    let d = tmpdir("refuse");
    let sc = scenario("chain.yaml");
    let run = |extra: &[&str], shard: &str, out: &str| {
        let args = [
            &["mc", sc.as_str(), "--shard", shard, "--partial", out][..],
            extra,
        ]
        .concat();
        assert_eq!(cli_in(&d, &args).0, 0);
    };
    run(&["--trials", "50"], "0/2", "a0.json");
    run(&["--trials", "50"], "1/2", "a1.json");
    run(&["--trials", "50", "--seed", "2"], "1/2", "seed.json");
    run(&["--trials", "60"], "1/2", "trials.json");
    one_error_line(&cli_in(&d, &["merge", "a0.json"]), "shards missing: 1/2");
    one_error_line(
        &cli_in(&d, &["merge", "a0.json", "a0.json"]),
        "both shard 0/2",
    );
    one_error_line(
        &cli_in(&d, &["merge", "a0.json", "seed.json"]),
        "seed 2 against 1",
    );
    one_error_line(
        &cli_in(&d, &["merge", "a0.json", "trials.json"]),
        "trials 60 against 50",
    );
    std::fs::write(d.join("x.json"), "{\"kind\": \"something\"}").unwrap();
    one_error_line(
        &cli_in(&d, &["merge", "a0.json", "x.json"]),
        "`x.json` is not a partial result",
    );
    let other = scenario("example.yaml");
    let args = [
        "mc",
        other.as_str(),
        "--trials",
        "50",
        "--shard",
        "1/2",
        "--partial",
        "o.json",
    ];
    assert_eq!(cli_in(&d, &args).0, 0);
    one_error_line(
        &cli_in(&d, &["merge", "a0.json", "o.json"]),
        "scenario (hash)",
    );
    assert_eq!(cli_in(&d, &["merge", "a1.json", "a0.json"]).0, 0);
}

#[test]
fn bad_shard_values_get_one_clear_error() {
    let d = tmpdir("shard");
    let sc = scenario("chain.yaml");
    for bad in ["0/0", "3/2", "garbage"] {
        let (code, _, err) = cli_in(&d, &["mc", &sc, "--shard", bad, "--partial", "p.json"]);
        assert_eq!(code, 2);
        assert!(
            err.lines()
                .next()
                .unwrap()
                .contains(&format!("`{bad}` is not I/N")),
            "{err}"
        );
    }
}

#[test]
fn streamed_comparison_matches_the_collected_one_on_any_thread_count() {
    use fluxsim::analysis::compare::{compare, compare_stats};
    use fluxsim::runner::monte_carlo_paired;
    let ma = load("example.yaml");
    let mut sb = fluxsim::scenario::load(std::path::Path::new(&scenario("example.yaml"))).unwrap();
    let edit = fluxsim::scenario::edit::Edit::set("controller.requeue_dependency=5s").unwrap();
    fluxsim::scenario::edit::apply(&mut sb.raw, &[edit]).unwrap();
    let mb = build(&sb).unwrap();
    let (a, b) = (
        monte_carlo(&ma, &cfg(200, 2), &|_| {}).unwrap(),
        monte_carlo(&mb, &cfg(200, 2), &|_| {}).unwrap(),
    );
    let collected = compare(&ma, &a, &mb, &b, 7);
    for threads in [1, 2] {
        let done = std::sync::atomic::AtomicU64::new(0);
        let progress = |n: u64| {
            done.fetch_max(n, std::sync::atomic::Ordering::Relaxed);
        };
        let r = monte_carlo_paired(&ma, &mb, &cfg(200, threads), &progress).unwrap();
        let streamed = compare_stats(&ma, &r.a, &mb, &r.b, &r.paired, 7);
        assert_eq!(streamed, collected, "{threads} threads");
        // The progress counts both sides' trials.
        assert_eq!(done.into_inner(), 400);
    }
}

#[test]
fn histogram_mode_is_the_same_on_any_thread_count_and_split() {
    use fluxsim::runner::monte_carlo_shard_in;
    let m = load("synthetic-homeops-160.yaml");
    let run = |threads, shard| {
        monte_carlo_shard_in(&m, &cfg(240, threads), shard, ReadyMode::Sketch, &|_| {}).unwrap()
    };
    let one = run(1, Shard::ALL);
    assert_eq!(one, run(2, Shard::ALL));
    let mut merged = run(2, Shard { index: 0, count: 4 });
    for i in 1..4 {
        assert!(merged.merge(run(1, Shard { index: i, count: 4 })));
    }
    assert_eq!(merged, one);
    let report = McReport::from_stats(&ScenarioInfo::of(&m), 7, one).to_json();
    assert!(report.contains("\"ready_percentile_error\": 0.00390625"));
}

/// `run --json` and `--csv` write each object's rows as they go (a few thousand objects at a
/// time): the bytes are those of the report built whole, across chunk boundaries (9,000
/// objects: two full chunks and a partial one), on any thread count.
#[test]
fn json_and_csv_written_with_their_rows_made_on_the_way_are_the_whole_report() {
    use fluxsim::report::RunReport;
    let y = fluxsim::synth::home_ops(9_000, 3, 4);
    let m = build(&fluxsim::scenario::parse(&y, "synth.yaml").unwrap()).unwrap();
    let out = fluxsim::runner::run_once(&m, 7, 0);
    let mut whole = Vec::new();
    RunReport::new(&m, &out).write_json(&mut whole).unwrap();
    let whole_csv = RunReport::new(&m, &out).to_csv().unwrap();
    assert!(whole_csv.lines().count() > 9_000);
    let lines = RunReport::without_rows(&m, &out);
    assert!(lines.objects.iter().all(|o| o.runs.is_empty()));
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut streamed = Vec::new();
        pool.install(|| lines.write_json_rows(&m, &out, &mut streamed))
            .unwrap();
        assert_eq!(streamed.len(), whole.len());
        assert!(streamed == whole, "{threads} threads");
        let mut csv = Vec::new();
        pool.install(|| lines.write_csv_rows(&m, &out, &mut csv))
            .unwrap();
        assert!(csv == whole_csv.as_bytes(), "CSV, {threads} threads");
    }
    // Every object has rows, so the test covers real rows at each chunk boundary.
    let rows = RunReport::new(&m, &out).objects;
    assert!(rows[4095].runs.len() + rows[4096].runs.len() + rows[8999].runs.len() >= 3);
}
