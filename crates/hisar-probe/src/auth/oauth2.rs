//! OAuth2 client credentials (RFC 6749 §4.4): a form-encoded `POST` of
//! `grant_type=client_credentials` (with `scope` and `audience` when given) to the token
//! endpoint, the client authenticated with HTTP Basic (§2.3.1: id and secret form-encoded
//! first) or in the body.

use base64::Engine as _;
use hisar_core::{ClientAuth, Env, OAuth2Flow};

use super::exchange::{Answer, exchange};
use super::token::{Carrier, Token, seconds};
use super::{Attempt, FlowContext};

fn form(pairs: &[(&str, &str)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        out.append_pair(k, v);
    }
    out.finish()
}

fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// The token URL, resolved and checked: an absolute `http(s)` URL (the one origin the client
/// secret is sent to).
pub(super) fn token_url(flow: &OAuth2Flow, env: &dyn Env) -> Result<reqwest::Url, String> {
    let text = flow.token_url.resolve(env).value;
    let mut url = reqwest::Url::parse(&text)
        .map_err(|e| format!("has an invalid token_url `{}`: {e}", flow.token_url))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "has a token_url `{}` that is not http(s)",
            flow.token_url
        ));
    }
    // The client authenticates with its own id and secret. User info in the URL (the base
    // URL's, through `${HISAR_BASE_URL}`) is the backend's credential: an HTTP client would
    // send it as a second `Authorization` header, which the token endpoint may read first.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    Ok(url)
}

/// The `Authorization` value of HTTP Basic client authentication (RFC 6749 §2.3.1: id and
/// secret form-encoded first).
pub(super) fn basic_credentials(flow: &OAuth2Flow, env: &dyn Env) -> String {
    let id = flow.client_id.resolve(env).value;
    let secret = flow.client_secret.resolve(env).value;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        encode(&id),
        encode(&secret)
    ));
    format!("Basic {basic}")
}

/// One attempt at a token.
pub(super) async fn attempt(flow: &OAuth2Flow, ctx: &FlowContext) -> Attempt {
    let env = ctx.env();
    let url = match token_url(flow, &env) {
        Ok(url) => url,
        Err(e) => return Attempt::Failed(e),
    };
    let id = flow.client_id.resolve(&env).value;
    let secret = flow.client_secret.resolve(&env).value;
    let scope = flow.scope.as_ref().map(|t| t.resolve(&env).value);
    let audience = flow.audience.as_ref().map(|t| t.resolve(&env).value);
    let mut pairs = vec![("grant_type", "client_credentials")];
    if let Some(scope) = scope.as_deref().filter(|s| !s.is_empty()) {
        pairs.push(("scope", scope));
    }
    if let Some(audience) = audience.as_deref().filter(|s| !s.is_empty()) {
        pairs.push(("audience", audience));
    }
    let mut request = ctx
        .client
        .post(url.clone())
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json");
    match flow.client_auth {
        ClientAuth::Basic => {
            let mut value = reqwest::header::HeaderValue::from_str(&basic_credentials(flow, &env))
                .unwrap_or_else(|_| reqwest::header::HeaderValue::from_static("Basic"));
            value.set_sensitive(true);
            request = request.header(reqwest::header::AUTHORIZATION, value);
        }
        ClientAuth::Body => {
            pairs.push(("client_id", &id));
            pairs.push(("client_secret", &secret));
        }
    }
    let shown = FlowContext::show_url(&url);
    let answer = match exchange(request.body(form(&pairs)), ctx.deadline(flow.timeout)).await {
        Ok(answer) => answer,
        Err((transient, e)) => {
            return Attempt::from_transport(transient, format!("got no answer from {shown}: {e}"));
        }
    };
    read_token(&answer, &shown)
}

/// The token in a token endpoint's answer (RFC 6749 §5.1).
pub(super) fn read_token(answer: &Answer, shown: &str) -> Attempt {
    if !(200..300).contains(&answer.status) {
        let why = answer.refusal(shown);
        return if answer.is_transient() {
            Attempt::Transient(why)
        } else {
            Attempt::Failed(why)
        };
    }
    let Ok(serde_json::Value::Object(body)) = serde_json::from_slice(&answer.body) else {
        return Attempt::Failed(format!(
            "got HTTP {} from {shown} without a JSON object",
            answer.status
        ));
    };
    let Some(token) = body
        .get("access_token")
        .and_then(serde_json::Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty())
    else {
        return Attempt::Failed(format!(
            "got HTTP {} from {shown} without an access_token",
            answer.status
        ));
    };
    if let Some(kind) = body.get("token_type").and_then(serde_json::Value::as_str)
        && !kind.eq_ignore_ascii_case("bearer")
    {
        return Attempt::Failed(format!(
            "got a token of type `{}` from {shown}; HISAR sends bearer tokens",
            super::exchange::short(kind)
        ));
    }
    let lifetime = body.get("expires_in").and_then(seconds);
    Attempt::Obtained(Token::new(token.to_owned(), Carrier::Bearer, lifetime))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use hisar_core::Template;

    use super::*;

    /// A token URL built from a base URL with a password: the backend's credential is not
    /// the client's, and an HTTP client would send it as a second `Authorization`, which a
    /// token endpoint may read first (the flow then fails as the wrong client).
    #[test]
    fn the_token_url_carries_no_user_info() {
        let flow = OAuth2Flow {
            token_url: Template::parse("${HISAR_BASE_URL}/oauth/token").unwrap(),
            client_id: Template::parse("id").unwrap(),
            client_secret: Template::parse("secret").unwrap(),
            scope: None,
            audience: None,
            client_auth: ClientAuth::Basic,
            timeout: None,
        };
        let env = BTreeMap::from([(
            "HISAR_BASE_URL".to_owned(),
            "https://probe:pw-123456@api.example/v1".to_owned(),
        )]);
        let url = token_url(&flow, &env).unwrap();
        assert_eq!(url.as_str(), "https://api.example/v1/oauth/token");
    }
}
