//! "Did you mean" suggestions for misspelt names.

/// The candidate closest to `word` within a small edit distance, ignoring case.
///
/// The distance is `strsim`'s optimal string alignment: insertions, deletions, substitutions
/// and transpositions of two adjacent characters (`endpiont` is one edit from `endpoint`).
pub(crate) fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let word = word.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (strsim::osa_distance(&word, &c.to_ascii_lowercase()), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4) && *d < c.len())
        .min()
        .map(|(_, c)| c)
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

    #[test]
    fn a_transposition_is_one_edit() {
        // Two swaps: four edits by Levenshtein's count, two with transpositions.
        assert_eq!(
            closest("ivnariatns", &["invariants", "provenance"]),
            Some("invariants")
        );
        assert_eq!(closest("ecalss", &["class", "capability"]), Some("class"));
    }
}
