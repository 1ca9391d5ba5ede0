//! A remote's address, parsed once: its scheme, the user info split off and decoded as git
//! decodes it, the host, the port and the path. Its [`Display`](fmt::Display) never shows the
//! user info, so a `RemoteUrl` can go into any message, cache key or config; the secrets it
//! carried are [`RemoteUrl::user`], [`RemoteUrl::password`] and [`RemoteUrl::raw_userinfo`],
//! for the credentials and for redaction.
//!
//! The forms git takes: `scheme://[user[:password]@]host[:port]/path` (https, http, ssh, git,
//! file, and others passed on as written), `file:///path`, the scp-like `user@host:path`, and
//! a path on this machine. The address is read as RFC 3986 reads it, and as the HTTP client,
//! libgit2 and git read it: the authority ends at the first `/`, `?` or `#`, and the user info
//! is what comes before its last `@` (so a password holding `/`, `?` or `#` must be
//! percent-encoded). One reading serves the policy checks, the connection and every message;
//! the redaction of text finds user info the same way ([`userinfo_span`]). An authority that
//! is not `host[:port]` is [`RemoteUrl::malformed`].

use std::fmt;

/// How a remote is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scheme {
    /// `https://`
    Https,
    /// `http://`
    Http,
    /// `ssh://`
    Ssh,
    /// `git://`
    Git,
    /// `file://`
    File,
    /// Another `scheme://` (lowercased), passed on as written.
    Other(String),
    /// `user@host:path`
    Scp,
    /// A path on this machine.
    Path,
}

/// A remote's address. See the module documentation.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct RemoteUrl {
    scheme: Scheme,
    /// The scheme as written (`HTTPS`, `git`), for the secret-free form.
    scheme_text: String,
    /// The user info as written (percent-encoded), when there is one.
    raw_userinfo: Option<String>,
    user: Option<String>,
    password: Option<String>,
    /// `host[:port]` as written, without the user info.
    authority: String,
    /// The host as written (an IPv6 address with its brackets); empty for a path.
    host: String,
    port: Option<u16>,
    /// The path: from the `/` after the authority; for scp-like, what follows the `:`; for a
    /// path on this machine, the whole path.
    path: String,
}

impl RemoteUrl {
    /// Parses `s`. Every input parses: what is neither `scheme://…` nor scp-like is a path.
    pub(crate) fn parse(s: &str) -> RemoteUrl {
        match s.find("://") {
            Some(i) => Self::with_scheme(s, i),
            None if looks_scp(s) => Self::scp(s),
            None => RemoteUrl {
                scheme: Scheme::Path,
                scheme_text: String::new(),
                raw_userinfo: None,
                user: None,
                password: None,
                authority: String::new(),
                host: String::new(),
                port: None,
                path: s.to_string(),
            },
        }
    }

    fn with_scheme(s: &str, i: usize) -> RemoteUrl {
        let scheme_text = s[..i].to_string();
        let scheme = match scheme_text.to_ascii_lowercase().as_str() {
            "https" => Scheme::Https,
            "http" => Scheme::Http,
            "ssh" | "git+ssh" | "ssh+git" => Scheme::Ssh,
            "git" => Scheme::Git,
            "file" => Scheme::File,
            other => Scheme::Other(other.to_string()),
        };
        let rest = &s[i + 3..];
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (raw_userinfo, rest) = match rest[..end].rfind('@') {
            Some(at) => (Some(rest[..at].to_string()), &rest[at + 1..]),
            None => (None, rest),
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(end);
        let (host, port) = split_port(authority);
        let mut url = RemoteUrl {
            scheme,
            scheme_text,
            raw_userinfo: None,
            user: None,
            password: None,
            authority: authority.to_string(),
            host: host.to_string(),
            port,
            path: path.to_string(),
        };
        url.set_userinfo(raw_userinfo);
        url
    }

    fn scp(s: &str) -> RemoteUrl {
        let (authority, path) = s.split_once(':').unwrap_or((s, ""));
        let (user, host) = authority.rsplit_once('@').unwrap_or(("", authority));
        let mut url = RemoteUrl {
            scheme: Scheme::Scp,
            scheme_text: String::new(),
            raw_userinfo: None,
            user: None,
            password: None,
            authority: host.to_string(),
            host: host.to_string(),
            port: None,
            path: path.to_string(),
        };
        url.set_userinfo((!user.is_empty()).then(|| user.to_string()));
        url
    }

    fn set_userinfo(&mut self, raw: Option<String>) {
        if let Some(info) = &raw {
            let (user, pass) = info.split_once(':').unwrap_or((info, ""));
            self.user = (!user.is_empty()).then(|| percent_decode(user));
            self.password = (!pass.is_empty()).then(|| percent_decode(pass));
        }
        self.raw_userinfo = raw;
    }

    /// How the remote is reached.
    pub(crate) fn scheme(&self) -> &Scheme {
        &self.scheme
    }

    /// The user name, decoded.
    pub(crate) fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// The password, decoded.
    pub(crate) fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }

    /// The user info as written (`user:password`, percent-encoded), to keep out of messages.
    pub(crate) fn raw_userinfo(&self) -> Option<&str> {
        self.raw_userinfo.as_deref()
    }

    /// The host as written; empty for a path or `file:///path`.
    pub(crate) fn host(&self) -> &str {
        &self.host
    }

    /// The port, when one is written.
    pub(crate) fn port(&self) -> Option<u16> {
        self.port
    }

    /// `host[:port]`, as written.
    pub(crate) fn authority(&self) -> &str {
        &self.authority
    }

    /// The path (see the field's meaning per form).
    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    /// Whether the remote is on this machine: `file://` or a path.
    pub(crate) fn is_local(&self) -> bool {
        matches!(self.scheme, Scheme::File | Scheme::Path)
    }

    /// The remote's directory, when it is on this machine.
    pub(crate) fn local_path(&self) -> Option<&str> {
        self.is_local().then_some(self.path.as_str())
    }

    /// Whether `--repo` names a remote to clone rather than a checkout: `scheme://…` or the
    /// scp-like `user@host:path`.
    pub(crate) fn is_remote(&self) -> bool {
        self.scheme != Scheme::Path
    }

    /// What is wrong with an address that names a host (`scheme://…` other than `file://`),
    /// when its authority is not `host[:port]`: a host of other characters than letters,
    /// digits, `.`, `-`, `_`, `~`, `%` (or a bracketed IPv6 address), or a port that is not a
    /// number. Such an address would be read differently by different readers (a password
    /// holding a raw `/`); it is refused without being shown.
    pub(crate) fn malformed(&self) -> Option<String> {
        if matches!(self.scheme, Scheme::Path | Scheme::File | Scheme::Scp) {
            return None;
        }
        let name_ok = |h: &str| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b))
        };
        let v6_ok = |h: &str| {
            h.strip_prefix('[')
                .and_then(|r| r.strip_suffix(']'))
                .is_some_and(|a| a.parse::<std::net::Ipv6Addr>().is_ok())
        };
        let port_ok = match self.authority.strip_prefix(&self.host) {
            Some("") => true,
            Some(p) => p
                .strip_prefix(':')
                .is_some_and(|p| p.is_empty() || self.port.is_some()),
            None => false,
        };
        let bad_info = self
            .raw_userinfo
            .as_deref()
            .is_some_and(|i| i.chars().any(|c| c.is_whitespace() || c.is_control()));
        (!(name_ok(&self.host) || v6_ok(&self.host)) || !port_ok || bad_info).then(|| {
            "its authority (what follows `//` up to the first `/`, `?` or `#`) is not [USER[:PASSWORD]@]HOST[:PORT]; a password holding `/`, `?`, `#` or `@` must be percent-encoded (%2F, %3F, %23, %40)".to_string()
        })
    }

    /// Whether the transfer runs over TLS.
    pub(crate) fn is_tls(&self) -> bool {
        self.scheme == Scheme::Https
    }

    /// Whether the host is this machine (`localhost`, a loopback address).
    pub(crate) fn is_loopback(&self) -> bool {
        loopback(&self.host)
    }

    /// The `host[:port]` and `owner/repo` of a forge's repository, from the last two path segments
    /// (`.git` dropped): `https://host/owner/repo(.git)`, `ssh://git@host/owner/repo`,
    /// `git@host:owner/repo`, `git://host/owner/repo`. `None` when the path has fewer than two
    /// segments, or one that is not a plain name.
    /// Whether `self` and `other` name the same repository: the same host (any case) and path,
    /// whatever the scheme, user, port for SSH, and a trailing `.git` or `/`.
    pub(crate) fn same_repo(&self, other: &RemoteUrl) -> bool {
        let path = |u: &RemoteUrl| {
            let p = u.path().trim_matches('/');
            p.strip_suffix(".git").unwrap_or(p).to_ascii_lowercase()
        };
        !self.host().is_empty()
            && self.host().eq_ignore_ascii_case(other.host())
            && path(self) == path(other)
    }

    pub(crate) fn owner_repo(&self) -> Option<(String, String)> {
        if self.is_local() || self.host.is_empty() {
            return None;
        }
        let path = self.path.split(['?', '#']).next().unwrap_or("");
        let path = path.trim_matches('/').trim_end_matches(".git");
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        if parts.len() < 2 {
            return None;
        }
        let ok = |s: &&str| {
            s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
                && *s != "."
                && *s != ".."
        };
        let last = &parts[parts.len() - 2..];
        last.iter()
            .all(ok)
            .then(|| (self.authority.clone(), last.join("/")))
    }
}

impl fmt::Display for RemoteUrl {
    /// The address without its user info: `scheme://host[:port]/path`, `user@host:path` (the
    /// scp-like form's user is its login, no secret, and SSH needs it), or the path.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.scheme {
            Scheme::Path => f.write_str(&self.path),
            Scheme::Scp => match &self.user {
                Some(_) => write!(
                    f,
                    "{}@{}:{}",
                    self.raw_userinfo.as_deref().unwrap_or(""),
                    self.host,
                    self.path
                ),
                None => write!(f, "{}:{}", self.host, self.path),
            },
            _ => write!(f, "{}://{}{}", self.scheme_text, self.authority, self.path),
        }
    }
}

impl fmt::Debug for RemoteUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RemoteUrl({self})")
    }
}

/// Whether `s` is git's scp-like form, as imgbump has always taken it: a `user@`, a `:` and
/// no path start (`/`, `.`).
fn looks_scp(s: &str) -> bool {
    s.contains('@') && s.contains(':') && !s.starts_with('/') && !s.starts_with('.')
}

/// `host` and its port, for an authority `host[:port]` (`[v6]:port` too). A `:` that is not
/// followed by a port number stays part of the host.
fn split_port(authority: &str) -> (&str, Option<u16>) {
    let colon = match authority.rfind(']') {
        Some(end) => authority[end..].find(':').map(|i| end + i),
        None => authority.rfind(':'),
    };
    match colon {
        Some(i) => match authority[i + 1..].parse::<u16>() {
            Ok(p) => (&authority[..i], Some(p)),
            Err(_) if authority[i + 1..].is_empty() => (&authority[..i], None),
            Err(_) => (authority, None),
        },
        None => (authority, None),
    }
}

/// Whether `host` (`name`, `name:port`, `[v6]` or `[v6]:port`) is this machine.
pub(crate) fn loopback(host: &str) -> bool {
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

/// Where the user info of the first `scheme://` URL in `text` stands, as byte offsets
/// (start, end) with `text[end]` the `@` before the host: as [`RemoteUrl::parse`] reads it,
/// the last `@` of the authority, which ends at the first `/`, `?`, `#`, white space or
/// quote.
pub(crate) fn userinfo_span(text: &str) -> Option<(usize, usize)> {
    let start = text.find("://")? + 3;
    let rest = &text[start..];
    if rest.starts_with('/') {
        // `file:///path`: no authority, so no user info.
        return None;
    }
    let end = rest
        .find(|c: char| {
            c.is_whitespace() || matches!(c, '\'' | '"' | '<' | '>' | '`' | '/' | '?' | '#')
        })
        .unwrap_or(rest.len());
    let at = rest[..end].rfind('@')?;
    let host = &rest[at + 1..end];
    let name = &host[..host.find([':', '/', '?', '#']).unwrap_or(host.len())];
    let is_host = name.starts_with('[')
        || !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    is_host.then_some((start, start + at))
}

/// Removes the user info (`user:password@`) from every URL in `text`.
pub(crate) fn redact_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        match userinfo_span(rest) {
            Some((start, at)) => {
                out.push_str(&rest[..start]);
                out.push_str("***");
                rest = &rest[at..];
            }
            None => {
                out.push_str(&rest[..i + 3]);
                rest = &rest[i + 3..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// `%XX` escapes decoded, as git decodes a URL's user and password. Bytes that do not form
/// UTF-8 are kept as they were written.
fn percent_decode(s: &str) -> String {
    let decoded: Vec<u8> = percent_encoding::percent_decode_str(s).collect();
    String::from_utf8(decoded).unwrap_or_else(|_| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_git_takes_is_parsed_once_and_shown_without_secrets() {
        let u =
            RemoteUrl::parse("https://x-access-token:p%2Fw%2Fd+x@github.com/xeno/isA_Cloud.git");
        assert_eq!(u.scheme(), &Scheme::Https);
        assert_eq!(u.user(), Some("x-access-token"));
        assert_eq!(u.password(), Some("p/w/d+x"));
        assert_eq!(u.raw_userinfo(), Some("x-access-token:p%2Fw%2Fd+x"));
        assert_eq!(u.malformed(), None);
        assert_eq!(u.host(), "github.com");
        assert_eq!(u.to_string(), "https://github.com/xeno/isA_Cloud.git");
        assert_eq!(
            format!("{u:?}"),
            "RemoteUrl(https://github.com/xeno/isA_Cloud.git)"
        );
        assert_eq!(
            u.owner_repo(),
            Some(("github.com".into(), "xeno/isA_Cloud".into()))
        );

        let u = RemoteUrl::parse("ssh://git@ghe.corp:2222/team/gitops.git");
        assert_eq!(
            (u.scheme(), u.user(), u.port()),
            (&Scheme::Ssh, Some("git"), Some(2222))
        );
        assert_eq!(u.authority(), "ghe.corp:2222");
        assert_eq!(u.to_string(), "ssh://ghe.corp:2222/team/gitops.git");

        let u = RemoteUrl::parse("git@github.com:xeno/isA_Cloud.git");
        assert_eq!(
            (u.scheme(), u.user(), u.host()),
            (&Scheme::Scp, Some("git"), "github.com")
        );
        assert_eq!(u.path(), "xeno/isA_Cloud.git");
        assert_eq!(u.to_string(), "git@github.com:xeno/isA_Cloud.git");

        let u = RemoteUrl::parse("GIT://user@[::1]:9418/r.git");
        assert_eq!(
            (u.scheme(), u.host(), u.port()),
            (&Scheme::Git, "[::1]", Some(9418))
        );
        assert_eq!(u.path(), "/r.git");
        assert!(u.is_loopback());
        assert_eq!(u.to_string(), "GIT://[::1]:9418/r.git");

        let u = RemoteUrl::parse("file:///srv/git/isa.git");
        assert_eq!(u.local_path(), Some("/srv/git/isa.git"));
        assert!(u.is_remote() && u.is_local());
        let u = RemoteUrl::parse("../isa");
        assert_eq!((u.local_path(), u.is_remote()), (Some("../isa"), false));
        assert_eq!(u.to_string(), "../isa");
        assert_eq!(RemoteUrl::parse("./a@b:c").scheme(), &Scheme::Path);

        // A token as the user name, and an `@` in the path: the user info ends at the last
        // `@` before a host.
        let u = RemoteUrl::parse("https://ghp_abc@h.io/a");
        assert_eq!((u.user(), u.password()), (Some("ghp_abc"), None));
        assert_eq!(u.to_string(), "https://h.io/a");
        // No owner/repo from too short or odd paths.
        for bad in [
            "https://github.com/onlyone",
            "https://github.com/a/../b",
            "/tmp/x",
        ] {
            assert_eq!(RemoteUrl::parse(bad).owner_repo(), None, "{bad}");
        }
    }

    #[test]
    fn the_authority_ends_at_the_first_slash_as_every_reader_takes_it() {
        // The host the policy judges is the one the client connects to, and the one shown.
        let u = RemoteUrl::parse("http://10.0.0.1/@127.0.0.1:1");
        assert_eq!((u.host(), u.raw_userinfo()), ("10.0.0.1", None));
        assert!(!u.is_loopback());
        assert_eq!(u.to_string(), "http://10.0.0.1/@127.0.0.1:1");
        assert_eq!(
            redact_urls("at http://10.0.0.1/@127.0.0.1:1"),
            "at http://10.0.0.1/@127.0.0.1:1"
        );
        for (url, host) in [
            ("http://10.0.0.1?@127.0.0.1:1", "10.0.0.1"),
            ("http://10.0.0.1#@127.0.0.1:1", "10.0.0.1"),
            ("http://a@10.0.0.1/@127.0.0.1", "10.0.0.1"),
            ("http://a@b@[::1]:80/x", "[::1]"),
        ] {
            assert_eq!(RemoteUrl::parse(url).host(), host, "{url}");
        }
        // A raw `/` in a password makes the authority no host: refused, not guessed.
        for bad in [
            "http://u:Ab/Cd@127.0.0.1:8080/x",
            "https://h:port/x",
            "https://h x/",
            "https:///x",
            "ssh://git:pw/x@h/r",
        ] {
            assert!(RemoteUrl::parse(bad).malformed().is_some(), "{bad}");
        }
        for good in [
            "https://h.io:443/x",
            "http://[::1]:5/x",
            "git@h:o/r",
            "file:///x",
            "https://u:p@h/",
        ] {
            assert_eq!(RemoteUrl::parse(good).malformed(), None, "{good}");
        }
    }

    #[test]
    fn user_info_is_found_and_redacted_in_text() {
        assert_eq!(
            redact_urls("cannot reach https://u:s3cr%2Ft@h.io/x, nor git://h/y"),
            "cannot reach https://***@h.io/x, nor git://h/y"
        );
        assert_eq!(redact_urls("file:///a@b/c"), "file:///a@b/c");
        assert_eq!(percent_decode("a%2Fb%zz%4"), "a/b%zz%4");
    }

    #[test]
    fn an_at_sign_after_the_authority_is_no_user_info() {
        // Sigstore's workflow identities: the `@` is in the path, after the authority has ended
        // at its first `/` (RFC 3986 3.2); they are shown in full, wherever they stand.
        let wf = "https://github.com/isa/isA_Agent/.github/workflows/ci.yaml@refs/heads/main";
        for text in [
            wf.to_string(),
            format!(
                "required subject {wf} from issuer https://token.actions.githubusercontent.com"
            ),
            format!("names ({wf}), '{wf}', \"{wf}\", <{wf}>"),
            format!("{wf}; {wf}"),
            "https://h.io?ref=a@b and https://h.io#x@y".to_string(),
            "https://github.com/o/r/.github/workflows/ci.yaml@refs/tags/v1.2.3@x".to_string(),
        ] {
            assert_eq!(redact_urls(&text), text);
        }
        // User info in the same text is still hidden, before and after such an identity.
        assert_eq!(
            redact_urls(&format!(
                "https://u:tok@h.io/r.git then {wf} then http://t@[::1]:9/x"
            )),
            format!("https://***@h.io/r.git then {wf} then http://***@[::1]:9/x")
        );
        // Read as the client would read it: a workflow identity is a URL without user info.
        let u = RemoteUrl::parse(wf);
        assert_eq!((u.host(), u.raw_userinfo()), ("github.com", None));
        assert_eq!(
            u.path(),
            "/isa/isA_Agent/.github/workflows/ci.yaml@refs/heads/main"
        );
    }
}
