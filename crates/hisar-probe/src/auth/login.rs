//! A login request: relative to the base URL or a full URL, with a JSON or form body; the token
//! is picked from the JSON answer by a JSONPath, or is a cookie the answer sets (sent back as
//! that cookie). A login answering with a redirect is not followed; a cookie it sets on the way
//! still counts, as a browser's would.

use std::time::Duration;

use hisar_core::{LoginBody, LoginFlow, TokenSource};

use super::exchange::{Answer, exchange};
use super::token::{Carrier, Token, seconds};
use super::{Attempt, FlowContext};

/// The login URL: a path joins the base URL; anything else must be an absolute `http(s)` URL.
pub(super) fn login_url(flow: &LoginFlow, ctx: &FlowContext) -> Result<reqwest::Url, String> {
    let target = flow.target.resolve(&ctx.env()).value;
    let text = if target.starts_with('/') {
        format!("{}{target}", ctx.base_url.trim_end_matches('/'))
    } else {
        target
    };
    let url = reqwest::Url::parse(&text)
        .map_err(|e| format!("has an invalid request URL `{}`: {e}", flow.target))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "has a request URL `{}` that is not http(s)",
            flow.target
        ));
    }
    Ok(url)
}

/// One attempt at a token.
pub(super) async fn attempt(flow: &LoginFlow, ctx: &FlowContext) -> Attempt {
    let url = match login_url(flow, ctx) {
        Ok(url) => url,
        Err(e) => return Attempt::Failed(e),
    };
    let env = ctx.env();
    let method = reqwest::Method::from_bytes(flow.method.as_str().as_bytes())
        .unwrap_or(reqwest::Method::POST);
    let mut request = ctx
        .client
        .request(method, url.clone())
        .header("accept", "application/json");
    // The flow's headers replace any the client would add (the `Authorization` of the URL's
    // user info), never join them.
    let mut headers = reqwest::header::HeaderMap::new();
    for (name, template) in &flow.headers {
        let value = template.resolve(&env).value;
        match (
            reqwest::header::HeaderName::from_bytes(name.as_bytes()),
            reqwest::header::HeaderValue::from_str(&value),
        ) {
            (Ok(name), Ok(mut v)) => {
                v.set_sensitive(true);
                headers.insert(name, v);
            }
            _ => {
                return Attempt::Failed(format!(
                    "has a header `{name}` whose value is not valid in HTTP"
                ));
            }
        }
    }
    request = request.headers(headers);
    match &flow.body {
        Some(LoginBody::Json(json)) => {
            let (value, _) = json.resolve(&env);
            request = request
                .header("content-type", "application/json")
                .body(value.to_string());
        }
        Some(LoginBody::Form(fields)) => {
            let mut form = form_urlencoded::Serializer::new(String::new());
            for (name, template) in fields {
                form.append_pair(name, &template.resolve(&env).value);
            }
            request = request
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form.finish());
        }
        None => {}
    }
    let shown = FlowContext::show_url(&url);
    let answer = match exchange(request, ctx.deadline(flow.timeout)).await {
        Ok(answer) => answer,
        Err((transient, e)) => {
            return Attempt::from_transport(transient, format!("got no answer from {shown}: {e}"));
        }
    };
    read_token(flow, &answer, &shown, jiff::Timestamp::now())
}

fn read_token(flow: &LoginFlow, answer: &Answer, shown: &str, now: jiff::Timestamp) -> Attempt {
    let success = (200..300).contains(&answer.status);
    let redirect = (300..400).contains(&answer.status);
    match &flow.token {
        TokenSource::Cookie(name) if success || redirect => match cookie(answer, name, now) {
            Some((value, lifetime)) => {
                Attempt::Obtained(Token::new(value, Carrier::Cookie(name.clone()), lifetime))
            }
            None => Attempt::Failed(format!(
                "got HTTP {} from {shown} without setting the cookie `{name}`",
                answer.status
            )),
        },
        TokenSource::Json(path) if success => {
            let Ok(body) = serde_json::from_slice::<serde_json::Value>(&answer.body) else {
                return Attempt::Failed(format!(
                    "got HTTP {} from {shown} whose body is not JSON",
                    answer.status
                ));
            };
            match path.select(&body) {
                Ok(token) => {
                    let lifetime = body.get("expires_in").and_then(seconds);
                    Attempt::Obtained(Token::new(token, Carrier::Bearer, lifetime))
                }
                Err(e) => {
                    Attempt::Failed(format!("got HTTP {} from {shown}, but {e}", answer.status))
                }
            }
        }
        _ => {
            let why = answer.refusal(shown);
            if answer.is_transient() {
                Attempt::Transient(why)
            } else {
                Attempt::Failed(why)
            }
        }
    }
}

/// The named cookie's value among the answer's `Set-Cookie` headers, and its lifetime
/// (`Max-Age`, else `Expires`), when it sets a non-empty one.
fn cookie(answer: &Answer, name: &str, now: jiff::Timestamp) -> Option<(String, Option<Duration>)> {
    answer
        .headers
        .iter()
        .rev()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|(_, v)| cookie::Cookie::parse(v.as_str()).ok())
        .find(|c| c.name() == name && !c.value().is_empty())
        .map(|c| {
            let lifetime = match (c.max_age(), c.expires_datetime()) {
                (Some(age), _) => u64::try_from(age.whole_seconds())
                    .ok()
                    .filter(|s| *s > 0)
                    .map(Duration::from_secs),
                (None, Some(at)) => u64::try_from(at.unix_timestamp() - now.as_second())
                    .ok()
                    .filter(|s| *s > 0)
                    .map(Duration::from_secs),
                (None, None) => None,
            };
            (c.value().to_owned(), lifetime)
        })
}

#[cfg(test)]
mod tests {
    use hisar_core::{Method, Template, TokenPath};

    use super::*;

    fn flow(token: TokenSource) -> LoginFlow {
        LoginFlow {
            method: Method::Post,
            target: Template::parse("/auth/login").unwrap(),
            headers: vec![],
            body: None,
            token,
            timeout: None,
        }
    }

    fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Answer {
        Answer {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    fn obtained(attempt: Attempt) -> Token {
        match attempt {
            Attempt::Obtained(t) => t,
            other => panic!("no token: {other:?}"),
        }
    }

    fn failed(attempt: Attempt) -> String {
        match attempt {
            Attempt::Failed(why) => why,
            other => panic!("expected a failure: {other:?}"),
        }
    }

    #[test]
    fn tokens_from_json_answers() {
        let now = jiff::Timestamp::now();
        let f = flow(TokenSource::Json(TokenPath::parse("$.data.token").unwrap()));
        let t = obtained(read_token(
            &f,
            &answer(200, &[], r#"{"data": {"token": "s-1"}, "expires_in": 30}"#),
            "u",
            now,
        ));
        assert_eq!(t.value.expose(), "s-1");
        assert_eq!(t.lifetime, Some(Duration::from_secs(30)));
        assert_eq!(
            failed(read_token(
                &f,
                &answer(200, &[], r#"{"data": {}}"#),
                "u",
                now
            )),
            "got HTTP 200 from u, but $.data.token selects nothing in the answer"
        );
        assert_eq!(
            failed(read_token(
                &f,
                &answer(401, &[], r#"{"detail": "bad password"}"#),
                "u",
                now
            )),
            "got HTTP 401 from u: bad password"
        );
        assert_eq!(
            failed(read_token(
                &f,
                &answer(302, &[("location", "/sso")], ""),
                "u",
                now
            )),
            "got HTTP 302 from u redirecting to /sso (flows never follow redirects)"
        );
    }

    #[test]
    fn tokens_from_cookies() {
        let now = jiff::Timestamp::now();
        let f = flow(TokenSource::Cookie("sid".into()));
        let set = [
            ("set-cookie", "theme=dark; Path=/"),
            ("set-cookie", "sid=abc123; Path=/; HttpOnly; Max-Age=120"),
        ];
        // A login that redirects after setting its cookie succeeded: the cookie is read, the
        // redirect is not followed.
        let t = obtained(read_token(&f, &answer(303, &set, ""), "u", now));
        assert_eq!(t.value.expose(), "abc123");
        assert_eq!(t.lifetime, Some(Duration::from_secs(120)));
        assert_eq!(t.header().0, "Cookie");
        assert_eq!(
            failed(read_token(&f, &answer(200, &set[..1], ""), "u", now)),
            "got HTTP 200 from u without setting the cookie `sid`"
        );
        assert!(
            failed(read_token(&f, &answer(401, &set, ""), "u", now)).starts_with("got HTTP 401")
        );
    }
}
