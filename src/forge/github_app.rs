//! A GitHub App's installation token: a JWT signed with the App's private key (RS256, issued
//! 60 s in the past for clock skew, valid 9 minutes), the installation found for the
//! repository (`GET /repos/{owner}/{repo}/installation`), and a token minted for that one
//! repository (`POST /app/installations/{id}/access_tokens`). The key and the token are never
//! printed: both are handed to the redaction of every message before anything is asked.

use std::fmt;
use std::time::Duration;

use serde_json::json;

use super::github::GitHub;
use super::{host_and_repo, ForgeError};
use crate::http::said;

/// A GitHub App: its id and private key (PEM).
#[derive(Clone)]
pub(crate) struct App {
    id: String,
    key: openssl::pkey::PKey<openssl::pkey::Private>,
}

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "App {{ id: {}, key: *** }}", self.id)
    }
}

fn fail(message: impl Into<String>) -> ForgeError {
    ForgeError::new(message)
}

/// The installation GitHub names (`GET /repos/{repo}/installation`): its id, when a whole number.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Installation {
    id: Option<u64>,
}

/// A minted installation token (`POST /app/installations/{id}/access_tokens`).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Minted {
    token: crate::http::Text,
}

impl App {
    /// The App `id` (its numeric id, or its client id) with the RSA private key `pem` (PKCS#1
    /// `BEGIN RSA PRIVATE KEY`, as GitHub gives it, or PKCS#8).
    pub(crate) fn new(id: &str, pem: &str) -> Result<App, ForgeError> {
        let id = id.trim();
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(fail(
                "--github-app-id takes the App's id (a number) or its client id (letters and digits)",
            ));
        }
        for line in pem.lines().filter(|l| !l.starts_with("-----")) {
            crate::secret::hide(line);
        }
        let key = openssl::pkey::PKey::private_key_from_pem(pem.trim().as_bytes())
            .ok()
            .filter(|k| k.rsa().is_ok())
            .ok_or_else(|| {
                fail("--github-app-key is not an RSA private key in PEM (the .pem file GitHub generates for the App)")
            })?;
        Ok(App {
            id: id.to_string(),
            key,
        })
    }

    /// The App's JWT at `now` (Unix seconds): `iat` 60 s back, `exp` 9 minutes ahead (GitHub
    /// takes at most 10), `iss` the App.
    pub(crate) fn jwt(&self, now: i64) -> Result<String, ForgeError> {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
        use base64::Engine;
        let header = B64.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
        let claims = B64.encode(
            json!({"iat": now - 60, "exp": now + 540, "iss": self.id})
                .to_string()
                .as_bytes(),
        );
        let input = format!("{header}.{claims}");
        let signed = openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), &self.key)
            .and_then(|mut s| {
                s.update(input.as_bytes())?;
                s.sign_to_vec()
            })
            .map_err(|e| fail(format!("cannot sign the GitHub App's JWT: {e}")))?;
        let jwt = format!("{input}.{}", B64.encode(signed));
        crate::secret::hide(&jwt);
        Ok(jwt)
    }

    /// A token for the repository at `remote` alone, from the App's installation on it.
    /// A rate limit is waited out until `until.0` (while the JWT holds), each wait said
    /// through `until.1`.
    pub(crate) fn token(
        &self,
        remote: &str,
        now: i64,
        timeout: Duration,
        until: (std::time::Instant, Option<crate::retry::Notice>),
    ) -> Result<String, ForgeError> {
        let jwt = self.jwt(now)?;
        // The JWT is good for 9 minutes from `now`: no wait goes past 8.
        let (deadline, notice) = until;
        let deadline = deadline.min(std::time::Instant::now() + Duration::from_secs(8 * 60));
        let gh = GitHub::new(remote, Some(&jwt), timeout)?
            .until(deadline)
            .saying(notice);
        let repo = gh.repo().to_string();
        let (status, found) = gh.call("GET", &format!("/repos/{repo}/installation"), None)?;
        let id = match (status, crate::http::read::<Installation>(&found).id) {
            (200, Some(id)) => id,
            (404, _) => {
                return Err(fail(format!(
                    "the GitHub App {} is not installed on {repo} (HTTP 404); install it there, with contents: write",
                    self.id
                )))
            }
            (s, _) => {
                return Err(fail(format!(
                    "GitHub did not say where the App {} is installed (HTTP {s}: {})",
                    self.id,
                    said(&found)
                )))
            }
        };
        let name = host_and_repo(remote)
            .and_then(|(_, r)| r.split('/').nth(1).map(str::to_string))
            .unwrap_or_default();
        let (status, minted) = gh.call(
            "POST",
            &format!("/app/installations/{id}/access_tokens"),
            Some(&json!({ "repositories": [name] })),
        )?;
        let token = crate::http::read::<Minted>(&minted).token;
        match (status, token.as_str()) {
            (201, token) if !token.is_empty() => {
                crate::secret::hide(token);
                Ok(token.to_string())
            }
            (s, _) => Err(fail(format!(
                "GitHub did not make a token for the App's installation {id} (HTTP {s}: {})",
                said(&minted)
            ))),
        }
    }
}
