//! Which tags a policy admits, and which of them is newest: `imgbump update`'s choice of the next
//! image, as Flux's ImagePolicy and Argo CD Image Updater's strategies make it. Pure: the tags
//! (and, for `newest-build`, each image's creation time) come from the caller.
//!
//! | policy | admits | newest by |
//! |---|---|---|
//! | `semver:RANGE` | versions in the range (`^1.2`, `~1.4.0`, `>=1.2.0 <2`); a `v` prefix read; pre-releases only when the range names one | semantic version; build metadata ignored |
//! | `numeric:REGEX` | tags the pattern matches | the named group `key` (else the whole match) as a number |
//! | `alphabetical:REGEX` | tags the pattern matches | `key` (else the whole match) as text |
//! | `newest-build[:REGEX]` | tags the pattern matches (all without one) | the image config's `created` time |
//! | `digest:TAG` | the one mutable tag | its digest, when it moves (no order) |
//!
//! A policy never goes backwards: when the tag Git holds is newer than every admitted tag (a
//! hotfix set by hand), it is kept. Tags equal in order (`1.2.3`, `v1.2.3`, `1.2.3+build`) go
//! to the one that sorts first as text. Tags that do not parse under the policy are skipped and
//! counted, never errors.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;

use regex::Regex;

/// The largest compiled pattern, so that a hostile `.imgbump.yaml` cannot take the memory.
const REGEX_LIMIT: usize = 1 << 20;
/// How many skipped tags of each kind a choice keeps as examples.
const EXAMPLES: usize = 5;

/// A parsed policy.
#[derive(Debug, Clone)]
pub(crate) enum Policy {
    /// `semver:RANGE`.
    Semver(semver::VersionReq),
    /// `numeric:REGEX`.
    Numeric(Regex),
    /// `alphabetical:REGEX`.
    Alphabetical(Regex),
    /// `newest-build[:REGEX]`.
    NewestBuild(Option<Regex>),
    /// `digest:TAG`.
    Digest(String),
}

/// What a tag is worth under a policy: comparable only with keys of the same policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Key {
    /// A version, its build metadata dropped.
    Version(semver::Version),
    /// A number: the integer digits without leading zeros, the fraction without trailing ones.
    Number(String, String),
    /// Text.
    Text(String),
    /// Nanoseconds since the epoch.
    Time(i128),
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Key) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Key) -> Ordering {
        match (self, other) {
            (Key::Version(a), Key::Version(b)) => a.cmp(b),
            (Key::Number(ai, af), Key::Number(bi, bf)) => ai
                .len()
                .cmp(&bi.len())
                .then_with(|| ai.cmp(bi))
                .then_with(|| af.cmp(bf)),
            (Key::Text(a), Key::Text(b)) => a.cmp(b),
            (Key::Time(a), Key::Time(b)) => a.cmp(b),
            // Keys of one policy are of one kind; any order will do otherwise.
            _ => rank(self).cmp(&rank(other)),
        }
    }
}

fn rank(k: &Key) -> u8 {
    match k {
        Key::Version(_) => 0,
        Key::Number(..) => 1,
        Key::Text(_) => 2,
        Key::Time(_) => 3,
    }
}

/// What a policy makes of one tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Admitted, with its key.
    Admitted(Key),
    /// Parsed, but outside the range (its key kept: Git's tag is compared by it).
    Outside(Key),
    /// Not matched by the pattern.
    Unmatched,
    /// Matched, but not readable as the policy's kind of value (or, for `newest-build`, no
    /// creation time known).
    Unparsable,
}

/// Where the tag Git holds stands against the newest admitted one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Standing {
    /// Older: the newest admitted tag replaces it.
    Older,
    /// The same (or equal in order): nothing to do.
    Same,
    /// Newer than every admitted tag: kept (never backwards).
    Newer,
    /// Git holds no tag, or one the policy cannot read: the newest admitted tag replaces it.
    Unreadable,
    /// No tag is admitted: nothing to do.
    NothingAdmitted,
}

impl Standing {
    /// Whether the newest admitted tag is to be written.
    pub(crate) fn moves(self) -> bool {
        matches!(self, Standing::Older | Standing::Unreadable)
    }

    /// A word for it, as JSON shows it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Standing::Older => "older",
            Standing::Same => "same",
            Standing::Newer => "newer",
            Standing::Unreadable => "unreadable",
            Standing::NothingAdmitted => "nothing-admitted",
        }
    }
}

/// A policy's choice among the tags of one repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Choice {
    /// Tags listed.
    pub seen: usize,
    /// Tags admitted.
    pub admitted: usize,
    /// Tags that parse but are outside the range: how many, and the first few.
    pub outside: (usize, Vec<String>),
    /// Tags the pattern does not match.
    pub unmatched: usize,
    /// Tags that do not parse under the policy: how many, and the first few.
    pub unparsable: (usize, Vec<String>),
    /// The newest admitted tag.
    pub newest: Option<String>,
    /// Where Git's tag stands against it.
    pub standing: Standing,
}

impl Choice {
    /// Why the other tags were not chosen, in one line.
    pub(crate) fn why_not(&self) -> String {
        let mut parts = Vec::new();
        if self.admitted > 1 {
            parts.push(format!("{} admitted but older", self.admitted - 1));
        }
        if self.outside.0 > 0 {
            parts.push(format!(
                "{} outside the range (e.g. {})",
                self.outside.0,
                self.outside.1.join(", ")
            ));
        }
        if self.unmatched > 0 {
            parts.push(format!("{} not matched by the pattern", self.unmatched));
        }
        if self.unparsable.0 > 0 {
            parts.push(format!(
                "{} unparsable, skipped (e.g. {})",
                self.unparsable.0,
                self.unparsable.1.join(", ")
            ));
        }
        parts.join("; ")
    }
}

impl std::str::FromStr for Policy {
    type Err = String;

    /// Reads `semver:RANGE`, `numeric:REGEX`, `alphabetical:REGEX`, `newest-build[:REGEX]`
    /// or `digest:TAG`.
    fn from_str(s: &str) -> Result<Policy, String> {
        let (kind, arg) = match s.split_once(':') {
            Some((k, a)) => (k, Some(a)),
            None => (s, None),
        };
        let needs = |what: &str| format!("`{kind}:` needs {what} after the colon");
        match (kind, arg) {
            ("semver", Some(range)) if !range.trim().is_empty() => range_of(range).map(Policy::Semver),
            ("numeric", Some(p)) if !p.is_empty() => pattern(p).map(Policy::Numeric),
            ("alphabetical", Some(p)) if !p.is_empty() => pattern(p).map(Policy::Alphabetical),
            ("newest-build", None) => Ok(Policy::NewestBuild(None)),
            ("newest-build", Some(p)) if !p.is_empty() => pattern(p).map(|r| Policy::NewestBuild(Some(r))),
            ("digest", Some(tag)) if crate::reference::is_tag(tag) => Ok(Policy::Digest(tag.to_string())),
            ("digest", Some(tag)) if !tag.is_empty() => Err(format!(
                "`digest:` takes a tag (letters, digits, `_`, `.` and `-`), not {}",
                crate::reference::shown(tag)
            )),
            ("semver", _) => Err(needs("a range (`semver:^1.2`, `semver:~1.4.0`, `semver:>=1.2.0 <2`)")),
            ("numeric" | "alphabetical", _) => Err(needs("a pattern (`numeric:^build-(?P<key>[0-9]+)$`)")),
            ("newest-build", _) => Err(needs("a pattern, or no colon")),
            ("digest", _) => Err(needs("the tag to follow")),
            _ => Err(format!(
                "unknown policy {}; a policy is semver:RANGE, numeric:REGEX, alphabetical:REGEX, newest-build[:REGEX] or digest:TAG",
                crate::reference::shown(s)
            )),
        }
    }
}

/// `>=1.2.0 <2` as the `semver` crate reads it (`>=1.2.0, <2`), and `v` prefixes dropped.
fn range_of(text: &str) -> Result<semver::VersionReq, String> {
    let comparators: Vec<String> = text
        .split([',', ' '])
        .filter(|c| !c.is_empty())
        .map(|c| {
            let op = c.find(|ch: char| !"<>=^~".contains(ch)).unwrap_or(c.len());
            let (op, rest) = c.split_at(op);
            format!("{op}{}", rest.strip_prefix(['v', 'V']).unwrap_or(rest))
        })
        .collect();
    if text.contains("||") {
        return Err(format!(
            "`semver:{text}`: `||` is not read; give one range (several services' targets may each have their own)"
        ));
    }
    semver::VersionReq::parse(&comparators.join(", "))
        .map_err(|e| format!("`semver:{text}` is not a range: {e}"))
}

fn pattern(p: &str) -> Result<Regex, String> {
    regex::RegexBuilder::new(p)
        .size_limit(REGEX_LIMIT)
        .build()
        .map_err(|e| {
            let e = e.to_string();
            let why = e.lines().last().unwrap_or("").trim_start_matches("error: ");
            format!(
                "the pattern {} is not a regular expression: {why}",
                crate::reference::shown(p)
            )
        })
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Policy::Semver(r) => write!(f, "semver:{r}"),
            Policy::Numeric(p) => write!(f, "numeric:{p}"),
            Policy::Alphabetical(p) => write!(f, "alphabetical:{p}"),
            Policy::NewestBuild(None) => f.write_str("newest-build"),
            Policy::NewestBuild(Some(p)) => write!(f, "newest-build:{p}"),
            Policy::Digest(t) => write!(f, "digest:{t}"),
        }
    }
}

impl Policy {
    /// Whether choosing needs each candidate's creation time ([`Policy::candidates`]).
    pub(crate) fn needs_times(&self) -> bool {
        matches!(self, Policy::NewestBuild(_))
    }

    /// For `newest-build`: the tags whose creation time is needed (those the pattern matches).
    pub(crate) fn candidates<'t>(&self, tags: &'t [String]) -> Vec<&'t str> {
        match self {
            Policy::NewestBuild(p) => tags
                .iter()
                .filter(|t| p.as_ref().is_none_or(|p| p.is_match(t)))
                .map(String::as_str)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// What the policy makes of `tag`; `times` holds the creation times (`newest-build`).
    pub(crate) fn verdict(&self, tag: &str, times: &HashMap<String, i128>) -> Verdict {
        match self {
            Policy::Semver(range) => {
                let text = tag.strip_prefix('v').unwrap_or(tag);
                // A tag cannot hold `+`: build metadata is written after `_` (as Helm and Flux
                // write it).
                let text = match text.split_once('_') {
                    Some((version, build)) => format!("{version}+{build}"),
                    None => text.to_string(),
                };
                match semver::Version::parse(&text) {
                    Ok(mut v) => {
                        v.build = semver::BuildMetadata::EMPTY;
                        let admitted = range.matches(&v);
                        match admitted {
                            true => Verdict::Admitted(Key::Version(v)),
                            false => Verdict::Outside(Key::Version(v)),
                        }
                    }
                    Err(_) => Verdict::Unparsable,
                }
            }
            Policy::Numeric(p) => match extract(p, tag) {
                None => Verdict::Unmatched,
                Some(k) => number(k).map_or(Verdict::Unparsable, Verdict::Admitted),
            },
            Policy::Alphabetical(p) => match extract(p, tag) {
                None => Verdict::Unmatched,
                Some(k) => Verdict::Admitted(Key::Text(k.to_string())),
            },
            Policy::NewestBuild(p) => match p.as_ref().is_none_or(|p| p.is_match(tag)) {
                false => Verdict::Unmatched,
                true => times
                    .get(tag)
                    .map_or(Verdict::Unparsable, |t| Verdict::Admitted(Key::Time(*t))),
            },
            Policy::Digest(t) if t == tag => Verdict::Admitted(Key::Text(String::new())),
            Policy::Digest(_) => Verdict::Unmatched,
        }
    }

    /// The newest admitted tag of `tags`, and where `current` (the tag Git holds, if any)
    /// stands against it.
    pub(crate) fn choose(
        &self,
        tags: &[String],
        current: Option<&str>,
        times: &HashMap<String, i128>,
    ) -> Choice {
        let mut c = Choice {
            seen: tags.len(),
            admitted: 0,
            outside: (0, Vec::new()),
            unmatched: 0,
            unparsable: (0, Vec::new()),
            newest: None,
            standing: Standing::NothingAdmitted,
        };
        let mut best: Option<(Key, &str)> = None;
        let note = |slot: &mut (usize, Vec<String>), tag: &str| {
            slot.0 += 1;
            if slot.1.len() < EXAMPLES {
                slot.1.push(tag.to_string());
            }
        };
        for tag in tags {
            match self.verdict(tag, times) {
                Verdict::Admitted(k) => {
                    c.admitted += 1;
                    let better = match &best {
                        None => true,
                        Some((bk, bt)) => match k.cmp(bk) {
                            Ordering::Greater => true,
                            Ordering::Equal => tag.as_str() < *bt,
                            Ordering::Less => false,
                        },
                    };
                    if better {
                        best = Some((k, tag));
                    }
                }
                Verdict::Outside(_) => note(&mut c.outside, tag),
                Verdict::Unmatched => c.unmatched += 1,
                Verdict::Unparsable => note(&mut c.unparsable, tag),
            }
        }
        let Some((key, tag)) = best else {
            return c;
        };
        c.newest = Some(tag.to_string());
        // Git's tag by its key; for `newest-build`, by its creation time even when the pattern
        // does not match it (a hotfix tag built later is newer).
        let held = current.and_then(|t| match (self, self.verdict(t, times)) {
            (_, Verdict::Admitted(k) | Verdict::Outside(k)) => Some(k),
            (Policy::NewestBuild(_), _) => times.get(t).map(|x| Key::Time(*x)),
            _ => None,
        });
        c.standing = match held.map(|k| k.cmp(&key)) {
            Some(Ordering::Less) => Standing::Older,
            Some(Ordering::Equal) => Standing::Same,
            Some(Ordering::Greater) => Standing::Newer,
            None => Standing::Unreadable,
        };
        c
    }
}

/// The named group `key` of the pattern's first match in `tag`, else the whole match.
fn extract<'t>(p: &Regex, tag: &'t str) -> Option<&'t str> {
    let caps = p.captures(tag)?;
    caps.name("key").or_else(|| caps.get(0)).map(|m| m.as_str())
}

/// `123`, `007`, `1.50`: a non-negative decimal number as a key (any length).
fn number(s: &str) -> Option<Key> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) || (s.contains('.') && frac.is_empty()) {
        return None;
    }
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    Some(Key::Number(int.to_string(), frac.to_string()))
}

/// An image config's `created` (RFC 3339, fraction kept) as nanoseconds since the epoch.
pub(crate) fn created(s: &str) -> Option<i128> {
    let secs = crate::utc::parse(s)?;
    if !s.contains(['T', 't']) {
        return None;
    }
    let nanos = match s.split_once('.') {
        Some((_, rest)) => {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let mut n: String = digits.chars().take(9).collect();
            while n.len() < 9 {
                n.push('0');
            }
            n.parse::<i128>().ok()?
        }
        None => 0,
    };
    Some(i128::from(secs) * 1_000_000_000 + nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn newest(policy: &str, list: &[&str]) -> Option<String> {
        let p: Policy = policy.parse().unwrap();
        p.choose(&tags(list), None, &HashMap::new()).newest
    }

    #[test]
    fn semver_orders_versions_not_text() {
        let all = [
            "1.9.0",
            "1.10.0",
            "v1.2.3",
            "1.2.3-rc.1",
            "1.2.3+build.7",
            "latest",
            "sha-abc1234",
            "2.0.0",
            "1.11.0-beta.1",
            "01.2.3",
        ];
        assert_eq!(newest("semver:^1", &all).as_deref(), Some("1.10.0"));
        assert_eq!(newest("semver:>=1.2.0 <2", &all).as_deref(), Some("1.10.0"));
        assert_eq!(
            newest("semver:>=1.2.0, <2", &all).as_deref(),
            Some("1.10.0")
        );
        assert_eq!(newest("semver:~1.9", &all).as_deref(), Some("1.9.0"));
        assert_eq!(newest("semver:*", &all).as_deref(), Some("2.0.0"));
        // `v` read, in tags and in ranges.
        assert_eq!(
            newest("semver:~v1.2", &all).as_deref(),
            Some("1.2.3+build.7")
        );
        // Pre-releases only when the range names one.
        assert_eq!(
            newest("semver:~1.2", &["1.2.3-rc.1", "1.2.2"]).as_deref(),
            Some("1.2.2")
        );
        assert_eq!(
            newest("semver:>=1.2.3-rc.0", &["1.2.3-rc.1", "1.2.2"]).as_deref(),
            Some("1.2.3-rc.1")
        );
        assert_eq!(
            newest("semver:>=1.2.3-rc.0", &["1.2.3-rc.1", "1.2.3"]).as_deref(),
            Some("1.2.3")
        );
        // Build metadata ignored in order: equal versions go to the tag first as text.
        assert_eq!(
            newest(
                "semver:^1.2",
                &["1.2.3+build.9", "v1.2.3", "1.2.3", "1.2.3+build.1"]
            )
            .as_deref(),
            Some("1.2.3")
        );
        let p: Policy = "semver:^1".parse().unwrap();
        let c = p.choose(&tags(&all), None, &HashMap::new());
        assert_eq!((c.seen, c.admitted), (10, 4));
        assert_eq!(c.outside.0, 3, "{c:?}"); // 2.0.0 and the pre-releases
        assert_eq!(c.unparsable.0, 3, "{c:?}"); // latest, sha-…, 01.2.3
        assert!(
            c.why_not()
                .contains("3 unparsable, skipped (e.g. latest, sha-abc1234, 01.2.3)"),
            "{}",
            c.why_not()
        );
    }

    #[test]
    fn git_is_never_moved_backwards() {
        let p: Policy = "semver:^1".parse().unwrap();
        let t = tags(&["1.2.0", "1.3.0"]);
        let standing = |cur: Option<&str>| p.choose(&t, cur, &HashMap::new()).standing;
        assert_eq!(standing(Some("1.2.0")), Standing::Older);
        assert_eq!(standing(Some("v1.3.0")), Standing::Same);
        assert_eq!(standing(Some("1.3.1-hotfix.1")), Standing::Newer);
        assert_eq!(standing(Some("2.0.0")), Standing::Newer);
        assert_eq!(standing(Some("sha-abc")), Standing::Unreadable);
        assert_eq!(standing(None), Standing::Unreadable);
        assert!(standing(None).moves() && !Standing::Newer.moves() && !Standing::Same.moves());
        let none = p.choose(&tags(&["2.0.0"]), Some("1.0.0"), &HashMap::new());
        assert_eq!(
            (none.newest, none.standing),
            (None, Standing::NothingAdmitted)
        );
    }

    #[test]
    fn numeric_and_alphabetical_extract_a_key() {
        let all = [
            "sha-abc-9",
            "sha-def-10",
            "sha-0aa-0100",
            "main-77",
            "sha-x-1.5",
            "sha-y-",
            "pr-3",
        ];
        let p = "numeric:^sha-[a-z0-9]+-(?P<key>[0-9.]+)$";
        assert_eq!(newest(p, &all).as_deref(), Some("sha-0aa-0100"));
        let c = p
            .parse::<Policy>()
            .unwrap()
            .choose(&tags(&all), None, &HashMap::new());
        assert_eq!(
            (c.admitted, c.unmatched, c.unparsable.0),
            (4, 3, 0),
            "{c:?}"
        );
        assert_eq!(
            newest("numeric:[0-9]+$", &["b-9", "b-10", "b-2"]).as_deref(),
            Some("b-10")
        );
        assert_eq!(
            newest("numeric:[0-9.]+$", &["v1.5", "v1.25", "v1.3"]).as_deref(),
            Some("v1.5")
        );
        assert!(matches!(
            "numeric:(?P<key>.*)"
                .parse::<Policy>()
                .unwrap()
                .verdict("1.", &HashMap::new()),
            Verdict::Unparsable
        ));
        // Timestamps in tags, compared as text.
        let ts = [
            "main-20240102T0304",
            "main-20231231T2359",
            "main-20240102T0300",
            "pr-20250101T0000",
        ];
        assert_eq!(
            newest("alphabetical:^main-(?P<key>[0-9T]+)$", &ts).as_deref(),
            Some("main-20240102T0304")
        );
        assert_eq!(
            newest("alphabetical:.*", &["b", "a", "c"]).as_deref(),
            Some("c")
        );
        // Huge numbers do not overflow.
        let big = ["n-99999999999999999999999", "n-100000000000000000000000"];
        assert_eq!(newest("numeric:[0-9]+", &big).as_deref(), Some(big[1]));
    }

    #[test]
    fn newest_build_reads_the_creation_times() {
        let p: Policy = "newest-build:^sha-".parse().unwrap();
        let t = tags(&["sha-a", "sha-b", "sha-c", "latest"]);
        assert_eq!(p.candidates(&t), ["sha-a", "sha-b", "sha-c"]);
        let mut times = HashMap::new();
        times.insert(
            "sha-a".to_string(),
            created("2024-01-01T00:00:00.5Z").unwrap(),
        );
        times.insert(
            "sha-b".to_string(),
            created("2024-01-01T00:00:00.25Z").unwrap(),
        );
        let c = p.choose(&t, Some("sha-b"), &times);
        assert_eq!(c.newest.as_deref(), Some("sha-a"));
        assert_eq!(c.standing, Standing::Older);
        assert_eq!((c.unparsable.0, c.unmatched), (1, 1));
        assert_eq!(
            created("2024-01-01T02:00:00+02:00"),
            created("2024-01-01T00:00:00Z")
        );
        assert_eq!(
            created("2024-01-01T00:00:00.000000001Z"),
            Some(1_704_067_200_000_000_001)
        );
        assert_eq!(created("2024-01-01"), None);
        assert_eq!(created("yesterday"), None);
        assert!("newest-build".parse::<Policy>().unwrap().needs_times());
        // A hotfix tag outside the pattern, built after every admitted tag: kept.
        let t = tags(&["sha-a", "hotfix-1"]);
        times.insert(
            "hotfix-1".to_string(),
            created("2024-05-01T00:00:00Z").unwrap(),
        );
        assert_eq!(
            p.choose(&t, Some("hotfix-1"), &times).standing,
            Standing::Newer
        );
        times.insert(
            "hotfix-1".to_string(),
            created("2023-05-01T00:00:00Z").unwrap(),
        );
        assert_eq!(
            p.choose(&t, Some("hotfix-1"), &times).standing,
            Standing::Older
        );
        assert_eq!(
            p.choose(&t, Some("gone"), &times).standing,
            Standing::Unreadable
        );
    }

    #[test]
    fn policies_are_read_or_refused_with_the_forms() {
        for ok in [
            "semver:^1.2",
            "semver:~1.4.0",
            "semver:>=1.2.0 <2",
            "numeric:^b-(?P<key>[0-9]+)$",
            "alphabetical:.*",
            "newest-build",
            "newest-build:^sha-",
            "digest:stable",
        ] {
            let p: Policy = ok.parse().unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert!(!p.to_string().is_empty());
        }
        for (bad, says) in [
            ("semver", "needs a range"),
            ("semver:", "needs a range"),
            ("semver:^1 || ^2", "`||` is not read"),
            ("semver:banana", "is not a range"),
            ("numeric:(", "not a regular expression"),
            ("numeric:", "needs a pattern"),
            ("newest-build:", "needs a pattern"),
            ("digest:", "tag"),
            ("digest:a b", "tag"),
            ("latest", "unknown policy"),
            ("newest:x\n", "unknown policy"),
        ] {
            let e = bad.parse::<Policy>().unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
            assert!(!e.contains('\n'), "{bad}: {e}");
        }
        let p: Policy = "digest:stable".parse().unwrap();
        assert!(matches!(
            p.verdict("stable", &HashMap::new()),
            Verdict::Admitted(_)
        ));
        assert_eq!(p.verdict("other", &HashMap::new()), Verdict::Unmatched);
    }
}
