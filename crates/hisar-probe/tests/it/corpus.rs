//! The conformance corpus (`hisar_demo::corpus`): one sweep over a real socket, then one test
//! per behaviour with the verdict SPEC §3 requires. Most hunt false BOUNDs the way Pact hunts
//! broken contracts: each fails if HISAR would pass a panel the UI would render broken. The
//! others (marked "false gap") fail if HISAR would block a panel the UI renders well.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use hisar_core::{GapCode, Outcome, Status, Verdict};
use hisar_demo::corpus::{CORPUS_REGISTRY, CorpusBackend};

use crate::support::{quick, sweep};

/// The credential the corpus echoes back in every way it can.
pub(crate) const SECRET: &str = "corpus-s3cret-9f2b";

/// The client secret of the corpus's token flows, which its token endpoint quotes when it
/// refuses a client.
const CLIENT_SECRET: &str = "corpus-client-s3cret-4c1d";

/// The tenant the probe sends in a header of its auth mode: a resolved header value, so a
/// secret to mask, and a number the data legitimately holds.
const TENANT: &str = "40213";

/// The environment of every corpus sweep.
const ENV: [(&str, &str); 3] = [
    ("CORPUS_KEY", SECRET),
    ("CORPUS_TENANT", TENANT),
    ("CORPUS_CLIENT_SECRET", CLIENT_SECRET),
];

struct Corpus {
    verdicts: BTreeMap<String, Verdict>,
    /// Every token the corpus issued.
    tokens: Vec<String>,
    /// Every request the backend received.
    requests: Vec<String>,
    unsafe_requests: usize,
    degraded: Option<String>,
    skipped: usize,
}

fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let backend = CorpusBackend::default();
        let swept = sweep(backend.router(), CORPUS_REGISTRY, "", &ENV, quick());
        Corpus {
            verdicts: swept
                .sweep
                .records
                .into_iter()
                .map(|r| (r.panel, r.verdict))
                .collect(),
            tokens: backend.issued_tokens(),
            requests: backend.requests(),
            unsafe_requests: backend.unsafe_requests(),
            degraded: swept.degraded,
            skipped: swept.skipped,
        }
    })
}

fn verdict(panel: &str) -> &'static Verdict {
    corpus()
        .verdicts
        .get(panel)
        .unwrap_or_else(|| panic!("{panel} is not in the corpus registry"))
}

/// Everything the verdict says in words: gap detail, reason, findings.
fn words(v: &Verdict) -> String {
    let mut text = match &v.outcome {
        Outcome::Bound => String::new(),
        Outcome::Blocked(gap) => gap.detail.clone(),
        Outcome::Unverified { reason } => reason.clone(),
    };
    for f in &v.findings {
        text.push_str(" | ");
        text.push_str(&f.message);
    }
    text
}

/// Asserts the status, the code and that the verdict's words contain `needle`.
fn expect(panel: &str, status: Status, code: Option<GapCode>, needle: &str) {
    let v = verdict(panel);
    assert_eq!(
        (v.status(), v.code()),
        (status, code),
        "{panel}: {}",
        words(v)
    );
    assert!(
        words(v).contains(needle),
        "{panel}: `{needle}` not in {}",
        words(v)
    );
}

fn blocked(panel: &str, code: GapCode, needle: &str) {
    expect(panel, Status::Blocked, Some(code), needle);
}

fn bound(panel: &str) {
    expect(panel, Status::Bound, None, "");
}

#[test]
fn the_corpus_sweep_is_valid_and_covers_thirty_behaviours() {
    let c = corpus();
    assert_eq!(
        c.degraded, None,
        "a corpus sweep is not a misconfigured one"
    );
    assert!(c.verdicts.len() >= 30, "{} behaviours", c.verdicts.len());
}

// ---- For all, not for some (SPEC §3.2)

/// False BOUND: RFC 9535 selects the ids that exist, so one item without `id` passed.
#[test]
fn an_item_without_the_field_fails_for_all() {
    blocked(
        "COR-ALL-ID-O1",
        GapCode::SdsrFailed,
        "no `id` in $['items'][1]",
    );
}

/// False BOUND: `$.items[*].cost >= 0` held over the costs that exist.
#[test]
fn a_comparison_over_items_needs_every_item() {
    blocked(
        "COR-ALL-COST-O1",
        GapCode::SdsrFailed,
        "no `cost` in $['items'][1]",
    );
}

/// False BOUND: a filter's selection is a set of rows too.
#[test]
fn a_filter_then_a_member_needs_it_in_every_selected_node() {
    blocked(
        "COR-ALL-FILTER-O1",
        GapCode::SdsrFailed,
        "no `id` in $['items'][1]",
    );
}

/// False BOUND: nested wildcards, an empty inner list is fine, a row without `id` is not.
#[test]
fn nested_wildcards_name_the_offending_row() {
    blocked(
        "COR-ALL-NESTED-O1",
        GapCode::SdsrFailed,
        "no `id` in $['groups'][2]['items'][1]",
    );
}

/// False BOUND: a top-level array with an empty object.
#[test]
fn a_top_level_array_row_without_the_field_fails() {
    blocked("COR-ALL-TOP-O1", GapCode::SdsrFailed, "no `id` in $[1]");
}

/// False BOUND: a wildcard over an object's members asks every member, as over an array's
/// items.
#[test]
fn a_member_wildcard_needs_it_in_every_member() {
    blocked(
        "COR-ALL-MEMBERS-O1",
        GapCode::SdsrFailed,
        "no `id` in $['items']['b']",
    );
}

/// False BOUND: `$.items count <= 100` passed when there was no `items` (count 0).
#[test]
fn count_on_a_missing_member_fails() {
    blocked(
        "COR-COUNT-MISSING-O1",
        GapCode::SdsrFailed,
        "nothing selected: no `items` in $",
    );
}

/// False gap: an empty list counts 0.
#[test]
fn count_on_an_empty_list_holds() {
    bound("COR-COUNT-EMPTY-O1");
}

// ---- Requests built exactly (SPEC §3.4)

/// False BOUND: `../secret` sent raw would probe `/c/secret`, which answers `{"ok": true}`.
#[test]
fn a_path_value_never_climbs_out_of_its_segment() {
    blocked(
        "COR-PATH-TRAVERSE-O1",
        GapCode::SdsrFailed,
        "/c/admin/..%2Fsecret",
    );
    assert!(
        !corpus()
            .requests
            .iter()
            .any(|r| r.starts_with("GET /c/secret")),
        "{:?}",
        corpus().requests
    );
}

/// False BOUND: an encoded dot-segment sent as is would be decoded into `..` by some servers.
#[test]
fn a_percent_in_a_path_value_is_encoded() {
    blocked(
        "COR-PATH-PCT-O1",
        GapCode::SdsrFailed,
        "/c/admin/%252e%252e",
    );
}

/// False BOUND: `x?admin=1` sent raw would probe `/c/admin/x`, which answers `{"ok": true}`.
#[test]
fn a_question_mark_in_a_path_value_is_encoded() {
    blocked(
        "COR-PATH-QUERY-O1",
        GapCode::SdsrFailed,
        "/c/admin/x%3Fadmin=1",
    );
}

/// False gap control: the same route with a real value is bound, and its URL is evidence.
#[test]
fn a_plain_path_value_is_bound_and_its_url_is_evidence() {
    bound("COR-PATH-KNOWN-O1");
    let url = verdict("COR-PATH-KNOWN-O1")
        .evidence
        .url
        .as_deref()
        .unwrap();
    assert!(url.ends_with("/c/admin/x"), "{url}");
}

/// False gap: a value with a slash, a space, a plus and non-ASCII letters arrives intact as
/// one segment.
#[test]
fn a_path_value_arrives_intact() {
    bound("COR-PATH-INTACT-O1");
}

/// False gap: form encoding sent `+` for a space, which an RFC 3986 server reads as a plus.
#[test]
fn query_values_are_encoded_per_rfc_3986() {
    bound("COR-QUERY-RFC3986-O1");
    let url = verdict("COR-QUERY-RFC3986-O1")
        .evidence
        .url
        .as_deref()
        .unwrap();
    assert!(
        url.ends_with("/c/echo-query?q=a%20b%2Bc%26d%3D%C3%A9"),
        "{url}"
    );
}

// ---- Safe methods only (SPEC §3.4)

/// Side effect: a plain sweep sent `POST .../convert`. It is skipped, visibly, and never sent.
#[test]
fn an_unsafe_method_is_skipped_and_never_sent() {
    expect(
        "COR-UNSAFE-POST-O1",
        Status::Unverified,
        None,
        "skipped: POST is not a safe method",
    );
    assert!(verdict("COR-UNSAFE-POST-O1").evidence.skipped);
    assert_eq!(corpus().unsafe_requests, 0, "{:?}", corpus().requests);
    assert!(corpus().skipped >= 2);
}

/// A skipped panel keeps its stage-1 gap: the table serves only GET there.
#[test]
fn a_skipped_panel_keeps_its_stage_one_gap() {
    blocked(
        "COR-UNSAFE-DELETE-O1",
        GapCode::CoherencyFailed,
        "DELETE not served on /c/items/some-ids; route allows GET",
    );
    assert!(words(verdict("COR-UNSAFE-DELETE-O1")).contains("skipped: DELETE"));
}

/// False gap: a panel that declares `safe: true` is probed.
#[test]
fn a_panel_declared_safe_is_probed() {
    bound("COR-SAFE-POST-O1");
    assert!(corpus().requests.contains(&"POST /c/search".to_owned()));
}

// ---- Stage 1 (SPEC §3.5)

/// False gap code: `/c/incidents/{incident_id}` swallowed `active`, so the 404 read as "route
/// exists" (SDSR_FAILED, "fix your data") instead of a missing endpoint.
#[test]
fn a_literal_taken_as_a_parameter_is_a_missing_endpoint() {
    blocked(
        "COR-LITERAL-PARAM-O1",
        GapCode::EndpointMissing,
        "no route /c/incidents/active; /c/incidents/{incident_id} would take `active` as its incident_id",
    );
}

/// Wrong fix: the did-you-mean named the parent `/c/incidents/{incident_id}`.
#[test]
fn a_parent_route_is_never_suggested() {
    blocked(
        "COR-NO-PARENT-O1",
        GapCode::EndpointMissing,
        "no route for GET /c/incidents/{id}/learnings",
    );
    assert!(!words(verdict("COR-NO-PARENT-O1")).contains("{incident_id}"));
}

// ---- Secrets the backend echoes (SPEC §3.6)

fn masked(panel: &str, needle: &str) {
    let v = verdict(panel);
    let text = serde_json::to_string(v).unwrap();
    assert!(!text.contains(SECRET), "{panel} leaks: {text}");
    assert!(
        words(v).contains(needle),
        "{panel}: `{needle}` not in {}",
        words(v)
    );
}

/// Leak: an error detail quoting the key was copied into the tracker.
#[test]
fn an_echoed_key_in_an_error_detail_is_masked() {
    blocked("COR-ECHO-DETAIL-O1", GapCode::SdsrFailed, "HTTP 500");
    masked(
        "COR-ECHO-DETAIL-O1",
        "\"key *** is not allowed here (authorization: none)\"",
    );
}

/// Leak: an invariant's found value was the key.
#[test]
fn an_echoed_key_as_a_found_value_is_masked() {
    blocked("COR-ECHO-FOUND-O1", GapCode::SdsrFailed, "found \"***\"");
    masked("COR-ECHO-FOUND-O1", "found \"***\"");
}

/// Leak: a Location carrying the key.
#[test]
fn an_echoed_key_in_a_location_is_masked() {
    blocked(
        "COR-ECHO-LOCATION-O1",
        GapCode::SdsrFailed,
        "redirect to /c/elsewhere?key=***",
    );
    masked("COR-ECHO-LOCATION-O1", "key=***");
}

/// Leak: a response header holding the key, read by a header invariant.
#[test]
fn an_echoed_key_in_a_header_is_masked() {
    blocked("COR-ECHO-HEADER-O1", GapCode::SdsrFailed, "found \"***\"");
    masked("COR-ECHO-HEADER-O1", "***");
}

/// Leak: a plain-text error quoting the key.
#[test]
fn an_echoed_key_in_a_text_body_is_masked() {
    blocked(
        "COR-ECHO-TEXT-O1",
        GapCode::SdsrFailed,
        "upstream rejected key ***",
    );
    masked("COR-ECHO-TEXT-O1", "***");
}

/// Leak: a token obtained during the sweep, echoed by the backend. The masker knew only what
/// was resolved before the sweep; the token must be known before the verdict leaves.
#[test]
fn an_echoed_token_obtained_mid_sweep_is_masked() {
    let tokens = &corpus().tokens;
    assert_eq!(tokens.len(), 1, "one token for the sweep: {tokens:?}");
    blocked(
        "COR-TOKEN-ECHO-O1",
        GapCode::SdsrFailed,
        "refused authorization: ***",
    );
    let text = serde_json::to_string(verdict("COR-TOKEN-ECHO-O1")).unwrap();
    assert!(!text.contains(&tokens[0]), "the token leaks: {text}");
}

/// False gap and leak: a token endpoint that refuses the client is a misconfiguration, not a
/// backend gap, and its error quoting the client secret is masked.
#[test]
fn a_refused_client_is_unverified_and_its_quoted_secret_masked() {
    expect(
        "COR-TOKEN-REFUSED-O1",
        Status::Unverified,
        None,
        "no token for auth mode `corpus-refused`: its oauth2 flow got HTTP 401",
    );
    let text = serde_json::to_string(verdict("COR-TOKEN-REFUSED-O1")).unwrap();
    assert!(
        text.contains("invalid_client (client corpus-stranger with secret *** is unknown)"),
        "{text}"
    );
    assert!(
        !text.contains(CLIENT_SECRET),
        "the client secret leaks: {text}"
    );
}

/// False gap: masking is for what HISAR writes, never for what it judges. Masked before
/// classification, the tenant number the data holds became the string `***`, and
/// `$.tenant_id isInteger` and `$.total > 0` failed on a panel the UI renders well.
#[test]
fn a_secret_the_data_holds_is_judged_unmasked() {
    bound("COR-ECHO-NUMBER-O1");
    let text = serde_json::to_string(verdict("COR-ECHO-NUMBER-O1")).unwrap();
    assert!(!text.contains(TENANT), "{text}");
}

// ---- Awkward answers (SPEC §3, stages 3 and 4)

/// False gap: `fetch().json()` skips a UTF-8 byte order mark; serde_json did not.
#[test]
fn json_with_a_byte_order_mark_is_json() {
    bound("COR-JSON-BOM-O1");
}

/// False BOUND: a 200 carrying an RFC 9457 problem document is an error, not data.
#[test]
fn a_problem_document_under_200_fails() {
    blocked(
        "COR-PROBLEM-JSON-O1",
        GapCode::SdsrFailed,
        "HTTP 200 carrying a problem document (application/problem+json) instead of data: \"Service warming up\"",
    );
}

/// False BOUND: `{"error": "database unavailable"}` under a 200, on a panel without invariants.
#[test]
fn an_error_object_under_200_fails() {
    blocked(
        "COR-ERROR-OK-O1",
        GapCode::SdsrFailed,
        "HTTP 200 carrying an error object instead of data: \"database unavailable\"",
    );
}

/// False BOUND: a 204 for a list renders nothing.
#[test]
fn a_204_for_a_list_fails() {
    blocked("COR-NOCONTENT-LIST-O1", GapCode::SdsrFailed, "empty body");
}

/// False BOUND: a JSON `null` is valid JSON and renders nothing.
#[test]
fn a_null_body_fails() {
    blocked("COR-NULL-BODY-O1", GapCode::SdsrFailed, "JSON `null`");
}

/// False BOUND: with duplicate keys the UI (JSON.parse) sees the last value, "n/a".
#[test]
fn duplicate_keys_are_read_as_browsers_read_them() {
    blocked("COR-DUP-BAD-O1", GapCode::SdsrFailed, "found \"n/a\"");
    bound("COR-DUP-GOOD-O1");
}

/// False BOUND: a number sent as a string does not compare as a number.
#[test]
fn a_number_as_a_string_fails_a_comparison() {
    blocked("COR-NUM-STRING-O1", GapCode::SdsrFailed, "found \"42\"");
}

/// False BOUND: an integer beyond 64 bits must not wrap into range; false gap: it is an integer.
#[test]
fn huge_integers_compare_by_value() {
    blocked(
        "COR-HUGE-INT-O1",
        GapCode::SdsrFailed,
        "`$.total <= 100` failed",
    );
    bound("COR-HUGE-ID-O1");
}

/// False BOUND: `NaN` and a truncated body are not JSON.
#[test]
fn invalid_json_fails() {
    blocked("COR-JSON-NAN-O1", GapCode::SdsrFailed, "not valid JSON");
    blocked(
        "COR-JSON-TRUNCATED-O1",
        GapCode::SdsrFailed,
        "not valid JSON",
    );
}

/// False gap: parameters and capitals in the content type, or none at all, are still JSON.
#[test]
fn content_types_with_parameters_capitals_or_none_are_json() {
    bound("COR-CT-PARAMS-O1");
    bound("COR-CT-UPPER-O1");
    bound("COR-CT-NONE-O1");
    assert!(words(verdict("COR-CT-NONE-O1")).contains("no content type"));
}

/// False BOUND: a JSON-looking body served as HTML, and JSONP, are not JSON to a JSON panel.
#[test]
fn json_under_another_content_type_fails() {
    blocked(
        "COR-CT-HTML-O1",
        GapCode::SdsrFailed,
        "content type text/html, not JSON",
    );
    blocked(
        "COR-CT-JSONP-O1",
        GapCode::SdsrFailed,
        "content type application/javascript",
    );
}

/// False gap code: a redirect to an SSO sign-in page (with a query) refuses the verifier.
#[test]
fn a_redirect_to_a_sign_in_page_is_an_auth_failure() {
    blocked(
        "COR-LOGIN-REDIRECT-O1",
        GapCode::AuthFailure,
        "redirect to sign-in page /oauth2/authorize",
    );
}

/// False gap code: a redirect that only adds a query is neither a slash nor a sign-in.
#[test]
fn a_redirect_adding_a_query_is_not_a_slash_redirect() {
    blocked(
        "COR-QUERY-REDIRECT-O1",
        GapCode::SdsrFailed,
        "redirect to /c/query-redirect?page=1",
    );
}

/// False gap code: a redirect that adds a trailing slash is the route in another form.
#[test]
fn a_slash_redirect_is_a_coherency_failure() {
    blocked(
        "COR-SLASH-REDIRECT-O1",
        GapCode::CoherencyFailed,
        "the backend adds a trailing slash",
    );
}

/// False gap code: a GET on a route that serves only POST is a method mismatch, seen by the
/// table and by the backend's 405 alike.
#[test]
fn a_get_on_a_post_only_route_is_a_coherency_failure() {
    blocked(
        "COR-POST-ONLY-O1",
        GapCode::CoherencyFailed,
        "GET not served on /c/post-only; route allows POST",
    );
    assert!(words(verdict("COR-POST-ONLY-O1")).contains("HTTP 405"));
}

/// The same backend mounted under a prefix and swept through a base URL with that path gives
/// the same verdict on every panel. Before, a slash redirect that kept the prefix was compared
/// with the panel's path without it: SDSR_FAILED instead of COHERENCY_FAILED.
#[test]
fn a_base_url_with_a_path_changes_no_verdict() {
    let backend = CorpusBackend::default();
    let router = axum::Router::new().nest("/gw", backend.router());
    let swept = sweep(router, CORPUS_REGISTRY, "/gw", &ENV, quick());
    assert_eq!(swept.degraded, None);
    for record in &swept.sweep.records {
        let at_root = verdict(&record.panel);
        assert_eq!(
            (record.verdict.status(), record.verdict.code()),
            (at_root.status(), at_root.code()),
            "{}: {} at the root, {} under /gw",
            record.panel,
            words(at_root),
            words(&record.verdict)
        );
    }
}

/// False BOUND: HEAD answers 200 where GET fails; a GET panel is probed with GET.
#[test]
fn a_get_panel_is_probed_with_get_not_head() {
    blocked("COR-HEAD-DIFFER-O1", GapCode::SdsrFailed, "HTTP 500");
    bound("COR-HEAD-PANEL-O1");
    assert!(
        corpus()
            .requests
            .contains(&"HEAD /c/head-differs".to_owned())
    );
    assert!(
        corpus()
            .requests
            .contains(&"GET /c/head-differs".to_owned())
    );
}

/// False gap: a 429 that persists says nothing about the panel: UNVERIFIED, retried first.
#[test]
fn a_persistent_429_is_unverified() {
    expect(
        "COR-THROTTLE-PERSISTS-O1",
        Status::Unverified,
        None,
        "HTTP 429 persisted after 1 retry",
    );
    let tries = corpus()
        .requests
        .iter()
        .filter(|r| r.as_str() == "GET /c/throttled")
        .count();
    assert_eq!(tries, 2);
}
