//! Inputs that crashed an importer, and what must happen instead.

use hisar_import::aurora::translate_assertion;

/// Issue 11 (3): any non-ASCII character in a scenario assertion panicked (byte slicing
/// inside a multi-byte character), and `hisar import aurora` exited 101.
#[test]
fn non_ascii_assertions_do_not_panic() {
    for text in [
        "é",
        "\"é\" in response",
        "response is dict and \"clé\" in response",
        "status_code == 200 and é",
        "ü and ü",
        "\u{1F600} and status_code == 200",
        "'日本' not in response[\"データ\"]",
    ] {
        let _ = translate_assertion(text);
    }
    assert_eq!(
        translate_assertion("\"clé\" in response and status_code == 200").unwrap(),
        ["$['clé'] exists", "status == 200"]
    );
}
