//! Diagnostics that point into the scenario file: file, line, column, message and a fix hint.

use std::fmt;

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
    /// The source line, for the snippet.
    pub source_line: Option<String>,
}

impl Diagnostic {
    /// A diagnostic at a position in `src`.
    #[must_use]
    pub fn at(file: &str, src: &str, line: u64, column: u64, message: impl Into<String>) -> Self {
        let source_line = if line > 0 {
            src.lines()
                .nth(usize::try_from(line - 1).unwrap_or(usize::MAX))
                .map(str::to_string)
        } else {
            None
        };
        Diagnostic {
            file: file.to_string(),
            line,
            column,
            message: message.into(),
            help: None,
            source_line,
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
        writeln!(f, "error: {}", self.message)?;
        if self.line > 0 {
            writeln!(f, "  --> {}:{}:{}", self.file, self.line, self.column)?;
        } else {
            writeln!(f, "  --> {}", self.file)?;
        }
        if let Some(l) = &self.source_line {
            let num = self.line.to_string();
            let pad = " ".repeat(num.len());
            writeln!(f, "{pad} |")?;
            writeln!(f, "{num} | {l}")?;
            let col = usize::try_from(self.column.max(1) - 1).unwrap_or(0);
            writeln!(f, "{pad} | {}^", " ".repeat(col))?;
        }
        if let Some(h) = &self.help {
            writeln!(f, "  = help: {h}")?;
        }
        Ok(())
    }
}

/// Every problem found in one file (validation reports all of them at once).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        let n = self.0.len();
        write!(f, "{n} error{} found", if n == 1 { "" } else { "s" })
    }
}

impl std::error::Error for Diagnostics {}

/// Levenshtein distance, for did-you-mean hints.
#[must_use]
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The closest candidate to `name`, if it is close enough to be a likely typo.
#[must_use]
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(name, c);
        if best.is_none_or(|(bd, bc)| d < bd || (d == bd && c < bc)) {
            best = Some((d, c));
        }
    }
    best.filter(|(d, c)| *d <= 3.max(c.len() / 3))
        .map(|(_, c)| c)
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
}
