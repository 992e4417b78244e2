//! Token flows of an auth mode (SPEC §4.1): OAuth2 client credentials, a login request, or a
//! command. Pure data: every value is a `${VAR}` template resolved at the edge (`hisar-probe`
//! runs the flows), and the JSONPath that picks a login's token is compiled when the registry
//! loads so a bad one is a registry error with its position.

use std::time::Duration;

use serde_json::Value;

use crate::interpolate::{Env, Template};
use crate::invariant::PathQuery;
use crate::model::Method;

/// How a mode obtains the token it sends as `Authorization: Bearer` (a login's cookie is sent
/// back as a cookie).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenFlow {
    /// OAuth2 client credentials (RFC 6749 §4.4).
    OAuth2(OAuth2Flow),
    /// A request whose answer yields a token or a cookie.
    Login(LoginFlow),
    /// A command whose standard output, trimmed, is the token.
    Command(CommandFlow),
}

impl TokenFlow {
    /// The flow's name as the registry spells it: `oauth2`, `login`, `command`.
    pub fn kind(&self) -> &'static str {
        match self {
            TokenFlow::OAuth2(_) => "oauth2",
            TokenFlow::Login(_) => "login",
            TokenFlow::Command(_) => "command",
        }
    }

    /// The time the flow may take, when the registry sets one.
    pub fn timeout(&self) -> Option<Duration> {
        match self {
            TokenFlow::OAuth2(f) => f.timeout,
            TokenFlow::Login(f) => f.timeout,
            TokenFlow::Command(f) => f.timeout,
        }
    }

    /// Every template of the flow: its credentials ([`Self::secret_templates`]) and the rest,
    /// in the order the flow reads them.
    pub fn templates(&self) -> Vec<&Template> {
        match self {
            TokenFlow::OAuth2(f) => [&f.token_url, &f.client_id, &f.client_secret]
                .into_iter()
                .chain(f.scope.iter().chain(f.audience.iter()))
                .collect(),
            TokenFlow::Login(f) => std::iter::once(&f.target)
                .chain(self.secret_templates())
                .collect(),
            TokenFlow::Command(_) => self.secret_templates(),
        }
    }

    /// The templates whose values are credentials: a client secret, a login's headers and
    /// body, a command's arguments. (A token URL, a client id, a scope and an audience are
    /// not; a URL's password and credential-named query values are found by
    /// [`TokenFlow::url`].)
    pub fn secret_templates(&self) -> Vec<&Template> {
        let mut out: Vec<&Template> = Vec::new();
        match self {
            TokenFlow::OAuth2(f) => out.push(&f.client_secret),
            TokenFlow::Login(f) => {
                out.extend(f.headers.iter().map(|(_, t)| t));
                match &f.body {
                    Some(LoginBody::Json(json)) => json.templates(&mut out),
                    Some(LoginBody::Form(fields)) => out.extend(fields.iter().map(|(_, t)| t)),
                    None => {}
                }
            }
            TokenFlow::Command(f) => out.extend(&f.argv),
        }
        out
    }

    /// The URL the flow sends its request to (`token_url`, a login's `request`), when it has
    /// one.
    pub fn url(&self) -> Option<&Template> {
        match self {
            TokenFlow::OAuth2(f) => Some(&f.token_url),
            TokenFlow::Login(f) => Some(&f.target),
            TokenFlow::Command(_) => None,
        }
    }

    /// Every variable the flow reads.
    pub fn variables(&self) -> Vec<&str> {
        let mut vars: Vec<&str> = self
            .templates()
            .into_iter()
            .flat_map(Template::variables)
            .collect();
        vars.sort_unstable();
        vars.dedup();
        vars
    }

    /// The variables the flow reads that `env` lacks and that have no default: with any of
    /// them unset, the flow is not run (SPEC §3.5).
    pub fn missing(&self, env: &dyn Env) -> Vec<String> {
        let mut missing: Vec<String> = self
            .templates()
            .into_iter()
            .flat_map(|t| t.resolve(env).missing)
            .collect();
        missing.sort_unstable();
        missing.dedup();
        missing
    }
}

/// How an OAuth2 client authenticates to the token endpoint (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientAuth {
    /// HTTP Basic with the form-encoded client id and secret (the default; every server must
    /// support it).
    #[default]
    Basic,
    /// `client_id` and `client_secret` in the form body.
    Body,
}

/// OAuth2 client credentials: a form-encoded `POST` to the token endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuth2Flow {
    /// The token endpoint, an absolute `http(s)` URL.
    pub token_url: Template,
    /// The client id.
    pub client_id: Template,
    /// The client secret.
    pub client_secret: Template,
    /// The `scope` parameter, when given.
    pub scope: Option<Template>,
    /// The `audience` parameter (Auth0, Okta and others), when given.
    pub audience: Option<Template>,
    /// Basic or body client authentication.
    pub client_auth: ClientAuth,
    /// Time allowed for the token request.
    pub timeout: Option<Duration>,
}

/// A login request: relative to the base URL or a full URL, with a JSON or form body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginFlow {
    /// The method (`POST` unless the registry says otherwise).
    pub method: Method,
    /// A path relative to the base URL (`/auth/login`) or a full URL.
    pub target: Template,
    /// Headers sent with the login request.
    pub headers: Vec<(String, Template)>,
    /// The body, when there is one.
    pub body: Option<LoginBody>,
    /// Where the token is in the answer.
    pub token: TokenSource,
    /// Time allowed for the login request.
    pub timeout: Option<Duration>,
}

/// The body of a login request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginBody {
    /// A JSON document whose strings are templates.
    Json(JsonTemplate),
    /// Form fields (`application/x-www-form-urlencoded`).
    Form(Vec<(String, Template)>),
}

/// Where a login's answer carries the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// A JSONPath into the JSON answer.
    Json(TokenPath),
    /// A cookie the answer sets, by name; it is sent back as that cookie.
    Cookie(String),
}

/// A command run without a shell; its standard output, trimmed, is the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandFlow {
    /// The program and its arguments.
    pub argv: Vec<Template>,
    /// Deadline for the command.
    pub timeout: Option<Duration>,
}

/// A compiled JSONPath that selects a token in a JSON answer.
#[derive(Debug, Clone)]
pub struct TokenPath {
    source: String,
    path: PathQuery,
}

impl PartialEq for TokenPath {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for TokenPath {}

impl TokenPath {
    /// Parses an RFC 9535 JSONPath starting with `$`.
    ///
    /// ```
    /// use hisar_core::TokenPath;
    /// let path = TokenPath::parse("$.data.access_token").unwrap();
    /// let answer = serde_json::json!({"data": {"access_token": "t-123"}});
    /// assert_eq!(path.select(&answer), Ok("t-123".to_owned()));
    /// assert!(TokenPath::parse("data.token").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Self, String> {
        if !text.starts_with('$') {
            return Err(format!(
                "`{text}` is not a JSONPath: it must start with `$`"
            ));
        }
        let path = PathQuery::parse(text).map_err(|(_, e)| format!("`{text}`: {e}"))?;
        Ok(Self {
            source: text.to_owned(),
            path,
        })
    }

    /// The path as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The token the path selects: one non-empty string (a number is taken as its digits).
    /// The error says what was found instead, never the value itself.
    pub fn select(&self, answer: &Value) -> Result<String, String> {
        let nodes: Vec<&Value> = self
            .path
            .select(answer)
            .into_iter()
            .map(|n| n.value)
            .collect();
        match nodes.as_slice() {
            [] => Err(format!("{} selects nothing in the answer", self.source)),
            [Value::String(s)] if !s.trim().is_empty() => Ok(s.trim().to_owned()),
            [Value::String(_)] => Err(format!("{} selects an empty string", self.source)),
            [Value::Number(n)] => Ok(n.to_string()),
            [other] => Err(format!(
                "{} selects {}, not a string",
                self.source,
                json_kind(other)
            )),
            many => Err(format!(
                "{} selects {} values, not one",
                self.source,
                many.len()
            )),
        }
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A JSON document whose strings are `${VAR}` templates, resolved at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonTemplate {
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number.
    Number(serde_json::Number),
    /// A string template.
    String(Template),
    /// An array.
    Array(Vec<JsonTemplate>),
    /// An object, members in declaration order.
    Object(Vec<(String, JsonTemplate)>),
}

impl JsonTemplate {
    /// Every string template in the document.
    pub fn templates<'a>(&'a self, out: &mut Vec<&'a Template>) {
        match self {
            JsonTemplate::String(t) => out.push(t),
            JsonTemplate::Array(items) => items.iter().for_each(|i| i.templates(out)),
            JsonTemplate::Object(members) => members.iter().for_each(|(_, v)| v.templates(out)),
            JsonTemplate::Null | JsonTemplate::Bool(_) | JsonTemplate::Number(_) => {}
        }
    }

    /// The document with every template resolved against `env`, and the variables that were
    /// unset without a default.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use hisar_core::{JsonTemplate, Template};
    /// let body = JsonTemplate::Object(vec![
    ///     ("user".into(), JsonTemplate::String(Template::parse("${USER_NAME}").unwrap())),
    ///     ("remember".into(), JsonTemplate::Bool(true)),
    /// ]);
    /// let env = BTreeMap::from([("USER_NAME".to_owned(), "probe".to_owned())]);
    /// let (value, missing) = body.resolve(&env);
    /// assert_eq!(value, serde_json::json!({"user": "probe", "remember": true}));
    /// assert!(missing.is_empty());
    /// ```
    pub fn resolve(&self, env: &dyn Env) -> (Value, Vec<String>) {
        let mut missing = Vec::new();
        let value = self.resolve_into(env, &mut missing);
        (value, missing)
    }

    fn resolve_into(&self, env: &dyn Env, missing: &mut Vec<String>) -> Value {
        match self {
            JsonTemplate::Null => Value::Null,
            JsonTemplate::Bool(b) => Value::Bool(*b),
            JsonTemplate::Number(n) => Value::Number(n.clone()),
            JsonTemplate::String(t) => {
                let resolved = t.resolve(env);
                missing.extend(resolved.missing);
                Value::String(resolved.value)
            }
            JsonTemplate::Array(items) => {
                Value::Array(items.iter().map(|i| i.resolve_into(env, missing)).collect())
            }
            JsonTemplate::Object(members) => Value::Object(
                members
                    .iter()
                    .map(|(k, v)| (k.clone(), v.resolve_into(env, missing)))
                    .collect(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_paths_select_one_string() {
        let path = TokenPath::parse("$.token").unwrap();
        assert_eq!(
            path.select(&serde_json::json!({"token": " t-1 "})),
            Ok("t-1".into())
        );
        assert_eq!(
            path.select(&serde_json::json!({"token": 12345})),
            Ok("12345".into())
        );
        let err = path
            .select(&serde_json::json!({"token": {"v": "secret-value"}}))
            .unwrap_err();
        assert_eq!(err, "$.token selects an object, not a string");
        assert!(!err.contains("secret-value"));
        assert_eq!(
            path.select(&serde_json::json!({"other": 1})).unwrap_err(),
            "$.token selects nothing in the answer"
        );
        assert_eq!(
            path.select(&serde_json::json!({"token": ""})).unwrap_err(),
            "$.token selects an empty string"
        );
        let many = TokenPath::parse("$.t[*]").unwrap();
        assert_eq!(
            many.select(&serde_json::json!({"t": ["a", "b"]}))
                .unwrap_err(),
            "$.t[*] selects 2 values, not one"
        );
        assert!(TokenPath::parse("$..[").is_err());
    }

    #[test]
    fn flow_variables_cover_every_template() {
        let t = |s: &str| Template::parse(s).unwrap();
        let flow = TokenFlow::Login(LoginFlow {
            method: Method::Post,
            target: t("${AUTH_URL:-/login}"),
            headers: vec![("X-App".into(), t("${APP}"))],
            body: Some(LoginBody::Json(JsonTemplate::Object(vec![(
                "creds".into(),
                JsonTemplate::Array(vec![JsonTemplate::String(t("${USER}:${PASS}"))]),
            )]))),
            token: TokenSource::Cookie("session".into()),
            timeout: None,
        });
        assert_eq!(flow.variables(), ["APP", "AUTH_URL", "PASS", "USER"]);
        let env = std::collections::BTreeMap::from([("USER".to_owned(), "u".to_owned())]);
        assert_eq!(
            flow.missing(&env),
            ["APP", "PASS"],
            "AUTH_URL has a default"
        );
        assert_eq!(flow.kind(), "login");
        let flow = TokenFlow::OAuth2(OAuth2Flow {
            token_url: t("${TOKEN_URL}"),
            client_id: t("${CLIENT_ID}"),
            client_secret: t("${CLIENT_SECRET}"),
            scope: Some(t("read")),
            audience: Some(t("${AUD}")),
            client_auth: ClientAuth::Basic,
            timeout: None,
        });
        assert_eq!(
            flow.variables(),
            ["AUD", "CLIENT_ID", "CLIENT_SECRET", "TOKEN_URL"]
        );
        let flow = TokenFlow::Command(CommandFlow {
            argv: vec![t("vault"), t("${VAULT_PATH}")],
            timeout: Some(Duration::from_secs(3)),
        });
        assert_eq!(flow.variables(), ["VAULT_PATH"]);
        assert_eq!(flow.timeout(), Some(Duration::from_secs(3)));
    }
}
