//! `imgbump hold` and `imgbump release`: a hold line added above (or removed from) each
//! target's image, in one commit delivered like any bump's.

use std::time::Instant;

use crate::bump::{HoldChange, Pair};
use crate::failure::{FailKind, Failure};

use super::open::workspace;
use super::options::{bump_options, hold_of, Intent, Pick};
use super::say::Say;
use super::{bumped, HoldArgs, ReleaseArgs};

/// The services, each a valid name, none twice.
fn services(names: &[String]) -> Result<Vec<Pair>, Failure> {
    let mut out: Vec<Pair> = Vec::new();
    for s in names {
        crate::service::check(s).map_err(|m| Failure::new(FailKind::Refused, m))?;
        if out.iter().any(|p| p.service == *s) {
            return Err(Failure::new(FailKind::Usage, format!("{s} is named twice")));
        }
        out.push(Pair {
            service: s.clone(),
            spec: None,
            only: None,
        });
    }
    Ok(out)
}

pub(super) fn hold(args: &HoldArgs, say: &Say) -> Result<(), Failure> {
    let who = (&args.reason, &args.who);
    let what = Cmd {
        services: &args.services,
        repo: &args.repo,
        pick: &args.pick,
        message: &args.message,
        commit: &args.commit,
    };
    run(&what, "hold", say, |author, ws| {
        Ok(HoldChange::Add(hold_of(who.0, who.1, author, ws)?))
    })
}

pub(super) fn release(args: &ReleaseArgs, say: &Say) -> Result<(), Failure> {
    let what = Cmd {
        services: &args.services,
        repo: &args.repo,
        pick: &args.pick,
        message: &args.message,
        commit: &args.commit,
    };
    run(&what, "release", say, |_, _| Ok(HoldChange::Release))
}

/// What `hold` and `release` share.
struct Cmd<'a> {
    services: &'a [String],
    repo: &'a super::RepoArgs,
    pick: &'a super::PickArgs,
    message: &'a str,
    commit: &'a super::CommitArgs,
}

/// The services' holds changed as `change` says, in one commit.
fn run(
    c: &Cmd<'_>,
    what: &'static str,
    say: &Say,
    change: impl FnOnce(
        Option<&(String, String)>,
        &crate::git::Workspace,
    ) -> Result<HoldChange, Failure>,
) -> Result<(), Failure> {
    let start = Instant::now();
    let pairs = services(c.services)?;
    let checked = bump_options(c.repo, Pick::Flags(c.pick), c.message, c.commit, None, None)?;
    let mut ws = workspace(c.repo, say, start + c.repo.timeout, c.commit.retries)?;
    let hold_change = Some(change(checked.author(), &ws)?);
    let opts = checked.options(Intent {
        hold_change,
        own_branch: Some(what),
        ..Intent::default()
    });
    bumped::bump(&mut ws, &pairs, &opts, c.repo, say, start)?;
    Ok(())
}
