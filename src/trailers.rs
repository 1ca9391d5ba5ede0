//! imgbump's commit trailers, written and read in one place: `Imgbump-Order` (a service's order
//! key), `Imgbump-Rollback` (the image a rollback rolled back from), `Requested-By` (who
//! asked), and `Imgbump-Hold`, `Imgbump-Release`, `Imgbump-Hold-Ignored` (a service held,
//! released, or set despite its hold). Knows nothing of Git: messages in, values out.
//!
//! A producer passes a number it makes grow (`github.run_number`, the source commit's time) as
//! `--order-key`. Each commit that changes a service's image records it as
//! `Imgbump-Order: SERVICE=N`. Before an edit, the newest such trailer for the service on the
//! tip being edited is read (a shallow clone is deepened until it is found or the history
//! ends): a key not greater than it means the change is older than what is deployed, and it is
//! left alone ("superseded"). A rollback records `Imgbump-Rollback: SERVICE=IMAGE`, the image
//! it rolled back from, so that a second rollback goes further back instead of toggling.

/// The trailer that records a service's order key.
pub(crate) const ORDER: &str = "Imgbump-Order";
/// The trailer that records the image a rollback rolled back from.
pub(crate) const ROLLBACK: &str = "Imgbump-Rollback";
/// The trailer a CD workflow sets to the person or bot that asked for the change.
pub(crate) const REQUESTED_BY: &str = "Requested-By";
/// The trailer of a commit that holds a service (`Imgbump-Hold: SERVICE`).
pub(crate) const HOLD: &str = "Imgbump-Hold";
/// The trailer of a commit that released a service's hold.
pub(crate) const RELEASE: &str = "Imgbump-Release";
/// The trailer of a commit that set a held service's image with `--ignore-hold`.
pub(crate) const HOLD_IGNORED: &str = "Imgbump-Hold-Ignored";

/// The trailer of a batched bump's commit naming each request it carries (see `bump/batch.rs`).
pub(crate) const REQUEST: &str = "Imgbump-Request";

/// Every value of trailer `key` in `message`, whatever it is about.
pub(crate) fn all<'m>(message: &'m str, key: &str) -> Vec<&'m str> {
    trailer_lines(message)
        .filter_map(|(k, v)| (k.eq_ignore_ascii_case(key)).then_some(v))
        .collect()
}

/// The values of trailer `key` in `message` that are about `service`: for each line
/// `KEY: SERVICE=VALUE` of the message's last paragraph, `VALUE`.
pub(crate) fn values<'m>(message: &'m str, key: &str, service: &str) -> Vec<&'m str> {
    trailer_lines(message)
        .filter_map(|(k, v)| (k.eq_ignore_ascii_case(key)).then_some(v))
        .filter_map(|v| v.split_once('=').filter(|(s, _)| *s == service))
        .map(|(_, v)| v)
        .collect()
}

/// The value of trailer `key` in `message` (the first), whatever it is about.
pub(crate) fn value<'m>(message: &'m str, key: &str) -> Option<&'m str> {
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
pub(crate) fn key_in(message: &str, service: &str) -> Option<u64> {
    values(message, ORDER, service)
        .into_iter()
        .find_map(|v| v.parse().ok())
}

/// The `Imgbump-Order` trailer recording `key` for `service`.
pub(crate) fn order(service: &str, key: u64) -> (String, String) {
    (ORDER.to_string(), format!("{service}={key}"))
}

/// The `Imgbump-Rollback` trailer recording that `service` was rolled back from `image`.
pub(crate) fn rollback(service: &str, image: &str) -> (String, String) {
    (ROLLBACK.to_string(), format!("{service}={image}"))
}

/// `message` (its text up to the trailers) with `trailers` as its last paragraph, and one final
/// line break.
pub(crate) fn append(message: &str, trailers: &[(String, String)]) -> String {
    let mut msg = message.trim_end_matches('\n').to_string();
    if !trailers.is_empty() {
        msg.push_str("\n\n");
        let lines: Vec<String> = trailers.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        msg.push_str(&lines.join("\n"));
    }
    msg.push('\n');
    msg
}

/// The trailer lines of `message` (`Key: value`), as written.
pub(crate) fn lines(message: &str) -> Vec<&str> {
    let body = message.trim_end();
    match body.rsplit_once("\n\n") {
        Some((_, last)) => last
            .lines()
            .filter(|l| trailer_lines(l).next().is_some())
            .collect(),
        None => Vec::new(),
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
