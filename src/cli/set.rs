//! `imgbump set`: the pairs and options checked, the bump run, and its outcome reported.

use std::time::Instant;

use crate::failure::{FailKind, Failure};

use super::open::workspace;
use super::options::{bump_options, pairs};
use super::say::Say;
use super::{bumped, SetArgs};

pub(super) fn run(args: &SetArgs, say: &Say) -> Result<(), Failure> {
    let start = Instant::now();
    let pairs = pairs(&args.pairs, args.allow_latest)?;
    if pairs.len() > 1
        && (args.pick.workload.is_some()
            || args.pick.container.is_some()
            || args.pick.image_name.is_some()
            || args.pick.key.is_some()
            || args.expect_current.is_some())
    {
        return Err(Failure::new(
            FailKind::Usage,
            "--workload, --container, --image-name, --key and --expect-current go with exactly one SERVICE=IMAGE",
        ));
    }
    if let Some(e) = &args.expect_current {
        // The value compared with the manifest's: a reference, on one line.
        e.parse::<crate::reference::Reference>()
            .map_err(|x| Failure::new(FailKind::Usage, format!("--expect-current: {x}")))?;
    }
    let mut opts = bump_options(
        &args.repo,
        &args.pick,
        &args.message,
        &args.commit,
        Some(&args.add),
        Some(&args.registry),
    )?;
    opts.expect_current.clone_from(&args.expect_current);
    opts.ignore_hold = args.holds.ignore_hold;
    let mut ws = workspace(&args.repo, say, start + args.repo.timeout, opts.retries)?;
    let repo = (&args.repo, args.commit.dry_run);
    let outcome = bumped::bump(&mut ws, &pairs, &opts, repo, say, start)?;
    bumped::fail_on_held(&outcome, &args.holds)?;
    if args.fail_on_superseded && outcome.superseded() {
        return Err(Failure::new(
            FailKind::Refused,
            "superseded: a newer order key is recorded for the image, so nothing was changed (--fail-on-superseded)",
        ));
    }
    Ok(())
}
