//! The network settings a sweep takes from curl's flags: headers added to every probe (`-H`),
//! the CA bundle that replaces the system's (`--cacert`), no certificate check (`-k`), a client
//! certificate (`--cert`, `--key`), a proxy (`--proxy`) and the hosts that bypass it
//! (`--noproxy`). Token flows go through the same client, so a corporate proxy or CA applies
//! to the identity provider too.

use std::fmt;

use crate::error::ProbeError;
use crate::probe::Secret;

/// A client certificate and its private key, PEM. `Debug` never shows the key.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientIdentity {
    pem: Vec<u8>,
}

impl ClientIdentity {
    /// The certificate chain and the key, PEM, one after the other.
    pub(crate) fn pem(&self) -> &[u8] {
        &self.pem
    }

    /// The certificate (chain) and the private key, each PEM, as `--cert` and `--key` name them
    /// (one file may hold both).
    pub fn from_pem(cert: &[u8], key: &[u8]) -> Self {
        let mut pem = cert.to_vec();
        if !pem.ends_with(b"\n") {
            pem.push(b'\n');
        }
        if key != cert {
            pem.extend_from_slice(key);
        }
        Self { pem }
    }
}

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientIdentity(***)")
    }
}

/// Network settings of the HTTP client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Network {
    /// Headers added to every probe (`-H "Name: value"`), replacing any of the same name that
    /// the registry sets. Their values are credentials: masked wherever HISAR writes.
    pub headers: Vec<(String, Secret)>,
    /// A PEM bundle of CA certificates that replaces the system roots (`--cacert`, as curl):
    /// with it, the system store is never read.
    pub ca_pem: Option<Vec<u8>>,
    /// Accept any server certificate (`-k`, `--insecure`).
    pub insecure: bool,
    /// A client certificate for servers that ask for one (`--cert`, `--key`).
    pub identity: Option<ClientIdentity>,
    /// Every request goes through this proxy (`--proxy URL`); without it, the `HTTPS_PROXY`,
    /// `HTTP_PROXY` and `ALL_PROXY` variables apply, as for curl.
    pub proxy: Option<String>,
    /// Hosts reached directly, comma-separated (`--noproxy`; `*` for all), as curl reads it;
    /// it replaces `NO_PROXY`.
    pub no_proxy: Option<String>,
}

/// Parses `-H "Name: value"` as curl writes it.
///
/// ```
/// let (name, value) = hisar_probe::parse_header("X-Gateway-Key: k-123").unwrap();
/// assert_eq!((name.as_str(), value.expose()), ("X-Gateway-Key", "k-123"));
/// assert!(hisar_probe::parse_header("no colon").is_err());
/// ```
pub fn parse_header(text: &str) -> Result<(String, Secret), String> {
    let Some((name, value)) = text.split_once(':') else {
        return Err("a header is written `Name: value`".to_owned());
    };
    let name = name.trim();
    if name.is_empty() || reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
        return Err(format!("`{name}` is not a header name"));
    }
    let value = value.trim();
    if reqwest::header::HeaderValue::from_str(value).is_err() {
        return Err(format!("the value of `{name}` is not valid in HTTP"));
    }
    Ok((name.to_owned(), Secret::new(value)))
}

/// The proxy the environment names for `scheme`, as curl reads it.
fn env_proxy(scheme: &str) -> Option<String> {
    let names: &[&str] = if scheme == "https" {
        &["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]
    } else {
        &["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"]
    };
    names
        .iter()
        .find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
}

impl Network {
    /// Adds the credentials these settings send to `masker` (SPEC §3.6): every `-H` value (and
    /// the credentials after an `Authorization` header's scheme), and the password of the proxy's URL (`--proxy`, else the environment's proxies, which
    /// the client reads too).
    pub fn add_secrets(&self, masker: &mut hisar_core::Masker) {
        for (name, value) in &self.headers {
            masker.add(value.expose());
            // `Authorization: Bearer TOKEN`: the token alone too, as a backend may echo it.
            if name.to_ascii_lowercase().ends_with("authorization")
                && let Some((_, credentials)) = value.expose().split_once(' ')
            {
                masker.add(credentials.trim());
            }
        }
        let proxies = self
            .proxy
            .clone()
            .into_iter()
            .chain(env_proxy("http"))
            .chain(env_proxy("https"));
        for url in proxies {
            masker.add_url(&url);
        }
    }

    /// Applies the proxy settings to a client being built (TLS is `tls.rs`'s).
    pub(crate) fn apply_proxy(
        &self,
        mut builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, ProbeError> {
        let no_proxy = self.no_proxy.as_deref().map(str::trim);
        if no_proxy == Some("*") {
            return Ok(builder.no_proxy());
        }
        let with_exceptions = |proxy: reqwest::Proxy| match no_proxy {
            Some(list) => proxy.no_proxy(reqwest::NoProxy::from_string(list)),
            None => proxy,
        };
        let invalid = |url: &str, e: reqwest::Error| {
            ProbeError::Client(format!(
                "invalid proxy `{}`: {}",
                hide_userinfo(url),
                crate::http::describe(&e)
            ))
        };
        match (&self.proxy, no_proxy) {
            (Some(url), _) => {
                let proxy = reqwest::Proxy::all(url).map_err(|e| invalid(url, e))?;
                builder = builder.proxy(with_exceptions(proxy));
            }
            // `--noproxy` without `--proxy` narrows the environment's proxies.
            (None, Some(_)) => {
                builder = builder.no_proxy();
                if let Some(url) = env_proxy("http") {
                    let proxy = reqwest::Proxy::http(&url).map_err(|e| invalid(&url, e))?;
                    builder = builder.proxy(with_exceptions(proxy));
                }
                if let Some(url) = env_proxy("https") {
                    let proxy = reqwest::Proxy::https(&url).map_err(|e| invalid(&url, e))?;
                    builder = builder.proxy(with_exceptions(proxy));
                }
            }
            (None, None) => {}
        }
        Ok(builder)
    }
}

/// A URL without the password of its user info, for messages.
fn hide_userinfo(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            parsed.to_string()
        }
        // Not a URL: showing it could show a password the parser could not find.
        Err(e) => format!("(not a URL: {e})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_as_curl_writes_them() {
        let (n, v) = parse_header("  Authorization :  Bearer abc ").unwrap();
        assert_eq!((n.as_str(), v.expose()), ("Authorization", "Bearer abc"));
        let (n, v) = parse_header("X-Empty:").unwrap();
        assert_eq!((n.as_str(), v.expose()), ("X-Empty", ""));
        assert!(parse_header(": v").is_err());
        assert!(parse_header("Bad Name: v").is_err());
        assert!(parse_header("X: a\nb").is_err());
    }

    #[test]
    fn a_bad_proxy_is_named_without_its_password() {
        let bad_proxy = Network {
            proxy: Some("http://user:hunter22@[::1".to_owned()),
            ..Network::default()
        };
        let err = bad_proxy
            .apply_proxy(reqwest::Client::builder())
            .unwrap_err();
        assert!(!err.to_string().contains("hunter22"), "{err}");
        let identity = ClientIdentity::from_pem(b"-----BEGIN CERTIFICATE-----", b"KEY");
        assert_eq!(format!("{identity:?}"), "ClientIdentity(***)");
    }
}
