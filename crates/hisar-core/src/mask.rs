//! Secrets never leave (SPEC §3.6): one [`Masker`] holds every credential value a sweep
//! resolved and replaces each with `***` in text, JSON and observations.
//!
//! The sweep builds one masker from everything it resolves ([`Masker::for_sweep`]): the values
//! of header templates that read a variable set in the environment (each variable's value and
//! the whole header value), the password of a URL's userinfo (as written, decoded, and as the
//! `Authorization: Basic` value an HTTP client derives from it), and the values of query
//! parameters named like `key`, `token`, `secret`, `password` or `signature`. A token flow adds
//! what it obtains with [`Masker::add`]. The probe applies it to every observation before
//! anything classifies or stores it ([`Masker::mask_observation`]), so text that came from the
//! backend (an error detail, an invariant's found value, a Location) is masked at the source
//! and no later layer can forget it. A value shorter than 4 characters is not searched for.
//!
//! ```
//! use hisar_core::Masker;
//! let mut masker = Masker::default();
//! masker.add("s3cr3t-token");
//! masker.add_url("https://probe:hunter22@api.example/v1?api_key=k-123456&page=2");
//! assert_eq!(masker.mask("detail: bad token s3cr3t-token"), "detail: bad token ***");
//! assert_eq!(
//!     masker.mask("https://probe:hunter22@api.example/v1?api_key=k-123456&page=2"),
//!     "https://probe:***@api.example/v1?api_key=***&page=2"
//! );
//! masker.add("abc");
//! assert_eq!(masker.mask("abc"), "abc", "shorter than 4 characters: not searched for");
//! ```

use std::borrow::Cow;
use std::fmt;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use base64::Engine as _;
use percent_encoding::percent_decode_str;
use serde_json::Value;

use crate::interpolate::{Env, Template};
use crate::observation::{Body, Observation, Transport};
use crate::registry::Registry;

/// What a secret is replaced with.
pub const MASK: &str = "***";

/// Secrets shorter than this (in characters) are not searched for: they would mask ordinary
/// words and numbers.
pub const MIN_SECRET_CHARS: usize = 4;

/// Words that make a query parameter's value a credential (`api_key`, `access_token`,
/// `client_secret`, `X-Amz-Signature`).
const SENSITIVE_NAMES: [&str; 5] = ["key", "token", "secret", "password", "signature"];

/// Every secret a sweep resolved, and the one way to hide them.
#[derive(Clone, Default)]
pub struct Masker {
    secrets: Vec<String>,
    automaton: Option<AhoCorasick>,
}

impl fmt::Debug for Masker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Masker")
            .field("secrets", &self.secrets.len())
            .finish_non_exhaustive()
    }
}

impl Masker {
    /// The masker of a sweep of `registry`: the resolved values of every auth mode's and
    /// panel's header templates that read a set variable, the sensitive query values of every
    /// panel, and the secrets of `urls` (the base URL, a route table's URL).
    pub fn for_sweep(registry: &Registry, env: &dyn Env, urls: &[&str]) -> Self {
        let mut masker = Self::default();
        let modes = registry.auth_modes().values().flat_map(|m| &m.headers);
        let panels = registry.panels().iter().flat_map(|p| &p.headers);
        for (_, template) in modes.chain(panels) {
            masker.add_template(template, env);
        }
        for panel in registry.panels() {
            for (name, value) in &panel.params {
                if is_sensitive_name(name) {
                    masker.add(value);
                }
            }
        }
        for url in urls {
            masker.add_url(url);
        }
        masker
    }

    /// Adds a secret (a token obtained by a flow, say). Values shorter than
    /// [`MIN_SECRET_CHARS`] are ignored.
    pub fn add(&mut self, secret: &str) -> &mut Self {
        if secret.chars().count() >= MIN_SECRET_CHARS && !self.secrets.iter().any(|s| s == secret) {
            self.secrets.push(secret.to_owned());
            self.automaton = AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&self.secrets)
                .ok();
        }
        self
    }

    /// Adds what a template resolves to when it reads a variable that is set: the variable's
    /// value and the whole resolved text. A template of literal text and defaults is the
    /// registry's own text, not a secret.
    pub fn add_template(&mut self, template: &Template, env: &dyn Env) -> &mut Self {
        let mut any_set = false;
        for name in template.variables() {
            if let Some(value) = env.get(name) {
                any_set = true;
                self.add(&value);
            }
        }
        if any_set {
            self.add(&template.resolve(env).value);
        }
        self
    }

    /// Adds the secrets of a URL: its userinfo password (as written, percent-decoded, and the
    /// `Basic` credentials an HTTP client sends for it) and the values of query parameters
    /// named like a credential.
    pub fn add_url(&mut self, url: &str) -> &mut Self {
        let after_scheme = url.find("://").map_or(url, |i| &url[i + 3..]);
        let authority_end = after_scheme
            .find(['/', '?', '#'])
            .unwrap_or(after_scheme.len());
        let authority = &after_scheme[..authority_end];
        if let Some((userinfo, _)) = authority.rsplit_once('@') {
            // A userinfo without a password is a token in the user name (`https://TOKEN@host`).
            let (user, password) = userinfo.split_once(':').unwrap_or(("", userinfo));
            let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
            let (user, plain) = (decode(user), decode(password));
            self.add(password);
            self.add(&plain);
            let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{plain}"));
            self.add(&basic);
        }
        if let Some(query) = url.split_once('?').map(|(_, q)| q) {
            let query = query.split('#').next().unwrap_or_default();
            for pair in query.split('&') {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                let name = percent_decode_str(name).decode_utf8_lossy();
                if is_sensitive_name(&name) {
                    self.add(value);
                    self.add(&percent_decode_str(value).decode_utf8_lossy());
                }
            }
        }
        self
    }

    /// Whether no secret is held.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// Whether `text` holds a secret.
    pub fn finds(&self, text: &str) -> bool {
        self.automaton.as_ref().is_some_and(|ac| ac.is_match(text))
    }

    /// `text` with every secret replaced by [`MASK`].
    pub fn mask<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match &self.automaton {
            Some(ac) if ac.is_match(text) => {
                Cow::Owned(ac.replace_all(text, &vec![MASK; self.secrets.len()]))
            }
            _ => Cow::Borrowed(text),
        }
    }

    /// Masks a string in place; returns whether it changed.
    pub fn mask_in_place(&self, text: &mut String) -> bool {
        match self.mask(text) {
            Cow::Owned(masked) => {
                *text = masked;
                true
            }
            Cow::Borrowed(_) => false,
        }
    }

    /// Masks every string, member name and number of a JSON value that holds a secret (a
    /// number that does becomes the string `***`); returns whether anything changed.
    pub fn mask_json(&self, value: &mut Value) -> bool {
        if self.is_empty() {
            return false;
        }
        match value {
            Value::String(s) => self.mask_in_place(s),
            Value::Number(n) => {
                if self.finds(&n.to_string()) {
                    *value = Value::String(MASK.to_owned());
                    true
                } else {
                    false
                }
            }
            Value::Array(items) => items
                .iter_mut()
                .fold(false, |changed, v| self.mask_json(v) | changed),
            Value::Object(map) => {
                let mut changed = false;
                if map.keys().any(|k| self.finds(k)) {
                    let entries = std::mem::take(map);
                    for (k, v) in entries {
                        map.insert(self.mask(&k).into_owned(), v);
                    }
                    changed = true;
                }
                map.values_mut()
                    .fold(changed, |changed, v| self.mask_json(v) | changed)
            }
            Value::Null | Value::Bool(_) => false,
        }
    }

    /// Masks an observation where it is made, before anything classifies or stores it: the
    /// probed URL, every header value (a `Location` that echoes a token), the body (as JSON
    /// when it parses, so escaped forms are found too, else as text) and a transport error.
    pub fn mask_observation(&self, observation: &mut Observation) {
        if self.is_empty() {
            return;
        }
        if let Some(url) = &mut observation.url {
            self.mask_in_place(url);
        }
        match &mut observation.transport {
            Transport::Failed(failure) => {
                self.mask_in_place(&mut failure.message);
            }
            Transport::Answered(response) => {
                for (_, value) in &mut response.headers {
                    self.mask_in_place(value);
                }
                if let Some(body) = self.mask_body(&response.body) {
                    response.body = body;
                }
            }
        }
    }

    /// The body with its secrets masked, or `None` when it holds none.
    fn mask_body(&self, body: &Body) -> Option<Body> {
        if let Ok(value) = body.json() {
            let mut value = value.clone();
            return self.mask_json(&mut value).then(|| Body::from_json(value));
        }
        let ac = self.automaton.as_ref()?;
        if !ac.is_match(body.bytes()) {
            return None;
        }
        let masked = ac.replace_all_bytes(body.bytes(), &vec![MASK.as_bytes(); self.secrets.len()]);
        Some(match body.truncated_at() {
            Some(cap) => Body::truncated(masked, cap),
            None => Body::new(masked),
        })
    }
}

/// Whether a query parameter's name marks its value as a credential.
pub fn is_sensitive_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SENSITIVE_NAMES.iter().any(|w| lower.contains(w))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;
    use crate::observation::Response;

    #[test]
    fn urls_give_their_password_basic_credentials_and_sensitive_query_values() {
        let mut m = Masker::default();
        m.add_url("http://probe:p%40ss-word@h:1/x?access_token=tok-98765&X-Amz-Signature=abcd1234&page=12345");
        for secret in ["p%40ss-word", "p@ss-word", "tok-98765", "abcd1234"] {
            assert_eq!(m.mask(&format!("<{secret}>")), "<***>", "{secret}");
        }
        let basic = base64::engine::general_purpose::STANDARD.encode("probe:p@ss-word");
        assert_eq!(m.mask(&format!("Basic {basic}")), "Basic ***");
        assert_eq!(m.mask("page=12345"), "page=12345", "not a credential name");
        assert!(!Masker::default().add_url("http://h/x").finds("h"));
    }

    #[test]
    fn templates_mask_what_the_environment_gave_not_the_registry_text() {
        let env = BTreeMap::from([("TOKEN".to_owned(), "tok-123456".to_owned())]);
        let mut m = Masker::default();
        m.add_template(&Template::parse("Bearer ${TOKEN}").unwrap(), &env);
        m.add_template(&Template::parse("${TENANT:-demo-tenant}").unwrap(), &env);
        assert_eq!(m.mask("Bearer tok-123456"), "***");
        assert_eq!(m.mask("token tok-123456 used"), "token *** used");
        assert_eq!(m.mask("demo-tenant"), "demo-tenant");
    }

    #[test]
    fn json_strings_keys_and_numbers_are_masked() {
        let mut m = Masker::default();
        m.add("s3cr3t").add("987654321");
        let mut v =
            json!({"detail": "bad key s3cr3t", "s3cr3t": 1, "n": 987_654_321, "ok": [1, "x"]});
        assert!(m.mask_json(&mut v));
        assert_eq!(
            v,
            json!({"detail": "bad key ***", "***": 1, "n": "***", "ok": [1, "x"]})
        );
        let mut clean = json!({"a": "b"});
        assert!(!m.mask_json(&mut clean));
    }

    #[test]
    fn observations_are_masked_everywhere_they_carry_text() {
        let mut m = Masker::default();
        m.add("s3cr3t-k");
        // An escaped form in JSON is found once parsed.
        let mut obs = Observation::answered(
            Response::raw(
                401,
                Some("application/json"),
                r#"{"detail":"key s3cr\u0033t-k refused"}"#,
            )
            .with_header("location", "/login?next=/x&key=s3cr3t-k"),
        );
        obs.url = Some("http://h/x?key=s3cr3t-k".into());
        m.mask_observation(&mut obs);
        let response = obs.response().unwrap();
        assert_eq!(
            response.body.json().unwrap(),
            &json!({"detail": "key *** refused"})
        );
        assert_eq!(response.location(), Some("/login?next=/x&key=***"));
        assert_eq!(obs.url.as_deref(), Some("http://h/x?key=***"));
        let mut text =
            Observation::answered(Response::raw(500, Some("text/plain"), "no s3cr3t-k here"));
        m.mask_observation(&mut text);
        assert_eq!(text.response().unwrap().body.bytes(), b"no *** here");
        let mut failed = Observation::failed(crate::TransportErrorKind::Other, "proxy s3cr3t-k");
        m.mask_observation(&mut failed);
        assert!(matches!(failed.transport, Transport::Failed(f) if f.message == "proxy ***"));
    }
}
