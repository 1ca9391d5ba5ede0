//! Service names and the manifest path template.
//!
//! Service names arrive from webhooks, so they are held to the DNS-label grammar Kubernetes
//! uses for names (`[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters) before they touch a
//! path or a message.

use crate::reference::shown;

/// The default manifest path template, relative to the repository root.
pub const DEFAULT_TEMPLATE: &str =
    "deployments/kubernetes/base/applications/{service}-deployment.yaml";

/// Checks that `name` is a DNS label.
///
/// ```
/// assert!(imgbump::service::check("agent").is_ok());
/// assert!(imgbump::service::check("../x").is_err());
/// ```
pub fn check(name: &str) -> Result<(), String> {
    let bad_char = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'));
    let why = if name.is_empty() {
        "it is empty".to_string()
    } else if name.len() > 63 {
        format!(
            "it is {} characters long; at most 63 are allowed",
            name.len()
        )
    } else if name.starts_with('-') || name.ends_with('-') {
        "it starts or ends with `-`".to_string()
    } else if let Some(c) = bad_char {
        format!("it contains {c:?}; only lowercase letters, digits and `-` are allowed")
    } else {
        return Ok(());
    };
    Err(format!("invalid service name {}: {why} (service names are DNS labels, like `agent` or `user-service`)", shown(name)))
}

/// The placeholders a manifest path template may use.
pub const PLACEHOLDERS: [&str; 2] = ["service", "env"];

/// The manifest path for `service`: `{service}` in `template` replaced (`{env}` left for
/// [`in_env`]), then checked to stay inside the repository.
pub fn manifest_path(template: &str, service: &str) -> Result<String, String> {
    check(service)?;
    let path = crate::template::fill(template, &[("service", service), ("env", "{env}")])?;
    crate::git::check_relative_path(&path)?;
    Ok(path)
}

/// `path` (a manifest path with `{service}` filled) placed in the environment `env`.
pub fn in_env(path: &str, env: &str) -> Result<String, String> {
    crate::template::fill(path, &[("env", env)])
}

/// Splits a template into its `/` components, for listing the services it matches.
pub fn template_components(template: &str) -> Vec<&str> {
    template.split('/').collect()
}

/// If `name` matches the template component `pattern` (which holds `{service}` once), the
/// service name it stands for.
pub fn match_component<'n>(pattern: &str, name: &'n str) -> Option<&'n str> {
    let (pre, post) = pattern.split_once("{service}")?;
    let s = name.strip_prefix(pre)?.strip_suffix(post)?;
    check(s).ok().map(|_| s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_dns_labels() {
        for ok in ["agent", "a", "user-service", "svc01", &"a".repeat(63)] {
            assert!(check(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "../x",
            "a/b",
            "/etc/passwd",
            "Agent",
            "a b",
            "-rf",
            "a-",
            &"a".repeat(64),
            "a.b",
            "a\n",
        ] {
            assert!(check(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn paths_follow_the_template_and_stay_inside() {
        assert_eq!(
            manifest_path(DEFAULT_TEMPLATE, "agent").unwrap(),
            "deployments/kubernetes/base/applications/agent-deployment.yaml"
        );
        assert_eq!(
            manifest_path("k8s/app.yaml", "agent").unwrap(),
            "k8s/app.yaml"
        );
        assert!(manifest_path("../{service}.yaml", "agent").is_err());
        assert!(manifest_path("/etc/{service}", "agent").is_err());
        assert_eq!(
            match_component("{service}-deployment.yaml", "agent-deployment.yaml"),
            Some("agent")
        );
        assert_eq!(
            match_component("{service}-deployment.yaml", "Agent-deployment.yaml"),
            None
        );
        assert_eq!(
            match_component("{service}", "auth-service"),
            Some("auth-service")
        );
    }
}
