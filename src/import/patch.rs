//! Kustomize and Flux patches on parsed objects (strategic merge on CRDs: maps merge, scalars
//! and lists are replaced; JSON 6902 add/replace/remove), patch targets, and Flux `postBuild`
//! variable substitution (`${VAR}`, `${VAR:=default}`, the `$${VAR}` escape).

use serde_json::Value;
use std::collections::BTreeMap;

/// A patch target (`kind`, `name` regex-ish, `namespace`, `labelSelector`).
#[derive(Clone, Debug, Default)]
pub struct Target {
    /// Kind.
    pub kind: Option<String>,
    /// Name (exact, `.*` wildcard, or `(a|b)` alternatives).
    pub name: Option<String>,
    /// Namespace.
    pub namespace: Option<String>,
    /// `key=value[,key=value]`.
    pub label_selector: Option<String>,
}

impl Target {
    /// From a `target:` map.
    #[must_use]
    pub fn from_value(v: Option<&Value>) -> Target {
        let s = |k: &str| {
            v.and_then(|v| v.get(k))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        Target {
            kind: s("kind"),
            name: s("name"),
            namespace: s("namespace"),
            label_selector: s("labelSelector"),
        }
    }

    /// Whether `obj` matches.
    #[must_use]
    pub fn matches(&self, obj: &Value) -> bool {
        let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
        let name = obj
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        let ns = obj
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("");
        if self.kind.as_deref().is_some_and(|k| !name_match(k, kind)) {
            return false;
        }
        if self.name.as_deref().is_some_and(|n| !name_match(n, name)) {
            return false;
        }
        if self
            .namespace
            .as_deref()
            .is_some_and(|n| !name_match(n, ns))
        {
            return false;
        }
        if let Some(sel) = &self.label_selector {
            let labels = obj.pointer("/metadata/labels");
            for term in sel.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                let ok = if let Some((k, v)) = term.split_once("!=") {
                    labels.and_then(|l| l.get(k.trim())).and_then(Value::as_str) != Some(v.trim())
                } else if let Some((k, v)) = term.split_once('=') {
                    labels
                        .and_then(|l| l.get(k.trim().trim_end_matches('=')))
                        .and_then(Value::as_str)
                        == Some(v.trim())
                } else if let Some(k) = term.strip_prefix('!') {
                    labels.and_then(|l| l.get(k)).is_none()
                } else {
                    labels.and_then(|l| l.get(term)).is_some()
                };
                if !ok {
                    return false;
                }
            }
        }
        true
    }
}

/// Matches kustomize's anchored regex for the common forms: exact, `.*`, `prefix.*`, `(a|b|c)`.
#[must_use]
pub fn name_match(pattern: &str, s: &str) -> bool {
    let p = pattern.trim_start_matches('^').trim_end_matches('$');
    if p == ".*" || p == "*" {
        return true;
    }
    if let Some(inner) = p.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
        return inner.split('|').any(|alt| name_match(alt, s));
    }
    if let Some(prefix) = p.strip_suffix(".*") {
        return s.starts_with(prefix);
    }
    if let Some(suffix) = p.strip_prefix(".*") {
        return s.ends_with(suffix);
    }
    p == s
}

/// Strategic merge of `patch` into `base` as for a CRD: maps merge recursively; scalars and
/// lists replace; `null` deletes.
pub fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    b.remove(k);
                } else if let Some(bv) = b.get_mut(k) {
                    merge(bv, v);
                } else {
                    b.insert(k.clone(), v.clone());
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

fn unescape(tok: &str) -> String {
    tok.replace("~1", "/").replace("~0", "~")
}

/// Applies JSON 6902 operations. Returns a message for each operation that could not apply.
pub fn json6902(obj: &mut Value, ops: &[Value]) -> Vec<String> {
    let mut problems = vec![];
    for op in ops {
        let kind = op.get("op").and_then(Value::as_str).unwrap_or("");
        let path = op.get("path").and_then(Value::as_str).unwrap_or("");
        let Some(cut) = path.rfind('/') else { continue };
        let (parent_path, last) = (&path[..cut], unescape(&path[cut + 1..]));
        if kind == "add" {
            // Create missing intermediate maps, as kustomize does for `add`.
            let mut prefix = String::new();
            for tok in parent_path.split('/').skip(1) {
                let next = format!("{prefix}/{tok}");
                if obj.pointer(&next).is_none() {
                    if let Some(Value::Object(m)) = obj.pointer_mut(&prefix) {
                        m.insert(unescape(tok), Value::Object(serde_json::Map::new()));
                    }
                }
                prefix = next;
            }
        }
        let Some(cur) = obj.pointer_mut(parent_path) else {
            problems.push(format!("{kind} {path}: path not found"));
            continue;
        };
        let last = &last;
        let value = op.get("value").cloned().unwrap_or(Value::Null);
        match (kind, cur) {
            ("add" | "replace", Value::Object(m)) => {
                m.insert(last.clone(), value);
            }
            ("add", Value::Array(a)) if last == "-" => a.push(value),
            ("add", Value::Array(a)) => match last.parse::<usize>() {
                Ok(i) if i <= a.len() => a.insert(i, value),
                _ => problems.push(format!("add {path}: bad index")),
            },
            ("replace", Value::Array(a)) => match last.parse::<usize>() {
                Ok(i) if i < a.len() => a[i] = value,
                _ => problems.push(format!("replace {path}: bad index")),
            },
            ("remove", Value::Object(m)) => {
                m.remove(last);
            }
            ("remove", Value::Array(a)) => {
                if let Ok(i) = last.parse::<usize>() {
                    if i < a.len() {
                        a.remove(i);
                    }
                }
            }
            (k, _) => problems.push(format!("{k} {path}: unsupported")),
        }
    }
    problems
}

/// Applies one patch document (SMP map or 6902 list) to `obj` if `target` matches (an SMP
/// without target matches by kind and name). Returns whether it applied and any problems.
pub fn apply_patch(
    obj: &mut Value,
    patch: &Value,
    target: &Target,
    has_target: bool,
) -> (bool, Vec<String>) {
    match patch {
        Value::Array(ops) => {
            if has_target && target.matches(obj) {
                (true, json6902(obj, ops))
            } else {
                (false, vec![])
            }
        }
        Value::Object(_) => {
            let matches = if has_target {
                target.matches(obj)
            } else {
                patch.get("kind") == obj.get("kind")
                    && patch.pointer("/metadata/name") == obj.pointer("/metadata/name")
            };
            if !matches {
                return (false, vec![]);
            }
            let mut p = patch.clone();
            // The patch's own identity fields do not rename the target.
            if let Some(m) = p.get_mut("metadata").and_then(Value::as_object_mut) {
                if has_target {
                    m.remove("name");
                    m.remove("namespace");
                }
            }
            merge(obj, &p);
            (true, vec![])
        }
        _ => (false, vec![]),
    }
}

/// Flux `postBuild` substitution over every string (and key) in `v`. Undefined variables
/// without a default become "" and are reported.
pub fn substitute(v: &mut Value, vars: &BTreeMap<String, String>, unresolved: &mut Vec<String>) {
    match v {
        Value::String(s) if s.contains('$') => *s = subst_str(s, vars, unresolved),
        Value::Array(a) => a.iter_mut().for_each(|x| substitute(x, vars, unresolved)),
        Value::Object(m) => {
            let keys: Vec<String> = m.keys().filter(|k| k.contains("${")).cloned().collect();
            for k in keys {
                if let Some(val) = m.remove(&k) {
                    m.insert(subst_str(&k, vars, unresolved), val);
                }
            }
            m.values_mut().for_each(|x| substitute(x, vars, unresolved));
        }
        _ => {}
    }
}

/// Substitutes one string.
#[must_use]
pub fn subst_str(s: &str, vars: &BTreeMap<String, String>, unresolved: &mut Vec<String>) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' && i + 2 < b.len() && b[i + 1] == b'$' && b[i + 2] == b'{' {
            out.push('$');
            i += 2;
            continue;
        }
        if b[i] == b'$' && i + 1 < b.len() && b[i + 1] == b'{' {
            if let Some(end) = s[i + 2..].find('}') {
                let inner = &s[i + 2..i + 2 + end];
                let (name, default) = match inner.split_once(":=") {
                    Some((n, d)) => (n, Some(d)),
                    None => match inner.split_once(":-") {
                        Some((n, d)) => (n, Some(d)),
                        None => (inner, None),
                    },
                };
                if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !name.is_empty() {
                    match (vars.get(name), default) {
                        (Some(v), _) => out.push_str(v),
                        (None, Some(d)) => out.push_str(d),
                        (None, None) => unresolved.push(name.to_string()),
                    }
                    i += 3 + end;
                    continue;
                }
            }
        }
        let ch = s[i..].chars().next().expect("in bounds");
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn substitution_like_flux() {
        let vars: BTreeMap<String, String> = [("APP".to_string(), "plex".to_string())].into();
        let mut un = vec![];
        assert_eq!(subst_str("${APP}-ks", &vars, &mut un), "plex-ks");
        assert_eq!(subst_str("${MISSING:=dflt}", &vars, &mut un), "dflt");
        assert_eq!(subst_str("$${APP}", &vars, &mut un), "${APP}");
        assert_eq!(subst_str("x${NOPE}y", &vars, &mut un), "xy");
        assert_eq!(un, vec!["NOPE"]);
    }

    #[test]
    fn patches_merge_and_6902() {
        let mut o = json!({"kind": "Kustomization", "metadata": {"name": "a", "labels": {"x": "1"}}, "spec": {"interval": "1h", "patches": [1]}});
        let t = Target {
            kind: Some("Kustomization".into()),
            label_selector: Some("x=1".into()),
            ..Target::default()
        };
        apply_patch(
            &mut o,
            &json!({"spec": {"interval": "30m", "patches": [2]}}),
            &t,
            true,
        );
        assert_eq!(o["spec"]["interval"], "30m");
        assert_eq!(o["spec"]["patches"], json!([2]), "lists are replaced");
        let ops = json!([{"op": "add", "path": "/spec/wait", "value": true}, {"op": "remove", "path": "/spec/patches"}]);
        apply_patch(&mut o, &ops, &t, true);
        assert_eq!(o["spec"]["wait"], true);
        assert!(o["spec"].get("patches").is_none());
        assert!(name_match(
            "(kustomize-controller|helm-controller)",
            "helm-controller"
        ));
        assert!(!Target {
            label_selector: Some("x=2".into()),
            ..Target::default()
        }
        .matches(&o));
    }
}
