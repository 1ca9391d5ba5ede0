//! Registry credentials as Docker finds them: `$DOCKER_CONFIG/config.json` (else
//! `~/.docker/config.json`), `credHelpers.<host>` or `credsStore` (a helper is the program
//! `docker-credential-<name>`, asked with `get` and the server on stdin), else `auths.<host>`
//! (`auth` is base64 `user:password`). This is what `docker login`,
//! `aws-actions/amazon-ecr-login` and `docker/login-action` leave behind.

use std::path::PathBuf;

use base64::Engine;

/// A user name and a secret (a password or token).
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Login {
    /// The user.
    pub user: String,
    /// The secret; never printed.
    pub secret: String,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Login({}, ***)", self.user)
    }
}

fn config_path() -> Option<PathBuf> {
    match std::env::var_os("DOCKER_CONFIG") {
        Some(dir) => Some(PathBuf::from(dir).join("config.json")),
        None => std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker/config.json")),
    }
}

/// The names Docker files a registry under: the host, `https://host`, and for Docker Hub its
/// legacy index URL.
fn keys_for(host: &str) -> Vec<String> {
    let mut keys = vec![
        host.to_string(),
        format!("https://{host}"),
        format!("http://{host}"),
    ];
    if matches!(
        host,
        "docker.io" | "index.docker.io" | "registry-1.docker.io"
    ) {
        keys.insert(0, "https://index.docker.io/v1/".to_string());
        keys.push("index.docker.io".into());
        keys.push("docker.io".into());
    }
    keys
}

/// The login for `host`, if Docker's configuration has one. An unreadable or invalid config,
/// or a helper that fails, is an error that says which.
pub(crate) fn login_for(host: &str) -> Result<Option<Login>, String> {
    let Some(path) = config_path() else {
        return Ok(None);
    };
    let text = match std::fs::read(&path) {
        Ok(t) if t.len() > 4 << 20 => {
            return Err(format!("{} is larger than 4 MB", path.display()))
        }
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let config: serde_json::Value = serde_json::from_slice(&text)
        .map_err(|e| format!("{} is not valid JSON: {e}", path.display()))?;
    let keys = keys_for(host);
    let helper = keys
        .iter()
        .find_map(|k| config["credHelpers"][k].as_str())
        .or_else(|| config["credsStore"].as_str().filter(|s| !s.is_empty()));
    if let Some(name) = helper {
        let server = if keys[0].starts_with("https://index.docker.io") {
            keys[0].clone()
        } else {
            host.to_string()
        };
        return run_helper(name, &server);
    }
    for k in &keys {
        let entry = &config["auths"][k];
        if let Some(auth) = entry["auth"].as_str().filter(|a| !a.is_empty()) {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(auth.trim())
                .map_err(|_| format!("{}: auths.{k}.auth is not base64", path.display()))?;
            let decoded = String::from_utf8(decoded)
                .map_err(|_| format!("{}: auths.{k}.auth is not UTF-8", path.display()))?;
            let (user, secret) = decoded.split_once(':').ok_or_else(|| {
                format!("{}: auths.{k}.auth is not user:password", path.display())
            })?;
            return Ok(Some(Login {
                user: user.to_string(),
                secret: secret.to_string(),
            }));
        }
        if let (Some(user), Some(secret)) = (entry["username"].as_str(), entry["password"].as_str())
        {
            return Ok(Some(Login {
                user: user.to_string(),
                secret: secret.to_string(),
            }));
        }
    }
    Ok(None)
}

/// `docker-credential-NAME get`, the server on stdin; `{"Username", "Secret"}` on stdout.
fn run_helper(name: &str, server: &str) -> Result<Option<Login>, String> {
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    {
        return Err(format!(
            "the credential helper name {name:?} is not a program name"
        ));
    }
    let program = format!("docker-credential-{name}");
    let ran = crate::child::run(&program, &["get".to_string()], server.as_bytes(), 1 << 20)
        .map_err(|e| format!("cannot run the credential helper {program}: {e}"))?;
    let out = ran.stdout;
    if !ran.status.success() {
        let said =
            String::from_utf8_lossy(&out).to_string() + &String::from_utf8_lossy(&ran.stderr);
        // The helpers' word for "no login stored for this server".
        if said.contains("credentials not found") {
            return Ok(None);
        }
        return Err(format!(
            "the credential helper {program} failed ({}): {}",
            ran.status,
            said.lines()
                .next()
                .unwrap_or("")
                .chars()
                .take(200)
                .collect::<String>()
        ));
    }
    let v: serde_json::Value = serde_json::from_slice(&out)
        .map_err(|_| format!("the credential helper {program} did not answer JSON"))?;
    let answer: HelperAnswer = crate::http::read(&v);
    match (answer.username.0, answer.secret.0) {
        (Some(user), Some(secret)) if !secret.is_empty() => Ok(Some(Login { user, secret })),
        _ => Ok(None),
    }
}

/// A credential helper's answer to `get` (docker-credential-helpers' protocol): both strings,
/// or no login; anything else in it is ignored.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct HelperAnswer {
    #[serde(rename = "Username")]
    username: crate::http::Str,
    #[serde(rename = "Secret")]
    secret: crate::http::Str,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A helper's answer counts only with both fields strings and a secret: a number, a
    /// missing field or an empty secret is no login.
    #[test]
    fn a_helper_answer_is_a_login_only_when_both_are_strings() {
        let read = |v: serde_json::Value| {
            let a: HelperAnswer = crate::http::read(&v);
            (a.username.0, a.secret.0)
        };
        assert_eq!(
            read(serde_json::json!({"Username": "AWS", "Secret": "s", "ServerURL": "x"})),
            (Some("AWS".into()), Some("s".into()))
        );
        assert_eq!(
            read(serde_json::json!({"Username": 1, "Secret": "s"})).0,
            None
        );
        assert_eq!(read(serde_json::json!({"Username": "u"})).1, None);
        assert_eq!(read(serde_json::json!("u:s")), (None, None));
    }
}
