//! What a Git failure is, decided in one place: worth another try (a refused, reset or cut
//! connection; a server's 5xx answer) or not (a path with no repository, an unknown host, a
//! TLS failure, a 4xx, a web page where Git was expected), and what to check then. Every retry
//! loop asks [`super::Error::worth_retrying`], which reads the kind decided here.

use git2::{ErrorClass, ErrorCode};

use super::{Credentials, Error, ErrorKind};

/// A failure of the connection rather than of the request: refused, reset, closed early, or a
/// server error (5xx) that another try may not meet.
pub(super) fn is_network(e: &git2::Error) -> bool {
    let m = e.message().to_ascii_lowercase();
    if m.contains("certificate")
        || m.contains("hostkey")
        || m.contains("host key")
        || e.code() == ErrorCode::Auth
        || unreachable(e).is_some()
    {
        return false;
    }
    if let Some(s) = http_status(&m) {
        return server_error(s);
    }
    matches!(e.class(), ErrorClass::Net | ErrorClass::Os)
        || [
            "connection reset",
            "connection refused",
            "hung up",
            "early eof",
            "unexpected eof",
            "error receiving data",
            "error sending data",
            "broken pipe",
            "timed out",
        ]
        .iter()
        .any(|w| m.contains(w))
}

/// A 5xx that a later try may not meet (an overloaded or restarting server, a proxy whose
/// upstream is down); 501 and 505 say the server will never speak this request.
fn server_error(status: u16) -> bool {
    (500..600).contains(&status) && !matches!(status, 501 | 505)
}

/// The HTTP status a libgit2 error reports (`unexpected http status code: 404`).
fn http_status(m: &str) -> Option<u16> {
    static STATUS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?i)\bstatus code:? (\d{3})\b").expect("a valid pattern")
    });
    STATUS.captures(m)?.get(1)?.as_str().parse().ok()
}

/// What the server's words say there is no repository at this address (another try finds
/// none either), and what to check.
const NO_REPOSITORY: [(&str, &str); 6] = [
    // A `file://` URL or a path: libgit2's local transport.
    (
        "failed to resolve path",
        "there is no repository at this path on this machine: check the path (and that it is a Git repository)",
    ),
    (
        "could not find repository",
        "there is no repository at this path on this machine: check the path (and that it is a Git repository)",
    ),
    // git daemon answers both a missing and an unexported repository so.
    (
        "access denied or repository not exported",
        "the git daemon serves no repository at this path: check the URL's path, and that the repository is exported (a `git-daemon-export-ok` file, or the daemon's --export-all)",
    ),
    // GitHub, GitLab and gitolite over SSH.
    (
        "repository not found",
        "the server has no repository at this path, or this key may not read it: check the URL's path and the key's access",
    ),
    (
        "does not appear to be a git repository",
        "the server has no repository at this path: check the URL's path",
    ),
    // A smart-HTTP URL answered by a web page (a login page, a forge's HTML view).
    (
        "invalid content-type",
        "the server answered with a web page, not Git: check the URL (a Git remote's address, often ending in .git), and that no login page stands in front of it",
    ),
];

/// When `e` says the remote cannot be reached as written (so another try would fail the same
/// way): what to check.
fn unreachable(e: &git2::Error) -> Option<&'static str> {
    let m = e.message().to_ascii_lowercase();
    let unknown_host = [
        "failed to resolve address",
        "name or service not known",
        "no address associated with hostname",
        "nodename nor servname",
        "temporary failure in name resolution",
        "failed to lookup address",
    ];
    if unknown_host.iter().any(|w| m.contains(w)) {
        return Some(
            "the host name cannot be resolved: check the URL's host (and this machine's DNS)",
        );
    }
    if e.class() == ErrorClass::Ssl
        || m.contains("ssl error")
        || m.contains("ssl routines")
        || m.contains("certificate")
    {
        return Some("the TLS connection failed: check the server's certificate, or SSL_CERT_FILE / SSL_CERT_DIR for a private CA");
    }
    if let Some((_, check)) = NO_REPOSITORY.iter().find(|(w, _)| m.contains(w)) {
        return Some(check);
    }
    match http_status(&m) {
        Some(401 | 403) => None,
        Some(404) => {
            Some("the server has no repository at this URL (HTTP 404): check the URL's path")
        }
        Some(s) if (400..500).contains(&s) => Some("the server refused the request: check the URL"),
        Some(501 | 505) => Some("the server does not speak this request: check the URL"),
        _ => None,
    }
}

/// `e` as imgbump's [`Error`]: its kind (which decides whether it is retried and the exit
/// code) and a message that starts with `what` and says what to check; secrets redacted.
pub(super) fn git_err(what: &str, e: &git2::Error, creds: &Credentials) -> Error {
    let status = http_status(e.message());
    let check = unreachable(e);
    let kind = match (e.code(), e.class()) {
        (ErrorCode::Auth, _) => ErrorKind::Auth,
        _ if matches!(status, Some(401 | 403)) || e.message().contains("authentication") => {
            ErrorKind::Auth
        }
        _ if check.is_some() => ErrorKind::Unreachable,
        (ErrorCode::NotFound, _) => ErrorKind::NotFound,
        _ if is_network(e) => ErrorKind::Network,
        _ => ErrorKind::Other,
    };
    let message = format!("{what}: {}", e.message());
    let hint = match kind {
        ErrorKind::Auth => Some(
            "authentication failed: set IMGBUMP_TOKEN (or GITHUB_TOKEN) to a token that may push, or configure a credential helper or SSH key",
        ),
        ErrorKind::Unreachable => Some(check.unwrap_or_default()),
        _ if e.class() == ErrorClass::Ssh && (e.message().contains("host") || e.message().contains("known")) => Some(
            "the SSH host key is not trusted: check the host's fingerprint, then add it with `ssh-keyscan HOST >> ~/.ssh/known_hosts`",
        ),
        _ => None,
    };
    Error {
        kind,
        message: creds.redact(&message),
        hint: hint.map(String::from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_classified_and_carry_no_secret() {
        let creds = Credentials::from_env();
        let auth = git2::Error::new(
            ErrorCode::Auth,
            ErrorClass::Http,
            "too many redirects or authentication replays",
        );
        let e = git_err("cannot fetch from https://bot:s3cr3t@h/x", &auth, &creds);
        assert_eq!(e.kind, ErrorKind::Auth);
        assert!(
            e.hint
                .as_deref()
                .is_some_and(|h| h.contains("set IMGBUMP_TOKEN")),
            "{e}"
        );
        assert!(!e.message.contains("s3cr3t"), "{e}");
        let reset = git2::Error::new(
            ErrorCode::GenericError,
            ErrorClass::Net,
            "connection reset by peer",
        );
        assert_eq!(git_err("push", &reset, &creds).kind, ErrorKind::Network);
        let early = git2::Error::new(ErrorCode::GenericError, ErrorClass::Odb, "early EOF");
        assert!(is_network(&early));
        // A certificate or host key problem is not worth another try.
        let cert = git2::Error::new(
            ErrorCode::Certificate,
            ErrorClass::Net,
            "the SSL certificate is invalid",
        );
        assert!(!is_network(&cert));
        let host = git2::Error::new(
            ErrorCode::GenericError,
            ErrorClass::Ssh,
            "invalid or unknown remote ssh hostkey",
        );
        let e = git_err("connect", &host, &creds);
        assert_ne!(e.kind, ErrorKind::Network);
        assert!(
            e.hint.as_deref().is_some_and(|h| h.contains("ssh-keyscan")),
            "{e}"
        );
        let missing = git2::Error::new(ErrorCode::NotFound, ErrorClass::Reference, "no such ref");
        assert_eq!(git_err("x", &missing, &creds).kind, ErrorKind::NotFound);
        // An object id that holds "401" is no HTTP status: no authentication hint.
        let object = git2::Error::new(
            ErrorCode::NotFound,
            ErrorClass::Odb,
            "object not found - no match for id (8f4013c2a1d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9)",
        );
        let e = git_err("fetch", &object, &creds);
        assert_eq!(e.kind, ErrorKind::NotFound);
        assert!(!e.message.contains("IMGBUMP_TOKEN"), "{e}");
        // What another try cannot change fails at once; 401 and 403 are about credentials.
        for (class, text, kind) in [
            (
                ErrorClass::Net,
                "failed to resolve address for nonexistent.invalid: Name or service not known",
                ErrorKind::Unreachable,
            ),
            (
                ErrorClass::Os,
                "failed to lookup address information: Name or service not known",
                ErrorKind::Unreachable,
            ),
            (
                ErrorClass::Ssl,
                "SSL error: error:0A000086:SSL routines::certificate verify failed",
                ErrorKind::Unreachable,
            ),
            (
                ErrorClass::Http,
                "unexpected http status code: 404",
                ErrorKind::Unreachable,
            ),
            (
                ErrorClass::Http,
                "unexpected http status code: 403",
                ErrorKind::Auth,
            ),
            (
                ErrorClass::Http,
                "unexpected http status code: 401",
                ErrorKind::Auth,
            ),
            (
                ErrorClass::Net,
                "failed to connect to 127.0.0.1: Connection refused",
                ErrorKind::Network,
            ),
        ] {
            let e = git2::Error::new(ErrorCode::GenericError, class, text);
            assert_eq!(git_err("x", &e, &creds).kind, kind, "{text}");
        }
    }

    #[test]
    fn only_cut_connections_and_server_errors_are_worth_another_try() {
        let creds = Credentials::default();
        for (class, text, kind) in [
            // No repository at the address: another try finds none either.
            (
                ErrorClass::Os,
                "failed to resolve path '/srv/nope.git': No such file or directory",
                ErrorKind::Unreachable,
            ),
            (
                ErrorClass::Net,
                "remote error: access denied or repository not exported: /x.git",
                ErrorKind::Unreachable,
            ),
            (
                ErrorClass::Ssh,
                "ERROR: Repository not found.",
                ErrorKind::Unreachable,
            ),
            (
                ErrorClass::Net,
                "invalid content-type: 'text/html; charset=utf-8'",
                ErrorKind::Unreachable,
            ),
            (
                ErrorClass::Http,
                "unexpected http status code: 501",
                ErrorKind::Unreachable,
            ),
            // A server's own trouble may pass.
            (
                ErrorClass::Http,
                "unexpected http status code: 502",
                ErrorKind::Network,
            ),
            (
                ErrorClass::Http,
                "unexpected http status code: 503",
                ErrorKind::Network,
            ),
            (
                ErrorClass::Net,
                "failed to connect to 127.0.0.1: Connection refused",
                ErrorKind::Network,
            ),
            (ErrorClass::Net, "early EOF", ErrorKind::Network),
        ] {
            let e = git2::Error::new(ErrorCode::GenericError, class, text);
            let e = git_err("x", &e, &creds);
            assert_eq!(e.kind, kind, "{text}");
            assert_eq!(e.worth_retrying(), kind == ErrorKind::Network, "{text}");
            if kind == ErrorKind::Unreachable {
                assert!(
                    e.hint.as_deref().is_some_and(|h| h.contains("check")),
                    "{e}"
                );
            }
        }
    }
}
