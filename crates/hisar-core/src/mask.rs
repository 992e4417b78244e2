//! Secrets never leave (SPEC §3.6): one [`Masker`] holds every credential value a sweep
//! resolved and replaces each with `***` in what HISAR keeps and shows.
//!
//! The sweep builds one masker from everything it resolves ([`Masker::for_sweep`]): the values
//! of header templates that read a variable set in the environment (each variable's value and
//! the whole header value), the same of a token flow's secrets (a client secret, a login's
//! headers and body, a command's arguments), the password of a URL's userinfo (as written, decoded, and as the
//! `Authorization: Basic` value an HTTP client derives from it), and the values of query
//! parameters named like `key`, `token`, `secret`, `password` or `signature`. A value shorter
//! than 4 characters is not searched for.
//!
//! Where it applies: the probe masks every verdict where it is made from an observation
//! ([`Masker::mask_verdict`]), before anything stores or prints it, so text that came from the
//! backend (an error detail, an invariant's found value, a Location) is masked at the source
//! and no later layer can forget it. The classifier itself reads the answer unmasked: masking
//! is for what HISAR writes, never for what it judges (a tenant id the data holds as a number
//! must still be a number to `$.tenant_id isInteger`).
//!
//! For code that obtains secrets during a sweep (a token flow, SPEC §4.1): [`Masker::add`] each
//! value as soon as it is obtained, before any verdict of a panel that used it is masked, and
//! pass any text of your own that may quote it (a flow's failure) through [`Masker::mask`].
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

use crate::interpolate::{Env, Template};
use crate::registry::Registry;
use crate::verdict::{Evidence, Finding, Gap, Outcome, Verdict};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use base64::Engine as _;
use percent_encoding::percent_decode_str;

/// What a secret is replaced with.
pub const MASK: &str = "***";

/// What ends a quote HISAR shortened: a secret cut off just before it is masked too.
pub const ELLIPSIS: char = '…';

/// Secrets shorter than this (in characters) are not searched for: they would mask ordinary
/// words and numbers.
pub const MIN_SECRET_CHARS: usize = 4;

/// Words that make a query parameter's value a credential (`api_key`, `access_token`,
/// `client_secret`, `X-Amz-Signature`).
const SENSITIVE_NAMES: [&str; 5] = ["key", "token", "secret", "password", "signature"];

/// Every secret a sweep resolved, and the one way to hide them.
#[derive(Clone, Default)]
pub struct Masker {
    /// Longest first, so that a secret containing another is masked whole.
    secrets: Vec<String>,
    /// Built from `secrets`; `None` when there are none, or (never for a sweep's few values)
    /// when the automaton exceeds its limits, and then [`Masker::mask`] replaces one secret
    /// after another instead.
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
    /// panel's header templates and every token flow's secrets that read a set variable, the
    /// secrets of the flows' URLs, the sensitive query values of every panel, and the secrets
    /// of `urls` (the base URL, a route table's URL).
    pub fn for_sweep(registry: &Registry, env: &dyn Env, urls: &[&str]) -> Self {
        let mut masker = Self::default();
        let modes = registry.auth_modes().values().flat_map(|m| &m.headers);
        let panels = registry.panels().iter().flat_map(|p| &p.headers);
        for (_, template) in modes.chain(panels) {
            masker.add_template(template, env);
        }
        for flow in registry
            .auth_modes()
            .values()
            .filter_map(|m| m.flow.as_ref())
        {
            for template in flow.secret_templates() {
                masker.add_template(template, env);
            }
            if let Some(url) = flow.url() {
                masker.add_url(&url.resolve(env).value);
            }
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
            self.secrets
                .sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
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

    /// Adds the secrets of a URL: its userinfo password, or the user name when there is no
    /// password (`https://TOKEN@host`), as written, percent-decoded, and as the `Basic`
    /// credentials an HTTP client sends for it; and the values of query parameters named like a
    /// credential.
    pub fn add_url(&mut self, url: &str) -> &mut Self {
        let after_scheme = url.find("://").map_or(url, |i| &url[i + 3..]);
        let authority_end = after_scheme
            .find(['/', '?', '#'])
            .unwrap_or(after_scheme.len());
        let authority = &after_scheme[..authority_end];
        if let Some((userinfo, _)) = authority.rsplit_once('@') {
            let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
            // What an HTTP client sends for it: `Basic base64(user:password)`, or
            // `base64(user:)` without a password (reqwest's `basic_auth`).
            let (user, password) = match userinfo.split_once(':') {
                Some((user, password)) => {
                    self.add(password);
                    (decode(user), decode(password))
                }
                // No password: the user name is the credential (`https://TOKEN@host`).
                None => {
                    self.add(userinfo);
                    (decode(userinfo), String::new())
                }
            };
            if password.is_empty() {
                self.add(&user);
            } else {
                self.add(&password);
            }
            let basic =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
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

    /// `text` with every secret replaced by [`MASK`], and the start of a secret that a
    /// shortened quote cut off at its [`ELLIPSIS`] too (`"key s3cr…"` is `"key ***…"`): quotes
    /// of what the backend said are shortened when the verdict is made, before it is masked.
    pub fn mask<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let whole = match &self.automaton {
            Some(ac) if ac.is_match(text) => {
                let mut masked = String::with_capacity(text.len());
                ac.replace_all_with(text, &mut masked, |_, _, out| {
                    out.push_str(MASK);
                    true
                });
                Cow::Owned(masked)
            }
            Some(_) => Cow::Borrowed(text),
            None => {
                let mut text = Cow::Borrowed(text);
                for secret in &self.secrets {
                    if text.contains(secret.as_str()) {
                        text = Cow::Owned(text.replace(secret.as_str(), MASK));
                    }
                }
                text
            }
        };
        if whole.contains(ELLIPSIS) {
            self.mask_cut_secrets(whole)
        } else {
            whole
        }
    }

    /// Masks, before each [`ELLIPSIS`], the longest start of a secret (of at least
    /// [`MIN_SECRET_CHARS`] characters) that the text ends with there.
    fn mask_cut_secrets<'a>(&self, text: Cow<'a, str>) -> Cow<'a, str> {
        let mut out = String::with_capacity(text.len());
        let mut changed = false;
        let mut pieces = text.split(ELLIPSIS).peekable();
        while let Some(piece) = pieces.next() {
            let last = pieces.peek().is_none();
            let cut = if last {
                0
            } else {
                self.secrets
                    .iter()
                    .filter_map(|secret| {
                        secret
                            .char_indices()
                            .map(|(i, _)| i)
                            .skip(MIN_SECRET_CHARS)
                            .chain(std::iter::once(secret.len()))
                            .filter(|&end| piece.ends_with(&secret[..end]))
                            .max()
                    })
                    .max()
                    .unwrap_or(0)
            };
            if cut > 0 {
                changed = true;
                out.push_str(&piece[..piece.len() - cut]);
                out.push_str(MASK);
            } else {
                out.push_str(piece);
            }
            if !last {
                out.push(ELLIPSIS);
            }
        }
        if changed { Cow::Owned(out) } else { text }
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

    /// Masks every text of a verdict: the gap's detail and fix, an unverified reason, every
    /// finding and the probed URL. The patterns name every field, so a field added to a
    /// verdict does not compile until it is considered here.
    pub fn mask_verdict(&self, verdict: &mut Verdict) {
        if self.is_empty() {
            return;
        }
        let Verdict {
            outcome,
            findings,
            evidence,
        } = verdict;
        match outcome {
            Outcome::Bound => {}
            Outcome::Blocked(Gap {
                code: _,
                stage: _,
                detail,
                fix,
            }) => {
                self.mask_in_place(detail);
                if let Some(fix) = fix {
                    self.mask_in_place(fix);
                }
            }
            Outcome::Unverified { reason } => {
                self.mask_in_place(reason);
            }
        }
        for Finding {
            stage: _,
            code: _,
            message,
        } in findings
        {
            self.mask_in_place(message);
        }
        let Evidence {
            coherency: _,
            url,
            skipped: _,
            status: _,
            elapsed_ms: _,
            retries: _,
            invariants_passed: _,
            invariants_total: _,
        } = evidence;
        if let Some(url) = url {
            self.mask_in_place(url);
        }
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

    use super::*;
    use crate::verdict::{GapCode, Stage};

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
        assert_eq!(
            m.mask("probe"),
            "probe",
            "a user name beside a password is no secret"
        );
        assert!(Masker::default().add_url("http://h/x").is_empty());
    }

    /// A token as the user name (`https://TOKEN@host`): reqwest sends `Basic base64(TOKEN:)`.
    #[test]
    fn a_user_name_without_password_is_the_credential() {
        let mut m = Masker::default();
        m.add_url("https://tok%2Den-4242@api.example/v1");
        let basic = base64::engine::general_purpose::STANDARD.encode("tok-en-4242:");
        assert_eq!(
            m.mask(&format!("tok%2Den-4242 tok-en-4242 Basic {basic}")),
            "*** *** Basic ***"
        );
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

    /// A secret that contains another is masked whole, whatever order they were added in,
    /// with the automaton or without it.
    /// A quote shortened before masking may end inside a secret: the part before the
    /// ellipsis is masked, from 4 characters up; text that merely ends before one is kept.
    #[test]
    fn a_secret_cut_by_a_shortened_quote_is_masked() {
        let mut m = Masker::default();
        m.add("gateway-s3cret-44").add("tok-ΩΩ-1234");
        assert_eq!(
            m.mask("\"key gateway-s3c…\" and gateway-s3cret-44"),
            "\"key ***…\" and ***"
        );
        assert_eq!(
            m.mask("found \"tok-ΩΩ…\""),
            "found \"***…\"",
            "cut on a char boundary"
        );
        assert_eq!(m.mask("ends gate…"), "ends ***…");
        assert_eq!(
            m.mask("ends gat…"),
            "ends gat…",
            "3 characters are not searched for"
        );
        assert_eq!(m.mask("a quote that ends…"), "a quote that ends…");
        assert_eq!(
            m.mask("gateway-s3c and more"),
            "gateway-s3c and more",
            "no ellipsis: no cut"
        );
        let fallback = Masker {
            automaton: None,
            ..m.clone()
        };
        assert_eq!(fallback.mask("\"key gateway-s3c…\""), "\"key ***…\"");
    }

    #[test]
    fn the_longest_secret_wins() {
        let mut m = Masker::default();
        m.add("abcd").add("xxabcdyy");
        assert_eq!(m.mask("1 xxabcdyy 2 abcd"), "1 *** 2 ***");
        let fallback = Masker {
            automaton: None,
            ..m.clone()
        };
        assert_eq!(fallback.mask("1 xxabcdyy 2 abcd"), "1 *** 2 ***");
        assert_eq!(fallback.mask("clean"), "clean");
    }

    proptest::proptest! {
        /// Whatever surrounds them, and however secrets overlap, none is left in the text.
        #[test]
        fn no_secret_survives(
            secrets in proptest::collection::vec("[a-c]{4,8}", 1..4),
            text in "[a-c ]{0,40}",
            at in 0usize..40,
        ) {
            let mut m = Masker::default();
            for s in &secrets {
                m.add(s);
            }
            let at = text.char_indices().map(|(i, _)| i).nth(at).unwrap_or(text.len());
            let text = format!("{}{}{}", &text[..at], secrets[0], &text[at..]);
            let masked = m.mask(&text);
            for s in &secrets {
                proptest::prop_assert!(!masked.contains(s.as_str()), "{} in {}", s, masked);
            }
        }
    }

    #[test]
    fn every_text_of_a_verdict_is_masked() {
        let mut m = Masker::default();
        m.add("s3cr3t-k");
        let mut verdict = Verdict {
            outcome: Outcome::Blocked(Gap {
                code: GapCode::SdsrFailed,
                stage: Stage::Status,
                detail: "HTTP 302: redirect to /x?key=s3cr3t-k".into(),
                fix: Some("found \"s3cr3t-k\"".into()),
            }),
            findings: vec![Finding {
                stage: Stage::Contract,
                code: None,
                message: "key s3cr3t-k refused".into(),
            }],
            evidence: Evidence {
                url: Some("http://h/x?key=s3cr3t-k".into()),
                ..Evidence::default()
            },
        };
        m.mask_verdict(&mut verdict);
        let text = format!("{verdict:?}");
        assert!(!text.contains("s3cr3t"), "{text}");
        assert_eq!(verdict.evidence.url.as_deref(), Some("http://h/x?key=***"));
        let mut unverified = Verdict {
            outcome: Outcome::Unverified {
                reason: "proxy said s3cr3t-k".into(),
            },
            findings: Vec::new(),
            evidence: Evidence::default(),
        };
        m.mask_verdict(&mut unverified);
        assert_eq!(
            unverified.outcome,
            Outcome::Unverified {
                reason: "proxy said ***".into()
            }
        );
    }
}
