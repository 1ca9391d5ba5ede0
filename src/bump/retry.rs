//! Waiting and fetching again between push attempts.

use std::time::Duration;

use crate::git::{self, Workspace};

use super::Failure;

/// A pause before attempt `n` (1-based retry count): exponential from 100 ms, capped at 2 s,
/// jittered over its upper half so that losers of one race do not collide again in the next.
/// (46 bumps at once through git daemon on 2 cores: from 50 ms, ~265 attempts; from 100 ms,
/// ~225 and a little sooner done; a 1 s cap made more attempts and took longer.)
pub(super) fn backoff(n: u32) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let cap = 100u64.saturating_mul(1 << n.min(5)).min(2000);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.write_u32(std::process::id());
    Duration::from_millis(cap / 2 + h.finish() % (cap / 2 + 1))
}

/// Fetches the branch again after a failed push, riding out a few dropped connections.
pub(super) fn refetch(
    ws: &mut Workspace,
    attempts: u32,
    retries: u32,
) -> Result<git2::Oid, Failure> {
    let mut tries = attempts;
    loop {
        match ws.fetch() {
            Err(e) if e.kind == git::ErrorKind::Network && tries <= retries => {
                tries += 1;
                std::thread::sleep(backoff(tries));
            }
            other => return other.map_err(Failure::from),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stays_capped() {
        let expected = [(1, 100, 200), (2, 200, 400), (3, 400, 800), (4, 800, 1600)];
        for (n, lo, hi) in expected {
            let d = backoff(n).as_millis() as u64;
            assert!((lo..=hi).contains(&d), "{n}: {d}");
        }
        for n in 5..40 {
            let d = backoff(n).as_millis() as u64;
            assert!((1000..=2000).contains(&d), "{n}: {d}");
        }
    }
}
