//! Reading from a commit: one file (links, submodules and oversized files refused), a
//! directory listing, and the versions of a file along the branch's history.

use std::path::{Path, PathBuf};

use git2::{ErrorCode, FileMode, ObjectType, Oid};

use super::{err, git_err, CommitInfo, ErrorKind, Result, Workspace, MAX_FILE};

impl Workspace {
    /// Whether `path` names a file on `commit` (a tree lookup; the blob is not read).
    pub(crate) fn exists(&self, commit: Oid, path: &str) -> bool {
        self.repo
            .find_commit(commit)
            .and_then(|c| c.tree())
            .and_then(|t| t.get_path(Path::new(path)))
            .is_ok_and(|e| e.kind() == Some(git2::ObjectType::Blob))
    }

    /// Reads `path` from `commit`; `None` if it does not exist. A symlink, a submodule, a
    /// directory or a file over [`MAX_FILE`] is refused.
    pub(crate) fn read(&self, commit: Oid, path: &str) -> Result<Option<Vec<u8>>> {
        let tree = self
            .repo
            .find_commit(commit)
            .and_then(|c| c.tree())
            .map_err(|e| git_err("cannot read the commit", &e, &self.creds))?;
        let entry = match tree.get_path(Path::new(path)) {
            Ok(e) => e,
            Err(e) if e.code() == ErrorCode::NotFound => {
                // A symlinked directory on the way is a blob where a tree should be.
                let mut prefix = PathBuf::new();
                for part in Path::new(path).iter() {
                    prefix.push(part);
                    if let Ok(e) = tree.get_path(&prefix) {
                        if e.filemode() == i32::from(FileMode::Link) {
                            return Err(err(
                                ErrorKind::Refused,
                                format!(
                                    "{} is a symbolic link; refusing to follow it",
                                    prefix.display()
                                ),
                            ));
                        }
                    }
                }
                return Ok(None);
            }
            Err(e) => return Err(git_err(&format!("cannot look up {path}"), &e, &self.creds)),
        };
        match (entry.kind(), entry.filemode()) {
            (_, m) if m == i32::from(FileMode::Link) => {
                return Err(err(
                    ErrorKind::Refused,
                    format!("{path} is a symbolic link; refusing to follow it"),
                ))
            }
            (Some(ObjectType::Blob), _) => {}
            (Some(ObjectType::Tree), _) => {
                return Err(err(
                    ErrorKind::Refused,
                    format!("{path} is a directory, not a manifest"),
                ))
            }
            _ => {
                return Err(err(
                    ErrorKind::Refused,
                    format!("{path} is not a regular file"),
                ))
            }
        }
        let odb = self
            .repo
            .odb()
            .map_err(|e| git_err("cannot open the object database", &e, &self.creds))?;
        let (size, _) = odb
            .read_header(entry.id())
            .map_err(|e| git_err(&format!("cannot read {path}"), &e, &self.creds))?;
        if size > MAX_FILE {
            return Err(err(
                ErrorKind::Refused,
                format!(
                    "{path} is {size} bytes; imgbump reads manifests of at most {MAX_FILE} bytes"
                ),
            ));
        }
        let blob = self
            .repo
            .find_blob(entry.id())
            .map_err(|e| git_err(&format!("cannot read {path}"), &e, &self.creds))?;
        Ok(Some(blob.content().to_vec()))
    }

    /// Lists the paths under `dir` at `commit` (one level), with whether each is a directory.
    pub(crate) fn list_dir(&self, commit: Oid, dir: &str) -> Result<Vec<(String, bool)>> {
        let tree = self
            .repo
            .find_commit(commit)
            .and_then(|c| c.tree())
            .map_err(|e| git_err("cannot read the commit", &e, &self.creds))?;
        let sub = if dir.is_empty() {
            tree
        } else {
            match tree.get_path(Path::new(dir)) {
                Ok(e) if e.kind() == Some(ObjectType::Tree) => self
                    .repo
                    .find_tree(e.id())
                    .map_err(|e| git_err("cannot read a tree", &e, &self.creds))?,
                _ => return Ok(Vec::new()),
            }
        };
        Ok(sub
            .iter()
            .filter_map(|e| {
                Some((
                    e.name().ok()?.to_string(),
                    e.kind() == Some(ObjectType::Tree),
                ))
            })
            .collect())
    }

    /// Walks the first-parent history of the branch, newest first, calling `visit` with each
    /// commit and its message until it returns false. Returns whether the walk reached the end
    /// of a shallow history (more may be fetched with [`Workspace::deepen`]).
    pub(crate) fn messages(&self, visit: impl FnMut(Oid, &str) -> bool) -> Result<bool> {
        self.messages_from(self.tip()?, visit)
    }

    /// [`Workspace::messages`] from commit `tip`.
    pub(crate) fn messages_from(
        &self,
        tip: Oid,
        mut visit: impl FnMut(Oid, &str) -> bool,
    ) -> Result<bool> {
        let e = |x: git2::Error| git_err("cannot walk the history", &x, &self.creds);
        let mut walk = self.repo.revwalk().map_err(e)?;
        walk.push(tip).map_err(e)?;
        walk.simplify_first_parent().map_err(e)?;
        for oid in walk {
            let c = self.repo.find_commit(oid.map_err(e)?).map_err(e)?;
            let message = String::from_utf8_lossy(c.message_bytes());
            if !visit(c.id(), &message) {
                return Ok(false);
            }
        }
        Ok(self.repo.is_shallow())
    }

    /// The commit `spec` names: a full or abbreviated id (at least 7 hex digits) this
    /// repository has.
    pub(crate) fn resolve_commit(&self, spec: &str) -> Result<Oid> {
        let spec = spec.trim();
        if spec.len() < 7 || spec.len() > 40 || !spec.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(super::err(
                super::ErrorKind::NotFound,
                "a commit id is 7 to 40 hex digits: give the one the push printed (`git log` shows them)",
            ));
        }
        self.repo
            .revparse_single(spec)
            .and_then(|o| o.peel_to_commit())
            .map(|c| c.id())
            .map_err(|e| {
                super::err(
                    super::ErrorKind::NotFound,
                    format!(
                        "no such commit in the history fetched here ({}); check the id, or fetch the whole history (--depth 0)",
                        e.message()
                    ),
                )
            })
    }

    /// Whether this repository has the commit `oid`.
    pub(crate) fn has_commit(&self, oid: Oid) -> bool {
        self.repo.find_commit(oid).is_ok()
    }

    /// Whether `tip` is `commit` or a descendant of it (both in this repository).
    pub(crate) fn reaches(&self, tip: Oid, commit: Oid) -> bool {
        tip == commit || self.repo.graph_descendant_of(tip, commit).unwrap_or(false)
    }

    /// Who made `commit`, when, and its message.
    pub(crate) fn commit_info(&self, commit: Oid) -> Result<CommitInfo> {
        let c = self
            .repo
            .find_commit(commit)
            .map_err(|x| git_err("cannot read a commit", &x, &self.creds))?;
        let author = c.author();
        Ok(CommitInfo {
            author: format!(
                "{} <{}>",
                String::from_utf8_lossy(author.name_bytes()),
                String::from_utf8_lossy(author.email_bytes())
            ),
            time: c.time().seconds(),
            message: String::from_utf8_lossy(c.message_bytes()).into_owned(),
        })
    }

    /// The tree of `commit` and its first parent (none for a root commit).
    pub(crate) fn tree_and_parent(&self, commit: Oid) -> Result<(Oid, Option<Oid>)> {
        let c = self
            .repo
            .find_commit(commit)
            .map_err(|x| git_err("cannot read a commit", &x, &self.creds))?;
        Ok((c.tree_id(), c.parent_id(0).ok()))
    }

    /// The parents `commit` names in its own bytes: a shallow clone's boundary hides them
    /// from [`Workspace::tree_and_parent`], not from the object.
    pub(crate) fn parents_written(&self, commit: Oid) -> Result<Vec<Oid>> {
        let odb = self
            .repo
            .odb()
            .map_err(|x| git_err("cannot read the object database", &x, &self.creds))?;
        let object = odb
            .read(commit)
            .map_err(|x| git_err("cannot read a commit", &x, &self.creds))?;
        let text = String::from_utf8_lossy(object.data());
        Ok(text
            .lines()
            .take_while(|l| !l.is_empty())
            .filter_map(|l| l.strip_prefix("parent "))
            .filter_map(|p| Oid::from_str(p.trim()).ok())
            .collect())
    }

    /// Whether the history of this repository is cut short (a shallow clone or checkout).
    pub(crate) fn is_shallow(&self) -> bool {
        self.repo.is_shallow()
    }

    /// Walks the first-parent history of the branch, newest first, and calls `visit` with each
    /// version of `path`: the commit that introduced it, its time, its content. `visit` returns
    /// whether to go on, so a caller that needs two versions reads two, not the whole history.
    pub(crate) fn history(
        &self,
        path: &str,
        mut visit: impl FnMut(Oid, i64, &[u8]) -> bool,
    ) -> Result<()> {
        let e = |x: git2::Error| git_err("cannot walk the history", &x, &self.creds);
        let mut walk = self.repo.revwalk().map_err(e)?;
        walk.push(self.tip()?).map_err(e)?;
        walk.simplify_first_parent().map_err(e)?;
        // The previous (newer) commit, as (commit, time, blob): where the version changes, it is
        // the oldest commit of its run, the one that introduced its version.
        let mut newer: Option<(Oid, i64, Option<Oid>)> = None;
        let mut emit = |(commit, time, blob): (Oid, i64, Option<Oid>)| -> bool {
            match blob.and_then(|b| self.repo.find_blob(b).ok()) {
                Some(content) => visit(commit, time, content.content()),
                None => true,
            }
        };
        for oid in walk {
            let c = self.repo.find_commit(oid.map_err(e)?).map_err(e)?;
            let blob = c
                .tree()
                .ok()
                .and_then(|t| t.get_path(Path::new(path)).ok())
                .map(|x| x.id());
            if let Some(n) = newer {
                if n.2 != blob && !emit(n) {
                    return Ok(());
                }
            }
            newer = Some((c.id(), c.time().seconds(), blob));
        }
        if let Some(oldest) = newer {
            emit(oldest);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::fixture;

    #[test]
    fn reads_files_and_refuses_what_is_not_one() {
        let (dir, repo, _) = fixture::checkout(&[("d/m.yaml", "kind: Pod\n")]);
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("d/m.yaml", dir.path().join("link.yaml")).unwrap();
            std::os::unix::fs::symlink("d", dir.path().join("linkdir")).unwrap();
            let mut index = repo.index().unwrap();
            index.add_path(Path::new("link.yaml")).unwrap();
            index.add_path(Path::new("linkdir")).unwrap();
            index.write().unwrap();
            let head = repo.head().unwrap().target().unwrap();
            fixture::commit_files(&repo, &[], &[head]);
        }
        let ws = Workspace::open(dir.path(), None).unwrap();
        let tip = ws.tip().unwrap();
        assert_eq!(ws.read(tip, "d/m.yaml").unwrap().unwrap(), b"kind: Pod\n");
        assert_eq!(ws.read(tip, "d/none.yaml").unwrap(), None);
        let refused = |p: &str| ws.read(tip, p).unwrap_err();
        assert_eq!(refused("d").kind, ErrorKind::Refused);
        assert!(refused("d").message.contains("is a directory"));
        #[cfg(unix)]
        {
            assert!(refused("link.yaml").message.contains("symbolic link"));
            let through = refused("linkdir/m.yaml");
            assert!(
                through.message.contains("linkdir is a symbolic link"),
                "{through}"
            );
        }
        let mut names = ws.list_dir(tip, "").unwrap();
        names.sort();
        assert!(names.contains(&("d".to_string(), true)));
        assert_eq!(
            ws.list_dir(tip, "d").unwrap(),
            [("m.yaml".to_string(), false)]
        );
        assert!(ws.list_dir(tip, "missing").unwrap().is_empty());
    }

    #[test]
    fn history_gives_each_version_with_the_commit_that_introduced_it() {
        let (dir, repo, first) = fixture::checkout(&[("m.yaml", "v1\n")]);
        let same = fixture::commit_files(&repo, &[("other.txt", "x\n")], &[first]);
        let second = fixture::commit_files(&repo, &[("m.yaml", "v2\n")], &[same]);
        let third = fixture::commit_files(&repo, &[("m.yaml", "v3\n")], &[second]);
        let ws = Workspace::open(dir.path(), None).unwrap();
        let mut seen = Vec::new();
        ws.history("m.yaml", |c, _, text| {
            seen.push((c, String::from_utf8_lossy(text).into_owned()));
            true
        })
        .unwrap();
        let want = [(third, "v3\n"), (second, "v2\n"), (first, "v1\n")];
        let want: Vec<_> = want.iter().map(|(c, t)| (*c, t.to_string())).collect();
        assert_eq!(seen, want);
        // The visitor stops the walk.
        let mut count = 0;
        ws.history("m.yaml", |_, _, _| {
            count += 1;
            false
        })
        .unwrap();
        assert_eq!(count, 1);
    }
}
