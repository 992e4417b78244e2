//! Token flows end to end: a sweep against the test identity provider.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use hisar_core::{GapCode, Outcome, Status, Verdict};

use crate::idp::{CLIENT_ID, CLIENT_SECRET, Idp, Settings, sweep};

/// A registry whose panels read `paths` with auth mode `service`, defined by `mode`.
fn registry(mode: &str, paths: &[String]) -> String {
    let mut text = format!(
        "version: 1\nauth:\n  service:\n{mode}\ndefaults: {{ auth: service, class: evidence }}\ndomains: [{{ code: A, name: A }}]\npanels:\n"
    );
    for (i, path) in paths.iter().enumerate() {
        writeln!(
            text,
            "  - {{ id: A-B-C-O{i}, capability: a.c{i}, endpoint: {path}, invariants: ['$.items isArray'] }}"
        )
        .unwrap();
    }
    text
}

fn oauth2(idp: &Idp, extra: &str) -> String {
    format!(
        "    oauth2:\n      token_url: {}/oauth/token\n      client_id: ${{CLIENT_ID}}\n      client_secret: ${{CLIENT_SECRET}}\n{extra}",
        idp.url
    )
}

const ENV: &[(&str, &str)] = &[("CLIENT_ID", CLIENT_ID), ("CLIENT_SECRET", CLIENT_SECRET)];

fn items(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("/items/{i}")).collect()
}

fn verdicts(swept: &hisar_probe::Swept) -> Vec<&Verdict> {
    swept.sweep.records.iter().map(|r| &r.verdict).collect()
}

fn all_bound(swept: &hisar_probe::Swept) {
    for r in &swept.sweep.records {
        assert_eq!(
            r.verdict.status(),
            Status::Bound,
            "{}: {:?}",
            r.panel,
            r.verdict
        );
    }
}

/// The acceptance run: tokens live 2 s, a sweep of 200 panels at 4 in flight lasts about 20 s
/// (the backend answers after 400 ms). No panel may see AUTH_FAILURE, and the token endpoint is
/// asked about once per 1.8 s of sweep (each token is renewed at 90% of its life), not once per
/// panel.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_lived_tokens_are_renewed_without_auth_failures_or_a_stampede() {
    let idp = Idp::start(Settings {
        lifetime: Some(Duration::from_secs(2)),
        delay: Duration::from_millis(400),
        ..Settings::default()
    })
    .await;
    let started = Instant::now();
    let swept = sweep(&registry(&oauth2(&idp, ""), &items(200)), &idp.url, ENV, 4).await;
    let elapsed = started.elapsed().as_secs_f64();
    all_bound(&swept);
    let calls = idp.token_calls();
    // One token per 1.8 s of sweep, give or take the one in use at the end.
    let expected = elapsed / 1.8;
    let measured = f64::from(u32::try_from(calls).unwrap());
    assert!(
        measured <= expected + 2.0 && measured >= expected - 2.0,
        "{calls} token requests in a {elapsed:.1}s sweep (about {expected:.0} expected)"
    );
    assert!(calls < 20, "{calls} token requests for 200 panels");
    let probes: usize = (0..200).map(|i| idp.hits(&format!("/items/{i}"))).sum();
    assert!(
        probes <= 200 + calls,
        "at most one repeat per renewal: {probes}"
    );
}

#[tokio::test]
async fn concurrent_panels_wait_for_one_token() {
    let idp = Idp::start(Settings::default()).await;
    let swept = sweep(&registry(&oauth2(&idp, ""), &items(40)), &idp.url, ENV, 16).await;
    all_bound(&swept);
    assert_eq!(
        idp.token_calls(),
        1,
        "16 panels in flight, one token request"
    );
    let form = &idp.forms()[0];
    assert!(form.contains(&("grant_type".into(), "client_credentials".into())));
    assert!(
        !form.iter().any(|(k, _)| k == "client_secret"),
        "Basic auth by default: the secret is not in the body"
    );
}

#[tokio::test]
async fn a_revoked_token_is_renewed_and_the_probe_repeated_once() {
    let idp = Idp::start(Settings {
        revoke_after: Some(1),
        ..Settings::default()
    })
    .await;
    let paths = items(3);
    let swept = sweep(&registry(&oauth2(&idp, ""), &paths), &idp.url, ENV, 1).await;
    all_bound(&swept);
    assert_eq!(
        idp.token_calls(),
        2,
        "the first token, and its renewal after the 401"
    );
    assert_eq!(idp.hits("/items/0"), 1);
    assert_eq!(
        idp.hits("/items/1"),
        2,
        "the probe that got 401 was repeated once"
    );
    assert_eq!(
        idp.hits("/items/2"),
        1,
        "later panels use the renewed token"
    );
}

#[tokio::test]
async fn a_401_after_renewal_is_auth_failure_and_renewal_is_not_repeated() {
    let idp = Idp::start(Settings::default()).await;
    let mut text = registry(&oauth2(&idp, ""), &["/forbidden".to_owned()]);
    // A second panel refused the same way: the renewed token was never accepted, so it is not
    // renewed again; a third panel is served with it.
    text.push_str(
        "  - { id: A-B-C-O8, capability: a.y, endpoint: /forbidden, params: { page: 2 } }\n",
    );
    text.push_str("  - { id: A-B-C-O9, capability: a.z, endpoint: /items/9 }\n");
    let swept = sweep(&text, &idp.url, ENV, 1).await;
    let v = verdicts(&swept);
    for refused in [v[0], v[1]] {
        assert_eq!(refused.code(), Some(GapCode::AuthFailure));
        let detail = &refused.gap().unwrap().detail;
        assert_eq!(
            detail,
            "HTTP 401 with auth mode `service` (credentials present) after renewing the token"
        );
    }
    assert_eq!(v[2].status(), Status::Bound);
    assert_eq!(
        idp.hits("/forbidden"),
        3,
        "probed, repeated once; the second panel once"
    );
    assert_eq!(
        idp.token_calls(),
        2,
        "one renewal, not one per refused panel"
    );
}

#[tokio::test]
async fn a_wrong_client_secret_leaves_the_panels_unverified_naming_the_flow() {
    let idp = Idp::start(Settings::default()).await;
    let env = [
        ("CLIENT_ID", CLIENT_ID),
        ("CLIENT_SECRET", "not-the-secret"),
    ];
    let swept = sweep(&registry(&oauth2(&idp, ""), &items(5)), &idp.url, &env, 4).await;
    for v in verdicts(&swept) {
        let Outcome::Unverified { reason } = &v.outcome else {
            panic!("not unverified: {v:?}")
        };
        assert!(reason.contains("auth mode `service`"), "{reason}");
        assert!(reason.contains("oauth2 flow got HTTP 401"), "{reason}");
        assert!(
            reason.contains("invalid_client (Client authentication failed)"),
            "{reason}"
        );
        assert!(!reason.contains("not-the-secret"), "{reason}");
    }
    assert_eq!(
        idp.token_calls(),
        1,
        "a failed flow is not asked again for every panel"
    );
    assert_eq!(idp.hits("/items/0"), 0, "nothing is probed without a token");
}

#[tokio::test]
async fn client_secret_in_the_body_with_scope_and_audience() {
    let idp = Idp::start(Settings::default()).await;
    let mode = oauth2(
        &idp,
        "      client_auth: body\n      scope: [read:panels, read:runs]\n      audience: https://api.example\n",
    );
    let swept = sweep(&registry(&mode, &items(2)), &idp.url, ENV, 2).await;
    all_bound(&swept);
    let form = &idp.forms()[0];
    for pair in [
        ("grant_type", "client_credentials"),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("scope", "read:panels read:runs"),
        ("audience", "https://api.example"),
    ] {
        assert!(
            form.contains(&(pair.0.into(), pair.1.into())),
            "{pair:?} in {form:?}"
        );
    }
}

#[tokio::test]
async fn a_redirecting_token_endpoint_is_not_followed() {
    let idp = Idp::start(Settings {
        redirect: true,
        ..Settings::default()
    })
    .await;
    let swept = sweep(&registry(&oauth2(&idp, ""), &items(1)), &idp.url, ENV, 1).await;
    let Outcome::Unverified { reason } = &verdicts(&swept)[0].outcome else {
        panic!("not unverified")
    };
    assert!(
        reason.contains("got HTTP 302") && reason.contains("flows never follow redirects"),
        "{reason}"
    );
    assert_eq!(
        idp.hits("/elsewhere"),
        0,
        "the credentials went nowhere else"
    );
}

#[tokio::test]
async fn unset_flow_variables_are_not_sent_anywhere() {
    let idp = Idp::start(Settings::default()).await;
    let swept = sweep(
        &registry(&oauth2(&idp, ""), &items(1)),
        &idp.url,
        &[("CLIENT_ID", CLIENT_ID)],
        1,
    )
    .await;
    let Outcome::Unverified { reason } = &verdicts(&swept)[0].outcome else {
        panic!("not unverified")
    };
    assert_eq!(
        reason,
        "credential variable CLIENT_SECRET is not set (auth mode `service`): not probed"
    );
    assert_eq!(idp.token_calls(), 0);
}

#[tokio::test]
async fn login_with_a_json_token_and_with_a_cookie() {
    let idp = Idp::start(Settings::default()).await;
    let mode = "    login:\n      request: POST /login\n      json: { username: probe, password: \"${PROBE_PASSWORD}\" }\n      token: $.data.token\n    headers: { X-Tenant: acme }\n";
    let env = [("PROBE_PASSWORD", "pa55word!")];
    let swept = sweep(&registry(mode, &items(3)), &idp.url, &env, 3).await;
    all_bound(&swept);
    assert_eq!(idp.token_calls(), 1);

    let bad = sweep(
        &registry(mode, &items(1)),
        &idp.url,
        &[("PROBE_PASSWORD", "nope")],
        1,
    )
    .await;
    let Outcome::Unverified { reason } = &verdicts(&bad)[0].outcome else {
        panic!("not unverified")
    };
    assert!(
        reason.contains("its login flow got HTTP 401 from"),
        "{reason}"
    );
    assert!(
        reason.ends_with("/login: bad credentials; not probed"),
        "{reason}"
    );

    let cookie = format!(
        "    login: {{ request: '{}/login-cookie', form: {{ user: probe }}, cookie: sid }}\n",
        idp.url
    );
    let swept = sweep(&registry(&cookie, &items(2)), &idp.url, &[], 2).await;
    all_bound(&swept);
}

#[tokio::test]
async fn command_flows_run_without_a_shell_under_a_deadline() {
    let idp = Idp::start(Settings::default()).await;
    // A token the provider issued, handed to the command through the environment.
    let warm = sweep(&registry(&oauth2(&idp, ""), &items(1)), &idp.url, ENV, 1).await;
    all_bound(&warm);
    let token = idp.last_token();
    let mode = "    command: [printf, '%s\\n', \"${VAULT_TOKEN}\"]\n";
    let swept = sweep(
        &registry(mode, &items(2)),
        &idp.url,
        &[("VAULT_TOKEN", &token)],
        2,
    )
    .await;
    all_bound(&swept);

    let failing = "    command: [sh, -c, 'echo permission denied for s3cr3t >&2; exit 3']\n";
    let swept = sweep(&registry(failing, &items(1)), &idp.url, &[], 1).await;
    let Outcome::Unverified { reason } = &verdicts(&swept)[0].outcome else {
        panic!("not unverified")
    };
    assert!(
        reason.contains("its command flow `sh -c echo permission denied for s3cr3t >&2; exit 3` exited with status 3: permission denied"),
        "{reason}"
    );

    let slow = "    command: { argv: [sleep, '5'], timeout: 200ms }\n";
    let swept = sweep(&registry(slow, &items(1)), &idp.url, &[], 1).await;
    let Outcome::Unverified { reason } = &verdicts(&swept)[0].outcome else {
        panic!("not unverified")
    };
    assert!(
        reason.contains("did not finish within 200ms and was stopped"),
        "{reason}"
    );

    let missing = "    command: [hisar-no-such-program]\n";
    let swept = sweep(&registry(missing, &items(1)), &idp.url, &[], 1).await;
    let Outcome::Unverified { reason } = &verdicts(&swept)[0].outcome else {
        panic!("not unverified")
    };
    assert!(
        reason.contains("could not run `hisar-no-such-program`"),
        "{reason}"
    );
}

/// A token endpoint that answers more than any token answer is refused after 64 KiB, not read
/// whole: the panels are unverified naming the flow and the size, and nothing is probed.
#[tokio::test]
async fn an_oversized_token_answer_is_cut_and_refused() {
    let idp = Idp::start(Settings::default()).await;
    let mode = oauth2(&idp, "").replace("/oauth/token", "/oauth/huge");
    let swept = sweep(&registry(&mode, &items(2)), &idp.url, ENV, 2).await;
    for v in verdicts(&swept) {
        let Outcome::Unverified { reason } = &v.outcome else {
            panic!("not unverified: {v:?}")
        };
        assert!(reason.contains("its oauth2 flow"), "{reason}");
        assert!(
            reason.contains("it answered more than 65536 bytes"),
            "{reason}"
        );
    }
    assert_eq!(idp.token_calls(), 1);
    assert_eq!(idp.hits("/items/0"), 0, "nothing is probed without a token");
}

/// A login that never finishes its answer is given up at the flow's deadline: the panels are
/// unverified naming the deadline, never AUTH_FAILURE, and the sweep does not hang.
#[tokio::test]
async fn a_login_answer_that_never_ends_is_given_up_at_its_deadline() {
    let idp = Idp::start(Settings::default()).await;
    let mode = "    login: { request: POST /login-stall, json: { username: probe }, token: $.data.token, timeout: 300ms }\n";
    let swept = sweep(&registry(mode, &items(2)), &idp.url, &[], 2).await;
    for v in verdicts(&swept) {
        let Outcome::Unverified { reason } = &v.outcome else {
            panic!("not unverified: {v:?}")
        };
        assert!(reason.contains("its login flow"), "{reason}");
        assert!(
            reason.contains("it did not answer whole within 300ms"),
            "{reason}"
        );
    }
    assert_eq!(idp.token_calls(), 1, "retries: 0 asks once");
    assert_eq!(idp.hits("/items/0"), 0);
}
