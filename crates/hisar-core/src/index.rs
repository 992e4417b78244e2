//! Lookups by id in lists kept in registry order, in constant time.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

/// A map from id to position in a list, built on the first lookup.
///
/// Lists that carry one (the registry's panels, a tracker state's panels) are public fields, so
/// the index never trusts itself: a position is used only when the item there has the id asked
/// for, and anything else falls back to a scan. It is not part of the value: clones start
/// without one, and it is equal to every other index.
#[derive(Default)]
pub(crate) struct IdIndex(OnceLock<HashMap<String, usize>>);

impl IdIndex {
    /// The first item of `items` whose `key` is `id`.
    pub(crate) fn find<'a, T>(
        &self,
        items: &'a [T],
        id: &str,
        key: impl Fn(&T) -> &str,
    ) -> Option<&'a T> {
        let index = self.0.get_or_init(|| {
            let mut index = HashMap::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                index.entry(key(item).to_owned()).or_insert(i);
            }
            index
        });
        if let Some(item) = index.get(id).and_then(|&i| items.get(i))
            && key(item) == id
        {
            return Some(item);
        }
        items.iter().find(|item| key(item) == id)
    }
}

impl Clone for IdIndex {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl PartialEq for IdIndex {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl fmt::Debug for IdIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdIndex")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_match_and_survives_changes() {
        let index = IdIndex::default();
        let mut items: Vec<String> = ["a", "b", "c", "b"].map(String::from).to_vec();
        let found = |items: &[String], id: &str| {
            index
                .find(items, id, String::as_str)
                .map(std::ptr::from_ref)
        };
        assert_eq!(found(&items, "b"), Some(std::ptr::from_ref(&items[1])));
        assert_eq!(found(&items, "z"), None);
        // The list changes after the index was built: answers stay right.
        items[1] = "x".to_owned();
        items.push("z".to_owned());
        assert_eq!(found(&items, "x"), Some(std::ptr::from_ref(&items[1])));
        assert_eq!(found(&items, "b"), Some(std::ptr::from_ref(&items[3])));
        assert_eq!(found(&items, "z"), Some(std::ptr::from_ref(&items[4])));
    }
}
