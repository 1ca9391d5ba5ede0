//! The deliver stage: the commit pushed to the branch (a compare-and-swap: never forced) or to
//! a new branch of its own, and what the answer means: landed, already there, or moved (wait,
//! fetch, and plan again on the new tip).

use git2::Oid;

use crate::failure::{FailKind, Failure};
use crate::git::{Push, PushTo, Workspace};

use super::branch;
use super::outcome::{timed, Timings};
use super::retry::{refetch, Deadline, LOCK_WAIT};
use crate::git::short_id;
use crate::retry::{backoff, sleep, times};

/// What one delivery came to.
pub(super) enum Delivered {
    /// The commit is on the remote branch.
    Landed,
    /// Plan again on this tip (the branch moved, or a cut push did not land).
    Again(Oid),
    /// The branch moved since the commit's tip; not fetched yet ([`after_race`] waits and
    /// fetches; a run that goes through a batch next fetches on its own first look).
    Moved,
    /// The new branch is already there with this change, at this commit.
    Already(Oid),
    /// The forge made the commit itself (`--commit-via github`): this one, seen by a fetch.
    Made(Oid),
}

/// Pushes `commit` (attempt number `attempts`) as `to` says; on a moved branch or a cut
/// connection waits, fetches, and says where to plan again, while `deadline` allows.
pub(super) fn push(
    ws: &mut Workspace,
    commit: Oid,
    attempts: u32,
    deadline: &Deadline,
    t: &mut Timings,
    to: &PushTo,
    files: &[crate::git::FileChange],
) -> Result<Delivered, Failure> {
    let mut result = timed(&mut t.push, || ws.push_with(commit, to));
    // No connection: nothing was sent, so the push goes again as it is, within
    // --connect-timeout counted from the first failure of a streak.
    while let Ok(Push::Unconnected(why)) = &result {
        let Some(wait) = deadline.after_cut(attempts) else {
            break;
        };
        if crate::interrupt::requested().is_some() {
            break;
        }
        ws.notice(&format!(
            "cannot connect to {} to push: {}; trying again in {:.1} s",
            ws.url(),
            why.lines().next().unwrap_or(""),
            wait.as_secs_f64()
        ));
        sleep(wait);
        result = timed(&mut t.push, || ws.push_with(commit, to));
    }
    if let (Some(name), Ok(Push::Exists(_) | Push::Moved)) = (&to.branch, &result) {
        if let Some(there) = branch_taken(ws, name, files)? {
            return Ok(Delivered::Already(there));
        }
    }
    if let Some(signal) = crate::interrupt::requested() {
        if let Ok(Push::Unconnected(_)) = result {
            return Err(Failure::interrupted(signal, "nothing was pushed"));
        }
        // A push cut short may still have landed: say so plainly.
        return Err(Failure::interrupted(
            signal,
            "the push may or may not have reached the remote; run imgbump again (it finds out, and lands once)",
        ));
    }
    let mut result = result?;
    if let Push::Interrupted(_) = result {
        // Cut pushes are retried within --connect-timeout, counted from the first of a streak.
        if let Some(wait) = deadline.after_cut(attempts) {
            sleep(wait);
            let tip = timed(&mut t.refetch, || refetch(ws, attempts, deadline))?;
            if tip != commit {
                ws.notice("the push was cut; fetched again, and trying once more");
                return Ok(Delivered::Again(tip));
            }
            // The server took the push; only its answer was lost.
            result = Push::Landed;
        }
    }
    answered(ws, result, attempts, deadline, t)
}

/// A new branch that turned out to exist is never moved or forced: one the same change
/// already took is success (its commit), one with other content is refused; `None` when it is
/// not there after all.
pub(super) fn branch_taken(
    ws: &mut Workspace,
    name: &str,
    files: &[crate::git::FileChange],
) -> Result<Option<Oid>, Failure> {
    // Its tip is fetched once, so that its files can be read.
    let Some(at) = ws.fetch_branch(name)? else {
        return Ok(None);
    };
    if branch::holds(ws, at, files)? {
        return Ok(Some(at));
    }
    Err(Failure::new(
        FailKind::Refused,
        format!(
            "the branch {name} exists on {} with other content (commit {}); nothing was pushed",
            ws.url(),
            short_id(&at)
        ),
    )
    .with_hint("delete it, merge or close its pull request, or choose another --push-branch"))
}

/// What the remote's answer to a push means.
pub(super) fn answered(
    ws: &mut Workspace,
    result: Push,
    attempts: u32,
    deadline: &Deadline,
    t: &mut Timings,
) -> Result<Delivered, Failure> {
    if !matches!(result, Push::Locked(_)) {
        deadline.locked.set(None);
    }
    if !matches!(result, Push::Interrupted(_) | Push::Unconnected(_)) {
        deadline.cut.set(None);
    }
    match result {
        Push::Landed => Ok(Delivered::Landed),
        Push::Locked(path) => locked(ws, &path, attempts, deadline, t),
        Push::Moved => {
            if !deadline.allows(attempts, backoff(attempts)) {
                return Err(Failure::new(
                    FailKind::Push,
                    format!(
                        "the push to {} was rejected {} because the branch {} kept moving ({}); nothing was lost on the remote",
                        ws.url(),
                        times(attempts),
                        ws.branch(),
                        deadline.spent(attempts),
                    ),
                )
                .with_hint(format!("run imgbump again, or raise {}", deadline.knob(attempts))));
            }
            Ok(Delivered::Moved)
        }
        Push::Exists(at) => Err(Failure::new(
            FailKind::Push,
            format!(
                "the push to {} {} was answered as if creating a new branch (it is at {}); nothing was pushed",
                ws.url(),
                ws.branch(),
                short_id(&at)
            ),
        )
        .with_hint("this is a bug in imgbump: please report it with -vv")),
        Push::Unconnected(why) => Err(Failure::new(
            FailKind::Push,
            format!(
                "cannot connect to {} to push, the last time with: {why}; nothing was pushed",
                ws.url(),
            ),
        )
        .with_hint(format!(
            "check that the server is up and reachable ({}); run imgbump again, or raise {} or --connect-timeout",
            deadline.spent(attempts),
            deadline.knob(attempts),
        ))),
        Push::Interrupted(why) => Err(Failure::new(
            FailKind::Push,
            format!(
                "the push to {} failed {} (the connection was cut), the last with: {why}",
                ws.url(),
                times(attempts),
            ),
        )
        .with_hint(format!(
            "a push lands whole or not at all: the remote holds nothing partial ({}); run imgbump again, or raise {} or --connect-timeout",
            deadline.spent(attempts),
            deadline.knob(attempts),
        ))),
    }
}

/// After a lost race ([`Delivered::Moved`]): a backoff, then the new tip to plan again on.
pub(super) fn after_race(
    ws: &mut Workspace,
    attempts: u32,
    deadline: &Deadline,
    t: &mut Timings,
) -> Result<Delivered, Failure> {
    sleep(backoff(attempts));
    Ok(Delivered::Again(timed(&mut t.refetch, || {
        refetch(ws, attempts, deadline)
    })?))
}

/// The remote's branch is locked (`path`, on the remote): a concurrent push's lock is waited
/// out like a race; one held for [`LOCK_WAIT`] while the branch stands still is reported.
fn locked(
    ws: &mut Workspace,
    path: &str,
    attempts: u32,
    deadline: &Deadline,
    t: &mut Timings,
) -> Result<Delivered, Failure> {
    let since = deadline
        .locked
        .get()
        .unwrap_or_else(std::time::Instant::now);
    deadline.locked.set(Some(since));
    let wait = backoff(attempts).min(LOCK_WAIT / 4);
    if since.elapsed() + wait > LOCK_WAIT || !deadline.allows(attempts, wait) {
        return Err(Failure::new(
            FailKind::Push,
            format!(
                "the branch {} on {} is locked: {path} exists, and did for {:.1} s while the branch stood still; nothing was pushed",
                ws.branch(),
                ws.url(),
                since.elapsed().as_secs_f64(),
            ),
        )
        .with_hint(format!("another push may be stuck, or one was killed holding it: if no git process is using that repository, remove {path}")));
    }
    let before = ws.tip()?;
    sleep(wait);
    let tip = timed(&mut t.refetch, || refetch(ws, attempts, deadline))?;
    if tip != before {
        // Another push held it, and landed: a race, not a stuck lock.
        deadline.locked.set(None);
    }
    Ok(Delivered::Again(tip))
}

/// A push that failed from a checkout: the commit stays on the local branch, and the failure
/// says so (a missing remote branch is then a failed push, not "nothing matched").
pub(super) fn stays_local(mut f: Failure, local_commit: Option<Oid>, branch: &str) -> Failure {
    if let Some(lc) = local_commit {
        if f.kind == FailKind::NotFound {
            f.kind = FailKind::Push;
        }
        return f.with_hint(format!(
            "the commit {} stays on the local branch {branch}, not pushed; push it with `git push` once the remote takes it",
            short_id(&lc)
        ));
    }
    f
}
