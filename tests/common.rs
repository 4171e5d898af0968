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

/// Runs the `fluxsim` binary: (exit code, stdout, stderr).
pub fn cli(args: &[&str]) -> (i32, String, String) {
    run_cli(std::process::Command::new(env!("CARGO_BIN_EXE_fluxsim")).args(args))
}

/// Runs the `fluxsim` binary in folder `dir`, outside CI: (exit code, stdout, stderr).
pub fn cli_in(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    run_cli(
        std::process::Command::new(env!("CARGO_BIN_EXE_fluxsim"))
            .current_dir(dir)
            .env_remove("CI")
            .args(args),
    )
}

fn run_cli(c: &mut std::process::Command) -> (i32, String, String) {
    let o = c.output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Writes `body` to file `name` in a temporary folder of this test binary
/// (`fluxsim-TAG-PID`) and returns its path.
pub fn temp_file(tag: &str, name: &str, body: &str) -> String {
    let dir = std::env::temp_dir().join(format!("fluxsim-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p.display().to_string()
}

/// A deterministic stream of choices from a generated seed (splitmix64), for generated cases.
pub struct Pick(pub u64);

impl Pick {
    /// A number in `0..n` (0 when `n` is 0).
    pub fn next(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % n.max(1) as u64) as usize
    }
    /// One of `v`.
    pub fn of<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.next(v.len())]
    }
}

/// A word such as `R7` or `R5b`: a rule number users cannot look up.
pub fn bare_rule_number(text: &str) -> Option<&str> {
    text.split(|c: char| !c.is_ascii_alphanumeric()).find(|w| {
        let mut cs = w.chars();
        cs.next() == Some('R')
            && w.len() > 1
            && w[1..].starts_with(|c: char| c.is_ascii_digit())
            && w[1..]
                .trim_start_matches(|c: char| c.is_ascii_digit())
                .len()
                <= 1
    })
}
