//! HelmRelease fields (R11, R12): timeouts, remediation, strategy (with the
//! `DefaultToRetryOnFailure` gate), chart, chartRef and what the chart installs.

use super::objects::Declared;
use super::workloads::Workloads;
use super::Ctx;
use crate::dist::Dist;
use crate::model::types::*;
use crate::scenario::schema::RawScenario;

/// Fills in every HelmRelease's fields; problems go to `c`.
pub(super) fn helm_fields(
    c: &mut Ctx,
    raw: &RawScenario,
    d: &mut Declared<'_>,
    ws: &Workloads<'_>,
    sources: &TiSlice<SourceId, Source>,
    helm_params: &ControllerParams,
) {
    let (workloads, objects) = (ws.list.as_slice(), &mut d.objects);
    for (hi, h) in raw.helm_releases.iter().enumerate() {
        let hv = &h.value;
        let oid = d.hr_ids[hi];
        let interval = c.positive(&hv.interval, "interval").unwrap_or(600_000);
        let timeout = c.positive(&hv.timeout, "timeout").unwrap_or(300_000);
        let chart_source = hv.chart_ref.as_ref().and_then(|r| {
            let sns = r
                .value
                .namespace
                .clone()
                .unwrap_or_else(|| objects[oid].namespace.clone());
            let found = sources.position(|s| s.name == r.value.name && s.namespace == sns);
            if found.is_none() {
                c.err(
                    r.referenced,
                    format!(
                        "chartRef names `{sns}/{}`, which is not declared",
                        r.value.name
                    ),
                    Some("declare it under `sources` (e.g. `kind: OCIRepository`)".into()),
                );
            }
            found
        });
        let install = hv.install.as_ref();
        let install_timeout = install
            .and_then(|i| c.positive(&i.timeout, "install.timeout"))
            .unwrap_or(timeout);
        let retries = install
            .and_then(|i| i.remediation.as_ref())
            .and_then(|r| r.retries)
            .unwrap_or(0);
        if retries < 0 {
            // Flux: a negative value means retry forever; here it is an error to keep the model finite.
            c.err(
                h.referenced,
                "install.remediation.retries below zero is not supported",
                Some("use `strategy: {name: RetryOnFailure}` to retry forever".into()),
            );
        }
        let remediate_last_failure = install
            .and_then(|i| i.remediation.as_ref())
            .and_then(|r| r.remediate_last_failure)
            .unwrap_or(false);
        // R12/R18: with no strategy named, DefaultToRetryOnFailure picks RetryOnFailure.
        let mut retry_on_failure = helm_params.default_retry_on_failure;
        let mut strategy_retry_interval = 300_000;
        if let Some(s) = install.and_then(|i| i.strategy.as_ref()) {
            match s.name.value.as_str() {
                "RetryOnFailure" => retry_on_failure = true,
                "RemediateOnFailure" => retry_on_failure = false,
                other => c.err(
                    s.name.referenced,
                    format!("unknown install strategy `{other}`"),
                    Some("use `RemediateOnFailure` or `RetryOnFailure`".into()),
                ),
            }
            if let Some(v) = c.positive(&s.retry_interval, "strategy.retryInterval") {
                strategy_retry_interval = v;
            }
        }
        let chart_fetch = hv
            .chart
            .as_ref()
            .and_then(|ch| ch.fetch.as_ref())
            .and_then(|d| c.dist(d, "chart fetch"))
            .unwrap_or(Dist::Fixed(2000));
        let skip_crds = install.and_then(|i| i.crds.as_deref()) == Some("Skip");
        let (crds, rest): (Vec<WorkloadId>, Vec<WorkloadId>) = ws
            .hr_workloads(hi)
            .iter()
            .partition(|w| workloads[**w].class == WClass::Crd && !skip_crds);
        let apply = hv
            .apply
            .as_ref()
            .and_then(|d| c.dist(d, "apply"))
            .unwrap_or(Dist::Fixed(2000));
        let o = &mut objects[oid];
        o.interval = interval;
        o.retry_interval = strategy_retry_interval;
        o.timeout = timeout;
        o.suspend = hv.suspend.unwrap_or(false);
        o.source = chart_source;
        o.apply = apply;
        o.helm = Some(HelmSpec {
            chart_fetch,
            install_timeout,
            retries: u32::try_from(retries.max(0)).unwrap_or(u32::MAX),
            remediate_last_failure,
            retry_on_failure,
            strategy_retry_interval,
            disable_wait: install.and_then(|i| i.disable_wait).unwrap_or(false),
            repository: hv.chart.as_ref().and_then(|ch| ch.repository.clone()),
            crds,
            resources: rest,
        });
    }
}
