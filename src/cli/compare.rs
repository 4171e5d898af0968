//! `fluxsim compare`: A against B (or A against A with edits) on the same random numbers.

use super::args::McArgs;
use super::common::{
    check_mc, check_outputs, emit, fail, load_model, load_scenario, say, CmdResult, Progress,
};
use fluxsim::analysis::compare::compare_stats;
use fluxsim::model::build;
use fluxsim::report::chart::{to_png_file, to_svg, Cdf};
use fluxsim::report::mc::ScenarioInfo;
use fluxsim::report::McReport;
use fluxsim::runner::{monte_carlo_paired, McConfig};
use fluxsim::scenario::edit::{apply, Edit};
use std::process::ExitCode;

/// Compare A against B (or A against A with edits) on the same random numbers.
#[derive(clap::Args)]
#[command(mut_arg("seed", |a| a.help("Seed (shared by both sides)")))]
pub struct Args {
    /// Scenario A.
    a: String,
    /// Scenario B (default: A with the edits below).
    b: Option<String>,
    /// Add `dependsOn`: DEPENDENT=DEPENDENCY (repeatable).
    #[arg(long = "add-dep", value_name = "A=B")]
    add_dep: Vec<String>,
    /// Remove `dependsOn`: DEPENDENT=DEPENDENCY (repeatable).
    #[arg(long = "remove-dep", value_name = "A=B")]
    remove_dep: Vec<String>,
    /// Set a field: NAME.wait=false, NAME.interval=5m, controller.concurrent=10,
    /// controller.requeue_dependency=5s, controller.watch_dependencies=true (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    set: Vec<String>,
    #[command(flatten)]
    mc: McArgs,
    /// Write JSON to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    json: Option<String>,
    /// Write Markdown (for a pull-request comment) to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    markdown: Option<String>,
    /// Write the A-against-B makespan CDF (cdf-compare.svg/.png) into DIR.
    #[arg(long, value_name = "DIR")]
    chart: Option<String>,
}

fn edits(a: &Args) -> Result<Vec<Edit>, ExitCode> {
    let mut edits = vec![];
    for x in &a.add_dep {
        edits.push(Edit::add_dep(x).map_err(fail)?);
    }
    for x in &a.remove_dep {
        edits.push(Edit::remove_dep(x).map_err(fail)?);
    }
    for x in &a.set {
        edits.push(Edit::set(x).map_err(fail)?);
    }
    if a.b.is_none() && edits.is_empty() {
        return Err(fail(
            "give a second scenario or at least one of --add-dep, --remove-dep, --set",
        ));
    }
    Ok(edits)
}

fn write_chart(dir: &str, ra: &McReport, rb: &McReport) -> Result<(), ExitCode> {
    let c = Cdf {
        series: vec![("A".into(), ra), ("B".into(), rb)],
    };
    let svg = to_svg(&c).map_err(fail)?;
    emit(&format!("{dir}/cdf-compare.svg"), svg.as_bytes())?;
    to_png_file(&c, &std::path::Path::new(dir).join("cdf-compare.png")).map_err(fail)
}

pub fn run(a: Args) -> CmdResult {
    let edits = edits(&a)?;
    let (json, md) = (a.json.as_deref(), a.markdown.as_deref());
    check_outputs(&[("--json", json), ("--markdown", md)])?;
    if let Some(dir) = &a.chart {
        std::fs::create_dir_all(dir).map_err(|e| fail(format!("cannot create `{dir}`: {e}")))?;
        check_outputs(&[("--chart", Some(&format!("{dir}/cdf-compare.svg")))])?;
    }
    let b_path = a.b.as_deref().unwrap_or(&a.a);
    let ma = load_model(&a.a)?;
    let McArgs { trials, run } = a.mc;
    check_mc(&ma, run.seed, trials, run.threads)?;
    let mut sb = load_scenario(b_path)?;
    apply(&mut sb.raw, &edits).map_err(fail)?;
    let mb = build(&sb).map_err(|d| {
        eprintln!("{d}");
        let list: Vec<String> = edits.iter().map(Edit::describe).collect();
        eprintln!("(after applying: {})", list.join(" "));
        ExitCode::from(2)
    })?;
    let cfg = McConfig {
        seed: run.seed,
        trials,
        threads: run.threads,
    };
    let pb = Progress::new(2 * trials);
    let res = monte_carlo_paired(&ma, &mb, &cfg, &|n| pb.set(n)).map_err(fail)?;
    pb.finish();
    let cmp = compare_stats(&ma, &res.a, &mb, &res.b, &res.paired, cfg.seed);
    if let Some(dir) = &a.chart {
        let (ra, rb) = (
            McReport::from_stats(&ScenarioInfo::of(&ma), cfg.seed, res.a.clone()),
            McReport::from_stats(&ScenarioInfo::of(&mb), cfg.seed, res.b.clone()),
        );
        write_chart(dir, &ra, &rb)?;
    }
    let moved: Vec<&str> = cmp
        .objects
        .iter()
        .filter(|o| o.mean_change_ms.abs() >= 0.5 || o.only_in.is_some())
        .map(|o| o.name.as_str())
        .collect();
    let rests_on_guesses = fluxsim::analysis::guesses::for_compare(&ma, &mb, &moved);
    let rep = fluxsim::report::compare::CompareReport {
        schema_version: fluxsim::report::SCHEMA_VERSION,
        tool: format!("fluxsim {}", env!("CARGO_PKG_VERSION")),
        a: a.a.clone(),
        b: b_path.to_string(),
        edits: edits.iter().map(Edit::describe).collect(),
        seed: cfg.seed,
        comparison: cmp,
        rests_on_guesses,
    };
    if let Some(p) = json {
        emit(p, rep.to_json().as_bytes())?;
    }
    if let Some(p) = md {
        emit(p, rep.to_markdown().as_bytes())?;
    }
    if json != Some("-") && md != Some("-") {
        say(&rep.to_text())?;
    }
    Ok(ExitCode::SUCCESS)
}
