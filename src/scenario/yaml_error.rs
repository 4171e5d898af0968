//! A YAML or shape error from serde-saphyr as one diagnostic: matched by the parser's error
//! variants (not by message text), with a hint in words.

use super::diag::{name_list, Diagnostic, LineIndex};
use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::Error;

/// The error inside the parser's wrappers (snippet, alias context).
fn original(mut e: &Error) -> &Error {
    loop {
        match e {
            Error::WithSnippet { error, .. } | Error::AliasError { error, .. } => e = error,
            _ => return e,
        }
    }
}

/// The message and hint for the error kinds users meet; None: the parser's own message.
fn explain(e: &Error, token: &str) -> Option<(String, Option<String>)> {
    let alias_help = "the file repeats YAML anchors (`&name`) through aliases (`*name`) more than a scenario needs; write the repeated part out once, or use fewer aliases";
    Some(match e {
        Error::SerdeUnknownField {
            field, expected, ..
        } => (
            format!("unknown field `{field}`"),
            Some(format!(
                "check the spelling; allowed here: {} (the format is described in scenarios/README.md)",
                name_list(expected)
            )),
        ),
        Error::InvalidBooleanStrict { .. } => (
            format!("invalid boolean `{token}`"),
            Some("use `true` or `false`".into()),
        ),
        Error::InvalidScalar { ty, .. } if ty.starts_with('u') && token.starts_with('-') => (
            format!("`{token}` must be a positive integer"),
            Some("use a whole number such as `4`".into()),
        ),
        Error::InvalidScalar { ty, .. } if ty.starts_with('u') || ty.starts_with('i') => (
            format!("`{token}` is not a whole number in range"),
            Some("use a whole number such as `4`".into()),
        ),
        Error::AliasReplayLimitExceeded { .. }
        | Error::AliasExpansionLimitExceeded { .. }
        | Error::AliasReplayStackDepthExceeded { .. }
        | Error::AliasReplayCounterOverflow { .. } => (
            "the YAML aliases expand to more than the file's size allows".into(),
            Some(alias_help.into()),
        ),
        Error::Budget { breach, .. } => match breach {
            BudgetBreach::Aliases { .. }
            | BudgetBreach::Anchors { .. }
            | BudgetBreach::AliasAnchorRatio { .. } => (
                "the file uses more YAML aliases or anchors than allowed".into(),
                Some(alias_help.into()),
            ),
            BudgetBreach::Depth { .. } => (
                "the YAML is nested too deeply".into(),
                Some("a scenario needs a few levels of nesting; flatten the structure".into()),
            ),
            _ => (
                "the YAML is larger than the parser's budget for a file of this size".into(),
                Some("check for runaway repetition (aliases, merge keys); see docs/limits.md".into()),
            ),
        },
        _ => return None,
    })
}

/// The word at `column` of `line` (what the error points at), cut to 40 characters.
fn token_at(line: Option<&str>, column: u64) -> String {
    let col = usize::try_from(column.max(1) - 1).unwrap_or(0);
    line.map(|l| {
        l.chars()
            .skip(col)
            .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | ']' | '}' | '#'))
            .take(40)
            .collect()
    })
    .unwrap_or_default()
}

/// The diagnostic for a parse error of `source` (named `file`).
pub(super) fn diagnostic(e: &Error, source: &str, file: &str) -> Diagnostic {
    let (line, col) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
    let index = LineIndex::new(source);
    let token = token_at(index.line(source, line), col);
    let (msg, help) = explain(original(e), &token).unwrap_or_else(|| {
        (
            strip_location_prefix(&e.without_snippet().to_string()),
            None,
        )
    });
    let mut d = index.at(file, source, line, col, msg);
    d.help = help;
    d
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
