//! Charts a bootstrap script installs with the Helm CLI before Flux starts: `helm install NAME
//! CHART` or `helm upgrade --install NAME CHART` (also `-i`), with `-n`/`--namespace`, in shell
//! scripts, justfiles, Makefiles and task files among the repository's pre-Flux files. Lines
//! continued with `\` are joined; a release whose name or namespace is a shell variable or a
//! template is left out (unknown).

use super::helmfile::PreRelease;

/// Helm flags that take a value (the next word, unless written `--flag=value`).
const VALUED: &[&str] = &[
    "-f",
    "--values",
    "--set",
    "--set-string",
    "--set-file",
    "--set-json",
    "--set-literal",
    "--version",
    "-n",
    "--namespace",
    "--kube-context",
    "--kubeconfig",
    "--timeout",
    "--repo",
    "--username",
    "--password",
    "--post-renderer",
    "--description",
    "-o",
    "--output",
];

/// Whether a pre-Flux file is a script or task file (not documentation or a manifest).
pub fn is_script(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel).to_ascii_lowercase();
    name.ends_with(".sh")
        || name.ends_with(".bash")
        || name.ends_with(".just")
        || name == "justfile"
        || name == ".justfile"
        || name == "makefile"
        || (name.starts_with("taskfile") && (name.ends_with(".yaml") || name.ends_with(".yml")))
        || rel.contains(".taskfiles/")
}

/// The releases `helm install` / `helm upgrade --install` commands in `text` install.
#[must_use]
pub fn releases(file: &str, text: &str) -> Vec<PreRelease> {
    let mut out = vec![];
    let mut line = 0usize;
    let mut joined = String::new();
    let mut start = 1usize;
    for l in text.lines() {
        line += 1;
        if joined.is_empty() {
            start = line;
        }
        if let Some(head) = l.strip_suffix('\\') {
            joined.push_str(head);
            joined.push(' ');
            continue;
        }
        joined.push_str(l);
        let cmd = std::mem::take(&mut joined);
        if let Some(r) = command(&cmd, file, start) {
            out.push(r);
        }
    }
    out
}

/// One command line: the release it installs, if it is a Helm install.
fn command(cmd: &str, file: &str, line: usize) -> Option<PreRelease> {
    let cmd = cmd.split(" #").next().unwrap_or(cmd).trim_start();
    if cmd.starts_with('#') {
        return None;
    }
    let words: Vec<&str> = cmd
        .split_whitespace()
        .map(|w| w.trim_matches(['"', '\'']))
        .collect();
    let at = words.iter().position(|w| *w == "helm")?;
    let words = &words[at + 1..];
    let mut pos = vec![];
    let mut namespace = "default".to_string();
    let mut install = false;
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        if matches!(w, ";" | "&&" | "||" | "|") {
            break;
        }
        if let Some(v) = w.strip_prefix("--namespace=") {
            namespace = v.to_string();
        } else if w == "-i" || w == "--install" {
            install = true;
        } else if VALUED.contains(&w) {
            if matches!(w, "-n" | "--namespace") {
                namespace = words.get(i + 1).map_or("", |v| *v).to_string();
            }
            i += 1;
        } else if !w.starts_with('-') {
            pos.push(w);
        }
        i += 1;
    }
    let (name, chart) = match pos.as_slice() {
        ["install", name, chart, ..] => (*name, *chart),
        ["upgrade", name, chart, ..] if install => (*name, *chart),
        _ => return None,
    };
    let unknown = |s: &str| s.is_empty() || s.contains(['$', '{', '<', '`']);
    if unknown(name) || unknown(&namespace) {
        return None;
    }
    Some(PreRelease {
        name: name.to_string(),
        namespace,
        chart: chart.rsplit('/').next().unwrap_or(chart).to_string(),
        file: file.to_string(),
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helm_commands_are_read() {
        let t = "#!/bin/sh\n# helm install not-this one\nhelm repo add cilium https://helm.cilium.io\nhelm upgrade --install cilium cilium/cilium \\\n  --version 1.18.5 \\\n  --namespace kube-system --wait\nhelm install -n cert-manager cert-manager jetstack/cert-manager --set crds.enabled=true\nhelm install \"$NAME\" some/chart\nhelm upgrade cilium cilium/cilium\n";
        let r = releases("bootstrap/install.sh", t);
        let got: Vec<(&str, &str, &str, usize)> = r
            .iter()
            .map(|r| {
                (
                    r.name.as_str(),
                    r.namespace.as_str(),
                    r.chart.as_str(),
                    r.line,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("cilium", "kube-system", "cilium", 4),
                ("cert-manager", "cert-manager", "cert-manager", 7)
            ]
        );
    }
}
