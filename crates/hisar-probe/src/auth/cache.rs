//! One mode's token for one sweep: obtained when the first panel needs it, kept while it
//! lives, renewed a little before it expires and once after a 401, and never fetched by two
//! panels at once (single flight: the others wait for the one renewal and share its token).

use std::future::Future;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::FlowFailure;
use super::token::Token;
use crate::probe::Secret;

/// The longest a token is renewed ahead of its expiry.
const MAX_MARGIN: Duration = Duration::from_secs(60);

/// How long before expiry a token is renewed: a tenth of its lifetime, at most a minute (a
/// probe sent just before expiry must not arrive after it; a two-second token is still used
/// for 1.8 s).
fn margin(lifetime: Duration) -> Duration {
    (lifetime / 10).min(MAX_MARGIN)
}

/// A token as handed to a probe: the header to send and the generation it belongs to (a 401
/// names the generation it got, so that many 401s on one token renew it once).
#[derive(Debug, Clone)]
pub(crate) struct Issued {
    /// Header name and value.
    pub(crate) header: (String, Secret),
    /// Which token this is, counting from 1.
    pub(crate) generation: u64,
}

/// What a 401 obtained.
#[derive(Debug, Clone)]
pub(crate) enum Renewal {
    /// A fresher token (renewed now, or by another panel since): repeat the probe with it.
    Renewed(Issued),
    /// The token refused is itself one renewed after a 401 and no probe has had it accepted
    /// yet: another renewal would not help (the backend refuses the path, not the token), so
    /// none is made.
    Futile,
}

#[derive(Debug)]
struct Held {
    token: Token,
    generation: u64,
    renew_at: Option<Instant>,
    /// Obtained because a probe got 401.
    after_401: bool,
    /// A probe got an answer other than 401 with it.
    accepted: bool,
}

impl Held {
    fn issued(&self) -> Issued {
        Issued {
            header: self.token.header(),
            generation: self.generation,
        }
    }

    fn fresh(&self, now: Instant) -> bool {
        self.renew_at.is_none_or(|at| now < at)
    }
}

#[derive(Debug, Default)]
struct State {
    current: Option<Held>,
    failure: Option<FlowFailure>,
    generations: u64,
}

/// A mode's token cache.
#[derive(Debug, Default)]
pub(crate) struct TokenCell {
    /// Held while a token is fetched: the single flight.
    gate: tokio::sync::Mutex<()>,
    state: Mutex<State>,
}

impl TokenCell {
    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// The cached token when it is still fresh, or the failure already met this sweep.
    fn cached(&self) -> Option<Result<Issued, FlowFailure>> {
        let now = Instant::now();
        self.with(|s| {
            if let Some(failure) = &s.failure {
                return Some(Err(failure.clone()));
            }
            s.current
                .as_ref()
                .filter(|h| h.fresh(now))
                .map(|h| Ok(h.issued()))
        })
    }

    /// The token to send: the cached one while it is fresh, else one fetched now. Concurrent
    /// callers wait for one fetch. A failure is kept for the rest of the sweep: the flow is not
    /// asked again for every panel.
    pub(crate) async fn get<F, Fut>(&self, fetch: F) -> Result<Issued, FlowFailure>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Token, FlowFailure>>,
    {
        if let Some(cached) = self.cached() {
            return cached;
        }
        let _flight = self.gate.lock().await;
        if let Some(cached) = self.cached() {
            return cached;
        }
        self.fetch(fetch, false).await
    }

    /// After a probe got 401 with token `generation`: a renewed token, shared by every probe
    /// that got 401 with the same one.
    pub(crate) async fn renew_after_401<F, Fut>(
        &self,
        generation: u64,
        fetch: F,
    ) -> Result<Renewal, FlowFailure>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Token, FlowFailure>>,
    {
        let _flight = self.gate.lock().await;
        let now = Instant::now();
        let decision = self.with(|s| {
            if let Some(failure) = &s.failure {
                return Some(Err(failure.clone()));
            }
            match &s.current {
                Some(h) if h.generation != generation && h.fresh(now) => {
                    Some(Ok(Renewal::Renewed(h.issued())))
                }
                Some(h) if h.generation == generation && h.after_401 && !h.accepted => {
                    Some(Ok(Renewal::Futile))
                }
                _ => None,
            }
        });
        if let Some(decision) = decision {
            return decision;
        }
        self.fetch(fetch, true).await.map(Renewal::Renewed)
    }

    /// A probe got an answer other than 401 with token `generation`.
    pub(crate) fn accepted(&self, generation: u64) {
        self.with(|s| {
            if let Some(h) = s.current.as_mut().filter(|h| h.generation == generation) {
                h.accepted = true;
            }
        });
    }

    /// Tokens obtained so far.
    pub(crate) fn obtained(&self) -> u64 {
        self.with(|s| s.generations)
    }

    async fn fetch<F, Fut>(&self, fetch: F, after_401: bool) -> Result<Issued, FlowFailure>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Token, FlowFailure>>,
    {
        let asked_at = Instant::now();
        let result = fetch().await;
        self.with(|s| match result {
            Ok(token) => {
                s.generations += 1;
                let renew_at = token
                    .lifetime
                    .map(|life| asked_at + life.saturating_sub(margin(life)));
                let held = Held {
                    token,
                    generation: s.generations,
                    renew_at,
                    after_401,
                    accepted: false,
                };
                let issued = held.issued();
                s.current = Some(held);
                Ok(issued)
            }
            Err(failure) => {
                s.current = None;
                s.failure = Some(failure.clone());
                Err(failure)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::auth::token::Carrier;

    fn counting(
        calls: &Arc<AtomicUsize>,
        lifetime: Option<Duration>,
    ) -> impl FnOnce() -> std::pin::Pin<Box<dyn Future<Output = Result<Token, FlowFailure>> + Send>>
    {
        let calls = Arc::clone(calls);
        move || {
            Box::pin(async move {
                let n = calls.fetch_add(1, Ordering::SeqCst);
                // Slow enough that concurrent callers pile up behind the gate.
                tokio::time::sleep(Duration::from_millis(20)).await;
                Ok(Token::new(format!("token-{n}"), Carrier::Bearer, lifetime))
            })
        }
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_fetch() {
        let cell = Arc::new(TokenCell::default());
        let calls = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..32 {
            let (cell, calls) = (Arc::clone(&cell), Arc::clone(&calls));
            tasks.push(tokio::spawn(async move {
                cell.get(counting(&calls, None)).await.unwrap().generation
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), 1);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1, "one fetch for 32 callers");
        assert_eq!(cell.obtained(), 1);
    }

    #[tokio::test]
    async fn many_401s_on_one_token_renew_it_once() {
        let cell = Arc::new(TokenCell::default());
        let calls = Arc::new(AtomicUsize::new(0));
        let first = cell.get(counting(&calls, None)).await.unwrap();
        cell.accepted(first.generation);
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let (cell, calls) = (Arc::clone(&cell), Arc::clone(&calls));
            tasks.push(tokio::spawn(async move {
                match cell
                    .renew_after_401(1, counting(&calls, None))
                    .await
                    .unwrap()
                {
                    Renewal::Renewed(issued) => issued.generation,
                    Renewal::Futile => 0,
                }
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), 2, "every 401 gets the one renewed token");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        // A 401 with the renewed token, which nothing has accepted: renewing again is futile.
        let again = cell
            .renew_after_401(2, counting(&calls, None))
            .await
            .unwrap();
        assert!(matches!(again, Renewal::Futile));
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        // Once a probe had it accepted, a later 401 (a revocation) renews it.
        cell.accepted(2);
        let renewed = cell
            .renew_after_401(2, counting(&calls, None))
            .await
            .unwrap();
        assert!(matches!(
            renewed,
            Renewal::Renewed(Issued { generation: 3, .. })
        ));
    }

    #[tokio::test]
    async fn a_first_token_refused_is_renewed_once() {
        let cell = TokenCell::default();
        let calls = Arc::new(AtomicUsize::new(0));
        let first = cell.get(counting(&calls, None)).await.unwrap();
        let renewed = cell
            .renew_after_401(first.generation, counting(&calls, None))
            .await
            .unwrap();
        assert!(matches!(
            renewed,
            Renewal::Renewed(Issued { generation: 2, .. })
        ));
    }

    #[tokio::test]
    async fn tokens_are_renewed_before_they_expire() {
        let cell = TokenCell::default();
        let calls = Arc::new(AtomicUsize::new(0));
        let life = Some(Duration::from_millis(200));
        assert_eq!(
            cell.get(counting(&calls, life)).await.unwrap().generation,
            1
        );
        assert_eq!(
            cell.get(counting(&calls, life)).await.unwrap().generation,
            1
        );
        // Past 90% of its life (from when it was asked for), the token is renewed.
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(
            cell.get(counting(&calls, life)).await.unwrap().generation,
            2
        );
        assert_eq!(margin(Duration::from_secs(2)), Duration::from_millis(200));
        assert_eq!(margin(Duration::from_secs(3600)), MAX_MARGIN);
    }

    #[tokio::test]
    async fn a_failure_is_kept_for_the_sweep() {
        let cell = TokenCell::default();
        let calls = Arc::new(AtomicUsize::new(0));
        let failing = |calls: &Arc<AtomicUsize>| {
            let calls = Arc::clone(calls);
            move || async move {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(FlowFailure {
                    mode: "service".into(),
                    flow: "oauth2",
                    reason: "got HTTP 401".into(),
                })
            }
        };
        for _ in 0..5 {
            assert!(cell.get(failing(&calls)).await.is_err());
        }
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "the flow is asked once a sweep"
        );
    }
}
