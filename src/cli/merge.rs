//! `fluxsim merge`: joins the partial results of a sharded `fluxsim mc` run into its report.

use super::common::{check_outputs, fail, read_capped, write_outputs, CmdResult};
use fluxsim::report::partial::{merge, read_partial, Partial};
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
    let bytes = read_capped(p, MAX_PART_BYTES, || {
        format!("`{p}` is larger than 2 GiB: it is not a partial result of `fluxsim mc --shard`")
    })?;
    // The message `read_to_string` gave before the capped read was shared.
    let text = String::from_utf8(bytes).map_err(|_| {
        fail(format!(
            "cannot read `{p}`: stream did not contain valid UTF-8"
        ))
    })?;
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
