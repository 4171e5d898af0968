//! Input format only: a scenario file → raw structs ([`schema::RawScenario`]), with parse errors
//! that name the file, line and column. No Flux semantics here.

pub mod builder;
pub mod diag;
pub mod edit;
pub mod schema;
pub mod spanned;
mod yaml_error;

pub use diag::{Diagnostic, Diagnostics};
pub use schema::RawScenario;

/// A parsed scenario file together with its text (kept for diagnostics).
#[derive(Debug)]
pub struct Scenario {
    /// The file name as given.
    pub file: String,
    /// The file's text.
    pub source: String,
    /// The parsed structure.
    pub raw: RawScenario,
    /// Whether `raw` carries each value's file position. A `.json` scenario read by the fast
    /// JSON parser does not; `model::build` then parses the text again as YAML to point at
    /// the line and column of any problem it finds.
    pub located: bool,
}

/// Largest scenario accepted, in bytes (320 MiB: a 1,000,000-object scenario is about 260 MB as YAML, 290 MB as JSON).
pub const MAX_SCENARIO_BYTES: u64 = 320 << 20;

/// Reads scenario text from `reader`, refusing more than [`MAX_SCENARIO_BYTES`] (so reading
/// `/dev/zero` or a runaway pipe stops there). `file` names the input in diagnostics.
///
/// # Errors
/// The input cannot be read, is too large, or is not UTF-8.
pub fn read_source(reader: impl std::io::Read, file: &str) -> Result<String, Diagnostics> {
    read_sized(reader, file, 0)
}

/// [`read_source`] into a buffer made for `size` bytes (a file's length): reading a 290 MB file
/// into a growing buffer would copy it several times and hold twice its size.
fn read_sized(reader: impl std::io::Read, file: &str, size: u64) -> Result<String, Diagnostics> {
    use std::io::Read as _;
    // One byte more than the file, so the read that finds its end needs no room of its own.
    let cap = usize::try_from(size.min(MAX_SCENARIO_BYTES)).map_or(0, |n| n + 1);
    let mut buf = Vec::with_capacity(cap);
    let fail = |msg: String, help: &str| Diagnostics(vec![Diagnostic::file(file, msg).help(help)]);
    reader
        .take(MAX_SCENARIO_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| {
            fail(
                format!("cannot read scenario: {e}"),
                "check the path; scenarios ship in `scenarios/`",
            )
        })?;
    if buf.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(fail(
            format!(
                "the scenario is larger than {} MiB",
                MAX_SCENARIO_BYTES >> 20
            ),
            "split it or trim it; see docs/limits.md",
        ));
    }
    String::from_utf8(buf).map_err(|e| {
        fail(
            format!(
                "the scenario is not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
            "save the file as UTF-8",
        )
    })
}

/// Reads a scenario file's text (see [`read_source`]).
///
/// # Errors
/// As [`read_source`], or the file cannot be opened.
pub fn read_file(path: &std::path::Path) -> Result<String, Diagnostics> {
    read_opened(path, |p| std::fs::File::open(p))
}

/// [`read_file`] with the file opened by `open` (the command line's waits at most a few
/// seconds for a named pipe's writer instead of forever).
fn read_opened(
    path: &std::path::Path,
    open: impl FnOnce(&std::path::Path) -> std::io::Result<std::fs::File>,
) -> Result<String, Diagnostics> {
    let file = path.display().to_string();
    let f = open(path).map_err(|e| {
        Diagnostics(vec![Diagnostic::file(
            &file,
            format!("cannot read scenario: {e}"),
        )
        .help("check the path; scenarios ship in `scenarios/`")])
    })?;
    // A length the metadata does not give (a pipe, /dev/zero) just starts the buffer empty.
    let size = f.metadata().map_or(0, |m| m.len());
    read_sized(f, &file, size)
}

/// Reads and parses a scenario file; a `.json` file goes through [`parse_json`].
///
/// # Errors
/// The file cannot be read, or it is not a valid scenario (unknown field, wrong type, bad YAML).
pub fn load(path: &std::path::Path) -> Result<Scenario, Diagnostics> {
    load_with(path, |p| std::fs::File::open(p))
}

/// [`load`] with the file opened by `open`.
///
/// # Errors
/// As [`load`]; an error from `open` is reported as the file not being readable.
pub fn load_with(
    path: &std::path::Path,
    open: impl FnOnce(&std::path::Path) -> std::io::Result<std::fs::File>,
) -> Result<Scenario, Diagnostics> {
    let file = path.display().to_string();
    let source = read_opened(path, open)?;
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        parse_json(source, &file)
    } else {
        parse(&source, &file)
    }
}

/// Parses a scenario written as JSON (the same schema: JSON is YAML) with a fast JSON parser,
/// about ten times faster than the YAML parser on large files. The result has no file
/// positions ([`Scenario::located`] is false). Text the JSON parser refuses is parsed again as
/// YAML, so every diagnostic is the one the same text gets as a `.yaml` file.
///
/// # Errors
/// As [`parse`].
pub fn parse_json(source: String, file: &str) -> Result<Scenario, Diagnostics> {
    match json_raw(&source) {
        Some(raw) => Ok(Scenario {
            file: file.to_string(),
            source,
            raw,
            located: false,
        }),
        None => parse(&source, file),
    }
}

/// The JSON parser's reading of `source` (`None`: it refuses the text). The document is read
/// with each Kustomization kept as its text; those are then parsed on rayon's threads, each on
/// its own, into one list in declaration order (the same on any number of threads).
fn json_raw(source: &str) -> Option<RawScenario> {
    use rayon::prelude::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    type Texts<'a> = schema::RawScenarioOf<&'a serde_json::value::RawValue>;
    let shell = spanned::without_positions(|| serde_json::from_str::<Texts>(source)).ok()?;
    let refused = AtomicBool::new(false);
    let mut kustomizations = Vec::with_capacity(shell.kustomizations.len());
    shell
        .kustomizations
        .par_iter()
        .map(|text| {
            spanned::without_positions(|| serde_json::from_str(text.get())).unwrap_or_else(|_| {
                refused.store(true, Ordering::Relaxed);
                // Stands in for it; the whole reading is dropped below.
                spanned::Spanned::new(
                    schema::RawKustomization::default(),
                    spanned::Location::UNKNOWN,
                )
            })
        })
        .collect_into_vec(&mut kustomizations);
    if refused.load(Ordering::Relaxed) {
        return None;
    }
    Some(shell.with_kustomizations(kustomizations))
}

/// Parses scenario text; `file` names it in diagnostics.
///
/// # Errors
/// As [`load`].
pub fn parse(source: &str, file: &str) -> Result<Scenario, Diagnostics> {
    // The parser's resource budget grows with the input (a 100k-object scenario has millions
    // of nodes) but stays bounded by it, so aliases cannot blow it up: replaying aliases may
    // produce at most as many events as the file has bytes.
    let mut budget = serde_saphyr::Budget::default();
    budget.max_events = (source.len() * 2).max(budget.max_events);
    budget.max_nodes = source.len().max(budget.max_nodes);
    // Scalar text cannot exceed the file but for replayed aliases (bounded below); the fixed
    // 64 MiB default stopped a 1,000,000-object scenario at about 390,000 objects.
    budget.max_total_scalar_bytes = source.len().max(budget.max_total_scalar_bytes);
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options.alias_limits.max_total_replayed_events = source.len().clamp(10_000, 1_000_000);
    match serde_saphyr::from_str_with_options::<RawScenario>(source, options) {
        Ok(raw) => Ok(Scenario {
            file: file.to_string(),
            source: source.to_string(),
            raw,
            located: true,
        }),
        Err(e) => Err(Diagnostics(vec![yaml_error::diagnostic(&e, source, file)])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The two-step JSON reading (Kustomizations parsed on their own, in parallel) gives what
    // one pass of the JSON parser gives, in order, on any number of threads; a Kustomization
    // the parser refuses makes it refuse the whole text.
    #[test]
    fn json_two_step_reading_is_the_one_pass_reading() {
        let src = crate::synth::home_ops_json(200, 1, 4);
        let one_pass: RawScenario =
            spanned::without_positions(|| serde_json::from_str(&src)).expect("valid JSON");
        let want = format!("{one_pass:?}");
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("a pool");
            let got = pool.install(|| json_raw(&src)).expect("accepted");
            assert_eq!(format!("{got:?}"), want, "{threads} threads");
        }
        let bad = src.replacen("\"wait\"", "\"wiat\"", 1);
        assert!(json_raw(&bad).is_none());
        assert!(json_raw("{\"kustomizations\": [{\"name\": \"a\"},]}").is_none());
    }
}
