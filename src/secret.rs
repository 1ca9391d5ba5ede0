//! Secrets, kept out of everything imgbump prints: tokens, an App's key and its JWT, webhook
//! URLs, a URL's user info. Each is learnt once, where it is read ([`hide`]), or carried with
//! the credentials that hold it; [`redact`] replaces every one in a text by `***`, and
//! [`cut`] bounds a text only after that, so that a length limit never leaves part of a secret
//! behind.
//!
//! What counts as a secret in a text:
//! - every configured secret in full, whatever its length;
//! - any part of one that starts where the secret starts and is at least [`MIN_PART`]
//!   characters long (or the whole secret, when shorter): a server that echoes a token and cuts
//!   its own message mid-token leaks no prefix of it;
//!   (a URL's scheme and host, being no secret, do not count towards it);
//! - a URL's user info (`scheme://user:password@host`).
//!
//! Why the learnt secrets are one process-wide list, though each is also carried where it is used
//! (`git::Credentials`, the forge's and Argo CD's clients): a server's words enter in every room (a
//! registry's, forge's or Argo CD's answer, a push's `remote:` lines) and are cut there ([`cut`],
//! `http::Text`), and they may echo a secret another room learnt, so a list passed by value would
//! have to reach every reader, and one missed is a leak. It is a mask at the door, as the GitHub
//! Actions runner masks every `::add-mask::` value in every line of a job's log; cargo's
//! `Secret<T>` (whose `Debug` and `Display` show nothing) keeps a token out of what cargo formats,
//! which no type can do for a server's echo of it.

use std::sync::Mutex;

/// The shortest start of a secret that is redacted when the rest of it is missing.
pub(crate) const MIN_PART: usize = 6;

/// Secrets learnt at run time (a minted token, an App's key and JWT, an Argo CD token, a
/// webhook's URL).
static LEARNT: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Keeps `secret` (trimmed) out of every text [`redact`] cleans, from now on.
pub(crate) fn hide(secret: &str) {
    let secret = secret.trim();
    if secret.is_empty() {
        return;
    }
    if let Ok(mut s) = LEARNT.lock() {
        if !s.iter().any(|x| x == secret) {
            s.push(secret.to_string());
        }
    }
}

/// `text` with every learnt secret, every one of `also`, and every URL's user info replaced by
/// `***`.
pub(crate) fn redact<'a>(text: &str, also: impl IntoIterator<Item = &'a str>) -> String {
    let mut secrets: Vec<String> = also
        .into_iter()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if let Ok(learnt) = LEARNT.lock() {
        secrets.extend(learnt.iter().cloned());
    }
    // The longest first, so that a short secret inside a long one does not break its match.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    secrets.dedup();
    let mut out = crate::url::redact_urls(text);
    for s in &secrets {
        out = redact_one(&out, s);
    }
    out
}

/// `text` with `secret`, and every start of it of at least [`MIN_PART`] characters, replaced
/// by `***`.
fn redact_one(text: &str, secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    // A URL's scheme and host are no secret: what matters starts after them.
    let public = secret
        .find("://")
        .map(|i| {
            let after = &secret[i + 3..];
            let host_end = after.find(['/', '?', '#']).map_or(after.len(), |j| j + 1);
            secret[..i + 3 + host_end].chars().count()
        })
        .unwrap_or(0);
    let min = chars.len().min(public + MIN_PART);
    let head: String = chars[..min].iter().collect();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(&head) {
        out.push_str(&rest[..i]);
        let from = &rest[i..];
        // How far the text goes on as the secret does.
        let len: usize = from
            .chars()
            .zip(chars.iter())
            .take_while(|(a, b)| a == *b)
            .map(|(a, _)| a.len_utf8())
            .sum();
        out.push_str("***");
        rest = &from[len..];
    }
    out.push_str(rest);
    out
}

/// `text` redacted ([`redact`]), then cut to at most `max` characters (marked `…`), control
/// characters blanked: one bounded line of what a server said.
pub(crate) fn cut<'a>(text: &str, max: usize, also: impl IntoIterator<Item = &'a str>) -> String {
    let clean = redact(text, also);
    let mut out: String = clean
        .chars()
        .take(max)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.chars().count() > max {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_of_any_length_and_any_long_enough_start_of_one_is_redacted() {
        let token = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
        hide(token);
        let said = format!("bad credentials: {token}, again {}", &token[..20]);
        assert_eq!(redact(&said, []), "bad credentials: ***, again ***");
        // A start too short to matter stays; the whole of a short secret goes.
        assert_eq!(redact("ghp_0 here", []), "ghp_0 here");
        assert_eq!(redact("pw=abc.", ["abc"]), "pw=***.");
        assert_eq!(redact("x", [" "]), "x");
        // Cut after redaction: the limit falls mid-token, nothing of it shows.
        let long = format!("{}{token}{}", "a".repeat(290), "b".repeat(100));
        let shown = cut(&long, 300, []);
        assert!(!shown.contains("ghp_01"), "{shown}");
        assert!(shown.ends_with("***bbbbbbb…"), "{shown}");
        // A server that cut its own echo mid-token.
        let echoed = &token[..30];
        assert_eq!(redact(&format!("[{echoed}"), []), "[***");
        assert_eq!(cut("a\nb", 10, []), "a b");
        // A webhook's URL: its host is no secret, any long enough start of its path is.
        hide("https://hooks.example/services/T0/B0/abcdefgh");
        assert_eq!(
            redact(
                "to https://hooks.example/x and https://hooks.example/services/T0",
                []
            ),
            "to https://hooks.example/x and ***"
        );
    }

    #[test]
    fn user_info_of_a_url_is_redacted() {
        assert_eq!(
            redact("at https://u:pw@h.io/x", []),
            "at https://***@h.io/x"
        );
        // A workflow identity's `@` is in its path: no user info, shown in full, while the
        // user info of another URL in the same message is hidden, also through `cut`.
        let wf = "https://github.com/o/r/.github/workflows/ci.yaml@refs/heads/main";
        let said = format!("required {wf}; the log https://imgbump:tok3n@rekor.test/ refused");
        let want = format!("required {wf}; the log https://***@rekor.test/ refused");
        assert_eq!(redact(&said, []), want);
        assert_eq!(cut(&said, 500, []), want);
    }
}
