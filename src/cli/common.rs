//! Helpers every subcommand shares: loading a scenario (`-`: stdin), writing outputs (checked
//! before any simulation; a closed stdout ends the command quietly), Monte Carlo with a
//! progress bar, and exit codes.

use fluxsim::analysis::accumulate::McStats;
use fluxsim::model::{build, Model};
use fluxsim::report::mc::ScenarioInfo;
use fluxsim::report::write::{check_writable, write_output, write_output_with, WriteError};
use fluxsim::report::McReport;
use fluxsim::runner::{monte_carlo_stats, McConfig};
use fluxsim::scenario;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

/// What a subcommand returns: its exit code, or the code to stop with (already reported).
pub type CmdResult = Result<ExitCode, ExitCode>;

/// Reports `msg` as an error; exit status 2 (could not run).
pub fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

fn write_failed(e: &WriteError) -> ExitCode {
    if e.is_broken_pipe() {
        // `fluxsim … | head -1`: the reader has what it wanted.
        ExitCode::SUCCESS
    } else {
        fail(e)
    }
}

/// Reads and parses a scenario; `-` reads standard input.
pub fn load_scenario(path: &str) -> Result<scenario::Scenario, ExitCode> {
    let res = if path == "-" {
        scenario::read_source(std::io::stdin().lock(), "<stdin>")
            .and_then(|src| scenario::parse(&src, "<stdin>"))
    } else {
        scenario::load_with(std::path::Path::new(path), open_input)
    };
    res.map_err(|d| {
        eprintln!("{d}");
        ExitCode::from(2)
    })
}

/// Loads, validates and checks that there is something to simulate.
pub fn load_model(path: &str) -> Result<Model, ExitCode> {
    let sc = load_scenario(path)?;
    let m = build(&sc).map_err(|d| {
        eprintln!("{d}");
        ExitCode::from(2)
    })?;
    drop_in_background(sc);
    if m.objects.is_empty() {
        return Err(fail(format!(
            "{path} defines no Kustomization or HelmRelease: nothing to simulate (add a `kustomizations:` or `helmReleases:` list; see scenarios/README.md)"
        )));
    }
    Ok(m)
}

/// Frees the parsed scenario on a thread of its own while the caller goes on: for a
/// 1,000,000-object scenario that is some 13 million allocations, about 0.2 s. The process
/// may end before it is done; the OS then takes the memory back at once. If no thread can be
/// made, it is freed here (the closure is dropped with the failed spawn).
fn drop_in_background(sc: scenario::Scenario) {
    let _ = std::thread::Builder::new()
        .name("drop-scenario".into())
        .spawn(move || drop(sc));
}

/// Checks every output before any work: at most one of them is stdout (`-`), and each file
/// can be created. `outputs` pairs each flag with its value.
pub fn check_outputs(outputs: &[(&str, Option<&str>)]) -> Result<(), ExitCode> {
    let to_stdout: Vec<&str> = outputs
        .iter()
        .filter(|(_, p)| *p == Some("-"))
        .map(|(flag, _)| *flag)
        .collect();
    if to_stdout.len() > 1 {
        return Err(fail(format!(
            "{} {} write to stdout (`-`); send all but one to a file",
            to_stdout.join(" and "),
            if to_stdout.len() == 2 { "both" } else { "all" }
        )));
    }
    for (_, p) in outputs {
        if let Some(p) = p {
            check_writable(p).map_err(fail)?;
        }
    }
    Ok(())
}

/// Writes `bytes` to `path` (`-`: stdout).
pub fn emit(path: &str, bytes: &[u8]) -> Result<(), ExitCode> {
    write_output(path, bytes, &mut std::io::stdout().lock()).map_err(|e| write_failed(&e))
}

/// Writes what `body` writes to `path` (or stdout for `-`) as it is made, atomically.
pub fn emit_with(
    path: &str,
    body: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), ExitCode> {
    write_output_with(path, &mut std::io::stdout().lock(), body).map_err(|e| write_failed(&e))
}

/// Prints `text` to stdout (a closed stdout ends the command quietly).
pub fn say(text: &str) -> Result<(), ExitCode> {
    emit("-", text.as_bytes())
}

/// Writes `--json` and `--csv` outputs; prints the text summary unless one of them is stdout.
pub fn write_outputs(
    json: Option<&str>,
    csv: Option<&str>,
    json_text: &str,
    csv_text: impl FnOnce() -> Result<String, csv::Error>,
    text: &str,
) -> Result<(), ExitCode> {
    if let Some(p) = json {
        emit(p, json_text.as_bytes())?;
    }
    if let Some(p) = csv {
        emit(p, csv_text().map_err(fail)?.as_bytes())?;
    }
    if json != Some("-") && csv != Some("-") {
        say(text)?;
    }
    Ok(())
}

/// A progress bar with trials/s and ETA on stderr, only on a terminal and outside CI (piped
/// or CI output stays clean); `total` counts trials (both sides' for a comparison).
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    total: u64,
}

impl Progress {
    /// A bar for `total` trials (none for short runs, when stderr is not a terminal, or in CI).
    pub fn new(total: u64) -> Self {
        let show =
            std::io::stderr().is_terminal() && std::env::var_os("CI").is_none() && total >= 200;
        let bar = show.then(|| {
            let pb = indicatif::ProgressBar::new(total);
            pb.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} trials {pos}/{len} [{bar:40}] {per_sec} eta {eta}",
                )
                .expect("template")
                .progress_chars("=> "),
            );
            pb
        });
        Progress { bar, total }
    }

    /// Records `n` trials done (called from any worker thread).
    pub fn set(&self, n: u64) {
        if let Some(p) = &self.bar {
            if n.is_multiple_of(64) || n == self.total {
                p.set_position(n);
            }
        }
    }

    /// Removes the bar.
    pub fn finish(self) {
        if let Some(p) = self.bar {
            p.finish_and_clear();
        }
    }
}

/// How long opening a named pipe (FIFO) may wait for its writer.
const FIFO_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Opens `p` for reading. Opening a named pipe waits until something opens it for writing:
/// that wait is given [`FIFO_WAIT`] (a pipe from `<(kubectl …)` already has its writer), so
/// a forgotten `mkfifo` fails instead of hanging.
pub(crate) fn open_input(p: &std::path::Path) -> std::io::Result<std::fs::File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if std::fs::metadata(p).is_ok_and(|m| m.file_type().is_fifo()) {
            let (tx, rx) = std::sync::mpsc::channel();
            let path = p.to_path_buf();
            // On timeout the thread stays blocked in `open`; the command then exits.
            std::thread::spawn(move || tx.send(std::fs::File::open(path)));
            return rx.recv_timeout(FIFO_WAIT).unwrap_or_else(|_| {
                Err(std::io::Error::other(format!(
                    "a named pipe that nothing opened for writing within {} s (save what it would carry to a file and pass that)",
                    FIFO_WAIT.as_secs()
                )))
            });
        }
    }
    std::fs::File::open(p)
}

/// Reads file `p`, refusing one over `max` bytes (so `/dev/zero` cannot exhaust memory) with
/// the line `too_big` gives.
pub fn read_capped(
    p: &str,
    max: u64,
    too_big: impl FnOnce() -> String,
) -> Result<Vec<u8>, ExitCode> {
    use std::io::Read as _;
    let f =
        open_input(std::path::Path::new(p)).map_err(|e| fail(format!("cannot read `{p}`: {e}")))?;
    let mut buf = Vec::new();
    f.take(max + 1)
        .read_to_end(&mut buf)
        .map_err(|e| fail(format!("cannot read `{p}`: {e}")))?;
    if buf.len() as u64 > max {
        return Err(fail(too_big()));
    }
    Ok(buf)
}

/// Checks Monte Carlo settings against the limits before loading anything heavy.
pub fn check_mc(m: &Model, seed: u64, trials: u64, threads: usize) -> Result<(), ExitCode> {
    McConfig {
        seed,
        trials,
        threads,
    }
    .check(m)
    .map_err(fail)
}

/// Runs the trials (streaming) with a progress bar on a terminal.
pub fn run_mc_stats(
    m: &Model,
    seed: u64,
    trials: u64,
    threads: usize,
) -> Result<McStats, ExitCode> {
    let cfg = McConfig {
        seed,
        trials,
        threads,
    };
    let pb = Progress::new(trials);
    let res = monte_carlo_stats(m, &cfg, &|n| pb.set(n)).map_err(fail)?;
    pb.finish();
    Ok(res)
}

/// Runs the trials (streaming) with a progress bar on a terminal, into a report.
pub fn run_mc(m: &Model, seed: u64, trials: u64, threads: usize) -> Result<McReport, ExitCode> {
    let st = run_mc_stats(m, seed, trials, threads)?;
    Ok(McReport::from_stats(&ScenarioInfo::of(m), seed, st))
}

/// Flushes stdout at exit (ignoring a closed pipe).
pub fn flush() {
    let _ = std::io::stdout().flush();
}
