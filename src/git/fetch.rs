//! Fetching the branch: over one connection that also names the remote's default branch, or,
//! for a local remote whose objects are borrowed, by reading its refs.

use git2::{AutotagOption, Direction, FetchOptions, Oid};

use super::{err, git_err, trim, ErrorKind, Mode, Result, Workspace};

impl Workspace {
    /// "Fetch" from a local remote whose objects we borrow: read its branch (or its HEAD's
    /// branch) and point the tracking ref at it; nothing is copied or walked.
    fn read_borrowed(&mut self, learn_default: bool) -> Result<Oid> {
        let remote = self.open_local_remote()?;
        if learn_default {
            let head = remote
                .find_reference("HEAD")
                .ok()
                .and_then(|h| h.symbolic_target().ok().flatten().map(str::to_string));
            let name = head
                .as_deref()
                .and_then(|h| h.strip_prefix("refs/heads/"))
                .unwrap_or("")
                .to_string();
            if name.is_empty() {
                return Err(err(
                    ErrorKind::NotFound,
                    format!(
                        "{} does not say which branch is its default; pass --branch",
                        self.url()
                    ),
                ));
            }
            if remote.refname_to_id(&format!("refs/heads/{name}")).is_err()
                && remote
                    .references()
                    .map(|mut r| r.next().is_none())
                    .unwrap_or(false)
            {
                return Err(err(
                    ErrorKind::NotFound,
                    format!(
                        "the repository {} is empty: it has no branch to bump; push a first commit",
                        self.url()
                    ),
                ));
            }
            self.branch.clone_from(&name);
            self.remote_branch = name;
        }
        let tip = remote
            .refname_to_id(&format!("refs/heads/{}", self.remote_branch))
            .map_err(|_| self.no_branch(super::branch_names(&remote)))?;
        let branch = self.remote_branch.clone();
        let listed: Vec<(String, Oid)> = remote
            .references_glob(&format!("{}{branch}/*", super::requests::PREFIX))
            .map(|refs| {
                refs.filter_map(|r| {
                    let r = r.ok()?;
                    Some((r.name().ok()?.to_string(), r.target()?))
                })
                .collect()
            })
            .unwrap_or_default();
        self.requests
            .note(&branch, listed.iter().map(|(n, o)| (n.as_str(), *o)));
        let tracking = self.tracking_ref();
        self.repo
            .reference(&tracking, tip, true, "imgbump: fetch")
            .map_err(|e| git_err("cannot write the tracking ref", &e, &self.creds))?;
        Ok(tip)
    }

    /// The remote-tracking ref of the remote branch: under the checkout's upstream remote, or
    /// `origin` for a clone.
    pub(super) fn tracking_ref(&self) -> String {
        let remote = self.upstream().unwrap_or("origin");
        format!("refs/remotes/{remote}/{}", self.remote_branch)
    }

    /// Whether this is a clone that borrows a local remote's objects.
    fn borrowed(&self) -> bool {
        matches!(self.mode, Mode::Clone { borrowed: true, .. })
    }

    /// Fetches more of a shallow clone's history: 64 commits, then 1,024, then all of it.
    /// Returns false when there is nothing more to fetch this way (a checkout, whose history is
    /// the user's to deepen; a full or borrowed clone).
    pub(crate) fn deepen(&mut self) -> Result<bool> {
        self.deepen_from(64)
    }

    /// [`Workspace::deepen`], whose first step is `first` commits (what is sought is likely
    /// that close: a step of 64 fetches the objects of 64 commits).
    pub(crate) fn deepen_from(&mut self, first: i32) -> Result<bool> {
        let Mode::Clone {
            borrowed: false,
            depth,
            ..
        } = &mut self.mode
        else {
            return Ok(false);
        };
        if *depth <= 0 || *depth == i32::MAX {
            return Ok(false);
        }
        *depth = match *depth {
            d if d < first => first,
            d if d < 64 => 64,
            d if d < 1024 => 1024,
            // libgit2's GIT_FETCH_DEPTH_UNSHALLOW.
            _ => i32::MAX,
        };
        self.fetch()?;
        Ok(true)
    }

    /// Fetches another branch of the remote (a push branch), if it exists, and returns its tip.
    pub(crate) fn fetch_branch(&mut self, branch: &str) -> Result<Option<Oid>> {
        let saved = std::mem::replace(&mut self.remote_branch, branch.to_string());
        let got = self.fetch();
        self.remote_branch = saved;
        match got {
            Ok(oid) => Ok(Some(oid)),
            Err(e) if e.kind == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Fetches the branch from the remote and returns its tip.
    pub(crate) fn fetch(&mut self) -> Result<Oid> {
        self.fetch_with(false)
    }

    /// A checkout's fetch at the start of a command: the first call fetches, a later one
    /// returns the tip that one fetched (a command that reads the remote's tip before its bump,
    /// such as `promote`, and the bump's own look at where the checkout stands share one
    /// fetch). A failed fetch is not kept: the next call tries again. A clone fetches.
    pub(crate) fn fetch_once(&mut self) -> Result<Oid> {
        if let Mode::Checkout {
            fetched: Some(tip), ..
        } = self.mode
        {
            return Ok(tip);
        }
        let tip = self.fetch()?;
        if let Mode::Checkout { fetched, .. } = &mut self.mode {
            *fetched = Some(tip);
        }
        Ok(tip)
    }

    /// The refs the remote advertised on `conn`; a refspec whose branch is not there fetches
    /// nothing, silently: a missing `branch` is said instead.
    fn advertised(
        &self,
        conn: &git2::RemoteConnection<'_, '_, '_>,
        branch: &str,
    ) -> Result<Vec<(String, Oid)>> {
        let listed: Vec<(String, Oid)> = conn
            .list()
            .map(|l| l.iter().map(|h| (h.name().to_string(), h.oid())).collect())
            .unwrap_or_default();
        let heads: Vec<String> = listed
            .iter()
            .filter_map(|(name, _)| name.strip_prefix("refs/heads/").map(str::to_string))
            .collect();
        if !heads.is_empty() && !heads.iter().any(|h| h == branch) {
            return Err(self.no_branch(heads));
        }
        Ok(listed)
    }

    /// Fetches the branch over one connection; with `learn_default`, the branch is the one the
    /// remote's HEAD names, read from the same connection's advertisement.
    pub(super) fn fetch_with(&mut self, learn_default: bool) -> Result<Oid> {
        let everything = |_: Oid, _: &[(String, Oid)]| (Want::Requests, ());
        Ok(self.fetch_as(learn_default, Depth::Clone, everything)?.0)
    }

    /// Reads the remote's advertisement, then fetches over the same connection what `decide`
    /// asks for, seeing the advertised tip of the branch and its requests (`(id, commit)`):
    /// `(tip, what decide said)`. Each fetch that downloads spawns a pack-objects on the
    /// server besides the connection's own process; a look that downloads nothing does not.
    /// With [`Want::Nothing`] the tip returned may not be here, and the tracking ref is left.
    ///
    /// A shallow clone's download brings every commit since what it has, not the tip alone:
    /// what is looked for (a batch's trailers) is in the commits that landed since, and a
    /// fetch of the tip alone had to be followed by another for them (two connections, where
    /// one pack of the same changes does).
    pub(crate) fn fetch_if<T>(
        &mut self,
        decide: impl FnOnce(Oid, &[(String, Oid)]) -> (Want, T),
    ) -> Result<(Oid, T)> {
        self.fetch_as(false, Depth::SinceHere, decide)
    }

    fn fetch_as<T>(
        &mut self,
        learn_default: bool,
        depth: Depth,
        decide: impl FnOnce(Oid, &[(String, Oid)]) -> (Want, T),
    ) -> Result<(Oid, T)> {
        if self.borrowed() {
            let tip = self.read_borrowed(learn_default)?;
            let (_, said) = decide(tip, &self.requests.seen);
            return Ok((tip, said));
        }
        let (branch, tracking, seen, advertised, said) = {
            let cb = self.callbacks("fetch", None);
            let mut remote = self.anonymous_remote()?;
            let mut conn = remote
                .connect_auth(Direction::Fetch, Some(cb), None)
                .map_err(|e| {
                    git_err(
                        &format!("cannot connect to {}", self.url()),
                        &e,
                        &self.creds,
                    )
                })?;
            let branch = if learn_default {
                default_name(&conn, self.url())?
            } else {
                self.remote_branch.clone()
            };
            let listed = self.advertised(&conn, &branch)?;
            let head = format!("refs/heads/{branch}");
            let advertised = listed.iter().find(|(n, _)| *n == head).map(|(_, o)| *o);
            let seen = super::requests::of_branch(&branch, &listed);
            let (want, said) = decide(advertised.unwrap_or(Oid::ZERO_SHA1), &seen);
            let tracking = if learn_default {
                format!("refs/remotes/origin/{branch}")
            } else {
                self.tracking_ref()
            };
            let download = want != Want::Nothing || advertised.is_none();
            let refspec = format!("+refs/heads/{branch}:{tracking}");
            let mut refspecs = vec![refspec.as_str()];
            // The requests' commits, named one by one (libgit2 takes no glob without a
            // destination, and no local ref is written for them).
            let requests = match want {
                Want::Branch | Want::Nothing => Vec::new(),
                Want::Requests => self.requests_to_fetch(&branch, &listed),
            };
            refspecs.extend(requests.iter().map(String::as_str));
            if download {
                self.download(conn.remote(), &refspecs, &branch, &tracking, depth)?;
            }
            (
                branch,
                tracking,
                seen,
                advertised.filter(|_| !download),
                said,
            )
        };
        // The branch's batched-bump requests, from the same advertisement.
        self.requests.seen = seen;
        if learn_default {
            self.branch.clone_from(&branch);
            self.remote_branch = branch;
        }
        if let Some(tip) = advertised {
            return Ok((tip, said));
        }
        let tip = self.repo.refname_to_id(&tracking).map_err(|_| {
            err(
                ErrorKind::NotFound,
                format!(
                    "the remote {} has no branch {}",
                    self.url(),
                    self.remote_branch
                ),
            )
        })?;
        Ok((tip, said))
    }
}

impl Workspace {
    /// Downloads `refspecs` over `remote`'s open connection (to `branch`, tracked as
    /// `tracking`) and moves the tracking ref.
    fn download(
        &self,
        remote: &mut git2::Remote<'_>,
        refspecs: &[&str],
        branch: &str,
        tracking: &str,
        depth: Depth,
    ) -> Result<()> {
        let cb = self.callbacks("fetch", Some(trim::PackTrimmer::new(self.repo.path())));
        let mut opts = FetchOptions::new();
        opts.remote_callbacks(cb)
            .download_tags(AutotagOption::None)
            .update_fetchhead(false);
        if let (Mode::Clone { depth: d, .. }, Depth::Clone) = (&self.mode, depth) {
            if *d > 0 {
                opts.depth(*d);
            }
        }
        let fetch_err = |e: git2::Error| {
            let mut e2 = git_err(
                &format!("cannot fetch branch {branch} from {}", self.url()),
                &e,
                &self.creds,
            );
            if e.message().contains("couldn't find remote ref") {
                e2.kind = ErrorKind::NotFound;
                e2 = e2.with_hint("(does the branch exist on the remote? check --branch)");
            } else if e2.kind == ErrorKind::NotFound {
                // An object missing here is a broken local repository, not a missing branch.
                e2.kind = ErrorKind::Other;
            }
            e2
        };
        remote
            .download(refspecs, Some(&mut opts))
            .map_err(fetch_err)?;
        // The tracking ref is moved under git's lock on it: noted first, so that a run killed
        // while holding it leaves nothing the next run does not remove.
        self.note_intent(&format!("{tracking}.lock"));
        remote
            .update_tips(
                None,
                git2::RemoteUpdateFlags::empty(),
                AutotagOption::None,
                Some("imgbump: fetch"),
            )
            .map_err(fetch_err)?;
        Ok(())
    }
}

/// How much history a shallow clone's fetch brings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Depth {
    /// The clone's depth from the new tip (the tip alone, for a clone of depth 1).
    Clone,
    /// Every commit since those the clone has: no deepening, its shallow ends stay where
    /// they are (libgit2 tells the server of them).
    SinceHere,
}

/// What a fetch downloads, decided from the remote's advertisement ([`Workspace::fetch_if`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    /// Nothing: the advertisement was all that was needed.
    Nothing,
    /// The branch.
    Branch,
    /// The branch and its requests' commits (once [`Workspace::want_requests`] asked for them).
    Requests,
}

impl Workspace {
    /// The remote has no branch `remote_branch`: which it has, and what to pass.
    /// `names` empty: the branches are not known here.
    pub(super) fn no_branch(&self, mut names: Vec<String>) -> super::Error {
        names.sort();
        let branches = match names.len() {
            0 => String::new(),
            n if n > 20 => format!("; its branches: {}, … ({n} in all)", names[..20].join(", ")),
            _ => format!("; its branches: {}", names.join(", ")),
        };
        err(
            ErrorKind::NotFound,
            format!(
                "the remote {} has no branch {}{branches}",
                self.url(),
                crate::reference::shown(&self.remote_branch)
            ),
        )
        .with_hint("pass --branch with a branch it has (`git ls-remote --heads URL` lists them)")
    }
}

/// The branch the remote's HEAD names, from a connection's advertisement.
fn default_name(conn: &git2::RemoteConnection<'_, '_, '_>, url: &str) -> Result<String> {
    let name = conn.default_branch().map_err(|_| {
        if conn.list().map(|l| l.is_empty()).unwrap_or(false) {
            err(
                ErrorKind::NotFound,
                format!(
                    "the repository {url} is empty: it has no branch to bump; push a first commit"
                ),
            )
        } else {
            err(
                ErrorKind::NotFound,
                format!("{url} does not say which branch is its default; pass --branch"),
            )
        }
    })?;
    let name = name
        .as_str()
        .unwrap_or("")
        .strip_prefix("refs/heads/")
        .unwrap_or("")
        .to_string();
    if name.is_empty() {
        return Err(err(
            ErrorKind::NotFound,
            format!("{url} advertises no default branch; pass --branch"),
        ));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::{fixture, CloneOptions, Credentials};

    #[test]
    fn a_local_remote_is_read_for_its_default_branch_and_new_tips() {
        let fixture::Cloned {
            _checkout,
            repo,
            base: first,
            remote,
            mut ws,
        } = fixture::cloned(&[("m.yaml", "a\n")]);
        assert_eq!(ws.branch(), "main");
        assert_eq!(ws.tip().unwrap(), first);
        // The remote moves; a fetch sees it.
        let bare = git2::Repository::open_bare(remote.path()).unwrap();
        let second = fixture::commit_files(&repo, &[("m.yaml", "b\n")], &[first]);
        let mut r = bare
            .remote_anonymous(repo.path().to_str().unwrap())
            .unwrap();
        r.fetch(&["+refs/heads/main:refs/heads/main"], None, None)
            .unwrap();
        assert_eq!(ws.fetch().unwrap(), second);
        assert_eq!(ws.tip().unwrap(), second);
    }

    /// A shallow clone's look at a moved branch brings the commits since its own, in one
    /// fetch: the history reads back to the commit it had (before, the tip alone came, and a
    /// second fetch deepened it).
    #[test]
    fn a_shallow_clone_fetches_every_commit_since_its_own() {
        let (_checkout, repo, first) = fixture::checkout(&[("m.yaml", "a\n")]);
        let served = tempfile::tempdir().unwrap();
        let bare = git2::Repository::init_bare(served.path().join("r.git")).unwrap();
        bare.set_head("refs/heads/main").unwrap();
        let take = |bare: &git2::Repository| {
            let mut r = bare
                .remote_anonymous(repo.path().to_str().unwrap())
                .unwrap();
            r.fetch(&["+refs/heads/main:refs/heads/main"], None, None)
                .unwrap();
        };
        take(&bare);
        let daemon = fixture::Daemon::start(served.path());
        let url = format!("git://127.0.0.1:{}/r.git", daemon.port);
        let opts = CloneOptions {
            depth: 1,
            ..CloneOptions::default()
        };
        let mut ws = Workspace::clone(&url, &opts, Credentials::default()).unwrap();
        assert!(ws.repo.is_shallow());
        let second = fixture::commit_files(&repo, &[("m.yaml", "b\n")], &[first]);
        let third = fixture::commit_files(&repo, &[("m.yaml", "c\n")], &[second]);
        take(&bare);
        let (tip, ()) = ws.fetch_if(|_, _| (Want::Branch, ())).unwrap();
        assert_eq!(tip, third);
        let mut read = Vec::new();
        let shallow_end = ws
            .messages_from(tip, |oid, _| {
                read.push(oid);
                oid != first
            })
            .unwrap();
        assert_eq!(read, [third, second, first]);
        assert!(!shallow_end);
        // The clone's own fetches keep its depth: the tip alone.
        let fourth = fixture::commit_files(&repo, &[("m.yaml", "d\n")], &[third]);
        let fifth = fixture::commit_files(&repo, &[("m.yaml", "e\n")], &[fourth]);
        take(&bare);
        assert_eq!(ws.fetch().unwrap(), fifth);
        assert!(ws.repo.find_commit(fourth).is_err());
    }

    #[test]
    fn a_missing_branch_says_so() {
        let (_dir, repo, _) = fixture::checkout(&[("m.yaml", "a\n")]);
        let remote = fixture::bare_copy(&repo);
        let url = format!("file://{}", remote.path().display());
        let opts = CloneOptions {
            branch: Some("release"),
            ..CloneOptions::default()
        };
        let e = Workspace::clone(&url, &opts, Credentials::default())
            .err()
            .unwrap();
        assert_eq!(e.kind, ErrorKind::NotFound);
        assert!(e.message.contains("has no branch `release`"), "{e}");
        assert!(e.message.contains("its branches: main"), "{e}");
        assert!(
            e.hint
                .as_deref()
                .is_some_and(|h| h.contains("pass --branch")),
            "{e}"
        );
    }
}
