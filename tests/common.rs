//! Helpers shared by the integration tests.
#![allow(dead_code)]

use fluxsim::model::{build, Model};
use fluxsim::runner::{run_once, RunOutput};
use fluxsim::scenario::parse;

pub fn model(yaml: &str) -> Model {
    let sc = parse(yaml, "test.yaml").unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    build(&sc).unwrap_or_else(|e| panic!("{e}"))
}

pub fn run(yaml: &str) -> (Model, RunOutput) {
    let m = model(yaml);
    let out = run_once(&m, 1, 0);
    (m, out)
}

pub fn ready(m: &Model, out: &RunOutput, name: &str) -> Option<u64> {
    let o = m
        .find_object(name)
        .unwrap_or_else(|| panic!("no object {name}"));
    out.trace.ready_ms[o]
}

pub fn runs_of<'a>(m: &Model, out: &'a RunOutput, name: &str) -> Vec<&'a fluxsim::trace::Run> {
    let o = m.find_object(name).unwrap();
    out.trace
        .runs_of(o)
        .iter()
        .map(|r| &out.trace.runs[*r])
        .collect()
}

pub fn errors(yaml: &str) -> String {
    match parse(yaml, "bad.yaml") {
        Err(d) => d.to_string(),
        Ok(sc) => match build(&sc) {
            Err(d) => d.to_string(),
            Ok(_) => panic!("expected an error"),
        },
    }
}
