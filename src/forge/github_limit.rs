//! GitHub's rate limits, read from an answer: which limit it is, and how long GitHub asks to
//! wait. GitHub's REST and GraphQL docs ("Rate limits", "secondary rate limits"): a secondary
//! limit (too many content-creating requests, or too many at once) answers 403 or 429 with
//! "You have exceeded a secondary rate limit" or "You have been temporarily blocked from
//! content creation", GraphQL possibly 200 with an error of type `RATE_LIMITED`; a spent
//! primary limit answers with `x-ratelimit-remaining: 0` and `x-ratelimit-reset` (Unix
//! seconds). What to wait: `retry-after` when sent; else, with `x-ratelimit-remaining: 0`,
//! until `x-ratelimit-reset`; else at least a minute, longer for each further limit. A rate
//! limit is never a permission refusal.

use std::time::Duration;

/// A rate limit GitHub answered with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Limit {
    /// A secondary limit (content creation, concurrency), as its words or a 429 say.
    Secondary,
    /// The primary limit spent (`x-ratelimit-remaining: 0`).
    Primary,
    /// A 403 or 429 with `retry-after` that names no limit.
    Asked,
}

/// GitHub's wait for a secondary limit that sends no `retry-after`: "wait at least one minute".
pub(super) const SECONDARY_WAIT: Duration = Duration::from_secs(60);

/// The longest of the growing waits for secondary limits without `retry-after`.
const SECONDARY_MAX: Duration = Duration::from_secs(16 * 60);

/// The parts of an answer that tell a rate limit.
pub(super) struct Told<'a> {
    /// The HTTP status.
    pub status: u16,
    /// `x-ratelimit-remaining`, as sent.
    pub remaining: Option<&'a str>,
    /// `retry-after`, read ([`crate::retry::after`]).
    pub retry_after: Option<Duration>,
    /// What GitHub said: the message (first, empty when none), then each GraphQL error's type
    /// and message.
    pub words: &'a [String],
}

impl Limit {
    /// The limit `t` tells, if any: a 429; a 403 with `retry-after`, a spent primary limit, or
    /// words of a rate limit; a 200 of GraphQL whose errors are of type `RATE_LIMITED` or
    /// speak of a rate limit.
    pub(super) fn of(t: &Told<'_>) -> Option<Limit> {
        let said =
            |words: &[String], w: &str| words.iter().any(|s| s.to_ascii_lowercase().contains(w));
        let of_a_limit = |words: &[String]| {
            said(words, "rate limit")
                || said(words, "temporarily blocked from content creation")
                || said(words, "abuse detection")
                || words.iter().any(|w| w == "RATE_LIMITED")
        };
        let secondary = said(t.words, "secondary rate limit")
            || said(t.words, "temporarily blocked from content creation")
            || said(t.words, "abuse detection");
        let spent = t.remaining.map(str::trim) == Some("0");
        let is = match t.status {
            429 => true,
            403 => of_a_limit(t.words) || spent || t.retry_after.is_some(),
            // Only GraphQL's errors count in a 200: a REST answer's text is content.
            200 => of_a_limit(t.words.get(1..).unwrap_or_default()),
            _ => false,
        };
        Some(if secondary {
            Limit::Secondary
        } else if spent {
            Limit::Primary
        } else if t.retry_after.is_some() {
            Limit::Asked
        } else {
            Limit::Secondary
        })
        .filter(|_| is)
    }

    /// How long to wait, as GitHub asks: `retry_after` when sent; else until `reset` for a
    /// spent primary limit (a minute when it sends none that reads); else a minute for the
    /// first secondary limit without `retry-after`, doubled for each further one (`n`, from 1).
    pub(super) fn wait(
        self,
        retry_after: Option<Duration>,
        reset: Option<&str>,
        n: u32,
    ) -> Duration {
        if let Some(asked) = retry_after {
            return asked;
        }
        let reset = reset.and_then(|r| r.trim().parse::<i64>().ok());
        match (self, reset) {
            (Limit::Primary, Some(at)) => crate::retry::until(at).max(Duration::from_secs(1)),
            _ => SECONDARY_WAIT
                .saturating_mul(1 << n.saturating_sub(1).min(8))
                .min(SECONDARY_MAX),
        }
    }

    /// What the limit is, for a message.
    pub(super) fn name(self) -> &'static str {
        match self {
            Limit::Secondary => "GitHub's secondary rate limit",
            Limit::Primary => "GitHub's rate limit is spent",
            Limit::Asked => "GitHub asks to wait",
        }
    }

    /// Why the wait is that long, for a message.
    pub(super) fn why(self, retry_after: bool, reset: Option<&str>) -> String {
        let reset = reset.and_then(|r| r.trim().parse::<i64>().ok());
        match (self, retry_after, reset) {
            (_, true, _) => "as its retry-after asks".to_string(),
            (Limit::Primary, false, Some(at)) => {
                format!("until it resets at {}", crate::utc::utc(at))
            }
            _ => "as GitHub asks of a secondary limit without retry-after (at least a minute)"
                .to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn told<'a>(
        status: u16,
        remaining: Option<&'a str>,
        retry_after: Option<u64>,
        words: &'a [String],
    ) -> Told<'a> {
        Told {
            status,
            remaining,
            retry_after: retry_after.map(Duration::from_secs),
            words,
        }
    }

    #[test]
    fn a_limit_is_told_from_a_refusal() {
        let secondary = ["You have exceeded a secondary rate limit. Please wait a few minutes before you try again.".to_string()];
        let blocked = ["You have been temporarily blocked from content creation. Please retry your request again later.".to_string()];
        let refused = ["Resource not accessible by integration".to_string()];
        let graphql = [
            String::new(),
            "RATE_LIMITED".to_string(),
            "API rate limit exceeded".to_string(),
        ];
        let content = ["a rate limit, as a pull request's title".to_string()];
        let none: [String; 0] = [];
        for (t, want) in [
            (
                told(403, Some("4999"), Some(2), &secondary),
                Some(Limit::Secondary),
            ),
            (
                told(403, Some("4999"), None, &blocked),
                Some(Limit::Secondary),
            ),
            (told(429, None, None, &none), Some(Limit::Secondary)),
            (told(403, Some("0"), None, &none), Some(Limit::Primary)),
            (
                told(403, Some("4999"), Some(5), &refused),
                Some(Limit::Asked),
            ),
            (
                told(200, Some("4999"), None, &graphql),
                Some(Limit::Secondary),
            ),
            (told(403, Some("4999"), None, &refused), None),
            (told(404, Some("0"), Some(5), &secondary), None),
            (told(200, None, None, &refused), None),
            (told(200, None, None, &content), None),
        ] {
            assert_eq!(Limit::of(&t), want, "{} {:?}", t.status, t.words);
        }
    }

    #[test]
    fn the_wait_is_what_github_asks() {
        let s = Limit::Secondary;
        assert_eq!(
            s.wait(Some(Duration::from_secs(3)), None, 1),
            Duration::from_secs(3)
        );
        assert_eq!(s.wait(None, None, 1), SECONDARY_WAIT);
        assert_eq!(s.wait(None, None, 2), 2 * SECONDARY_WAIT);
        assert_eq!(s.wait(None, None, 40), SECONDARY_MAX);
        let reset = (crate::utc::now() + 30).to_string();
        let w = Limit::Primary.wait(None, Some(&reset), 1);
        assert!((29..=31).contains(&w.as_secs()), "{w:?}");
        assert_eq!(
            Limit::Primary.wait(None, Some("1"), 1),
            Duration::from_secs(1)
        );
        assert_eq!(Limit::Primary.wait(None, Some("soon"), 1), SECONDARY_WAIT);
        assert!(Limit::Primary
            .why(false, Some("0"))
            .contains("1970-01-01T00:00:00Z"));
    }
}
