//! The intent ledger (`INTENT_LEDGER.md`): the Markdown file AURORA declares the source of its
//! plan, intents and capability files.
//!
//! Read by hand, line by line: the ledger is a `Key: Value` grammar inside Markdown sections
//! (`### Panel: ID`, `### Capability: ID`), and a Markdown parser would hand back paragraphs and
//! list items that still need exactly this reading. Both the grammar's form (`Domain: X` lines)
//! and the form the file actually uses (a `Location:` list of `- Domain: X` items) are read.

use super::endpoint::EndpointValue;
#[cfg(test)]
use super::endpoint::RawEndpoint;

/// A `### Panel:` section.
pub(super) struct LedgerPanel {
    pub(super) id: String,
    pub(super) line: usize,
    pub(super) domain: Option<String>,
    pub(super) subdomain: Option<String>,
    pub(super) topic: Option<String>,
    pub(super) slot: Option<String>,
    pub(super) class: Option<String>,
    pub(super) state: Option<String>,
    /// `Capability:`; `None` when absent or `null`.
    pub(super) capability: Option<String>,
    pub(super) purpose: Option<String>,
    /// The location was given as a `Location:` list rather than as the grammar's lines.
    pub(super) location_list: bool,
}

/// A `### Capability:` section: one capability as one or more panels use it.
pub(super) struct LedgerCapability {
    pub(super) id: String,
    pub(super) line: usize,
    pub(super) panels: Vec<String>,
    pub(super) status: Option<String>,
    /// `Endpoint:` under `Implementation:` (or on its own line).
    pub(super) endpoint: EndpointValue,
    /// `Topics Served:` entries: topic and endpoint.
    pub(super) topics: Vec<(String, String)>,
}

impl LedgerCapability {
    /// The endpoint this section gives a panel of `topic`: the topic's own endpoint when the
    /// section serves topics separately, else its implementation endpoint.
    pub(super) fn endpoint_for(&self, topic: Option<&str>) -> EndpointValue {
        if let Some(topic) = topic
            && let Some((_, path)) = self
                .topics
                .iter()
                .find(|(t, _)| t.eq_ignore_ascii_case(topic))
        {
            return EndpointValue::from_text(Some(path.clone()), self.endpoint.method());
        }
        self.endpoint.clone()
    }
}

/// The ledger, read.
pub(super) struct Ledger {
    pub(super) file: String,
    pub(super) panels: Vec<LedgerPanel>,
    pub(super) capabilities: Vec<LedgerCapability>,
}

impl Ledger {
    pub(super) fn panel(&self, id: &str) -> Option<&LedgerPanel> {
        self.panels.iter().find(|p| p.id == id)
    }

    /// The capability sections that name a panel, in ledger order.
    pub(super) fn sections_for<'a>(
        &'a self,
        panel: &'a str,
    ) -> impl Iterator<Item = &'a LedgerCapability> + 'a {
        self.capabilities
            .iter()
            .filter(move |c| c.panels.iter().any(|p| p == panel))
    }
}

enum Section {
    None,
    Panel(LedgerPanel),
    Capability(LedgerCapability),
}

/// `Key: Value` (or `- Key: Value`), the key a single word or words joined by spaces.
fn key_value(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once(':')?;
    let key = key.trim();
    let ok = !key.is_empty()
        && key.len() <= 40
        && key.chars().all(|c| {
            c.is_alphanumeric() || c == ' ' || c == '_' || c == '(' || c == ')' || c == '/'
        });
    ok.then(|| (key, value.trim()))
}

fn null_or(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty() && !EndpointValue::is_null_text(v)).then(|| v.to_owned())
}

/// Reads the ledger. Never fails: what it cannot read, it leaves out.
pub(super) fn read_ledger(file: &str, text: &str) -> Ledger {
    let mut ledger = Ledger {
        file: file.to_owned(),
        panels: Vec::new(),
        capabilities: Vec::new(),
    };
    let mut section = Section::None;
    // The label of the block a `- Key: Value` item belongs to (`Location`, `Implementation`).
    let mut block = String::new();
    let mut in_fence = false;
    let mut purpose: Option<Vec<String>> = None;
    let mut topic: Option<String> = None;

    let finish = |section: Section, ledger: &mut Ledger| match section {
        Section::Panel(p) => ledger.panels.push(p),
        Section::Capability(c) => ledger.capabilities.push(c),
        Section::None => {}
    };

    for (n, raw) in text.lines().enumerate() {
        let line_no = n + 1;
        let line = raw.trim_end();
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        if line.starts_with('#') {
            if let Some(lines) = purpose.take()
                && let Section::Panel(p) = &mut section
            {
                p.purpose = first_paragraph(&lines);
            }
            finish(std::mem::replace(&mut section, Section::None), &mut ledger);
            block.clear();
            topic = None;
            let heading = line.trim_start_matches('#').trim();
            if let Some(id) = heading.strip_prefix("Panel:") {
                section = Section::Panel(LedgerPanel {
                    id: id.trim().to_owned(),
                    line: line_no,
                    domain: None,
                    subdomain: None,
                    topic: None,
                    slot: None,
                    class: None,
                    state: None,
                    capability: None,
                    purpose: None,
                    location_list: false,
                });
            } else if let Some(id) = heading.strip_prefix("Capability:") {
                section = Section::Capability(LedgerCapability {
                    id: id.trim().to_owned(),
                    line: line_no,
                    panels: Vec::new(),
                    status: None,
                    endpoint: EndpointValue::Absent(None),
                    topics: Vec::new(),
                });
            }
            continue;
        }
        if let Some(lines) = &mut purpose {
            // `Purpose:` runs to the next field line; blank lines end its first paragraph.
            if key_value(line).is_some_and(|(k, _)| !line.starts_with([' ', '-']) && field(k)) {
                if let Section::Panel(p) = &mut section {
                    p.purpose = first_paragraph(lines);
                }
                purpose = None;
            } else {
                lines.push(line.to_owned());
                continue;
            }
        }
        let item = line.trim_start().strip_prefix("- ");
        let indented = line.starts_with([' ', '\t']);
        match &mut section {
            Section::None => {}
            Section::Panel(p) => {
                let Some((key, value)) = key_value(item.unwrap_or(line)) else {
                    continue;
                };
                if item.is_none() && !indented && value.is_empty() {
                    block = key.to_owned();
                    if key == "Purpose" {
                        purpose = Some(Vec::new());
                    }
                    continue;
                }
                if item.is_some() && block != "Location" {
                    continue;
                }
                if item.is_some() {
                    p.location_list = true;
                }
                let v = null_or(value);
                match key {
                    "Domain" => p.domain = v,
                    "Subdomain" => p.subdomain = v,
                    "Topic" => p.topic = v,
                    "Slot" | "Order" => p.slot = v,
                    "Class" if item.is_none() => p.class = v,
                    "State" if item.is_none() => p.state = v,
                    "Capability" if item.is_none() => p.capability = v,
                    "Purpose" if item.is_none() => p.purpose = v,
                    _ => {}
                }
            }
            Section::Capability(c) => {
                if block == "Topics Served" && indented {
                    let entry = item.unwrap_or(line.trim_start());
                    if let Some((key, value)) = key_value(entry) {
                        match key {
                            "topic" => topic = null_or(value),
                            "endpoint" => {
                                if let (Some(t), Some(e)) = (topic.take(), null_or(value)) {
                                    c.topics.push((t, e));
                                }
                            }
                            _ => {}
                        }
                    }
                    continue;
                }
                let Some((key, value)) = key_value(item.unwrap_or(line)) else {
                    continue;
                };
                if item.is_none() && !indented && value.is_empty() {
                    block = key.to_owned();
                    continue;
                }
                let top = item.is_none() && !indented;
                let implementation = item.is_some() && block == "Implementation";
                match key {
                    "Panel" | "Panels" if top => {
                        c.panels = value
                            .split(',')
                            .map(str::trim)
                            .filter(|p| !p.is_empty())
                            .map(str::to_owned)
                            .collect();
                    }
                    "Status" if top => c.status = null_or(value),
                    "Endpoint" if top || implementation => {
                        let method = c.endpoint.method();
                        c.endpoint = EndpointValue::from_text(Some(value.to_owned()), method);
                    }
                    "Method" if top || implementation => {
                        c.endpoint.set_method(null_or(value));
                    }
                    _ => {}
                }
            }
        }
    }
    if let Some(lines) = purpose.take()
        && let Section::Panel(p) = &mut section
    {
        p.purpose = first_paragraph(&lines);
    }
    finish(section, &mut ledger);
    ledger
}

/// The field names a panel or capability section uses at the start of a line.
fn field(key: &str) -> bool {
    matches!(
        key,
        "Location"
            | "Domain"
            | "Subdomain"
            | "Topic"
            | "Slot"
            | "Order"
            | "Class"
            | "State"
            | "Purpose"
            | "Capability"
            | "What it shows"
            | "What it explicitly does NOT show"
    )
}

fn first_paragraph(lines: &[String]) -> Option<String> {
    let text: Vec<&str> = lines
        .iter()
        .map(|l| l.trim())
        .skip_while(|l| l.is_empty())
        .take_while(|l| !l.is_empty())
        .collect();
    let joined = text.join(" ");
    (!joined.is_empty()).then_some(joined)
}

#[cfg(test)]
impl RawEndpoint {
    /// The endpoint as `METHOD /path` text.
    pub(super) fn show(&self) -> String {
        format!("{} {}", self.method.as_deref().unwrap_or("GET"), self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEDGER: &str = "# Intent Ledger

## Topology

### OVERVIEW
- HIGHLIGHTS (4 slots)

## Policy Clauses

```yaml
capability_id: x.y
endpoints:
  - /not/this
```

## Panels

### Panel: OVR-SUM-HL-O1

Location:
- Domain: OVERVIEW
- Subdomain: SUMMARY
- Topic: HIGHLIGHTS
- Slot: 1

Class: interpretation
State: BOUND

Purpose:
A glanceable snapshot
of current activity.

What it shows:
- Count of runs

Capability: overview.highlights

### Panel: INC-AI-SUM-O1
Domain: Incidents
Subdomain: ACTIVE_INCIDENTS
Topic: SUMMARY
Order: O1
Class: interpretation
State: EMPTY

Purpose:
Summary of incidents.

Capability: null

## Capabilities

### Capability: overview.highlights

Panel: OVR-SUM-HL-O1, OVR-SUM-HL-O2
Status: OBSERVED

Implementation:
- Endpoint: /api/v1/activity/summary/by-status
- Method: GET

Data Mapping:
- count_running → runs.by_status.running

### Capability: activity.runs_by_dimension

Panel: ACT-LLM-LIVE-O5
Status: DECLARED

Implementation:
- Method: GET

Topics Served:
  - topic: LIVE
    endpoint: /api/v1/activity/runs/live/by-dimension
  - topic: COMPLETED
    endpoint: /api/v1/activity/runs/completed/by-dimension

Generic Endpoint (INTERNAL/ADMIN ONLY):
  - endpoint: /api/v1/activity/runs/by-dimension

### Capability: incidents.historical_cost_trend

Panel: INC-EV-HIST-O4
Status: DEFERRED

Implementation:
- Endpoint: null
- Method: GET
";

    #[test]
    fn both_panel_forms_and_capability_sections_are_read() {
        let ledger = read_ledger("design/l2_1/INTENT_LEDGER.md", LEDGER);
        let l = &ledger;
        assert_eq!(l.panels.len(), 2);
        let p = &l.panels[0];
        assert_eq!(p.id, "OVR-SUM-HL-O1");
        assert_eq!(p.line, 18);
        assert_eq!(
            (
                p.domain.as_deref(),
                p.subdomain.as_deref(),
                p.topic.as_deref(),
                p.slot.as_deref()
            ),
            (
                Some("OVERVIEW"),
                Some("SUMMARY"),
                Some("HIGHLIGHTS"),
                Some("1")
            )
        );
        assert!(p.location_list);
        assert_eq!(p.class.as_deref(), Some("interpretation"));
        assert_eq!(p.state.as_deref(), Some("BOUND"));
        assert_eq!(p.capability.as_deref(), Some("overview.highlights"));
        assert_eq!(
            p.purpose.as_deref(),
            Some("A glanceable snapshot of current activity.")
        );
        let grammar = &l.panels[1];
        assert!(!grammar.location_list);
        assert_eq!(grammar.domain.as_deref(), Some("Incidents"));
        assert_eq!(grammar.slot.as_deref(), Some("O1"));
        assert_eq!(grammar.capability, None, "`null` is no capability");
        assert_eq!(grammar.purpose.as_deref(), Some("Summary of incidents."));

        assert_eq!(l.capabilities.len(), 3);
        let first = &l.capabilities[0];
        assert_eq!(first.panels, ["OVR-SUM-HL-O1", "OVR-SUM-HL-O2"]);
        assert_eq!(first.status.as_deref(), Some("OBSERVED"));
        assert_eq!(
            first.endpoint.given().map(RawEndpoint::show).as_deref(),
            Some("GET /api/v1/activity/summary/by-status")
        );
        let topics = &l.capabilities[1];
        assert!(
            matches!(topics.endpoint, EndpointValue::Absent(_)),
            "the generic endpoint is not it"
        );
        assert_eq!(
            topics
                .endpoint_for(Some("LIVE"))
                .given()
                .map(RawEndpoint::show)
                .as_deref(),
            Some("GET /api/v1/activity/runs/live/by-dimension")
        );
        assert!(matches!(
            topics.endpoint_for(Some("SIGNALS")),
            EndpointValue::Absent(_)
        ));
        assert!(matches!(
            l.capabilities[2].endpoint,
            EndpointValue::Null(..)
        ));
        assert_eq!(l.sections_for("OVR-SUM-HL-O2").count(), 1);
    }

    #[test]
    fn anything_reads_without_panicking() {
        for text in [
            "",
            "###",
            "### Panel:",
            "### Capability: x\nPanel:\n- Endpoint:",
            "```\n### Panel: A",
            "Purpose:\né\n### Panel: é\nPurpose:\n",
        ] {
            let _ = read_ledger("l.md", text);
        }
    }
}
