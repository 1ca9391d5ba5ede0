//! Open mode: a `Workspace` from a user's checkout, its branch and upstream, and whether a file
//! has uncommitted changes there.

use std::cell::RefCell;
use std::path::Path;

use git2::{ErrorCode, ObjectType, Oid, Repository};

use super::credentials::{split_url, Credentials};
use super::{
    checkout, err, git_err, index, trim, CloneOptions, ErrorKind, Mode, Remote, Result, Workspace,
};

impl Workspace {
    /// Opens the repository that contains `path` (a checkout: open mode). A bare repository is
    /// treated as a remote and cloned.
    pub(crate) fn open(path: &Path, branch: Option<&str>) -> Result<Workspace> {
        trim::limit_pack_windows();
        let repo = Repository::discover(path).map_err(|e| {
            err(
                ErrorKind::NotFound,
                format!(
                    "{} is not inside a Git repository ({}); pass --repo PATH or a URL to clone",
                    path.display(),
                    e.message()
                ),
            )
        })?;
        super::config::add_to(&repo);
        if repo.is_bare() {
            let url = format!("file://{}", repo.path().display());
            let opts = CloneOptions {
                branch,
                depth: 1,
                ..CloneOptions::default()
            };
            return Workspace::clone(&url, &opts, Credentials::from_env());
        }
        let current = match repo.head() {
            Ok(h) if h.is_branch() => h.shorthand().ok().map(str::to_string),
            Err(e) if e.code() == ErrorCode::UnbornBranch => {
                return Err(err(
                    ErrorKind::NotFound,
                    format!("the repository {} is empty: it has no commit to bump; commit the manifests first", path.display()),
                ))
            }
            _ => None,
        };
        let branch = match (branch, current) {
            (Some(b), _) => b.to_string(),
            (None, Some(c)) => c,
            (None, None) => {
                return Err(err(
                    ErrorKind::NotFound,
                    "HEAD is not on a branch; pass --branch NAME",
                ))
            }
        };
        let (upstream, remote_branch) = upstream(&repo, &branch);
        let url = repo
            .find_remote(&upstream)
            .ok()
            .and_then(|r| r.url().ok().map(str::to_string))
            .unwrap_or_default();
        let (url, creds) = split_url(&url, Credentials::from_env());
        Ok(Workspace {
            repo,
            remote: (!url.is_empty()).then(|| Remote::new(url)),
            creds,
            branch,
            remote_branch,
            mode: Mode::Checkout {
                upstream,
                verifier: RefCell::new(None),
                fetched: None,
            },
            progress: None,
            notice: None,
            requests: Default::default(),
        })
    }

    /// Open mode: whether `path` differs in the work tree or the index from `commit`.
    pub(crate) fn is_dirty(&self, commit: Oid, path: &str) -> Result<bool> {
        let workdir = self.workdir()?;
        let committed = self
            .repo
            .find_commit(commit)
            .and_then(|c| c.tree())
            .ok()
            .and_then(|t| t.get_path(Path::new(path)).ok())
            .map(|e| e.id());
        let staged = match self.fast_index().map(|f| index::lookup(&f, path)) {
            Some(index::Lookup::Staged(id)) => Some(id),
            Some(index::Lookup::Missing) => None,
            Some(index::Lookup::Conflicted) => return Ok(true),
            Some(index::Lookup::Unsupported) | None => {
                let index = self.repo.index().map_err(|e| self.index_err(&e))?;
                index.get_path(Path::new(path), 0).map(|e| e.id)
            }
        };
        if staged != committed {
            return Ok(true);
        }
        let on_disk = checkout::read_worktree(&workdir, path)?;
        let on_disk = on_disk
            .map(|b| Oid::hash_object(ObjectType::Blob, &b))
            .transpose()
            .map_err(|e| git_err("cannot hash", &e, &self.creds))?;
        if on_disk == committed {
            return Ok(false);
        }
        // The bytes differ; with line-ending conversion (`core.autocrlf`, `eol`/`text`
        // attributes) they may still be what `git checkout` writes: ask as git asks, through
        // the filters.
        if on_disk.is_some() && self.converts_line_endings(path) {
            if let Ok(s) = self.repo.status_file(Path::new(path)) {
                return Ok(!s.is_empty());
            }
        }
        Ok(true)
    }
}

/// The remote and remote branch `branch` tracks (default `origin` and the same name).
pub(super) fn upstream(repo: &Repository, branch: &str) -> (String, String) {
    let cfg = repo.config().ok();
    let get = |k: &str| super::config::value(cfg.as_ref(), k);
    let remote = get(&format!("branch.{branch}.remote")).unwrap_or_else(|| "origin".into());
    let merge = get(&format!("branch.{branch}.merge"))
        .and_then(|m| m.strip_prefix("refs/heads/").map(str::to_string))
        .unwrap_or_else(|| branch.to_string());
    (remote, merge)
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::fixture;

    #[test]
    fn a_checkout_opens_on_its_branch_and_upstream() {
        let (dir, repo, tip) = fixture::checkout(&[("m.yaml", "a\n")]);
        assert_eq!(upstream(&repo, "main"), ("origin".into(), "main".into()));
        let mut cfg = repo.config().unwrap();
        cfg.set_str("branch.main.remote", "upstream").unwrap();
        cfg.set_str("branch.main.merge", "refs/heads/trunk")
            .unwrap();
        cfg.set_str(
            "remote.upstream.url",
            "https://bot:tok3n@git.example/isa.git",
        )
        .unwrap();
        assert_eq!(upstream(&repo, "main"), ("upstream".into(), "trunk".into()));
        let ws = Workspace::open(&dir.path().join("."), None).unwrap();
        assert!(ws.is_open());
        assert_eq!(ws.branch(), "main");
        assert_eq!(ws.url(), "https://git.example/isa.git");
        assert_eq!(ws.tip().unwrap(), tip);
    }

    #[test]
    fn empty_detached_and_missing_repositories_say_what_to_do() {
        let empty = tempfile::tempdir().unwrap();
        Repository::init(empty.path()).unwrap();
        let e = Workspace::open(empty.path(), None).err().unwrap();
        assert_eq!(e.kind, ErrorKind::NotFound);
        assert!(e.message.contains("is empty"), "{e}");

        let (dir, repo, tip) = fixture::checkout(&[("m.yaml", "a\n")]);
        repo.set_head_detached(tip).unwrap();
        let e = Workspace::open(dir.path(), None).err().unwrap();
        assert!(e.message.contains("pass --branch"), "{e}");
        assert!(Workspace::open(dir.path(), Some("main")).is_ok());

        let nowhere = tempfile::tempdir().unwrap();
        let e = Workspace::open(nowhere.path(), None).err().unwrap();
        assert_eq!(e.kind, ErrorKind::NotFound);
        assert!(e.message.contains("not inside a Git repository"), "{e}");
    }

    #[test]
    fn uncommitted_changes_in_the_work_tree_or_the_index_are_dirty() {
        let (dir, repo, tip) = fixture::checkout(&[("m.yaml", "a\n"), ("n.yaml", "b\n")]);
        let ws = Workspace::open(dir.path(), None).unwrap();
        assert!(!ws.is_dirty(tip, "m.yaml").unwrap());
        std::fs::write(dir.path().join("m.yaml"), "changed\n").unwrap();
        assert!(ws.is_dirty(tip, "m.yaml").unwrap());
        assert!(!ws.is_dirty(tip, "n.yaml").unwrap());
        // Staged, with the work tree put back: still dirty (the index differs).
        let mut index = repo.index().unwrap();
        index.add_path(Path::new("m.yaml")).unwrap();
        index.write().unwrap();
        std::fs::write(dir.path().join("m.yaml"), "a\n").unwrap();
        assert!(ws.is_dirty(tip, "m.yaml").unwrap());
    }
}
