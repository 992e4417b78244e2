//! Values from live data and setup steps (SPEC §4.2): a path, query or header value that comes
//! from another panel's answer in the same sweep (`{ from: PANEL, select: JSONPATH }`), or from
//! a setup step's capture (`{ from: setup.ID, capture: NAME }`), instead of a fixed
//! placeholder; and the setup steps themselves, requests a sweep sends before the panels
//! because the registry declares them (explicit consent).
//!
//! The registry checks every reference when it loads (unknown panels, steps and captures,
//! cycles); the sweep (`hisar-probe`) probes sources before the panels that use them and
//! leaves a dependent `UNVERIFIED` naming its source when the source yields no value.
//!
//! ```
//! use hisar_core::{Registry, ValuePlace, ValueSource};
//! let registry = Registry::from_yaml(r#"
//! version: 1
//! domains: [{ code: INC, name: INCIDENTS }]
//! defaults: { class: evidence }
//! setup:
//!   - id: seed-incident
//!     request: POST /api/v1/incidents
//!     json: { title: "hisar probe" }
//!     capture: { incident_id: $.id }
//! panels:
//!   - id: INC-EV-RES-O5
//!     capability: incidents.replay_summary
//!     endpoint: GET /replay/{incident_id}/summary
//!     path_params: { incident_id: { from: setup.seed-incident, capture: incident_id } }
//! "#, "hisar.yaml").unwrap();
//! let step = &registry.setup()[0];
//! assert_eq!(step.endpoint.to_string(), "POST /api/v1/incidents");
//! let value = &registry.panels()[0].live[0];
//! assert_eq!(value.place, ValuePlace::Path);
//! assert_eq!(value.source.to_string(), "setup step `seed-incident` (capture `incident_id`)");
//! ```

use std::fmt;

use serde_json::Value;

use crate::interpolate::{Env, Template};
use percent_encoding::utf8_percent_encode;

use crate::model::{Endpoint, QUERY_COMPONENT};
use crate::query::JsonQuery;

crate::named_enum! {
    /// Where a live value goes in the request: the key of the panel that declares it.
    pub enum ValuePlace("value place") {
        /// A path parameter (`path_params`).
        Path = "path_params",
        /// A query parameter (`params`).
        Query = "params",
        /// A header (`headers`).
        Header = "headers",
    }
}

impl ValuePlace {
    /// What a value in this place is called in messages: `path parameter`, `query parameter`,
    /// `header`.
    pub fn noun(self) -> &'static str {
        match self {
            ValuePlace::Path => "path parameter",
            ValuePlace::Query => "query parameter",
            ValuePlace::Header => "header",
        }
    }
}

/// Where a live value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueSource {
    /// The answer of another panel in the same sweep, which must be `BOUND`.
    Panel {
        /// The source panel's id.
        panel: String,
        /// The query that picks the value out of its answer (its first node).
        select: JsonQuery,
    },
    /// A capture of a setup step, which must succeed.
    Setup {
        /// The step's id.
        step: String,
        /// The capture's name.
        capture: String,
    },
    /// No value yet (`{ todo: "what to put here" }`): the registry is not finished, so a sweep
    /// never sends the panel (its answer to a placeholder would be a false gap) and leaves it
    /// `UNVERIFIED` with the hint.
    Todo {
        /// What to put here, as the registry says it; never empty.
        hint: String,
    },
}

impl fmt::Display for ValueSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueSource::Panel { panel, select } => write!(f, "panel {panel} (`{select}`)"),
            ValueSource::Setup { step, capture } => {
                write!(f, "setup step `{step}` (capture `{capture}`)")
            }
            ValueSource::Todo { hint } => write!(f, "no value yet (todo: {hint})"),
        }
    }
}

/// A value a sweep resolves from live data before sending the panel's request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveValue {
    /// Where it goes.
    pub place: ValuePlace,
    /// The parameter or header name.
    pub name: String,
    /// Where it comes from.
    pub source: ValueSource,
    /// The line of its `from:` (or `todo:`) in the registry.
    pub line: usize,
    /// The column of its `from:` (or `todo:`) in the registry.
    pub column: usize,
}

impl LiveValue {
    /// For a value with none yet (`{ todo }`), what the tracker and `hisar validate` say:
    /// "path parameter `incident_id` has no value yet (todo: a real incident id)".
    pub fn todo(&self) -> Option<String> {
        match &self.source {
            ValueSource::Todo { hint } => Some(format!(
                "{} `{}` has no value yet (todo: {hint})",
                self.place.noun(),
                self.name
            )),
            ValueSource::Panel { .. } | ValueSource::Setup { .. } => None,
        }
    }
}

/// A request the sweep sends before the panels (SPEC §4.2), to seed the data they read. Its
/// method may be unsafe: declaring it under `setup:` is the consent to send it.
#[derive(Debug, Clone, PartialEq)]
pub struct SetupStep {
    /// The step's id, unique among steps.
    pub id: String,
    /// The line of its entry in the registry.
    pub line: usize,
    /// Method and path, relative to the base URL; the path has no `{parameters}`.
    pub endpoint: Endpoint,
    /// The auth mode (default: `defaults.auth`).
    pub auth: String,
    /// Query parameters.
    pub params: Vec<(String, String)>,
    /// Extra headers (templates).
    pub headers: Vec<(String, Template)>,
    /// A JSON body; its strings are `${VAR}` templates.
    pub json: Option<Value>,
    /// Values to take from the answer: name and query, in declaration order.
    pub capture: Vec<(String, JsonQuery)>,
}

impl SetupStep {
    /// The JSON body with its `${VAR}` templates resolved, and the variables that were unset
    /// (sorted, each once). Strings that do not parse as templates are sent as they are (the
    /// registry refuses them when it loads).
    pub fn resolved_json(&self, env: &dyn Env) -> Option<(Value, Vec<String>)> {
        let json = self.json.as_ref()?;
        let mut missing = Vec::new();
        let value = resolve_strings(json, env, &mut missing);
        missing.sort();
        missing.dedup();
        Some((value, missing))
    }

    /// The request target: the path, then the query parameters encoded per RFC 3986, as a
    /// panel's ([`crate::Panel::request_target`]).
    pub fn request_target(&self) -> String {
        let mut target = self.endpoint.path.as_str().to_owned();
        for (i, (name, value)) in self.params.iter().enumerate() {
            target.push(if i == 0 { '?' } else { '&' });
            target.extend(utf8_percent_encode(name, QUERY_COMPONENT));
            target.push('=');
            target.extend(utf8_percent_encode(value, QUERY_COMPONENT));
        }
        target
    }

    /// Every `${VAR}` template of the step's headers and JSON body.
    pub fn templates(&self) -> Vec<Template> {
        let mut out: Vec<Template> = self.headers.iter().map(|(_, t)| t.clone()).collect();
        if let Some(json) = &self.json {
            json_templates(json, &mut out);
        }
        out
    }
}

fn resolve_strings(value: &Value, env: &dyn Env, missing: &mut Vec<String>) -> Value {
    match value {
        Value::String(s) => match Template::parse(s) {
            Ok(t) => {
                let resolved = t.resolve(env);
                missing.extend(resolved.missing);
                Value::String(resolved.value)
            }
            Err(_) => value.clone(),
        },
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| resolve_strings(v, env, missing))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), resolve_strings(v, env, missing)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn json_templates(value: &Value, out: &mut Vec<Template>) {
    match value {
        Value::String(s) => {
            if let Ok(t) = Template::parse(s)
                && t.has_variables()
            {
                out.push(t);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| json_templates(v, out)),
        Value::Object(map) => map.values().for_each(|v| json_templates(v, out)),
        _ => {}
    }
}
