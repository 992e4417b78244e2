//! Token flows and network flags through the binary, against the demo backend's identity
//! provider (issue #13).

use serde_json::Value;

use crate::support::{Backend, Workspace};

const KEY: &str = "k-auth-flows";
const WRONG: &str = "wrong-Client-secret-Zq9";

/// The demo registry with the OAuth2 client secret in a variable of its own, so that a wrong
/// one breaks that mode alone.
fn workspace() -> Workspace {
    let ws = Workspace::new();
    let text = hisar_demo::DEMO_REGISTRY.replace(
        "client_secret: ${AOS_API_KEY}",
        "client_secret: ${DEMO_CLIENT_SECRET}",
    );
    assert_ne!(
        text,
        hisar_demo::DEMO_REGISTRY,
        "the demo registry has an oauth2 mode"
    );
    std::fs::write(ws.path("hisar.yaml"), text).unwrap();
    ws
}

fn sweep(ws: &Workspace, backend: &Backend, secret: &str) -> crate::support::Run {
    ws.hisar(
        &[
            "sweep",
            "--base-url",
            &backend.url,
            "--tracker",
            "t.md",
            "--json",
            "t.json",
        ],
        &[("AOS_API_KEY", KEY), ("DEMO_CLIENT_SECRET", secret)],
    )
}

fn panel(doc: &Value, id: &str) -> Value {
    doc["panels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap()
        .clone()
}

#[test]
fn a_wrong_client_secret_is_unverified_history_unchanged_and_never_shown() {
    let ws = workspace();
    let backend = Backend::start(KEY);
    let first = sweep(&ws, &backend, KEY);
    assert_eq!(first.code, 0, "{first:?}");
    let doc: Value = serde_json::from_str(&ws.read("t.json")).unwrap();
    assert_eq!(panel(&doc, "INC-EV-ACT-O1")["status"], "BOUND");
    assert!(first.stderr.contains("87 panels"), "{first:?}");

    let second = sweep(&ws, &backend, WRONG);
    assert_eq!(second.code, 0, "no regression, the gate passes: {second:?}");
    assert!(second.stderr.contains("0 regressed"), "{second:?}");
    let doc: Value = serde_json::from_str(&ws.read("t.json")).unwrap();
    let inc = panel(&doc, "INC-EV-ACT-O1");
    assert_eq!(inc["status"], "BOUND", "the tracked state is kept: {inc}");
    let reason = inc["unverified_now"].as_str().unwrap_or_default();
    assert!(
        reason.contains("invalid_client"),
        "unverified now, and why: {inc}"
    );
    let unverified = doc["unverified"].to_string();
    assert!(
        unverified.contains("no token for auth mode `service`")
            && unverified.contains("oauth2 flow got HTTP 401")
            && unverified.contains("invalid_client (Client authentication failed)"),
        "{unverified}"
    );
    // The other modes are untouched: the observer's and the login's panels still bound.
    assert_eq!(panel(&doc, "ACT-LLM-COMP-O5")["status"], "BOUND");
    let tracker = ws.read("t.md");
    assert!(tracker.contains("invalid_client"), "the tracker says why");
    for (name, text) in [
        ("stdout", second.stdout.as_str()),
        ("stderr", second.stderr.as_str()),
        ("t.md", tracker.as_str()),
        ("t.json", &ws.read("t.json")),
    ] {
        assert!(!text.contains(WRONG), "the secret leaked in {name}");
    }
    let db = std::fs::read(ws.path(".hisar/history.db")).unwrap();
    assert!(
        !String::from_utf8_lossy(&db).contains(WRONG),
        "leak in the store"
    );
}

#[test]
fn network_flags_reach_the_client_and_bad_files_are_usage_errors() {
    let ws = workspace();
    let backend = Backend::start(KEY);
    let env = [("AOS_API_KEY", KEY), ("DEMO_CLIENT_SECRET", KEY)];
    // `-H` replaces the registry's header of the same name: a wrong key from the flag breaks
    // the observer's panels, which proves it reached the probes.
    let run = ws.hisar(
        &[
            "sweep",
            "--base-url",
            &backend.url,
            "--panel",
            "LOG-REC-SYS-O2",
            "-H",
            "X-AOS-Key: from-the-flag-Kx1",
        ],
        &env,
    );
    assert!(run.stderr.contains("AUTH_FAILURE"), "{run:?}");
    assert!(!run.stderr.contains("from-the-flag-Kx1"), "{run:?}");
    // Read from the environment too.
    let run = ws.hisar(
        &[
            "sweep",
            "--base-url",
            &backend.url,
            "--panel",
            "LOG-REC-SYS-O2",
        ],
        &[
            ("AOS_API_KEY", KEY),
            ("HISAR_HEADER", &format!("X-AOS-Key: {KEY}")),
        ],
    );
    assert!(run.stderr.contains("BOUND"), "{run:?}");

    let missing = ws.hisar(
        &[
            "sweep",
            "--base-url",
            &backend.url,
            "--cacert",
            "no-such-ca.pem",
        ],
        &env,
    );
    assert_eq!(missing.code, 2, "{missing:?}");
    assert!(
        missing.stderr.contains("--cacert no-such-ca.pem"),
        "{missing:?}"
    );
    std::fs::write(ws.path("not-a-ca.pem"), "hello").unwrap();
    let bad = ws.hisar(
        &[
            "sweep",
            "--base-url",
            &backend.url,
            "--cacert",
            "not-a-ca.pem",
        ],
        &env,
    );
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(bad.stderr.contains("--cacert"), "{bad:?}");
    let lonely = ws.hisar(&["sweep", "--cert", "c.pem"], &env);
    assert_eq!(lonely.code, 2, "--cert needs --key: {lonely:?}");
    let insecure = ws.hisar(
        &[
            "sweep",
            "--base-url",
            &backend.url,
            "--panel",
            "LOG-REC-SYS-O2",
            "-k",
        ],
        &env,
    );
    assert!(
        insecure.stderr.contains("NOT verified"),
        "loud: {insecure:?}"
    );
}
