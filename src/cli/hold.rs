//! `imgbump hold` and `imgbump release`: a hold line added above (or removed from) each
//! target's image, in one commit delivered like any bump's.

use std::time::Instant;

use crate::bump::{HoldChange, Pair};
use crate::failure::{FailKind, Failure};

use super::open::workspace;
use super::options::{bump_options, hold_of};
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

/// A hold's or a release's branch when `--open-pr` asks for one and `--push-branch` names
/// none: its own (`imgbump/hold/{service}`), not a bump's `…/{tag}`, so that it neither meets
/// a bump's branch nor closes a bump's request as superseded.
fn own_branch(opts: &mut crate::bump::Options, given: Option<&String>, what: &str, envs: bool) {
    if given.is_none() && opts.push_branch.is_some() {
        opts.push_branch = Some(match envs {
            true => format!("imgbump/{what}/{{service}}/{{env}}"),
            false => format!("imgbump/{what}/{{service}}"),
        });
    }
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
    run(&what, "hold", say, |opts, ws| {
        Ok(HoldChange::Add(hold_of(who.0, who.1, opts, ws)?))
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
    what: &str,
    say: &Say,
    change: impl FnOnce(&crate::bump::Options, &crate::git::Workspace) -> Result<HoldChange, Failure>,
) -> Result<(), Failure> {
    let start = Instant::now();
    let pairs = services(c.services)?;
    let mut opts = bump_options(c.repo, c.pick, c.message, c.commit, None, None)?;
    own_branch(
        &mut opts,
        c.commit.push_branch.as_ref(),
        what,
        !c.pick.env.is_empty(),
    );
    let mut ws = workspace(c.repo, say, start + c.repo.timeout, opts.retries)?;
    opts.hold_change = Some(change(&opts, &ws)?);
    let repo = (c.repo, c.commit.dry_run);
    bumped::bump(&mut ws, &pairs, &opts, repo, say, start)?;
    Ok(())
}
