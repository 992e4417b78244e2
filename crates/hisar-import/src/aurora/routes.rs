//! Route sources: which route table the registry names, why, and where the sources disagree
//! on the panels' endpoints.
//!
//! Every route source the repository holds is read (OpenAPI document, `{path: [methods]}` map,
//! endpoint list; format detected by [`hisar_core::RouteTable::parse`]). The newest by the date
//! it carries (a top-level `generated_at_utc`, `generated_at`, `updated_at`, `date`, ... or the
//! same under `info` or `_meta`) is chosen. A source without a date cannot be shown newer than
//! one with a date, so dated sources come first; among undated ones, an OpenAPI document (it
//! declares response schemas) comes before an endpoint list, then a path map.
//!
//! Disagreements are told per family, not per path: when a source serves panel endpoints only
//! under another API prefix (`/api/v1/x` there as `/hoc/api/cus/x`), the change is one finding
//! for all the endpoints it concerns. An endpoint that one source serves (as written or moved)
//! and another does not serve at all is a finding of its own.

use std::collections::BTreeMap;

use hisar_core::{Endpoint, RouteCheck, RouteTable, Segment};
use serde::Serialize;
use serde_json::Value;

use super::lint::Lints;
use super::{AuroraFile, LintKind};

hisar_core::named_enum! {
    /// The format of a route source.
    #[non_exhaustive]
    pub enum RouteFormat("route format") {
        /// An OpenAPI 3 document.
        OpenApi = "OpenAPI document",
        /// A list of `{method, path}` endpoints.
        EndpointList = "endpoint list",
        /// A `{path: [methods]}` map.
        PathMap = "path map",
    }
}

impl RouteFormat {
    fn rank(self) -> u8 {
        match self {
            RouteFormat::OpenApi => 0,
            RouteFormat::EndpointList => 1,
            RouteFormat::PathMap => 2,
        }
    }
}

/// A route source the repository holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteSource {
    /// Path relative to the repository root.
    pub file: String,
    /// Its format.
    pub format: RouteFormat,
    /// The date it carries, as written, and the field it was read from.
    pub date: Option<(String, String)>,
    /// Distinct routes (path shapes).
    pub routes: usize,
    /// The mount it declares (`/hoc/api/cus`), if any.
    pub mount: Option<String>,
}

impl RouteSource {
    /// "docs/api/X.json (endpoint list, generated_at_utc 2026-02-21T07:47:56Z)".
    pub fn describe(&self) -> String {
        match &self.date {
            Some((field, date)) => format!("{} ({}, {field} {date})", self.file, self.format),
            None => format!("{} ({}, no date)", self.file, self.format),
        }
    }
}

/// A family of panel endpoints that a route source serves under another API prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrefixChange {
    /// The route source.
    pub file: String,
    /// The prefix the panels write (`/api/v1`, or `/` for none).
    pub from: String,
    /// The prefix the source serves them under (`/hoc/api/cus`).
    pub to: String,
    /// How many distinct panel endpoints it concerns.
    pub endpoints: usize,
}

/// The route table the registry names, and what the sources say about the panels.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RouteChoice {
    /// The chosen source; `None` when the repository holds no usable route source.
    pub chosen: Option<RouteSource>,
    /// Why it was chosen.
    pub reason: String,
    /// The other usable sources, in order of preference.
    pub others: Vec<RouteSource>,
    /// Families served under another prefix, per source.
    pub prefix_changes: Vec<PrefixChange>,
    /// Distinct panel endpoints the chosen source serves as written.
    pub served: usize,
    /// Distinct panel endpoints it serves only under another prefix.
    pub moved: usize,
    /// Distinct panel endpoints the chosen source does not serve, though another does.
    pub missing: usize,
    /// Distinct panel endpoints no source serves, even under another prefix.
    pub unserved: usize,
}

pub(super) struct Table {
    pub(super) source: RouteSource,
    routes: RouteTable,
    stamp: Option<jiff::Timestamp>,
}

const DATE_KEYS: &[&str] = &[
    "generated_at_utc",
    "generated_at",
    "generatedAt",
    "generated",
    "updated_at",
    "last_updated",
    "date",
    "timestamp",
    "x-generated-at",
    "x-date",
];

fn parse_stamp(text: &str) -> Option<jiff::Timestamp> {
    let t = text.trim();
    if let Ok(ts) = t.parse::<jiff::Timestamp>() {
        return Some(ts);
    }
    // A civil date or date-time without an offset is read as UTC.
    let civil = t
        .parse::<jiff::civil::DateTime>()
        .or_else(|_| t.parse::<jiff::civil::Date>().map(|d| d.at(0, 0, 0, 0)))
        .ok()?;
    format!("{civil}Z").parse::<jiff::Timestamp>().ok()
}

/// The date a document carries: a known key at the top level, or under `info`, `_meta`,
/// `meta` or `metadata`.
fn document_date(value: &Value) -> Option<(String, String, jiff::Timestamp)> {
    let places = [
        Some(value),
        value.get("info"),
        value.get("_meta"),
        value.get("meta"),
        value.get("metadata"),
    ];
    for place in places.into_iter().flatten() {
        for key in DATE_KEYS {
            if let Some(text) = place.get(key).and_then(Value::as_str)
                && let Some(stamp) = parse_stamp(text)
            {
                return Some(((*key).to_owned(), text.to_owned(), stamp));
            }
        }
    }
    None
}

/// Reads every route source; one that is not a route table is linted and left out.
pub(super) fn read_tables(files: &[AuroraFile], lint: &mut Lints) -> Vec<Table> {
    let mut tables = Vec::new();
    let mut sorted: Vec<&AuroraFile> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    for f in sorted {
        let value: Result<Value, String> = serde_json::from_str(&f.text)
            .or_else(|json| serde_saphyr::from_str(&f.text).map_err(|_| json.to_string()));
        let parsed = value.and_then(|v| {
            RouteTable::from_value(&v)
                .map(|t| (v, t))
                .map_err(|e| e.to_string())
        });
        let (value, table) = match parsed {
            Ok(ok) => ok,
            Err(e) => {
                lint.push(
                    LintKind::InvalidValue,
                    None,
                    None,
                    &[&f.path],
                    format!("not a route table ({e}); not used"),
                );
                continue;
            }
        };
        let format = if value.get("paths").is_some() {
            RouteFormat::OpenApi
        } else if value.get("endpoints").is_some() {
            RouteFormat::EndpointList
        } else {
            RouteFormat::PathMap
        };
        let date = document_date(&value);
        tables.push(Table {
            source: RouteSource {
                file: f.path.clone(),
                format,
                date: date.as_ref().map(|(k, t, _)| (k.clone(), t.clone())),
                routes: table.routes().len(),
                mount: table.mount(),
            },
            stamp: date.map(|(_, _, s)| s),
            routes: table,
        });
    }
    // Newest dated first; then undated by format, then by path.
    tables.sort_by(|a, b| match (a.stamp, b.stamp) {
        (Some(x), Some(y)) => y.cmp(&x).then_with(|| a.source.file.cmp(&b.source.file)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a
            .source
            .format
            .rank()
            .cmp(&b.source.format.rank())
            .then_with(|| a.source.file.cmp(&b.source.file)),
    });
    tables
}

fn reason(tables: &[Table]) -> String {
    let Some(first) = tables.first() else {
        return "the repository holds no route source".to_owned();
    };
    let others: Vec<&Table> = tables.iter().skip(1).collect();
    if others.is_empty() {
        return "the only route source".to_owned();
    }
    let undated: Vec<&str> = others
        .iter()
        .filter(|t| t.stamp.is_none())
        .map(|t| t.source.file.as_str())
        .collect();
    let dated: Vec<String> = others
        .iter()
        .filter_map(|t| Some(format!("{} {}", t.source.file, t.source.date.as_ref()?.1)))
        .collect();
    match &first.source.date {
        Some((_, date)) => {
            let mut why = format!("the newest by the dates the sources carry ({date}");
            if !dated.is_empty() {
                why.push_str(&format!("; older: {}", dated.join(", ")));
            }
            why.push(')');
            if !undated.is_empty() {
                why.push_str(&format!(
                    "; {} carr{} no date, so cannot be shown newer",
                    undated.join(" and "),
                    if undated.len() == 1 { "ies" } else { "y" }
                ));
            }
            why
        }
        None => format!(
            "no route source carries a date; the {} is preferred (order: OpenAPI document, endpoint list, path map)",
            first.source.format
        ),
    }
}

/// How one source serves one endpoint.
enum Serves {
    /// As written.
    Exactly,
    /// Under another API prefix: (panel prefix, served prefix, route).
    Moved(String, String, String),
    /// Not at all; what the table says instead.
    No(String),
}

fn serves(table: &RouteTable, endpoint: &Endpoint) -> Serves {
    match table.check(endpoint) {
        RouteCheck::Served { .. } => Serves::Exactly,
        RouteCheck::Near { route, kinds, .. } if kinds == [hisar_core::NearKind::Prefix] => {
            let (from, to) = prefixes(endpoint, &route);
            Serves::Moved(from, to, route)
        }
        RouteCheck::Near { route, kinds, .. } => Serves::No(format!(
            "has only {route} ({})",
            kinds
                .iter()
                .map(|k| k.describe())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        RouteCheck::MethodNotServed { allowed, .. } => Serves::No(format!(
            "serves the path with {} only",
            allowed
                .iter()
                .map(|m| m.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        RouteCheck::TakenAsParameter { route, taken } => Serves::No(format!(
            "does not serve it; {route} would take {}",
            taken
                .iter()
                .map(|(literal, param)| format!("`{literal}` as its {param}"))
                .collect::<Vec<_>>()
                .join(" and ")
        )),
        RouteCheck::Missing => Serves::No("does not serve it".to_owned()),
    }
}

/// The differing leading segments of a panel path and the route that serves it moved.
fn prefixes(endpoint: &Endpoint, route: &str) -> (String, String) {
    let shape = |s: &Segment| match s {
        Segment::Literal(t) => t.to_ascii_lowercase(),
        _ => "{}".to_owned(),
    };
    let panel: Vec<String> = endpoint.path.segments().iter().map(shape).collect();
    let served: Vec<String> = hisar_core::PathTemplate::parse(route)
        .map(|p| p.segments().iter().map(shape).collect())
        .unwrap_or_default();
    let common = panel
        .iter()
        .rev()
        .zip(served.iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let join = |s: &[String]| {
        if s.is_empty() {
            "/".to_owned()
        } else {
            format!("/{}", s.join("/"))
        }
    };
    (
        join(&panel[..panel.len() - common]),
        join(&served[..served.len() - common]),
    )
}

/// The choice and its lint, for the panels' endpoints (with the panels using each).
pub(super) fn choose(
    tables: &[Table],
    endpoints: &BTreeMap<String, (Endpoint, Vec<String>)>,
    lint: &mut Lints,
) -> RouteChoice {
    let mut choice = RouteChoice {
        reason: reason(tables),
        chosen: tables.first().map(|t| t.source.clone()),
        others: tables.iter().skip(1).map(|t| t.source.clone()).collect(),
        ..RouteChoice::default()
    };
    if let Some(chosen) = &choice.chosen {
        let mut files: Vec<&str> = vec![chosen.file.as_str()];
        files.extend(choice.others.iter().map(|o| o.file.as_str()));
        let others: Vec<String> = choice.others.iter().map(RouteSource::describe).collect();
        let message = if others.is_empty() {
            format!("backend.routes is {}: {}", chosen.describe(), choice.reason)
        } else {
            format!(
                "backend.routes is {}: {}; not chosen: {}",
                chosen.describe(),
                choice.reason,
                others.join(", ")
            )
        };
        lint.push(LintKind::RouteTableChoice, None, None, &files, message);
    }

    // (table index, from, to) → endpoints
    let mut moved: BTreeMap<(usize, String, String), Vec<String>> = BTreeMap::new();
    // table index → endpoints the chosen table serves and it does not.
    let mut lacking: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (shown, (endpoint, panels)) in endpoints {
        let verdicts: Vec<Serves> = tables.iter().map(|t| serves(&t.routes, endpoint)).collect();
        for (i, v) in verdicts.iter().enumerate() {
            if let Serves::Moved(from, to, _) = v {
                moved
                    .entry((i, from.clone(), to.clone()))
                    .or_default()
                    .push(shown.clone());
            }
        }
        let serving = verdicts
            .iter()
            .filter(|v| !matches!(v, Serves::No(_)))
            .count();
        match verdicts.first() {
            Some(Serves::Exactly) => choice.served += 1,
            Some(Serves::Moved(..)) => choice.moved += 1,
            Some(Serves::No(_)) if serving == 0 => choice.unserved += 1,
            Some(Serves::No(_)) => choice.missing += 1,
            None => {}
        }
        if serving == 0 || serving == verdicts.len() {
            continue;
        }
        if !matches!(verdicts.first(), Some(Serves::No(_))) {
            // The chosen table serves it; older sources that do not are told per source.
            for (i, v) in verdicts.iter().enumerate().skip(1) {
                if matches!(v, Serves::No(_)) {
                    lacking.entry(i).or_default().push(shown.clone());
                }
            }
            continue;
        }
        // The chosen table does not serve it, another does: stage 1 will call it missing.
        let mut says = Vec::new();
        for (t, v) in tables.iter().zip(&verdicts) {
            says.push(match v {
                Serves::Exactly => format!("{} serves it", t.source.file),
                Serves::Moved(_, _, route) => format!("{} serves it as {route}", t.source.file),
                Serves::No(what) => format!("{} {what}", t.source.file),
            });
        }
        let files: Vec<&str> = tables.iter().map(|t| t.source.file.as_str()).collect();
        lint.push(
            LintKind::RouteDisagreement,
            panels.first().map(String::as_str),
            None,
            &files,
            format!(
                "{shown} (panels {}): {}; stage 1 against the chosen table will find no route",
                panels.join(", "),
                says.join("; ")
            ),
        );
    }
    if let Some(chosen) = tables.first() {
        for (i, list) in lacking {
            const SHOWN: usize = 5;
            let t = &tables[i];
            let mut shown: Vec<String> = list.iter().take(SHOWN).cloned().collect();
            if list.len() > SHOWN {
                shown.push(format!("and {} more", list.len() - SHOWN));
            }
            lint.push(
                LintKind::RouteDisagreement,
                None,
                None,
                &[&t.source.file, &chosen.source.file],
                format!(
                    "{} does not serve {} panel endpoint{} that {} serves: {}",
                    t.source.describe(),
                    list.len(),
                    if list.len() == 1 { "" } else { "s" },
                    chosen.source.file,
                    shown.join(", ")
                ),
            );
        }
    }
    for ((i, from, to), list) in moved {
        let t = &tables[i];
        let chosen = i == 0;
        let example = list.first().cloned().unwrap_or_default();
        let tail = if chosen {
            "; the panels keep the paths their sources give (what the UI calls), and stage 1 names the moved route as a did-you-mean for each"
        } else {
            ""
        };
        lint.push(
            LintKind::RoutePrefixChange,
            None,
            None,
            &[&t.source.file],
            format!(
                "{} serves {} panel endpoint{} under {to} that the panels write under {from} (for example {example}): one family-wide prefix change{tail}",
                t.source.describe(),
                list.len(),
                if list.len() == 1 { "" } else { "s" },
            ),
        );
        choice.prefix_changes.push(PrefixChange {
            file: t.source.file.clone(),
            from,
            to,
            endpoints: list.len(),
        });
    }
    choice
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> AuroraFile {
        AuroraFile {
            path: path.into(),
            text: text.into(),
        }
    }

    #[test]
    fn dates_order_the_sources_and_the_undated_follow() {
        let mut lint = Lints::default();
        let tables = read_tables(
            &[
                file(
                    "a/openapi.json",
                    r#"{"openapi": "3.1.0", "info": {"title": "x"}, "paths": {"/api/v1/x": {"get": {}}}}"#,
                ),
                file("b/cache.json", r#"{"/api/v1/x": ["GET"]}"#),
                file(
                    "c/ledger.json",
                    r#"{"generated_at_utc": "2026-02-21T07:47:56.656226+00:00", "path_prefix": "/hoc/api/cus/", "endpoints": [{"method": "GET", "path": "/hoc/api/cus/x"}]}"#,
                ),
                file(
                    "d/old.json",
                    r#"{"_meta": {"generated_at": "2026-01-02"}, "endpoints": [{"method": "GET", "path": "/api/v1/x"}]}"#,
                ),
                file("e/broken.json", r#"{"paths": 3}"#),
            ],
            &mut lint,
        );
        let order: Vec<&str> = tables.iter().map(|t| t.source.file.as_str()).collect();
        assert_eq!(
            order,
            [
                "c/ledger.json",
                "d/old.json",
                "a/openapi.json",
                "b/cache.json"
            ]
        );
        assert_eq!(lint.0.len(), 1, "the broken source is linted");
        assert!(lint.0[0].message.contains("not a route table"));
        let why = reason(&tables);
        assert!(why.starts_with("the newest by the dates the sources carry (2026-02-21T07:47:56.656226+00:00; older: d/old.json 2026-01-02)"), "{why}");
        assert!(
            why.contains("a/openapi.json and b/cache.json carry no date"),
            "{why}"
        );

        let endpoints: BTreeMap<String, (Endpoint, Vec<String>)> = [
            ("GET /api/v1/x", "P-A-B-O1"),
            ("GET /guard/policies", "P-A-B-O2"),
        ]
        .into_iter()
        .map(|(e, p)| (e.to_owned(), (e.parse().unwrap(), vec![p.to_owned()])))
        .collect();
        let mut lint = Lints::default();
        let choice = choose(&tables, &endpoints, &mut lint);
        assert_eq!(choice.chosen.as_ref().unwrap().file, "c/ledger.json");
        assert_eq!(
            (choice.served, choice.moved, choice.missing, choice.unserved),
            (0, 1, 0, 1)
        );
        assert_eq!(
            choice.prefix_changes,
            [PrefixChange {
                file: "c/ledger.json".into(),
                from: "/api/v1".into(),
                to: "/hoc/api/cus".into(),
                endpoints: 1
            }]
        );
        let kinds: Vec<LintKind> = lint.0.iter().map(|l| l.kind).collect();
        assert_eq!(
            kinds,
            [LintKind::RouteTableChoice, LintKind::RoutePrefixChange]
        );
    }

    #[test]
    fn without_dates_the_openapi_document_is_preferred() {
        let mut lint = Lints::default();
        let tables = read_tables(
            &[
                file("b/cache.json", r#"{"/policy-layer/state": ["GET"]}"#),
                file(
                    "a/openapi.json",
                    r#"{"openapi": "3.1.0", "paths": {"/api/v1/policy-layer/state": {"get": {}}}}"#,
                ),
            ],
            &mut lint,
        );
        assert_eq!(tables[0].source.file, "a/openapi.json");
        assert!(reason(&tables).starts_with("no route source carries a date"));
        let e: Endpoint = "GET /api/v1/policy-layer/state".parse().unwrap();
        let endpoints = BTreeMap::from([(e.to_string(), (e, vec!["P-A-B-O1".to_owned()]))]);
        let choice = choose(&tables, &endpoints, &mut lint);
        assert_eq!(choice.served, 1);
        assert_eq!(
            choice.prefix_changes[0],
            PrefixChange {
                file: "b/cache.json".into(),
                from: "/api/v1".into(),
                to: "/".into(),
                endpoints: 1
            }
        );
    }
}
