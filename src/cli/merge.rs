//! `fluxsim merge`: joins the partial results of a sharded `fluxsim mc` run into its report.

use super::common::{check_outputs, fail, write_outputs, CmdResult};
use fluxsim::report::partial::{merge, read_partial, Partial};
use std::io::Read as _;
use std::process::ExitCode;

/// Largest partial result file read (a 10-million-trial shard is about 100 MB).
const MAX_PART_BYTES: u64 = 2 << 30;

/// Join the partial results of `fluxsim mc --shard I/N` (all N of one run) into the report the
/// unsharded run writes, byte for byte.
#[derive(clap::Args)]
pub struct Args {
    /// Partial result files, one per shard, in any order.
    #[arg(required = true, value_name = "PARTS")]
    parts: Vec<String>,
    /// Write the JSON report to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    json: Option<String>,
    /// Write one CSV row per trial to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    csv: Option<String>,
}

fn read(p: &str) -> Result<Partial, ExitCode> {
    let f = std::fs::File::open(p).map_err(|e| fail(format!("cannot read `{p}`: {e}")))?;
    let mut text = String::new();
    f.take(MAX_PART_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| fail(format!("cannot read `{p}`: {e}")))?;
    if text.len() as u64 > MAX_PART_BYTES {
        return Err(fail(format!(
            "`{p}` is larger than 2 GiB: it is not a partial result of `fluxsim mc --shard`"
        )));
    }
    read_partial(&text, p).map_err(fail)
}

pub fn run(a: Args) -> CmdResult {
    let (json, csv) = (a.json.as_deref(), a.csv.as_deref());
    check_outputs(&[("--json", json), ("--csv", csv)])?;
    let mut parts = vec![];
    for p in &a.parts {
        parts.push((p.clone(), read(p)?));
    }
    let rep = merge(parts).map_err(fail)?;
    write_outputs(json, csv, &rep.to_json(), || rep.to_csv(), &rep.to_text())?;
    Ok(ExitCode::SUCCESS)
}
