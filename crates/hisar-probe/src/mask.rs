//! The masker of one sweep (SPEC §3.6), shared by the token flows and the run: the sweeper's
//! masker (every secret resolved before the sweep) plus every token a flow obtains during it.
//!
//! The ordering that keeps a token out of every output: a flow adds its token here before it
//! hands the token to any probe, and the run masks verdicts only once every probe and flow of
//! the sweep has finished. So no verdict leaves the probe without the token that produced it
//! being known.

use std::sync::{Arc, PoisonError, RwLock};

use hisar_core::Masker;

/// A sweep's masker, shared: clones are handles to the same one.
#[derive(Debug, Clone, Default)]
pub struct SweepMasker(Arc<RwLock<Masker>>);

impl SweepMasker {
    /// A sweep's masker, starting with every secret of `base`.
    pub fn new(base: Masker) -> Self {
        Self(Arc::new(RwLock::new(base)))
    }

    /// Adds a secret obtained during the sweep (a token, a command's output).
    pub fn add(&self, secret: &str) {
        self.0
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .add(secret);
    }

    /// The masker as it is now, holding every secret added so far.
    pub fn snapshot(&self) -> Masker {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// `text` with every secret known so far masked.
    pub fn mask(&self, text: &str) -> String {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .mask(text)
            .into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_what_is_added() {
        let mut base = Masker::default();
        base.add("static-secret");
        let masker = SweepMasker::new(base);
        let flows = masker.clone();
        flows.add("token-obtained-later");
        assert_eq!(masker.mask("static-secret token-obtained-later"), "*** ***");
        assert_eq!(
            masker.snapshot().mask("token-obtained-later"),
            "***",
            "a snapshot taken after the flow holds its token"
        );
    }
}
