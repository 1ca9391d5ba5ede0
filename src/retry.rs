//! Trying again: one [`Retry`] for every loop that rides out a failure (a clone or a fetch
//! whose connection is refused or cut, a push that lost a race, was cut, or met a locked
//! branch, GitHub's server errors). It holds the budgets (`--timeout`'s deadline, `--retries`,
//! `--connect-timeout` for a streak of failed connections), draws the waits, honours a
//! server's own "wait N seconds" within the deadline, names the flag to raise when a budget is
//! spent, and waits so that a signal ends the wait at once. Whether an error is worth another
//! try is the caller's judgement ([`RetryResult::judge`]); this room knows nothing of Git or
//! HTTP. The model is cargo's `util/network/retry.rs`. Its waits are
//! `crate::interrupt::wait`'s, the crate's only sleep.

use std::time::{Duration, Instant};

/// Where a room that waits says so, one line each time (the command line's notice function:
/// stderr unless `--quiet`).
pub(crate) type Notice = std::rc::Rc<dyn Fn(&str)>;

/// The budgets a loop tries again within.
#[derive(Clone, Debug)]
pub(crate) struct Retry {
    /// When to stop: a wait that would end at or after this is not begun (`--timeout`).
    deadline: Instant,
    /// `--retries`, when given: at most this many further tries.
    retries: Option<u32>,
    /// `--connect-timeout`: how long one streak of failed connections is retried, counted from
    /// its first failure; `None` where no such budget applies.
    connect: Option<Duration>,
    /// The window of the first wait, doubled for each further one up to [`MAX_WAIT`].
    first: Duration,
}

/// The flag that set a budget, named when it is spent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Knob {
    /// `--retries`.
    Retries,
    /// `--timeout`.
    Timeout,
    /// `--connect-timeout`.
    ConnectTimeout,
}

impl Knob {
    /// The flag, as typed.
    pub(crate) fn flag(self) -> &'static str {
        match self {
            Knob::Retries => "--retries",
            Knob::Timeout => "--timeout",
            Knob::ConnectTimeout => "--connect-timeout",
        }
    }
}

/// What a try came to, as its caller judges it (cargo's `RetryResult`).
pub(crate) enum RetryResult<T, E> {
    /// Done, with this value.
    Success(T),
    /// Done: a failure no other try can mend.
    Err(E),
    /// Worth another try; with the server's own "wait this long" when it said so.
    Retry(E, Option<Duration>),
    /// A limit the server set (a rate limit): another try after waiting this long, which is
    /// bounded by the deadline alone (not counted against `--retries`, nor a streak of failed
    /// connections); at least [`MIN_ASKED`].
    Wait(E, Duration),
}

impl<T, E> RetryResult<T, E> {
    /// `result` judged by `worth`, the caller's rule for which failures another try may mend.
    pub(crate) fn judge(result: Result<T, E>, worth: impl FnOnce(&E) -> bool) -> Self {
        match result {
            Ok(v) => RetryResult::Success(v),
            Err(e) if worth(&e) => RetryResult::Retry(e, None),
            Err(e) => RetryResult::Err(e),
        }
    }
}

/// Why [`Retry::run`] stopped without a value.
pub(crate) enum Stop<E> {
    /// A failure another try would not mend.
    Failed(E),
    /// The last failure, and the budget that ran out before the next try.
    Spent(E, Spent),
    /// A signal asked the run to end (its number).
    Interrupted(i32),
}

/// A spent budget: which, after how many failed tries, how long after the first.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Spent {
    /// The flag to raise.
    pub knob: Knob,
    /// The failed tries.
    pub tries: u32,
    /// Since the first of them.
    pub over: Duration,
}

impl Spent {
    /// "once", "3 times".
    pub(crate) fn times(&self) -> String {
        times(self.tries)
    }
}

/// "once", "3 times".
pub(crate) fn times(n: u32) -> String {
    if n == 1 {
        "once".to_string()
    } else {
        format!("{n} times")
    }
}

/// The window of the first wait of a run's loops, and the most one wait may grow to.
const FIRST_WAIT: Duration = Duration::from_millis(100);
const MAX_WAIT: Duration = Duration::from_millis(8_000);

impl Retry {
    /// Tries until `deadline`, at most `retries` further times when given.
    pub(crate) fn new(deadline: Instant, retries: Option<u32>) -> Retry {
        Retry {
            deadline,
            retries,
            connect: None,
            first: FIRST_WAIT,
        }
    }

    /// With `--connect-timeout`: a streak of failed connections retried for at most `budget`.
    pub(crate) fn connect(mut self, budget: Duration) -> Retry {
        self.connect = Some(budget);
        self
    }

    /// With a first wait drawn from the upper half of `first` (doubling from there).
    pub(crate) fn first_wait(mut self, first: Duration) -> Retry {
        self.first = first;
        self
    }

    /// The deadline.
    pub(crate) fn deadline(&self) -> Instant {
        self.deadline
    }

    /// The wait before try `n + 1` after `n` failed ones (see [`backoff`]).
    pub(crate) fn backoff(&self, n: u32) -> Duration {
        window(self.first, n)
    }

    /// Whether another try may follow `tries` failed ones after waiting `wait`: the budget
    /// that forbids it otherwise. `streak` is when a streak of failed connections began, for
    /// `--connect-timeout`.
    pub(crate) fn allows(
        &self,
        tries: u32,
        wait: Duration,
        streak: Option<Instant>,
    ) -> Result<(), Knob> {
        if self.retries.is_some_and(|r| tries > r) {
            return Err(Knob::Retries);
        }
        if Instant::now() + wait >= self.deadline {
            return Err(Knob::Timeout);
        }
        match (self.connect, streak) {
            (Some(budget), Some(since)) if since.elapsed() + wait > budget => {
                Err(Knob::ConnectTimeout)
            }
            _ => Ok(()),
        }
    }

    /// The budget that stops the tries after `tries` failed ones, when no wait is left to
    /// judge: `--retries` when they are spent, else `--timeout`.
    pub(crate) fn spent_by(&self, tries: u32) -> Knob {
        match self.retries {
            Some(r) if tries > r => Knob::Retries,
            _ => Knob::Timeout,
        }
    }

    /// "--retries 3 spent", "--timeout reached", for a message.
    pub(crate) fn spent_text(&self, knob: Knob) -> String {
        match (knob, self.retries) {
            (Knob::Retries, Some(r)) => format!("--retries {r} spent"),
            (k, _) => format!("{} reached", k.flag()),
        }
    }

    /// `attempt` tried until it succeeds, fails for good, or a budget is spent; `tries` failed
    /// tries are already counted against `--retries` (a loop inside a loop). Failures worth
    /// another try count as one streak of failed connections when `--connect-timeout` is set.
    /// Before each wait `waiting` is told the failure and the wait; a signal ends the wait.
    pub(crate) fn run<T, E>(
        &self,
        mut tries: u32,
        mut attempt: impl FnMut() -> RetryResult<T, E>,
        mut waiting: impl FnMut(&E, Duration),
    ) -> Result<T, Stop<E>> {
        let mut streak: Option<Instant> = None;
        let (began, mut waited) = (Instant::now(), 0);
        loop {
            let (e, wait) = match attempt() {
                RetryResult::Success(v) => return Ok(v),
                RetryResult::Err(e) => return Err(Stop::Failed(e)),
                RetryResult::Wait(e, asked) => {
                    waited += 1;
                    let wait = asked.max(MIN_ASKED);
                    if Instant::now() + wait >= self.deadline {
                        let (knob, tries, over) = (Knob::Timeout, tries + waited, began.elapsed());
                        return Err(Stop::Spent(e, Spent { knob, tries, over }));
                    }
                    (e, wait)
                }
                RetryResult::Retry(e, asked) => {
                    tries += 1;
                    let since = *streak.get_or_insert_with(Instant::now);
                    // A server's own wait is honoured as it is, never shortened.
                    let wait = asked.unwrap_or_else(|| self.backoff(tries));
                    if let Err(knob) = self.allows(tries, wait, Some(since)) {
                        let (tries, over) = (tries + waited, since.elapsed());
                        return Err(Stop::Spent(e, Spent { knob, tries, over }));
                    }
                    (e, wait)
                }
            };
            if let Some(signal) = crate::interrupt::requested() {
                return Err(Stop::Interrupted(signal));
            }
            waiting(&e, wait);
            if let Some(signal) = sleep(wait) {
                return Err(Stop::Interrupted(signal));
            }
        }
    }
}

/// A pause before retry `n` (1-based) of a run's loops: drawn at random from the upper half of
/// a window that doubles from 100 ms up to 8 s. Losers of one race spread over the window
/// instead of colliding again in step, and a crowd that keeps losing backs off further, so the
/// server spends its time on pushes that can land. Measured with bursts through git daemon
/// on 2 cores, all landing: the old 2 s cap needed 11.5 attempts and 294 ms of server CPU per
/// landed bump for 200 at once; 8 s, 7.3 attempts and 187 ms. Drawing from the whole window
/// instead of its upper half gave 46 at once 4.7 attempts and 105 ms of server CPU per bump
/// against 4.1 and 78 ms, and 200 no better. Holding the cap at 2 s for the first seven retries
/// (as before) and growing it only then made 200 at once slower (54 s against 46 s, 8.3
/// attempts against 7.1) and gave 46 nothing measurable; timings on this shared VM vary
/// twofold from one minute to the next.
pub(crate) fn backoff(n: u32) -> Duration {
    window(FIRST_WAIT, n)
}

/// A wait drawn from the upper half of `first` doubled `n - 1` times, capped at [`MAX_WAIT`].
fn window(first: Duration, n: u32) -> Duration {
    let first = first.as_millis().min(u128::from(u64::MAX)) as u64;
    let cap = first
        .saturating_mul(1 << n.saturating_sub(1).min(16))
        .min(MAX_WAIT.as_millis() as u64)
        .max(1);
    let low = cap / 2;
    Duration::from_millis(low + crate::random::u64() % (cap - low + 1))
}

/// Sleeps `d`, waking early when a signal asks the run to end: the signal, if one did.
pub(crate) fn sleep(d: Duration) -> Option<i32> {
    crate::interrupt::wait(d)
}

/// The shortest wait of a limit a server set ([`RetryResult::Wait`]): a `Retry-After: 0`, or a
/// date or reset already past, does not make a loop of requests.
pub(crate) const MIN_ASKED: Duration = Duration::from_millis(500);

/// The longest wait read from a server: a longer one is read as this, which is past any
/// sensible `--timeout`, so that it fails at once saying how long was asked.
pub(crate) const MAX_ASKED: Duration = Duration::from_secs(24 * 3600);

/// A server's `Retry-After` (RFC 9110 §10.2.3): whole seconds, or an HTTP date (the time left
/// until it, none when past); at most [`MAX_ASKED`]. `None` for anything else (a negative
/// number, a fraction, garbage): no wait was asked.
pub(crate) fn after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // All digits: a number too large for u64 is still a (huge) number of seconds.
        let secs = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(secs).min(MAX_ASKED));
    }
    let at = crate::utc::parse_http(value)?;
    Some(until(at))
}

/// The time left until `at` (Unix seconds, as a rate limit's reset is sent), rounded up to
/// the next whole second (a reset is the second it is named by); zero when past; at most
/// [`MAX_ASKED`].
pub(crate) fn until(at: i64) -> Duration {
    let left = at.saturating_sub(crate::utc::now());
    let left = u64::try_from(left).unwrap_or(0);
    Duration::from_secs(left.saturating_add(u64::from(left > 0))).min(MAX_ASKED)
}

/// "3 s", "1.5 s", "2 min 5 s", "1 h 2 min": a wait as one line says it.
pub(crate) fn span(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        0..=9 if d.subsec_millis() > 0 => format!("{:.1} s", d.as_secs_f64()),
        0..=59 => format!("{secs} s"),
        60..=3599 if secs.is_multiple_of(60) => format!("{} min", secs / 60),
        60..=3599 => format!("{} min {} s", secs / 60, secs % 60),
        _ => format!("{} h {} min", secs / 3600, secs % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stays_capped() {
        let expected = [
            (1, 50, 100),
            (2, 100, 200),
            (3, 200, 400),
            (4, 400, 800),
            (7, 3200, 6400),
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
        // A wider first window doubles the same way.
        let r = Retry::new(Instant::now(), None).first_wait(Duration::from_secs(1));
        let d = r.backoff(2).as_millis() as u64;
        assert!((1000..=2000).contains(&d), "{d}");
    }

    #[test]
    fn a_budget_names_its_flag() {
        let soon = Retry::new(Instant::now() + Duration::from_millis(500), None);
        assert_eq!(soon.allows(40, Duration::from_millis(10), None), Ok(()));
        assert_eq!(
            soon.allows(1, Duration::from_secs(1), None),
            Err(Knob::Timeout)
        );
        assert_eq!(soon.spent_by(40), Knob::Timeout);
        assert_eq!(soon.spent_text(Knob::Timeout), "--timeout reached");
        let counted = Retry::new(Instant::now() + Duration::from_secs(600), Some(2));
        assert_eq!(counted.allows(2, Duration::from_millis(10), None), Ok(()));
        assert_eq!(
            counted.allows(3, Duration::from_millis(10), None),
            Err(Knob::Retries)
        );
        assert_eq!(counted.spent_text(counted.spent_by(3)), "--retries 2 spent");
        let streak = Retry::new(Instant::now() + Duration::from_secs(600), None)
            .connect(Duration::from_millis(100));
        let began = Instant::now();
        assert_eq!(
            streak.allows(9, Duration::from_millis(10), Some(began)),
            Ok(())
        );
        assert_eq!(
            streak.allows(9, Duration::from_secs(1), Some(began)),
            Err(Knob::ConnectTimeout)
        );
        // Without a streak, --connect-timeout does not apply.
        assert_eq!(streak.allows(9, Duration::from_secs(1), None), Ok(()));
        assert_eq!(Knob::ConnectTimeout.flag(), "--connect-timeout");
    }

    #[test]
    fn run_stops_at_success_a_failure_for_good_or_a_spent_budget() {
        let r = Retry::new(Instant::now() + Duration::from_secs(600), Some(2));
        // Two failures worth another try, then success: two waits said.
        let mut left = 2;
        let mut said = Vec::new();
        let got = r.run(
            0,
            || {
                if left == 0 {
                    return RetryResult::Success("done");
                }
                left -= 1;
                RetryResult::judge(Err::<&str, _>("refused"), |_| true)
            },
            |e, _| said.push(*e),
        );
        assert!(matches!(got, Ok("done")));
        assert_eq!(said, ["refused", "refused"]);
        // A failure no try mends is returned at once.
        let got = r.run(
            0,
            || RetryResult::judge(Err::<(), _>("bad"), |_| false),
            |_, _| {},
        );
        assert!(matches!(got, Err(Stop::Failed("bad"))));
        // --retries 2 counts the tries made before the loop.
        let mut tried = 0;
        let got = r.run(
            1,
            || {
                tried += 1;
                RetryResult::<(), _>::Retry("cut", None)
            },
            |_, _| {},
        );
        match got {
            Err(Stop::Spent("cut", spent)) => {
                assert_eq!((spent.knob, spent.tries), (Knob::Retries, 3));
                assert_eq!(spent.times(), "3 times");
            }
            _ => panic!("not spent"),
        }
        assert_eq!(tried, 2);
    }

    #[test]
    fn a_servers_wait_is_honoured_within_the_deadline() {
        // The server asks for longer than the deadline leaves: spent at once, not waited out.
        let r = Retry::new(Instant::now() + Duration::from_secs(30), None);
        let mut waits = Vec::new();
        let got = r.run(
            0,
            || RetryResult::<(), _>::Retry("busy", Some(Duration::from_secs(60))),
            |_, w| waits.push(w),
        );
        assert!(matches!(
            got,
            Err(Stop::Spent(
                "busy",
                Spent {
                    knob: Knob::Timeout,
                    tries: 1,
                    ..
                }
            ))
        ));
        assert!(waits.is_empty());
        // A wait it asks for within the deadline is the one waited.
        let mut first = true;
        let got = r.run(
            0,
            || {
                if std::mem::take(&mut first) {
                    RetryResult::Retry("busy", Some(Duration::from_millis(1)))
                } else {
                    RetryResult::Success(())
                }
            },
            |_, w| waits.push(w),
        );
        assert!(got.is_ok());
        assert_eq!(waits, [Duration::from_millis(1)]);
        assert_eq!(times(1), "once");
    }

    #[test]
    fn a_servers_retry_after_is_read_sanely() {
        assert_eq!(after(" 120 "), Some(Duration::from_secs(120)));
        assert_eq!(after("0"), Some(Duration::ZERO));
        // A date long past: no time left; one ahead: the time until it.
        assert_eq!(after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        let ahead = crate::utc::utc(crate::utc::now() + 120);
        let (d, t) = ahead.trim_end_matches('Z').split_once('T').unwrap();
        let (y, m, day) = (&d[..4], &d[5..7], &d[8..10]);
        let month = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ][m.parse::<usize>().unwrap() - 1];
        let got = after(&format!("Mon, {day} {month} {y} {t} GMT")).unwrap();
        assert!((119..=121).contains(&got.as_secs()), "{got:?}");
        // Hostile values: capped, or no wait at all; never a panic.
        assert_eq!(after("99999999999999999999999"), Some(MAX_ASKED));
        assert_eq!(after("86401"), Some(MAX_ASKED));
        for odd in [
            "-1",
            "1.5",
            "",
            "soon",
            "1e9",
            "+5",
            "Wed, 99 Oct 2015 07:28:00 GMT",
        ] {
            assert_eq!(after(odd), None, "{odd}");
        }
        assert_eq!(until(i64::MIN), Duration::ZERO);
        assert_eq!(until(i64::MAX), MAX_ASKED);
        assert_eq!(span(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(span(Duration::from_secs(60)), "1 min");
        assert_eq!(span(Duration::from_secs(125)), "2 min 5 s");
        assert_eq!(span(Duration::from_secs(3720)), "1 h 2 min");
    }

    #[test]
    fn a_limits_wait_is_bounded_by_the_deadline_alone() {
        // --retries 0: a limit's waits are not tries against it.
        let r = Retry::new(Instant::now() + Duration::from_secs(30), Some(0));
        let mut left = 2;
        let mut waits = Vec::new();
        let got = r.run(
            0,
            || {
                if left == 0 {
                    return RetryResult::Success(());
                }
                left -= 1;
                RetryResult::Wait("limited", Duration::ZERO)
            },
            |_, w| waits.push(w),
        );
        assert!(got.is_ok());
        assert_eq!(waits, [MIN_ASKED, MIN_ASKED]);
        // One past the deadline is not begun: spent, --timeout named.
        let got = r.run(
            0,
            || RetryResult::<(), _>::Wait("limited", Duration::from_secs(31)),
            |_, _| panic!("no wait"),
        );
        match got {
            Err(Stop::Spent("limited", s)) => assert_eq!((s.knob, s.tries), (Knob::Timeout, 1)),
            _ => panic!("not spent"),
        }
    }
}
