//! A token a flow obtained: its value, how it is sent, and how long it lives (`expires_in`, a
//! JWT's `exp` read without verifying, a cookie's `Max-Age`, or unknown).

use std::time::Duration;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::probe::Secret;

/// How a token travels with a probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Carrier {
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// `Cookie: <name>=<token>` (a login that yields a cookie).
    Cookie(String),
}

/// A token obtained by a flow.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    /// The token.
    pub(crate) value: Secret,
    /// How it is sent.
    pub(crate) carrier: Carrier,
    /// Its lifetime from when it was asked for, when known.
    pub(crate) lifetime: Option<Duration>,
}

impl Token {
    /// A token whose lifetime is `stated` (an `expires_in` or a cookie's age) or else read
    /// from its JWT `exp`, if it is a JWT.
    pub(crate) fn new(value: String, carrier: Carrier, stated: Option<Duration>) -> Self {
        let lifetime = stated.or_else(|| jwt_lifetime(&value, jiff::Timestamp::now()));
        Self {
            value: Secret::new(value),
            carrier,
            lifetime,
        }
    }

    /// The header that carries the token.
    pub(crate) fn header(&self) -> (String, Secret) {
        match &self.carrier {
            Carrier::Bearer => (
                "Authorization".to_owned(),
                Secret::new(format!("Bearer {}", self.value.expose())),
            ),
            Carrier::Cookie(name) => (
                "Cookie".to_owned(),
                Secret::new(format!("{name}={}", self.value.expose())),
            ),
        }
    }
}

/// A stated lifetime in seconds (`expires_in`): positive and finite, else unknown.
pub(crate) fn seconds(value: &serde_json::Value) -> Option<Duration> {
    let secs = match value {
        serde_json::Value::Number(n) => n.as_f64()?,
        // Some servers send it as a string.
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    (secs.is_finite() && secs > 0.0 && secs < 1e12).then(|| Duration::from_secs_f64(secs))
}

/// The time left before a JWT's `exp`, read without verifying the signature (HISAR only needs
/// to know when to ask for a new one). `None` when the token is not a JWT, has no `exp`, or
/// has already expired by the local clock (then only a 401 renews it).
pub(crate) fn jwt_lifetime(token: &str, now: jiff::Timestamp) -> Option<Duration> {
    let mut parts = token.split('.');
    let (Some(_header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let engine = GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    // A payload is small; a huge one is not a token this reads.
    if payload.len() > 16 * 1024 {
        return None;
    }
    let bytes = engine.decode(payload).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let exp = claims.get("exp")?.as_f64()?;
    #[expect(
        clippy::cast_precision_loss,
        reason = "seconds since 1970 fit an f64 exactly for the next 285 million years"
    )]
    let left = exp - now.as_second() as f64;
    (left.is_finite() && left > 0.0 && left < 1e12).then(|| Duration::from_secs_f64(left))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &serde_json::Value) -> String {
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.c2ln",
            engine.encode(br#"{"alg":"HS256","typ":"JWT"}"#),
            engine.encode(claims.to_string())
        )
    }

    #[test]
    fn jwt_exp_is_read_without_verifying() {
        let now = jiff::Timestamp::from_second(1_700_000_000).unwrap();
        let token = jwt(&serde_json::json!({"sub": "probe", "exp": 1_700_000_090}));
        assert_eq!(jwt_lifetime(&token, now), Some(Duration::from_secs(90)));
        let expired = jwt(&serde_json::json!({"exp": 1_699_999_000}));
        assert_eq!(jwt_lifetime(&expired, now), None, "already expired");
        let no_exp = jwt(&serde_json::json!({"sub": "probe"}));
        assert_eq!(jwt_lifetime(&no_exp, now), None);
        assert_eq!(jwt_lifetime("opaque-token", now), None);
        assert_eq!(jwt_lifetime("a.!!!.c", now), None);
        assert_eq!(jwt_lifetime("a.b.c.d", now), None);
    }

    #[test]
    fn stated_lifetimes() {
        assert_eq!(
            seconds(&serde_json::json!(3600)),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(
            seconds(&serde_json::json!("2")),
            Some(Duration::from_secs(2))
        );
        assert_eq!(seconds(&serde_json::json!(0)), None);
        assert_eq!(seconds(&serde_json::json!(-5)), None);
        assert_eq!(seconds(&serde_json::json!(null)), None);
        let stated = Token::new(
            jwt(&serde_json::json!({"exp": 1})),
            Carrier::Bearer,
            Some(Duration::from_secs(7)),
        );
        assert_eq!(
            stated.lifetime,
            Some(Duration::from_secs(7)),
            "expires_in wins over exp"
        );
        let (name, value) = Token::new("abc".into(), Carrier::Cookie("sid".into()), None).header();
        assert_eq!((name.as_str(), value.expose()), ("Cookie", "sid=abc"));
    }
}
