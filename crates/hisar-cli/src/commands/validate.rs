//! `hisar validate [FILE]` (or `-r FILE`, or `HISAR_REGISTRY`): the registry is well-formed,
//! and, with a route table that is an OpenAPI 3 document, its invariants agree with the
//! backend's response schemas (SPEC §3.7).

use std::path::Path;

use anyhow::anyhow;
use hisar_core::{Masker, Registry, schema_warnings};
use hisar_probe::{HttpOptions, HttpProbe, RouteLoadError, RouteSource, Target, load_routes};

use crate::args::ValidateArgs;
use crate::context::{Environment, load_registry, registry_dir};
use crate::exit::{Exit, Outcome, invalid, usage};
use crate::ui::Ui;

pub(crate) async fn validate(args: &ValidateArgs, ui: Ui) -> Outcome {
    let path = args.path();
    let registry = load_registry(path)?;
    let modes = registry.auth_modes().len();
    let mut capabilities: Vec<&str> = registry
        .panels()
        .iter()
        .map(|p| p.capability.as_str())
        .collect();
    capabilities.sort_unstable();
    capabilities.dedup();
    let invariants: usize = registry.panels().iter().map(|p| p.invariants.len()).sum();
    let unchecked: usize = registry.panels().iter().map(|p| p.unchecked.len()).sum();
    ui.line(&format!(
        "{}: valid: {} panels in {} domains, {} capabilities, {invariants} invariants, {modes} auth mode{}, {} waiver{}",
        path.display(),
        registry.panels().len(),
        registry.domains().len(),
        capabilities.len(),
        if modes == 1 { "" } else { "s" },
        registry.waivers().len(),
        if registry.waivers().len() == 1 { "" } else { "s" },
    ));
    if unchecked > 0 {
        // Declared invariants HISAR cannot evaluate: valid, but never silently taken as checked.
        let panels: Vec<&hisar_core::Panel> = registry
            .panels()
            .iter()
            .filter(|p| !p.unchecked.is_empty())
            .collect();
        ui.warn(&format!(
            "{}: {unchecked} declared invariant{} on {} panel{} cannot be checked; a sweep reports them as not checked:",
            path.display(),
            if unchecked == 1 { "" } else { "s" },
            panels.len(),
            if panels.len() == 1 { "" } else { "s" },
        ));
        for p in panels {
            let mut by_reason: Vec<(&str, Vec<&str>)> = Vec::new();
            for u in &p.unchecked {
                match by_reason.iter_mut().find(|(r, _)| *r == u.reason) {
                    Some((_, ids)) => ids.push(&u.id),
                    None => by_reason.push((&u.reason, vec![&u.id])),
                }
            }
            for (reason, ids) in by_reason {
                ui.line(&format!("  {}: {} ({reason})", p.id, ids.join(", ")));
            }
        }
    }
    let incomplete = todo_check(args, path, &registry, ui);
    let outcome = schema_check(args, path, &registry, ui).await?;
    Ok(if incomplete { Exit::Usage } else { outcome })
}

/// Every value the registry does not have yet (`{ todo }`), with its location: a warning (a
/// sweep leaves its panel `UNVERIFIED` without sending it), an error under `--strict`, since
/// a registry CI relies on should be complete. True when `--strict` fails on them.
fn todo_check(args: &ValidateArgs, path: &Path, registry: &Registry, ui: Ui) -> bool {
    let mut panels = 0;
    let mut values = 0;
    for panel in registry.panels() {
        let before = values;
        for value in &panel.live {
            let Some(todo) = value.todo() else { continue };
            values += 1;
            let text = format!(
                "{}:{}:{}: {}: {todo}",
                path.display(),
                value.line,
                value.column,
                panel.id
            );
            if args.strict {
                ui.error(&text);
            } else {
                ui.warn(&text);
            }
        }
        panels += usize::from(values > before);
    }
    if values == 0 {
        return false;
    }
    ui.line(&format!(
        "{}: {values} value{} on {panels} panel{} {} no value yet (todo): a sweep leaves {} UNVERIFIED without sending {}; put a value or a {{ from, select }}{}",
        path.display(),
        if values == 1 { "" } else { "s" },
        if panels == 1 { "" } else { "s" },
        if values == 1 { "has" } else { "have" },
        if panels == 1 { "it" } else { "them" },
        if panels == 1 { "it" } else { "them" },
        if args.strict {
            " (--strict: exit 2)"
        } else {
            " (--strict makes this exit 2)"
        },
    ));
    args.strict
}

/// Reads every invariant against the 2xx response schema of its operation: each one the schema
/// contradicts is a warning with its location (an error under `--strict`, exit 2). Without a
/// route table, or with one that carries no response schemas, there is nothing to read.
async fn schema_check(args: &ValidateArgs, path: &Path, registry: &Registry, ui: Ui) -> Outcome {
    let env = Environment::default();
    let target = Target::resolve(
        registry,
        &registry_dir(path),
        &env,
        args.base_url.clone(),
        args.routes.as_deref(),
    );
    let Some(source) = &target.routes else {
        return Ok(Exit::Pass);
    };
    // Validation stays offline unless asked: the registry's own table is read when it is a
    // file; a URL (often the backend's `/openapi.json`) only when given with `--routes`.
    if args.routes.is_none() && matches!(source, RouteSource::Url(_)) {
        ui.note(&format!(
            "the route table is a URL; to read the invariants against its response schemas: hisar validate {} --routes URL",
            path.display()
        ));
        return Ok(Exit::Pass);
    }
    let mut urls: Vec<&str> = target.base_url.iter().map(String::as_str).collect();
    if let RouteSource::Url(url) = source {
        urls.push(url);
    }
    let masker = Masker::for_sweep(registry, &env, &urls);
    let http = HttpProbe::new(HttpOptions::default()).map_err(invalid)?;
    let routes = match load_routes(source, &http).await {
        Ok(routes) => routes,
        Err(e) => {
            let text = masker.mask(&e.to_string()).into_owned();
            if args.strict {
                let fail = if matches!(e, RouteLoadError::Fetch(..)) {
                    invalid
                } else {
                    usage
                };
                return Err(fail(anyhow!(
                    "{text}: the invariants cannot be read against the backend's response schemas"
                )));
            }
            ui.warn(&format!(
                "{text}: the invariants were not read against the backend's response schemas"
            ));
            return Ok(Exit::Pass);
        }
    };
    let shown = masker.mask(&source.to_string()).into_owned();
    if !routes.has_response_schemas() {
        ui.note(&format!(
            "{shown}: not an OpenAPI 3 document: no response schemas to read the invariants against"
        ));
        return Ok(Exit::Pass);
    }
    let warnings = schema_warnings(registry, &routes);
    for w in &warnings {
        let text = format!(
            "{}:{}:{}: {}: {}",
            path.display(),
            w.line,
            w.column,
            w.panel,
            masker.mask(&w.message)
        );
        if args.strict {
            ui.error(&text);
        } else {
            ui.warn(&text);
        }
    }
    if warnings.is_empty() {
        ui.line(&format!(
            "{shown}: every invariant agrees with the OpenAPI response schemas"
        ));
        return Ok(Exit::Pass);
    }
    let panels = {
        let mut ids: Vec<&str> = warnings.iter().map(|w| w.panel.as_str()).collect();
        ids.dedup();
        ids.len()
    };
    ui.line(&format!(
        "{shown}: {} invariant{} on {panels} panel{} contradict{} the OpenAPI response schemas{}",
        warnings.len(),
        if warnings.len() == 1 { "" } else { "s" },
        if panels == 1 { "" } else { "s" },
        if warnings.len() == 1 { "s" } else { "" },
        if args.strict {
            " (--strict: exit 2)"
        } else {
            "; a sweep would fail them on every answer that honours the schema (--strict makes this exit 2)"
        },
    ));
    Ok(if args.strict { Exit::Usage } else { Exit::Pass })
}
