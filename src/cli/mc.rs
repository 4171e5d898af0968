//! `fluxsim mc`: many independent trials, the makespan distribution and stuck risk.

use super::common::{check_mc, check_outputs, load_model, run_mc, write_outputs, CmdResult};
use std::process::ExitCode;

/// Run many independent trials in parallel: makespan distribution, criticality, stuck risk.
#[derive(clap::Args)]
pub struct Args {
    /// Scenario file (YAML; `-` reads standard input).
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
}

pub fn run(a: Args) -> CmdResult {
    let (json, csv) = (a.json.as_deref(), a.csv.as_deref());
    check_outputs(&[("--json", json), ("--csv", csv)])?;
    let m = load_model(&a.scenario)?;
    check_mc(&m, a.seed, a.trials, a.threads)?;
    let rep = run_mc(&m, a.seed, a.trials, a.threads)?;
    write_outputs(json, csv, &rep.to_json(), || rep.to_csv(), &rep.to_text())?;
    Ok(ExitCode::SUCCESS)
}
