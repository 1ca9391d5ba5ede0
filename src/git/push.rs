//! Pushing one commit to the branch, never forcing, and what a rejection means: a moved branch
//! (fetch and try again), a cut connection (find out whether it landed), or a refusal by the
//! server (a hook, a protected branch), which is shown with the server's own words.

use std::cell::{Cell, RefCell};
use std::path::PathBuf;
use std::rc::Rc;

use git2::{ErrorCode, Oid, PushOptions, Repository};

use super::{err, git_err, is_network, local, ErrorKind, Push, PushTo, Result, Workspace};

impl Workspace {
    /// Pushes `commit` to the remote branch. Never forces: a moved branch is [`Push::Moved`]; a
    /// refusal by the server (a hook, a protected branch) is an [`ErrorKind::Rejected`] error.
    #[cfg(test)]
    pub(crate) fn push(&mut self, commit: Oid) -> Result<Push> {
        self.push_with(commit, &PushTo::default())
    }

    /// Pushes `commit` as `to` says: to the branch (as [`Workspace::push`]) or to a new branch,
    /// with push options.
    pub(crate) fn push_with(&mut self, commit: Oid, to: &PushTo) -> Result<Push> {
        if self.remote.is_none() {
            let remote = self.upstream().unwrap_or("origin");
            return Err(err(
                ErrorKind::Other,
                format!(
                    "branch {} has no remote to push to (there is no remote `{remote}`); the commit is made locally",
                    self.branch
                ),
            )
            .with_hint(format!(
                "add one with `git remote add {remote} URL` and push, or pass --no-push"
            )));
        }
        let (pushed, published) = self.push_to(commit, &self.push_url()?, to)?;
        if let Some((said, listed)) = published {
            self.note_listed(&listed);
            self.requests.published = Some(said);
        }
        if pushed == Push::Landed && self.is_open() && to.branch.is_none() {
            // As `git push` does: the remote-tracking branch names what the remote now has, so
            // `git status` does not show the checkout ahead, and `git reset --hard origin/main`
            // keeps the bump.
            let tracking = self.tracking_ref();
            // Under git's lock on it, noted first (a run killed here leaves no stale lock).
            self.note_intent(&format!("{tracking}.lock"));
            self.repo
                .reference(&tracking, commit, true, "imgbump: push")
                .map_err(|e| git_err(&format!("cannot update {tracking}"), &e, &self.creds))?;
        }
        Ok(pushed)
    }

    /// Where a push goes: the remote's URL, or for a remote on this machine its own
    /// `git receive-pack`, as `git push` does. That process takes and releases the ref's lock
    /// and runs the remote's hooks and policy, whatever happens to imgbump (a SIGKILL
    /// included), so nothing imgbump does can leave the remote locked for the next push, git's
    /// or imgbump's. (Writing the ref directly cost 16 ms a bump instead of 35, and a run
    /// killed while holding the ref's lock left it for good.)
    pub(super) fn push_url(&self) -> Result<String> {
        if self.local_remote_path().is_none() {
            return Ok(self.url().to_string());
        }
        let remote = self.open_local_remote()?;
        local::register();
        let dir = remote
            .path()
            .canonicalize()
            .unwrap_or_else(|_| remote.path().to_path_buf());
        Ok(format!("{}://{}", local::SCHEME, dir.display()))
    }

    /// The remote's directory, when the remote is on this machine (`file://` or a path).
    pub(super) fn local_remote_path(&self) -> Option<PathBuf> {
        self.remote_url()?.local_path().map(PathBuf::from)
    }

    /// The remote on this machine (`file://` or a path), opened; an error says which and
    /// what to check when it is not a repository.
    pub(super) fn open_local_remote(&self) -> Result<Repository> {
        let path = self.local_remote_path().unwrap_or_default();
        Repository::open(&path).map_err(|e| {
            let mut e = git_err(
                &format!(
                    "cannot open the remote {} (check that {} is a Git repository, or the remote's URL)",
                    self.url(),
                    path.display()
                ),
                &e,
                &self.creds,
            );
            // Not there, and not to be tried again.
            if e.kind == ErrorKind::Unreachable {
                e.kind = ErrorKind::NotFound;
            }
            e
        })
    }

    /// The push, and what the remote said to the request published instead when the branch
    /// had moved ([`PushTo::or_publish`]) with the refs it advertised.
    fn push_to(&self, commit: Oid, url: &str, to: &PushTo) -> Result<(Push, Published)> {
        let remote_ref = format!(
            "refs/heads/{}",
            to.branch.as_deref().unwrap_or(&self.remote_branch)
        );
        let parent = self
            .repo
            .find_commit(commit)
            .and_then(|c| c.parent_id(0))
            .map_err(|e| git_err("cannot read the commit", &e, &self.creds))?;
        let heard = Heard::default();
        let mut opts = PushOptions::new();
        // A new branch must not exist yet: its old value is zero.
        let expected = if to.branch.is_some() {
            Oid::ZERO_SHA1
        } else {
            parent
        };
        opts.remote_callbacks(self.push_callbacks(expected, &remote_ref, &heard));
        let options: Vec<&str> = to.options.iter().map(String::as_str).collect();
        if !options.is_empty() {
            opts.remote_push_options(&options);
        }
        // The commit by its id: no ref is written here. A clone keeps new objects in memory
        // (see `clone::open_clone`), and a ref on disk naming one would outlive a killed run
        // and break every later run of a `--cache-dir`.
        let mut refspecs = vec![format!("{commit}:{remote_ref}")];
        let requests = super::requests::prefix_of(&self.remote_branch);
        refspecs.extend(to.drop_requests.iter().map(|id| format!(":{requests}{id}")));
        let specs: Vec<&str> = refspecs.iter().map(String::as_str).collect();
        let mut remote = self.anonymous_remote_at(url)?;
        // Connected first: a connection that cannot be opened sent nothing, and is tried again
        // as it is (no fetch to find out what landed); and the advertisement says whether the
        // branch is still where the commit was built, for a request published instead.
        let connected = remote.connect_auth(
            git2::Direction::Push,
            Some(self.callbacks("push", None)),
            None,
        );
        let mut conn = match connected {
            Ok(conn) => conn,
            Err(e) if is_network(&e) => {
                return Ok((Push::Unconnected(self.creds.redact(e.message())), None))
            }
            Err(e) => return Ok((self.judge(Err(e), &heard)?, None)),
        };
        let publish = to.or_publish.as_ref().filter(|_| to.branch.is_none());
        let Some((id, message)) = publish else {
            let result = conn.remote().push(&specs, Some(&mut opts));
            drop(conn);
            return Ok((self.judge(result, &heard)?, None));
        };
        let listed: Vec<(String, Oid)> = conn
            .list()
            .map(|l| l.iter().map(|h| (h.name().to_string(), h.oid())).collect())
            .unwrap_or_default();
        let now = listed
            .iter()
            .find(|(n, _)| *n == remote_ref)
            .map(|(_, o)| *o);
        if now.is_some_and(|now| now != expected) {
            // The request's commit is made only now: a push that lands leaves nothing of it
            // (a checkout's object store included). A cut connection may or may not have
            // published it: the batch publishes it again.
            let request = self.request_spec(id, message)?;
            let said = self.push_refs_on(conn.remote(), &[request]).ok();
            return Ok((Push::Moved, said.map(|said| (said, listed))));
        }
        let result = conn.remote().push(&specs, Some(&mut opts));
        drop(conn);
        Ok((self.judge(result, &heard)?, None))
    }

    /// The remote has no branch to push to: deleted since the fetch (a clone), or never made
    /// (a checkout's branch with no upstream). imgbump does not create branches.
    fn missing_branch(&self) -> super::Error {
        if let Some(remote) = self.upstream() {
            return err(
                ErrorKind::NotFound,
                format!(
                    "the branch {} does not exist on {}; nothing was pushed",
                    self.remote_branch, self.url()
                ),
            )
            .with_hint(format!(
                "the local branch {} has nowhere to go on the remote; imgbump does not create branches: push it once yourself (`git push -u {remote} {}`), or pass --branch",
                self.branch, self.branch
            ));
        }
        err(
            ErrorKind::NotFound,
            format!(
                "the branch {} no longer exists on {}; nothing was pushed (imgbump does not create branches)",
                self.remote_branch, self.url()
            ),
        )
    }

    /// The callbacks of a push: credentials and progress, and what the server says is kept in
    /// `heard`. Before any pack is sent, the branch must still exist and still be at `parent`,
    /// the commit we built on; otherwise the push is aborted, and `heard` says which, instead
    /// of creating a deleted branch again or sending a pack the server will refuse.
    fn push_callbacks(
        &self,
        parent: Oid,
        remote_ref: &str,
        heard: &Heard,
    ) -> git2::RemoteCallbacks<'_> {
        let mut cb = self.callbacks("push", None);
        let status = heard.status.clone();
        let ours = remote_ref.to_string();
        cb.push_update_reference(move |name, msg| {
            // Only the branch's status: a request ref deleted alongside says nothing of it.
            if let (Some(m), true) = (msg, name == ours) {
                *status.borrow_mut() = Some(m.to_string());
            }
            Ok(())
        });
        let branch = heard.branch.clone();
        let ours = remote_ref.to_string();
        cb.push_negotiation(move |updates| {
            for u in updates {
                if u.dst_refname().ok() != Some(ours.as_str()) {
                    continue;
                }
                if parent.is_zero() {
                    // A new branch: it must not exist.
                    if !u.src().is_zero() {
                        branch.set(Some(BranchWas::There(u.src())));
                        return Err(git2::Error::from_str("the branch exists on the remote"));
                    }
                    continue;
                }
                if u.src().is_zero() {
                    branch.set(Some(BranchWas::Deleted));
                    return Err(git2::Error::from_str(
                        "the branch no longer exists on the remote",
                    ));
                }
                if u.src() != parent {
                    branch.set(Some(BranchWas::Moved));
                    return Err(git2::Error::from_str("the branch moved on the remote"));
                }
            }
            Ok(())
        });
        let text = heard.remote_text.clone();
        cb.sideband_progress(move |data| {
            text.borrow_mut().push_str(&String::from_utf8_lossy(data));
            true
        });
        cb
    }

    /// What a push came to, from libgit2's result and what the server said.
    fn judge(&self, result: std::result::Result<(), git2::Error>, heard: &Heard) -> Result<Push> {
        let remote_text = heard.remote_text.borrow().trim().to_string();
        match heard.branch.get() {
            Some(BranchWas::Moved) => return Ok(Push::Moved),
            Some(BranchWas::Deleted) => return Err(self.missing_branch()),
            Some(BranchWas::There(at)) => return Ok(Push::Exists(at)),
            None => {}
        }
        match result {
            Err(e) if e.code() == ErrorCode::NotFastForward => Ok(Push::Moved),
            Err(e) if is_network(&e) => Ok(Push::Interrupted(self.creds.redact(e.message()))),
            Err(e) => {
                let mut x = git_err(&format!("push to {} failed", self.url()), &e, &self.creds);
                if !remote_text.is_empty() {
                    x.message
                        .push_str(&format!("\nremote: {}", self.creds.redact(&remote_text)));
                }
                Err(x)
            }
            Ok(()) => match heard.status.borrow().clone() {
                None => Ok(Push::Landed),
                Some(m) => match held_lock(&m, &remote_text) {
                    Some(path) => Ok(Push::Locked(path)),
                    None => self.refused(m, &remote_text),
                },
            },
        }
    }

    /// A refused update: a lost race is [`Push::Moved`], anything else the remote's refusal.
    fn refused(&self, m: String, remote_text: &str) -> Result<Push> {
        match m {
            m if is_race(&m, remote_text) => Ok(Push::Moved),
            m => {
                let mut msg = format!("the remote {} rejected the push: {m}", self.url());
                if !remote_text.is_empty() {
                    msg.push_str(&format!(
                        "\nremote: {}",
                        remote_text.replace('\n', "\nremote: ")
                    ));
                }
                Err(err(ErrorKind::Rejected, self.creds.redact(&msg)))
            }
        }
    }
}

/// What the remote said to a request published in place of a push, with the refs it listed.
type Published = Option<(super::RefPush, Vec<(String, Oid)>)>;

/// Where the branch was when a push negotiated, if not where we built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BranchWas {
    Moved,
    Deleted,
    /// A new branch's name is taken, at this commit.
    There(Oid),
}

/// What the server told a push, gathered by its callbacks.
#[derive(Default)]
struct Heard {
    /// The per-ref status: `None` when the ref was updated.
    status: Rc<RefCell<Option<String>>>,
    /// Set when negotiation found the branch elsewhere.
    branch: Rc<Cell<Option<BranchWas>>>,
    /// The server's sideband text (hook output, race messages).
    remote_text: Rc<RefCell<String>>,
}

/// The lock file that kept the remote from updating the branch, when that is why it refused:
/// git's receive-pack says `failed to update ref` (up to 2.47; `cannot lock ref` later) and, on
/// its `error:` line, `cannot lock ref '…': Unable to create '…/refs/heads/main.lock': File
/// exists.`
fn held_lock(status: &str, remote_text: &str) -> Option<String> {
    static LOCKED: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"^error: cannot lock ref '[^']+': Unable to create '([^']+\.lock)': File exists\.?$",
        )
        .expect("a valid pattern")
    });
    let status = status.trim();
    if status != "failed to update ref" && !status.starts_with("cannot lock ref") {
        return None;
    }
    let from_status = format!("error: {status}");
    std::iter::once(from_status.as_str())
        .chain(remote_text.lines())
        .find_map(|l| {
            let l = l.trim_end();
            let l = l.strip_prefix("remote: ").unwrap_or(l);
            Some(LOCKED.captures(l)?.get(1)?.as_str().to_string())
        })
}

/// Whether a refused update lost a race: the branch moved between the server's advertisement
/// and its update. Decided from the server's per-ref `status` (`ng <ref> <status>`), matched
/// whole, never from free text, so that a hook's words can never pass for a race:
/// - `fetch first`, `non-fast-forward`: the old value is not the branch's;
/// - `cannot lock ref '…': is at X but expected Y`: GitHub's (and some servers') lost update;
/// - `incorrect old value provided`: GitLab's and git 2.48's;
/// - `failed to update ref`: git's generic status up to 2.47, a race only when the one
///   `error:` line git's receive-pack printed for it says so (`cannot lock ref '…': is at X
///   but expected Y`, or the ref's lock file held by a concurrent push).
///
/// A hook's refusal has its own statuses (`pre-receive hook declined`, `hook declined`), so it
/// is never a race, whatever its text says.
fn is_race(status: &str, remote_text: &str) -> bool {
    static STATUS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"^(fetch first|non-fast-forward|incorrect old value provided|cannot lock ref '[^']+': is at [0-9a-f]{40,64} but expected [0-9a-f]{40,64})$",
        )
        .expect("a valid pattern")
    });
    static GIT_LINE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"^error: cannot lock ref '[^']+': (is at [0-9a-f]{40,64} but expected [0-9a-f]{40,64}|Unable to create '[^']+\.lock': File exists\.?)$",
        )
        .expect("a valid pattern")
    });
    let status = status.trim();
    STATUS.is_match(status)
        || status == "failed to update ref"
            && remote_text.lines().any(|l| GIT_LINE.is_match(l.trim_end()))
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::{fixture, FileChange};

    #[test]
    fn a_held_lock_is_told_from_a_race_with_its_path() {
        let held = "remote: error: cannot lock ref 'refs/heads/main': Unable to create '/srv/isa.git/refs/heads/main.lock': File exists.\nremote: \nremote: Another git process seems to be running";
        assert_eq!(
            held_lock("failed to update ref", held).as_deref(),
            Some("/srv/isa.git/refs/heads/main.lock")
        );
        // As the status itself (git 2.48 and later).
        assert_eq!(
            held_lock(
                "cannot lock ref 'refs/heads/main': Unable to create '/srv/x/refs/heads/main.lock': File exists.",
                ""
            )
            .as_deref(),
            Some("/srv/x/refs/heads/main.lock")
        );
        // A moved branch, a hook's words: no lock.
        let x = "1".repeat(40);
        let moved = format!("error: cannot lock ref 'refs/heads/main': is at {x} but expected {x}");
        assert_eq!(held_lock("failed to update ref", &moved), None);
        assert_eq!(held_lock("pre-receive hook declined", held), None);
    }

    #[test]
    fn only_the_servers_race_messages_mean_a_moved_branch() {
        let (x, y) = ("1".repeat(40), "2".repeat(40));
        let github = format!("cannot lock ref 'refs/heads/main': is at {x} but expected {y}");
        for status in [
            "fetch first",
            "non-fast-forward",
            "incorrect old value provided",
            github.as_str(),
        ] {
            assert!(is_race(status, ""), "{status}");
        }
        // git up to 2.47: a generic status, and the reason on its own `error:` line.
        let moved = format!("error: {github}\n");
        assert!(is_race("failed to update ref", &moved));
        let locked = "error: cannot lock ref 'refs/heads/main': Unable to create '/srv/isa.git/refs/heads/main.lock': File exists.";
        assert!(is_race("failed to update ref", locked));
        assert!(!is_race(
            "failed to update ref",
            "error: object file is empty"
        ));
        // A hook's refusal is never a race, whatever its words.
        for hook in ["pre-receive hook declined", "hook declined"] {
            assert!(!is_race(hook, &moved), "{hook}");
            assert!(!is_race(hook, "non-fast-forward, fetch first"), "{hook}");
        }
        // Only whole statuses count.
        for near in [
            "non-fast-forward (a hook says)",
            "protected branch: fetch first",
            "",
            "cannot lock ref 'refs/heads/main': is at 1111 but expected 2222",
        ] {
            assert!(!is_race(near, ""), "{near}");
        }
        // A hook echoing git's line, inside its own text, is not git's line.
        assert!(!is_race(
            "failed to update ref",
            &format!("hook says: error: {github}")
        ));
    }

    #[test]
    fn a_local_push_lands_once_and_a_stale_one_is_moved() {
        let fixture::Cloned {
            base,
            remote,
            mut ws,
            ..
        } = fixture::cloned(&[("m.yaml", "a\n")]);
        let sig = git2::Signature::now("T", "t@localhost").unwrap();
        let change = |text: &str| FileChange {
            path: "m.yaml".into(),
            content: text.as_bytes().to_vec(),
        };
        let first = ws.commit(base, &[change("b\n")], "b\n", &sig).unwrap();
        let stale = ws.commit(base, &[change("c\n")], "c\n", &sig).unwrap();
        assert_eq!(ws.push(first).unwrap(), Push::Landed);
        let bare = Repository::open_bare(remote.path()).unwrap();
        assert_eq!(bare.refname_to_id("refs/heads/main").unwrap(), first);
        assert_eq!(ws.push(stale).unwrap(), Push::Moved);
        assert_eq!(bare.refname_to_id("refs/heads/main").unwrap(), first);
    }

    #[test]
    fn a_checkout_without_a_remote_says_how_to_add_one() {
        let (dir, _repo, base) = fixture::checkout(&[("m.yaml", "a\n")]);
        let mut ws = Workspace::open(dir.path(), None).unwrap();
        let e = ws.push(base).unwrap_err();
        assert!(
            e.hint
                .as_deref()
                .is_some_and(|h| h.contains("git remote add origin URL")),
            "{e}"
        );
    }
}
