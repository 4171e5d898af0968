//! Input format only: a scenario file → raw structs ([`schema::RawScenario`]), with parse errors
//! that name the file, line and column. No Flux semantics here.

pub mod builder;
pub mod diag;
pub mod edit;
pub mod schema;

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
}

/// Reads and parses a scenario file.
///
/// # Errors
/// The file cannot be read, or it is not a valid scenario (unknown field, wrong type, bad YAML).
pub fn load(path: &std::path::Path) -> Result<Scenario, Diagnostics> {
    let file = path.display().to_string();
    let source = std::fs::read_to_string(path).map_err(|e| {
        Diagnostics(vec![Diagnostic {
            file: file.clone(),
            line: 0,
            column: 0,
            message: format!("cannot read scenario: {e}"),
            help: Some("check the path; scenarios ship in `scenarios/`".into()),
            source_line: None,
        }])
    })?;
    parse(&source, &file)
}

/// Parses scenario text; `file` names it in diagnostics.
///
/// # Errors
/// As [`load`].
pub fn parse(source: &str, file: &str) -> Result<Scenario, Diagnostics> {
    // The parser's resource budget grows with the input (a 100k-object scenario has millions
    // of nodes) but stays bounded by it, so aliases cannot blow it up.
    let mut budget = serde_saphyr::Budget::default();
    budget.max_events = (source.len() * 2).max(budget.max_events);
    budget.max_nodes = source.len().max(budget.max_nodes);
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    match serde_saphyr::from_str_with_options::<RawScenario>(source, options) {
        Ok(raw) => Ok(Scenario {
            file: file.to_string(),
            source: source.to_string(),
            raw,
        }),
        Err(e) => {
            let (line, col) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
            let plain = e.without_snippet().to_string();
            let msg = strip_location_prefix(&plain);
            let mut d = Diagnostic::at(file, source, line, col, msg.clone());
            if msg.contains("unknown field") {
                d = d.help(
                    "check the spelling; the scenario format is described in scenarios/README.md",
                );
            } else if msg.contains("invalid boolean") {
                d = d.help("use `true` or `false`");
            }
            Err(Diagnostics(vec![d]))
        }
    }
}

fn strip_location_prefix(s: &str) -> String {
    let first = s.lines().next().unwrap_or(s);
    let first = first.strip_prefix("error: ").unwrap_or(first);
    if let Some(rest) = first.strip_prefix("line ") {
        if let Some(idx) = rest.find(": ") {
            return rest[idx + 2..].to_string();
        }
    }
    let first = first.to_string();
    match first.rfind(" at line ") {
        Some(i) => first[..i].to_string(),
        None => first,
    }
}
