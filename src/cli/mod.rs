//! Command-line interface (binary only). Exit codes: 0 success, 1 negative verdict (stuck,
//! budget regression), 2 could not run (bad input, I/O error).

use clap::{Parser, Subcommand};
use fluxsim::model::{build, Model};
use fluxsim::report::write::write_output;
use fluxsim::report::{McReport, RunReport};
use fluxsim::runner::{monte_carlo, run_once, McConfig};
use fluxsim::scenario;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "fluxsim",
    version,
    about = "Simulate Flux bootstrap: how long it takes, where the time goes, what breaks"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Check a scenario file and report every problem with file, line and column.
    Validate {
        /// Scenario file (YAML).
        scenario: String,
    },
    /// Simulate one bootstrap: timeline, makespan, critical path.
    Run {
        /// Scenario file (YAML).
        scenario: String,
        /// Seed of the random streams.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Trial index (a run is a pure function of scenario, seed and trial).
        #[arg(long, default_value_t = 0)]
        trial: u64,
        /// Write the JSON report to FILE (`-` for stdout).
        #[arg(long, value_name = "FILE")]
        json: Option<String>,
        /// Write one CSV row per attempt to FILE (`-` for stdout).
        #[arg(long, value_name = "FILE")]
        csv: Option<String>,
    },
    /// Run many independent trials in parallel: makespan distribution, criticality, stuck risk.
    Mc {
        /// Scenario file (YAML).
        scenario: String,
        /// Number of trials.
        #[arg(long, default_value_t = 1000)]
        trials: u64,
        /// Master seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Worker threads (default: all cores). Results do not depend on it.
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Write the JSON report to FILE (`-` for stdout).
        #[arg(long, value_name = "FILE")]
        json: Option<String>,
        /// Write one CSV row per trial to FILE (`-` for stdout).
        #[arg(long, value_name = "FILE")]
        csv: Option<String>,
    },
    /// Compare A against B (or A against A with edits) on the same random numbers.
    Compare {
        /// Scenario A.
        a: String,
        /// Scenario B (default: A with the edits below).
        b: Option<String>,
        /// Add `dependsOn`: DEPENDENT=DEPENDENCY (repeatable).
        #[arg(long = "add-dep", value_name = "A=B")]
        add_dep: Vec<String>,
        /// Remove `dependsOn`: DEPENDENT=DEPENDENCY (repeatable).
        #[arg(long = "remove-dep", value_name = "A=B")]
        remove_dep: Vec<String>,
        /// Set a field: NAME.wait=false, NAME.interval=5m, controller.concurrent=10,
        /// controller.requeue_dependency=5s, controller.watch_dependencies=true (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
        /// Trials.
        #[arg(long, default_value_t = 1000)]
        trials: u64,
        /// Seed (shared by both sides).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Worker threads.
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Write JSON to FILE (`-` for stdout).
        #[arg(long, value_name = "FILE")]
        json: Option<String>,
        /// Write Markdown (for a pull-request comment) to FILE (`-` for stdout).
        #[arg(long, value_name = "FILE")]
        markdown: Option<String>,
        /// Write the A-against-B makespan CDF (cdf-compare.svg/.png) into DIR.
        #[arg(long, value_name = "DIR")]
        chart: Option<String>,
    },
    /// Charts and exports for reviews: Gantt, makespan CDF, criticality, time per category
    /// (SVG + PNG), the DAG as Mermaid and DOT, and a Chrome trace of one run.
    Chart {
        /// Scenario file.
        scenario: String,
        /// Output directory (created if missing).
        #[arg(long, short, default_value = "fluxsim-charts")]
        out: String,
        /// Trials for the distribution charts.
        #[arg(long, default_value_t = 1000)]
        trials: u64,
        /// Seed (the Gantt chart and trace show trial 0 of this seed).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Worker threads.
        #[arg(long, default_value_t = 0)]
        threads: usize,
    },
    /// Import a Flux repository: walk it from a cluster's entry point and write a scenario.
    Import {
        /// Repository directory.
        dir: String,
        /// Entry point: the cluster's Flux folder, relative to DIR (e.g. `clusters/production`,
        /// `kubernetes/flux/cluster`). Detected when there is only one candidate.
        #[arg(long)]
        entry: Option<String>,
        /// Where the root source's paths start, relative to DIR (detected when absent).
        #[arg(long)]
        source_root: Option<String>,
        /// Write the scenario to FILE (`-` or absent: stdout).
        #[arg(long, short, value_name = "FILE")]
        output: Option<String>,
    },
    /// Check `expect` budgets and/or a baseline: exit 0 within, 1 on regression, 2 on bad input.
    Check {
        /// Scenario file.
        scenario: String,
        /// Baseline report (from `fluxsim check --write-baseline` or `fluxsim mc --json`).
        #[arg(long, value_name = "FILE")]
        baseline: Option<String>,
        /// Allowed relative increase against the baseline.
        #[arg(long, default_value_t = 0.10)]
        tolerance: f64,
        /// Trials (default: the scenario's `expect.trials`, else 1000).
        #[arg(long)]
        trials: Option<u64>,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Worker threads.
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Write this run's report as the new baseline to FILE.
        #[arg(long, value_name = "FILE")]
        write_baseline: Option<String>,
    },
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

fn load_scenario(path: &str) -> Result<scenario::Scenario, ExitCode> {
    scenario::load(std::path::Path::new(path)).map_err(|d| {
        eprintln!("{d}");
        ExitCode::from(2)
    })
}

#[allow(clippy::too_many_arguments)]
fn cmd_compare(
    a: &str,
    b: Option<&str>,
    add: &[String],
    rm: &[String],
    set: &[String],
    trials: u64,
    seed: u64,
    threads: usize,
    json: Option<&str>,
    md: Option<&str>,
    chart: Option<&str>,
) -> Result<ExitCode, ExitCode> {
    use fluxsim::scenario::edit::{apply, Edit};
    let mut edits = vec![];
    for x in add {
        edits.push(Edit::add_dep(x).map_err(fail)?);
    }
    for x in rm {
        edits.push(Edit::remove_dep(x).map_err(fail)?);
    }
    for x in set {
        edits.push(Edit::set(x).map_err(fail)?);
    }
    if b.is_none() && edits.is_empty() {
        eprintln!(
            "error: give a second scenario or at least one of --add-dep, --remove-dep, --set"
        );
        return Err(ExitCode::from(2));
    }
    if trials == 0 {
        return Err(fail("--trials must be at least 1"));
    }
    let ma = load_model(a)?;
    let mut sb = load_scenario(b.unwrap_or(a))?;
    apply(&mut sb.raw, &edits).map_err(fail)?;
    let mb = build(&sb).map_err(|d| {
        eprintln!("{d}");
        eprintln!(
            "(after applying: {})",
            edits
                .iter()
                .map(Edit::describe)
                .collect::<Vec<_>>()
                .join(" ")
        );
        ExitCode::from(2)
    })?;
    let cfg = McConfig {
        seed,
        trials,
        threads,
    };
    let ta = monte_carlo(&ma, &cfg, &|_| {}).map_err(fail)?;
    let tb = monte_carlo(&mb, &cfg, &|_| {}).map_err(fail)?;
    let cmp = fluxsim::analysis::compare::compare(&ma, &ta, &mb, &tb, seed);
    if let Some(dir) = chart {
        std::fs::create_dir_all(dir).map_err(|e| fail(format!("cannot create `{dir}`: {e}")))?;
        let (ra, rb) = (McReport::new(&ma, seed, &ta), McReport::new(&mb, seed, &tb));
        let c = fluxsim::report::chart::Cdf {
            series: vec![("A".into(), &ra), ("B".into(), &rb)],
        };
        let svg = fluxsim::report::chart::to_svg(&c).map_err(fail)?;
        emit(&format!("{dir}/cdf-compare.svg"), svg.as_bytes())?;
        fluxsim::report::chart::to_png_file(&c, &std::path::Path::new(dir).join("cdf-compare.png"))
            .map_err(fail)?;
    }
    let rep = fluxsim::report::compare::CompareReport {
        schema_version: fluxsim::report::SCHEMA_VERSION,
        tool: format!("fluxsim {}", env!("CARGO_PKG_VERSION")),
        a: a.to_string(),
        b: b.unwrap_or(a).to_string(),
        edits: edits.iter().map(Edit::describe).collect(),
        seed,
        comparison: cmp,
    };
    let to_stdout = json == Some("-") || md == Some("-");
    if let Some(p) = json {
        emit(p, rep.to_json().as_bytes())?;
    }
    if let Some(p) = md {
        emit(p, rep.to_markdown().as_bytes())?;
    }
    if !to_stdout {
        print!("{}", rep.to_text());
    }
    Ok(ExitCode::SUCCESS)
}

fn cmd_check(
    path: &str,
    baseline: Option<&str>,
    tolerance: f64,
    trials: Option<u64>,
    seed: u64,
    threads: usize,
    write_baseline: Option<&str>,
) -> Result<ExitCode, ExitCode> {
    if !(0.0..=10.0).contains(&tolerance) {
        return Err(fail("--tolerance must be between 0 and 10 (0.1 = 10%)"));
    }
    let m = load_model(path)?;
    let base: Option<McReport> = match baseline {
        Some(p) => {
            let txt = std::fs::read_to_string(p)
                .map_err(|e| fail(format!("cannot read baseline `{p}`: {e}")))?;
            Some(serde_json::from_str(&txt).map_err(|e| fail(format!("`{p}` is not a fluxsim report: {e} (regenerate it with `fluxsim check {path} --write-baseline {p}`)")))?)
        }
        None => None,
    };
    let trials = trials
        .or(base.as_ref().map(|b| b.trials))
        .or(m.expect.trials.map(u64::from))
        .unwrap_or(1000);
    if trials == 0 {
        return Err(fail("--trials must be at least 1"));
    }
    let seed = base.as_ref().map_or(seed, |b| b.seed);
    let rep = run_mc(&m, seed, trials, threads)?;
    if let Some(p) = write_baseline {
        emit(p, rep.to_json().as_bytes())?;
    }
    let res = fluxsim::report::check::check(&rep, &m.expect, base.as_ref(), tolerance);
    print!("{}", res.to_text(path));
    if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY") {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&summary)
            .map_err(|e| fail(format!("cannot write GITHUB_STEP_SUMMARY: {e}")))?;
        f.write_all(res.to_markdown(path).as_bytes())
            .map_err(|e| fail(format!("cannot write GITHUB_STEP_SUMMARY: {e}")))?;
    }
    if res.findings.is_empty() && write_baseline.is_none() {
        eprintln!(
            "note: {path} has no `expect` budgets and no --baseline was given: nothing to check"
        );
    }
    Ok(if res.regressed() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn detect_entries(dir: &std::path::Path) -> Vec<String> {
    let mut out = vec![];
    let sub = |p: &str| -> Vec<String> {
        std::fs::read_dir(dir.join(p))
            .map(|r| {
                r.filter_map(Result::ok)
                    .filter(|e| e.path().is_dir())
                    .map(|e| format!("{p}/{}", e.file_name().to_string_lossy()))
                    .collect()
            })
            .unwrap_or_default()
    };
    for p in [
        "kubernetes/flux/cluster",
        "template/config/kubernetes/flux/cluster",
        "templates/config/kubernetes/flux/cluster",
        "hub",
    ] {
        if dir.join(p).is_dir() {
            out.push(p.to_string());
        }
    }
    for p in ["clusters", "kubernetes/clusters"] {
        out.extend(sub(p));
    }
    out.sort();
    out
}

fn cmd_import(
    dir: &str,
    entry: Option<&str>,
    source_root: Option<&str>,
    output: Option<&str>,
) -> Result<ExitCode, ExitCode> {
    let root = std::path::Path::new(dir);
    if !root.is_dir() {
        return Err(fail(format!("`{dir}` is not a directory")));
    }
    let entry = match entry {
        Some(e) => e.to_string(),
        None => {
            let c = detect_entries(root);
            match c.len() {
                1 => c[0].clone(),
                0 => {
                    return Err(fail(format!(
                    "no entry point found in `{dir}`; give the cluster's Flux folder with --entry"
                )))
                }
                _ => {
                    return Err(fail(format!(
                        "several entry points in `{dir}`: {}; choose one with --entry",
                        c.join(", ")
                    )))
                }
            }
        }
    };
    if !root.join(&entry).is_dir() {
        return Err(fail(format!(
            "entry point `{entry}` is not a directory under `{dir}`"
        )));
    }
    let opts = fluxsim::import::ImportOptions {
        entry: entry.clone(),
        source_root: source_root.map(str::to_string),
    };
    let imp = fluxsim::import::import(root, &opts);
    for w in &imp.warnings {
        eprintln!("{w}");
    }
    let repo_name = root
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| dir.to_string());
    let yaml = fluxsim::import::to_scenario(&imp, &repo_name, &entry);
    // The written scenario must validate: check before writing anything.
    let sc = scenario::parse(&yaml, output.unwrap_or("<imported>")).map_err(|d| {
        fail(format!(
            "the imported scenario does not parse (a fluxsim bug): {d}"
        ))
    })?;
    build(&sc).map_err(|d| {
        fail(format!(
            "the imported scenario does not validate (a fluxsim bug): {d}"
        ))
    })?;
    emit(output.unwrap_or("-"), yaml.as_bytes())?;
    eprintln!(
        "imported {} Kustomizations, {} HelmReleases, {} dependsOn edges from {dir}/{entry} ({} warnings){}",
        imp.kustomizations(),
        imp.helm_releases(),
        imp.edges(),
        imp.warnings.len(),
        output.filter(|o| *o != "-").map(|o| format!(" → {o}")).unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes `--json` and `--csv` outputs; prints the text summary unless one of them is stdout.
fn write_outputs(
    json: Option<&str>,
    csv: Option<&str>,
    json_text: &str,
    csv_text: impl FnOnce() -> Result<String, String>,
    text: &str,
) -> Result<(), ExitCode> {
    if let Some(p) = json {
        emit(p, json_text.as_bytes())?;
    }
    if let Some(p) = csv {
        emit(p, csv_text().map_err(fail)?.as_bytes())?;
    }
    if json != Some("-") && csv != Some("-") {
        print!("{text}");
    }
    Ok(())
}

fn save_chart<C: fluxsim::report::chart::Chart>(
    dir: &std::path::Path,
    name: &str,
    c: &C,
) -> Result<(), ExitCode> {
    let svg = fluxsim::report::chart::to_svg(c).map_err(fail)?;
    emit(
        &dir.join(format!("{name}.svg")).display().to_string(),
        svg.as_bytes(),
    )?;
    fluxsim::report::chart::to_png_file(c, &dir.join(format!("{name}.png"))).map_err(fail)
}

fn cmd_chart(
    path: &str,
    out: &str,
    trials: u64,
    seed: u64,
    threads: usize,
) -> Result<ExitCode, ExitCode> {
    use fluxsim::report::chart::{Bars, Cdf, Gantt};
    use fluxsim::report::graph::{chrome_trace, dot, mermaid, GraphLabels};
    if trials == 0 {
        return Err(fail("--trials must be at least 1"));
    }
    let m = load_model(path)?;
    std::fs::create_dir_all(out).map_err(|e| fail(format!("cannot create `{out}`: {e}")))?;
    let run = RunReport::new(&m, &run_once(&m, seed, 0));
    let mc = run_mc(&m, seed, trials, threads)?;
    let dir = std::path::Path::new(out);
    save_chart(dir, "gantt", &Gantt { report: &run })?;
    save_chart(
        dir,
        "cdf",
        &Cdf {
            series: vec![(mc.scenario.clone(), &mc)],
        },
    )?;
    save_chart(dir, "criticality", &Bars::criticality(&mc))?;
    save_chart(dir, "categories", &Bars::categories(&mc))?;
    let stat = |o: &fluxsim::model::FluxObject| mc.objects.iter().find(|x| x.name == o.display());
    let labels = GraphLabels {
        ready_ms: m
            .objects
            .iter()
            .map(|o| stat(o).and_then(|x| x.ready_p50_ms))
            .collect(),
        ready_label: "p50".into(),
        critical: m
            .objects
            .iter()
            .map(|o| stat(o).is_some_and(|x| x.criticality >= 0.5))
            .collect(),
    };
    emit(
        &dir.join("dag.mmd").display().to_string(),
        mermaid(&m, &labels).as_bytes(),
    )?;
    emit(
        &dir.join("dag.dot").display().to_string(),
        dot(&m, &labels).as_bytes(),
    )?;
    emit(
        &dir.join("trace.json").display().to_string(),
        chrome_trace(&run).as_bytes(),
    )?;
    println!("wrote into {out}/: gantt, cdf, criticality, categories (.svg and .png), dag.mmd, dag.dot, trace.json (open in https://ui.perfetto.dev)");
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn load_model(path: &str) -> Result<Model, ExitCode> {
    let sc = load_scenario(path)?;
    build(&sc).map_err(|d| {
        eprintln!("{d}");
        ExitCode::from(2)
    })
}

fn emit(path: &str, bytes: &[u8]) -> Result<(), ExitCode> {
    write_output(path, bytes, &mut std::io::stdout().lock()).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })
}

fn progress_bar(total: u64) -> Option<indicatif::ProgressBar> {
    let show = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none() && total >= 200;
    show.then(|| {
        let pb = indicatif::ProgressBar::new(total);
        pb.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} trials {pos}/{len} [{bar:40}] {per_sec} eta {eta}",
            )
            .expect("template")
            .progress_chars("=> "),
        );
        pb
    })
}

pub(crate) fn run_mc(
    m: &Model,
    seed: u64,
    trials: u64,
    threads: usize,
) -> Result<McReport, ExitCode> {
    let pb = progress_bar(trials);
    let cb = |n: u64| {
        if let Some(p) = &pb {
            if n % 64 == 0 || n == trials {
                p.set_position(n);
            }
        }
    };
    let res = monte_carlo(
        m,
        &McConfig {
            seed,
            trials,
            threads,
        },
        &cb,
    )
    .map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })?;
    if let Some(p) = pb {
        p.finish_and_clear();
    }
    Ok(McReport::new(m, seed, &res))
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let r = match cli.cmd {
        Cmd::Validate { scenario } => load_model(&scenario).map(|m| {
            println!(
                "ok: {} — {} Kustomizations, {} HelmReleases, {} dependsOn edges, {} workloads, no cycles",
                scenario,
                m.objects.iter().filter(|o| o.kind == fluxsim::model::ObjKind::Kustomization).count(),
                m.objects.iter().filter(|o| o.kind == fluxsim::model::ObjKind::HelmRelease).count(),
                m.edge_count(),
                m.workloads.len()
            );
            for n in fluxsim::model::gate_notes(&m.kustomize, &m.helm) {
                println!("feature gate {n}");
            }
            ExitCode::SUCCESS
        }),
        Cmd::Run { scenario, seed, trial, json, csv } => (|| {
            let m = load_model(&scenario)?;
            let out = run_once(&m, seed, trial);
            let rep = RunReport::new(&m, &out);
            write_outputs(json.as_deref(), csv.as_deref(), &rep.to_json(), || rep.to_csv(), &rep.to_text())?;
            Ok(if rep.stuck { ExitCode::from(1) } else { ExitCode::SUCCESS })
        })(),
        Cmd::Mc { scenario, trials, seed, threads, json, csv } => (|| {
            if trials == 0 {
                eprintln!("error: --trials must be at least 1");
                return Err(ExitCode::from(2));
            }
            let m = load_model(&scenario)?;
            let rep = run_mc(&m, seed, trials, threads)?;
            write_outputs(json.as_deref(), csv.as_deref(), &rep.to_json(), || rep.to_csv(), &rep.to_text())?;
            Ok(ExitCode::SUCCESS)
        })(),
        Cmd::Compare { a, b, add_dep, remove_dep, set, trials, seed, threads, json, markdown, chart } => cmd_compare(&a, b.as_deref(), &add_dep, &remove_dep, &set, trials, seed, threads, json.as_deref(), markdown.as_deref(), chart.as_deref()),
        Cmd::Import { dir, entry, source_root, output } => cmd_import(&dir, entry.as_deref(), source_root.as_deref(), output.as_deref()),
        Cmd::Chart { scenario, out, trials, seed, threads } => cmd_chart(&scenario, &out, trials, seed, threads),
        Cmd::Check { scenario, baseline, tolerance, trials, seed, threads, write_baseline } => cmd_check(&scenario, baseline.as_deref(), tolerance, trials, seed, threads, write_baseline.as_deref()),
    };
    let _ = std::io::stdout().flush();
    r.unwrap_or_else(|c| c)
}
