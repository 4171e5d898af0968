//! Reading repository YAML robustly: multi-document files split on `---`, anchors and aliases,
//! comments, empty documents, and makejinja templates (`.j2`: `#% %#` blocks and `#| |#`
//! comments stripped, `#{ }#` expressions replaced) read as far as possible.

use serde_json::Value;

/// One YAML document with where it came from.
#[derive(Clone, Debug)]
pub struct Doc {
    /// File, relative to the repository root.
    pub file: String,
    /// 1-based line where the document starts.
    pub line: usize,
    /// The document.
    pub value: Value,
}

/// Strips makejinja syntax. Returns the text and whether anything was stripped.
#[must_use]
pub fn strip_jinja(text: &str) -> (String, bool) {
    let mut out = String::with_capacity(text.len());
    let mut stripped = false;
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with("#%") || t.starts_with("#|") {
            // A block tag or a template comment: keep the line count, drop the content.
            out.push('\n');
            stripped = true;
            continue;
        }
        let mut l = line.to_string();
        while let Some(a) = l.find("#{") {
            match l[a..].find("}#") {
                Some(b) => {
                    l.replace_range(a..a + b + 2, "j2var");
                    stripped = true;
                }
                None => break,
            }
        }
        out.push_str(&l);
        out.push('\n');
    }
    (out, stripped)
}

/// Splits a multi-document file and parses each document. Returns the documents and, for
/// documents that do not parse, (line, message) problems.
#[must_use]
pub fn parse_docs(file: &str, text: &str) -> (Vec<Doc>, Vec<(usize, String)>) {
    // A stripped template keeps every branch of `#% if %# … #% else %#`: the same key can
    // appear twice; the last branch wins (the graph is a superset anyway).
    let template = file.ends_with(".j2");
    let mut docs = vec![];
    let mut problems = vec![];
    let mut start = 1usize;
    let mut cur = String::new();
    let lines: Vec<&str> = text.lines().collect();
    let flush = |cur: &mut String,
                 start: usize,
                 docs: &mut Vec<Doc>,
                 problems: &mut Vec<(usize, String)>| {
        if cur
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        {
            cur.clear();
            return;
        }
        let mut budget = serde_saphyr::Budget::default();
        budget.max_nodes = (cur.len() * 2).max(budget.max_nodes);
        let mut options = serde_saphyr::Options::default();
        options.budget = Some(budget);
        if template {
            options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::LastWins;
        }
        match serde_saphyr::from_str_with_options::<Value>(cur, options) {
            Ok(Value::Null) => {}
            Ok(v) => docs.push(Doc {
                file: file.to_string(),
                line: start,
                value: v,
            }),
            Err(e) => {
                let line = e.location().map_or(start, |l| {
                    start + usize::try_from(l.line()).unwrap_or(1) - 1
                });
                let msg = e.without_snippet().to_string();
                problems.push((line, msg.lines().next().unwrap_or("").to_string()));
            }
        }
        cur.clear();
    };
    for (i, l) in lines.iter().enumerate() {
        if let Some(rest) = separator(l) {
            flush(&mut cur, start, &mut docs, &mut problems);
            // `--- # comment` and `---` end a document; `--- content` starts the next one on
            // the same line.
            if rest.is_empty() || rest.starts_with('#') {
                start = i + 2;
            } else {
                start = i + 1;
                cur.push_str(rest);
                cur.push('\n');
            }
            continue;
        }
        if l.starts_with("...") && l[3..].trim().is_empty() {
            continue;
        }
        cur.push_str(l);
        cur.push('\n');
    }
    flush(&mut cur, start, &mut docs, &mut problems);
    (docs, problems)
}

/// What follows a document separator `---` on its line (trimmed), or None if the line is not
/// one (`----`, `---x` and indented dashes are content).
fn separator(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("---")?;
    if rest.is_empty() || rest.starts_with([' ', '\t']) {
        Some(rest.trim())
    } else {
        None
    }
}

/// `value[a][b]…` as a string, if present.
#[must_use]
pub fn get_str<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut x = v;
    for p in path {
        x = x.get(*p)?;
    }
    x.as_str()
}

/// `value[a][b]…`.
#[must_use]
pub fn get<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut x = v;
    for p in path {
        x = x.get(*p)?;
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_with_comments_and_content() {
        let text = "a: 1\n--- # second\nb: 2\n---\n# only a comment\n--- {c: 3}\n----\n";
        let (docs, problems) = parse_docs("f.yaml", text);
        let got: Vec<(usize, String)> =
            docs.iter().map(|d| (d.line, d.value.to_string())).collect();
        assert_eq!(
            got,
            [(1, r#"{"a":1}"#.to_string()), (3, r#"{"b":2}"#.to_string()),],
            "{problems:?}"
        );
        // `--- {c: 3}` starts a document on its own line; `----` is content, which makes that
        // document invalid: reported at the line of `----`.
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].0, 7);
    }
}
