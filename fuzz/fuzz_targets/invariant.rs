//! The invariant parser and evaluator: the first line is an invariant, the rest a response
//! body (JSON when it parses). Parsing never panics; evaluating a parsed invariant never
//! panics, on JSON or on no JSON, and a check that holds reports nothing found.
#![no_main]

use hisar_core::{Invariant, Subject};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (line, body) = text.split_once('\n').unwrap_or((text, ""));
    let Ok(invariant) = Invariant::parse(line) else {
        return;
    };
    let json: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let headers = [
        ("content-type".to_owned(), "application/json".to_owned()),
        ("x-body".to_owned(), body.chars().take(64).collect()),
    ];
    for status in [200, 404] {
        let subject = Subject {
            body: json.as_ref(),
            status,
            headers: &headers,
            duration_ms: u64::try_from(body.len()).unwrap_or(u64::MAX),
        };
        let check = invariant.evaluate(&subject);
        // As documented: what was found is empty when the invariant holds.
        assert!(!check.holds || check.found.is_empty(), "{line}: {check:?}");
    }
});
