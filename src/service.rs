//! Service names and the manifest path template.
//!
//! Service names arrive from webhooks, so they are held to the DNS-label grammar Kubernetes
//! uses for names (`[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters) before they touch a
//! path or a message.

use crate::reference::shown;

/// The default manifest path template, relative to the repository root.
pub(crate) const DEFAULT_TEMPLATE: &str =
    "deployments/kubernetes/base/applications/{service}-deployment.yaml";

/// Checks that `name` is a DNS label (`agent` is; `../x` is not).
pub(crate) fn check(name: &str) -> Result<(), String> {
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
pub(crate) const PLACEHOLDERS: [&str; 2] = ["service", "env"];

/// `--manifest` as a user may write it, made relative to the repository root: `.` components
/// dropped (`./deployments/…`); an absolute path inside the checkout whose work tree is `root`
/// made relative to it (the work tree's own spelling or its canonical one). An absolute path
/// elsewhere, or with no checkout (a cloned URL), is refused with what to write instead.
pub(crate) fn relative_template(
    template: &str,
    root: Option<&std::path::Path>,
) -> Result<String, String> {
    let mut rest = template;
    if template.starts_with('/') {
        let Some(root) = root else {
            return Err(format!(
                "the manifest path {template:?} is absolute, and a cloned repository has no place on this machine; give it relative to the repository root"
            ));
        };
        let mut roots = vec![root.to_path_buf()];
        roots.extend(root.canonicalize().ok());
        let inside = roots.iter().find_map(|r| {
            let r = r.to_str()?.trim_end_matches('/');
            template.strip_prefix(r)?.strip_prefix('/')
        });
        rest = inside.ok_or_else(|| {
            format!(
                "the manifest path {template:?} is outside the repository ({}); give a path inside it, relative to its root",
                root.display().to_string().trim_end_matches('/')
            )
        })?;
    }
    Ok(rest
        .split('/')
        .filter(|c| *c != "." && !c.is_empty())
        .collect::<Vec<_>>()
        .join("/"))
}

/// Checks a `--manifest` template before any repository is open: filled, it stays inside the
/// repository (an absolute one is checked against the checkout once it is open).
pub(crate) fn check_template_path(template: &str) -> Result<(), String> {
    if template.starts_with('/') {
        return Ok(());
    }
    manifest_path_in(&relative_template(template, None)?, "s", Some("e")).map(|_| ())
}

/// The manifest path for `service`: `{service}` in `template` replaced (`{env}` left as
/// written), then checked to stay inside the repository.
#[cfg(test)]
pub(crate) fn manifest_path(template: &str, service: &str) -> Result<String, String> {
    manifest_path_in(template, service, None)
}

/// The manifest path for `service` in the environment `env`: `{service}` and `{env}` in
/// `template` replaced in one pass (a value is never read as a template again, so that
/// `{{service}}` is `{agent}`, not a placeholder), then checked to stay inside the repository.
pub(crate) fn manifest_path_in(
    template: &str,
    service: &str,
    env: Option<&str>,
) -> Result<String, String> {
    check(service)?;
    let path = crate::template::fill(
        template,
        &[("service", service), ("env", env.unwrap_or("{env}"))],
    )?;
    crate::git::check_relative_path(&path)?;
    Ok(path)
}

/// Whether `template` has an `{env}` placeholder.
pub(crate) fn has_env(template: &str) -> bool {
    crate::template::placeholders(template).contains(&"env")
}

/// The names among `candidates` nearest to `name` (a misspelling: at most two letters
/// added, removed, changed or swapped, and fewer than half its length), nearest first; at most
/// three.
pub(crate) fn nearest<'c>(
    name: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Vec<&'c str> {
    let limit = 2.min(name.chars().count().saturating_sub(1) / 2).max(1);
    let mut near: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .collect();
    near.sort();
    near.dedup();
    near.into_iter().take(3).map(|(_, c)| c).collect()
}

/// The optimal string alignment distance (Levenshtein with adjacent swaps) of `a` and `b`.
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// "; did you mean `a` (or `b`)?" for the names [`nearest`] finds, else nothing.
pub(crate) fn did_you_mean(near: &[&str]) -> String {
    match near {
        [] => String::new(),
        [one] => format!("; did you mean `{one}`?"),
        [first, rest @ ..] => format!(
            "; did you mean `{first}` (or {})?",
            rest.iter()
                .map(|r| format!("`{r}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Splits a template into its `/` components, for listing the services it matches.
pub(crate) fn template_components(template: &str) -> Vec<&str> {
    template.split('/').collect()
}

/// If `name` matches the template component `pattern` (which holds `{service}` once), the
/// service name it stands for.
pub(crate) fn match_component<'n>(pattern: &str, name: &'n str) -> Option<&'n str> {
    let (pre, post) = pattern.split_once("{service}")?;
    let s = name.strip_prefix(pre)?.strip_suffix(post)?;
    check(s).ok().map(|_| s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_is_made_relative_to_the_root() {
        use std::path::Path;
        assert_eq!(
            relative_template("./apps/{service}.yaml", None).unwrap(),
            "apps/{service}.yaml"
        );
        assert_eq!(
            relative_template("/r/apps/./web.yaml", Some(Path::new("/r"))).unwrap(),
            "apps/web.yaml"
        );
        assert!(relative_template("/elsewhere/web.yaml", Some(Path::new("/r"))).is_err());
        assert!(relative_template("/r/web.yaml", None).is_err());
    }

    #[test]
    fn misspelt_names_find_their_neighbours() {
        let known = ["agent", "mcp", "model", "user", "user-service", "gateway"];
        assert_eq!(nearest("agnt", known), ["agent"]);
        assert_eq!(nearest("agetn", known), ["agent"]);
        assert_eq!(nearest("usr", known), ["user"]);
        assert_eq!(nearest("modle", known), ["model"]);
        assert!(nearest("billing", known).is_empty());
        assert!(nearest("mc", known).len() <= 1);
        assert_eq!(did_you_mean(&["agent"]), "; did you mean `agent`?");
        assert_eq!(did_you_mean(&[]), "");
    }

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
        // One pass: a value is never filled again.
        assert_eq!(
            manifest_path_in("x/{{service}}/{env}", "agent", Some("e")).unwrap(),
            "x/{agent}/e"
        );
        assert!(has_env("x/{env}") && !has_env("x/env"));
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
