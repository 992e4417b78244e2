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
        f.write_str(&self.0)
    }
}

/// A panel id, `DOM-SUB-TOPIC-O<n>`: domain code, subdomain code, topic code and slot.
///
/// ```
/// use hisar_core::PanelId;
/// let id: PanelId = "OVR-SUM-CI-O1".parse().unwrap();
/// assert_eq!(id.domain().as_str(), "OVR");
/// assert_eq!(id.subdomain(), "SUM");
/// assert_eq!(id.topic(), "CI");
/// assert_eq!(id.slot(), 1);
/// assert!("OVR-SUM-CI-1".parse::<PanelId>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PanelId {
    raw: String,
    domain: DomainCode,
    slot: u32,
}

impl PanelId {
    /// Parses a panel id.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let bad = || IdError::PanelId(text.to_owned());
        let parts: Vec<&str> = text.split('-').collect();
        let [domain, sub, topic, slot] = parts.as_slice() else {
            return Err(bad());
        };
        if !is_code(domain) || !is_code(sub) || !is_code(topic) {
            return Err(bad());
        }
        let digits = slot.strip_prefix('O').ok_or_else(bad)?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 6 {
            return Err(bad());
        }
        let slot = digits.parse().map_err(|_| bad())?;
        Ok(Self {
            raw: text.to_owned(),
            domain: DomainCode((*domain).to_owned()),
            slot,
        })
    }

    /// The id as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The domain code, first part of the id.
    pub fn domain(&self) -> &DomainCode {
        &self.domain
    }

    /// The subdomain code, second part of the id.
    pub fn subdomain(&self) -> &str {
        self.raw.split('-').nth(1).unwrap_or_default()
    }

    /// The topic code, third part of the id.
    pub fn topic(&self) -> &str {
        self.raw.split('-').nth(2).unwrap_or_default()
    }

    /// The slot number, after the `O`.
    pub fn slot(&self) -> u32 {
        self.slot
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
        f.write_str(&self.raw)
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
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panel_ids() {
        for good in ["OVR-SUM-CI-O1", "POL-LIM-THR-O12", "A1-B-C2-O0"] {
            assert!(PanelId::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "OVR-SUM-CI",
            "OVR-SUM-CI-1",
            "ovr-SUM-CI-O1",
            "OVR-SUM-CI-O",
            "OVR-SUM-CI-Ox",
            "OVR-SUM-CI-O1-X",
            "1VR-SUM-CI-O1",
            "OVR--CI-O1",
        ] {
            assert!(PanelId::parse(bad).is_err(), "{bad}");
        }
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
