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

/// `git daemon` serving `base` on 127.0.0.1 (push enabled), for what only a remote that is not
/// on this machine does: shallow fetches. It runs in a process group of its own, ended with
/// every process it forked when dropped (a failing test's unwinding included).
pub(super) struct Daemon {
    child: std::process::Child,
    pub port: u16,
}

impl Daemon {
    pub(super) fn start(base: &Path) -> Daemon {
        use std::os::unix::process::CommandExt;
        // A port the system chose, let go just before the daemon takes it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let exec = std::process::Command::new("git")
            .arg("--exec-path")
            .output()
            .unwrap();
        let exec = String::from_utf8_lossy(&exec.stdout).trim().to_string();
        let child = std::process::Command::new(Path::new(&exec).join("git-daemon"))
            .args([
                "--reuseaddr",
                "--export-all",
                "--enable=receive-pack",
                "--listen=127.0.0.1",
            ])
            .arg(format!("--port={port}"))
            .arg(format!("--base-path={}", base.display()))
            .arg(base)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap();
        let daemon = Daemon { child, port };
        let start = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(start.elapsed().as_secs() < 60, "git daemon did not start");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        daemon
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        // SAFETY: kill(2) of the group the daemon leads (its pid), which it made at spawn.
        unsafe {
            libc::kill(-(self.child.id() as i32), libc::SIGTERM);
        }
        let _ = self.child.wait();
    }
}
