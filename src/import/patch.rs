//! Kustomize and Flux patches on parsed objects (strategic merge on CRDs: maps merge, scalars
//! and lists are replaced; JSON 6902 add/replace/remove), patch targets, and Flux `postBuild`
//! variable substitution (`${VAR}`, `${VAR:=default}`, the `$${VAR}` escape).

use serde_json::Value;
use std::collections::BTreeMap;

/// A patch target: `group`, `version` and `kind` (exact), `name` and `namespace` (anchored
/// regular expressions, as kustomize's selector), `labelSelector`.
#[derive(Clone, Debug, Default)]
pub struct Target {
    /// API group (exact).
    pub group: Option<String>,
    /// API version (exact).
    pub version: Option<String>,
    /// Kind (exact).
    pub kind: Option<String>,
    /// Name: an anchored regular expression.
    pub name: Option<Pattern>,
    /// Namespace: an anchored regular expression.
    pub namespace: Option<Pattern>,
    /// `key=value[,key=value]`.
    pub label_selector: Option<String>,
}

/// Longest regular expression accepted in a patch target, and deepest group nesting: real
/// targets are a few alternatives; a longer or deeper one is refused with a warning (the
/// `regex-lite` parser checks the nesting without recursion).
const MAX_PATTERN_LEN: usize = 4096;
/// See [`MAX_PATTERN_LEN`].
const MAX_PATTERN_NEST: u32 = 32;

/// A compiled target regular expression (`^(?:…)$`), or why it did not compile (it then
/// matches nothing).
#[derive(Clone, Debug)]
pub struct Pattern {
    /// The text as written.
    pub text: String,
    re: Result<regex_lite::Regex, String>,
}

impl Pattern {
    /// Compiles `text` as kustomize does (anchored), bounded in size and nesting.
    #[must_use]
    pub fn new(text: &str) -> Pattern {
        let re = if text.len() > MAX_PATTERN_LEN {
            Err(format!("longer than {MAX_PATTERN_LEN} characters"))
        } else {
            regex_lite::RegexBuilder::new(&format!("^(?:{text})$"))
                .nest_limit(MAX_PATTERN_NEST)
                .size_limit(1 << 20)
                .build()
                .map_err(|e| {
                    e.to_string()
                        .lines()
                        .last()
                        .unwrap_or("")
                        .trim()
                        .to_string()
                })
        };
        Pattern {
            text: text.to_string(),
            re,
        }
    }

    /// Whether `s` matches (never, when the pattern did not compile).
    #[must_use]
    pub fn is_match(&self, s: &str) -> bool {
        self.re.as_ref().is_ok_and(|r| r.is_match(s))
    }

    /// Why the pattern did not compile.
    #[must_use]
    pub fn error(&self) -> Option<&str> {
        self.re.as_ref().err().map(String::as_str)
    }
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
            group: s("group"),
            version: s("version"),
            kind: s("kind"),
            name: s("name").map(|n| Pattern::new(&n)),
            namespace: s("namespace").map(|n| Pattern::new(&n)),
            label_selector: s("labelSelector"),
        }
    }

    /// Problems with the target itself (a regular expression that does not compile).
    #[must_use]
    pub fn problems(&self) -> Vec<String> {
        [&self.name, &self.namespace]
            .into_iter()
            .flatten()
            .filter_map(|p| {
                p.error().map(|e| {
                    let shown: String = p.text.chars().take(60).collect();
                    let more = if shown.len() < p.text.len() { "…" } else { "" };
                    format!(
                        "target pattern `{shown}{more}` is not usable ({e}): the patch applies to nothing"
                    )
                })
            })
            .collect()
    }

    /// Whether `obj` matches.
    #[must_use]
    pub fn matches(&self, obj: &Value) -> bool {
        let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
        let api = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let (group, version) = api.rsplit_once('/').unwrap_or(("", api));
        let name = obj
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        let ns = obj
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("");
        if self.kind.as_deref().is_some_and(|k| k != kind)
            || self.group.as_deref().is_some_and(|g| g != group)
            || self.version.as_deref().is_some_and(|v| v != version)
            || self.name.as_ref().is_some_and(|n| !n.is_match(name))
            || self.namespace.as_ref().is_some_and(|n| !n.is_match(ns))
        {
            return false;
        }
        self.label_selector
            .as_deref()
            .is_none_or(|sel| labels_match(sel, obj.pointer("/metadata/labels")))
    }
}

/// A label selector (`k=v`, `k==v`, `k!=v`, `k`, `!k`, comma-separated: all must hold).
fn labels_match(sel: &str, labels: Option<&Value>) -> bool {
    let get = |k: &str| labels.and_then(|l| l.get(k.trim())).and_then(Value::as_str);
    sel.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .all(|term| {
            if let Some((k, v)) = term.split_once("!=") {
                get(k) != Some(v.trim())
            } else if let Some((k, v)) = term.split_once('=') {
                get(k) == Some(v.trim_start_matches('=').trim())
            } else if let Some(k) = term.strip_prefix('!') {
                get(k).is_none()
            } else {
                get(term).is_some()
            }
        })
}

/// Strategic merge of `patch` into `base` as for a CRD: maps merge recursively; scalars and
/// lists replace; `null` deletes.
pub fn merge(base: &mut Value, patch: &Value) {
    merge_with(base, patch, false);
}

/// Strategic merge; with `keyed` (built-in Kubernetes kinds) a list of maps that all carry a
/// `name` (containers, volumes, env, ports) merges element by element on `name`, as the
/// `patchMergeKey` of those fields does; other lists replace.
pub fn merge_with(base: &mut Value, patch: &Value, keyed: bool) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    b.remove(k);
                } else if let Some(bv) = b.get_mut(k) {
                    merge_with(bv, v, keyed);
                } else {
                    b.insert(k.clone(), v.clone());
                }
            }
        }
        (Value::Array(b), Value::Array(p))
            if keyed
                && [&*b, p]
                    .iter()
                    .all(|l| l.iter().all(|e| e.get("name").is_some())) =>
        {
            for pe in p {
                match b.iter_mut().find(|be| be.get("name") == pe.get("name")) {
                    Some(be) => merge_with(be, pe, keyed),
                    None => b.push(pe.clone()),
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

/// Whether an object is of a built-in Kubernetes API group (strategic merge uses merge keys).
fn builtin(obj: &Value) -> bool {
    let api = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    api == "v1"
        || [
            "apps/",
            "batch/",
            "policy/",
            "networking.k8s.io/",
            "rbac.authorization.k8s.io/",
        ]
        .iter()
        .any(|g| api.starts_with(g))
}

/// Deepest JSON pointer or field path accepted from a repository, the YAML parser's own
/// nesting limit (serde-saphyr's default budget): deeper values would make the recursive
/// clone, merge and drop of `serde_json::Value` overflow the stack.
pub const MAX_DEPTH: usize = 64;

/// Creates the missing intermediate maps of an `add` path, as kustomize does, walking down
/// once (linear in the path's depth).
fn ensure_parents(obj: &mut Value, path: &json_patch::jsonptr::Pointer) {
    let Some((parent, _)) = path.split_back() else {
        return;
    };
    let mut cur = obj;
    for tok in parent {
        cur = match cur {
            Value::Object(m) => m
                .entry(tok.decoded().into_owned())
                .or_insert_with(|| Value::Object(serde_json::Map::new())),
            Value::Array(a) => match tok.to_index().ok().and_then(|i| i.for_len(a.len()).ok()) {
                Some(i) => &mut a[i],
                None => return,
            },
            _ => return,
        };
    }
}

/// Applies JSON 6902 operations (add, remove, replace, move, copy, test) with the `json-patch`
/// crate, one at a time so that each failing operation is reported while the others still
/// apply. A failed `test` stops the rest of the patch, as in kustomize.
pub fn json6902(obj: &mut Value, ops: &[Value]) -> Vec<String> {
    let mut problems = vec![];
    for op in ops {
        let op: json_patch::PatchOperation = match serde_json::from_value(op.clone()) {
            Ok(op) => op,
            Err(e) => {
                problems.push(format!("not a JSON 6902 operation: {e}"));
                continue;
            }
        };
        let depth = |p: &json_patch::jsonptr::Pointer| p.tokens().count();
        let too_deep = match &op {
            json_patch::PatchOperation::Move(m) => depth(&m.path).max(depth(&m.from)),
            json_patch::PatchOperation::Copy(c) => depth(&c.path).max(depth(&c.from)),
            other => depth(other.path()),
        } > MAX_DEPTH;
        if too_deep {
            problems.push(format!(
                "{op}: path deeper than {MAX_DEPTH} levels, skipped"
            ));
            continue;
        }
        if let json_patch::PatchOperation::Add(a) = &op {
            ensure_parents(obj, &a.path);
        }
        let is_test = matches!(op, json_patch::PatchOperation::Test(_));
        if let Err(e) = json_patch::patch(obj, std::slice::from_ref(&op)) {
            problems.push(format!("{op}: {}", e.kind));
            if is_test {
                break;
            }
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
            let keyed = builtin(obj);
            merge_with(obj, &p, keyed);
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
        let both = Pattern::new("(kustomize-controller|helm-controller)");
        assert!(both.is_match("helm-controller"));
        assert!(
            !both.is_match("helm-controller-x"),
            "anchored, as kustomize"
        );
        assert!(Pattern::new("web-.*").is_match("web-frontend"));
        assert!(!Pattern::new("web-.*").is_match("my-web-frontend"));
        assert!(!Target {
            label_selector: Some("x=2".into()),
            ..Target::default()
        }
        .matches(&o));
    }

    #[test]
    fn json6902_move_copy_test_and_missing_parents() {
        let mut o = json!({"spec": {"a": 1, "list": [1, 2]}});
        let ops = json!([
            {"op": "copy", "from": "/spec/a", "path": "/spec/b"},
            {"op": "move", "from": "/spec/list/0", "path": "/spec/list/-"},
            {"op": "add", "path": "/spec/deep/er/x", "value": true},
            {"op": "remove", "path": "/spec/nope"},
            {"op": "test", "path": "/spec/a", "value": 2},
            {"op": "add", "path": "/spec/after-test", "value": 1},
        ]);
        let problems = json6902(&mut o, ops.as_array().unwrap());
        assert_eq!(o["spec"]["b"], 1);
        assert_eq!(o["spec"]["list"], json!([2, 1]));
        assert_eq!(o["spec"]["deep"]["er"]["x"], true);
        assert!(
            o["spec"].get("after-test").is_none(),
            "a failed test stops the patch"
        );
        assert_eq!(problems.len(), 2, "{problems:?}");
    }

    /// Issue 21: a deeply nested target pattern is refused, not a stack overflow; a deep JSON
    /// pointer is walked once.
    #[test]
    fn hostile_patterns_and_paths_are_bounded() {
        let deep = format!("{}a{}", "(".repeat(100_000), ")".repeat(100_000));
        let t = Target::from_value(Some(&json!({"name": deep})));
        assert!(!t.matches(&json!({"metadata": {"name": "a"}})));
        assert_eq!(t.problems().len(), 1);
        let mut o = json!({});
        let deep = "/x".repeat(20_000);
        let problems = json6902(&mut o, &[json!({"op": "add", "path": deep, "value": 1})]);
        assert_eq!(problems.len(), 1, "refused: {problems:?}");
        assert_eq!(o, json!({}));
        let ok = "/x".repeat(MAX_DEPTH);
        assert!(json6902(&mut o, &[json!({"op": "add", "path": ok, "value": 1})]).is_empty());
        let mut depth = 0;
        let mut cur = &o;
        while let Some(n) = cur.get("x") {
            cur = n;
            depth += 1;
        }
        assert_eq!(depth, MAX_DEPTH);
    }
}
