//! Test fixtures for the Git layer's unit tests: small repositories made with libgit2 in
//! temporary directories (the integration tests in `tests/` use the `git` CLI and real servers).

use std::path::Path;

use git2::{Oid, Repository, Signature};

/// A checkout on branch `main` in a new temporary directory, with one commit holding `files`.
pub(super) fn checkout(files: &[(&str, &str)]) -> (tempfile::TempDir, Repository, Oid) {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    repo.set_head("refs/heads/main").unwrap();
    let commit = commit_files(&repo, files, &[]);
    (dir, repo, commit)
}

/// Writes `files` into the work tree, stages them, commits with `parents` (none: a new root)
/// and points `main` at the commit.
pub(super) fn commit_files(repo: &Repository, files: &[(&str, &str)], parents: &[Oid]) -> Oid {
    let root = repo.workdir().unwrap();
    let mut index = repo.index().unwrap();
    for (path, text) in files {
        let full = root.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(&full, text).unwrap();
        index.add_path(Path::new(path)).unwrap();
    }
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = Signature::now("Test", "test@localhost").unwrap();
    let parents: Vec<_> = parents
        .iter()
        .map(|p| repo.find_commit(*p).unwrap())
        .collect();
    let refs: Vec<_> = parents.iter().collect();
    let id = repo.commit(None, &sig, &sig, "test", &tree, &refs).unwrap();
    repo.reference("refs/heads/main", id, true, "fixture")
        .unwrap();
    id
}

/// A bare clone of `repo` in a new temporary directory (a remote for `file://` URLs).
pub(super) fn bare_copy(repo: &Repository) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let bare = Repository::init_bare(dir.path()).unwrap();
    bare.set_head("refs/heads/main").unwrap();
    let url = repo.path().to_str().unwrap().to_string();
    let mut remote = bare.remote_anonymous(&url).unwrap();
    remote
        .fetch(&["+refs/heads/*:refs/heads/*"], None, None)
        .unwrap();
    dir
}

/// A checkout, a bare copy of it as its remote, and a clone-mode workspace of that remote.
pub(super) struct Cloned {
    /// The checkout's directory (kept alive with it).
    pub _checkout: tempfile::TempDir,
    /// The checkout, whose `main` the remote copied.
    pub repo: Repository,
    /// The commit both have.
    pub base: Oid,
    /// The bare remote's directory.
    pub remote: tempfile::TempDir,
    /// The clone of the remote, through `file://`.
    pub ws: super::Workspace,
}

/// [`Cloned`] with `files` in its one commit.
pub(super) fn cloned(files: &[(&str, &str)]) -> Cloned {
    let (checkout, repo, base) = self::checkout(files);
    let remote = bare_copy(&repo);
    let url = format!("file://{}", remote.path().display());
    let opts = super::CloneOptions::default();
    let ws = super::Workspace::clone(&url, &opts, super::Credentials::default()).unwrap();
    Cloned {
        _checkout: checkout,
        repo,
        base,
        remote,
        ws,
    }
}
