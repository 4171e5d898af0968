//! `fluxsim check`: `expect` budgets and/or a baseline, for CI.

use super::args::SeedThreads;
use super::common::{check_mc, check_outputs, emit, fail, load_model, run_mc, say, CmdResult};
use fluxsim::model::Expect;
use fluxsim::report::McReport;
use std::io::Write;
use std::process::ExitCode;

/// Check `expect` budgets and/or a baseline: exit 0 within, 1 on regression, 2 on bad input.
#[derive(clap::Args)]
pub struct Args {
    /// Scenario file (`-` reads standard input).
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
    #[command(flatten)]
    run: SeedThreads,
    /// Write this run's report as the new baseline to FILE.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<String>,
}

fn has_budgets(e: &Expect) -> bool {
    e.p50.is_some()
        || e.p90.is_some()
        || e.p95.is_some()
        || e.p99.is_some()
        || e.mean.is_some()
        || e.stuck_probability.is_some()
}

fn read_baseline(p: &str, scenario: &str) -> Result<McReport, ExitCode> {
    let txt =
        std::fs::read_to_string(p).map_err(|e| fail(format!("cannot read baseline `{p}`: {e}")))?;
    serde_json::from_str(&txt).map_err(|e| fail(format!("`{p}` is not a fluxsim report: {e} (regenerate it with `fluxsim check {scenario} --write-baseline {p}`)")))
}

fn step_summary(markdown: &str) -> Result<(), ExitCode> {
    if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY") {
        let err = |e: std::io::Error| fail(format!("cannot write GITHUB_STEP_SUMMARY: {e}"));
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&summary)
            .map_err(err)?;
        f.write_all(markdown.as_bytes()).map_err(err)?;
    }
    Ok(())
}

pub fn run(a: Args) -> CmdResult {
    let path = a.scenario.as_str();
    if !(0.0..=10.0).contains(&a.tolerance) {
        return Err(fail("--tolerance must be between 0 and 10 (0.1 = 10%)"));
    }
    check_outputs(&[("--write-baseline", a.write_baseline.as_deref())])?;
    let m = load_model(path)?;
    let base = a
        .baseline
        .as_deref()
        .map(|p| read_baseline(p, path))
        .transpose()?;
    if base.is_none() && !has_budgets(&m.expect) && a.write_baseline.is_none() {
        return Err(fail(format!(
            "nothing to check: {path} has no `expect` budgets and no --baseline was given (add `expect:` to the scenario, pass --baseline FILE, or create one with --write-baseline FILE)"
        )));
    }
    let trials = a
        .trials
        .or(base.as_ref().map(|b| b.trials))
        .or(m.expect.trials.map(u64::from))
        .unwrap_or(1000);
    let seed = base.as_ref().map_or(a.run.seed, |b| b.seed);
    check_mc(&m, seed, trials, a.run.threads)?;
    let rep = run_mc(&m, seed, trials, a.run.threads)?;
    if let Some(p) = &a.write_baseline {
        emit(p, rep.to_json().as_bytes())?;
    }
    let res = fluxsim::report::check::check(&rep, &m.expect, base.as_ref(), a.tolerance);
    say(&res.to_text(path))?;
    step_summary(&res.to_markdown(path))?;
    Ok(if res.regressed() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
