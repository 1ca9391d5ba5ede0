//! The deliver stage through GitHub's API (`--commit-via github`): the plan's files sent to
//! `createCommitOnBranch` with `expectedHeadOid` set to the tip the plan was made on, so that
//! GitHub makes (and signs) the commit, or says the branch moved; then a fetch that must see
//! GitHub's commit. `--push-branch` creates the branch from the tip first (REST), never moving
//! one that exists. A moved branch is waited out, fetched and planned again, as a push's is.

use git2::Oid;

use crate::failure::{FailKind, Failure};
use crate::forge::github::GitHub;
use crate::forge::github_commit::{Branched, Made, NewCommit};
use crate::git::{FileChange, Push, PushTo, Workspace};

use super::deliver::{answered, branch_taken, Delivered};
use super::outcome::{timed, Timings};
use super::retry::{refetch, Deadline};

/// What one delivery through the API needs besides the workspace.
pub(super) struct Send<'a> {
    /// The tip the plan was made on.
    pub tip: Oid,
    /// The whole commit message.
    pub message: &'a str,
    /// The files as the plan wrote them.
    pub files: &'a [FileChange],
    /// The branch, or a new one.
    pub to: &'a PushTo,
    /// The attempt's number.
    pub attempts: u32,
}

/// GitHub could not be asked (unreachable, a refused token): exit 1; a rate limit that asks
/// for a wait past `--timeout`: exit 5, as a push that ran out of time (a temporary failure,
/// not a refusal).
fn forge_failure(e: crate::forge::ForgeError) -> Failure {
    let kind = if e.limited {
        FailKind::Push
    } else {
        FailKind::Other
    };
    Failure::new(
        kind,
        format!(
            "{}\nnothing was committed on GitHub by this attempt",
            e.message
        ),
    )
}

/// Whether GitHub's answer `oid` is the commit asked for, as a fetch that reached `now` sees
/// it: a commit id, not the expected head itself (nor any commit before it), whose parent is
/// the expected head, whose tree holds the planned files, and which the branch reaches.
fn ours(ws: &Workspace, oid: &str, now: Oid, s: &Send<'_>) -> Result<Oid, String> {
    let oid = Oid::from_str(oid).map_err(|_| "not a commit id".to_string())?;
    if oid == s.tip {
        return Err("it is the expected head itself, not a new commit".into());
    }
    if !ws.has_commit(oid) || !ws.reaches(now, oid) {
        return Err(format!(
            "a fetch does not see it on the branch (the branch is at {now})"
        ));
    }
    // As the commit's bytes name them (a shallow clone's boundary hides them otherwise).
    let parents = ws.parents_written(oid).map_err(|e| e.to_string())?;
    if parents != [s.tip] {
        return Err(format!(
            "its parent is not the expected head {} (a commit from before, or from elsewhere)",
            s.tip
        ));
    }
    for f in s.files {
        if ws.read(oid, &f.path).map_err(|e| e.to_string())?.as_deref()
            != Some(f.content.as_slice())
        {
            return Err(format!("it does not hold the planned {}", f.path));
        }
    }
    Ok(oid)
}

/// An answer that is not the commit asked for: exit 5, saying where the branch is.
fn forged(ws: &Workspace, oid: &str, branch: &str, now: Oid, s: &Send<'_>, why: &str) -> Failure {
    let state = if now == s.tip {
        "the branch still holds the expected head: nothing was committed".to_string()
    } else {
        format!("the branch is at {now}: check it on GitHub")
    };
    Failure::new(
        FailKind::Push,
        format!(
            "GitHub answered createCommitOnBranch on {branch} of {} with {}, which is not the commit asked for: {why}; {state} (a proxy in between may have changed the answer)",
            ws.url(),
            crate::reference::shown(oid)
        ),
    )
}

/// The answer to createCommitOnBranch was lost (`e`): a fetch says whether GitHub made the
/// commit (then it landed), the branch is where it was (nothing was committed), or it moved
/// to another commit (planned again, as a moved branch is).
fn lost(
    ws: &mut Workspace,
    s: &Send<'_>,
    branch: &str,
    e: crate::forge::ForgeError,
    deadline: &Deadline,
    t: &mut Timings,
) -> Result<Delivered, Failure> {
    let now = match &s.to.branch {
        None => timed(&mut t.refetch, || refetch(ws, s.attempts, deadline))?,
        Some(name) => ws.fetch_branch(name)?.unwrap_or(s.tip),
    };
    // GitHub's commit is the one on the expected head; others may have come after it.
    let mut at = Some(now);
    for _ in 0..100 {
        let Some(c) = at.filter(|c| *c != s.tip) else {
            break;
        };
        if let Ok(oid) = ours(ws, &c.to_string(), now, s) {
            return Ok(Delivered::Made(oid));
        }
        at = ws.parents_written(c).ok().and_then(|p| p.first().copied());
    }
    if now == s.tip || s.to.branch.is_some() {
        let seen = if now == s.tip {
            "where it was".to_string()
        } else {
            format!("at {now}, which is not this attempt's commit")
        };
        return Err(Failure::new(
            FailKind::Other,
            format!(
                "{}\nno answer was taken; a fetch shows {branch} {seen}: nothing was committed on GitHub by this attempt",
                e.message
            ),
        ));
    }
    answered(ws, Push::Moved, s.attempts, deadline, t)
}

/// The run's client of GitHub's API, made once (its TLS roots read once) for every attempt.
pub(super) fn client(ws: &Workspace, deadline: &Deadline) -> Result<GitHub, Failure> {
    let timeout = deadline
        .retry
        .deadline()
        .saturating_duration_since(std::time::Instant::now())
        .min(std::time::Duration::from_secs(60));
    // One request is bounded by the timeout; a rate limit's wait by the run's deadline.
    GitHub::new(ws.url(), ws.token(), timeout)
        .map(|gh| gh.until(deadline.retry.deadline()).saying(ws.notice_fn()))
        .map_err(forge_failure)
}

/// Asks GitHub to make the commit of `s`; lands, or says where to plan again.
pub(super) fn deliver(
    ws: &mut Workspace,
    gh: &GitHub,
    s: &Send<'_>,
    deadline: &Deadline,
    t: &mut Timings,
) -> Result<Delivered, Failure> {
    let branch = match &s.to.branch {
        None => ws.branch().to_string(),
        Some(name) => {
            let made = timed(&mut t.push, || gh.create_branch(name, &s.tip.to_string()))
                .map_err(forge_failure)?;
            if made == Branched::Exists {
                // Never moved: the same change is success, other content is refused.
                if let Some(there) = branch_taken(ws, name, s.files)? {
                    return Ok(Delivered::Already(there));
                }
            }
            name.clone()
        }
    };
    let (headline, body) = match s.message.split_once('\n') {
        Some((h, rest)) => (h, rest.trim_start_matches('\n')),
        None => (s.message.trim_end(), ""),
    };
    let files: Vec<(&str, &[u8])> = s
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.content.as_slice()))
        .collect();
    let tip = s.tip.to_string();
    let commit = NewCommit {
        branch: &branch,
        expected_head: &tip,
        headline,
        body,
        files: &files,
    };
    let made = match timed(&mut t.push, || gh.create_commit(&commit)) {
        Ok(made) => made,
        // A rate limit answered: GitHub made nothing.
        Err(e) if e.limited => return Err(forge_failure(e)),
        // The answer may be lost after GitHub made the commit: look before saying.
        Err(e) => return lost(ws, s, &branch, e, deadline, t),
    };
    match (made, &s.to.branch) {
        (Made::Commit(oid), None) => {
            // What is reported is what a fetch sees: GitHub's commit on the branch, new, on
            // the expected head, holding the planned files.
            let now = timed(&mut t.refetch, || refetch(ws, s.attempts, deadline))?;
            let oid =
                ours(ws, &oid, now, s).map_err(|why| forged(ws, &oid, &branch, now, s, &why))?;
            Ok(Delivered::Made(oid))
        }
        (Made::Commit(oid), Some(name)) => {
            let there = ws.fetch_branch(name)?;
            let at = there.unwrap_or(s.tip);
            let oid = ours(ws, &oid, at, s).map_err(|why| forged(ws, &oid, name, at, s, &why))?;
            Ok(Delivered::Made(oid))
        }
        (Made::Refused(why), _) => Err(Failure::new(
            FailKind::Push,
            format!(
                "GitHub refused the commit on {branch} of {}: {why}\nnothing was committed",
                ws.url()
            ),
        )),
        (Made::Moved, None) => answered(ws, Push::Moved, s.attempts, deadline, t),
        (Made::Moved, Some(name)) => {
            // Someone else's commit went onto the new branch first.
            match branch_taken(ws, name, s.files)? {
                Some(there) => Ok(Delivered::Already(there)),
                None => Err(Failure::new(
                    FailKind::Push,
                    format!("the new branch {name} moved while GitHub was making the commit; nothing was committed by this attempt"),
                )),
            }
        }
    }
}
