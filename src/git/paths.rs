//! Repository-relative paths: what a manifest path may be (no `..`, not absolute, not into
//! `.git`).

use std::path::{Component, Path};

/// Checks a repository-relative path: `/`-separated, no `..`, not absolute, not into `.git`.
pub(crate) fn check_relative_path(path: &str) -> std::result::Result<(), String> {
    if path.is_empty() {
        return Err("the manifest path is empty".into());
    }
    if path.contains('\\') || path.contains('\0') {
        return Err(format!(
            "the manifest path {path:?} holds a backslash or NUL"
        ));
    }
    let p = Path::new(path);
    for c in p.components() {
        match c {
            Component::Normal(s) if s == ".git" => {
                return Err(format!("the manifest path {path:?} points into .git"))
            }
            Component::Normal(_) => {}
            Component::CurDir => {
                return Err(format!(
                    "the manifest path {path:?} has a `.` component; write it without"
                ))
            }
            Component::ParentDir => {
                return Err(format!(
                    "the manifest path {path:?} leaves the repository (`..`)"
                ))
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!(
                "the manifest path {path:?} is absolute; give it relative to the repository root"
            ))
            }
        }
    }
    if path.ends_with('/') || path.contains("//") {
        return Err(format!("the manifest path {path:?} has an empty component"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_stay_inside() {
        assert!(check_relative_path("deployments/a.yaml").is_ok());
        for bad in [
            "",
            "../x",
            "a/../../x",
            "/etc/passwd",
            "a//b",
            ".git/config",
            "./a",
            "a\\b",
            "a/",
        ] {
            assert!(check_relative_path(bad).is_err(), "{bad}");
        }
    }
}
