//! `fluxsim run`: one bootstrap, its timeline, makespan and critical path.

use super::common::{check_outputs, emit_with, fail, load_model, say, CmdResult};
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
    // Only what is asked for is rendered: the per-attempt rows (4.2 million at 1,000,000
    // objects) of the JSON and CSV reports are made as they are written, straight into their
    // files (about 1.9 GB and 0.6 GB at 1,000,000 objects); the text has none.
    let rep = (json.is_some() || csv.is_some()).then(|| RunReport::without_rows(&m, &out));
    if let Some(rep) = &rep {
        if let Some(p) = json {
            emit_with(p, &mut |w| rep.write_json_rows(&m, &out, w))?;
        }
        if let Some(p) = csv {
            emit_with(p, &mut |w| rep.write_csv_rows(&m, &out, w))?;
        }
    }
    // With `--json -` or `--csv -` nothing else goes to stdout.
    let text = match &rep {
        _ if to_stdout => String::new(),
        Some(rep) => rep.to_text(),
        None => RunReport::text_of(&m, &out),
    };
    say(&text)?;
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
