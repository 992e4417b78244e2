//! Where a route table comes from, and loading it: a file beside the registry, or a URL fetched
//! before each sweep (the backend under test often serves its own OpenAPI document).

use std::path::{Path, PathBuf};

use hisar_core::{Env, Registry, RouteTable};

use crate::bounded::read_text_file;
use crate::error::FetchError;
use crate::http::HttpProbe;

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
    /// relative to `base_dir`.
    pub fn parse(text: &str, base_dir: &Path) -> Self {
        if text.starts_with("http://") || text.starts_with("https://") {
            RouteSource::Url(text.to_owned())
        } else {
            RouteSource::File(base_dir.join(text))
        }
    }

    /// The route source a registry names (`backend.routes`), resolved against `env`; a file is
    /// relative to `registry_dir`.
    pub fn from_registry(registry: &Registry, registry_dir: &Path, env: &dyn Env) -> Option<Self> {
        let template = registry.backend().routes.as_ref()?;
        Some(Self::parse(&template.resolve(env).value, registry_dir))
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
    Fetch(String, FetchError),
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
        RouteSource::File(path) => read_text_file(path, http.options().max_document)
            .map_err(|e| RouteLoadError::Read(path.display().to_string(), e.to_string()))?,
        RouteSource::Url(url) => http
            .get_text(url)
            .await
            .map_err(|e| RouteLoadError::Fetch(url.clone(), e))?,
    };
    RouteTable::parse(&text).map_err(|e| RouteLoadError::Parse(source.to_string(), e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

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
