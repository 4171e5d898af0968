//! `fluxsim run`: one bootstrap, its timeline, makespan and critical path.

use super::common::{check_outputs, emit_with, fail, load_model, write_outputs, CmdResult};
use fluxsim::report::RunReport;
use fluxsim::runner::try_run_once;
use std::process::ExitCode;

/// Simulate one bootstrap: timeline, makespan, critical path.
#[derive(clap::Args)]
pub struct Args {
    /// Scenario file (YAML; `-` reads standard input).
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
}

pub fn run(a: Args) -> CmdResult {
    let (json, csv) = (a.json.as_deref(), a.csv.as_deref());
    check_outputs(&[("--json", json), ("--csv", csv)])?;
    let m = load_model(&a.scenario)?;
    let out = try_run_once(&m, a.seed, a.trial).map_err(fail)?;
    let to_stdout = json == Some("-") || csv == Some("-");
    // Only what is asked for is rendered (a 1,000,000-object JSON report is about 2 GB); the
    // text alone does not need the per-attempt rows of the full report.
    let (rep, text) = if json.is_some() || csv.is_some() {
        let rep = RunReport::new(&m, &out);
        let text = if to_stdout {
            String::new()
        } else {
            rep.to_text()
        };
        (Some(rep), text)
    } else {
        (None, RunReport::text_of(&m, &out))
    };
    // The JSON report goes to its file as it is serialized (about 2 GB at 1,000,000 objects).
    if let (Some(rep), Some(p)) = (&rep, json) {
        emit_with(p, &mut |w| rep.write_json(w))?;
    }
    // With `--json -` the text is empty: nothing else goes to stdout.
    write_outputs(
        None,
        csv,
        "",
        || {
            rep.as_ref()
                .map_or_else(|| Ok(String::new()), RunReport::to_csv)
        },
        &text,
    )?;
    let code = if out.trace.makespan_ms.is_none() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    // The process ends here: freeing the model, trace and report one allocation at a time
    // would cost about 2 s of CPU for a 1,000,000-object scenario; the OS takes it back at once.
    std::mem::forget(text);
    std::mem::forget(rep);
    std::mem::forget(out);
    std::mem::forget(m);
    Ok(code)
}
