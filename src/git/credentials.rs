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

/// How many times one transfer may ask for credentials before it gives up.
const MAX_CREDENTIAL_TRIES: u32 = 3;

/// A secret-free remote URL and the secrets that go with it.
#[derive(Clone, Default)]
pub struct Credentials {
    token: Option<String>,
    user: Option<String>,
}

impl Credentials {
    /// Reads `IMGBUMP_TOKEN`, `GITHUB_TOKEN`, `GH_TOKEN` (first set, non-empty wins).
    pub fn from_env() -> Self {
        let token = ["IMGBUMP_TOKEN", "GITHUB_TOKEN", "GH_TOKEN"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
            .map(|v| v.trim().to_string());
        Credentials { token, user: None }
    }

    /// Replaces every secret in `text` by `***`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        if let Some(t) = &self.token {
            if t.len() >= 4 {
                out = out.replace(t.as_str(), "***");
            }
        }
        redact_urls(&out)
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

/// Removes `user:password@` from every URL in `text`.
pub fn redact_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c == '/' || c.is_whitespace() || c == '\'' || c == '"')
            .unwrap_or(tail.len());
        match tail[..end].rfind('@') {
            Some(at) => {
                out.push_str("***@");
                rest = &tail[at + 1..];
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

/// Splits `https://user:secret@host/x` into `https://host/x` and the credentials it carried.
pub(super) fn split_url(url: &str, mut creds: Credentials) -> (String, Credentials) {
    if let Some(i) = url.find("://") {
        let (scheme, rest) = url.split_at(i + 3);
        let end = rest.find('/').unwrap_or(rest.len());
        if let Some(at) = rest[..end].rfind('@') {
            let userinfo = &rest[..at];
            let (user, pass) = userinfo.split_once(':').unwrap_or((userinfo, ""));
            if scheme.starts_with("http") {
                if !pass.is_empty() {
                    creds.token = Some(pass.to_string());
                }
                if !user.is_empty() {
                    creds.user = Some(user.to_string());
                }
                return (format!("{scheme}{}", &rest[at + 1..]), creds);
            }
            if !user.is_empty() {
                creds.user = Some(user.to_string());
            }
        }
    }
    (url.to_string(), creds)
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
            if let Some(cfg) = &config {
                if let Ok(c) = Cred::credential_helper(cfg, url, user) {
                    return Ok(c);
                }
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
            user: None,
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
