//! Waiting and fetching again between push attempts.

use std::time::{Duration, Instant};

use crate::git::Workspace;

use crate::failure::Failure;

/// Until when a bump goes on retrying, and at most how many times.
pub(super) struct Deadline {
    /// When to stop: a wait that would end after this is not begun.
    pub(super) at: Instant,
    /// `--retries`, when given: at most this many further attempts.
    pub(super) retries: Option<u32>,
    /// `--connect-timeout`: how long one streak of failed connections is retried.
    pub(super) connect: Duration,
    /// Since when the remote has refused the branch's update for a held lock while the branch
    /// stood still.
    pub(super) locked: std::cell::Cell<Option<Instant>>,
    /// Since when pushes have been cut, one after the other.
    pub(super) cut: std::cell::Cell<Option<Instant>>,
}

/// How long a lock on the remote's branch may stay held, the branch not moving, before it is
/// reported: a push holds it for milliseconds.
pub(super) const LOCK_WAIT: Duration = Duration::from_secs(5);

impl Deadline {
    /// Whether attempt `attempts + 1` may be made after waiting `wait`.
    pub(super) fn allows(&self, attempts: u32, wait: Duration) -> bool {
        self.retries.is_none_or(|r| attempts <= r) && Instant::now() + wait < self.at
    }

    /// What stopped the retries after `attempts`, for the message.
    pub(super) fn spent(&self, attempts: u32) -> String {
        match self.retries {
            Some(r) if attempts > r => format!("--retries {r} spent"),
            _ => "--timeout reached".to_string(),
        }
    }

    /// The option to raise.
    pub(super) fn knob(&self, attempts: u32) -> &'static str {
        match self.retries {
            Some(r) if attempts > r => "--retries",
            _ => "--timeout",
        }
    }
}

/// The first wait, and the most one wait may grow to.
const FIRST_WAIT_MS: u64 = 100;
const MAX_WAIT_MS: u64 = 8_000;

/// A pause before retry `n` (1-based): drawn at random from the upper half of a window that
/// doubles from 100 ms up to 8 s. Losers of one race spread over the window instead of
/// colliding again in step, and a crowd that keeps losing backs off further, so the server
/// spends its time on pushes that can land. Measured with bursts through git daemon
/// on 2 cores, all landing: the old 2 s cap needed 11.5 attempts and 294 ms of server CPU per
/// landed bump for 200 at once; 8 s, 7.3 attempts and 187 ms. Drawing from the whole window
/// instead of its upper half gave 46 at once 4.7 attempts and 105 ms of server CPU per bump
/// against 4.1 and 78 ms, and 200 no better. Holding the cap at 2 s for the first seven retries
/// (as before) and growing it only then made 200 at once slower (54 s against 46 s, 8.3
/// attempts against 7.1) and gave 46 nothing measurable; timings on this shared VM vary
/// twofold from one minute to the next.
pub fn backoff(n: u32) -> Duration {
    let cap = FIRST_WAIT_MS
        .saturating_mul(1 << n.saturating_sub(1).min(16))
        .min(MAX_WAIT_MS);
    let low = cap / 2;
    Duration::from_millis(low + crate::random::u64() % (cap - low + 1))
}

/// Fetches the branch again after a failed push, riding out refused, reset and cut
/// connections for at most `--connect-timeout` (and while `deadline` allows), saying so at
/// each retry.
pub(super) fn refetch(
    ws: &mut Workspace,
    attempts: u32,
    deadline: &Deadline,
) -> Result<git2::Oid, Failure> {
    let mut tries = attempts;
    let mut streak: Option<Instant> = None;
    loop {
        if let Some(signal) = crate::interrupt::requested() {
            return Err(Failure::interrupted(signal, "nothing more was pushed"));
        }
        let fetched = ws.fetch();
        if let Some(signal) = crate::interrupt::requested() {
            return Err(Failure::interrupted(signal, "nothing more was pushed"));
        }
        match fetched {
            Err(e) if e.worth_retrying() => {
                let since = *streak.get_or_insert_with(Instant::now);
                let wait = backoff(tries + 1);
                if !deadline.allows(tries, wait) || since.elapsed() + wait > deadline.connect {
                    return Err(Failure::new(
                        crate::failure::FailKind::Other,
                        format!(
                            "{}\nfetching again failed for {:.1} s, until --connect-timeout or --timeout; check that the server is up, or raise them",
                            e.message,
                            since.elapsed().as_secs_f64()
                        ),
                    ));
                }
                tries += 1;
                ws.notice(&format!(
                    "{}; trying again in {:.1} s",
                    e.message.lines().next().unwrap_or(""),
                    wait.as_secs_f64()
                ));
                crate::interrupt::sleep(wait);
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
        let expected = [
            (1, 10, 100),
            (2, 20, 200),
            (3, 40, 400),
            (4, 80, 800),
            (7, 640, 6400),
        ];
        for (n, lo, hi) in expected {
            for _ in 0..20 {
                let d = backoff(n).as_millis() as u64;
                assert!((lo..=hi).contains(&d), "{n}: {d}");
            }
        }
        for n in 8..40 {
            let d = backoff(n).as_millis() as u64;
            assert!((4000..=8000).contains(&d), "{n}: {d}");
        }
        // Spread over the half window, not bunched at one end.
        let waits: Vec<u64> = (0..200).map(|_| backoff(6).as_millis() as u64).collect();
        assert!(waits.iter().any(|&w| w < 2000) && waits.iter().any(|&w| w > 2800));
    }

    #[test]
    fn a_deadline_stops_retries_before_a_wait_that_would_pass_it() {
        let soon = Deadline {
            at: Instant::now() + Duration::from_millis(500),
            retries: None,
            connect: Duration::from_secs(60),
            locked: Default::default(),
            cut: Default::default(),
        };
        assert!(soon.allows(40, Duration::from_millis(10)));
        assert!(!soon.allows(1, Duration::from_secs(1)));
        assert_eq!(soon.knob(40), "--timeout");
        assert_eq!(soon.spent(40), "--timeout reached");
        let counted = Deadline {
            at: Instant::now() + Duration::from_secs(600),
            retries: Some(2),
            connect: Duration::from_secs(60),
            locked: Default::default(),
            cut: Default::default(),
        };
        assert!(counted.allows(2, Duration::from_millis(10)));
        assert!(!counted.allows(3, Duration::from_millis(10)));
        assert_eq!(counted.knob(3), "--retries");
        assert_eq!(counted.spent(3), "--retries 2 spent");
    }
}
