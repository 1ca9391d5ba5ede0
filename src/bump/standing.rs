//! A checkout is not the remote: where the local branch stands against its upstream when a
//! run begins (fetched first), and what the run tells the user about it: the tip a push must
//! build on is the remote's, so a checkout behind or ahead of it is planned on that tip, and
//! every message says so instead of blaming a branch that "moved".

use crate::git::{Standing, Workspace};

use super::Options;

/// Where the checkout's branch stands against its upstream, fetched now: for a run that
/// pushes (or a dry run, which shows what that run would do) from a checkout with a remote.
/// `None` in clone mode, with `--no-push`, or when the fetch fails (the push then reports
/// what is wrong, as before). A command that fetched already (`promote`) is not fetched for
/// again ([`Workspace::fetch_once`]).
pub(super) fn at_start(ws: &mut Workspace, opts: &Options) -> Option<Standing> {
    if !ws.is_open() || opts.delivery.no_push || ws.url().is_empty() {
        return None;
    }
    ws.fetch_once().ok()?;
    ws.standing()
}

/// What to do when `--expect-current` (given, or a rollback's) does not hold, where the run
/// reads `service`: the checkout's own tip, the remote's ahead of it, or the remote's tip that
/// moved while the run went on.
pub(super) fn reread(
    standing: Option<&Standing>,
    moved: bool,
    service: &str,
    in_checkout: bool,
) -> String {
    match standing.filter(|s| !s.up_to_date()) {
        Some(s) => {
            let (what, todo) = stale(s, None);
            format!("{what}\n{todo}")
        }
        None if moved && in_checkout => format!(
            "the branch moved on the remote while imgbump ran; see what changed (`git pull`, then `imgbump get {service}`) and decide"
        ),
        None if moved => format!(
            "the branch moved on the remote while imgbump ran; read it again (`imgbump get {service}`) and decide"
        ),
        None => format!("read it again (`imgbump get {service}`) and decide"),
    }
}

/// Why a run refused on the remote's tip when the checkout is not there, and what to run:
/// `git pull` for a checkout behind; `git push` first when unpushed commits change the
/// configuration or `file`. The why, then the what to do (a failure's hint).
pub(super) fn stale(s: &Standing, file: Option<&str>) -> (String, String) {
    let paths: Vec<&str> = file.into_iter().collect();
    let what = format!(
        "this checkout is not the remote: {}; imgbump reads and builds on {}'s tip, the commit a push must build on",
        s.describe(),
        s.upstream
    );
    let changed = s.unpushed_change(&paths);
    let (one, it) = match s.ahead {
        1 => ("the unpushed commit changes", "it"),
        _ => ("the unpushed commits change", "them"),
    };
    match (s.ahead, changed.is_empty()) {
        (0, _) => (what, "run `git pull`, then imgbump again".to_string()),
        (_, false) => (
            format!(
                "{what}; {one} {}, and {} has not got {it}",
                changed.join(", "),
                s.upstream
            ),
            format!(
                "push {it} first (`git push`{}), then run imgbump again",
                if s.behind > 0 {
                    " after `git pull --rebase`"
                } else {
                    ""
                },
            ),
        ),
        (_, true) => (
            what,
            "bring the checkout up to date (`git pull --rebase`), then run imgbump again"
                .to_string(),
        ),
    }
}

/// The note of a run that landed on the remote's tip from a checkout that was not there;
/// `caught_up`: the local branch was brought to the pushed commit.
pub(super) fn landed(s: &Standing, caught_up: bool) -> String {
    let first = match (s.ahead, s.behind) {
        (0, n) => format!(
            "this checkout was {n} commit{} behind {} at the start, so the change was made on the remote's tip",
            if n == 1 { "" } else { "s" },
            s.upstream
        ),
        _ => format!(
            "{}, so the change was made on {}'s tip and pushed alone (imgbump never pushes commits it did not make)",
            s.describe(),
            s.upstream
        ),
    };
    match (caught_up, s.ahead) {
        (true, _) => format!(
            "{first}; the local branch {} was brought up to date with it",
            s.branch
        ),
        (false, 0) => format!(
            "{first}; the local branch {} was left at {} (run `git pull` to catch up)",
            s.branch,
            crate::git::short_id(&s.local)
        ),
        (false, _) => format!(
            "{first}; the local branch {} was left as it was (run `git pull --rebase` to catch up)",
            s.branch
        ),
    }
}

/// The note of a run that pushed the checkout's own unpushed commit (an earlier `--no-push`),
/// which was exactly this change on the remote's tip.
pub(super) fn own_commit_pushed(s: &Standing) -> String {
    format!(
        "the local branch {}'s own commit {} (not pushed before) was exactly this change on {}'s tip, and was pushed",
        s.branch,
        crate::git::short_id(&s.local),
        s.upstream
    )
}

/// The note of a run that found the remote's tip already holding the change while the
/// checkout is not there.
pub(super) fn already(s: &Standing) -> String {
    format!(
        "{} already has this change; {} (run `git pull{}` to catch up)",
        s.upstream,
        s.describe(),
        if s.ahead > 0 { " --rebase" } else { "" }
    )
}

/// The note of a dry run from a checkout that is not where the remote is: it read the local
/// branch, and the real run plans on the remote's tip.
pub(super) fn dry_run(s: &Standing) -> String {
    format!(
        "this dry run read the local branch {} at {}, but {}; the real run plans on {}'s tip ({}), which may hold other images",
        s.branch,
        crate::git::short_id(&s.local),
        s.describe(),
        s.upstream,
        crate::git::short_id(&s.remote)
    )
}
