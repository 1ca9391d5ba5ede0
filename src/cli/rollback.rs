//! `imgbump rollback`: the image before the current one put back, skipping images that were
//! themselves rolled back from, and the rollback recorded in the commit.

use std::time::Instant;

use crate::bump::{HoldChange, Order, Pair};
use crate::failure::{FailKind, Failure};
use crate::locate::{no_image, one_target, rollback_image, versions};
use crate::trailers;

use super::open::workspace;
use super::options::{bump_options, hold_of, Intent, Pick};
use super::say::Say;
use super::{bumped, RollbackArgs};

pub(super) fn run(args: &RollbackArgs, say: &Say) -> Result<(), Failure> {
    let start = Instant::now();
    if !args.hold && (args.who.until.is_some() || args.who.by.is_some()) {
        return Err(Failure::new(
            FailKind::Usage,
            "--until and --by describe a hold: add --hold --reason TEXT",
        ));
    }
    let checked = bump_options(
        &args.repo,
        Pick::Flags(&args.pick),
        &args.message,
        &args.commit,
        None,
        Some(&args.registry),
    )?;
    let mut repo = args.repo.clone();
    if repo.depth == 1 {
        // A rollback reads the history: all of it, unless --depth says otherwise.
        repo.depth = 0;
    }
    let deadline = start + repo.timeout;
    let mut ws = workspace(&repo, say, deadline, args.commit.retries)?;
    let placed = one_target(&ws, &args.service, checked.selection())?;
    let path = placed.path.clone();
    let history = versions(&ws, &placed, &args.service, usize::MAX)?;
    let Some(current) = history.first() else {
        return Err(no_image(&path, &args.service, ws.branch()));
    };
    let to = rollback_image(&history, ws.is_shallow(), &path, &args.service)?;
    // The order key stays where it is (or moves to the one given), so that a rerun of the
    // pipeline that built the bad image is superseded instead of rolling forward again.
    let recorded = history.iter().find_map(|v| v.order_key);
    let hold_change = match (args.hold, &args.reason) {
        (true, Some(reason)) => Some(HoldChange::Add(hold_of(
            reason,
            &args.who,
            checked.author(),
            &ws,
        )?)),
        _ => None,
    };
    let opts = checked.options(Intent {
        // Every target of the service in that environment is rolled back together.
        envs: Some(placed.env.iter().cloned().collect()),
        expect_current: Some(current.image.clone()),
        ignore_hold: args.holds.ignore_hold,
        order: args
            .commit
            .order_key
            .or(recorded)
            .map(|key| Order { key, check: false }),
        trailers: vec![trailers::rollback(&args.service, &current.image)],
        hold_change,
        own_branch: None,
    });
    let pair = Pair {
        service: args.service.clone(),
        spec: Some(to),
        only: None,
    };
    let outcome = bumped::bump(&mut ws, &[pair], &opts, &args.repo, say, start)?;
    bumped::fail_on_held(&outcome, &args.holds)
}
