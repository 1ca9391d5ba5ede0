//! The local write in open mode: the files written atomically into the work tree, the index
//! patched (or staged through libgit2), the branch moved by compare-and-swap, everything put
//! back on failure; and after a push, catching the checkout up when that loses nothing.

use std::path::{Path, PathBuf};

use git2::Oid;

#[cfg(unix)]
use super::worktree;
use super::{err, git_err, index, Error, ErrorKind, FileChange, Mode, Result, Workspace};

impl Workspace {
    /// Open mode: writes the files atomically, stages exactly those entries, and moves the
    /// local branch from `parent` to `commit`.
    pub(crate) fn apply_local(
        &self,
        parent: Oid,
        commit: Oid,
        changes: &[FileChange],
    ) -> Result<()> {
        let head_ref = format!("refs/heads/{}", self.branch);
        let on_branch = self.head_is(&head_ref);
        if on_branch {
            let workdir = self.workdir()?;
            // The index is locked before any file is written: a Git command running in the
            // checkout makes imgbump stop here, with nothing changed.
            self.note_intent("index.lock");
            let lock =
                match self.fast_index() {
                    Some(f) => Some(index::Lock::take(&f).map_err(|e| {
                        err(ErrorKind::Other, format!("cannot lock the index: {e}"))
                    })?),
                    None => None,
                };
            if lock.is_some() {
                self.note_index_lock();
            }
            // Before the first byte is written: what this run is about to do, for the next run
            // to put back if this one is killed before the branch moves.
            self.note_edit(parent, commit);
            let staged = changes
                .iter()
                .try_for_each(|c| {
                    let bytes = self.worktree_form(&c.path, &c.content);
                    write_worktree(&workdir, &c.path, &bytes, Some(self.repo.path()))
                })
                .and_then(|_| match lock {
                    Some(lock) => self.patch_index(lock, parent, commit, changes),
                    None => Ok(false),
                })
                .and_then(|patched| {
                    if patched {
                        Ok(())
                    } else {
                        self.stage_with_libgit2(changes)
                    }
                });
            if let Err(e) = staged {
                self.restore(parent, changes, &workdir);
                return Err(e);
            }
        }
        let msg = self
            .repo
            .find_commit(commit)
            .ok()
            .and_then(|c| c.summary().ok().flatten().map(str::to_string))
            .unwrap_or_default();
        let moved = self.move_ref(&head_ref, parent, commit, &format!("imgbump: {msg}"));
        if let Err(e) = moved {
            // The branch moved under us (another process committed): put the files and their
            // index entries back as they were, so the checkout is as imgbump found it.
            if on_branch {
                let workdir = self.workdir()?;
                self.restore(parent, changes, &workdir);
                let _ = self.stage_with_libgit2(changes);
            }
            return Err(git_err(
                &format!(
                    "cannot move branch {} (it moved meanwhile; the work tree and index are as they were)",
                    self.branch
                ),
                &e,
                &self.creds,
            ));
        }
        Ok(())
    }

    /// Whether `git checkout` writes `path` with CRLF line ends: its `eol` attribute is `crlf`,
    /// or it is text (not `-text`, not binary) and `core.autocrlf` is true or `core.eol` is crlf.
    pub(super) fn converts_line_endings(&self, path: &str) -> bool {
        use git2::{AttrCheckFlags, AttrValue};
        let attr = |name: &str| {
            self.repo
                .get_attr(Path::new(path), name, AttrCheckFlags::FILE_THEN_INDEX)
                .ok()
                .flatten()
                .map(|v| AttrValue::from_string(Some(v)))
        };
        if matches!(attr("eol"), Some(AttrValue::String("crlf"))) {
            return true;
        }
        if matches!(attr("text"), Some(AttrValue::False)) {
            return false;
        }
        let get = |k: &str| self.config_value(k);
        get("core.autocrlf").is_some_and(|v| v.eq_ignore_ascii_case("true"))
            || get("core.eol").is_some_and(|v| v.eq_ignore_ascii_case("crlf"))
                && attr("text").is_some()
    }

    /// `content` (a blob) as `git checkout` would write it to `path`: with CRLF line ends when
    /// the checkout converts them and the blob has none of its own.
    pub(super) fn worktree_form<'c>(
        &self,
        path: &str,
        content: &'c [u8],
    ) -> std::borrow::Cow<'c, [u8]> {
        if content.contains(&b'\r') || content.contains(&0) || !self.converts_line_endings(path) {
            return std::borrow::Cow::Borrowed(content);
        }
        let mut out = Vec::with_capacity(content.len() + content.len() / 16);
        for &b in content {
            if b == b'\n' {
                out.push(b'\r');
            }
            out.push(b);
        }
        std::borrow::Cow::Owned(out)
    }

    /// After a push from a checkout: move the local branch from `expected` (our local commit)
    /// to `commit` if that loses nothing: the branch is still at `expected`, `base` (where the
    /// branch was before imgbump) is an ancestor of `commit` (no local commit is dropped), and
    /// the files that differ are unmodified (a safe checkout). Returns whether it did.
    pub(crate) fn sync_local(&self, expected: Oid, base: Oid, commit: Oid) -> Result<bool> {
        if !self.is_open() {
            return Ok(true);
        }
        let head_ref = format!("refs/heads/{}", self.branch);
        if self.repo.refname_to_id(&head_ref).ok() != Some(expected) {
            return Ok(false);
        }
        if base != commit && !self.repo.graph_descendant_of(commit, base).unwrap_or(false) {
            return Ok(false);
        }
        let on_branch = self.head_is(&head_ref);
        if on_branch {
            let target = self
                .repo
                .find_commit(commit)
                .map_err(|e| git_err("cannot read the commit", &e, &self.creds))?;
            // Recorded before the first file is written (libgit2 takes the index's lock, then
            // writes the work tree and the index, then the branch moves): a run killed in
            // between leaves the next one a lock it removes and an edit it puts back, not a
            // checkout whose index and files are ahead of its branch.
            self.note_intent("index.lock");
            self.note_checkout_edit(expected, commit);
            let mut co = git2::build::CheckoutBuilder::new();
            co.safe();
            if self
                .repo
                .checkout_tree(target.as_object(), Some(&mut co))
                .is_err()
            {
                return Ok(false);
            }
        }
        self.move_ref(
            &head_ref,
            expected,
            commit,
            "imgbump: fast-forward to the pushed commit",
        )
        .map_err(|e| git_err("cannot move the branch", &e, &self.creds))?;
        Ok(true)
    }

    /// Open mode, before a bump that will stage: starts verifying the index's checksum on a
    /// thread of its own (see `index::Verifier`).
    pub(crate) fn prepare_index(&self) {
        if let Some(f) = self.fast_index() {
            if let Mode::Checkout { verifier, .. } = &self.mode {
                *verifier.borrow_mut() = index::Verifier::start(&f);
            }
        }
    }

    /// The index verification [`Workspace::prepare_index`] started, taken (a checkout's only).
    fn verifier(&self) -> Option<index::Verifier> {
        match &self.mode {
            Mode::Checkout { verifier, .. } => verifier.take(),
            Mode::Clone { .. } => None,
        }
    }

    /// The index file, when imgbump may read and patch it itself (see `index/mod.rs`): not with
    /// `GIT_INDEX_FILE`, not in a SHA-256 repository, not off Unix.
    pub(super) fn fast_index(&self) -> Option<PathBuf> {
        let sha256 = self
            .repo
            .config()
            .and_then(|c| c.get_string("extensions.objectformat"))
            .is_ok_and(|f| !f.eq_ignore_ascii_case("sha1"));
        (index::SUPPORTED && !sha256 && std::env::var_os("GIT_INDEX_FILE").is_none())
            .then(|| self.repo.path().join("index"))
    }

    /// Stages `changes` (already written to the work tree) by patching their index entries
    /// and the cache-tree in place, under `lock`. `Ok(false)`: the index is in a form left to
    /// libgit2 (the lock is released).
    fn patch_index(
        &self,
        lock: index::Lock,
        parent: Oid,
        commit: Oid,
        changes: &[FileChange],
    ) -> Result<bool> {
        let workdir = self.workdir()?;
        let tree_of = |c: Oid| {
            self.repo
                .find_commit(c)
                .and_then(|c| c.tree())
                .map_err(|e| git_err("cannot read the commit", &e, &self.creds))
        };
        let (old_root, new_root) = (tree_of(parent)?, tree_of(commit)?);
        let id_at = |root: &git2::Tree<'_>, dir: &str| -> Option<Oid> {
            if dir.is_empty() {
                Some(root.id())
            } else {
                root.get_path(Path::new(dir)).ok().map(|e| e.id())
            }
        };
        let mut metas = Vec::with_capacity(changes.len());
        let mut ids = Vec::with_capacity(changes.len());
        for c in changes {
            let meta = stat_worktree(&workdir, &c.path)?;
            let (Some(expect), Some(oid)) = (id_at(&old_root, &c.path), id_at(&new_root, &c.path))
            else {
                return Ok(false);
            };
            metas.push(meta);
            ids.push((expect, oid));
        }
        let entries: Vec<index::Change<'_>> = changes
            .iter()
            .zip(&metas)
            .zip(&ids)
            .map(|((c, meta), &(expect, oid))| index::Change {
                path: &c.path,
                expect,
                oid,
                meta,
            })
            .collect();
        let mut dirs: Vec<&str> = vec![""];
        for c in changes {
            let mut p = c.path.as_str();
            while let Some((dir, _)) = p.rsplit_once('/') {
                dirs.push(dir);
                p = dir;
            }
        }
        dirs.sort_unstable();
        dirs.dedup();
        let mut trees = Vec::with_capacity(dirs.len());
        for dir in dirs {
            let (Some(old), Some(new)) = (id_at(&old_root, dir), id_at(&new_root, dir)) else {
                return Ok(false);
            };
            trees.push(index::TreeChange { dir, old, new });
        }
        match index::patch(lock, &entries, &trees, self.verifier()) {
            Ok(index::Patch::Done) => Ok(true),
            Ok(index::Patch::Unsupported(_)) => Ok(false),
            Err(e) => Err(err(
                ErrorKind::Other,
                format!("cannot update the index: {e}"),
            )),
        }
    }

    /// libgit2 could not read the index. It does not read split or sparse indexes: say how to
    /// turn them off.
    pub(super) fn index_err(&self, e: &git2::Error) -> Error {
        if e.message().contains("mandatory extension") {
            return err(
                ErrorKind::Refused,
                format!(
                    "cannot read the index ({}): imgbump does not update split or sparse indexes; run `git update-index --no-split-index` or `git sparse-checkout disable`, or bump from a clone (--repo URL)",
                    e.message()
                ),
            );
        }
        git_err("cannot read the index", e, &self.creds)
    }

    /// After a failure to stage: puts the files of `changes` back as they are in `parent`
    /// (they were unmodified before imgbump wrote them; see `is_dirty`).
    fn restore(&self, parent: Oid, changes: &[FileChange], workdir: &Path) {
        for c in changes {
            if let Ok(Some(old)) = self.read(parent, &c.path) {
                let bytes = self.worktree_form(&c.path, &old);
                let _ = write_worktree(workdir, &c.path, &bytes, Some(self.repo.path()));
            }
        }
    }

    /// After a run that was killed while applying the edit `parent` → `commit` to this
    /// checkout (see [`Workspace::note_edit`]): when the branch is still at `parent`, each file
    /// the edit changes is put back, in the work tree and the index, if it holds exactly what
    /// the killed run wrote (or it was only staged); a file that holds anything else is the
    /// user's and is left alone. Says what it did.
    pub(super) fn roll_back(&self, parent: Oid, commit: Oid, in_place: bool) {
        let head_ref = format!("refs/heads/{}", self.branch);
        let at_parent = self.repo.refname_to_id(&head_ref).ok() == Some(parent);
        let Ok(workdir) = self.workdir() else { return };
        if !at_parent || !self.head_is(&head_ref) {
            // The branch moved on (the run committed, or someone else did): nothing to undo.
            return;
        }
        let mut put_back = Vec::new();
        let mut left = Vec::new();
        for path in self.paths_changed(parent, commit) {
            let form = |at: Oid| {
                self.read(at, &path)
                    .ok()
                    .flatten()
                    .map(|b| self.worktree_form(&path, &b).into_owned())
            };
            let (old, new) = (form(parent), form(commit));
            let now = read_worktree(&workdir, &path).ok().flatten();
            // Written in place by libgit2: cut short (or not yet made) is the dead run's too.
            let cut = in_place
                && match (&now, &new) {
                    (None, _) => true,
                    (Some(n), Some(w)) => w.starts_with(n),
                    (Some(_), None) => false,
                };
            if (now.is_some() && now == new) || cut {
                if let Some(old) = &old {
                    if write_worktree(&workdir, &path, old, Some(self.repo.path())).is_err() {
                        left.push(path);
                        continue;
                    }
                }
            } else if now != old {
                left.push(path);
                continue;
            }
            put_back.push(FileChange {
                path,
                content: Vec::new(),
            });
        }
        if !put_back.is_empty() && self.stage_with_libgit2(&put_back).is_ok() {
            let names: Vec<&str> = put_back.iter().map(|c| c.path.as_str()).collect();
            self.notice(&format!(
                "put back {} as it was: a run killed before committing had edited it",
                names.join(", ")
            ));
        }
        if !left.is_empty() {
            self.notice(&format!(
                "left {} alone: a killed run had edited it, but it has changed since",
                left.join(", ")
            ));
        }
    }

    /// The paths whose content differs between the trees of `a` and `b`.
    pub(super) fn paths_changed(&self, a: Oid, b: Oid) -> Vec<String> {
        let tree = |c: Oid| self.repo.find_commit(c).and_then(|c| c.tree()).ok();
        let (Some(ta), Some(tb)) = (tree(a), tree(b)) else {
            return Vec::new();
        };
        let Ok(diff) = self.repo.diff_tree_to_tree(Some(&ta), Some(&tb), None) else {
            return Vec::new();
        };
        diff.deltas()
            .filter_map(|d| d.new_file().path()?.to_str().map(str::to_string))
            .collect()
    }

    /// Stages `changes` through libgit2's index (read whole, written whole).
    pub(super) fn stage_with_libgit2(&self, changes: &[FileChange]) -> Result<()> {
        // libgit2 takes `index.lock` itself: recorded by the time it is made.
        self.note_intent("index.lock");
        let mut index = self.repo.index().map_err(|e| self.index_err(&e))?;
        for c in changes {
            index
                .add_path(Path::new(&c.path))
                .map_err(|e| git_err(&format!("cannot stage {}", c.path), &e, &self.creds))?;
        }
        index
            .write()
            .map_err(|e| git_err("cannot write the index", &e, &self.creds))
    }

    pub(super) fn workdir(&self) -> Result<PathBuf> {
        self.repo
            .workdir()
            .map(Path::to_path_buf)
            .ok_or_else(|| err(ErrorKind::Other, "the repository has no work tree"))
    }

    /// Whether HEAD is the ref `name` (the branch is checked out).
    pub(super) fn head_is(&self, name: &str) -> bool {
        self.repo
            .head()
            .ok()
            .is_some_and(|h| h.name().ok() == Some(name))
    }
}

/// Reads `rel` from the work tree `root`, refusing a symbolic link anywhere on the way;
/// `None` if it (or a directory on the way) does not exist.
#[cfg(unix)]
pub(super) fn read_worktree(root: &Path, rel: &str) -> Result<Option<Vec<u8>>> {
    match worktree::parent_of(root, rel) {
        Ok((dir, name)) => dir.read(&name),
        Err(e) if e.kind == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Replaces `rel` in the work tree `root` atomically, never through a symbolic link.
#[cfg(unix)]
pub(super) fn write_worktree(
    root: &Path,
    rel: &str,
    content: &[u8],
    scratch: Option<&Path>,
) -> Result<()> {
    let (dir, name) = worktree::parent_of(root, rel)?;
    dir.replace(&name, content, scratch)
}

/// The metadata of `rel` in the work tree `root` (a regular file, reached without links).
#[cfg(unix)]
pub(super) fn stat_worktree(root: &Path, rel: &str) -> Result<std::fs::Metadata> {
    let (dir, name) = worktree::parent_of(root, rel)?;
    match dir.open_file(&name)? {
        Some((_, meta)) => Ok(meta),
        None => Err(err(
            ErrorKind::NotFound,
            format!("{rel} is gone from the work tree"),
        )),
    }
}

#[cfg(not(unix))]
pub(super) fn read_worktree(root: &Path, rel: &str) -> Result<Option<Vec<u8>>> {
    let path = root.join(rel);
    match std::fs::symlink_metadata(&path) {
        Ok(m) if !m.is_file() => Err(err(
            ErrorKind::Refused,
            format!("{rel} is not a regular file in the work tree"),
        )),
        Ok(_) => std::fs::read(&path)
            .map(Some)
            .map_err(|e| err(ErrorKind::Other, format!("cannot read {rel}: {e}"))),
        Err(_) => Ok(None),
    }
}

#[cfg(not(unix))]
pub(super) fn write_worktree(
    root: &Path,
    rel: &str,
    content: &[u8],
    scratch: Option<&Path>,
) -> Result<()> {
    write_atomic(&root.join(rel), content, scratch)
}

#[cfg(not(unix))]
pub(super) fn stat_worktree(root: &Path, rel: &str) -> Result<std::fs::Metadata> {
    std::fs::symlink_metadata(root.join(rel))
        .map_err(|e| err(ErrorKind::Other, format!("cannot stat {rel}: {e}")))
}

/// Writes `path` atomically: a temporary file, the old file's mode, fsync, rename over `path`.
/// The temporary file goes in `scratch` (the `.git` directory, where a process killed half-way
/// leaves nothing in the user's work tree) when that is on the same file system, else beside
/// `path`. Unix writes go through `write_worktree`, which also refuses a link on the way.
#[cfg(any(test, not(unix)))]
pub(super) fn write_atomic(path: &Path, content: &[u8], scratch: Option<&Path>) -> Result<()> {
    use std::io::Write;
    let beside = path.parent().unwrap_or(Path::new("."));
    let dir = match scratch {
        Some(s) if same_device(s, beside) => s,
        _ => beside,
    };
    let fail = |what: &str, e: std::io::Error| {
        err(
            ErrorKind::Other,
            format!("cannot {what} {}: {e}", path.display()),
        )
    };
    let meta = std::fs::symlink_metadata(path).ok();
    if meta.as_ref().is_some_and(|m| m.file_type().is_symlink()) {
        return Err(err(
            ErrorKind::Refused,
            format!(
                "{} is a symbolic link; refusing to write through it",
                path.display()
            ),
        ));
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".imgbump-")
        .tempfile_in(dir)
        .map_err(|e| fail("create a temporary file beside", e))?;
    tmp.write_all(content).map_err(|e| fail("write", e))?;
    if let Some(m) = meta {
        std::fs::set_permissions(tmp.path(), m.permissions())
            .map_err(|e| fail("set the mode of", e))?;
    }
    tmp.as_file().sync_all().map_err(|e| fail("sync", e))?;
    tmp.persist(path).map_err(|e| fail("replace", e.error))?;
    Ok(())
}

#[cfg(all(unix, test))]
fn same_device(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    matches!((std::fs::metadata(a), std::fs::metadata(b)), (Ok(x), Ok(y)) if x.dev() == y.dev())
}

#[cfg(not(unix))]
fn same_device(_: &Path, _: &Path) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::fixture;

    #[cfg(unix)]
    #[test]
    fn atomic_writes_keep_the_mode_and_refuse_links() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("m.yaml");
        std::fs::write(&file, "old\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&file, b"new\n", None).unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"new\n");
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
        let link = dir.path().join("link.yaml");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        let e = write_atomic(&link, b"evil\n", None).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Refused);
        assert_eq!(std::fs::read(&file).unwrap(), b"new\n");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 2, "a temporary file was left behind");
    }

    #[test]
    fn a_local_write_leaves_a_clean_checkout_on_the_new_commit() {
        let (dir, repo, base) = fixture::checkout(&[("d/m.yaml", "a\n"), ("n.yaml", "b\n")]);
        let ws = Workspace::open(dir.path(), None).unwrap();
        let sig = git2::Signature::now("T", "t@localhost").unwrap();
        let changes = [FileChange {
            path: "d/m.yaml".into(),
            content: b"A\n".to_vec(),
        }];
        let commit = ws.commit(base, &changes, "m\n", &sig).unwrap();
        ws.apply_local(base, commit, &changes).unwrap();
        assert_eq!(repo.head().unwrap().target(), Some(commit));
        assert_eq!(std::fs::read(dir.path().join("d/m.yaml")).unwrap(), b"A\n");
        assert!(
            repo.statuses(None).unwrap().is_empty(),
            "the checkout is not clean"
        );
    }

    #[test]
    fn catching_up_moves_the_checkout_only_when_that_loses_nothing() {
        let (dir, repo, base) = fixture::checkout(&[("m.yaml", "a\n")]);
        let mine = fixture::commit_files(&repo, &[("m.yaml", "mine\n")], &[base]);
        let later = fixture::commit_files(&repo, &[("m.yaml", "later\n")], &[mine]);
        let unrelated = fixture::commit_files(&repo, &[("x", "x\n")], &[]);
        let at_mine = || {
            repo.reference("refs/heads/main", mine, true, "test")
                .unwrap();
            repo.checkout_head(Some(git2::build::CheckoutBuilder::new().force()))
                .unwrap();
        };
        at_mine();
        let ws = Workspace::open(dir.path(), None).unwrap();
        // The branch is not where imgbump left it: nothing moves.
        assert!(!ws.sync_local(later, mine, later).unwrap());
        assert_eq!(repo.head().unwrap().target(), Some(mine));
        // The pushed commit does not contain where the branch started: nothing moves.
        assert!(!ws.sync_local(mine, unrelated, later).unwrap());
        assert_eq!(repo.head().unwrap().target(), Some(mine));
        // Otherwise the branch and the work tree catch up.
        assert!(ws.sync_local(mine, mine, later).unwrap());
        assert_eq!(repo.head().unwrap().target(), Some(later));
        assert_eq!(
            std::fs::read(dir.path().join("m.yaml")).unwrap(),
            b"later\n"
        );
        // A modified file in the way: the safe checkout refuses, nothing moves.
        at_mine();
        std::fs::write(dir.path().join("m.yaml"), "edited\n").unwrap();
        assert!(!ws.sync_local(mine, mine, later).unwrap());
        assert_eq!(repo.head().unwrap().target(), Some(mine));
        assert_eq!(
            std::fs::read(dir.path().join("m.yaml")).unwrap(),
            b"edited\n"
        );
    }

    #[test]
    fn a_run_killed_while_catching_up_leaves_what_the_next_puts_back() {
        let (dir, repo, base) = fixture::checkout(&[("m.yaml", "a\n")]);
        let later = fixture::commit_files(&repo, &[("m.yaml", "later\n")], &[base]);
        repo.reference("refs/heads/main", base, true, "test")
            .unwrap();
        repo.checkout_head(Some(git2::build::CheckoutBuilder::new().force()))
            .unwrap();
        let soon = std::time::Instant::now() + std::time::Duration::from_millis(300);
        let ws = Workspace::open(dir.path(), None).unwrap();
        let lock_path = dir.path().join(".git/imgbump.lock");
        // What catching up records before it writes a file: the index's lock it takes, and the
        // edit (the branch from `base` to `later`).
        let lock = ws.lock_checkout(soon).unwrap();
        assert!(ws.sync_local(base, base, later).unwrap());
        let record = std::fs::read_to_string(&lock_path).unwrap();
        assert!(
            record.contains(&format!("\nedit {base} {later} checkout\n")),
            "{record}"
        );
        assert!(record.contains("\nintent index.lock "), "{record}");
        drop(lock);
        // Killed after the index, while libgit2 wrote the file in place (truncated, not yet
        // written), before the branch moved: the next run puts the checkout back where its
        // branch is.
        repo.reference("refs/heads/main", base, true, "test")
            .unwrap();
        std::fs::write(dir.path().join("m.yaml"), "").unwrap();
        let mut gone = std::process::Command::new("true").spawn().unwrap();
        let pid = gone.id();
        gone.wait().unwrap();
        let record = format!("{pid}\nedit {base} {later} checkout\n");
        std::fs::write(&lock_path, record).unwrap();
        let dirty = |repo: &git2::Repository| {
            let mut opts = git2::StatusOptions::new();
            opts.include_untracked(false);
            repo.statuses(Some(&mut opts)).unwrap().len()
        };
        assert_eq!(dirty(&repo), 1, "the state a killed run left");
        let next = Workspace::open(dir.path(), None).unwrap();
        let lock = next.lock_checkout(soon).unwrap();
        assert_eq!(std::fs::read(dir.path().join("m.yaml")).unwrap(), b"a\n");
        assert_eq!(dirty(&repo), 0, "the checkout is not as its branch");
        drop(lock);
    }
}
