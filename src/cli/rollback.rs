//! `imgbump rollback`: the image before the current one put back, skipping images that were
//! themselves rolled back from, and the rollback recorded in the commit.

use std::collections::HashSet;
use std::time::Instant;

use crate::bump::{HoldChange, Order, Pair};
use crate::failure::{FailKind, Failure};
use crate::locate::{no_image, one_target, versions};
use crate::reference::ImageSpec;
use crate::trailers;

use super::open::workspace;
use super::options::{bump_options, hold_of};
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
    let mut opts = bump_options(
        &args.repo,
        &args.pick,
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
    let placed = one_target(&ws, &args.service, &opts.selection)?;
    let path = placed.path.clone();
    // Every target of the service in that environment is rolled back together.
    opts.selection.envs = placed.env.iter().cloned().collect();
    let history = versions(&ws, &placed, &args.service, usize::MAX)?;
    let Some(current) = history.first() else {
        return Err(no_image(&path, &args.service, ws.branch()));
    };
    // Newest first: a rollback commit is newer than the image it rolled back from, so by the
    // time that image comes up it is known to be one not to go back to.
    let mut rolled_back_from: HashSet<&str> = HashSet::new();
    let mut to = None;
    for v in &history {
        if let Some(from) = &v.rolled_back_from {
            rolled_back_from.insert(from);
        }
        // A target holding only a tag (or a digest) lists `:TAG`: set it as such.
        let usable = v.image.parse::<ImageSpec>().ok();
        if v.image != current.image && !rolled_back_from.contains(v.image.as_str()) {
            if let Some(r) = usable {
                to = Some(r);
                break;
            }
        }
    }
    let Some(to) = to else {
        let why = if ws.is_shallow() {
            "the history here is shallow; deepen it (`git fetch --unshallow`) or pass the remote's URL as --repo"
        } else {
            "every earlier image is the current one, or was rolled back from"
        };
        return Err(Failure::new(
            FailKind::NotFound,
            format!(
                "{path}: no image to roll {} back to from {}: {why}",
                args.service, current.image
            ),
        ));
    };
    // The order key stays where it is (or moves to the one given), so that a rerun of the
    // pipeline that built the bad image is superseded instead of rolling forward again.
    let recorded = history.iter().find_map(|v| v.order_key);
    opts.order = args
        .commit
        .order_key
        .or(recorded)
        .map(|key| Order { key, check: false });
    opts.expect_current = Some(current.image.clone());
    opts.trailers
        .push(trailers::rollback(&args.service, &current.image));
    opts.ignore_hold = args.holds.ignore_hold;
    if let (true, Some(reason)) = (args.hold, &args.reason) {
        let hold = hold_of(reason, &args.who, &opts, &ws)?;
        opts.hold_change = Some(HoldChange::Add(hold));
    }
    let pair = Pair {
        service: args.service.clone(),
        spec: Some(to),
    };
    let repo = (&args.repo, args.commit.dry_run);
    let outcome = bumped::bump(&mut ws, &[pair], &opts, repo, say, start)?;
    bumped::fail_on_held(&outcome, &args.holds)
}
