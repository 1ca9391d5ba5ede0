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

/// GitHub could not be asked (unreachable, a refused token, a spent rate limit): exit 1.
fn forge_failure(e: crate::forge::ForgeError) -> Failure {
    Failure::new(
        FailKind::Other,
        format!(
            "{}\nnothing was committed on GitHub by this attempt",
            e.message
        ),
    )
}

/// The run's client of GitHub's API, made once (its TLS roots read once) for every attempt.
pub(super) fn client(ws: &Workspace, deadline: &Deadline) -> Result<GitHub, Failure> {
    let timeout = deadline
        .retry
        .deadline()
        .saturating_duration_since(std::time::Instant::now())
        .min(std::time::Duration::from_secs(60));
    GitHub::new(ws.url(), ws.token(), timeout).map_err(forge_failure)
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
    let made = timed(&mut t.push, || gh.create_commit(&commit)).map_err(forge_failure)?;
    match (made, &s.to.branch) {
        (Made::Commit(oid), None) => {
            let oid = Oid::from_str(&oid).map_err(|_| {
                Failure::new(
                    FailKind::Push,
                    format!("GitHub answered createCommitOnBranch with {:?}, which is not a commit id; check the branch on GitHub (a proxy in between may have changed the answer)", oid.chars().take(80).collect::<String>()),
                )
            })?;
            // What is reported is what a fetch sees: the branch at GitHub's commit or past it.
            let now = timed(&mut t.refetch, || refetch(ws, s.attempts, deadline))?;
            if !ws.reaches(now, oid) {
                return Err(Failure::new(
                    FailKind::Push,
                    format!(
                        "GitHub made the commit {oid} on {branch}, but a fetch of {} does not see it there (the branch is at {now}); check the branch on GitHub",
                        ws.url()
                    ),
                ));
            }
            Ok(Delivered::Made(oid))
        }
        (Made::Commit(oid), Some(name)) => {
            let there = ws.fetch_branch(name)?;
            match (Oid::from_str(&oid), there) {
                (Ok(oid), Some(at)) if ws.reaches(at, oid) => Ok(Delivered::Made(oid)),
                _ => Err(Failure::new(
                    FailKind::Push,
                    format!("GitHub made the commit {oid} on {name}, but a fetch of that branch does not see it; check the branch on GitHub"),
                )),
            }
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
