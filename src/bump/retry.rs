//! Waiting and fetching again between push attempts: the run's budgets (one
//! [`crate::retry::Retry`]) and the streaks of cut pushes and of a locked branch.

use std::cell::Cell;
use std::time::{Duration, Instant};

use crate::git::{self, Workspace};
use crate::retry::{Retry, RetryResult, Stop};

use crate::failure::Failure;

/// Until when a bump goes on retrying, and at most how many times.
pub(super) struct Deadline {
    /// `--timeout`'s deadline, `--retries` and `--connect-timeout`.
    pub(super) retry: Retry,
    /// Since when the remote has refused the branch's update for a held lock while the branch
    /// stood still.
    pub(super) locked: Cell<Option<Instant>>,
    /// Since when pushes have been cut, one after the other.
    pub(super) cut: Cell<Option<Instant>>,
}

/// How long a lock on the remote's branch may stay held, the branch not moving, before it is
/// reported: a push holds it for milliseconds.
pub(super) const LOCK_WAIT: Duration = Duration::from_secs(5);

impl Deadline {
    /// The run's budgets, none of them spent yet.
    pub(super) fn new(retry: Retry) -> Deadline {
        Deadline {
            retry,
            locked: Cell::default(),
            cut: Cell::default(),
        }
    }

    /// Whether attempt `attempts + 1` may be made after waiting `wait`.
    pub(super) fn allows(&self, attempts: u32, wait: Duration) -> bool {
        self.retry.allows(attempts, wait, None).is_ok()
    }

    /// What stopped the retries after `attempts`, for the message.
    pub(super) fn spent(&self, attempts: u32) -> String {
        self.retry.spent_text(self.retry.spent_by(attempts))
    }

    /// The option to raise.
    pub(super) fn knob(&self, attempts: u32) -> &'static str {
        self.retry.spent_by(attempts).flag()
    }

    /// A failed connection (cut, or never opened) joins the streak counted by
    /// `--connect-timeout` from its first failure: the wait before the next try, or `None`
    /// when a budget is spent.
    pub(super) fn after_cut(&self, attempts: u32) -> Option<Duration> {
        let since = self.cut.get().unwrap_or_else(Instant::now);
        self.cut.set(Some(since));
        let wait = crate::retry::backoff(attempts);
        self.retry
            .allows(attempts, wait, Some(since))
            .is_ok()
            .then_some(wait)
    }
}

/// Fetches the branch again after a failed push, riding out refused, reset and cut
/// connections (see [`on_connection`]).
pub(super) fn refetch(
    ws: &mut Workspace,
    attempts: u32,
    deadline: &Deadline,
) -> Result<git2::Oid, Failure> {
    on_connection(ws, attempts, deadline, "fetching again", Workspace::fetch)
}

/// `op` (`what`, for the message) on the remote, tried again on a refused, reset or cut
/// connection for at most `--connect-timeout` (and while the deadline and `--retries` allow,
/// the `attempts` made so far counted), saying so at each retry.
pub(super) fn on_connection<T>(
    ws: &mut Workspace,
    attempts: u32,
    deadline: &Deadline,
    what: &str,
    mut op: impl FnMut(&mut Workspace) -> Result<T, git::Error>,
) -> Result<T, Failure> {
    let interrupted = |signal| Failure::interrupted(signal, "nothing more was pushed");
    if let Some(signal) = crate::interrupt::requested() {
        return Err(interrupted(signal));
    }
    // One borrow at a time: the transfer, or the notice before a wait.
    let ws = std::cell::RefCell::new(ws);
    let done = deadline.retry.run(
        attempts,
        || RetryResult::judge(op(&mut ws.borrow_mut()), git::Error::worth_retrying),
        |e, wait| {
            ws.borrow().notice(&format!(
                "{}; trying again in {:.1} s",
                e.message.lines().next().unwrap_or(""),
                wait.as_secs_f64()
            ))
        },
    );
    if let Some(signal) = crate::interrupt::requested() {
        return Err(interrupted(signal));
    }
    match done {
        Ok(v) => Ok(v),
        Err(Stop::Failed(e)) => Err(e.into()),
        Err(Stop::Interrupted(signal)) => Err(interrupted(signal)),
        Err(Stop::Spent(e, spent)) => Err(Failure::from(e).with_hint(format!(
            "{what} failed {} in {:.1} s, until {knob}; check that the server is up, or raise {knob}",
            spent.times(),
            spent.over.as_secs_f64(),
            knob = spent.knob.flag(),
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_stops_retries_before_a_wait_that_would_pass_it() {
        let soon = Deadline::new(Retry::new(
            Instant::now() + Duration::from_millis(500),
            None,
        ));
        assert!(soon.allows(40, Duration::from_millis(10)));
        assert!(!soon.allows(1, Duration::from_secs(1)));
        assert_eq!(soon.knob(40), "--timeout");
        assert_eq!(soon.spent(40), "--timeout reached");
        let counted = Deadline::new(Retry::new(
            Instant::now() + Duration::from_secs(600),
            Some(2),
        ));
        assert!(counted.allows(2, Duration::from_millis(10)));
        assert!(!counted.allows(3, Duration::from_millis(10)));
        assert_eq!(counted.knob(3), "--retries");
        assert_eq!(counted.spent(3), "--retries 2 spent");
    }
}
