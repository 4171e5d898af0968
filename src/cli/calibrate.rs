//! `fluxsim calibrate`: fit a scenario to what a real cluster recorded, and set the observed
//! bootstrap beside the prediction.

use super::args::McArgs;
use super::common::{emit, fail, read_capped};
use fluxsim::calibrate::{self, load::Input, timeline};
use fluxsim::model::build;
use fluxsim::report::observed::{described, BootstrapReport, CalibrationReport};
use fluxsim::runner::{monte_carlo_stats, McConfig};
use std::process::ExitCode;

const HELP: &str = "Make the dumps right after a bootstrap, in this order (events expire after 1h):
  kubectl get events -A -o json > events.json
  kubectl get kustomizations,helmreleases -A -o json > flux.json
  kubectl -n flux-system logs deploy/kustomize-controller > kustomize-controller.log
  kubectl -n flux-system logs deploy/helm-controller > helm-controller.log
  kubectl get pods,deployments,statefulsets,daemonsets,jobs -A -o json > workloads.json
  kubectl -n flux-system get deployments -o json > controllers.json
Any subset works; each file's kind is read from its content. Dumps of several bootstraps or
clusters pool their samples. `fluxsim observe` writes the same files for a simulated bootstrap.";

/// Arguments of `fluxsim calibrate`.
#[derive(clap::Args)]
#[command(
    after_help = HELP,
    mut_arg("trials", |a| a.help("Trials of each prediction the observed bootstrap is set beside"))
)]
pub struct CalibrateArgs {
    /// Scenario file (YAML) to calibrate.
    pub scenario: String,
    /// Dump files (kubectl JSON, controller JSON logs).
    #[arg(required = true)]
    pub dumps: Vec<String>,
    /// Write the calibrated scenario to FILE.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<String>,
    #[command(flatten)]
    pub mc: McArgs,
    /// Write the JSON report to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub json: Option<String>,
    /// Write the Markdown report to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<String>,
    /// Draw each observed bootstrap over the prediction (observed-N.svg and .png) into DIR.
    #[arg(long, value_name = "DIR")]
    pub chart: Option<String>,
}

/// The largest dump file read (a week of events of a large cluster is well below it).
const MAX_DUMP_BYTES: u64 = 512 << 20;

/// Reads one dump, refusing files over [`MAX_DUMP_BYTES`] (so `/dev/zero` cannot exhaust memory).
fn read_dump(p: &str) -> Result<String, ExitCode> {
    let buf = read_capped(p, MAX_DUMP_BYTES, || {
        format!(
            "`{p}` is larger than {} MiB: dump one namespace or a shorter log window",
            MAX_DUMP_BYTES >> 20
        )
    })?;
    String::from_utf8(buf).map_err(|_| {
        fail(format!(
            "`{p}` is not UTF-8 text: give the JSON kubectl printed, or the controller's log"
        ))
    })
}

pub(crate) fn read_dumps(paths: &[String]) -> Result<Input, ExitCode> {
    let mut input = Input::default();
    for p in paths {
        let text = read_dump(p)?;
        calibrate::load::read(&mut input, p, &text).map_err(fail)?;
    }
    Ok(input)
}

pub fn run(a: &CalibrateArgs) -> Result<ExitCode, ExitCode> {
    if a.mc.trials == 0 {
        return Err(fail("--trials must be at least 1"));
    }
    super::common::check_outputs(&[
        ("--output", a.output.as_deref()),
        ("--json", a.json.as_deref()),
        ("--markdown", a.markdown.as_deref()),
    ])?;
    let scenario = std::path::Path::new(&a.scenario);
    let sc = fluxsim::scenario::load_with(scenario, super::common::open_input).map_err(|d| {
        eprintln!("{d}");
        ExitCode::from(2)
    })?;
    let m = build(&sc).map_err(|d| {
        eprintln!("{d}");
        ExitCode::from(2)
    })?;
    let input = read_dumps(&a.dumps)?;
    let cal = calibrate::calibrate(&m, &input);
    let source = calibrate::source_of(&a.dumps);
    let (text, not_written) = calibrate::write::calibrated(&sc, &m, &cal, &source);
    let name = a.output.clone().unwrap_or_else(|| "<calibrated>".into());
    let csc = fluxsim::scenario::parse(&text, &name).map_err(|d| {
        fail(format!(
            "the calibrated scenario does not parse (a fluxsim bug): {d}"
        ))
    })?;
    let cm = build(&csc).map_err(|d| {
        fail(format!(
            "the calibrated scenario does not validate (a fluxsim bug): {d}"
        ))
    })?;
    if let Some(o) = &a.output {
        emit(o, text.as_bytes())?;
    }
    let cfg = McConfig {
        seed: a.mc.run.seed,
        trials: a.mc.trials,
        threads: a.mc.run.threads,
    };
    let observed = timeline::observed(&m, &input);
    let mut bootstraps = vec![];
    if !observed.is_empty() {
        let before = monte_carlo_stats(&m, &cfg, &|_| {}).map_err(fail)?;
        let after = monte_carlo_stats(&cm, &cfg, &|_| {}).map_err(fail)?;
        for b in observed {
            let rows = timeline::compare_stats(&b, &before, Some(&after));
            bootstraps.push(BootstrapReport { observed: b, rows });
        }
    }
    if let Some(dir) = &a.chart {
        std::fs::create_dir_all(dir).map_err(|e| fail(format!("cannot create `{dir}`: {e}")))?;
        for (i, b) in bootstraps.iter().enumerate() {
            let c = fluxsim::report::observed_chart::ObservedGantt {
                scenario: &cm.name,
                bootstrap: b,
            };
            let svg = fluxsim::report::chart::to_svg(&c).map_err(fail)?;
            emit(&format!("{dir}/observed-{}.svg", i + 1), svg.as_bytes())?;
            let png = std::path::Path::new(dir).join(format!("observed-{}.png", i + 1));
            fluxsim::report::chart::to_png_file(&c, &png).map_err(fail)?;
        }
    }
    let rep = CalibrationReport {
        schema_version: fluxsim::report::SCHEMA_VERSION,
        tool: format!("fluxsim {}", env!("CARGO_PKG_VERSION")),
        scenario: a.scenario.clone(),
        inputs: described(&input),
        calibration: cal,
        not_written,
        output: a.output.clone(),
        trials: a.mc.trials,
        seed: a.mc.run.seed,
        bootstraps,
    };
    if let Some(p) = &a.json {
        emit(p, rep.to_json().as_bytes())?;
    }
    if let Some(p) = &a.markdown {
        emit(p, rep.to_markdown().as_bytes())?;
    }
    if a.json.as_deref() != Some("-") && a.markdown.as_deref() != Some("-") {
        super::common::say(&rep.to_text())?;
    }
    Ok(ExitCode::SUCCESS)
}
