//! One request of a token flow, read whole under a size cap and a deadline, and what its
//! answer means when it is not a token: the status, the redirect not followed, and the
//! `error` / `error_description` of RFC 6749 §5.2 (or a `detail` / `message`).

use std::time::Duration;

use crate::http::describe;

/// The most bytes of a token or login answer read: larger than any honest one.
pub(crate) const MAX_ANSWER: usize = 64 * 1024;

/// An answer read whole.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether asking again may help: 429 and the gateway statuses.
    pub(crate) fn is_transient(&self) -> bool {
        hisar_core::TRANSIENT_STATUSES.contains(&self.status)
    }

    /// Why a non-token answer is not a token, for the verdict: status, redirect target, and
    /// the server's own error words when it gave them.
    pub(crate) fn refusal(&self, url: &str) -> String {
        let mut text = format!("got HTTP {} from {url}", self.status);
        if (300..400).contains(&self.status) {
            text.push_str(&format!(
                " redirecting to {} (flows never follow redirects)",
                self.header("location").unwrap_or("nowhere")
            ));
            return text;
        }
        if let Ok(serde_json::Value::Object(body)) = serde_json::from_slice(&self.body) {
            let field = |name: &str| {
                body.get(name).and_then(|v| match v {
                    serde_json::Value::String(s) => Some(short(s)),
                    serde_json::Value::Null => None,
                    other => Some(short(&other.to_string())),
                })
            };
            match (field("error"), field("error_description")) {
                (Some(error), Some(description)) => {
                    text.push_str(&format!(": {error} ({description})"));
                }
                (Some(error), None) => text.push_str(&format!(": {error}")),
                (None, _) => {
                    if let Some(detail) = field("detail").or_else(|| field("message")) {
                        text.push_str(&format!(": {detail}"));
                    }
                }
            }
        }
        text
    }
}

/// At most 200 characters of a server's words, on one line.
pub(crate) fn short(text: &str) -> String {
    let line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(201)
        .collect();
    if line.chars().count() > 200 {
        format!("{}…", line.chars().take(200).collect::<String>())
    } else {
        line
    }
}

/// Sends `request` and reads the answer within `deadline`, keeping at most [`MAX_ANSWER`]
/// bytes of body (a larger one is refused: no token answer is that large). The client never
/// follows redirects.
// A bounded read of its own, with the contract of `bounded::send_bounded` (a cap, a deadline
// over the whole exchange, connect to last byte) but two differences a flow's verdict needs:
// a client timeout reads as the flow's deadline, and an oversized answer is refused, not
// truncated. Making `send_bounded` say both (and calling it here) is left for a change that
// can re-check every caller's wording.
pub(crate) async fn exchange(
    request: reqwest::RequestBuilder,
    deadline: Duration,
) -> Result<Answer, (bool, String)> {
    let exchange = async {
        let mut response = request.timeout(deadline).send().await?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        if response
            .content_length()
            .is_some_and(|n| n > MAX_ANSWER as u64)
        {
            return Ok(Err(()));
        }
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > MAX_ANSWER {
                return Ok(Err(()));
            }
            body.extend_from_slice(&chunk);
        }
        Ok::<_, reqwest::Error>(Ok(Answer {
            status,
            headers,
            body,
        }))
    };
    let late = || {
        format!(
            "it did not answer whole within {} (the flow's deadline)",
            hisar_core::HumanDuration(deadline)
        )
    };
    // Both the client's timeout and this one bound the whole exchange; whichever fires first,
    // the words are the same.
    match tokio::time::timeout(deadline, exchange).await {
        Ok(Ok(Ok(answer))) => Ok(answer),
        Ok(Ok(Err(()))) => Err((
            false,
            format!("it answered more than {MAX_ANSWER} bytes, more than any token answer"),
        )),
        Ok(Err(e)) if e.is_timeout() => Err((true, late())),
        Ok(Err(e)) => Err((true, describe(&e))),
        Err(_) => Err((true, late())),
    }
}
