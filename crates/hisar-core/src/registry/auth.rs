//! The `auth:` section: modes of static headers, a token flow (`oauth2`, `login`, `command`),
//! or both (SPEC §4.1). Every problem is reported with its position, like the rest of the
//! registry; values stay templates, resolved when a sweep runs.

use std::collections::BTreeMap;

use super::NO_AUTH;
use super::load::Loader;
use crate::flow::{
    ClientAuth, CommandFlow, JsonTemplate, LoginBody, LoginFlow, OAuth2Flow, TokenFlow, TokenPath,
    TokenSource,
};
use crate::interpolate::Template;
use crate::model::{AuthMode, Method};
use crate::yaml::{Located, Node};

pub(super) const AUTH_MODE_KEYS: &[&str] = &["headers", "oauth2", "login", "command"];
const FLOW_KEYS: &[&str] = &["oauth2", "login", "command"];
pub(super) const OAUTH2_KEYS: &[&str] = &[
    "token_url",
    "client_id",
    "client_secret",
    "scope",
    "audience",
    "client_auth",
    "timeout",
];
pub(super) const LOGIN_KEYS: &[&str] = &[
    "request", "json", "form", "headers", "token", "cookie", "timeout",
];
pub(super) const COMMAND_KEYS: &[&str] = &["argv", "timeout"];

type Entries = [(Located<String>, Located<Node>)];

fn get<'e>(entries: &'e Entries, name: &str) -> Option<&'e Located<Node>> {
    entries
        .iter()
        .find(|(k, _)| k.value == name)
        .map(|(_, v)| v)
}

impl Loader<'_> {
    pub(super) fn auth_modes(&mut self, node: &Located<Node>) -> BTreeMap<String, AuthMode> {
        let mut modes = BTreeMap::new();
        let Some(entries) = self.mapping(node, "`auth`", &[]) else {
            return modes;
        };
        for (name, body) in entries {
            if name.value == NO_AUTH {
                self.error(
                    name,
                    "`none` is built in (no credentials) and cannot be redefined",
                );
                continue;
            }
            let mode = self.auth_mode(&name.value, body);
            modes.insert(name.value.clone(), mode);
        }
        modes
    }

    fn auth_mode(&mut self, name: &str, body: &Located<Node>) -> AuthMode {
        let mut mode = AuthMode::default();
        let Some(fields) = self.mapping(body, &format!("auth mode `{name}`"), AUTH_MODE_KEYS)
        else {
            return mode;
        };
        let flows: Vec<&str> = fields
            .iter()
            .map(|(k, _)| k.value.as_str())
            .filter(|k| FLOW_KEYS.contains(k))
            .collect();
        if flows.len() > 1 {
            self.error(
                body,
                format!(
                    "auth mode `{name}` declares {} flows ({}): a mode has at most one token flow",
                    flows.len(),
                    flows.join(", ")
                ),
            );
        }
        for (key, value) in fields {
            match key.value.as_str() {
                "headers" => {
                    mode.headers = self.headers(value, &format!("headers of auth mode `{name}`"));
                }
                "oauth2" if mode.flow.is_none() => {
                    mode.flow = self.oauth2(name, value).map(TokenFlow::OAuth2);
                }
                "login" if mode.flow.is_none() => {
                    mode.flow = self.login(name, value).map(TokenFlow::Login);
                }
                "command" if mode.flow.is_none() => {
                    mode.flow = self.command(name, value).map(TokenFlow::Command);
                }
                _ => {}
            }
        }
        mode
    }

    fn required(
        &mut self,
        entries: &Entries,
        at: &Located<Node>,
        what: &str,
        keys: &[&str],
    ) -> bool {
        let missing: Vec<String> = keys
            .iter()
            .filter(|k| get(entries, k).is_none())
            .map(|k| format!("`{k}`"))
            .collect();
        if missing.is_empty() {
            true
        } else {
            self.error(at, format!("{what} needs {}", missing.join(" and ")));
            false
        }
    }

    fn oauth2(&mut self, mode: &str, node: &Located<Node>) -> Option<OAuth2Flow> {
        let what = format!("`oauth2` of auth mode `{mode}`");
        let entries = self.mapping(node, &what, OAUTH2_KEYS)?.clone();
        if !self.required(
            &entries,
            node,
            &what,
            &["token_url", "client_id", "client_secret"],
        ) {
            return None;
        }
        let mut template = |key: &str| {
            get(&entries, key).and_then(|v| self.template(v, &format!("`oauth2.{key}`")))
        };
        let token_url = template("token_url");
        let client_id = template("client_id");
        let client_secret = template("client_secret");
        let audience = template("audience");
        let scope = get(&entries, "scope").and_then(|v| self.scope(v));
        let client_auth = match get(&entries, "client_auth") {
            None => ClientAuth::Basic,
            Some(v) => match self.string(v, "`oauth2.client_auth`").as_deref() {
                Some("basic") => ClientAuth::Basic,
                Some("body") => ClientAuth::Body,
                Some(other) => {
                    self.error(
                        v,
                        format!("unknown `oauth2.client_auth` `{other}`; expected basic or body"),
                    );
                    ClientAuth::Basic
                }
                None => ClientAuth::Basic,
            },
        };
        let timeout = get(&entries, "timeout").and_then(|v| self.duration(v, "`oauth2.timeout`"));
        if let (Some(url), Some(at)) = (&token_url, get(&entries, "token_url")) {
            self.check_literal_url(url, at, "`oauth2.token_url`", false);
        }
        Some(OAuth2Flow {
            token_url: token_url?,
            client_id: client_id?,
            client_secret: client_secret?,
            scope,
            audience,
            client_auth,
            timeout,
        })
    }

    /// `scope` as one string or a list of scopes (joined with spaces, RFC 6749 §3.3).
    fn scope(&mut self, node: &Located<Node>) -> Option<Template> {
        match &node.value {
            Node::Seq(items) => {
                let parts: Vec<String> = items
                    .iter()
                    .filter_map(|i| self.scalar(i, "a scope"))
                    .collect();
                Template::parse(&parts.join(" "))
                    .map_err(|e| self.error(node, format!("`oauth2.scope`: {e}")))
                    .ok()
            }
            _ => self.template(node, "`oauth2.scope`"),
        }
    }

    /// A URL without variables is checked now: absolute `http(s)`, or a path when `relative`.
    fn check_literal_url(
        &mut self,
        url: &Template,
        at: &Located<Node>,
        what: &str,
        relative: bool,
    ) {
        if url.has_variables() {
            return;
        }
        let text = url.source();
        let absolute = text.starts_with("http://") || text.starts_with("https://");
        if absolute || (relative && text.starts_with('/')) {
            return;
        }
        let expected = if relative {
            "a path starting with `/` (relative to the base URL) or an http(s):// URL"
        } else {
            "an http(s):// URL"
        };
        self.error(at, format!("{what} must be {expected}, found `{text}`"));
    }

    fn login(&mut self, mode: &str, node: &Located<Node>) -> Option<LoginFlow> {
        let what = format!("`login` of auth mode `{mode}`");
        let entries = self.mapping(node, &what, LOGIN_KEYS)?.clone();
        if !self.required(&entries, node, &what, &["request"]) {
            return None;
        }
        let request_node = get(&entries, "request")?;
        let (method, target) = self.login_request(request_node)?;
        let headers = get(&entries, "headers")
            .map(|v| self.headers(v, &format!("headers of the login of auth mode `{mode}`")))
            .unwrap_or_default();
        let body = match (get(&entries, "json"), get(&entries, "form")) {
            (Some(_), Some(form)) => {
                self.error(
                    form,
                    format!("{what} has both `json` and `form`: choose one"),
                );
                None
            }
            (Some(json), None) => Some(LoginBody::Json(self.json_template(json))),
            (None, Some(form)) => {
                let mut fields = Vec::new();
                for (name, value) in self.string_map(form, "`login.form`") {
                    if let Some(t) = self.template(&value, &format!("form field `{name}`")) {
                        fields.push((name, t));
                    }
                }
                Some(LoginBody::Form(fields))
            }
            (None, None) => None,
        };
        let token = match (get(&entries, "token"), get(&entries, "cookie")) {
            (Some(_), Some(cookie)) => {
                self.error(
                    cookie,
                    format!("{what} has both `token` and `cookie`: the token comes from one"),
                );
                None
            }
            (Some(path), None) => {
                let text = self.string(path, "`login.token`")?;
                match TokenPath::parse(&text) {
                    Ok(p) => Some(TokenSource::Json(p)),
                    Err(e) => {
                        self.error(path, format!("`login.token`: {e}"));
                        None
                    }
                }
            }
            (None, Some(cookie)) => {
                let name = self.string(cookie, "`login.cookie`")?;
                if name.is_empty()
                    || !name
                        .bytes()
                        .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b))
                {
                    self.error(
                        cookie,
                        format!("`login.cookie`: `{name}` is not a cookie name"),
                    );
                    None
                } else {
                    Some(TokenSource::Cookie(name))
                }
            }
            (None, None) => {
                self.error(
                    node,
                    format!(
                        "{what} needs `token` (a JSONPath into the answer, e.g. $.access_token) or `cookie` (a cookie name)"
                    ),
                );
                None
            }
        };
        let timeout = get(&entries, "timeout").and_then(|v| self.duration(v, "`login.timeout`"));
        Some(LoginFlow {
            method,
            target,
            headers,
            body,
            token: token?,
            timeout,
        })
    }

    /// `request: POST /auth/login` (the method defaults to POST), or a full URL.
    fn login_request(&mut self, node: &Located<Node>) -> Option<(Method, Template)> {
        let text = self.string(node, "`login.request`")?;
        let text = text.trim();
        let (method, target) = match text.split_once(char::is_whitespace) {
            Some((m, rest)) => match m.to_ascii_uppercase().parse::<Method>() {
                Ok(method) => (method, rest.trim()),
                Err(_) => {
                    self.error(
                        node,
                        format!("`login.request`: unknown method `{m}` in `{text}`"),
                    );
                    return None;
                }
            },
            None => (Method::Post, text),
        };
        let target = match Template::parse(target) {
            Ok(t) => t,
            Err(e) => {
                self.error(node, format!("`login.request`: {e}"));
                return None;
            }
        };
        self.check_literal_url(&target, node, "`login.request`", true);
        Some((method, target))
    }

    fn json_template(&mut self, node: &Located<Node>) -> JsonTemplate {
        match &node.value {
            Node::Null => JsonTemplate::Null,
            Node::Bool(b) => JsonTemplate::Bool(*b),
            Node::Int(i) => JsonTemplate::Number((*i).into()),
            Node::Float(f) => {
                serde_json::Number::from_f64(*f).map_or(JsonTemplate::Null, JsonTemplate::Number)
            }
            Node::Str(_) => self
                .template(node, "a `login.json` string")
                .map_or(JsonTemplate::Null, JsonTemplate::String),
            Node::Seq(items) => {
                JsonTemplate::Array(items.iter().map(|i| self.json_template(i)).collect())
            }
            Node::Map(members) => JsonTemplate::Object(
                members
                    .iter()
                    .map(|(k, v)| (k.value.clone(), self.json_template(v)))
                    .collect(),
            ),
        }
    }

    /// `command: [program, args...]` or `command: { argv: [...], timeout: 20s }`.
    fn command(&mut self, mode: &str, node: &Located<Node>) -> Option<CommandFlow> {
        let what = format!("`command` of auth mode `{mode}`");
        let (argv_node, timeout) = match &node.value {
            Node::Seq(_) => (node.clone(), None),
            Node::Map(_) => {
                let entries = self.mapping(node, &what, COMMAND_KEYS)?.clone();
                if !self.required(&entries, node, &what, &["argv"]) {
                    return None;
                }
                let timeout =
                    get(&entries, "timeout").and_then(|v| self.duration(v, "`command.timeout`"));
                (get(&entries, "argv")?.clone(), timeout)
            }
            other => {
                self.error(
                    node,
                    format!(
                        "{what} must be a list (program and arguments, run without a shell), found {}",
                        other.kind()
                    ),
                );
                return None;
            }
        };
        let Node::Seq(items) = &argv_node.value else {
            self.error(
                &argv_node,
                format!(
                    "`command.argv` must be a list, found {}",
                    argv_node.value.kind()
                ),
            );
            return None;
        };
        if items.is_empty() {
            self.error(
                &argv_node,
                format!("{what} is empty: name a program to run"),
            );
            return None;
        }
        let argv: Vec<Template> = items
            .iter()
            .filter_map(|i| self.template(i, "a command argument"))
            .collect();
        (argv.len() == items.len()).then_some(CommandFlow { argv, timeout })
    }
}
