//! `fluxsim chart`: charts and exports for reviews.

use super::args::McArgs;
use super::common::{check_mc, check_outputs, emit, fail, load_model, run_mc, say, CmdResult};
use fluxsim::model::Model;
use fluxsim::report::chart::{to_png_file, to_svg, Bars, Cdf, Chart, Gantt};
use fluxsim::report::graph::{chrome_trace, dot, mermaid, GraphLabels};
use fluxsim::report::{McReport, RunReport};
use fluxsim::runner::try_run_once;
use std::path::Path;
use std::process::ExitCode;

/// Charts and exports for reviews: Gantt, makespan CDF, criticality, time per category
/// (SVG + PNG), the DAG as Mermaid and DOT, and a Chrome trace of one run.
#[derive(clap::Args)]
#[command(
    mut_arg("trials", |a| a.help("Trials for the distribution charts")),
    mut_arg("seed", |a| a.help("Seed (the Gantt chart and trace show trial 0 of this seed)"))
)]
pub struct Args {
    /// Scenario file (`-` reads standard input).
    scenario: String,
    /// Output directory (created if missing).
    #[arg(long, short, default_value = "fluxsim-charts")]
    out: String,
    #[command(flatten)]
    mc: McArgs,
}

fn save_chart<C: Chart>(dir: &Path, name: &str, c: &C) -> Result<(), ExitCode> {
    let svg = to_svg(c).map_err(fail)?;
    emit(
        &dir.join(format!("{name}.svg")).display().to_string(),
        svg.as_bytes(),
    )?;
    to_png_file(c, &dir.join(format!("{name}.png"))).map_err(fail)
}

/// p50 Ready times and criticality per object (in model order), matched by name once.
fn labels(m: &Model, mc: &McReport) -> GraphLabels {
    let by_name: std::collections::HashMap<&str, &fluxsim::report::mc::ObjectStats> =
        mc.objects.iter().map(|x| (x.name.as_str(), x)).collect();
    let stats: Vec<_> = m
        .objects
        .iter()
        .map(|o| by_name.get(o.display().as_str()).copied())
        .collect();
    GraphLabels {
        ready_ms: stats
            .iter()
            .map(|s| s.and_then(|x| x.ready_p50_ms))
            .collect(),
        ready_label: "p50".into(),
        critical: stats
            .iter()
            .map(|s| s.is_some_and(|x| x.criticality >= 0.5))
            .collect(),
    }
}

pub fn run(a: Args) -> CmdResult {
    let out = a.out.as_str();
    std::fs::create_dir_all(out).map_err(|e| fail(format!("cannot create `{out}`: {e}")))?;
    let dir = Path::new(out);
    check_outputs(&[("--out", Some(&dir.join("gantt.svg").display().to_string()))])?;
    let m = load_model(&a.scenario)?;
    let McArgs { trials, run: st } = a.mc;
    check_mc(&m, st.seed, trials, st.threads)?;
    let run = RunReport::new(&m, &try_run_once(&m, st.seed, 0).map_err(fail)?);
    let mc = run_mc(&m, st.seed, trials, st.threads)?;
    save_chart(dir, "gantt", &Gantt { report: &run })?;
    save_chart(
        dir,
        "cdf",
        &Cdf {
            series: vec![(mc.scenario.clone(), &mc)],
        },
    )?;
    save_chart(dir, "criticality", &Bars::criticality(&mc))?;
    save_chart(dir, "categories", &Bars::categories(&mc))?;
    let labels = labels(&m, &mc);
    let file = |n: &str| dir.join(n).display().to_string();
    emit(&file("dag.mmd"), mermaid(&m, &labels).as_bytes())?;
    emit(&file("dag.dot"), dot(&m, &labels).as_bytes())?;
    emit(&file("trace.json"), chrome_trace(&run).as_bytes())?;
    say(&format!("wrote into {out}/: gantt, cdf, criticality, categories (.svg and .png), dag.mmd, dag.dot, trace.json (open in https://ui.perfetto.dev)\n"))?;
    Ok(ExitCode::SUCCESS)
}
