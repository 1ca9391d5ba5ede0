//! Requests of batched bumps, as refs on the remote: one ref per waiting change,
//! `refs/imgbump/requests/<branch>/<id>`, naming a parentless commit (the empty tree) whose
//! message is the request. A new ref never conflicts with another run's, so publishing one is
//! never a race. This room moves the refs and reads the commits; what a request says, and who
//! applies it, is the bump room's (`bump/batch.rs`).
//!
//! The refs are read from the same advertisement as the branch, on every fetch (no extra round
//! trip); their commits are fetched only once [`Workspace::want_requests`] asked for them.
//! No local ref is written for them: a checkout or a `--cache-dir` keeps nothing of them.

use std::cell::RefCell;
use std::rc::Rc;

use git2::{Direction, Oid, PushOptions};

use super::{err, git_err, ErrorKind, Result, Workspace};

/// Where every branch's requests live on the remote.
pub(crate) const PREFIX: &str = "refs/imgbump/requests/";

/// At most this many bytes of a request's message are read (a request is a few hundred).
const MAX_REQUEST: usize = 64 * 1024;

/// The requests a workspace knows of: whether fetches bring their commits, and the refs the
/// last fetch's advertisement listed for the branch.
#[derive(Debug, Default)]
pub(super) struct Requests {
    /// Fetches bring the requests' commits too.
    pub(super) wanted: bool,
    /// `(id, commit)` of each request ref of the branch, as last advertised.
    pub(super) seen: Vec<(String, Oid)>,
    /// What the remote said to a request published by a push that found the branch moved
    /// ([`super::PushTo::or_publish`]), until taken.
    pub(super) published: Option<RefPush>,
}

/// What the remote said to a request ref's update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RefPush {
    /// Done.
    Done,
    /// The remote refused it, in these words (a server that takes only branches and tags).
    Refused(String),
}

impl Requests {
    /// Keeps, from an advertisement's `(name, id)`s, the request refs of `branch`.
    pub(super) fn note<'a>(&mut self, branch: &str, refs: impl Iterator<Item = (&'a str, Oid)>) {
        let prefix = prefix_of(branch);
        self.seen = refs
            .filter_map(|(name, oid)| {
                let id = name.strip_prefix(&prefix)?;
                (!id.is_empty() && !id.contains('/')).then(|| (id.to_string(), oid))
            })
            .collect();
    }
}

/// The request refs of `branch` among an advertisement's `(name, id)`s, as `(id, commit)`.
pub(super) fn of_branch(branch: &str, listed: &[(String, Oid)]) -> Vec<(String, Oid)> {
    let mut r = Requests::default();
    r.note(branch, listed.iter().map(|(n, o)| (n.as_str(), *o)));
    r.seen
}

/// The refs' common start for `branch`'s requests.
pub(super) fn prefix_of(branch: &str) -> String {
    format!("{PREFIX}{branch}/")
}

impl Workspace {
    /// From now on, fetches bring the commits of the branch's requests too.
    pub(crate) fn want_requests(&mut self) {
        self.requests.wanted = true;
    }

    /// The branch's requests as the last fetch saw them: `(id, commit)`.
    pub(crate) fn requests(&self) -> &[(String, Oid)] {
        &self.requests.seen
    }

    /// The refs of `branch`'s requests among an advertisement's, to fetch when they are wanted.
    pub(super) fn requests_to_fetch(&self, branch: &str, listed: &[(String, Oid)]) -> Vec<String> {
        if !self.requests.wanted {
            return Vec::new();
        }
        let prefix = prefix_of(branch);
        listed
            .iter()
            .filter(|(name, _)| {
                name.strip_prefix(&prefix)
                    .is_some_and(|id| !id.is_empty() && !id.contains('/'))
            })
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// The message of request commit `oid`: `None` when it is not a parentless commit of a
    /// reasonable size (a request is repository content: whoever can push may have put
    /// anything there).
    pub(crate) fn request_message(&self, oid: Oid) -> Option<String> {
        let c = self.repo.find_commit(oid).ok()?;
        if c.parent_count() != 0 || c.message_bytes().len() > MAX_REQUEST {
            return None;
        }
        String::from_utf8(c.message_bytes().to_vec()).ok()
    }

    /// Publishes request `id` (`message`, made a parentless commit of the empty tree) as a new
    /// ref on the remote.
    ///
    /// The push's own advertisement is noted as a fetch's is: the requests the remote held
    /// just before this one ([`Workspace::requests`]), at no extra round trip.
    pub(crate) fn publish_request(&mut self, id: &str, message: &str) -> Result<RefPush> {
        let spec = self.request_spec(id, message)?;
        let (pushed, listed) = self.push_refs(&[spec])?;
        self.note_listed(&listed);
        Ok(pushed)
    }

    /// The refspec that publishes request `id` (`message`, made a parentless commit of the
    /// empty tree). The commit carries no date of its own (the epoch; when the request was
    /// made is in its id and message), so that the same request is the same commit whenever it
    /// is made: one published again after a push whose answer was lost updates nothing (a new
    /// commit would be no fast-forward, refused, and the first left behind).
    pub(super) fn request_spec(&self, id: &str, message: &str) -> Result<String> {
        let e = |x: git2::Error| git_err("cannot make the request's commit", &x, &self.creds);
        let tree = self
            .repo
            .treebuilder(None)
            .and_then(|b| b.write())
            .map_err(e)?;
        let tree = self.repo.find_tree(tree).map_err(e)?;
        let when = git2::Time::new(0, 0);
        let who = git2::Signature::new("imgbump", "imgbump@localhost", &when).map_err(e)?;
        let commit = self
            .repo
            .commit(None, &who, &who, message, &tree, &[])
            .map_err(e)?;
        Ok(format!("{commit}:{}{id}", prefix_of(&self.remote_branch)))
    }

    /// Notes the branch's requests among a push's advertisement (when it listed any refs).
    pub(super) fn note_listed(&mut self, listed: &[(String, Oid)]) {
        if !listed.is_empty() {
            let branch = self.remote_branch.clone();
            self.requests
                .note(&branch, listed.iter().map(|(n, o)| (n.as_str(), *o)));
        }
    }

    /// What the remote said to the request a push published when it found the branch moved
    /// ([`super::PushTo::or_publish`]); `None` when that push published nothing.
    pub(crate) fn take_published(&mut self) -> Option<RefPush> {
        self.requests.published.take()
    }

    /// Deletes the request refs `ids` of the branch on the remote (those already gone are no
    /// error).
    pub(crate) fn delete_requests(&self, ids: &[String]) -> Result<RefPush> {
        if ids.is_empty() {
            return Ok(RefPush::Done);
        }
        let prefix = prefix_of(&self.remote_branch);
        let specs: Vec<String> = ids.iter().map(|id| format!(":{prefix}{id}")).collect();
        Ok(self.push_refs(&specs)?.0)
    }

    /// Pushes `refspecs` (never forced) in one push, through a local remote's own
    /// `git receive-pack` as the branch's push does; the first refusal, in the remote's words,
    /// and the refs the remote advertised before it.
    fn push_refs(&self, refspecs: &[String]) -> Result<(RefPush, Vec<(String, Oid)>)> {
        if self.url().is_empty() {
            return Err(err(ErrorKind::Other, "the branch has no remote"));
        }
        let url = self.push_url()?;
        let mut remote = self.anonymous_remote_at(&url)?;
        // Connected first, to read the advertisement; the push goes over the same connection.
        let (result, listed) =
            match remote.connect_auth(Direction::Push, Some(self.callbacks("push", None)), None) {
                Ok(mut conn) => {
                    let listed: Vec<(String, Oid)> = conn
                        .list()
                        .map(|l| l.iter().map(|h| (h.name().to_string(), h.oid())).collect())
                        .unwrap_or_default();
                    (self.push_refs_on(conn.remote(), refspecs), listed)
                }
                Err(e) => (
                    Err(git_err(
                        &format!("push to {} failed", self.url()),
                        &e,
                        &self.creds,
                    )),
                    Vec::new(),
                ),
            };
        Ok((result?, listed))
    }

    /// Pushes `refspecs` (never forced) over `remote`'s open connection: the first refusal, in
    /// the remote's words.
    pub(super) fn push_refs_on(
        &self,
        remote: &mut git2::Remote<'_>,
        refspecs: &[String],
    ) -> Result<RefPush> {
        let refused: Rc<RefCell<Option<String>>> = Rc::default();
        let text: Rc<RefCell<String>> = Rc::default();
        let mut cb = self.callbacks("push", None);
        let status = refused.clone();
        cb.push_update_reference(move |name, msg| {
            let first = status.borrow().is_none();
            if let (Some(m), true) = (msg, first) {
                *status.borrow_mut() = Some(format!("{name}: {m}"));
            }
            Ok(())
        });
        let heard = text.clone();
        cb.sideband_progress(move |data| {
            heard.borrow_mut().push_str(&String::from_utf8_lossy(data));
            true
        });
        let mut opts = PushOptions::new();
        opts.remote_callbacks(cb);
        let specs: Vec<&str> = refspecs.iter().map(String::as_str).collect();
        let result = remote.push(&specs, Some(&mut opts));
        drop(opts);
        let remote_text = text.borrow().trim().to_string();
        let said = |m: String| match remote_text.is_empty() {
            true => m,
            false => format!("{m}\nremote: {}", remote_text.replace('\n', "\nremote: ")),
        };
        if let Err(e) = result {
            // A refusal is the server's status for the ref; a failed push is an error (a cut
            // connection is worth another try).
            let mut x = git_err(&format!("push to {} failed", self.url()), &e, &self.creds);
            if !super::is_network(&e) && !remote_text.is_empty() {
                x.message = self.creds.redact(&said(x.message));
            }
            return Err(x);
        }
        let refused = refused.borrow().clone();
        Ok(match refused {
            None => RefPush::Done,
            Some(m) => RefPush::Refused(self.creds.redact(&said(m))),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::{fixture, FileChange, Push, PushTo};

    #[test]
    fn requests_go_with_the_push_that_lands_and_stay_when_it_does_not() {
        let fixture::Cloned {
            base,
            remote,
            mut ws,
            ..
        } = fixture::cloned(&[("m.yaml", "a\n")]);
        let (a, b) = (
            "1765000000000-000000000000000a",
            "1765000000001-000000000000000b",
        );
        assert_eq!(ws.publish_request(a, "request a").unwrap(), RefPush::Done);
        // Each publishing push says what waited before it, its own request not among them.
        assert!(ws.requests().is_empty(), "{:?}", ws.requests());
        assert_eq!(ws.publish_request(b, "request b").unwrap(), RefPush::Done);
        let before: Vec<&str> = ws.requests().iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(before, [a]);
        let bare = git2::Repository::open_bare(remote.path()).unwrap();
        let listed = |bare: &git2::Repository| -> Vec<String> {
            let mut names: Vec<String> = bare
                .references_glob("refs/imgbump/requests/main/*")
                .unwrap()
                .filter_map(|r| Some(r.ok()?.name().ok()?.to_string()))
                .collect();
            names.sort();
            names
        };
        assert_eq!(listed(&bare).len(), 2);

        let sig = git2::Signature::now("T", "t@localhost").unwrap();
        let change = |text: &str| FileChange {
            path: "m.yaml".into(),
            content: text.as_bytes().to_vec(),
        };
        let landing = ws.commit(base, &[change("b\n")], "b\n", &sig).unwrap();
        let stale = ws.commit(base, &[change("c\n")], "c\n", &sig).unwrap();
        let dropping = |ids: &[&str]| PushTo {
            drop_requests: ids.iter().map(|s| s.to_string()).collect(),
            ..PushTo::default()
        };
        // A push that lands deletes the refs it names; one already gone changes nothing.
        let gone = "1765000000002-000000000000000c";
        assert_eq!(
            ws.push_with(landing, &dropping(&[a, gone])).unwrap(),
            Push::Landed
        );
        assert_eq!(bare.refname_to_id("refs/heads/main").unwrap(), landing);
        assert_eq!(listed(&bare), [format!("{PREFIX}main/{b}")]);
        // A push that lost the race deletes nothing.
        assert_eq!(ws.push_with(stale, &dropping(&[b])).unwrap(), Push::Moved);
        assert_eq!(bare.refname_to_id("refs/heads/main").unwrap(), landing);
        assert_eq!(listed(&bare), [format!("{PREFIX}main/{b}")]);
        assert_eq!(ws.take_published(), None);

        // One that may publish a request does so instead, over the same connection, and says
        // what the remote answered; the branch is left as it was.
        let d = "1765000000003-000000000000000d";
        let publishing = |id: &str| PushTo {
            or_publish: Some((id.to_string(), format!("request {id}\n"))),
            ..PushTo::default()
        };
        assert_eq!(ws.push_with(stale, &publishing(d)).unwrap(), Push::Moved);
        assert_eq!(ws.take_published(), Some(RefPush::Done));
        assert_eq!(ws.take_published(), None);
        assert_eq!(bare.refname_to_id("refs/heads/main").unwrap(), landing);
        assert_eq!(
            listed(&bare),
            [format!("{PREFIX}main/{b}"), format!("{PREFIX}main/{d}")]
        );
        let request = bare
            .find_commit(bare.refname_to_id(&format!("{PREFIX}main/{d}")).unwrap())
            .unwrap();
        assert_eq!(request.message().unwrap(), format!("request {d}\n"));
        assert_eq!(request.parent_count(), 0);
        // Where it was built, it lands and publishes nothing.
        let next = ws.commit(landing, &[change("e\n")], "e\n", &sig).unwrap();
        let e = "1765000000004-000000000000000e";
        assert_eq!(ws.push_with(next, &publishing(e)).unwrap(), Push::Landed);
        assert_eq!(ws.take_published(), None);
        assert_eq!(bare.refname_to_id("refs/heads/main").unwrap(), next);
        assert_eq!(listed(&bare).len(), 2);
    }

    #[test]
    fn only_the_branchs_own_requests_are_kept() {
        let mut r = Requests::default();
        let a = Oid::from_str("1111111111111111111111111111111111111111").unwrap_or(Oid::ZERO_SHA1);
        let refs = [
            ("refs/imgbump/requests/main/1-a", a),
            ("refs/imgbump/requests/main/x/1-b", a),
            ("refs/imgbump/requests/main-2/1-c", a),
            ("refs/imgbump/requests/main/", a),
            ("refs/heads/main", a),
        ];
        r.note("main", refs.iter().map(|(n, o)| (*n, *o)));
        assert_eq!(r.seen, vec![("1-a".to_string(), a)]);
        r.note("main/x", refs.iter().map(|(n, o)| (*n, *o)));
        assert_eq!(r.seen, vec![("1-b".to_string(), a)]);
    }

    /// A push whose answer was lost may have published its request: the run publishes it
    /// again under the same id, and must get the same commit, whenever it does (a new commit
    /// for a ref that exists is no fast-forward: refused, and the request first published
    /// would be left behind with nobody waiting for it).
    #[test]
    fn a_request_published_again_is_the_same_commit() {
        let fixture::Cloned { remote, mut ws, .. } = fixture::cloned(&[("m.yaml", "a\n")]);
        let id = "1765000000000-000000000000000a";
        assert_eq!(ws.publish_request(id, "request a").unwrap(), RefPush::Done);
        let bare = git2::Repository::open_bare(remote.path()).unwrap();
        let name = format!("{PREFIX}main/{id}");
        let first = bare.refname_to_id(&name).unwrap();
        let commit = bare.find_commit(first).unwrap();
        // Not dated when it was pushed: the same whenever it is made.
        assert_eq!(commit.time().seconds(), 0);
        assert_eq!(commit.author().when().seconds(), 0);
        assert_eq!(ws.publish_request(id, "request a").unwrap(), RefPush::Done);
        assert_eq!(bare.refname_to_id(&name).unwrap(), first);
        assert_eq!(
            ws.request_spec(id, "request a").unwrap(),
            format!("{first}:{name}")
        );
        // Another request is another commit.
        assert!(ws
            .request_spec("x", "request x")
            .is_ok_and(|spec| !spec.starts_with(&first.to_string())));
    }
}
