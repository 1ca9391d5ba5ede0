//! Where credentials come from, and how they are kept out of every message and file.
//!
//! An HTTPS token comes from `IMGBUMP_TOKEN`, `GITHUB_TOKEN` or `GH_TOKEN` (user
//! `x-access-token`) or from the URL's own `user:password@`, then from Git's credential
//! helpers; SSH keys from ssh-agent, then `~/.ssh/id_*`. A secret is never written to a
//! repository's config (clones use an anonymous remote whose URL has none), and
//! [`Credentials::redact`] replaces it by `***` in every message that leaves the Git layer.

use std::cell::Cell;
use std::fmt;
use std::path::PathBuf;

use git2::{Cred, CredentialType, ErrorClass, ErrorCode};

pub(crate) use crate::url::redact_urls;
use crate::url::{RemoteUrl, Scheme};

/// How many times one transfer may ask for credentials before it gives up.
const MAX_CREDENTIAL_TRIES: u32 = 3;

/// A secret-free remote URL and the secrets that go with it.
#[derive(Clone, Default)]
pub(crate) struct Credentials {
    token: Option<String>,
    user: Option<String>,
    /// Further text to keep out of messages: a URL's user info as written (percent-encoded),
    /// and a user name given without a password (it may be a token).
    hidden: Vec<String>,
}

impl Credentials {
    /// `IMGBUMP_TOKEN`, `GITHUB_TOKEN`, `GH_TOKEN` (first set, non-empty wins).
    pub(crate) fn from_env() -> Self {
        let token = ["IMGBUMP_TOKEN", "GITHUB_TOKEN", "GH_TOKEN"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
            .map(|v| v.trim().to_string());
        Credentials {
            token,
            ..Credentials::default()
        }
    }

    /// The token, for an API that takes the same one as the push (a forge's).
    pub(crate) fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// These credentials, also keeping `secret` out of messages.
    pub(crate) fn hiding(mut self, secret: &str) -> Self {
        if !secret.is_empty() {
            self.hidden.push(secret.to_string());
        }
        self
    }

    /// These credentials and the secrets `url`'s user info carries (for redacting messages
    /// about a URL as the user wrote it).
    pub(crate) fn with_url(self, url: &str) -> Self {
        split_url(url, self).1
    }

    /// Uses `token` from now on (a token minted for a GitHub App), kept out of messages.
    pub(crate) fn set_token(&mut self, token: &str) {
        crate::secret::hide(token);
        self.token = Some(token.to_string());
    }

    /// Makes these credentials' secrets known to [`crate::secret::redact`] everywhere, so that a
    /// server's echo of one is redacted wherever it is read and cut (read once, when a run
    /// starts or opens its checkout).
    pub(crate) fn learn(&self) {
        for s in self.token.iter().chain(&self.hidden) {
            crate::secret::hide(s);
        }
    }

    /// Replaces every secret in `text` by `***` ([`crate::secret::redact`]): these
    /// credentials' and every one learnt.
    pub(crate) fn redact(&self, text: &str) -> String {
        crate::secret::redact(
            text,
            self.token.iter().chain(&self.hidden).map(String::as_str),
        )
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Credentials {{ token: {} }}",
            if self.token.is_some() { "***" } else { "none" }
        )
    }
}

/// Splits `scheme://user:secret@host/x` into `scheme://host/x` and the credentials it carried
/// (decoded). The URL imgbump uses, shows and keys its cache by never holds user info; the
/// user name still reaches the server through the credentials (SSH's `git@`, too).
pub(super) fn split_url(url: &str, mut creds: Credentials) -> (String, Credentials) {
    let parsed = RemoteUrl::parse(url);
    let (Some(info), false) = (parsed.raw_userinfo(), parsed.scheme() == &Scheme::Scp) else {
        return (url.to_string(), creds);
    };
    creds.hidden.push(info.to_string());
    let raw_pass = info.split_once(':').map_or("", |(_, p)| p);
    if let Some(pass) = parsed.password() {
        creds.hidden.push(raw_pass.to_string());
        creds.token = Some(pass.to_string());
    } else if let (Some(user), Scheme::Https | Scheme::Http) = (parsed.user(), parsed.scheme()) {
        // `https://TOKEN@host/…`: the user name is the secret.
        creds.hidden.push(user.to_string());
    }
    if let Some(user) = parsed.user() {
        creds.user = Some(user.to_string());
    }
    (parsed.to_string(), creds)
}

/// The credentials callback of one transfer: the token (HTTPS), then Git's credential helpers;
/// for SSH the agent, then `~/.ssh/id_ed25519`, `id_ecdsa`, `id_rsa`. libgit2 asks again after
/// every refusal, so it gives up after [`MAX_CREDENTIAL_TRIES`] asks: a wrong token must not loop.
pub(super) fn callback(
    creds: Credentials,
    config: Option<git2::Config>,
) -> impl FnMut(&str, Option<&str>, CredentialType) -> Result<Cred, git2::Error> {
    let counter = Cell::new(0u32);
    move |url, user_from_url, allowed| {
        counter.set(counter.get() + 1);
        if counter.get() > MAX_CREDENTIAL_TRIES {
            return Err(git2::Error::new(
                ErrorCode::Auth,
                ErrorClass::Http,
                "authentication failed",
            ));
        }
        let user = creds.user.as_deref().or(user_from_url);
        if allowed.contains(CredentialType::USER_PASS_PLAINTEXT) {
            if let Some(token) = &creds.token {
                return Cred::userpass_plaintext(user.unwrap_or("x-access-token"), token);
            }
            // The files' helpers, then `git -c credential.helper=…`'s (GIT_CONFIG_COUNT), in
            // git's order; an empty one among those clears the files' list.
            let (reset, helpers) = super::config::helper_overrides();
            if let (Some(cfg), false) = (&config, reset) {
                if let Ok(c) = Cred::credential_helper(cfg, url, user) {
                    return Ok(c);
                }
            }
            if let Some((name, password)) = super::config::fill_credentials(&helpers, url, user) {
                return Cred::userpass_plaintext(&name, &password);
            }
        }
        if allowed.contains(CredentialType::USERNAME) {
            return Cred::username(user.unwrap_or("git"));
        }
        if allowed.contains(CredentialType::SSH_KEY) {
            let user = user.unwrap_or("git");
            if counter.get() == 1 {
                if let Ok(c) = Cred::ssh_key_from_agent(user) {
                    return Ok(c);
                }
            }
            let home = std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_default();
            for name in ["id_ed25519", "id_ecdsa", "id_rsa"] {
                let key = home.join(".ssh").join(name);
                if key.exists() {
                    return Cred::ssh_key(user, None, &key, None);
                }
            }
        }
        if allowed.contains(CredentialType::DEFAULT) {
            return Cred::default();
        }
        Err(git2::Error::new(
            ErrorCode::Auth,
            ErrorClass::Http,
            "no credentials available",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_user_info_is_split_off_and_redacted() {
        let secret = "Ab/Cd+secret-77";
        for (url, clean, user, pass) in [
            (
                "http://u:Ab%2FCd+secret-77@127.0.0.1:8080/isa.git",
                "http://127.0.0.1:8080/isa.git",
                "u",
                secret,
            ),
            (
                "https://x-access-token:p%40ss%2Fword@git.example/o/r.git",
                "https://git.example/o/r.git",
                "x-access-token",
                "p@ss/word",
            ),
            (
                "ssh://git:pw-1234@host:22/o/r",
                "ssh://host:22/o/r",
                "git",
                "pw-1234",
            ),
            (
                "git://u:pw-1234@127.0.0.1/isa.git",
                "git://127.0.0.1/isa.git",
                "u",
                "pw-1234",
            ),
            (
                "https://u:a@b@[::1]:8443/x",
                "https://[::1]:8443/x",
                "u",
                "a@b",
            ),
        ] {
            let (got, c) = split_url(url, Credentials::default());
            assert_eq!(got, clean, "{url}");
            assert_eq!(
                (c.user.as_deref(), c.token.as_deref()),
                (Some(user), Some(pass)),
                "{url}"
            );
            let said = format!("cannot fetch from '{url}': refused (\"{url}\")");
            let shown = c.redact(&said);
            assert!(!shown.contains(pass), "{shown}");
            assert!(
                !redact_urls(&said).contains(pass) || pass.contains('%'),
                "{url}"
            );
            // As written, percent-encoded or not, the secret is hidden too.
            assert!(!Credentials::default()
                .with_url(url)
                .redact(&said)
                .contains(&url[url.find("://").unwrap() + 3..url.rfind('@').unwrap()]));
        }
        // A token as the user name is a secret.
        let (url, c) = split_url(
            "https://ghp_token1234@github.com/o/r",
            Credentials::default(),
        );
        assert_eq!(url, "https://github.com/o/r");
        assert_eq!(c.redact("token ghp_token1234 refused"), "token *** refused");
        // No user info: untouched.
        for plain in [
            "https://h/x",
            "git@github.com:o/r.git",
            "file:///tmp/a@b/x.git",
        ] {
            assert_eq!(split_url(plain, Credentials::default()).0, plain);
        }
    }

    #[test]
    fn urls_lose_their_secrets() {
        let (url, c) = split_url(
            "https://bot:s3cr3t-token@git.example/org/repo.git",
            Credentials::default(),
        );
        assert_eq!(url, "https://git.example/org/repo.git");
        assert_eq!(
            (c.user.as_deref(), c.token.as_deref()),
            (Some("bot"), Some("s3cr3t-token"))
        );
        assert_eq!(
            c.redact("fatal: s3cr3t-token at https://u:p@h/x"),
            "fatal: *** at https://***@h/x"
        );
        assert_eq!(
            redact_urls("git@github.com:o/r.git"),
            "git@github.com:o/r.git"
        );
    }

    #[test]
    fn the_callback_gives_up_after_a_few_asks() {
        let creds = Credentials {
            token: Some("s3cr3t-token".into()),
            ..Credentials::default()
        };
        let mut ask = callback(creds, None);
        let https = CredentialType::USER_PASS_PLAINTEXT;
        for _ in 0..MAX_CREDENTIAL_TRIES {
            let c = ask("https://git.example/x.git", None, https).unwrap();
            assert!(c.has_username());
        }
        let e = ask("https://git.example/x.git", None, https).err().unwrap();
        assert_eq!(e.code(), ErrorCode::Auth);
        // Nothing to offer: an error, not a loop.
        let mut none = callback(Credentials::default(), None);
        assert!(none("https://h/x", None, CredentialType::USER_PASS_PLAINTEXT).is_err());
    }
}
