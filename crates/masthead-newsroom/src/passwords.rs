//! Argon2, a few at a time. Each hash or check of a password takes about 19 MiB for as long as
//! it runs (Argon2id's default memory cost) and a core; 150 sign-ins at once took a server from
//! 26 MiB to 2.9 GiB, which the allocator then kept. So a few places are shared by every
//! sign-in of the process, and a sign-in that finds none free within a short wait is answered
//! "too many sign-ins right now" instead of queueing without end.
//!
//! Each place keeps its Argon2 working memory from one check to the next
//! ([`Argon2Memory`]), so the memory that checks take is the places' and no more, and stays
//! so after a burst.
//!
//! A place moves into the blocking closure, so it is held until the hash ends, even when the
//! request that asked for it has gone. Nothing here may wait on IO while holding one.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::secrets::Argon2Memory;

/// The fewest and most Argon2 computations at once, whatever the cores.
pub const MIN_AT_ONCE: usize = 2;
pub const MAX_AT_ONCE: usize = 4;
/// How long a sign-in waits for a place before it is told to come back.
pub const SIGN_IN_WAIT: Duration = Duration::from_secs(2);

/// The places for Argon2 work, shared by every clone of a `Newsroom`.
#[derive(Debug, Clone)]
pub struct PasswordChecks {
    places: Arc<Semaphore>,
    /// One per place, taken by whoever holds a place (so never waited for).
    memory: Arc<Mutex<Vec<Argon2Memory>>>,
    wait: Duration,
    done: Arc<AtomicU64>,
}

/// One place taken without hashing anything ([`PasswordChecks::take_place`]).
#[derive(Debug)]
pub struct Place {
    _place: OwnedSemaphorePermit,
}

impl PasswordChecks {
    /// At most `at_once` computations at once (at least one); a sign-in waits `wait` for a place.
    pub fn new(at_once: usize, wait: Duration) -> PasswordChecks {
        let at_once = at_once.max(1);
        PasswordChecks {
            places: Arc::new(Semaphore::new(at_once)),
            memory: Arc::new(Mutex::new((0..at_once).map(|_| Argon2Memory::default()).collect())),
            wait,
            done: Arc::new(AtomicU64::new(0)),
        }
    }

    /// One place per core, from [`MIN_AT_ONCE`] to [`MAX_AT_ONCE`]; sign-ins wait [`SIGN_IN_WAIT`].
    pub fn for_this_machine() -> PasswordChecks {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        PasswordChecks::new(cores.clamp(MIN_AT_ONCE, MAX_AT_ONCE), SIGN_IN_WAIT)
    }

    /// Runs `f` (a sign-in's check) on a blocking thread once a place is free, with the
    /// place's memory; `None`, without running it, when none frees within the wait.
    pub async fn check<T, F>(&self, f: F) -> Option<T>
    where
        F: FnOnce(&mut Argon2Memory) -> T + Send + 'static,
        T: Send + 'static,
    {
        let place = tokio::time::timeout(self.wait, self.places.clone().acquire_owned()).await.ok()?;
        let place = place.expect("the places are never closed");
        let memories = self.memory.clone();
        Some(
            self.run_with(place, move || {
                let taken = memories.lock().unwrap_or_else(|e| e.into_inner()).pop();
                let mut memory = taken.unwrap_or_default();
                let value = f(&mut memory);
                memories.lock().unwrap_or_else(|e| e.into_inner()).push(memory);
                value
            })
            .await,
        )
    }

    /// Runs `f` (hashing a new password) on a blocking thread once a place is free, waiting as
    /// long as it takes: whoever chooses a password already holds a reset link or the shell.
    pub async fn run<T, F>(&self, f: F) -> T
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let place = self.places.clone().acquire_owned().await.expect("the places are never closed");
        self.run_with(place, f).await
    }

    async fn run_with<T, F>(&self, place: OwnedSemaphorePermit, f: F) -> T
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.done.fetch_add(1, Ordering::Relaxed);
        let task = tokio::task::spawn_blocking(move || {
            let _place = place;
            f()
        });
        match task.await {
            Ok(value) => value,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => panic!("a password check was cancelled: {e}"),
        }
    }

    /// How many computations have started: what tests count to know how many passwords an
    /// attack had checked.
    pub fn started(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    /// Takes a free place without computing anything, until the [`Place`] is dropped; `None`
    /// when all are taken. Tests fill the places with it to see a burst refused.
    pub fn take_place(&self) -> Option<Place> {
        self.places.clone().try_acquire_owned().ok().map(|p| Place { _place: p })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_check_that_finds_no_place_is_not_run() {
        let checks = PasswordChecks::new(1, Duration::ZERO);
        let held = checks.take_place().expect("one place");
        assert!(checks.take_place().is_none());
        assert_eq!(checks.check(|_| 1).await, None, "no place: refused, not queued");
        assert_eq!(checks.started(), 0);
        drop(held);
        assert_eq!(checks.check(|_| 2).await, Some(2));
        assert_eq!(checks.run(|| 3).await, 3);
        assert_eq!(checks.started(), 2);
    }
}
