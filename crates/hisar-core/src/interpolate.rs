//! `${VAR}` and `${VAR:-default}` templates, resolved against an environment passed in.
//!
//! The core never reads the process environment: callers hand in an [`Env`], a map in tests
//! and the process environment at the edge.

use std::collections::BTreeMap;
use std::fmt;

use crate::error::TemplateError;

/// Where template variables come from.
pub trait Env {
    /// The value of a variable, if set.
    fn get(&self, name: &str) -> Option<String>;
}

impl Env for BTreeMap<String, String> {
    fn get(&self, name: &str) -> Option<String> {
        BTreeMap::get(self, name).cloned()
    }
}

impl<F: Fn(&str) -> Option<String>> Env for F {
    fn get(&self, name: &str) -> Option<String> {
        self(name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Var {
        name: String,
        default: Option<String>,
    },
}

/// A parsed template: literal text and variable references.
///
/// ```
/// use std::collections::BTreeMap;
/// use hisar_core::Template;
/// let t = Template::parse("Bearer ${TOKEN:-anonymous}").unwrap();
/// let env = BTreeMap::from([("TOKEN".to_owned(), "s3cret".to_owned())]);
/// assert_eq!(t.resolve(&env).value, "Bearer s3cret");
/// assert_eq!(t.resolve(&BTreeMap::new()).value, "Bearer anonymous");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    source: String,
    pieces: Vec<Piece>,
}

/// The result of resolving a template.
#[derive(Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The resolved text. It may hold a credential: never print it.
    pub value: String,
    /// Variables that were unset and had no default.
    pub missing: Vec<String>,
}

impl fmt::Debug for Resolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resolved")
            .field("value", &"***")
            .field("missing", &self.missing)
            .finish()
    }
}

impl Template {
    /// Parses a template. `$$` stands for a literal `$`.
    pub fn parse(source: &str) -> Result<Self, TemplateError> {
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut rest = source;
        while let Some(dollar) = rest.find('$') {
            text.push_str(&rest[..dollar]);
            let after = &rest[dollar + 1..];
            if let Some(tail) = after.strip_prefix('$') {
                text.push('$');
                rest = tail;
            } else if let Some(inner) = after.strip_prefix('{') {
                let close = inner.find('}').ok_or_else(|| {
                    TemplateError::Unclosed(
                        source[..source.len() - rest.len() + dollar].chars().count() + 1,
                    )
                })?;
                let body = &inner[..close];
                let (name, default) = match body.split_once(":-") {
                    Some((name, default)) => (name, Some(default.to_owned())),
                    None => (body, None),
                };
                if name.is_empty()
                    || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    || name.starts_with(|c: char| c.is_ascii_digit())
                {
                    return Err(TemplateError::BadName(name.to_owned()));
                }
                if !text.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut text)));
                }
                pieces.push(Piece::Var {
                    name: name.to_owned(),
                    default,
                });
                rest = &inner[close + 1..];
            } else {
                text.push('$');
                rest = after;
            }
        }
        text.push_str(rest);
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Ok(Self {
            source: source.to_owned(),
            pieces,
        })
    }

    /// A template of literal text only: `text` is sent as it is, `$` included.
    pub fn literal(text: &str) -> Self {
        Self {
            source: text.replace('$', "$$"),
            pieces: if text.is_empty() {
                Vec::new()
            } else {
                vec![Piece::Text(text.to_owned())]
            },
        }
    }

    /// The template as written (safe to show: it names variables, not their values).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The variables the template reads.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Var { name, .. } => Some(name.as_str()),
            Piece::Text(_) => None,
        })
    }

    /// Whether the template reads any variable.
    pub fn has_variables(&self) -> bool {
        self.variables().next().is_some()
    }

    /// Resolves the template; unset variables without a default become empty and are listed.
    pub fn resolve(&self, env: &dyn Env) -> Resolved {
        let mut value = String::new();
        let mut missing = Vec::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => value.push_str(text),
                Piece::Var { name, default } => match (env.get(name), default) {
                    (Some(v), _) => value.push_str(&v),
                    (None, Some(d)) => value.push_str(d),
                    (None, None) => missing.push(name.clone()),
                },
            }
        }
        Resolved { value, missing }
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_resolves() {
        let env = BTreeMap::from([("A".to_owned(), "1".to_owned())]);
        let t = Template::parse("x${A}y${B:-two}z$${A}$").unwrap();
        let r = t.resolve(&env);
        assert_eq!(r.value, "x1ytwoz${A}$");
        assert!(r.missing.is_empty());
        let r = Template::parse("${C}").unwrap().resolve(&env);
        assert_eq!(r.missing, ["C"]);
        assert_eq!(
            Template::parse("${A:-}")
                .unwrap()
                .resolve(&BTreeMap::new())
                .value,
            ""
        );
    }

    #[test]
    fn rejects_bad_templates() {
        assert!(Template::parse("${A").is_err());
        assert!(Template::parse("${}").is_err());
        assert!(Template::parse("${1A}").is_err());
        assert!(Template::parse("${A-B}").is_err());
    }

    #[test]
    fn debug_hides_values() {
        let env = BTreeMap::from([("T".to_owned(), "hunter2".to_owned())]);
        let r = Template::parse("${T}").unwrap().resolve(&env);
        assert!(!format!("{r:?}").contains("hunter2"));
    }
}
