//! `fluxsim import`: walk a Flux repository from a cluster's entry point and write a scenario.

use super::common::{check_outputs, emit, fail, CmdResult};
use fluxsim::model::build;
use fluxsim::scenario;
use std::process::ExitCode;

/// Import a Flux repository: walk it from a cluster's entry point and write a scenario.
#[derive(clap::Args)]
pub struct Args {
    /// Repository directory.
    dir: String,
    /// Entry point: the cluster's Flux folder, relative to DIR (e.g. `clusters/production`,
    /// `kubernetes/flux/cluster`). Found as Flux finds it (gotk-sync.yaml, a FluxInstance's
    /// `spec.sync`) when absent.
    #[arg(long)]
    entry: Option<String>,
    /// Where the root source's paths start, relative to DIR (detected when absent).
    #[arg(long)]
    source_root: Option<String>,
    /// Write the scenario to FILE (`-` or absent: stdout).
    #[arg(long, short, value_name = "FILE")]
    output: Option<String>,
}

fn import(
    dir: &str,
    entry: Option<&str>,
    source_root: Option<&str>,
    output: Option<&str>,
) -> Result<ExitCode, ExitCode> {
    let root = std::path::Path::new(dir);
    fluxsim::import::check_dirs(dir, ".").map_err(fail)?;
    // Without --entry: the cluster the repository defines (gotk-sync.yaml, FluxInstance).
    let entry = match entry {
        Some(e) => e.to_string(),
        None => {
            fluxsim::import::entry::choose_entry(root)
                .map_err(|m| fail(format!("`{dir}`: {m}")))?
                .dir
        }
    };
    fluxsim::import::check_dirs(dir, &entry).map_err(fail)?;
    let opts = fluxsim::import::ImportOptions {
        entry: entry.clone(),
        source_root: source_root.map(str::to_string),
    };
    let imp = fluxsim::import::import(root, &opts);
    for w in &imp.warnings {
        eprintln!("{w}");
    }
    let repo_name = root
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| dir.to_string());
    let yaml = fluxsim::import::to_scenario(&imp, &repo_name, &entry);
    // The written scenario must validate: check before writing anything.
    let sc = scenario::parse(&yaml, output.unwrap_or("<imported>")).map_err(|d| {
        fail(format!(
            "the imported scenario does not parse (a fluxsim bug): {d}"
        ))
    })?;
    build(&sc).map_err(|d| {
        fail(format!(
            "the imported scenario does not validate (a fluxsim bug): {d}"
        ))
    })?;
    emit(output.unwrap_or("-"), yaml.as_bytes())?;
    eprintln!(
        "imported {} Kustomizations, {} HelmReleases, {} dependsOn edges from {dir}/{entry} ({} warnings){}",
        imp.kustomizations(),
        imp.helm_releases(),
        imp.edges(),
        imp.warnings.len(),
        output.filter(|o| *o != "-").map(|o| format!(" → {o}")).unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn run(a: Args) -> CmdResult {
    check_outputs(&[("--output", a.output.as_deref())])?;
    import(
        &a.dir,
        a.entry.as_deref(),
        a.source_root.as_deref(),
        a.output.as_deref(),
    )
}
