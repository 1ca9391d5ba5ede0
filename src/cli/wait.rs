//! `imgbump wait`: the commit that brought a service's current image (or `--commit`), waited
//! for in each environment's Argo CD application, reported, and notified.

use std::time::Instant;

use crate::bump::deployed_event;
use crate::deploy::notify::Event;
use crate::failure::{FailKind, Failure};
use crate::locate::{config_for, resolve, versions};

use super::deployed::{self, Watched};
use super::open::workspace;
use super::say::{printable, Say};
use super::{github, Output, WaitArgs};

pub(super) fn run(args: &WaitArgs, say: &Say) -> Result<(), Failure> {
    crate::service::check(&args.service).map_err(|m| Failure::new(FailKind::Refused, m))?;
    let mut repo = args.repo.clone();
    if repo.depth == 1 {
        // The commit waited for may be older than the tip: the history, unless --depth says.
        repo.depth = 0;
    }
    let mut ws = workspace(&repo, say, Instant::now() + repo.timeout, None)?;
    let sel = args.pick.selection(&repo)?;
    let tip = ws.tip()?;
    let config = config_for(&ws, tip, &sel)?;
    let targets = deployed::targets(&args.notify, config.as_ref(), say)?;
    let placed = resolve(&ws, tip, &args.service, &sel, config.as_ref())?;
    // One --wait-timeout for every environment waited for.
    let settings = deployed::settings(&args.argo)?;
    let mut watched: Vec<Watched> = Vec::new();
    let mut events: Vec<Event> = Vec::new();
    for p in &placed {
        let watches = deployed::watches(
            &args.service,
            std::slice::from_ref(p),
            &args.argo,
            config.as_ref(),
        )?;
        if watched.iter().any(|w| watches.contains(&w.watch)) {
            continue;
        }
        let version = versions(&ws, p, &args.service, 1)?;
        let image = version.first().map(|v| v.image.clone()).unwrap_or_default();
        let commit = match &args.commit {
            Some(c) => ws.resolve_commit(c).map_err(|e| Failure {
                kind: FailKind::NotFound,
                message: format!("--commit {}: {}", printable(c), e.message),
                ..Failure::from(e)
            })?,
            None => version.first().map(|v| v.commit).unwrap_or(tip),
        };
        say.info(&format!(
            "imgbump: waiting for Argo CD to deploy {} {} (commit {})",
            args.service,
            printable(&image),
            crate::git::short_id(&commit)
        ));
        for w in deployed::wait(&mut ws, commit, &watches, &settings, say)? {
            events.push(deployed_event(
                &w,
                &image,
                commit,
                &deployed::repository_name(ws.url()),
                ws.branch(),
            ));
            watched.push(w);
        }
    }
    report(&watched, repo.output, say);
    deployed::notify(&targets, args.notify.notify_on, &events, say, &repo);
    if let Some(signal) = crate::interrupt::requested() {
        return Err(Failure::interrupted(
            signal,
            "the notifications were cut short",
        ));
    }
    match deployed::not_deployed(&watched, None) {
        Some(f) => Err(f),
        None => Ok(()),
    }
}

/// Each watch's end, in every form asked for.
fn report(watched: &[Watched], output: Output, say: &Say) {
    for w in watched {
        let what = match (&w.error, w.deployed) {
            (None, true) => format!("deployed, {} at {}", w.health, short(&w.revision)),
            (Some(e), _) => format!("not deployed: {e}"),
            (None, false) => "not deployed".to_string(),
        };
        // Argo CD's words, one line each (each blanked of control characters when read).
        say.info(&format!("{} {}: {what}", w.watch.service, w.watch.app));
    }
    if output == Output::Json {
        super::json::deployments(watched);
    }
    github::deployment(watched, say);
}

fn short(rev: &str) -> String {
    rev.split(',')
        .map(|r| crate::git::short_id(&r))
        .collect::<Vec<_>>()
        .join(",")
}
