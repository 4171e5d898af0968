//! Kustomization fields (R5, R5b, R7–R10): interval, retryInterval, timeout, source, apply
//! stages, health checks, postBuild substitutions.

use super::objects::Declared;
use super::workloads::Workloads;
use super::{canonical, did_you_mean, kustomization_timeout, Ctx, DEFAULT_NS};
use crate::dist::Dist;
use crate::model::types::*;
use crate::scenario::schema::{RawKustomization, RawScenario};

/// Fills in every Kustomization's fields; problems go to `c`.
pub(super) fn kustomization_fields(
    c: &mut Ctx,
    raw: &RawScenario,
    d: &mut Declared<'_>,
    ws: &Workloads<'_>,
    sources: &TiSlice<SourceId, Source>,
) {
    let workloads = ws.list.as_slice();
    let src_lookup =
        |name: &str, ns: &str| sources.position(|s| s.name == name && s.namespace == ns);
    for (ki, k) in raw.kustomizations.iter().enumerate() {
        let kv = &k.value;
        let ns = kv.namespace.as_deref().unwrap_or(DEFAULT_NS);
        let oid = d.ks_ids[ki];
        let interval = c.positive(&kv.interval, "interval").unwrap_or(600_000);
        let retry = c
            .positive(&kv.retry_interval, "retryInterval")
            .unwrap_or(interval);
        let explicit_timeout = c.positive(&kv.timeout, "timeout");
        let source = match &kv.source_ref {
            Some(r) => {
                let sns = r.value.namespace.as_deref().unwrap_or(ns);
                match src_lookup(&r.value.name, sns) {
                    Some(s) => Some(s),
                    None => {
                        let hint =
                            did_you_mean(&r.value.name, sources.iter().map(|s| s.name.as_str()))
                                .map_or_else(
                                    || "declare it under `sources`".to_string(),
                                    |s| format!("did you mean `{s}`?"),
                                );
                        c.err(
                            r.referenced,
                            format!(
                                "sourceRef names `{sns}/{}`, which is not declared",
                                r.value.name
                            ),
                            Some(hint),
                        );
                        None
                    }
                }
            }
            None => Some(src_lookup("flux-system", ns).unwrap_or(SourceId::new(0))),
        };
        let apply = kv
            .apply
            .as_ref()
            .and_then(|d| c.dist(d, "apply"))
            .unwrap_or(Dist::Fixed(1000));
        let mut stages: [Vec<Target>; 3] = [vec![], vec![], vec![]];
        for t in ws.ks_targets(ki) {
            let st = match t {
                Target::Workload(w) => workloads[*w].stage as usize,
                Target::Object(_) => 2,
            };
            stages[st].push(*t);
        }
        let mut hcs = vec![];
        for hc in &kv.health_checks {
            let r = &hc.value;
            let t = match r.kind.as_str() {
                "Kustomization" | "HelmRelease" => {
                    let ok = if r.kind == "Kustomization" {
                        ObjKind::Kustomization
                    } else {
                        ObjKind::HelmRelease
                    };
                    let hns = r.namespace.as_deref().unwrap_or(ns);
                    d.index
                        .get(&(ok, hns, r.name.as_str()))
                        .map(|o| Target::Object(*o))
                }
                _ => {
                    let spec = match &r.namespace {
                        Some(n) => format!("{}/{}/{}", r.kind, n, r.name),
                        None => format!("{}/{}", r.kind, r.name),
                    };
                    ws.lookup(&spec, "", false).ok().map(Target::Workload)
                }
            };
            match t {
                Some(t) => hcs.push(t),
                None => {
                    let names: Vec<&str> = workloads
                        .iter()
                        .map(|w| w.name.as_str())
                        .chain(d.objects.iter().map(|o| o.name.as_str()))
                        .collect();
                    let hint = did_you_mean(&r.name, names.iter().copied()).map_or_else(|| "declare the object in some Kustomization's or HelmRelease's `resources`".to_string(), |s| format!("did you mean `{s}`?"));
                    c.err(
                        hc.referenced,
                        format!(
                            "health check names {} `{}`, which nothing applies",
                            r.kind, r.name
                        ),
                        Some(hint),
                    );
                }
            }
        }
        let subst = substitute_refs(c, kv, ns, ws);
        let o = &mut d.objects[oid];
        o.interval = interval;
        o.retry_interval = retry;
        o.timeout = kustomization_timeout(interval, explicit_timeout);
        o.source = source;
        o.suspend = kv.suspend.unwrap_or(false);
        o.apply = apply;
        o.wait = kv.wait.unwrap_or(false);
        o.health_checks = hcs;
        o.stages = stages;
        o.substitute_from = subst;
    }
}

/// `postBuild.substituteFrom` (R5b): ConfigMaps and Secrets in the Kustomization's namespace.
fn substitute_refs(
    c: &mut Ctx,
    kv: &RawKustomization,
    ns: &str,
    ws: &Workloads<'_>,
) -> Vec<SubstituteRef> {
    let mut out = vec![];
    for r in kv.post_build.iter().flat_map(|p| &p.substitute_from) {
        let kind = r.value.kind.value.as_str();
        if kind != "ConfigMap" && kind != "Secret" {
            c.err(
                r.value.kind.referenced,
                format!("substituteFrom kind `{kind}` is not ConfigMap or Secret"),
                Some("use `kind: ConfigMap` or `kind: Secret`".into()),
            );
            continue;
        }
        let name = &r.value.name.value;
        out.push(SubstituteRef {
            canonical: canonical(kind, ns, name),
            workload: ws.find(kind, ns, name),
            optional: r.value.optional.unwrap_or(false),
        });
    }
    out
}
