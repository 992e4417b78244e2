//! One sweep from start to record, shared by the CLI and the service: select panels, load the
//! route table, plan unique requests, probe, classify, and append the result to history.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hisar_core::history::{PanelRecord, Selection};
use hisar_core::{Env, Panel, Registry, RouteTable, Status, Verdict, classify};
use hisar_probe::{HttpProbe, Probe, SweepOptions, SweepResult, plan, run};
use jiff::Timestamp;

use crate::store::NewSweep;

/// A selection that names what the registry does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SelectionError {
    /// An unknown panel id.
    #[error("unknown panel `{0}`{1}")]
    Panel(String, String),
    /// An unknown domain code.
    #[error("unknown domain `{0}`; the registry declares {1}")]
    Domain(String, String),
}

/// The panels a selection covers, in registry order: every panel when empty; otherwise the
/// panels named and the panels of the domains named.
pub fn select<'r>(
    registry: &'r Registry,
    selection: &Selection,
) -> Result<Vec<&'r Panel>, SelectionError> {
    for id in &selection.panels {
        if registry.panel(id).is_none() {
            let hint = registry
                .panels
                .iter()
                .map(|p| p.id.as_str())
                .find(|p| p.eq_ignore_ascii_case(id))
                .map_or(String::new(), |p| format!(" (did you mean `{p}`?)"));
            return Err(SelectionError::Panel(id.clone(), hint));
        }
    }
    for code in &selection.domains {
        if registry.domain(code).is_none() {
            let codes: Vec<&str> = registry.domains.iter().map(|d| d.code.as_str()).collect();
            return Err(SelectionError::Domain(code.clone(), codes.join(", ")));
        }
    }
    Ok(registry
        .panels
        .iter()
        .filter(|p| {
            selection.is_all()
                || selection.panels.iter().any(|id| id == p.id.as_str())
                || selection
                    .domains
                    .iter()
                    .any(|d| d == p.id.domain().as_str())
        })
        .collect())
}

/// Where a route table comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteSource {
    /// A file.
    File(PathBuf),
    /// A URL fetched before the sweep.
    Url(String),
}

impl RouteSource {
    /// Reads `text` as a URL when it starts with `http://` or `https://`, else as a file
    /// relative to `base_dir` (the registry's directory).
    pub fn parse(text: &str, base_dir: &Path) -> Self {
        if text.starts_with("http://") || text.starts_with("https://") {
            RouteSource::Url(text.to_owned())
        } else {
            RouteSource::File(base_dir.join(text))
        }
    }

    /// The route source a registry names, resolved against `env`.
    pub fn from_registry(registry: &Registry, base_dir: &Path, env: &dyn Env) -> Option<Self> {
        let template = registry.backend.routes.as_ref()?;
        Some(Self::parse(&template.resolve(env).value, base_dir))
    }
}

impl std::fmt::Display for RouteSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RouteSource::File(p) => write!(f, "{}", p.display()),
            RouteSource::Url(u) => f.write_str(u),
        }
    }
}

/// A route table that could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RouteLoadError {
    /// The file could not be read.
    #[error("read route table {0}: {1}")]
    Read(String, String),
    /// The URL could not be fetched: the backend may be down, which is not bad input.
    #[error("fetch route table {0}: {1}")]
    Fetch(String, String),
    /// The document is not a route table.
    #[error("route table {0}: {1}")]
    Parse(String, String),
}

/// Loads a route table from a file or a URL.
pub async fn load_routes(
    source: &RouteSource,
    http: &HttpProbe,
) -> Result<RouteTable, RouteLoadError> {
    let text = match source {
        RouteSource::File(path) => std::fs::read_to_string(path)
            .map_err(|e| RouteLoadError::Read(path.display().to_string(), e.to_string()))?,
        RouteSource::Url(url) => http
            .get_text(url)
            .await
            .map_err(|e| RouteLoadError::Fetch(url.clone(), e))?,
    };
    RouteTable::parse(&text).map_err(|e| RouteLoadError::Parse(source.to_string(), e.to_string()))
}

/// Everything a live sweep needs.
pub struct SweepSpec<'a> {
    /// The registry.
    pub registry: &'a Registry,
    /// What to sweep.
    pub selection: Selection,
    /// The backend's base URL.
    pub base_url: String,
    /// Where `${VAR}` come from.
    pub env: &'a (dyn Env + Sync),
    /// The route table, if any.
    pub routes: Option<&'a RouteTable>,
    /// Per-request time limit override.
    pub max_time: Option<Duration>,
    /// Concurrency and retries.
    pub options: SweepOptions,
}

impl std::fmt::Debug for SweepSpec<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SweepSpec")
            .field("selection", &self.selection)
            .field("base_url", &self.base_url)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// A finished sweep, ready to append.
#[derive(Debug, Clone)]
pub struct Swept {
    /// The sweep to record.
    pub sweep: NewSweep,
    /// Request counts and timing (its verdicts have moved into `sweep.records`).
    pub result: SweepResult,
}

impl Swept {
    /// Whether more than `share` of the swept panels are unverified (the sweep is degraded).
    pub fn degraded(&self, share: f64) -> bool {
        is_degraded(self.sweep.records.iter().map(|r| &r.verdict), share)
    }
}

/// Whether more than `share` of verdicts are unverified.
pub fn is_degraded<'v>(verdicts: impl IntoIterator<Item = &'v Verdict>, share: f64) -> bool {
    let (mut total, mut unverified) = (0usize, 0usize);
    for v in verdicts {
        total += 1;
        if v.status() == Status::Unverified {
            unverified += 1;
        }
    }
    #[expect(
        clippy::cast_precision_loss,
        reason = "panel counts are far below 2^52"
    )]
    let degraded = total > 0 && unverified as f64 > share * total as f64;
    degraded
}

/// Probes the selected panels and returns the sweep to record.
pub async fn sweep(
    probe: &dyn Probe,
    spec: SweepSpec<'_>,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Swept, crate::Error> {
    let panels = select(spec.registry, &spec.selection)?;
    let planned = plan(
        spec.registry,
        panels,
        &spec.base_url,
        spec.env,
        spec.max_time,
    )?;
    let started_at = Timestamp::now();
    let mut result = run(probe, &planned, spec.routes, &spec.options, progress).await;
    let finished_at = Timestamp::now();
    // The verdicts move into the records: each is held once.
    let records = planned
        .panels
        .iter()
        .zip(std::mem::take(&mut result.verdicts))
        .map(|(panel, verdict)| PanelRecord::new(panel, verdict))
        .collect();
    Ok(Swept {
        sweep: NewSweep {
            started_at,
            finished_at,
            selection: spec.selection,
            records,
        },
        result,
    })
}

/// The service's sweep runner: HTTP probes against a base URL, with the route table loaded
/// afresh for each sweep.
pub struct HttpRunner {
    registry: Arc<Registry>,
    registry_dir: PathBuf,
    http: HttpProbe,
    base_url: String,
    env: Arc<dyn Env + Send + Sync>,
    routes: Option<String>,
    max_time: Option<Duration>,
    options: SweepOptions,
    log: crate::service::Logger,
}

impl std::fmt::Debug for HttpRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRunner")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

/// Settings of an [`HttpRunner`].
pub struct HttpRunnerSpec {
    /// The registry (shared with the service).
    pub registry: Arc<Registry>,
    /// Its directory, for a relative route-table file.
    pub registry_dir: PathBuf,
    /// The HTTP probe.
    pub http: HttpProbe,
    /// The backend's base URL.
    pub base_url: String,
    /// Where `${VAR}` come from.
    pub env: Arc<dyn Env + Send + Sync>,
    /// A route source overriding the registry's.
    pub routes: Option<String>,
    /// Per-request time limit override.
    pub max_time: Option<Duration>,
    /// Concurrency and retries.
    pub options: SweepOptions,
    /// Where warnings go.
    pub log: crate::service::Logger,
}

impl std::fmt::Debug for HttpRunnerSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRunnerSpec")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl HttpRunner {
    /// A runner from its settings.
    pub fn new(spec: HttpRunnerSpec) -> Self {
        Self {
            registry: spec.registry,
            registry_dir: spec.registry_dir,
            http: spec.http,
            base_url: spec.base_url,
            env: spec.env,
            routes: spec.routes,
            max_time: spec.max_time,
            options: spec.options,
            log: spec.log,
        }
    }
}

#[async_trait::async_trait]
impl crate::service::SweepRunner for HttpRunner {
    async fn sweep(&self, selection: Selection) -> Result<NewSweep, String> {
        let env: &(dyn Env + Sync) = &*self.env;
        let source = match &self.routes {
            Some(text) => Some(RouteSource::parse(text, Path::new("."))),
            None => RouteSource::from_registry(&self.registry, &self.registry_dir, env),
        };
        let routes = match &source {
            Some(source) => match load_routes(source, &self.http).await {
                Ok(table) => Some(table),
                Err(e) => {
                    (self.log)(&format!(
                        "warning: {e}; coherency (stage 1) is unchecked this sweep"
                    ));
                    None
                }
            },
            None => None,
        };
        let spec = SweepSpec {
            registry: &self.registry,
            selection,
            base_url: self.base_url.clone(),
            env,
            routes: routes.as_ref(),
            max_time: self.max_time,
            options: self.options.clone(),
        };
        let swept = sweep(&self.http, spec, &|_, _| {})
            .await
            .map_err(|e| e.to_string())?;
        Ok(swept.sweep)
    }
}

/// Stage 1 alone, for `--offline`: panels the table already blocks are gaps; the rest are
/// listed as not probed.
pub fn offline(
    registry: &Registry,
    selection: &Selection,
    routes: &RouteTable,
) -> Result<NewSweep, SelectionError> {
    let panels = select(registry, selection)?;
    let now = Timestamp::now();
    Ok(NewSweep {
        started_at: now,
        finished_at: now,
        selection: selection.clone(),
        records: panels
            .iter()
            .map(|p| PanelRecord::new(p, classify(p, None, Some(routes))))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::DEMO_REGISTRY;

    #[test]
    fn selection() {
        let reg = Registry::from_yaml(DEMO_REGISTRY, "demo").unwrap();
        assert_eq!(select(&reg, &Selection::default()).unwrap().len(), 87);
        let by_domain = Selection {
            domains: vec!["OVR".into()],
            panels: vec!["LOG-REC-SYS-O2".into()],
        };
        let ids: Vec<&str> = select(&reg, &by_domain)
            .unwrap()
            .iter()
            .map(|p| p.id.as_str())
            .collect();
        assert_eq!(ids.len(), 13);
        assert_eq!(ids[12], "LOG-REC-SYS-O2");
        let bad = Selection {
            panels: vec!["log-rec-sys-o2".into()],
            domains: vec![],
        };
        assert_eq!(
            select(&reg, &bad).unwrap_err().to_string(),
            "unknown panel `log-rec-sys-o2` (did you mean `LOG-REC-SYS-O2`?)"
        );
        let bad = Selection {
            panels: vec![],
            domains: vec!["XYZ".into()],
        };
        assert!(
            select(&reg, &bad)
                .unwrap_err()
                .to_string()
                .contains("OVR, ACT, INC, POL, LOG")
        );
    }

    #[test]
    fn route_sources() {
        assert_eq!(
            RouteSource::parse("https://x/openapi.json", Path::new("a")),
            RouteSource::Url("https://x/openapi.json".into())
        );
        assert_eq!(
            RouteSource::parse("o.json", Path::new("dir")),
            RouteSource::File(PathBuf::from("dir/o.json"))
        );
    }
}
