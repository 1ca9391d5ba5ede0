//! The one HTTP client setup, for the registry and the forges: no redirects followed on its
//! own, statuses returned (not errors), a global timeout, and TLS through the OpenSSL imgbump
//! already links, with the CA roots found as for Git. Plain HTTP only to this machine or hosts
//! named insecure.

use std::time::Duration;

/// An agent with imgbump's settings.
pub fn agent(timeout: Duration) -> ureq::Agent {
    let (file, dir) = crate::git::ca_roots();
    // native-tls (OpenSSL) reads its default roots from these variables.
    if let Some(f) = file {
        std::env::set_var("SSL_CERT_FILE", f);
    }
    if let Some(d) = dir {
        std::env::set_var("SSL_CERT_DIR", d);
    }
    let tls = ureq::tls::TlsConfig::builder()
        .provider(ureq::tls::TlsProvider::NativeTls)
        .root_certs(ureq::tls::RootCerts::PlatformVerifier)
        .build();
    let timeout = if timeout.is_zero() {
        Duration::from_secs(30)
    } else {
        timeout
    };
    ureq::Agent::config_builder()
        .tls_config(tls)
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .user_agent(concat!("imgbump/", env!("CARGO_PKG_VERSION")))
        .build()
        .new_agent()
}

/// Runs an idempotent request (GET, HEAD, DELETE), and once more if it failed the way a pooled
/// connection fails when the server closed it: reset, broken pipe, or the end of the stream before
/// an answer. ureq looks at a pooled connection before reusing it, but a server's close (an idle
/// timeout, or a server that closes after each answer without saying so) can cross the request on
/// the wire; the second try opens a new connection. Non-idempotent requests are not retried here:
/// the server may have acted on them.
pub fn idempotent<T>(mut call: impl FnMut() -> Result<T, ureq::Error>) -> Result<T, ureq::Error> {
    match call() {
        Err(e) if dropped(&e) => call(),
        result => result,
    }
}

/// Whether `e` is a connection the server dropped rather than a refusal, a timeout or a TLS or
/// protocol fault.
fn dropped(e: &ureq::Error) -> bool {
    use std::io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset, UnexpectedEof};
    matches!(e, ureq::Error::Io(io) if matches!(io.kind(), ConnectionReset | BrokenPipe | UnexpectedEof | ConnectionAborted))
}

/// Whether `host` (`name` or `name:port`) is this machine.
pub fn loopback(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(n, _)| n),
    };
    name == "localhost"
        || name == "::1"
        || name
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|a| a.is_loopback())
}

/// The `host[:port]` of an absolute URL (user info dropped).
pub fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    Some(
        authority
            .rsplit_once('@')
            .map_or(authority, |(_, h)| h)
            .to_string(),
    )
}

/// Percent-encodes `s` for a URL's query or path, keeping the unreserved characters and those
/// in `keep` (such as `/` in a path).
pub fn pct(s: &str, keep: &[u8]) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b if keep.contains(&b) => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Whether `url` may be used: HTTPS, or plain HTTP to this machine or an `insecure` host.
pub fn may_use(url: &str, insecure: &[String]) -> bool {
    let plain_ok = || url_host(url).is_some_and(|h| loopback(&h) || insecure.contains(&h));
    url.starts_with("https://") || (url.starts_with("http://") && plain_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_this_machine_or_a_named_host() {
        assert!(may_use("https://registry.example/v2/", &[]));
        assert!(may_use("http://127.0.0.1:5000/v2/", &[]));
        assert!(may_use("http://localhost:5000/v2/", &[]));
        assert!(may_use("http://[::1]:5000/v2/", &[]));
        assert!(!may_use("http://10.0.0.7:5000/v2/", &[]));
        assert!(!may_use("http://registry.example/v2/", &[]));
        assert!(!may_use("http://localhost.example.com/v2/", &[]));
        assert!(may_use(
            "http://10.0.0.7:5000/v2/",
            &["10.0.0.7:5000".to_string()]
        ));
        assert!(!may_use(
            "http://10.0.0.7:5001/v2/",
            &["10.0.0.7:5000".to_string()]
        ));
        assert!(!may_use("ftp://127.0.0.1/", &[]));
        assert_eq!(
            url_host("http://u:p@[::1]:5000/x"),
            Some("[::1]:5000".into())
        );
    }
}
