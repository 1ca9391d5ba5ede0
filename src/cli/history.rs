//! `imgbump history`: the images a service's manifest held, newest first, each with the commit
//! that introduced it.

use std::time::Instant;

use crate::bump::targets::{locator, read_config, resolve};
use crate::bump::{order, FailKind, Failure, Selection};
use crate::config::Placed;
use crate::git::Workspace;
use crate::manifest::Manifest;

use super::{json, text, workspace, HistoryArgs, Output, Say, Version};

pub(super) fn run(args: &HistoryArgs) -> Result<(), Failure> {
    let say = Say::silent();
    let mut repo = args.repo.clone();
    if repo.depth == 1 {
        // History needs the commits: a full fetch, unless --depth says otherwise.
        repo.depth = 0;
    }
    let ws = workspace(&repo, &say, Instant::now() + repo.timeout, None)?;
    let placed = one_target(&ws, &args.service, &args.pick.selection(&args.repo)?)?;
    let path = placed.path.clone();
    let want = args.nth.map_or(args.max, |n| n + 1);
    let versions = versions(&ws, &placed, &args.service, want)?;
    if versions.is_empty() {
        return Err(no_image(&path, &args.service, ws.branch()));
    }
    if let Some(n) = args.nth {
        let Some(v) = versions.get(n) else {
            let why = if ws.is_shallow() {
                format!(
                    "the history here is shallow: it holds only {} images of {} in {path}, and the one --nth {n} asks for may be older\ndeepen it (`git fetch --unshallow`), or pass the remote's URL as --repo",
                    versions.len(),
                    args.service
                )
            } else {
                format!(
                    "{path} held only {} images for {}; there is no --nth {n}",
                    versions.len(),
                    args.service
                )
            };
            return Err(Failure::new(FailKind::NotFound, why));
        };
        match args.repo.output {
            Output::Json => json::image(&v.image),
            Output::Text => text::image(&v.image),
        }
        return Ok(());
    }
    match args.repo.output {
        Output::Json => json::history(&versions),
        Output::Text => text::history(&versions),
    }
    Ok(())
}

/// The one file whose history `history` and `rollback` follow: the service's first target
/// (in the one environment given, when its targets depend on it).
pub(super) fn one_target(
    ws: &Workspace,
    service: &str,
    sel: &Selection,
) -> Result<Placed, Failure> {
    let tip = ws.tip()?;
    let config = if sel.manifests.is_empty() {
        read_config(ws, tip)?
    } else {
        None
    };
    let placed = resolve(ws, tip, service, sel, config.as_ref())?;
    let mut envs: Vec<&Option<String>> = placed.iter().map(|p| &p.env).collect();
    envs.dedup();
    if envs.len() > 1 {
        return Err(Failure::new(
            FailKind::Usage,
            format!("{service} has targets in several environments; pass one --env"),
        ));
    }
    placed
        .into_iter()
        .next()
        .ok_or_else(|| Failure::new(FailKind::NotFound, format!("{service} has no target")))
}

/// Up to `want` images `service`'s target `placed` held, newest first, each with the oldest
/// commit of its run (the one that introduced it) and what that commit records. Versions
/// whose image cannot be read (invalid then, or no such target) are skipped.
pub(super) fn versions(
    ws: &Workspace,
    placed: &Placed,
    service: &str,
    want: usize,
) -> Result<Vec<Version>, Failure> {
    let mut found: Vec<(String, git2::Oid, i64)> = Vec::new();
    ws.history(&placed.path, |commit, time, bytes| {
        let Ok(m) = Manifest::parse_bytes(bytes) else {
            return true;
        };
        let Ok(held) = m.get(&locator(&placed.spec, service, &m, &placed.path)) else {
            return true;
        };
        let len = found.len();
        match found.last_mut() {
            Some(last) if last.0 == held.image => {
                last.1 = commit;
                last.2 = time;
            }
            _ if len == want => return false,
            _ => found.push((held.image, commit, time)),
        }
        true
    })?;
    found
        .into_iter()
        .map(|(image, commit, time)| {
            let info = ws.commit_info(commit)?;
            let m = info.message.as_str();
            Ok(Version {
                requested_by: order::value(m, order::REQUESTED_BY).map(str::to_string),
                order_key: order::key_in(m, service),
                rolled_back_from: order::values(m, order::ROLLBACK, service)
                    .first()
                    .map(|s| s.to_string()),
                author: info.author,
                image,
                commit,
                time,
            })
        })
        .collect()
}

/// The failure when `path` never held an image for `service` on `branch`.
pub(super) fn no_image(path: &str, service: &str, branch: &str) -> Failure {
    Failure::new(
        FailKind::NotFound,
        format!("{path} has no image for {service} in the history of branch {branch}"),
    )
}
