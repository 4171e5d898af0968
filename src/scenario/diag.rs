//! Diagnostics that point into the scenario file: file, line, column, message and a fix hint,
//! rendered with `annotate-snippets` (rustc's layout).
//!
//! Each diagnostic keeps only a short excerpt of its source line (at most [`EXCERPT_CHARS`]
//! characters around the column), and a report shows at most [`MAX_SHOWN`] of them, so a
//! one-line file with thousands of errors stays cheap (docs/limits.md).

use annotate_snippets::{AnnotationKind, Level, Origin, Renderer, Snippet};
use std::fmt;

/// Most characters of a source line copied into a diagnostic.
pub const EXCERPT_CHARS: usize = 100;
/// Most diagnostics printed in one report; the rest are counted.
pub const MAX_SHOWN: usize = 20;
/// Most names listed in a "known names" hint.
pub const MAX_LISTED: usize = 10;

/// One problem in an input file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file as the user named it.
    pub file: String,
    /// 1-based line (0 when unknown).
    pub line: u64,
    /// 1-based column (0 when unknown).
    pub column: u64,
    /// What is wrong (lowercase, no trailing period).
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// An excerpt of the source line, for the snippet (cut to [`EXCERPT_CHARS`]).
    pub source_line: Option<String>,
    /// Characters of the line cut before the excerpt.
    pub excerpt_start: u64,
}

/// Line starts of a source text, built once, so that many diagnostics in one file cost
/// O(log lines) each instead of a rescan of the file.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
    /// Whether each line is ASCII (then a column is a byte offset, found in O(1)).
    ascii: Vec<bool>,
}

impl LineIndex {
    /// Indexes `src`.
    #[must_use]
    pub fn new(src: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        let ascii = src.split('\n').map(str::is_ascii).collect();
        LineIndex { starts, ascii }
    }

    /// Line `line` (1-based) of `src`, without its line break.
    #[must_use]
    pub fn line<'s>(&self, src: &'s str, line: u64) -> Option<&'s str> {
        let i = usize::try_from(line.checked_sub(1)?).ok()?;
        let a = *self.starts.get(i)?;
        let b = self.starts.get(i + 1).map_or(src.len(), |b| b - 1);
        src.get(a..b).map(|l| l.strip_suffix('\r').unwrap_or(l))
    }

    /// A diagnostic at a position in `src` (which this index was built from).
    #[must_use]
    pub fn at(
        &self,
        file: &str,
        src: &str,
        line: u64,
        column: u64,
        message: impl Into<String>,
    ) -> Diagnostic {
        let ascii = usize::try_from(line.saturating_sub(1))
            .ok()
            .and_then(|i| self.ascii.get(i))
            .copied()
            .unwrap_or(false);
        let (source_line, excerpt_start) = match self.line(src, line) {
            Some(l) => {
                let (e, s) = excerpt(l, column, ascii);
                (Some(e), s)
            }
            None => (None, 0),
        };
        Diagnostic {
            file: file.to_string(),
            line,
            column,
            message: message.into(),
            help: None,
            source_line,
            excerpt_start,
        }
    }
}

/// At most [`EXCERPT_CHARS`] characters of `line` around `column`, and how many were cut
/// before them.
fn excerpt(line: &str, column: u64, ascii: bool) -> (String, u64) {
    let col = usize::try_from(column.max(1) - 1).unwrap_or(usize::MAX);
    let skip = col.saturating_sub(EXCERPT_CHARS / 3);
    if ascii {
        let a = skip.min(line.len());
        let b = (a + EXCERPT_CHARS).min(line.len());
        return (line[a..b].to_string(), a as u64);
    }
    let text: String = line.chars().skip(skip).take(EXCERPT_CHARS).collect();
    (text, skip as u64)
}

impl Diagnostic {
    /// A diagnostic at a position in `src`. For many diagnostics in one file, build a
    /// [`LineIndex`] once and use [`LineIndex::at`].
    #[must_use]
    pub fn at(file: &str, src: &str, line: u64, column: u64, message: impl Into<String>) -> Self {
        LineIndex::new(src).at(file, src, line, column, message)
    }
    /// A diagnostic about the whole file (no position).
    #[must_use]
    pub fn file(file: &str, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.to_string(),
            line: 0,
            column: 0,
            message: message.into(),
            help: None,
            source_line: None,
            excerpt_start: 0,
        }
    }
    /// Adds a hint.
    #[must_use]
    pub fn help(mut self, h: impl Into<String>) -> Self {
        self.help = Some(h.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let line = usize::try_from(self.line).unwrap_or(usize::MAX);
        let column = usize::try_from(self.column.max(1)).unwrap_or(usize::MAX);
        let group = Level::ERROR.primary_title(self.message.as_str());
        let mut group = match &self.source_line {
            // The excerpt stands at its place in the line (blanks before it), so the column
            // shown is the real one; the renderer elides the blank margin.
            Some(src) if self.line > 0 => {
                let pad = usize::try_from(self.excerpt_start).unwrap_or(0);
                let margin = if pad >= 3 {
                    format!("{}...", " ".repeat(pad - 3))
                } else {
                    " ".repeat(pad)
                };
                let text = format!("{margin}{src}");
                let at = text
                    .char_indices()
                    .nth(column - 1)
                    .map_or(text.len(), |(i, _)| i);
                let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
                group.element(
                    Snippet::source(text)
                        .line_start(line)
                        .path(self.file.as_str())
                        .annotation(AnnotationKind::Primary.span(at..end)),
                )
            }
            _ if self.line > 0 => group.element(
                Origin::path(self.file.as_str())
                    .line(line)
                    .char_column(column),
            ),
            _ => group.element(Origin::path(self.file.as_str())),
        };
        if let Some(h) = &self.help {
            group = group.element(Level::HELP.message(h.as_str()));
        }
        writeln!(f, "{}", Renderer::plain().render(&[group]))
    }
}

/// Every problem found in one file (validation reports all of them at once; the report shows
/// the first [`MAX_SHOWN`] and counts the rest).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in self.0.iter().take(MAX_SHOWN) {
            writeln!(f, "{d}")?;
        }
        let n = self.0.len();
        if n > MAX_SHOWN {
            writeln!(
                f,
                "… and {} more (fix the ones above first)\n",
                n - MAX_SHOWN
            )?;
        }
        write!(f, "{n} error{} found", if n == 1 { "" } else { "s" })
    }
}

impl std::error::Error for Diagnostics {}

/// Levenshtein distance, for did-you-mean hints; None when it exceeds `limit` (early exit).
fn edit_distance_within(a: &str, b: &str, limit: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        if cur.iter().min().is_some_and(|m| *m > limit) {
            return None;
        }
        prev = cur;
    }
    Some(prev[b.len()]).filter(|d| *d <= limit)
}

/// Levenshtein distance, for did-you-mean hints.
#[must_use]
pub fn edit_distance(a: &str, b: &str) -> usize {
    edit_distance_within(a, b, usize::MAX).unwrap_or(usize::MAX)
}

/// Names longer than this get no did-you-mean (a typo hint for them is no help, and the
/// distance is quadratic in the length).
const MAX_SUGGESTED_LEN: usize = 256;

/// The closest candidate to `name`, if it is close enough to be a likely typo. Candidates
/// whose length alone rules them out are skipped without computing a distance.
#[must_use]
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    if name.len() > MAX_SUGGESTED_LEN {
        return None;
    }
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c.len() > MAX_SUGGESTED_LEN {
            continue;
        }
        let limit = 3.max(c.chars().count() / 3);
        let limit = best.map_or(limit, |(bd, _)| limit.min(bd));
        if let Some(d) = edit_distance_within(name, c, limit) {
            if best.is_none_or(|(bd, bc)| d < bd || (d == bd && c < bc)) {
                best = Some((d, c));
            }
        }
    }
    best.map(|(_, c)| c)
}

/// `` `a`, `b`, `c` `` — at most [`MAX_LISTED`] names, then "and N more".
#[must_use]
pub fn name_list(names: &[&str]) -> String {
    let mut s = names
        .iter()
        .take(MAX_LISTED)
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > MAX_LISTED {
        s.push_str(&format!(" and {} more", names.len() - MAX_LISTED));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names() {
        assert_eq!(
            did_you_mean("infra-controlers", ["infra-controllers", "apps"]),
            Some("infra-controllers")
        );
        assert_eq!(did_you_mean("zzzzzz", ["infra-controllers", "apps"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn renders_file_line_column() {
        let d =
            Diagnostic::at("x.yaml", "a: 1\nbb: 2\n", 2, 1, "unknown field `bb`").help("remove it");
        let s = d.to_string();
        assert!(s.contains("--> x.yaml:2:1"), "{s}");
        assert!(s.contains("2 | bb: 2"), "{s}");
        assert!(s.contains("help: remove it"), "{s}");
    }

    #[test]
    fn long_lines_are_cut_around_the_column() {
        let line = format!("{}X{}", "a".repeat(5_000), "b".repeat(5_000));
        let d = Diagnostic::at("x.yaml", &line, 1, 5_001, "here");
        let ex = d.source_line.clone().unwrap();
        assert_eq!(ex.chars().count(), EXCERPT_CHARS);
        assert!(ex.contains('X'));
        let s = d.to_string();
        assert!(s.contains("x.yaml:1:5001"), "{s}");
        assert!(s.len() < 1_000, "{s}");
    }

    #[test]
    fn long_name_lists_are_cut() {
        let names: Vec<String> = (0..25).map(|i| format!("n{i}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let s = name_list(&refs);
        assert!(s.ends_with("`n9` and 15 more"), "{s}");
    }
}
