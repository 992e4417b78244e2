use axum::body::Body;
use axum::http::Request as HttpRequest;
use tower::ServiceExt;

use super::*;

async fn call(
    demo: &DemoBackend,
    method: &str,
    uri: &str,
    key: Option<&str>,
) -> (u16, HeaderMap, Value) {
    let mut builder = HttpRequest::builder().method(method).uri(uri);
    if let Some(key) = key {
        builder = builder.header("X-AOS-Key", key);
    }
    let response = demo
        .router()
        .oneshot(builder.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        headers,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn gateway_routes_and_faults() {
    let demo = DemoBackend::new("k");
    let (status, _, body) = call(&demo, "GET", "/health", Some("k")).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
    assert_eq!(call(&demo, "GET", "/health", Some("wrong")).await.0, 401);
    assert_eq!(call(&demo, "GET", "/health", None).await.0, 401);
    assert_eq!(
        call(&demo, "GET", "/guard/logs", Some("k")).await.0,
        401,
        "protected"
    );
    assert_eq!(
        call(&demo, "GET", "/policy-layer/state", Some("k")).await.0,
        404,
        "planned"
    );
    let (status, headers, _) = call(&demo, "GET", "/api/v1/agents/jobs", Some("k")).await;
    assert_eq!(status, 405);
    assert_eq!(headers.get("allow").unwrap(), "POST");
    assert_eq!(call(&demo, "GET", "/cost/by-model", Some("k")).await.0, 500);
    let (_, _, body) = call(&demo, "GET", "/api/v1/incidents?status=resolved", Some("k")).await;
    assert_eq!(body["incidents"][0]["status"], "resolved");
    assert_eq!(body["provenance"]["aggregation"], "list");
    let (_, _, body) = call(&demo, "GET", "/cost/summary", Some("k")).await;
    assert!(body.get("provenance").is_none());
}

#[tokio::test]
async fn fixes_move_routes() {
    let demo = DemoBackend::new("k");
    assert!(demo.fix("/guard/logs"));
    assert_eq!(call(&demo, "GET", "/guard/logs", Some("k")).await.0, 200);
    assert!(demo.fix("/policy-layer/state"));
    let (status, _, body) = call(&demo, "GET", "/policy-layer/state", Some("k")).await;
    assert_eq!((status, body["state"].as_str()), (200, Some("enforcing")));
    assert!(demo.fix("/cost/by-model"));
    assert_eq!(call(&demo, "GET", "/cost/by-model", Some("k")).await.0, 200);
    assert!(demo.break_route("/health"));
    assert_eq!(call(&demo, "GET", "/health", Some("k")).await.0, 500);
    demo.publish("/replay/*/summary");
    // Only an id the incident list gave binds the detail route; a placeholder is a 404.
    demo.publish("/api/v1/incidents");
    let (_, _, list) = call(&demo, "GET", "/api/v1/incidents", Some("k")).await;
    let id = list["incidents"][0]["id"].as_str().unwrap().to_owned();
    let (status, _, body) = call(&demo, "GET", &format!("/replay/{id}/summary"), Some("k")).await;
    assert_eq!(
        (status, body["incident_id"].as_str()),
        (200, Some(id.as_str()))
    );
    assert_eq!(
        call(&demo, "GET", "/replay/inc-0042/summary", Some("k"))
            .await
            .0,
        404
    );
    let other = DemoBackend::new("k");
    other.publish("/replay/*/summary");
    let (status, _, _) = call(&other, "GET", &format!("/replay/{id}/summary"), Some("k")).await;
    assert_eq!(status, 404, "ids are drawn per start");
    demo.publish("/api/v1/recovery/");
    assert_eq!(
        call(&demo, "GET", "/api/v1/recovery/stats", Some("k"))
            .await
            .0,
        200
    );
    // `/health` is public, `/health/ready` is not: entries without a trailing slash are exact.
    assert_eq!(call(&demo, "GET", "/health/ready", Some("k")).await.0, 401);
    demo.publish_prefix("/api/v1/predictions");
    assert_eq!(
        call(&demo, "GET", "/api/v1/predictions/stats/summary", Some("k"))
            .await
            .0,
        200
    );
    assert!(!demo.fix("/nope"));
}

#[tokio::test]
async fn openapi_lists_shipped_routes_only() {
    let demo = DemoBackend::new("k");
    let (status, _, doc) = call(&demo, "GET", "/openapi.json", None).await;
    assert_eq!(status, 200);
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.contains_key("/replay/{incident_id}/summary"));
    assert!(paths["/api/v1/agents/jobs"].get("post").is_some());
    assert!(!paths.contains_key("/policy-layer/state"));
}

async fn post(demo: &DemoBackend, uri: &str, headers: &[(&str, &str)], body: &str) -> (u16, Value) {
    let mut builder = HttpRequest::builder().method("POST").uri(uri);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    let response = demo
        .router()
        .oneshot(builder.body(Body::from(body.to_owned())).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn get_bearer(demo: &DemoBackend, uri: &str, token: &str) -> u16 {
    let request = HttpRequest::get(uri)
        .header("Authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    demo.router()
        .oneshot(request)
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn identity_provider_issues_tokens_the_gateway_accepts_on_public_paths() {
    use base64::Engine as _;
    let demo = DemoBackend::new("k-123");
    let form = "application/x-www-form-urlencoded";
    let basic = base64::engine::general_purpose::STANDARD.encode("hisar-verifier:k-123");
    let (status, body) = post(
        &demo,
        "/oauth/token",
        &[
            ("content-type", form),
            ("authorization", &format!("Basic {basic}")),
        ],
        "grant_type=client_credentials&scope=read%3Apanels",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["expires_in"], 300);
    let token = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(get_bearer(&demo, "/health", &token).await, 200);
    assert_eq!(
        get_bearer(&demo, "/founder/timeline/count", &token).await,
        401,
        "a service token opens no protected path"
    );
    assert_eq!(get_bearer(&demo, "/health", "made-up").await, 401);

    let (status, body) = post(
        &demo,
        "/oauth/token",
        &[("content-type", form)],
        "grant_type=client_credentials&client_id=hisar-verifier&client_secret=wrong",
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let (status, _) = post(&demo, "/oauth/token", &[], "grant_type=password").await;
    assert_eq!(status, 400);

    let (status, body) = post(
        &demo,
        "/auth/login",
        &[("content-type", "application/json")],
        r#"{"username": "hisar-probe", "password": "k-123"}"#,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let session = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        get_bearer(&demo, "/api/v1/runtime/traces", &session).await,
        200
    );
    let (status, _) = post(&demo, "/auth/login", &[], r#"{"username": "hisar-probe"}"#).await;
    assert_eq!(status, 401);
    assert_eq!(demo.tokens_issued(), 2);
}
