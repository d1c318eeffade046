//! Argon2id password hashing (PHC strings with their own salt and parameters), and the gate
//! that keeps password checks from taking the whole machine.

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};

pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters hashes any input")
        .to_string()
}

/// False for a wrong password and for a malformed stored hash alike.
pub fn verify(password: &str, stored_hash: &str) -> bool {
    PasswordHash::new(stored_hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// A hash to verify against when the email is unknown, so both failures cost the same time.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash("decoy password that matches nothing"))
}

/// Each password check runs Argon2 (about 19 MiB and tens of milliseconds of a core): at most
/// `permits` run at once, so a flood of sign-ins cannot take every core or gigabytes of memory.
/// One more waits up to `wait` for its turn, then is told the server is busy.
#[derive(Clone)]
pub struct PasswordGate {
    permits: std::sync::Arc<tokio::sync::Semaphore>,
    wait: std::time::Duration,
}

/// Every password check is taken; try again shortly.
#[derive(Debug)]
pub struct Busy;

impl PasswordGate {
    pub fn new(permits: usize, wait: std::time::Duration) -> Self {
        Self { permits: std::sync::Arc::new(tokio::sync::Semaphore::new(permits.max(1))), wait }
    }

    /// Checks on at most half the machine's cores (one on a single core), so a flood of sign-ins
    /// leaves the rest to pages and syncs; a sign-in waits up to 2 s for a turn.
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        Self::new(checks_at_once(cores), std::time::Duration::from_secs(2))
    }

    /// A turn to check a password, held until the check ends (move it into the blocking task,
    /// so that a caller who goes away does not free it while Argon2 still runs).
    pub async fn enter(&self) -> Result<tokio::sync::OwnedSemaphorePermit, Busy> {
        match tokio::time::timeout(self.wait, self.permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(Busy),
        }
    }
}

/// Password checks allowed at once on a machine with `cores` cores.
fn checks_at_once(cores: usize) -> usize {
    (cores / 2).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_checks_take_at_most_half_the_cores() {
        assert_eq!(checks_at_once(1), 1);
        assert_eq!(checks_at_once(2), 1);
        assert_eq!(checks_at_once(3), 1);
        assert_eq!(checks_at_once(16), 8);
    }

    #[test]
    fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let stored = hash("correct horse");
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse", &stored));
        assert!(!verify("correct horsE", &stored));
    }

    #[test]
    fn the_same_password_hashes_differently_each_time() {
        assert_ne!(hash("pw"), hash("pw"));
    }

    #[test]
    fn a_malformed_hash_never_verifies() {
        assert!(!verify("pw", "not a hash"));
    }

    #[tokio::test]
    async fn password_checks_past_the_cap_wait_briefly_then_are_turned_away() {
        let gate = PasswordGate::new(1, std::time::Duration::from_millis(20));
        let first = gate.enter().await.expect("a free turn");
        assert!(gate.enter().await.is_err(), "the second check waited its 20 ms and was turned away");
        drop(first);
        let waiting = tokio::spawn({
            let gate = gate.clone();
            async move { gate.enter().await.is_ok() }
        });
        assert!(waiting.await.expect("the task ran"), "a freed turn is taken at once");
    }
}
