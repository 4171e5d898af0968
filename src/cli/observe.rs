//! `fluxsim observe`: one simulated bootstrap written as the dumps `fluxsim calibrate` reads.

use fluxsim::runner::run_once;
use std::process::ExitCode;

/// Arguments of `fluxsim observe`.
#[derive(clap::Args)]
pub struct ObserveArgs {
    /// Scenario file (YAML).
    pub scenario: String,
    /// Seed of the simulated bootstrap (each seed is its own bootstrap, on its own day).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output directory (created if missing).
    #[arg(long, short, default_value = "fluxsim-observed")]
    pub out: String,
}

pub fn run(a: &ObserveArgs) -> Result<ExitCode, ExitCode> {
    let m = super::common::load_model(&a.scenario)?;
    let out = run_once(&m, a.seed, 0);
    std::fs::create_dir_all(&a.out).map_err(|e| {
        eprintln!("error: cannot create `{}`: {e}", a.out);
        ExitCode::from(2)
    })?;
    let files = fluxsim::observe::dumps(&m, &out.trace, a.seed);
    for (name, text) in &files {
        let p = std::path::Path::new(&a.out).join(name);
        std::fs::write(&p, text).map_err(|e| {
            eprintln!("error: cannot write `{}`: {e}", p.display());
            ExitCode::from(2)
        })?;
    }
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    super::common::say(&format!(
        "wrote one simulated bootstrap of {} (seed {}) into {}/: {}\n",
        a.scenario,
        a.seed,
        a.out,
        names.join(", ")
    ))?;
    Ok(ExitCode::SUCCESS)
}
