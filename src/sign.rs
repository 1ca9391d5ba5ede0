//! Signing commits as `git commit -S` does: SSH signatures with `ssh-keygen -Y sign -n git`
//! (a key file, or the first key of ssh-agent), OpenPGP with `gpg --status-fd=2 -bsau KEYID`.
//! The commit is built as a buffer, signed, and written with the signature in its `gpgsig`
//! header, so every attempt (a retry builds a new commit on a new parent) is signed again.
//! A signer's failure is an error before anything is pushed, with the signer's own words; no
//! passphrase is ever asked for or printed (the signer must not need a terminal).

use std::path::PathBuf;

/// How to sign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Signer {
    /// `ssh-keygen -Y sign` with this private key file (or, with `agent`, the public key whose
    /// private half ssh-agent holds).
    Ssh {
        /// The key file.
        key: PathBuf,
        /// The private key is in ssh-agent (`-U`).
        agent: bool,
    },
    /// The first key ssh-agent lists.
    SshAgent,
    /// `gpg -bsau KEYID`.
    Gpg {
        /// The key.
        key: String,
    },
}

impl Signer {
    /// `ssh:KEYFILE`, `ssh-agent`, or `gpg:KEYID`.
    pub(crate) fn parse(spec: &str) -> Result<Signer, String> {
        if spec == "ssh-agent" {
            return Ok(Signer::SshAgent);
        }
        if let Some(key) = spec.strip_prefix("ssh:").filter(|k| !k.is_empty()) {
            return Ok(Signer::Ssh {
                key: expand_home(key),
                agent: false,
            });
        }
        if let Some(key) = spec.strip_prefix("gpg:").filter(|k| !k.is_empty()) {
            if key.starts_with('-') || key.chars().any(char::is_control) {
                return Err(format!("--sign gpg:{key}: not a key id"));
            }
            return Ok(Signer::Gpg {
                key: key.to_string(),
            });
        }
        Err(format!(
            "--sign takes ssh:KEYFILE, ssh-agent or gpg:KEYID, not {}",
            crate::reference::shown(spec)
        ))
    }

    /// What git config says (`commit.gpgsign`, `gpg.format`, `user.signingkey`), as
    /// `git commit` reads it; `None` when commits are not signed.
    pub(crate) fn from_git_config(
        get: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<Signer>, String> {
        let on = get("commit.gpgsign").is_some_and(|v| {
            matches!(v.to_ascii_lowercase().as_str(), "true" | "yes" | "on" | "1")
        });
        if !on {
            return Ok(None);
        }
        let format = get("gpg.format").unwrap_or_else(|| "openpgp".into());
        let key = get("user.signingkey");
        match (format.as_str(), key) {
            ("ssh", Some(k)) if k.starts_with("key::") => Ok(Some(Signer::SshAgent)),
            ("ssh", Some(k)) => Ok(Some(Signer::Ssh {
                key: expand_home(&k),
                agent: false,
            })),
            ("ssh", None) => Ok(Some(Signer::SshAgent)),
            ("openpgp", Some(k)) => Ok(Some(Signer::Gpg { key: k })),
            ("openpgp", None) => Err("commit.gpgsign is on but user.signingkey is not set; set it, or pass --sign gpg:KEYID".into()),
            (other, _) => Err(format!("gpg.format {other} is not one imgbump signs with (ssh, openpgp)")),
        }
    }

    /// The signature of `buffer` (a commit without its signature), armored.
    pub(crate) fn sign(&self, buffer: &[u8]) -> Result<String, String> {
        match self {
            Signer::Ssh { key, agent } => {
                let mut args = vec![
                    "-Y".into(),
                    "sign".into(),
                    "-n".into(),
                    "git".into(),
                    "-f".into(),
                    key.display().to_string(),
                ];
                if *agent {
                    args.push("-U".into());
                }
                let out = run("ssh-keygen", &args, buffer)?;
                armored(out, "SSH SIGNATURE")
            }
            Signer::SshAgent => {
                let listed = run("ssh-add", &["-L".to_string()], b"")?;
                let first = String::from_utf8_lossy(&listed)
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_string();
                if !first.starts_with("ssh-")
                    && !first.starts_with("ecdsa-")
                    && !first.starts_with("sk-")
                {
                    return Err(
                        "ssh-agent holds no key (ssh-add -L); add one, or pass --sign ssh:KEYFILE"
                            .into(),
                    );
                }
                let dir = tempfile::tempdir()
                    .map_err(|e| format!("cannot make a temporary directory: {e}"))?;
                let public = dir.path().join("key.pub");
                std::fs::write(&public, format!("{first}\n"))
                    .map_err(|e| format!("cannot write {}: {e}", public.display()))?;
                Signer::Ssh {
                    key: public,
                    agent: true,
                }
                .sign(buffer)
            }
            Signer::Gpg { key } => {
                let args = [
                    "--status-fd=2".to_string(),
                    "--batch".into(),
                    "--pinentry-mode".into(),
                    "error".into(),
                    "-bsau".into(),
                    key.clone(),
                ];
                let out = run("gpg", &args, buffer)?;
                armored(out, "PGP SIGNATURE")
            }
        }
    }
}

fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

/// Runs a signer with `input` on stdin; its stdout, or an error with its own words (bounded).
fn run(program: &str, args: &[String], input: &[u8]) -> Result<Vec<u8>, String> {
    let ran = crate::child::run(program, args, input, 1 << 20)
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if !ran.status.success() {
        let said: Vec<String> = String::from_utf8_lossy(&ran.stderr)
            .lines()
            .filter(|l| !l.starts_with("[GNUPG:]") && !l.trim().is_empty())
            .map(|l| l.chars().filter(|c| !c.is_control()).collect())
            .take(4)
            .collect();
        return Err(format!(
            "{program} could not sign ({}): {}",
            ran.status,
            said.join(" / ")
        ));
    }
    Ok(ran.stdout)
}

fn armored(out: Vec<u8>, kind: &str) -> Result<String, String> {
    let text = String::from_utf8(out).map_err(|_| "the signature is not text".to_string())?;
    if text.contains(&format!("-----BEGIN {kind}-----"))
        && text.contains(&format!("-----END {kind}-----"))
    {
        Ok(text)
    } else {
        Err(format!("the signer printed no {kind}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_and_git_config_are_read() {
        assert_eq!(Signer::parse("ssh-agent"), Ok(Signer::SshAgent));
        assert_eq!(
            Signer::parse("ssh:/k/id"),
            Ok(Signer::Ssh {
                key: "/k/id".into(),
                agent: false
            })
        );
        assert_eq!(
            Signer::parse("gpg:ABCD1234"),
            Ok(Signer::Gpg {
                key: "ABCD1234".into()
            })
        );
        for bad in ["ssh:", "gpg:", "gpg:--list", "x509:foo", ""] {
            assert!(Signer::parse(bad).is_err(), "{bad}");
        }
        let cfg = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(a, _)| *a == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(Signer::from_git_config(&cfg(&[])), Ok(None));
        assert_eq!(
            Signer::from_git_config(&cfg(&[
                ("commit.gpgsign", "true"),
                ("user.signingkey", "K1")
            ])),
            Ok(Some(Signer::Gpg { key: "K1".into() }))
        );
        assert_eq!(
            Signer::from_git_config(&cfg(&[
                ("commit.gpgsign", "true"),
                ("gpg.format", "ssh"),
                ("user.signingkey", "/k.pub")
            ])),
            Ok(Some(Signer::Ssh {
                key: "/k.pub".into(),
                agent: false
            }))
        );
        assert!(Signer::from_git_config(&cfg(&[("commit.gpgsign", "true")])).is_err());
        assert!(Signer::from_git_config(&cfg(&[
            ("commit.gpgsign", "true"),
            ("gpg.format", "x509"),
            ("user.signingkey", "k")
        ]))
        .is_err());
    }
}
