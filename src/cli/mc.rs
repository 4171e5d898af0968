//! `fluxsim mc`: many independent trials, the makespan distribution and stuck risk.

use super::args::McArgs;
use super::common::{
    check_mc, check_outputs, emit, fail, load_model, run_mc, say, write_outputs, CmdResult,
    Progress,
};
use fluxsim::report::partial::Partial;
use fluxsim::runner::{monte_carlo_shard, McConfig, Shard};
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
    /// Run only shard I of N (0-based, e.g. `$JOB_COMPLETION_INDEX/8`): its slice of the trials,
    /// written with --partial; `fluxsim merge` joins all N parts into this run's report.
    #[arg(long, value_name = "I/N", requires = "partial", conflicts_with_all = ["json", "csv"])]
    shard: Option<Shard>,
    /// Write the shard's partial result to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE", requires = "shard")]
    partial: Option<String>,
}

/// Runs one shard and writes its partial result.
fn run_shard(a: &Args, shard: Shard, out: &str) -> CmdResult {
    check_outputs(&[("--partial", Some(out))])?;
    let m = load_model(&a.scenario)?;
    let McArgs { trials, run } = a.mc;
    check_mc(&m, run.seed, trials, run.threads)?;
    let cfg = McConfig {
        seed: run.seed,
        trials,
        threads: run.threads,
    };
    let range = shard.trials(trials);
    let pb = Progress::new(range.end - range.start);
    let st = monte_carlo_shard(&m, &cfg, shard, &|n| pb.set(n)).map_err(fail)?;
    pb.finish();
    let part = Partial::new(&m, run.seed, trials, shard, st);
    emit(out, part.to_json().as_bytes())?;
    if out != "-" {
        say(&format!(
            "wrote shard {shard} (trials {}..{} of {trials}) to {out}: `fluxsim merge` all {} parts\n",
            range.start,
            range.end,
            shard.count
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run(a: Args) -> CmdResult {
    if let (Some(shard), Some(out)) = (a.shard, a.partial.as_deref()) {
        return run_shard(&a, shard, out);
    }
    let (json, csv) = (a.json.as_deref(), a.csv.as_deref());
    check_outputs(&[("--json", json), ("--csv", csv)])?;
    let m = load_model(&a.scenario)?;
    let McArgs { trials, run } = a.mc;
    check_mc(&m, run.seed, trials, run.threads)?;
    let rep = run_mc(&m, run.seed, trials, run.threads)?;
    write_outputs(json, csv, &rep.to_json(), || rep.to_csv(), &rep.to_text())?;
    Ok(ExitCode::SUCCESS)
}
