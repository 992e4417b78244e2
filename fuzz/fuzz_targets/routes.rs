//! The route-table parser (OpenAPI 3 JSON or YAML, or a `{path: [methods]}` map) on any text,
//! and stage 1 of the classifier against what it parsed: never a panic.
#![no_main]

use hisar_core::{Endpoint, RouteTable};
use libfuzzer_sys::fuzz_target;

/// Endpoints of every kind stage 1 distinguishes: exact, parameters, prefixes, slashes.
const ENDPOINTS: [&str; 8] = [
    "GET /health",
    "GET /api/v1/runs/{run_id}",
    "POST /runs/search",
    "GET /runs/",
    "GET /incidents/active",
    "DELETE /a/b/c/d/e",
    "GET /",
    "GET /Cost_Summary/{x}/{y}",
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(table) = RouteTable::parse(text) else {
        return;
    };
    for endpoint in ENDPOINTS {
        let endpoint: Endpoint = endpoint.parse().expect("a valid endpoint");
        let _ = table.check(&endpoint);
        let _ = table.closest(&endpoint);
        let _ = table.find(&endpoint.path);
    }
});
