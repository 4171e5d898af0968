//! `fluxsim validate`: check a scenario and report every problem.

use super::common::{load_model, say, CmdResult};
use fluxsim::model::ObjKind;
use std::process::ExitCode;

/// Check a scenario file and report every problem with file, line and column.
#[derive(clap::Args)]
pub struct Args {
    /// Scenario file (YAML; `-` reads standard input).
    scenario: String,
}

pub fn run(a: Args) -> CmdResult {
    let m = load_model(&a.scenario)?;
    let count = |k: ObjKind| m.objects.iter().filter(|o| o.kind == k).count();
    say(&format!(
        "ok: {} — {} Kustomizations, {} HelmReleases, {} dependsOn edges, {} workloads, no cycles\n",
        a.scenario,
        count(ObjKind::Kustomization),
        count(ObjKind::HelmRelease),
        m.edge_count(),
        m.workloads.len()
    ))?;
    for n in fluxsim::model::gate_notes(&m.kustomize, &m.helm) {
        say(&format!("feature gate {n}\n"))?;
    }
    Ok(ExitCode::SUCCESS)
}
