//! Never going backwards: order keys and rollbacks recorded in commit trailers.
//!
//! A producer passes a number it makes grow (`github.run_number`, the source commit's time) as
//! `--order-key`. Each commit that changes a service's image records it as
//! `Imgbump-Order: SERVICE=N`. Before an edit, the newest such trailer for the service on the
//! tip being edited is read (a shallow clone is deepened until it is found or the history
//! ends): a key not greater than it means the change is older than what is deployed, and it is
//! left alone ("superseded"). A rollback records `Imgbump-Rollback: SERVICE=IMAGE`, the image
//! it rolled back from, so that a second rollback goes further back instead of toggling.

use std::collections::HashMap;

use git2::Oid;

use crate::git::Workspace;

use super::{Change, Failure, Pair};

/// The trailer that records a service's order key.
pub const ORDER: &str = "Imgbump-Order";
/// The trailer that records the image a rollback rolled back from.
pub const ROLLBACK: &str = "Imgbump-Rollback";
/// The trailer a CD workflow sets to the person or bot that asked for the change.
pub const REQUESTED_BY: &str = "Requested-By";

/// The values of trailer `key` in `message` that are about `service`: for each line
/// `KEY: SERVICE=VALUE` of the message's last paragraph, `VALUE`.
pub fn values<'m>(message: &'m str, key: &str, service: &str) -> Vec<&'m str> {
    trailer_lines(message)
        .filter_map(|(k, v)| (k.eq_ignore_ascii_case(key)).then_some(v))
        .filter_map(|v| v.split_once('=').filter(|(s, _)| *s == service))
        .map(|(_, v)| v)
        .collect()
}

/// The value of trailer `key` in `message` (the first), whatever it is about.
pub fn value<'m>(message: &'m str, key: &str) -> Option<&'m str> {
    trailer_lines(message).find_map(|(k, v)| k.eq_ignore_ascii_case(key).then_some(v))
}

/// `Key: value` lines of a message's last paragraph (its trailers, as git reads them).
fn trailer_lines(message: &str) -> impl Iterator<Item = (&str, &str)> {
    let body = message.trim_end();
    let last = body.rsplit("\n\n").next().unwrap_or("");
    last.lines().filter_map(|l| {
        let (k, v) = l.split_once(": ")?;
        (!k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
            .then_some((k, v.trim()))
    })
}

/// The order key recorded for `service` in `message`, if one is.
pub fn key_in(message: &str, service: &str) -> Option<u64> {
    values(message, ORDER, service)
        .into_iter()
        .find_map(|v| v.parse().ok())
}

/// The `Imgbump-Order` trailers for the changes that change something.
pub(super) fn trailers(changes: &[Change], key: u64) -> Vec<(String, String)> {
    changes
        .iter()
        .filter(|c| c.changed)
        .map(|c| (ORDER.to_string(), format!("{}={key}", c.service)))
        .collect()
}

/// The order key recorded last for each service of `pairs` on the branch's tip: the newest
/// first-parent commit with an `Imgbump-Order` trailer for it. A shallow clone is deepened
/// while a service's key is not found and there is more history to fetch.
pub(super) fn recorded(
    ws: &mut Workspace,
    pairs: &[Pair],
) -> Result<HashMap<String, u64>, Failure> {
    loop {
        let mut found: HashMap<String, u64> = HashMap::new();
        let shallow_end = ws.messages(|_: Oid, message: &str| {
            for p in pairs {
                if !found.contains_key(&p.service) {
                    if let Some(k) = key_in(message, &p.service) {
                        found.insert(p.service.clone(), k);
                    }
                }
            }
            found.len() < pairs.len()
        })?;
        if found.len() == pairs.len() || !shallow_end || !ws.deepen()? {
            return Ok(found);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailers_are_read_from_the_last_paragraph_for_their_service() {
        let m = "chore: update images of agent, mcp\n\n- agent: a\n- mcp: b\n\nSource-Commit: abc\nImgbump-Order: agent=1234\nImgbump-Order: mcp=77\nRequested-By: octocat\n";
        assert_eq!(key_in(m, "agent"), Some(1234));
        assert_eq!(key_in(m, "mcp"), Some(77));
        assert_eq!(key_in(m, "user"), None);
        assert_eq!(value(m, REQUESTED_BY), Some("octocat"));
        // Not a trailer: in the body, or a key that is not a number.
        let body = "chore: x\n\nImgbump-Order: agent=9 is what we used\n\nSource-Commit: abc\n";
        assert_eq!(key_in(body, "agent"), None);
        assert_eq!(key_in("x\n\nImgbump-Order: agent=abc\n", "agent"), None);
        assert_eq!(
            values("x\n\nImgbump-Rollback: agent=r/a:bad\n", ROLLBACK, "agent"),
            ["r/a:bad"]
        );
    }
}
