//! Identifiers: domain codes, panel ids and capability ids.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::IdError;

/// A domain code such as `OVR`: upper-case ASCII letters and digits, starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DomainCode(String);

impl TryFrom<String> for DomainCode {
    type Error = IdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<DomainCode> for String {
    fn from(value: DomainCode) -> Self {
        value.0
    }
}

impl DomainCode {
    /// Parses a domain code.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        if is_code(text) {
            Ok(Self(text.to_owned()))
        } else {
            Err(IdError::DomainCode(text.to_owned()))
        }
    }

    /// The code as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_code(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

impl fmt::Display for DomainCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

/// The longest panel id accepted, in characters.
pub const MAX_PANEL_ID_LEN: usize = 128;

/// A panel id (SPEC §2), and the domain the panel belongs to.
///
/// Either structured, a declared domain code, `-`, then letters, digits, `-`, `_` or `.`
/// (the reference data uses `DOM-SUB-TOPIC-O<n>`, such as `OVR-SUM-CI-O1`), read with
/// [`PanelId::parse`]; or free-form, for a panel that names its domain with `domain:`, built
/// with [`PanelId::in_domain`]. Two ids are equal when their text is.
///
/// ```
/// use hisar_core::{DomainCode, PanelId};
/// let id: PanelId = "OVR-SUM-CI-O1".parse().unwrap();
/// assert_eq!(id.domain().as_str(), "OVR");
/// assert!(PanelId::parse("OVR-cost_summary.v2").is_ok());
/// assert!(PanelId::parse("cost summary").is_err());
/// assert!(PanelId::parse("OVR-").is_err());
/// let free = PanelId::in_domain("Cost summary (EU)", DomainCode::parse("OVR").unwrap()).unwrap();
/// assert_eq!(free.domain().as_str(), "OVR");
/// ```
#[derive(Debug, Clone)]
pub struct PanelId {
    raw: String,
    domain: DomainCode,
}

impl PanelId {
    /// Parses a structured panel id: `CODE-rest`, `rest` made of letters, digits, `-`, `_`
    /// and `.`. Whether `CODE` is declared is the registry's business.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let bad = || IdError::PanelId(text.to_owned());
        let (code, rest) = text.split_once('-').ok_or_else(bad)?;
        let rest_ok = !rest.is_empty()
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if !is_code(code) || !rest_ok || text.chars().count() > MAX_PANEL_ID_LEN {
            return Err(bad());
        }
        Ok(Self {
            raw: text.to_owned(),
            domain: DomainCode(code.to_owned()),
        })
    }

    /// A free-form id of a panel that names its domain: any text of at most
    /// [`MAX_PANEL_ID_LEN`] characters, without control characters or surrounding spaces.
    pub fn in_domain(text: &str, domain: DomainCode) -> Result<Self, IdError> {
        let ok = !text.is_empty()
            && text.trim() == text
            && text.chars().count() <= MAX_PANEL_ID_LEN
            && !text.chars().any(char::is_control);
        if ok {
            Ok(Self {
                raw: text.to_owned(),
                domain,
            })
        } else {
            Err(IdError::FreePanelId(text.to_owned()))
        }
    }

    /// The id as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The domain of the panel: the id's prefix, or the domain it names with `domain:`.
    pub fn domain(&self) -> &DomainCode {
        &self.domain
    }
}

impl PartialEq for PanelId {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

impl Eq for PanelId {}

impl PartialOrd for PanelId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PanelId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.raw.cmp(&other.raw)
    }
}

impl std::hash::Hash for PanelId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.raw.hash(state);
    }
}

impl FromStr for PanelId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for PanelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.raw)
    }
}

impl Serialize for PanelId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.raw)
    }
}

impl<'de> Deserialize<'de> for PanelId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A capability id such as `overview.cost_summary`: dot-separated lower-case words.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CapabilityId(String);

impl CapabilityId {
    /// Parses a capability id: non-empty parts of `a-z`, `0-9` and `_`, joined by dots.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let ok = !text.is_empty()
            && text.split('.').all(|part| {
                !part.is_empty()
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            });
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(IdError::Capability(text.to_owned()))
        }
    }

    /// The id as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CapabilityId {
    type Error = IdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CapabilityId> for String {
    fn from(value: CapabilityId) -> Self {
        value.0
    }
}

impl fmt::Display for CapabilityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panel_ids() {
        for good in [
            "OVR-SUM-CI-O1",
            "POL-LIM-THR-O12",
            "A1-B-C2-O0",
            "OVR-SUM-CI",
            "OVR-SUM-CI-1",
            "OVR-cost_summary.v2",
            "OVR--CI-O1",
            "OVR-SUM-CI-O1-X",
        ] {
            let id = PanelId::parse(good).unwrap_or_else(|e| panic!("{good}: {e}"));
            assert_eq!(id.as_str(), good);
        }
        for bad in [
            "",
            "OVR",
            "OVR-",
            "ovr-SUM-CI-O1",
            "1VR-SUM-CI-O1",
            "OVR-SUM CI",
            "OVR-SUM/CI",
            "OVR-é",
            "-OVR",
        ] {
            assert!(PanelId::parse(bad).is_err(), "{bad}");
        }
        assert!(PanelId::parse(&format!("OVR-{}", "x".repeat(124))).is_ok());
        assert!(PanelId::parse(&format!("OVR-{}", "x".repeat(125))).is_err());
    }

    #[test]
    fn free_form_ids_belong_to_the_domain_they_name() {
        let ovr = DomainCode::parse("OVR").unwrap();
        for good in ["Cost summary", "cost/summary", "x", "Coût €"] {
            let id = PanelId::in_domain(good, ovr.clone()).unwrap();
            assert_eq!((id.as_str(), id.domain().as_str()), (good, "OVR"));
        }
        for bad in ["", " x", "x ", "a\nb", "tab\there"] {
            assert!(PanelId::in_domain(bad, ovr.clone()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ids_pad_in_tables() {
        let id = PanelId::parse("OVR-A").unwrap();
        assert_eq!(format!("[{id:8}]"), "[OVR-A   ]");
        assert_eq!(format!("[{:5}]", id.domain()), "[OVR  ]");
    }

    #[test]
    fn capability_ids() {
        assert!(CapabilityId::parse("overview.cost_summary").is_ok());
        assert!(CapabilityId::parse("analytics.cost.export.csv").is_ok());
        assert!(CapabilityId::parse("Overview.x").is_err());
        assert!(CapabilityId::parse("a..b").is_err());
        assert!(CapabilityId::parse("").is_err());
    }
}
