//! Command-line interface (binary only), one file per subcommand. Exit codes: 0 success,
//! 1 negative verdict (stuck, budget regression), 2 could not run (bad input, I/O error).
//!
//! To add a subcommand: a new file with a `clap::Args` struct and `pub fn run(a: Args) ->
//! CmdResult` (helpers in `common`), one variant in [`Cmd`] and one arm in [`main`].

mod advise;
mod args;
mod calibrate;
mod chart;
mod check;
mod common;
mod compare;
mod import;
mod mc;
mod merge;
mod observe;
mod report;
mod run;
mod validate;

use clap::{Parser, Subcommand};
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
    Validate(validate::Args),
    Run(run::Args),
    Mc(mc::Args),
    Merge(merge::Args),
    Compare(compare::Args),
    Chart(chart::Args),
    Import(import::Args),
    Check(check::Args),
    Advise(advise::Args),
    Report(report::Args),
    /// Fit a scenario to what a real cluster recorded (kubectl JSON dumps, controller logs) and
    /// set the observed bootstrap beside the prediction.
    Calibrate(calibrate::CalibrateArgs),
    /// Write one simulated bootstrap as the kubectl dumps and controller logs `calibrate` reads.
    Observe(observe::ObserveArgs),
}

pub fn main() -> ExitCode {
    let r = match Cli::parse().cmd {
        Cmd::Validate(a) => validate::run(a),
        Cmd::Run(a) => run::run(a),
        Cmd::Mc(a) => mc::run(a),
        Cmd::Merge(a) => merge::run(a),
        Cmd::Compare(a) => compare::run(a),
        Cmd::Chart(a) => chart::run(a),
        Cmd::Import(a) => import::run(a),
        Cmd::Check(a) => check::run(a),
        Cmd::Advise(a) => advise::run(a),
        Cmd::Report(a) => report::run(a),
        Cmd::Calibrate(a) => calibrate::run(&a),
        Cmd::Observe(a) => observe::run(&a),
    };
    common::flush();
    r.unwrap_or_else(|c| c)
}
