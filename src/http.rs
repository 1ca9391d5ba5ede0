//! The one HTTP client setup, for the registry and the forges: no redirects followed on its
//! own, statuses returned (not errors), a global timeout, and TLS through the OpenSSL imgbump
//! already links, with the CA roots found as for Git. Plain HTTP only to this machine or hosts
//! named insecure. A JSON answer is read into `Deserialize` structs through [`Text`], [`Obj`]
//! and [`List`] (and [`read`]): unknown fields ignored, a field that is missing or of another
//! type read as empty, so that a hostile answer reads as the `value["field"]` reads it replaced.

use std::time::Duration;

/// An agent with imgbump's settings.
pub(crate) fn agent(timeout: Duration) -> ureq::Agent {
    let tls = ureq::tls::TlsConfig::builder()
        .provider(ureq::tls::TlsProvider::NativeTls)
        .root_certs(root_certs())
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

/// The CA roots, handed to the client (the environment is not changed once threads run; see
/// `git::init`): a bundle file's certificates when one is chosen (the user's
/// `SSL_CERT_FILE`, or a system without a hashed directory), the certificates of a list of
/// directories, else OpenSSL's default locations, where `SSL_CERT_DIR` names the chosen
/// directory, searched lazily.
fn root_certs() -> ureq::tls::RootCerts {
    let (file, dir) = crate::git::ca_roots();
    let pem = match (file, dir) {
        (Some(f), _) => std::fs::read(f).unwrap_or_default(),
        // A list of directories (`a:b`, as OpenSSL takes it) cannot be named to the client
        // through the environment (see `git::init`): their certificates are read here.
        (None, Some(d)) if !d.exists() => d
            .to_str()
            .unwrap_or("")
            .split(':')
            .flat_map(|d| std::fs::read_dir(d).into_iter().flatten().flatten())
            .filter_map(|e| std::fs::read(e.path()).ok())
            .flat_map(|mut b| {
                b.push(b'\n');
                b
            })
            .collect(),
        (None, _) => return ureq::tls::RootCerts::PlatformVerifier,
    };
    let certs: Vec<ureq::tls::Certificate<'static>> = ureq::tls::parse_pem(&pem)
        .filter_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
            _ => None,
        })
        .collect();
    if certs.is_empty() {
        return ureq::tls::RootCerts::PlatformVerifier;
    }
    ureq::tls::RootCerts::new_with_certs(&certs)
}

/// Runs an idempotent request (GET, HEAD, DELETE), and once more if it failed the way a pooled
/// connection fails when the server closed it: reset, broken pipe, or the end of the stream before
/// an answer. ureq looks at a pooled connection before reusing it, but a server's close (an idle
/// timeout, or a server that closes after each answer without saying so) can cross the request on
/// the wire; the second try opens a new connection. Non-idempotent requests are not retried here:
/// the server may have acted on them.
pub(crate) fn idempotent<T>(
    mut call: impl FnMut() -> Result<T, ureq::Error>,
) -> Result<T, ureq::Error> {
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

pub(crate) use crate::url::loopback;

/// The `host[:port]` of an absolute URL (user info dropped).
pub(crate) fn url_host(url: &str) -> Option<String> {
    let u = crate::url::RemoteUrl::parse(url);
    (u.is_remote() && !u.is_local()).then(|| u.authority().to_string())
}

const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes `s` for a URL's query or one path segment: everything but the unreserved
/// characters of RFC 3986.
pub(crate) fn pct(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, UNRESERVED).to_string()
}

/// Percent-encodes `s` for a URL path of several segments: as [`pct`], `/` kept.
pub(crate) fn pct_path(s: &str) -> String {
    const PATH: &percent_encoding::AsciiSet = &UNRESERVED.remove(b'/');
    percent_encoding::utf8_percent_encode(s, PATH).to_string()
}

/// A string a server sent, as one bounded line: every secret redacted first, then at most
/// `max` characters (`…` when cut), control characters (line breaks among them) blanked;
/// empty when `v` is not a string.
pub(crate) fn one_line(v: &serde_json::Value, max: usize) -> String {
    crate::secret::cut(v.as_str().unwrap_or(""), max, [])
}

/// A string field of a server's answer, read as [`Deserialize`](serde::Deserialize): any
/// other value (a number, an object, `null`) or none at all reads as empty, as `one_line`
/// reads it. Not yet cut: [`Text::line`] bounds it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Text(String);

impl Text {
    /// The text as sent (the answer's own bound holds it).
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    /// The text as one bounded line (see [`one_line`]).
    pub(crate) fn line(&self, max: usize) -> String {
        crate::secret::cut(&self.0, max, [])
    }
}

impl<'de> serde::Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => Text(s),
            _ => Text::default(),
        })
    }
}

/// A string field of an answer that must be a string to count: `None` when it is missing or
/// of another type (where [`Text`] reads those as empty).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Str(pub Option<String>);

impl<'de> serde::Deserialize<'de> for Str {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Str(match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => Some(s),
            _ => None,
        }))
    }
}

/// An object of a server's answer read as `T` (whose fields all default): `None` when the
/// value is no object or does not read as `T`, so one odd part never spoils the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Obj<T>(pub Option<T>);

impl<T> Default for Obj<T> {
    fn default() -> Self {
        Obj(None)
    }
}

impl<'de, T: serde::de::DeserializeOwned> serde::Deserialize<'de> for Obj<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Obj(match serde_json::Value::deserialize(d)? {
            v @ serde_json::Value::Object(_) => serde_json::from_value(v).ok(),
            _ => None,
        }))
    }
}

impl<T: Default> Obj<T> {
    /// The object, or `T`'s default when there is none (as `value["a"]["b"]` reads `null`).
    pub(crate) fn or_default(&self) -> std::borrow::Cow<'_, T>
    where
        T: Clone,
    {
        match &self.0 {
            Some(t) => std::borrow::Cow::Borrowed(t),
            None => std::borrow::Cow::Owned(T::default()),
        }
    }
}

/// `v` read as `T` when it is an object, else `T`'s default (see [`Obj`]).
pub(crate) fn read<T: serde::de::DeserializeOwned + Default>(v: &serde_json::Value) -> T {
    match v {
        serde_json::Value::Object(_) => T::deserialize(v).unwrap_or_default(),
        _ => T::default(),
    }
}

/// A list of a server's answer: `None` when the value is no array; an element that does not
/// read as `T` (make it an [`Obj`] or a [`Text`], which always read) reads as `T`'s default,
/// so that positions hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct List<T>(pub Option<Vec<T>>);

impl<T> Default for List<T> {
    fn default() -> Self {
        List(None)
    }
}

impl<'de, T: serde::de::DeserializeOwned + Default> serde::Deserialize<'de> for List<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(List(match serde_json::Value::deserialize(d)? {
            serde_json::Value::Array(items) => Some(
                items
                    .into_iter()
                    .map(|v| serde_json::from_value(v).unwrap_or_default())
                    .collect(),
            ),
            _ => None,
        }))
    }
}

/// What a server's JSON answer says: its `message` (else its `error`), as one line of at most
/// 300 characters.
pub(crate) fn said(answer: &serde_json::Value) -> String {
    match answer["message"].as_str() {
        Some(_) => one_line(&answer["message"], 300),
        None => one_line(&answer["error"], 300),
    }
}

/// Whether `url` may be used: HTTPS, or plain HTTP to this machine or an `insecure` host.
pub(crate) fn may_use(url: &str, insecure: &[String]) -> bool {
    check(url, insecure).is_ok()
}

/// Why `url` may not be used, or `Ok`: it must be a well-formed `https://` address, or
/// `http://` to this machine or an `insecure` host (`host:port`). The host judged is the one
/// the client connects to ([`crate::url::RemoteUrl`]'s reading, RFC 3986's); the message
/// shows the address as read, without its user info (a malformed one not at all).
pub(crate) fn check(url: &str, insecure: &[String]) -> Result<(), String> {
    use crate::url::{RemoteUrl, Scheme};
    let u = RemoteUrl::parse(url);
    if let Some(why) = u.malformed() {
        return Err(format!("the address is not a URL imgbump can read: {why}"));
    }
    match u.scheme() {
        Scheme::Https => Ok(()),
        Scheme::Http if u.is_loopback() || insecure.iter().any(|h| h == u.authority()) => Ok(()),
        Scheme::Http => Err(format!(
            "{} is plain HTTP to {}, which is not this machine: use https://",
            crate::reference::shown(&u.to_string()),
            crate::reference::shown(u.host())
        )),
        _ => Err(format!(
            "{} is not an https:// URL",
            crate::reference::shown(&u.to_string())
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_server_says_is_one_bounded_line() {
        let v = serde_json::json!({"message": "bad\ncredentials", "error": "x"});
        assert_eq!(said(&v), "bad credentials");
        assert_eq!(
            said(&serde_json::json!({"error": "not found"})),
            "not found"
        );
        assert_eq!(said(&serde_json::json!({"message": 3})), "");
        assert_eq!(
            one_line(&serde_json::json!("é".repeat(400)), 300)
                .chars()
                .count(),
            301
        );
    }

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
        // The host judged is the host connected to.
        assert!(!may_use("http://10.0.0.1/@127.0.0.1:1", &[]));
        assert!(!may_use("http://u:a/b@127.0.0.1:1/", &[]));
        assert_eq!(
            check("http://10.0.0.1/@127.0.0.1:1", &[]).unwrap_err(),
            "`http://10.0.0.1/@127.0.0.1:1` is plain HTTP to `10.0.0.1`, which is not this machine: use https://"
        );
        assert_eq!(
            url_host("http://u:p@[::1]:5000/x"),
            Some("[::1]:5000".into())
        );
    }
}
