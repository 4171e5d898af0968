//! The calibration loop closed: `observe` simulated bootstraps of a shipped scenario, calibrate
//! a copy whose readiness times were reset to guesses, and recover the original.
//!
//! Sampling noise sets what 20 bootstraps can recover: the example's readiness profiles have
//! p95 = 3 × median, σ = ln 3 / 1.645 = 0.668, so a median fitted from 20 samples has a standard
//! error of e^(0.668/√20) − 1 ≈ 16 %. With 20 seeds the test therefore checks the dumps and the
//! parser against the fit of the simulator's exact draws (what was lost to kubectl's formats and
//! whole-second stamps); with 200 seeds (standard error ≈ 5 %) it checks the original itself.

use fluxsim::analysis::stats::{percentile, sort_with_stuck};
use fluxsim::calibrate::{self, fit, load::Input};
use fluxsim::dist::Dist;
use fluxsim::model::{build, Model};
use fluxsim::runner::{monte_carlo, run_once, McConfig};
use fluxsim::scenario::parse;

const SCENARIO: &str = include_str!("../scenarios/example.yaml");

/// Every `ready:` line replaced by a flat guess, as `fluxsim import` would write it.
fn guessed(text: &str) -> String {
    text.lines()
        .map(|l| match l.trim_start().strip_prefix("ready:") {
            Some(_) => {
                let ind = &l[..l.len() - l.trim_start().len()];
                format!("{ind}ready: 30s\n{ind}guessed: true")
            }
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn p(m: &Model, q: f64) -> u64 {
    let cfg = McConfig {
        seed: 7,
        trials: 2000,
        threads: 0,
    };
    let t = monte_carlo(m, &cfg, &|_| {}).unwrap();
    let v: Vec<Option<u64>> = t.iter().map(|s| s.makespan_ms).collect();
    percentile(&sort_with_stuck(&v), q).expect("not stuck")
}

#[allow(clippy::cast_precision_loss)]
fn rel(a: u64, b: u64) -> f64 {
    (a as f64 - b as f64).abs() / b as f64
}

struct Loop {
    original: Model,
    calibrated: Model,
    cal: calibrate::Calibration,
    /// Per workload canonical name: the simulator's exact readiness draws (ready − applied).
    draws: Vec<(String, Vec<u64>)>,
}

fn close_the_loop(seeds: u64) -> Loop {
    let original = build(&parse(SCENARIO, "example.yaml").unwrap()).unwrap();
    let mut input = Input::default();
    let mut draws: Vec<(String, Vec<u64>)> = original
        .workloads
        .iter()
        .map(|w| (w.canonical.clone(), vec![]))
        .collect();
    for seed in 1..=seeds {
        let out = run_once(&original, seed, 0);
        for (w, d) in out.trace.workloads.iter().zip(&mut draws) {
            if let (Some(a), Some(r)) = (w.applied_ms, w.ready_ms) {
                d.1.push(r - a);
            }
        }
        for (name, text) in fluxsim::observe::dumps(&original, &out.trace, seed) {
            calibrate::load::read(&mut input, &format!("seed{seed}/{name}"), &text).unwrap();
        }
    }
    let gsc = parse(&guessed(SCENARIO), "guessed.yaml").unwrap();
    let gm = build(&gsc).unwrap();
    let cal = calibrate::calibrate(&gm, &input);
    assert_eq!(cal.workloads.len(), 4, "{:?}", cal.unmatched);
    assert!(cal.unmatched.is_empty(), "{:?}", cal.unmatched);
    let (text, _) = calibrate::write::calibrated(&gsc, &gm, &cal, "observe");
    assert!(
        !text.contains("guessed: true"),
        "every guess replaced:\n{text}"
    );
    let marks = format!("observed: {{samples: {seeds}");
    assert_eq!(text.matches(&marks).count(), 4, "{text}");
    let calibrated = build(&parse(&text, "calibrated.yaml").unwrap()).unwrap();
    Loop {
        original,
        calibrated,
        cal,
        draws,
    }
}

#[test]
fn twenty_bootstraps_lose_nothing_but_the_seconds() {
    let l = close_the_loop(20);
    for f in &l.cal.workloads {
        let d = &l.draws.iter().find(|(k, _)| *k == f.key).unwrap().1;
        let exact = fit::fit(d).unwrap();
        // Whole-second stamps move each sample by less than 1s: the fitted median stays within
        // 5 % of the fit of the exact draws (the brief allows 15 % against the original).
        assert!(
            rel(f.fit.median_ms, exact.median_ms) <= 0.05,
            "{}: {} vs exact {}",
            f.key,
            f.fit.median_ms,
            exact.median_ms
        );
        assert!(
            rel(f.fit.p95_ms, exact.p95_ms) <= 0.15,
            "{}: p95 {} vs exact {}",
            f.key,
            f.fit.p95_ms,
            exact.p95_ms
        );
    }
}

#[test]
fn two_hundred_bootstraps_recover_the_original() {
    let l = close_the_loop(200);
    for f in &l.cal.workloads {
        let w = l
            .original
            .workloads
            .iter()
            .find(|w| w.canonical == f.key)
            .unwrap();
        let Some(Dist::LogNormal { median, .. }) = w.ready else {
            panic!("{} not lognormal", f.key)
        };
        assert!(
            rel(f.fit.median_ms, median) <= 0.15,
            "{}: fitted {} vs {median}",
            f.key,
            f.fit.median_ms
        );
    }
    for q in [0.5, 0.95] {
        let (a, b) = (p(&l.calibrated, q), p(&l.original, q));
        assert!(
            rel(a, b) <= 0.05,
            "p{}: calibrated {a} vs original {b}",
            q * 100.0
        );
    }
}
