//! A hold: a person's word that a service's image stays as it is, whatever CI sends, until it
//! is released (or its `until` time passes). It lives in the repository as a comment line
//! directly above the key that holds the image, so a reviewer sees it in the diff and a person
//! can write or delete it by hand:
//!
//! ```yaml
//!         - name: agent
//!           # imgbump:hold incident-4711 (oncall@example.com, 2026-12-04T10:31:07Z, until 2026-12-05T10:31:07Z)
//!           image: 123456789.dkr.ecr.us-east-1.amazonaws.com/isa-agent:sha-abc123
//! ```
//!
//! This module knows the comment's words only: [`Hold::parse`] reads the text after `#`, and
//! [`Hold::line`] writes it. Where the line stands is the manifest engine's business. Knows
//! no YAML and no Git; times are Unix seconds, and [`now`] is the one clock read for holds.

use std::fmt;

use crate::utc;

/// The word that starts a hold comment, after `#`.
pub const MARK: &str = "imgbump:hold";

/// The longest reason accepted, in characters.
const MAX_REASON: usize = 200;

/// The longest `--by` accepted, in characters.
const MAX_BY: usize = 100;

/// The latest `--until` written: 9999-12-31T23:59:59Z, the last time an RFC 3339 date holds
/// (and so the last one `--until` reads back).
pub const MAX_UNTIL: i64 = 253_402_300_799;

/// One hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    /// Why (`incident-4711`); may be empty in a hold written by hand.
    pub reason: String,
    /// Who (`oncall@example.com`); may be empty in a hold written by hand.
    pub by: String,
    /// Since when, as written (`2026-12-04T10:31:07Z`, or a date); may be empty.
    pub since: String,
    /// Until when, as written, if the hold ends by itself.
    pub until: Option<String>,
}

impl Hold {
    /// A new hold, its texts checked: a reason of one line without control characters (it goes
    /// into a YAML comment), a `by` that cannot end the comment's parentheses.
    pub fn new(reason: &str, by: &str, since: i64, until: Option<i64>) -> Result<Hold, String> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(
                "--reason is empty; say why the service is held (an incident id, a ticket)".into(),
            );
        }
        if let Some(c) = reason.chars().find(|&c| unfit(c)) {
            return Err(format!(
                "--reason holds the character {:?} (a control, a line separator or a direction override); it must be one line of plain text",
                c
            ));
        }
        if reason.chars().count() > MAX_REASON {
            return Err(format!("--reason is longer than {MAX_REASON} characters"));
        }
        let by = by.trim();
        if by.chars().count() > MAX_BY {
            return Err(format!("--by is longer than {MAX_BY} characters"));
        }
        if let Some(c) = by
            .chars()
            .find(|&c| unfit(c) || matches!(c, '(' | ')' | ','))
        {
            return Err(format!(
                "who holds it ({:?}) holds the character {c:?}; give --by a name or an email address",
                by
            ));
        }
        if let Some(u) = until {
            if u > MAX_UNTIL {
                return Err(format!(
                    "--until is too far ahead: at most {}",
                    utc::utc(MAX_UNTIL)
                ));
            }
            if u <= since {
                return Err(format!(
                    "--until {} is not after now ({})",
                    utc::utc(u),
                    utc::utc(since)
                ));
            }
        }
        Ok(Hold {
            reason: reason.to_string(),
            by: by.to_string(),
            since: utc::utc(since),
            until: until.map(utc::utc),
        })
    }

    /// Reads a comment's text (what follows `#`): `None` unless it starts with [`MARK`]
    /// (after spaces) followed by a space or nothing. `imgbump:hold REASON (BY, SINCE, until
    /// UNTIL)`; every part may be left out, and the parts in parentheses go in any order.
    pub fn parse(comment: &str) -> Option<Hold> {
        let rest = comment.trim_start_matches([' ', '\t']).strip_prefix(MARK)?;
        if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
            return None;
        }
        let rest = rest.trim_matches([' ', '\t', '\r']);
        let mut hold = Hold {
            reason: rest.to_string(),
            by: String::new(),
            since: String::new(),
            until: None,
        };
        // The details are the last parenthesised group, if the text ends with one.
        let details = rest.strip_suffix(')').and_then(|r| {
            let open = r.rfind('(')?;
            Some((r[..open].trim_end(), &r[open + 1..]))
        });
        if let Some((reason, inside)) = details {
            hold.reason = reason.to_string();
            for part in inside.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                if let Some(u) = part.strip_prefix("until ") {
                    hold.until = Some(u.trim().to_string());
                } else if utc::parse(part).is_some() && hold.since.is_empty() {
                    hold.since = part.to_string();
                } else if hold.by.is_empty() {
                    hold.by = part.to_string();
                }
            }
        }
        // Words from the repository are shown in columns and summaries: a tab is a space (it
        // would add a column), an invisible character U+FFFD; other controls and direction
        // overrides are escaped wherever they are shown.
        let fit = |t: &str| -> String {
            t.chars()
                .map(|c| match c {
                    '\t' => ' ',
                    c if invisible(c) => '\u{fffd}',
                    c => c,
                })
                .collect()
        };
        hold.reason = fit(&hold.reason);
        hold.by = fit(&hold.by);
        hold.since = fit(&hold.since);
        hold.until = hold.until.as_deref().map(fit);
        Some(hold)
    }

    /// The comment's text, `#` included: `# imgbump:hold REASON (BY, SINCE, until UNTIL)`.
    pub fn line(&self) -> String {
        let mut line = format!("# {MARK}");
        if !self.reason.is_empty() {
            line.push(' ');
            line.push_str(&self.reason);
        }
        line + &self.details(["", "", "until "])
    }

    /// ` (BY, SINCE, until UNTIL)`, the parts present, each after its word in `words`; empty
    /// when none is.
    fn details(&self, words: [&str; 3]) -> String {
        let parts: Vec<String> = [Some(&self.by), Some(&self.since), self.until.as_ref()]
            .into_iter()
            .zip(words)
            .filter_map(|(part, word)| part.filter(|p| !p.is_empty()).map(|p| format!("{word}{p}")))
            .collect();
        match parts.is_empty() {
            true => String::new(),
            false => format!(" ({})", parts.join(", ")),
        }
    }

    /// When the hold ends by itself (Unix seconds), if it does and its time can be read. A
    /// `until` that cannot be read never ends the hold: it is kept until released.
    pub fn until_secs(&self) -> Option<i64> {
        self.until.as_deref().and_then(utc::parse)
    }

    /// Whether the hold has ended by itself at `now` (Unix seconds).
    pub fn expired(&self, now: i64) -> bool {
        self.until_secs().is_some_and(|u| now >= u)
    }
}

impl fmt::Display for Hold {
    /// `REASON (by BY, since SINCE, until UNTIL)`, the parts present.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reason = if self.reason.is_empty() {
            "no reason given"
        } else {
            &self.reason
        };
        write!(f, "{reason}{}", self.details(["by ", "since ", "until "]))
    }
}

/// A character a hold's words may not hold: a control character (line breaks among them,
/// NEL included), a Unicode line or paragraph separator (a line break to a YAML 1.1 reader such
/// as libyaml), or a bidirectional or zero-width format character (text that shows in a
/// reviewer's diff other than it is).
fn unfit(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{061c}' | '\u{feff}'
        )
        || invisible(c)
}

/// Unicode's invisible format characters (category Cf) not listed above: the soft hyphen,
/// the word joiner and invisible operators, tag characters, and their kin.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00ad}'
            | '\u{0600}'..='\u{0605}'
            | '\u{06dd}'
            | '\u{070f}'
            | '\u{08e2}'
            | '\u{180e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{206a}'..='\u{206f}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{110bd}'
            | '\u{110cd}'
            | '\u{13430}'..='\u{1343f}'
            | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0001}'
            | '\u{e0020}'..='\u{e007f}'
    )
}

/// `--until`: an RFC 3339 time (`2026-12-05T18:00:00Z`, `2026-12-05T20:00+02:00`), a date (its
/// start, 00:00 UTC), or a duration from `now` (`90m`, `4h`, `2d`, `1w`).
pub fn parse_until(s: &str, now: i64) -> Result<i64, String> {
    let s = s.trim();
    if let Some(t) = utc::parse(s) {
        return Ok(t);
    }
    let unit = s.chars().last().unwrap_or(' ');
    let secs = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        _ => 0,
    };
    let n: Option<i64> = s[..s.len() - unit.len_utf8().min(s.len())].parse().ok();
    match n {
        Some(n) if secs > 0 && n > 0 => n
            .checked_mul(secs)
            .and_then(|d| now.checked_add(d))
            .filter(|t| *t <= MAX_UNTIL)
            .ok_or_else(|| {
                format!(
                    "--until {s:?} is too far ahead: at most {}",
                    utc::utc(MAX_UNTIL)
                )
            }),
        _ => Err(format!(
            "--until {s:?} is not a time: give 2026-12-05T18:00:00Z, 2026-12-05 (00:00 UTC), or a duration such as 90m, 4h, 2d"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hold_written_is_read_back() {
        let h = Hold::new(
            "incident-4711 (db)",
            "oncall@example.com",
            1_764_844_267,
            Some(1_764_930_667),
        )
        .unwrap();
        assert_eq!(
            h.line(),
            "# imgbump:hold incident-4711 (db) (oncall@example.com, 2025-12-04T10:31:07Z, until 2025-12-05T10:31:07Z)"
        );
        assert_eq!(Hold::parse(&h.line()[1..]), Some(h.clone()));
        assert!(!h.expired(1_764_930_666));
        assert!(h.expired(1_764_930_667));
    }

    #[test]
    fn holds_written_by_hand_are_read() {
        let h =
            Hold::parse(" imgbump:hold incident-4711 (oncall@example.com, 2026-12-04)").unwrap();
        assert_eq!(
            (h.reason.as_str(), h.by.as_str(), h.since.as_str()),
            ("incident-4711", "oncall@example.com", "2026-12-04")
        );
        let bare = Hold::parse("imgbump:hold").unwrap();
        assert_eq!(bare.to_string(), "no reason given");
        let h = Hold::parse("imgbump:hold  freeze for the demo\r").unwrap();
        assert_eq!(
            (h.reason.as_str(), h.by.as_str()),
            ("freeze for the demo", "")
        );
        // An unreadable `until` keeps the hold.
        let h = Hold::parse("imgbump:hold x (until friday)").unwrap();
        assert!(!h.expired(i64::MAX));
        for not in [
            "imgbump:holder x",
            "imgbump:hol",
            "see imgbump:hold",
            "imgbump:hold:x",
        ] {
            assert_eq!(Hold::parse(not), None, "{not}");
        }
    }

    #[test]
    fn invisible_long_or_far_texts_are_refused_and_forged_ones_shown_flat() {
        for hidden in ["a\u{2060}b", "a\u{ad}b", "a\u{e0041}b", "a\u{180e}b"] {
            assert!(Hold::new(hidden, "me", 0, None).is_err(), "{hidden:?}");
        }
        assert!(Hold::new("x", &"b".repeat(101), 0, None)
            .unwrap_err()
            .contains("--by is longer than 100"));
        assert!(Hold::new("x", "me", 0, Some(MAX_UNTIL + 1)).is_err());
        assert!(Hold::new("x", "me", 0, Some(MAX_UNTIL)).is_ok());
        assert!(parse_until("9999999999999d", 0)
            .unwrap_err()
            .contains("too far ahead"));
        let forged = Hold::parse("imgbump:hold a\tb\u{2060}c (me\tx, 2026-12-04)").unwrap();
        assert_eq!(
            (forged.reason.as_str(), forged.by.as_str()),
            ("a b\u{fffd}c", "me x")
        );
    }

    #[test]
    fn texts_that_could_end_the_comment_are_refused() {
        assert!(Hold::new("a\nimage: evil", "me", 0, None).is_err());
        assert!(Hold::new("a\u{85}b", "me", 0, None).is_err());
        for sneaky in [
            "a\u{2028}image: evil",
            "a\u{2029}b",
            "evil\u{202e}txt",
            "a\u{200b}b",
            "a\u{2066}b",
        ] {
            assert!(Hold::new(sneaky, "me", 0, None).is_err(), "{sneaky:?}");
            assert!(Hold::new("x", sneaky, 0, None).is_err(), "{sneaky:?}");
        }
        assert!(Hold::new("incident 4711 — db überlastet", "ops", 0, None).is_ok());
        assert!(Hold::new("  ", "me", 0, None).is_err());
        assert!(Hold::new("x", "me), (evil", 0, None).is_err());
        assert!(Hold::new(&"x".repeat(201), "me", 0, None).is_err());
        assert!(Hold::new("x", "me", 10, Some(10)).is_err());
    }

    #[test]
    fn until_takes_times_dates_and_durations() {
        let now = 1_764_844_267;
        assert_eq!(parse_until("4h", now), Ok(now + 4 * 3600));
        assert_eq!(parse_until("2d", now), Ok(now + 2 * 86_400));
        assert_eq!(parse_until("2025-12-05", now), Ok(1_764_892_800));
        assert_eq!(
            parse_until("2025-12-05T02:00+02:00", now),
            Ok(1_764_892_800)
        );
        for bad in [
            "",
            "h",
            "0h",
            "-2h",
            "tomorrow",
            "2025-13-01",
            "99999999999999999d",
            "4é",
        ] {
            assert!(parse_until(bad, now).is_err(), "{bad}");
        }
    }
}
