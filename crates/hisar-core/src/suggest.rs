//! "Did you mean" suggestions for misspelt names.

/// The candidate closest to `word` within a small edit distance, ignoring case.
pub(crate) fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let word = word.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (edit_distance(&word, &c.to_ascii_lowercase()), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4) && *d < c.len())
        .min()
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(closest("endpont", &["id", "endpoint"]), Some("endpoint"));
        assert_eq!(
            closest("isArrray", &["isArray", "isObject"]),
            Some("isArray")
        );
        assert_eq!(closest("zzz", &["id", "endpoint"]), None);
        assert_eq!(
            closest("xy", &["a"]),
            None,
            "a word is never replaced whole"
        );
    }
}
