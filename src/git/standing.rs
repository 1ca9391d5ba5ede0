//! Where a checkout stands against its remote: the local branch, its upstream (the
//! remote-tracking ref, as last fetched), how many commits each has that the other has not,
//! and what the local branch's unpushed commits change. And taking back a commit this run put
//! on the local branch when the run ends with nothing pushed.

use git2::Oid;

use super::{err, git_err, ErrorKind, FileChange, Result, Workspace};

/// How many unpushed commits a message names (with "…" after).
const NAMED: usize = 3;

/// Where a local branch stands against its upstream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Standing {
    /// The local branch, `main`.
    pub branch: String,
    /// Its upstream as git names it, `origin/main`.
    pub upstream: String,
    /// The local branch's commit.
    pub local: Oid,
    /// The upstream's commit, as last fetched.
    pub remote: Oid,
    /// Commits on the local branch that the upstream has not (unpushed).
    pub ahead: usize,
    /// Commits on the upstream that the local branch has not (not yet pulled).
    pub behind: usize,
    /// The first unpushed commits, newest first, as `abc1234 subject`.
    pub unpushed: Vec<String>,
    /// The files the unpushed commits change (against the commit both branches share).
    pub unpushed_paths: Vec<String>,
}

impl Standing {
    /// The local branch and its upstream are at the same commit.
    pub(crate) fn up_to_date(&self) -> bool {
        self.ahead == 0 && self.behind == 0
    }

    /// Each has commits the other has not.
    #[cfg(test)]
    pub(crate) fn diverged(&self) -> bool {
        self.ahead > 0 && self.behind > 0
    }

    /// Where the branch stands, in words: "main is 2 commits behind origin/main", "main has 1
    /// commit that origin/main has not (abc1234 add config)", both when diverged.
    pub(crate) fn describe(&self) -> String {
        let behind = format!(
            "{} commit{} behind {} ({})",
            self.behind,
            plural(self.behind),
            self.upstream,
            crate::git::short_id(&self.remote)
        );
        let ahead = format!(
            "{} commit{} that {} has not ({}{})",
            self.ahead,
            plural(self.ahead),
            self.upstream,
            self.unpushed.join(", "),
            if self.ahead > self.unpushed.len() {
                ", …"
            } else {
                ""
            }
        );
        match (self.ahead, self.behind) {
            (0, 0) => format!(
                "{} is at {} ({})",
                self.branch,
                self.upstream,
                crate::git::short_id(&self.local)
            ),
            (0, _) => format!("the local branch {} is {behind}", self.branch),
            (_, 0) => format!("the local branch {} has {ahead}", self.branch),
            _ => format!(
                "the local branch {} has diverged from {}: it is {behind} and has {ahead}",
                self.branch, self.upstream
            ),
        }
    }

    /// The files among `.imgbump.yaml` and `paths` that the unpushed commits change: what a
    /// run on the upstream's tip does not see.
    pub(crate) fn unpushed_change(&self, paths: &[&str]) -> Vec<String> {
        self.unpushed_paths
            .iter()
            .filter(|p| *p == ".imgbump.yaml" || paths.contains(&p.as_str()))
            .cloned()
            .collect()
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

impl Workspace {
    /// Open mode: where the local branch stands against its upstream as last fetched (its
    /// remote-tracking ref, such as `refs/remotes/origin/main`). `None` in clone mode, or
    /// when the branch or the remote-tracking ref does not exist.
    pub(crate) fn standing(&self) -> Option<Standing> {
        let name = self.upstream()?;
        let local = self
            .repo
            .refname_to_id(&format!("refs/heads/{}", self.branch))
            .ok()?;
        let tracking = self.tracking_ref();
        let remote = self.repo.refname_to_id(&tracking).ok()?;
        let (ahead, behind) = self.repo.graph_ahead_behind(local, remote).ok()?;
        let mut s = Standing {
            branch: self.branch.clone(),
            upstream: format!("{name}/{}", self.remote_branch),
            local,
            remote,
            ahead,
            behind,
            unpushed: Vec::new(),
            unpushed_paths: Vec::new(),
        };
        if ahead > 0 {
            s.unpushed = self.unpushed(local, remote);
            if let Ok(base) = self.repo.merge_base(local, remote) {
                s.unpushed_paths = self.paths_changed(base, local);
            }
        }
        Some(s)
    }

    /// The first commits on `local` that `remote` has not, newest first, as `abc1234 subject`.
    fn unpushed(&self, local: Oid, remote: Oid) -> Vec<String> {
        let Ok(mut walk) = self.repo.revwalk() else {
            return Vec::new();
        };
        if walk.push(local).and_then(|_| walk.hide(remote)).is_err() {
            return Vec::new();
        }
        walk.filter_map(|id| id.ok())
            .take(NAMED)
            .map(|id| {
                let subject = self
                    .repo
                    .find_commit(id)
                    .ok()
                    .and_then(|c| c.summary().ok().flatten().map(str::to_string))
                    .unwrap_or_default();
                let subject: String = subject.chars().take(60).collect();
                format!(
                    "{} {}",
                    crate::git::short_id(&id),
                    crate::reference::shown_up_to(&subject, 80)
                )
            })
            .collect()
    }

    /// Open mode: takes back the commit this run put on the local branch (`parent` →
    /// `commit`) when the run ends with nothing pushed: each changed file that holds what the
    /// run wrote is put back, in the work tree and the index, and the branch moved back to
    /// `parent`. An error, with nothing moved, when the branch is no longer at `commit` or a
    /// file was changed since.
    pub(crate) fn take_back(&self, parent: Oid, commit: Oid) -> Result<()> {
        let head_ref = format!("refs/heads/{}", self.branch);
        if self.repo.refname_to_id(&head_ref).ok() != Some(commit) {
            return Err(err(
                ErrorKind::Refused,
                format!(
                    "the branch {} is no longer at {}",
                    self.branch,
                    crate::git::short_id(&commit)
                ),
            ));
        }
        let paths = self.paths_changed(parent, commit);
        if self.head_is(&head_ref) {
            let workdir = self.workdir()?;
            let mut back = Vec::new();
            for path in &paths {
                let form = |at: Oid| {
                    self.read(at, path)
                        .ok()
                        .flatten()
                        .map(|b| self.worktree_form(path, &b).into_owned())
                };
                let now = super::checkout::read_worktree(&workdir, path)?;
                if now != form(commit) || form(parent).is_none() {
                    return Err(err(
                        ErrorKind::Refused,
                        format!("{path} has changed since imgbump wrote it"),
                    ));
                }
                back.push((path.clone(), form(parent).unwrap_or_default()));
            }
            // Recorded before the first file is written, and the index staged before the
            // branch moves: a run killed anywhere before the move leaves an edit the next run
            // puts back (the branch still at `commit`), never an index behind its branch.
            self.note_edit(commit, parent);
            for (path, old) in &back {
                super::checkout::write_worktree(&workdir, path, old, Some(self.repo.path()))?;
            }
            let staged: Vec<FileChange> = paths
                .into_iter()
                .map(|path| FileChange {
                    path,
                    content: Vec::new(),
                })
                .collect();
            self.stage_with_libgit2(&staged)?;
        }
        self.move_ref(
            &head_ref,
            commit,
            parent,
            "imgbump: nothing pushed, commit taken back",
        )
        .map_err(|e| git_err("cannot move the branch back", &e, &self.creds))?;
        Ok(())
    }
}

impl Workspace {
    /// Open mode: whether the branch commits go on is the one checked out (HEAD), so that the
    /// work tree holds its files. Not so for `--branch main` run from another branch.
    pub(crate) fn on_branch(&self) -> bool {
        self.is_open() && self.head_is(&format!("refs/heads/{}", self.branch))
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;

    #[test]
    fn a_branch_behind_ahead_or_diverged_is_described_as_it_is() {
        let (dir, repo, base) = fixture::checkout(&[("m.yaml", "a\n")]);
        let theirs = fixture::commit_files(&repo, &[("m.yaml", "theirs\n")], &[base]);
        let at = |local: Oid, remote: Oid| {
            repo.reference("refs/heads/main", local, true, "t").unwrap();
            repo.reference("refs/remotes/origin/main", remote, true, "t")
                .unwrap();
            Workspace::open(dir.path(), None)
                .unwrap()
                .standing()
                .unwrap()
        };
        let s = at(base, base);
        assert!(s.up_to_date() && !s.diverged());
        let s = at(base, theirs);
        assert_eq!((s.ahead, s.behind), (0, 1));
        assert!(
            s.describe().contains("main is 1 commit behind origin/main"),
            "{s:?}"
        );
        let mine = fixture::commit_files(
            &repo,
            &[(".imgbump.yaml", "services: {}\n"), ("m.yaml", "a\n")],
            &[base],
        );
        let s = at(mine, base);
        assert_eq!((s.ahead, s.behind), (1, 0));
        assert_eq!(s.unpushed_paths, [".imgbump.yaml"]);
        assert_eq!(s.unpushed_change(&[]), [".imgbump.yaml"]);
        assert!(
            s.describe()
                .contains("has 1 commit that origin/main has not"),
            "{s:?}"
        );
        let s = at(mine, theirs);
        assert!(s.diverged());
        assert!(
            s.describe().contains("has diverged from origin/main"),
            "{s:?}"
        );
        // No remote-tracking ref: not known.
        repo.find_reference("refs/remotes/origin/main")
            .unwrap()
            .delete()
            .unwrap();
        assert!(Workspace::open(dir.path(), None)
            .unwrap()
            .standing()
            .is_none());
    }

    #[test]
    fn a_commit_is_taken_back_only_when_nothing_changed_since() {
        let (dir, repo, base) = fixture::checkout(&[("m.yaml", "a\n"), ("n.yaml", "b\n")]);
        let ws = Workspace::open(dir.path(), None).unwrap();
        let sig = git2::Signature::now("T", "t@localhost").unwrap();
        let changes = [FileChange {
            path: "m.yaml".into(),
            content: b"A\n".to_vec(),
        }];
        let commit = ws.commit(base, &changes, "m\n", &sig).unwrap();
        ws.apply_local(base, commit, &changes).unwrap();
        ws.take_back(base, commit).unwrap();
        assert_eq!(repo.head().unwrap().target(), Some(base));
        assert_eq!(std::fs::read(dir.path().join("m.yaml")).unwrap(), b"a\n");
        assert!(repo.statuses(None).unwrap().is_empty(), "not clean");
        // A file changed after imgbump wrote it: nothing is moved.
        ws.apply_local(base, commit, &changes).unwrap();
        std::fs::write(dir.path().join("m.yaml"), "mine\n").unwrap();
        assert!(ws.take_back(base, commit).is_err());
        assert_eq!(repo.head().unwrap().target(), Some(commit));
        assert_eq!(std::fs::read(dir.path().join("m.yaml")).unwrap(), b"mine\n");
    }
}
