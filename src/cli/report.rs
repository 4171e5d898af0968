//! `fluxsim report`: one self-contained HTML file for reviews.

use super::args::McArgs;
use super::common::{
    check_outputs, emit, fail, load_model, load_scenario, run_mc, run_mc_stats, CmdResult,
};
use fluxsim::advise::{advise, AdviseConfig, Only};
use fluxsim::model::build;
use fluxsim::report::html::{render, HtmlInput};
use fluxsim::report::mc::ScenarioInfo;
use fluxsim::report::McReport;
use fluxsim::report::RunReport;
use fluxsim::runner::run_once;
use std::process::ExitCode;

/// Arguments of `fluxsim report`.
/// Write one self-contained HTML report for reviews (timeline, distributions, graph, suggestions).
#[derive(clap::Args)]
#[command(
    mut_arg("trials", |a| a.help("Monte Carlo trials for the distributions")),
    mut_arg("seed", |a| a.help("Seed (the timeline is trial 0 of this seed)")),
    mut_arg("threads", |a| a.help("Worker threads (0: all cores)"))
)]
pub struct Args {
    /// Scenario A (YAML).
    a: String,
    /// Scenario B, overlaid on A's bootstrap-time distribution.
    b: Option<String>,
    /// Write the HTML report to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    html: String,
    #[command(flatten)]
    mc: McArgs,
    /// Also measure advise's suggestions (takes longer).
    #[arg(long)]
    advise: bool,
    /// Dumps of a real bootstrap (as for `fluxsim calibrate`): set it beside the prediction.
    #[arg(long, value_name = "DUMP", num_args = 1..)]
    observed: Vec<String>,
}

/// Runs `fluxsim report`.
pub fn run(a: Args) -> CmdResult {
    let McArgs { trials, run: st } = a.mc;
    let (seed, threads) = (st.seed, st.threads);
    if trials == 0 {
        return Err(fail("--trials must be at least 1"));
    }
    check_outputs(&[("--html", Some(a.html.as_str()))])?;
    let sa = load_scenario(&a.a)?;
    let ma = build(&sa).map_err(|d| {
        eprintln!("{d}");
        ExitCode::from(2)
    })?;
    let mb = match &a.b {
        Some(b) => Some(load_model(b)?),
        None => None,
    };
    let run = RunReport::new(&ma, &run_once(&ma, seed, 0));
    let st_a = run_mc_stats(&ma, seed, trials, threads)?;
    let observed = if a.observed.is_empty() {
        vec![]
    } else {
        let input = super::calibrate::read_dumps(&a.observed)?;
        fluxsim::calibrate::timeline::observed(&ma, &input)
            .into_iter()
            .map(|b| {
                let rows = fluxsim::calibrate::timeline::compare_stats(&b, &st_a, None);
                fluxsim::report::observed::BootstrapReport { observed: b, rows }
            })
            .collect()
    };
    let mc_a = McReport::from_stats(&ScenarioInfo::of(&ma), seed, st_a);
    let mc_b = match &mb {
        Some(m) => Some(run_mc(m, seed, trials, threads)?),
        None => None,
    };
    let advice = if a.advise {
        let cfg = AdviseConfig {
            seed,
            trials,
            screen_trials: trials.min(200),
            threads,
            max_suggestions: 10,
            only: Only::All,
        };
        Some(advise(&sa, &cfg, &|_| {}).map_err(fail)?)
    } else {
        None
    };
    let guessed = fluxsim::advise::guessed_profiles(&sa);
    let html = render(&HtmlInput {
        model: &ma,
        a_run: &run,
        a_mc: &mc_a,
        b_mc: mc_b.as_ref(),
        advice: advice.as_ref(),
        guessed: &guessed,
        observed: &observed,
    });
    emit(&a.html, html.as_bytes())?;
    if a.html != "-" {
        eprintln!(
            "wrote {} ({} KB): open it in a browser",
            a.html,
            html.len() / 1024
        );
    }
    Ok(ExitCode::SUCCESS)
}
