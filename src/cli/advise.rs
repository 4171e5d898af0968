//! `fluxsim advise`: the changes worth making, each measured on common random numbers.

use super::args::SeedThreads;
use super::common::{check_outputs, emit, fail, load_scenario, say, CmdResult};
use fluxsim::advise::{advise, AdviseConfig, Only};
use fluxsim::report::advise::{to_json, to_markdown, to_text};
use std::process::ExitCode;

/// Arguments of `fluxsim advise`.
/// Propose the dependsOn and settings changes that make bootstrap faster or safer, each measured.
#[derive(clap::Args)]
#[command(
    mut_arg("seed", |a| a.help("Seed shared by every side")),
    mut_arg("threads", |a| a.help("Worker threads (0: all cores)"))
)]
pub struct Args {
    /// Scenario file (YAML).
    scenario: String,
    /// Trials that confirm each suggestion (paired, same seed).
    #[arg(long, default_value_t = 1000)]
    trials: u64,
    /// Trials that screen each candidate before the best are confirmed.
    #[arg(long, default_value_t = 200)]
    screen_trials: u64,
    #[command(flatten)]
    run: SeedThreads,
    /// At most this many suggestions.
    #[arg(long, default_value_t = 10)]
    max_suggestions: usize,
    /// Only `edges` (dependsOn changes) or only `settings` (flags, timeouts, retries, wait).
    #[arg(long, value_parser = ["edges", "settings"])]
    only: Option<String>,
    /// Write JSON to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    json: Option<String>,
    /// Write Markdown (a pull-request comment) to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    markdown: Option<String>,
}

/// Runs `fluxsim advise`.
pub fn run(a: Args) -> CmdResult {
    if a.trials == 0 || a.screen_trials == 0 {
        return Err(fail("--trials and --screen-trials must be at least 1"));
    }
    check_outputs(&[
        ("--json", a.json.as_deref()),
        ("--markdown", a.markdown.as_deref()),
    ])?;
    let sc = load_scenario(&a.scenario)?;
    let cfg = AdviseConfig {
        seed: a.run.seed,
        trials: a.trials,
        screen_trials: a.screen_trials,
        threads: a.run.threads,
        max_suggestions: a.max_suggestions,
        only: match a.only.as_deref() {
            Some("edges") => Only::Edges,
            Some("settings") => Only::Settings,
            _ => Only::All,
        },
    };
    let started = std::time::Instant::now();
    let advice = advise(&sc, &cfg, &|_| {}).map_err(fail)?;
    // On stderr: the outputs stay byte-identical for a seed.
    eprintln!(
        "advise: {} candidates screened, {} trials simulated in {:.1}s",
        advice.screened,
        advice.trials_simulated,
        started.elapsed().as_secs_f64()
    );
    let stdout_taken = a.json.as_deref() == Some("-") || a.markdown.as_deref() == Some("-");
    if let Some(p) = &a.json {
        emit(p, to_json(&advice).as_bytes())?;
    }
    if let Some(p) = &a.markdown {
        emit(p, to_markdown(&advice).as_bytes())?;
    }
    if !stdout_taken {
        say(&to_text(&advice))?;
    }
    Ok(ExitCode::SUCCESS)
}
