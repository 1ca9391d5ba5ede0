//! `--push-branch`: the bump committed on the target branch's tip and pushed to a new branch
//! (for a pull or merge request), never forced. The name comes from a template; a branch of
//! that name that already carries the same change is success, one with other content is
//! refused.

use crate::git::{FileChange, Workspace};

use crate::failure::{FailKind, Failure};

use super::Change;

/// The branch name `template` makes for `changes`: `{service}` (several joined by `-`),
/// `{tag}` (the new tag, or the digest's first 12 hex digits), `{env}` (several joined by `-`),
/// checked as Git checks branch names.
pub(super) fn branch_name(template: &str, changes: &[Change]) -> Result<String, Failure> {
    let name = fill(template, changes)?;
    if !git2::Reference::is_valid_name(&format!("refs/heads/{name}")) {
        return Err(Failure::new(
            FailKind::Usage,
            format!(
                "--push-branch {template:?} makes {name:?}, which is not a branch name (placeholders: {{service}} {{tag}} {{env}})"
            ),
        ));
    }
    Ok(name)
}

/// The placeholders a `--push-branch` template may use.
pub(crate) const PLACEHOLDERS: [&str; 3] = ["service", "tag", "env"];

/// `template` with its placeholders filled for `changes` (the name unchecked).
pub(super) fn fill(template: &str, changes: &[Change]) -> Result<String, Failure> {
    let changed: Vec<&Change> = changes.iter().filter(|c| c.changed).collect();
    let mut services: Vec<&str> = changed.iter().map(|c| c.service.as_str()).collect();
    services.dedup();
    let mut envs: Vec<&str> = changed.iter().filter_map(|c| c.env.as_deref()).collect();
    envs.dedup();
    let tag = changed.first().map(|c| tag_of(&c.new)).unwrap_or_default();
    let (services, envs) = (services.join("-"), envs.join("-"));
    let values = [
        ("service", services.as_str()),
        ("env", envs.as_str()),
        ("tag", &tag),
    ];
    crate::template::fill(template, &values)
        .map_err(|m| Failure::new(FailKind::Usage, format!("--push-branch {m}")))
}

/// The tag of an image as shown in a change (`:TAG`, `@DIGEST` or a reference).
fn tag_of(image: &str) -> String {
    let digest = crate::reference::short_digest;
    if let Some(t) = image.strip_prefix(':') {
        return t.to_string();
    }
    if let Some(d) = image.strip_prefix('@') {
        return digest(d);
    }
    match image.parse::<crate::reference::Reference>() {
        Ok(r) => r
            .tag()
            .map(str::to_string)
            .or_else(|| r.digest().map(digest))
            .unwrap_or_else(|| "latest".into()),
        Err(_) => "image".into(),
    }
}

/// Whether the commit `at` already holds `files` as the bump would write them.
pub(super) fn holds(ws: &Workspace, at: git2::Oid, files: &[FileChange]) -> Result<bool, Failure> {
    for f in files {
        if ws.read(at, &f.path)?.as_deref() != Some(f.content.as_slice()) {
            return Ok(false);
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(service: &str, env: Option<&str>, new: &str) -> Change {
        Change {
            service: service.into(),
            env: env.map(str::to_string),
            file: "f.yaml".into(),
            target: String::new(),
            workload: String::new(),
            container: String::new(),
            line: 1,
            old: "x:1".into(),
            new: new.into(),
            changed: true,
            superseded_by: None,
            hold: None,
            hold_effect: Default::default(),
        }
    }

    #[test]
    fn names_are_filled_and_checked() {
        let one = [change("agent", Some("staging"), "r.io/agent:sha-abc1234")];
        assert_eq!(
            branch_name("imgbump/{service}/{tag}", &one).unwrap(),
            "imgbump/agent/sha-abc1234"
        );
        assert_eq!(
            branch_name("bump/{env}/{service}", &one).unwrap(),
            "bump/staging/agent"
        );
        let digest = format!("@sha256:{}", "a".repeat(64));
        assert_eq!(
            branch_name("x/{tag}", &[change("web", None, &digest)]).unwrap(),
            "x/aaaaaaaaaaaa"
        );
        let two = [change("agent", None, "a:1"), change("mcp", None, "b:2")];
        assert_eq!(
            branch_name("imgbump/{service}", &two).unwrap(),
            "imgbump/agent-mcp"
        );
        for bad in [
            "a..b/{service}",
            "{nope}/x",
            "x/{tag}.lock",
            "with space {tag}",
            "/{tag}",
        ] {
            assert!(branch_name(bad, &one).is_err(), "{bad}");
        }
    }
}
