//! Assertion translation: AURORA's Python assertions into HISAR invariants.

/// Translates one AURORA assertion (a Python expression over `response` and `status_code`)
/// into HISAR invariants, or `None` when its meaning has no clear equivalent.
///
/// Conjunctions (`a and b`) become one invariant per part; known parts are comparisons of
/// `status_code`, type tests of `response` (`response is dict`, `isinstance(response, list)`),
/// emptiness (`response is not empty`) and key membership (`"k" in response`,
/// `"k" in response.get("a", {})`, `"k" not in response["a"]`).
///
/// ```
/// use hisar_import::aurora::translate_assertion;
/// assert_eq!(translate_assertion("status_code != 401 and status_code != 403").unwrap(),
///            ["status != 401", "status != 403"]);
/// assert_eq!(translate_assertion(r#""aggregation" in response.get("provenance", {})"#).unwrap(),
///            ["$.provenance.aggregation exists"]);
/// assert_eq!(translate_assertion("len(response) > 0"), None);
/// ```
pub fn translate_assertion(text: &str) -> Option<Vec<String>> {
    let atoms = split_and(text)?;
    let mut out = Vec::new();
    for atom in atoms {
        out.push(translate_atom(atom.trim())?);
    }
    (!out.is_empty()).then_some(out)
}

/// Splits on ` and ` outside quotes; `None` on an unclosed quote or an empty part.
///
/// Walks characters, not bytes: every index it slices at is a character boundary, so any
/// text (`"response is café"`) is safe.
fn split_and(text: &str) -> Option<Vec<&str>> {
    const AND: &str = " and ";
    let mut parts = Vec::new();
    let mut quote: Option<char> = None;
    let mut start = 0;
    let mut skip_to = 0;
    for (i, c) in text.char_indices() {
        if i < skip_to {
            continue;
        }
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if text[i..].starts_with(AND) => {
                parts.push(&text[start..i]);
                start = i + AND.len();
                skip_to = start;
            }
            None => {}
        }
    }
    if quote.is_some() {
        return None;
    }
    parts.push(&text[start..]);
    parts.iter().all(|p| !p.trim().is_empty()).then_some(parts)
}

fn translate_atom(atom: &str) -> Option<String> {
    let atom = strip_parens(atom);
    let fixed = match atom {
        "response is dict" | "isinstance(response, dict)" => Some("$ isObject"),
        "response is list" | "isinstance(response, list)" => Some("$ isArray"),
        "isinstance(response, str)" => Some("$ isString"),
        "response is not empty" => Some("not $ isEmpty"),
        "response is empty" => Some("$ isEmpty"),
        "response is not None" => Some("not $ isNull"),
        _ => None,
    };
    if let Some(fixed) = fixed {
        return Some(fixed.to_owned());
    }
    if let Some(rest) = atom.strip_prefix("status_code ") {
        let mut words = rest.split_whitespace();
        let (Some(op), Some(value), None) = (words.next(), words.next(), words.next()) else {
            return None;
        };
        let op = ["==", "!=", "<", "<=", ">", ">="]
            .into_iter()
            .find(|o| *o == op)?;
        let value: u16 = value.parse().ok().filter(|v| (100..600).contains(v))?;
        return Some(format!("status {op} {value}"));
    }
    membership(atom)
}

fn strip_parens(mut atom: &str) -> &str {
    while let Some(inner) = atom.strip_prefix('(').and_then(|a| a.strip_suffix(')')) {
        // Only when the parentheses wrap the whole atom.
        if inner.contains(')') && inner.find(')') < inner.find('(') {
            break;
        }
        atom = inner.trim();
    }
    atom
}

/// `"k" in response...` or `"k" not in response...` → `[not] $.path.k exists`.
fn membership(atom: &str) -> Option<String> {
    let (key, rest) = quoted(atom)?;
    let rest = rest.trim_start();
    let (negated, rest) = if let Some(r) = rest.strip_prefix("not in ") {
        (true, r)
    } else {
        (false, rest.strip_prefix("in ")?)
    };
    let mut rest = rest.trim().strip_prefix("response")?;
    let mut path = String::from("$");
    while !rest.is_empty() {
        let (segment, after) = if let Some(r) = rest.strip_prefix(".get(") {
            let (name, r) = quoted(r)?;
            let r = r
                .trim_start()
                .strip_prefix(',')?
                .trim_start()
                .strip_prefix("{}")?
                .trim_start()
                .strip_prefix(')')?;
            (name, r)
        } else if let Some(r) = rest.strip_prefix('[') {
            let (name, r) = quoted(r)?;
            (name, r.strip_prefix(']')?)
        } else {
            return None;
        };
        path.push_str(&json_path_segment(segment));
        rest = after;
    }
    path.push_str(&json_path_segment(key));
    Some(format!(
        "{}{path} exists",
        if negated { "not " } else { "" }
    ))
}

/// A leading `"..."` or `'...'` without escapes, and what follows it.
fn quoted(text: &str) -> Option<(&str, &str)> {
    let q = text.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let body = &text[1..];
    let end = body.find(q)?;
    let key = &body[..end];
    (!key.contains('\\')).then_some((key, &body[end + 1..]))
}

/// `.name` when RFC 9535's shorthand allows it, else `['name']`.
fn json_path_segment(name: &str) -> String {
    let mut chars = name.chars();
    let shorthand = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if shorthand {
        format!(".{name}")
    } else {
        format!("['{}']", name.replace('\\', "\\\\").replace('\'', "\\'"))
    }
}

/// `a.b.c` → `$.a.b.c exists`.
pub(super) fn field_exists(dotted: &str) -> Option<String> {
    let mut path = String::from("$");
    for part in dotted.split('.') {
        if part.is_empty() {
            return None;
        }
        path.push_str(&json_path_segment(part));
    }
    Some(format!("{path} exists"))
}
