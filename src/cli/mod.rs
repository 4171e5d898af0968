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
}

pub(crate) fn load_model(path: &str) -> Result<Model, ExitCode> {
    let sc = scenario::load(std::path::Path::new(path)).map_err(|d| {
        eprintln!("{d}");
        ExitCode::from(2)
    })?;
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
            ExitCode::SUCCESS
        }),
        Cmd::Run { scenario, seed, trial, json, csv } => (|| {
            let m = load_model(&scenario)?;
            let out = run_once(&m, seed, trial);
            let rep = RunReport::new(&m, &out);
            let to_stdout = json.as_deref() == Some("-") || csv.as_deref() == Some("-");
            if let Some(p) = &json {
                emit(p, rep.to_json().as_bytes())?;
            }
            if let Some(p) = &csv {
                let c = rep.to_csv().map_err(|e| {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                })?;
                emit(p, c.as_bytes())?;
            }
            if !to_stdout {
                print!("{}", rep.to_text());
            }
            Ok(if rep.stuck { ExitCode::from(1) } else { ExitCode::SUCCESS })
        })(),
        Cmd::Mc { scenario, trials, seed, threads, json, csv } => (|| {
            if trials == 0 {
                eprintln!("error: --trials must be at least 1");
                return Err(ExitCode::from(2));
            }
            let m = load_model(&scenario)?;
            let rep = run_mc(&m, seed, trials, threads)?;
            let to_stdout = json.as_deref() == Some("-") || csv.as_deref() == Some("-");
            if let Some(p) = &json {
                emit(p, rep.to_json().as_bytes())?;
            }
            if let Some(p) = &csv {
                let c = rep.to_csv().map_err(|e| {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                })?;
                emit(p, c.as_bytes())?;
            }
            if !to_stdout {
                print!("{}", rep.to_text());
            }
            Ok(ExitCode::SUCCESS)
        })(),
    };
    let _ = std::io::stdout().flush();
    r.unwrap_or_else(|c| c)
}
