//! `fluxsim calibrate`'s dump readers: any bytes → one dump file (its first byte picks which of
//! the fixture dumps it replaces; the others are read beside it, as the CLI reads a set) → the
//! calibration, the calibrated scenario (which must parse and validate), the observed timeline
//! against a prediction, the reports and the chart. Must never panic, hang or allocate
//! without bound; a refused file is fine.
#![no_main]

use fluxsim::calibrate::{self, load::Input, timeline};
use fluxsim::model::{build, Model};
use fluxsim::report::observed::{described, BootstrapReport, CalibrationReport};
use fluxsim::scenario::{parse, Scenario};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

/// The CLI's cap on one dump file (src/cli/calibrate.rs).
const MAX_DUMP_BYTES: usize = 512 << 20;

const FIXTURES: [(&str, &str); 5] = [
    (
        "events.json",
        include_str!("../../tests/fixtures/calibrate/events.json"),
    ),
    (
        "flux.json",
        include_str!("../../tests/fixtures/calibrate/flux.json"),
    ),
    (
        "kustomize-controller.log",
        include_str!("../../tests/fixtures/calibrate/kustomize-controller.log"),
    ),
    (
        "workloads.json",
        include_str!("../../tests/fixtures/calibrate/workloads.json"),
    ),
    (
        "controllers.json",
        include_str!("../../tests/fixtures/calibrate/controllers.json"),
    ),
];

struct Base {
    sc: Scenario,
    m: Model,
    stats: fluxsim::analysis::accumulate::McStats,
}

fn base() -> &'static Base {
    static B: OnceLock<Base> = OnceLock::new();
    B.get_or_init(|| {
        let sc = parse(
            include_str!("../../tests/fixtures/calibrate/scenario.yaml"),
            "scenario.yaml",
        )
        .expect("the fixture parses");
        let m = build(&sc).expect("the fixture is valid");
        let cfg = fluxsim::runner::McConfig {
            seed: 1,
            trials: 4,
            threads: 1,
        };
        let stats = fluxsim::runner::monte_carlo_stats(&m, &cfg, &|_| {}).expect("runs");
        Base { sc, m, stats }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    if bytes.len() > MAX_DUMP_BYTES {
        return;
    }
    // The CLI refuses a dump that is not UTF-8 before reading it.
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let b = base();
    let which = usize::from(which) % FIXTURES.len();
    let mut files: Vec<(String, &str)> = FIXTURES
        .iter()
        .map(|(n, t)| ((*n).to_string(), *t))
        .collect();
    files[which].1 = text;
    let mut input = Input::default();
    for (name, t) in &files {
        if let Err(e) = calibrate::load::read(&mut input, name, t) {
            let msg = e.to_string();
            assert!(
                !msg.contains('\n') && msg.starts_with(name.as_str()),
                "{msg}"
            );
            return;
        }
    }
    let cal = calibrate::calibrate(&b.m, &input);
    let names: Vec<String> = files.iter().map(|f| f.0.clone()).collect();
    let (out, not_written) =
        calibrate::write::calibrated(&b.sc, &b.m, &cal, &calibrate::source_of(&names));
    let csc = parse(&out, "calibrated.yaml").expect("the calibrated scenario parses");
    let cm = build(&csc).expect("the calibrated scenario validates");
    let bootstraps: Vec<BootstrapReport> = timeline::observed(&b.m, &input)
        .into_iter()
        .map(|o| {
            let rows = timeline::compare_stats(&o, &b.stats, Some(&b.stats));
            BootstrapReport { observed: o, rows }
        })
        .collect();
    for bs in &bootstraps {
        let c = fluxsim::report::observed_chart::ObservedGantt {
            scenario: &cm.name,
            bootstrap: bs,
        };
        let _ = fluxsim::report::chart::to_svg(&c);
    }
    let rep = CalibrationReport {
        schema_version: fluxsim::report::SCHEMA_VERSION,
        tool: "fluxsim".into(),
        scenario: "scenario.yaml".into(),
        inputs: described(&input),
        calibration: cal,
        not_written,
        output: None,
        trials: 4,
        seed: 1,
        bootstraps,
    };
    let _ = (rep.to_text(), rep.to_markdown(), rep.to_json());
});
