//! The stream loader: a valid registry built as it is parsed, panel by panel, without the
//! document's whole tree (which costs about twenty times the text: 600 MiB for 100,000
//! panels). It gives up, and leaves the registry to the located loader, at the first problem
//! or at anything unusual in the layout; so it only ever returns what that loader would.

use std::collections::{BTreeMap, HashMap};

use super::Registry;
use super::load::{Loader, TOP_KEYS};
use crate::model::{AuthMode, Domain, Panel};
use crate::registry::Defaults;
use crate::yaml::{self, Located, Node, StreamEnd, Streamed};

/// The keys panels are built with: streamed panels need them declared before `panels:`.
const BEFORE_PANELS: [&str; 4] = ["backend", "auth", "defaults", "domains"];

/// Panels being built as they stream.
struct Building {
    seen: HashMap<String, usize>,
    domains: Vec<Domain>,
    auth: BTreeMap<String, AuthMode>,
    defaults: Defaults,
    panels: Vec<Panel>,
}

/// The registry, when the text is a valid one laid out as usual (`panels:` after `auth:`,
/// `defaults:` and `domains:`); `None` otherwise, for the located loader to report on.
pub(super) fn streamed(text: &str) -> Option<Registry> {
    let mut loader = Loader {
        text,
        diags: Vec::new(),
        panel: None,
        compiled: HashMap::new(),
    };
    let mut entries: Vec<(Located<String>, Located<Node>)> = Vec::new();
    let mut building: Option<Building> = None;
    let mut usual = true;
    let end = yaml::stream(text, "panels", &mut |event| {
        // After the first problem the located loader takes over: parse on, build nothing.
        if !usual || !loader.diags.is_empty() {
            return;
        }
        match event {
            Streamed::Entry(key, value) => {
                let name = key.value.as_str();
                let known = TOP_KEYS.contains(&name);
                let repeated = name == "panels" || entries.iter().any(|(k, _)| k.value == name);
                let too_late = building.is_some() && BEFORE_PANELS.contains(&name);
                if !known || repeated || too_late {
                    usual = false;
                    return;
                }
                entries.push((key, value));
            }
            Streamed::Items(_) => {
                if building.is_some() {
                    usual = false;
                    return;
                }
                let get = |name: &str| {
                    entries
                        .iter()
                        .find(|(k, _)| k.value == name)
                        .map(|(_, v)| v)
                };
                let auth = get("auth")
                    .map(|n| loader.auth_modes(n))
                    .unwrap_or_default();
                let mut defaults = get("defaults")
                    .map(|n| loader.defaults(n))
                    .unwrap_or_default();
                // As the located loader: a panel's schema policy defaults to the backend's.
                defaults.schema = get("backend")
                    .map(|n| loader.backend(n))
                    .unwrap_or_default()
                    .schema;
                let domains = get("domains")
                    .map(|n| loader.domains(n))
                    .unwrap_or_default();
                building = Some(Building {
                    seen: HashMap::new(),
                    domains,
                    auth,
                    defaults,
                    panels: Vec::new(),
                });
            }
            Streamed::Item(item) => {
                let Some(b) = building.as_mut() else {
                    usual = false;
                    return;
                };
                if let Some(panel) =
                    loader.panel_item(&item, &mut b.seen, &b.domains, &b.auth, &b.defaults)
                {
                    b.panels.push(panel);
                }
            }
        }
    });
    if end != Ok(StreamEnd::Mapping) || !usual || !loader.diags.is_empty() {
        return None;
    }
    let root = Located {
        value: Node::Null,
        line: 1,
        column: 1,
    };
    let registry = loader.build(&root, &entries, building.map(|b| b.panels));
    loader.diags.is_empty().then_some(registry)
}
