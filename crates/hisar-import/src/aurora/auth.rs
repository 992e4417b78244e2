//! Auth: the modes the scenarios use, the headers each mode sends, and no literal
//! credential.

use std::collections::BTreeMap;

use hisar_core::{NO_AUTH, Template};

use super::LintKind;
use super::import::{Import, Work};
use super::lint::Lints;
use super::scenario::Scenario;

const CONTENT_TYPE: &str = "content-type";

fn is_credential(header: &str) -> bool {
    let h = header.to_ascii_lowercase();
    h == "authorization"
        || h == "cookie"
        || ["key", "token", "secret", "password"]
            .iter()
            .any(|w| h.contains(w))
}

fn mode_template(mode: &str) -> Vec<(String, String)> {
    let pairs: &[(&str, &str)] = match mode {
        "observer" | "service" => &[
            ("X-AOS-Key", "${AOS_API_KEY}"),
            ("X-Tenant-ID", "${SDSR_TENANT_ID:-demo-tenant}"),
        ],
        "user" => &[("Authorization", "Bearer ${AUTH_TOKEN}")],
        _ => &[],
    };
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// The auth mode a scenario uses, when it says.
pub(super) fn scenario_mode(s: &Scenario) -> Option<String> {
    match &s.auth_mode {
        Some(mode) => Some(
            mode.to_ascii_lowercase()
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect(),
        ),
        None if s.headers.iter().any(|(k, _)| is_credential(k)) => Some("user".to_owned()),
        None => None,
    }
}

/// Headers fit for the registry: valid names, parseable templates, no literal credentials.
fn clean_headers(
    headers: Vec<(String, String)>,
    whose: &str,
    panel: Option<&str>,
    files: &[&str],
    lint: &mut Lints,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, value) in headers {
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
        {
            lint.push(
                LintKind::InvalidValue,
                panel,
                None,
                files,
                format!("{whose}: header name `{name}` is not a valid header name; skipped"),
            );
            continue;
        }
        let value = if is_credential(&name) && !value.contains("${") {
            let var: String = name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_uppercase()
                    } else {
                        '_'
                    }
                })
                .collect();
            lint.push(
                LintKind::LiteralCredential,
                panel,
                None,
                files,
                format!(
                    "{whose}: header `{name}` has a literal value; written as `${{{var}}}` instead"
                ),
            );
            format!("${{{var}}}")
        } else {
            value
        };
        if let Err(e) = Template::parse(&value) {
            lint.push(
                LintKind::InvalidValue,
                panel,
                None,
                files,
                format!("{whose}: header `{name}`: {e}; skipped"),
            );
            continue;
        }
        out.push((name, value));
    }
    out
}

/// An auth mode to declare: its name and headers.
type AuthModeDraft = (String, Vec<(String, String)>);

impl Import<'_> {
    /// Declares the auth modes the panels use and sets each panel's mode and extra headers.
    /// Returns the modes and the default one.
    pub(super) fn settle_auth(
        &mut self,
        works: &mut [Work],
    ) -> (Vec<AuthModeDraft>, Option<String>) {
        // Headers common to every scenario of a mode, as sent.
        let mut common: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        let mut scenario_files: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        let mut uses: BTreeMap<&str, usize> = BTreeMap::new();
        for w in works.iter() {
            let Some(mode) = &w.mode else { continue };
            *uses.entry(mode).or_default() += 1;
            if mode == NO_AUTH {
                continue;
            }
            let own: Vec<(String, String)> = w
                .headers
                .iter()
                .filter(|(k, _)| !k.eq_ignore_ascii_case(CONTENT_TYPE))
                .cloned()
                .collect();
            common
                .entry(mode.clone())
                .and_modify(|c| c.retain(|h| own.contains(h)))
                .or_insert(own);
            scenario_files
                .entry(mode.clone())
                .or_default()
                .extend(w.files.last().map(String::as_str));
        }
        let mut auth = Vec::new();
        for (mode, headers) in &common {
            let files = &scenario_files[mode];
            let headers = if headers.is_empty() {
                let template = mode_template(mode);
                let message = if template.is_empty() {
                    format!(
                        "the scenarios of auth mode {mode} send no common credential headers, and HISAR has no template for it: declared without headers; add them"
                    )
                } else {
                    let shown: Vec<String> =
                        template.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                    format!(
                        "the scenarios of auth mode {mode} send no common credential headers; declared with HISAR's template ({}): check what the backend expects",
                        shown.join(", ")
                    )
                };
                self.lint
                    .push(LintKind::AuthTemplate, None, None, files, message);
                template
            } else {
                headers.clone()
            };
            let headers = clean_headers(
                headers,
                &format!("auth mode {mode}"),
                None,
                files,
                &mut self.lint,
            );
            auth.push((mode.clone(), headers));
        }

        let default = uses
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
            .map(|(m, _)| (*m).to_owned());
        let effective = default.clone().unwrap_or_else(|| NO_AUTH.to_owned());
        for w in works.iter_mut() {
            let Some(mode) = &w.mode else { continue };
            if *mode != effective {
                w.draft.auth = Some(mode.clone());
            }
            let sent_by_all = common.get(mode).map(Vec::as_slice).unwrap_or_default();
            let extra: Vec<(String, String)> = w
                .headers
                .iter()
                .filter(|(k, _)| !k.eq_ignore_ascii_case(CONTENT_TYPE))
                .filter(|h| !sent_by_all.contains(h))
                .cloned()
                .collect();
            let files: Vec<&str> = w.files.iter().map(String::as_str).collect();
            w.draft.headers = clean_headers(
                extra,
                &format!("panel {}", w.draft.id),
                Some(&w.draft.id),
                &files,
                &mut self.lint,
            );
        }
        (auth, default.filter(|m| m != NO_AUTH))
    }
}
