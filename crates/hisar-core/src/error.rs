//! Error types of the core.

use std::fmt;

/// A malformed identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// Not a domain code.
    #[error("invalid domain code `{0}`: expected upper-case letters and digits, such as `OVR`")]
    DomainCode(String),
    /// Not a panel id.
    #[error(
        "invalid panel id `{0}`: expected a declared domain code, `-`, then letters, digits, `-`, `_` or `.` (such as `OVR-SUM-CI-O1`), or a free-form id with `domain:` naming the panel's domain"
    )]
    PanelId(String),
    /// A free-form panel id that is empty, too long, or has control characters or surrounding
    /// spaces.
    #[error(
        "invalid panel id `{0}`: a free-form id is 1 to 128 characters, without control characters or surrounding spaces"
    )]
    FreePanelId(String),
    /// Not a capability id.
    #[error(
        "invalid capability id `{0}`: expected dot-separated lower-case words, such as `overview.cost_summary`"
    )]
    Capability(String),
}

/// A malformed endpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointError {
    /// Unknown HTTP method.
    #[error("unknown HTTP method `{0}`")]
    Method(String),
    /// Path without a leading slash.
    #[error("path `{0}` must start with `/`")]
    NoLeadingSlash(String),
    /// Path with a query string or fragment.
    #[error("path `{0}` carries a query string; put query parameters under `params:`")]
    QueryInPath(String),
    /// Path with white space.
    #[error("path `{0}` contains white space")]
    Whitespace(String),
    /// Path with an empty segment.
    #[error("path `{0}` has an empty segment (`//`)")]
    EmptySegment(String),
    /// Path with a malformed parameter.
    #[error("path `{0}` has a malformed parameter in segment `{1}`")]
    BadParameter(String, String),
    /// Path with a `.` or `..` segment, which every client removes before sending.
    #[error("path `{0}` has a dot-segment `{1}`, which HTTP clients remove before sending")]
    DotSegment(String, String),
}

/// A malformed `${VAR}` template.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// `${` without `}`.
    #[error("unclosed `${{` at character {0}")]
    Unclosed(usize),
    /// Bad variable name.
    #[error("invalid variable name `{0}`: use letters, digits and `_`, not starting with a digit")]
    BadName(String),
}

/// An invariant that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid invariant at column {column}: {message}")]
pub struct InvariantError {
    /// 1-based character column within the invariant text.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// A route table that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RouteTableError {
    /// Neither JSON nor YAML.
    #[error("route table is neither JSON nor YAML: {0}")]
    Syntax(String),
    /// Parsed, but not a known shape.
    #[error(
        "route table is neither an OpenAPI 3 document (with `paths`), a {{path: [methods]}} map nor an endpoint list (with `endpoints`): {0}"
    )]
    Shape(String),
}

/// One problem found while loading a registry, with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line, 0 when unknown.
    pub line: usize,
    /// 1-based column, 0 when unknown.
    pub column: usize,
    /// The panel the problem belongs to, if any.
    pub panel: Option<String>,
    /// What is wrong, as a lower-case sentence fragment.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.line, self.column)?;
        if let Some(panel) = &self.panel {
            write!(f, "panel {panel}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Every problem found while loading a registry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RegistryError {
    /// The name of the source (a file name) used when displaying positions.
    pub origin: String,
    /// The problems, in document order.
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.diagnostics.len();
        writeln!(
            f,
            "{} has {n} problem{}:",
            self.origin,
            if n == 1 { "" } else { "s" }
        )?;
        for d in &self.diagnostics {
            writeln!(f, "  {}:{d}", self.origin)?;
        }
        Ok(())
    }
}

/// A duration that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DurationError {
    /// Nothing was given.
    #[error("empty duration")]
    Empty,
    /// Not numbers followed by units.
    #[error("invalid duration `{0}`: expected such as 500ms, 0.5s, 10s, 2m, 1h or 7d")]
    Syntax(String),
    /// A number too large.
    #[error("invalid duration `{0}`: number too large")]
    TooLarge(String),
    /// An unknown unit.
    #[error("invalid duration `{0}`: unknown unit `{1}` (use ms, s, m, h or d)")]
    Unit(String, String),
    /// Zero where only a positive duration makes sense (a timeout, a period, a deadline).
    #[error("invalid duration `{0}`: must be longer than zero")]
    Zero(String),
}

/// A path parameter without a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no value for path parameter `{0}`")]
pub struct MissingPathParam(pub String);
