//! `imgbump set`: the pairs and options checked, the bump run, and its outcome reported.

use std::time::Instant;

use crate::failure::{FailKind, Failure};

use crate::bump::{Outcome, Status};
use crate::locate::{applications_of, config_for};

use super::deployed::{self, Watched};
use super::open::workspace;
use super::options::{bump_options, pairs, Intent, Pick};
use super::say::Say;
use super::{bumped, github, Output, SetArgs};

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
        // The value compared with the manifest's: a reference, or `:TAG` / `@DIGEST` as the
        // pairs take them.
        e.parse::<crate::reference::ImageSpec>()
            .map_err(|x| Failure::new(FailKind::Usage, format!("--expect-current: {x}")))?;
    }
    let opts = bump_options(
        &args.repo,
        Pick::Flags(&args.pick),
        &args.message,
        &args.commit,
        Some(&args.add),
        Some(&args.registry),
    )?
    .options(Intent {
        expect_current: args.expect_current.clone(),
        ignore_hold: args.holds.ignore_hold,
        ..Intent::default()
    });
    if args.wait
        && (opts.delivery.push_branch.is_some() || opts.delivery.no_push || opts.delivery.dry_run)
    {
        return Err(Failure::new(
            FailKind::Usage,
            "--wait waits for a commit on the branch Argo CD deploys: it does not go with --push-branch, --open-pr, --no-push or --dry-run",
        ));
    }
    let mut ws = workspace(
        &args.repo,
        say,
        start + args.repo.timeout,
        opts.limits.retries,
    )?;
    // What the wait and the notifications need, checked before anything is pushed.
    let services: Vec<&str> = pairs.iter().map(|p| p.service.as_str()).collect();
    let (targets, settings) = deployed::before_push(
        &ws,
        &services,
        &opts.selection,
        (&args.argo, args.wait),
        &args.notify,
        say,
    )?;
    let outcome = bumped::bump_then(&mut ws, &pairs, &opts, &args.repo, say, start, args.wait)?;
    // The wait's deadline: --wait-timeout from the end of the push.
    let settings = settings.map(|s| s.starting_now());
    let waited = match after_push(
        &mut ws,
        &outcome,
        &opts,
        args,
        (&targets, settings.as_ref()),
        say,
    ) {
        Ok(w) => w,
        Err(f) => return Err(deployed::after_the_push(f, &outcome)),
    };
    if args.repo.output == Output::Json && args.wait {
        super::json::set(&outcome, false, Some(&waited));
    }
    if let Some(signal) = crate::interrupt::requested() {
        return Err(Failure::interrupted(
            signal,
            &format!(
                "{}; the push stands, what followed it was cut short",
                deployed::what_pushed(&outcome)
            ),
        ));
    }
    bumped::fail_on_held(&outcome, &args.holds)?;
    if let Some(f) = deployed::not_deployed(&waited, Some(&deployed::what_pushed(&outcome))) {
        return Err(f);
    }
    if args.fail_on_superseded && outcome.superseded() {
        return Err(Failure::new(
            FailKind::Refused,
            "superseded: a newer order key is recorded for the image, so nothing was changed (--fail-on-superseded)",
        ));
    }
    Ok(())
}

/// `--wait` and `--notify`: each pushed change waited for in its Argo CD application, and
/// what happened told (a wait that failed, too).
fn after_push(
    ws: &mut crate::git::Workspace,
    outcome: &Outcome,
    opts: &crate::bump::Options,
    args: &SetArgs,
    (targets, settings): (
        &[crate::deploy::notify::Target],
        Option<&deployed::Settings>,
    ),
    say: &Say,
) -> Result<Vec<Watched>, Failure> {
    let waited = match settings {
        Some(settings) => wait_for(ws, outcome, opts, args, settings, say),
        None => Ok(Vec::new()),
    };
    let failed = waited.as_ref().err().map(|f| f.message.as_str());
    let none = Vec::new();
    let repository = deployed::repository_name(ws.url());
    let events = outcome.events(
        waited.as_ref().unwrap_or(&none),
        failed,
        &repository,
        ws.branch(),
    );
    deployed::notify(targets, args.notify.notify_on, &events, say, &args.repo);
    waited
}

/// Each pushed change waited for in its Argo CD application.
fn wait_for(
    ws: &mut crate::git::Workspace,
    outcome: &Outcome,
    opts: &crate::bump::Options,
    args: &SetArgs,
    settings: &deployed::Settings,
    say: &Say,
) -> Result<Vec<Watched>, Failure> {
    let tip = ws.tip()?;
    let config = config_for(ws, tip, &opts.selection)?;
    // What was pushed, or, when the remote had it already, the tip that has it.
    let commit = match outcome.commit {
        Some(c) if outcome.pushed => c,
        _ => tip,
    };
    // Every application of every service and environment the run wrote, waited for within
    // one --wait-timeout.
    let written: Vec<(&str, Option<&str>)> = outcome
        .changes
        .iter()
        .filter(|c| !matches!(c.status(), Status::Superseded | Status::Held))
        .map(|c| (c.service.as_str(), c.env.as_deref()))
        .collect();
    let app = args.argo.argocd_app.as_deref();
    let watches = applications_of(ws, tip, &written, &opts.selection, config.as_ref(), app)?;
    let waited = deployed::wait(ws, commit, &watches, settings, say)?;
    github::deployment(&waited, say);
    Ok(waited)
}
