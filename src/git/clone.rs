//! Clone mode: a `Workspace` from a remote URL. One branch, shallow, no work tree, in a scratch
//! directory (removed at exit) or the `--cache-dir`; a remote on this machine lends its
//! objects instead of copying them.

use std::path::{Path, PathBuf};

use git2::Repository;

use crate::url::RemoteUrl;

use super::cache::cached_repo;
use super::credentials::{split_url, Credentials};
use super::{err, git_err, trim, Error, ErrorKind, Home, Mode, Remote, Result, Workspace};

/// Whether `--repo` names a remote to clone rather than a local path.
pub(crate) fn is_url(repo: &str) -> bool {
    RemoteUrl::parse(repo).is_remote()
}

/// A transfer progress report: (phase, objects done, objects total, bytes received).
pub(crate) type ProgressFn = std::rc::Rc<dyn Fn(&str, usize, usize, usize)>;

/// How to clone a remote.
#[derive(Clone, Default)]
pub(crate) struct CloneOptions<'a> {
    /// The branch (default: the remote's default branch).
    pub branch: Option<&'a str>,
    /// How many commits to fetch (0: all).
    pub depth: u32,
    /// Where to make the temporary clone.
    pub workdir: Option<&'a Path>,
    /// A cache directory to keep the clone in between runs.
    pub cache: Option<&'a Path>,
    /// Transfer progress reports.
    pub progress: Option<ProgressFn>,
    /// Messages for the user (a cache repaired or rebuilt, a retry).
    pub notice: Option<super::NoticeFn>,
}

/// Lays out a bare repository for a scratch clone: `HEAD`, `objects/pack/` and `refs/`, all
/// libgit2 needs to open one. `git init`'s layout (hooks, info, description, a config written
/// three times) is twenty files and directories, which cost more to create than the clone's
/// own on a disk that is slow at creating files.
fn init_scratch(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("objects").join("pack"))?;
    std::fs::create_dir_all(dir.join("refs"))?;
    std::fs::write(dir.join("HEAD"), "ref: refs/heads/main\n")
}

impl Workspace {
    /// Clones the one branch of `url` (shallow, no work tree) into `workdir` or a temporary
    /// directory.
    pub(crate) fn clone(
        url: &str,
        opts: &CloneOptions<'_>,
        creds: Credentials,
    ) -> Result<Workspace> {
        match Workspace::clone_once(url, opts, creds.clone(), false) {
            // A cache that cannot be fetched into (corrupt objects, a broken shallow file) is
            // not trusted: rebuild it once from nothing.
            Err(e) if opts.cache.is_some() && e.kind == ErrorKind::Other => {
                if let Some(say) = &opts.notice {
                    say(&format!(
                        "the cache could not be fetched into ({}); rebuilding it",
                        e.message.lines().next().unwrap_or("")
                    ));
                }
                Workspace::clone_once(url, opts, creds, true).map_err(|again| Error {
                    kind: again.kind,
                    message: format!(
                        "{} (after rebuilding the cache, which failed first with: {e})",
                        again.message
                    ),
                    hint: again.hint,
                })
            }
            other => other,
        }
    }

    fn clone_once(
        url: &str,
        opts: &CloneOptions<'_>,
        creds: Credentials,
        rebuild: bool,
    ) -> Result<Workspace> {
        let (branch, depth) = (opts.branch, opts.depth);
        trim::limit_pack_windows();
        let (url, creds) = split_url(url, creds);
        let (dir, home) = clone_dir(&url, opts, rebuild)?;
        let remote = Remote::new(url);
        let local = remote.url.is_local();
        let borrowed = match remote.url.local_path() {
            Some(path) => lend_objects(path, &dir)?,
            None => false,
        };
        let repo = open_clone(&dir, &creds)?;
        let mut ws = Workspace {
            repo,
            remote: Some(remote),
            creds,
            branch: String::new(),
            remote_branch: String::new(),
            mode: Mode::Clone {
                _home: home,
                borrowed,
                // libgit2's local transport cannot fetch shallow.
                depth: if local {
                    0
                } else {
                    depth.min(i32::MAX as u32) as i32
                },
            },
            progress: opts.progress.clone(),
            notice: opts.notice.clone(),
            requests: Default::default(),
        };
        match branch {
            Some(b) => {
                ws.branch = b.to_string();
                ws.remote_branch = b.to_string();
                ws.fetch()?;
            }
            None => {
                ws.fetch_with(true)?;
            }
        }
        Ok(ws)
    }
}

/// Where a clone goes: the `--cache-dir` repository for `url` (locked), or a new scratch
/// directory under `--workdir` or the temporary directory, laid out by [`init_scratch`].
fn clone_dir(url: &str, opts: &CloneOptions<'_>, rebuild: bool) -> Result<(PathBuf, Home)> {
    if let Some(cache) = opts.cache {
        let (dir, lock, note) = cached_repo(cache, url, rebuild)?;
        if let (Some(note), Some(say)) = (note, &opts.notice) {
            say(&note);
        }
        return Ok((dir, Home::Cache { _lock: lock }));
    }
    let parent = opts
        .workdir
        .map_or_else(std::env::temp_dir, Path::to_path_buf);
    sweep_scratch(&parent);
    let t = std::fs::create_dir_all(&parent)
        .and_then(|_| {
            tempfile::Builder::new()
                .prefix(&format!("imgbump-{}-", std::process::id()))
                .tempdir_in(&parent)
        })
        .map_err(|e| {
            err(
                ErrorKind::Other,
                format!(
                    "cannot create a directory to clone into in {}: {e}; pass --workdir DIR",
                    parent.display()
                ),
            )
        })?;
    let dir = t.path().to_path_buf();
    init_scratch(&dir).map_err(|e| {
        err(
            ErrorKind::Other,
            format!(
                "cannot create the clone in {}: {e}; pass --workdir DIR",
                dir.display()
            ),
        )
    })?;
    Ok((dir, Home::Scratch { _dir: t }))
}

/// Removes the scratch clones (`imgbump-PID-…`) that runs killed before they could clean up
/// (SIGKILL) left in `parent`: those whose process is gone. A live run's is never touched.
fn sweep_scratch(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for e in entries.filter_map(|e| e.ok()) {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("imgbump-"))
            .and_then(|n| n.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !super::lock::process_alive(pid) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// A remote on this machine lends the clone in `dir` its objects (as `git clone --shared`
/// does): nothing is copied, the fetch only reads refs, and a clone costs the same for 300
/// files as for 100,000. Returns whether it does (`path` is a repository that opens).
fn lend_objects(path: &str, dir: &Path) -> Result<bool> {
    let Ok(remote) = Repository::open(path) else {
        return Ok(false);
    };
    let objects = remote.path().join("objects");
    let info = dir.join("objects").join("info");
    std::fs::create_dir_all(&info)
        .and_then(|_| std::fs::write(info.join("alternates"), format!("{}\n", objects.display())))
        .map_err(|e| {
            err(
                ErrorKind::Other,
                format!("cannot set up the clone in {}: {e}", dir.display()),
            )
        })?;
    Ok(true)
}

/// Opens the clone in `dir` with the objects of new commits kept in memory: the push reads
/// them there. A scratch clone is deleted afterwards, and seven loose objects are fourteen
/// files and directories created (and removed) for nothing; a cache would keep them for ever,
/// though its next fetch brings the pushed commit back in a pack anyway.
fn open_clone(dir: &Path, creds: &Credentials) -> Result<Repository> {
    let repo =
        Repository::open_bare(dir).map_err(|e| git_err("cannot open the clone", &e, creds))?;
    super::config::add_to(&repo);
    repo.odb()
        .and_then(|odb| odb.add_new_mempack_backend(1000).map(|_| ()))
        .map_err(|e| {
            git_err(
                &format!(
                    "cannot keep new objects in memory for the clone in {}",
                    dir.display()
                ),
                &e,
                creds,
            )
        })?;
    Ok(repo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_paths() {
        for u in [
            "https://h/x",
            "ssh://git@h/x",
            "git@github.com:o/r.git",
            "file:///tmp/x",
        ] {
            assert!(is_url(u), "{u}");
        }
        for p in [".", "/tmp/repo", "./a@b:c", "repo"] {
            assert!(!is_url(p), "{p}");
        }
    }
}
