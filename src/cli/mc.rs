//! `fluxsim mc`: many independent trials, the makespan distribution and stuck risk.

use super::args::McArgs;
use super::common::{check_mc, check_outputs, load_model, run_mc, write_outputs, CmdResult};
use std::process::ExitCode;

/// Run many independent trials in parallel: makespan distribution, criticality, stuck risk.
#[derive(clap::Args)]
#[command(
    mut_arg("trials", |a| a.help("Number of trials")),
    mut_arg("seed", |a| a.help("Master seed")),
    mut_arg("threads", |a| a.help("Worker threads (default: all cores). Results do not depend on it"))
)]
pub struct Args {
    /// Scenario file (YAML; `-` reads standard input).
    scenario: String,
    #[command(flatten)]
    mc: McArgs,
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
    let McArgs { trials, run } = a.mc;
    check_mc(&m, run.seed, trials, run.threads)?;
    let rep = run_mc(&m, run.seed, trials, run.threads)?;
    write_outputs(json, csv, &rep.to_json(), || rep.to_csv(), &rep.to_text())?;
    Ok(ExitCode::SUCCESS)
}
