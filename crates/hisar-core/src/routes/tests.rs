use super::*;

fn table() -> RouteTable {
    RouteTable::parse(
        r#"{
        "/api/v1/agents": ["GET"],
        "/api/v1/agents/jobs": ["POST"],
        "/api/v1/traces/mismatches/bulk-report": ["POST"],
        "/api/v1/runs/{run_id}": ["GET", "DELETE"],
        "/api/v1/tenants/{tenant_id}/usage": ["GET"],
        "/api/v1/tenants/current/usage": ["GET"],
        "/cost/by_feature": ["GET"],
        "/Cost/Summary": ["GET"],
        "/incidents/": ["GET"],
        "/policy-layer/state": ["GET"],
        "/v2/policy-layer/state": ["GET"],
        "/zeta/items": ["POST"],
        "/alpha/items": ["POST"]
    }"#,
    )
    .unwrap()
}

fn check(e: &str) -> RouteCheck {
    table().check(&e.parse().unwrap())
}

fn near(e: &str) -> (String, Vec<NearKind>) {
    match check(e) {
        RouteCheck::Near { route, kinds, .. } => (route, kinds),
        other => panic!("{e}: expected near, got {other:?}"),
    }
}

#[test]
fn exact_shape_matches() {
    assert!(check("GET /api/v1/runs/{id}").passes());
    assert!(check("HEAD /api/v1/runs/{id}").passes());
    match check("GET /api/v1/tenants/current/usage") {
        RouteCheck::Served { route } => assert_eq!(route, "/api/v1/tenants/current/usage"),
        other => panic!("{other:?}"),
    }
}

/// SPEC §3.5: a literal the table matches only through a parameter is not served. Before,
/// `/incidents/active` counted as served by `/incidents/{incident_id}`: a false BOUND
/// offline, and a live 404 read as "route exists" (SDSR) instead of ENDPOINT_MISSING.
#[test]
fn literal_segments_are_not_served_by_parameters() {
    let t = RouteTable::parse(
        r#"{"/incidents/{incident_id}": ["GET"], "/incidents/{incident_id}/events/{event_id}": ["GET"],
            "/runs/latest": ["POST"], "/runs/{run_id}": ["GET"]}"#,
    )
    .unwrap();
    let check = |e: &str| t.check(&e.parse().unwrap());
    assert_eq!(
        check("GET /incidents/active"),
        RouteCheck::TakenAsParameter {
            route: "/incidents/{incident_id}".into(),
            taken: vec![("active".into(), "incident_id".into())]
        }
    );
    assert_eq!(
        check("GET /incidents/current/events/last"),
        RouteCheck::TakenAsParameter {
            route: "/incidents/{incident_id}/events/{event_id}".into(),
            taken: vec![
                ("current".into(), "incident_id".into()),
                ("last".into(), "event_id".into())
            ]
        }
    );
    // A literal route wins over a parameter route, as in every router: the literal
    // `/runs/latest` serves POST only, so GET is a method mismatch, not `{run_id}`.
    assert!(matches!(
        check("GET /runs/latest"),
        RouteCheck::MethodNotServed { .. }
    ));
    assert!(check("GET /runs/{id}").passes());
    assert!(check("GET /incidents/{id}").passes());
}

#[test]
fn method_mismatch() {
    assert_eq!(
        check("GET /api/v1/agents/jobs"),
        RouteCheck::MethodNotServed {
            route: "/api/v1/agents/jobs".into(),
            allowed: vec![Method::Post]
        }
    );
}

/// Each near-route kind of SPEC §3 stage 1.
#[test]
fn near_kinds_table() {
    let cases: &[(&str, &str, &[NearKind])] = &[
        ("GET /incidents", "/incidents/", &[NearKind::TrailingSlash]),
        (
            "GET /api/v1/agents/",
            "/api/v1/agents",
            &[NearKind::TrailingSlash],
        ),
        ("GET /cost/summary", "/Cost/Summary", &[NearKind::Case]),
        (
            "GET /cost/by-feature",
            "/cost/by_feature",
            &[NearKind::Separator],
        ),
        (
            "GET /api/v1/policy-layer/state",
            "/policy-layer/state",
            &[NearKind::Prefix],
        ),
        (
            "GET /runs/{id}",
            "/api/v1/runs/{run_id}",
            &[NearKind::Prefix],
        ),
        (
            "GET /api/v1/agents/agents",
            "/api/v1/agents",
            &[NearKind::RepeatedSegment],
        ),
        (
            "GET /API/V1/Cost/By-Feature/",
            "/cost/by_feature",
            &[
                NearKind::TrailingSlash,
                NearKind::Case,
                NearKind::Separator,
                NearKind::Prefix,
            ],
        ),
    ];
    for (endpoint, route, kinds) in cases {
        let (got, got_kinds) = near(endpoint);
        assert_eq!(&got, route, "{endpoint}");
        assert_eq!(&got_kinds, kinds, "{endpoint}");
    }
}

#[test]
fn near_choice_is_deterministic() {
    // Both /policy-layer/state (prefix removed) and /v2/policy-layer/state (prefix
    // changed) are one kind away: the lexically first wins.
    assert_eq!(
        near("GET /api/v1/policy-layer/state").0,
        "/policy-layer/state"
    );
    // Two routes equally near: one serving the method would win; here neither does,
    // so lexical order decides.
    assert_eq!(near("GET /api/alpha/items").0, "/alpha/items");
    assert_eq!(check("GET /nothing/here"), RouteCheck::Missing);
}

/// SPEC §3.5: a did-you-mean never names a parent route. Before, `/incidents/{id}/learnings`
/// got "closest served route: /incidents/{incident_id}", sending a team to another resource.
#[test]
fn closest_route_is_never_a_parent() {
    let t = RouteTable::parse(
        r#"{"/api/v1/runtime/overview/costs": ["GET"], "/api/v1/agents/jobs": ["POST"],
            "/a/b/c": ["GET"], "/incidents/{incident_id}": ["GET"], "/x/{id}/y": ["GET"],
            "/costs/daily/{day}": ["GET"]}"#,
    )
    .unwrap();
    let closest = |e: &str| {
        t.closest(&e.parse().unwrap())
            .map(|r| r.path.as_str().to_owned())
    };
    assert_eq!(closest("GET /incidents/{id}/learnings"), None, "a parent");
    assert_eq!(closest("GET /a/b/c/d"), None, "a parent");
    assert_eq!(
        closest("GET /api/v1/overview/costs").as_deref(),
        Some("/api/v1/runtime/overview/costs"),
        "one literal segment inserted"
    );
    assert_eq!(
        closest("GET /api/v1/agents/jobs/all"),
        None,
        "the route does not serve GET"
    );
    assert_eq!(
        closest("GET /a/x/c").as_deref(),
        Some("/a/b/c"),
        "one literal segment differs"
    );
    assert_eq!(closest("GET /a/x/y"), None, "two segments differ");
    assert_eq!(
        closest("GET /x/y"),
        None,
        "a parameter segment inserted names an entity"
    );
    assert_eq!(
        closest("GET /costs/weekly/{day}").as_deref(),
        Some("/costs/daily/{day}")
    );
    assert_eq!(closest("GET /c"), None, "too short to guess");
}

/// An endpoint list mounted under `/svc/api/`: exact routes are served; a path under
/// another API prefix is near its mounted route (a prefix change, never a missing route),
/// and a path the list does not hold at all stays missing.
#[test]
fn endpoint_lists_and_their_mount() {
    let json = r#"{"generated_at_utc": "2026-02-21T07:47:56Z", "path_prefix": "/svc/api/",
        "endpoints": [
          {"method": "GET", "path": "/svc/api/incidents/historical/cost-trend"},
          {"method": "POST", "path": "/svc/api/incidents/{incident_id}/ack"},
          {"methods": ["GET", "DELETE"], "path": "/svc/api/runs/{run_id}"}
        ]}"#;
    let t = RouteTable::parse(json).unwrap();
    assert_eq!(t.routes().len(), 3);
    assert_eq!(t.mount().as_deref(), Some("/svc/api"));
    let check = |e: &str| t.check(&e.parse().unwrap());
    assert!(check("GET /svc/api/incidents/historical/cost-trend").passes());
    assert!(check("DELETE /svc/api/runs/{id}").passes());
    // SPEC §3.5: a literal the list matches only through a parameter is not served.
    assert!(matches!(
        check("DELETE /svc/api/runs/7"),
        RouteCheck::TakenAsParameter { .. }
    ));
    match check("GET /api/v1/incidents/historical/cost-trend") {
        RouteCheck::Near { route, kinds, .. } => {
            assert_eq!(route, "/svc/api/incidents/historical/cost-trend");
            assert_eq!(kinds, [NearKind::Prefix]);
        }
        other => panic!("{other:?}"),
    }
    match check("GET /incidents/{id}/ack") {
        RouteCheck::Near { route, methods, .. } => {
            assert_eq!(route, "/svc/api/incidents/{incident_id}/ack");
            assert_eq!(methods, [Method::Post]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        check("GET /api/v1/incidents/cost-impact"),
        RouteCheck::Missing
    );
    // Without a declared mount, the same routes are not near /api/v1 paths: `svc` is not
    // an API prefix.
    let bare = RouteTable::parse(
        r#"{"endpoints": [{"method": "GET", "path": "/svc/api/incidents/historical/cost-trend"}]}"#,
    )
    .unwrap();
    assert_eq!(bare.mount(), None);
    assert_eq!(
        bare.check(
            &"GET /api/v1/incidents/historical/cost-trend"
                .parse()
                .unwrap()
        ),
        RouteCheck::Missing
    );
    for (bad, why) in [
        (r#"{"endpoints": {}}"#, "not a list"),
        (
            r#"{"endpoints": [{"method": "GET"}]}"#,
            "endpoint #1: no `path`",
        ),
        (
            r#"{"endpoints": [{"path": "/a"}]}"#,
            "endpoint #1: no `method`",
        ),
        (
            r#"{"endpoints": [{"path": "/a", "method": "FETCH"}]}"#,
            "unknown method",
        ),
        (
            r#"{"endpoints": [{"path": "a", "method": "GET"}]}"#,
            "path `a`",
        ),
        (
            r#"{"endpoints": [], "path_prefix": 3}"#,
            "`path_prefix` is not a string",
        ),
    ] {
        let e = RouteTable::parse(bad).unwrap_err().to_string();
        assert!(e.contains(why), "{bad}: {e}");
    }
}

#[test]
fn openapi_documents() {
    let json = r#"{"openapi": "3.1.0", "servers": [{"url": "https://x.example/base/"}],
        "paths": {"/a/{id}": {"get": {}, "parameters": [], "summary": "x"}, "/b": {"post": {}}}}"#;
    let t = RouteTable::parse(json).unwrap();
    assert_eq!(t.routes().len(), 2);
    assert!(t.check(&"GET /base/a/{id}".parse().unwrap()).passes());
    let yaml = "openapi: 3.0.0\npaths:\n  /a:\n    get: {}\n    put: {}\n";
    let t = RouteTable::parse(yaml).unwrap();
    assert!(t.check(&"PUT /a".parse().unwrap()).passes());
    assert!(RouteTable::parse("[1, 2]").is_err());
    assert!(RouteTable::parse(r#"{"/a": "GET"}"#).is_err());
    assert!(RouteTable::parse(r#"{"/a": ["FETCH"]}"#).is_err());
}
