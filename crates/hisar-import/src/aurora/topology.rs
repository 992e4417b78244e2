//! Where each panel sits in the UI (domain → subdomain → topic → slot), as the repository
//! says: the plan, else the ledger, else the intents' metadata. The projection lock needs it;
//! HISAR's registry does not carry it.

use super::lint::Lints;
use super::repo::Repo;
use super::{AuroraError, AuroraSources};

/// One panel's place and the permissions its intent gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopologyPanel {
    /// Panel id.
    pub id: String,
    /// Domain name (`OVERVIEW`).
    pub domain: String,
    /// Subdomain (`SUMMARY`), when given.
    pub subdomain: Option<String>,
    /// Topic (`HIGHLIGHTS`), when given.
    pub topic: Option<String>,
    /// Slot or order (`1`, `O1`), when given.
    pub slot: Option<String>,
    /// `read`, `write`, `filtering`, `activate`, `nav_required`, as the intent gives them.
    pub permissions: Vec<(String, bool)>,
    /// A short description: the ledger's purpose, else the intent's notes.
    pub description: Option<String>,
}

/// Every panel's place, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Topology {
    /// Panels in UI order.
    pub panels: Vec<TopologyPanel>,
}

impl Topology {
    /// A panel's place.
    pub fn panel(&self, id: &str) -> Option<&TopologyPanel> {
        self.panels.iter().find(|p| p.id == id)
    }
}

/// Reads the topology from the same sources as [`import_aurora`](super::import_aurora).
pub fn aurora_topology(sources: &AuroraSources) -> Result<Topology, AuroraError> {
    let mut lint = Lints::default();
    let repo = Repo::read(sources, &mut lint)?;
    let panels = repo
        .domains
        .iter()
        .flat_map(|d| d.panels.iter().map(move |p| (d, p)))
        .map(|(d, p)| {
            let intent = repo.intent(&p.id);
            let ledger = repo.ledger.as_ref().and_then(|l| l.panel(&p.id));
            TopologyPanel {
                id: p.id.clone(),
                domain: d.name.clone(),
                subdomain: p
                    .subdomain
                    .clone()
                    .or_else(|| ledger.and_then(|l| l.subdomain.clone()))
                    .or_else(|| intent.and_then(|i| i.subdomain.clone())),
                topic: p
                    .topic
                    .clone()
                    .or_else(|| ledger.and_then(|l| l.topic.clone()))
                    .or_else(|| intent.and_then(|i| i.topic.clone())),
                slot: p
                    .slot
                    .clone()
                    .or_else(|| ledger.and_then(|l| l.slot.clone()))
                    .or_else(|| intent.and_then(|i| i.order.clone())),
                permissions: intent.map(|i| i.permissions.clone()).unwrap_or_default(),
                description: ledger
                    .and_then(|l| l.purpose.clone())
                    .or_else(|| intent.and_then(|i| i.notes.clone())),
            }
        })
        .collect();
    Ok(Topology { panels })
}
