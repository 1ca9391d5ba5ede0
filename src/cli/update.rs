//! `imgbump update`: each service's next image chosen from its registry by a policy
//! (`bump::Chooser`), then bumped through the same run as `set`: one commit for the run, or with
//! `--open-pr` one request per service; holds, order keys and the retry as for `set`.

use std::time::Instant;

use crate::bump::{Outcome, Pair, Status};
use crate::failure::{FailKind, Failure};
use crate::locate::config_for;
use crate::policy::Policy;
use crate::registry::Registry;

use super::open::workspace;
use super::options::{bump_options, Intent, Pick};
use super::say::Say;
use super::{bumped, github, json, text, Output, UpdateArgs};
use crate::bump::PolicyRow;
use crate::bump::{policy_services as services, Chooser};

pub(super) fn run(args: &UpdateArgs, say: &Say) -> Result<(), Failure> {
    let start = Instant::now();
    let policy = match &args.policy {
        Some(p) if args.services.len() != 1 => {
            return Err(Failure::new(
                FailKind::Usage,
                format!("--policy {} goes with exactly one SERVICE (each service's targets may have their own `policy:` in .imgbump.yaml)", crate::reference::shown(p)),
            ))
        }
        Some(p) => Some((
            p.clone(),
            p.parse::<Policy>()
                .map_err(|m| Failure::new(FailKind::Usage, format!("--policy: {m}")))?,
        )),
        None => None,
    };
    let opts = bump_options(
        &args.repo,
        Pick::Flags(&args.pick),
        &args.message,
        &args.commit,
        Some(&args.add),
        Some(&args.registry),
    )?
    .options(Intent {
        ignore_hold: args.holds.ignore_hold,
        ..Intent::default()
    });
    let mut ws = workspace(
        &args.repo,
        say,
        start + args.repo.timeout,
        opts.limits.retries,
    )?;
    let tip = ws.tip()?;
    let config = config_for(&ws, tip, &opts.selection)?;
    let names = services(&args.services, config.as_ref(), &opts.selection.envs)?;
    let mut rows: Vec<PolicyRow> = Vec::new();
    let mut pairs: Vec<Pair> = Vec::new();
    {
        let mut chooser = Chooser {
            ws: &ws,
            tip,
            config: config.as_ref(),
            sel: &opts.selection,
            // A registry's Retry-After is waited out within --timeout, said on a line.
            registry: Registry::new(opts.registry.settings.clone())
                .until(start + args.repo.timeout)
                .saying(ws.notice_fn()),
            policy,
        };
        for name in &names {
            chooser.service(name, &mut rows, &mut pairs)?;
        }
    }
    text::policies(&rows, say);
    let mut outcomes: Vec<Outcome> = Vec::new();
    if opts.delivery.open_pr.is_some() && !pairs.is_empty() {
        // One request per service: each its own branch, commit and pull request.
        for name in &names {
            let mine: Vec<Pair> = pairs
                .iter()
                .filter(|p| p.service == *name)
                .cloned()
                .collect();
            if !mine.is_empty() {
                outcomes.push(bumped::bump_then(
                    &mut ws, &mine, &opts, &args.repo, say, start, true,
                )?);
            }
        }
    } else {
        outcomes.push(bumped::bump_then(
            &mut ws, &pairs, &opts, &args.repo, say, start, true,
        )?);
    }
    for r in &mut rows {
        r.status = status_of(r, &outcomes);
    }
    if args.repo.output == Output::Json {
        json::update(&outcomes, args.commit.dry_run, &rows);
    }
    github::policies(&rows, say);
    for o in &outcomes {
        bumped::fail_on_held(o, &args.holds)?;
    }
    Ok(())
}

/// What the bump made of a row's choice: `kept` when the policy moved nothing, else the
/// status of its target's change.
fn status_of(r: &mut PolicyRow, outcomes: &[Outcome]) -> &'static str {
    if r.chosen.is_none() {
        return "kept";
    }
    let change = outcomes
        .iter()
        .flat_map(|o| &o.changes)
        .find(|c| c.service == r.service && c.env == r.env && c.file == r.file);
    match change.map(|c| (c, c.status())) {
        // What was written: the choice, pinned with --pin-digest.
        Some((c, Status::Changed)) => {
            r.chosen = Some(c.new.clone());
            Status::Changed.as_str()
        }
        Some((_, status)) => status.as_str(),
        None => Status::Unchanged.as_str(),
    }
}
