//! `imgbump history`: the images a service's manifest held, newest first, each with the commit
//! that introduced it.

use std::time::Instant;

use crate::bump::{order, FailKind, Failure};
use crate::manifest::{Manifest, Target};
use crate::service;

use super::{json, text, workspace, HistoryArgs, Output, Say, Version};

pub(super) fn run(args: &HistoryArgs) -> Result<(), Failure> {
    let say = Say::silent();
    let mut repo = args.repo.clone();
    if repo.depth == 1 {
        // History needs the commits: a full fetch, unless --depth says otherwise.
        repo.depth = 0;
    }
    let ws = workspace(&repo, &say, Instant::now() + repo.timeout, None)?;
    let path = service::manifest_path(&args.repo.manifest, &args.service)
        .map_err(|m| Failure::new(FailKind::Refused, m))?;
    let want = args.nth.map_or(args.max, |n| n + 1);
    let versions = versions(&ws, &path, &args.pick.target(&args.service), want)?;
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

/// Up to `want` images `target` held in `path`, newest first, each with the oldest commit of
/// its run (the one that introduced it) and what that commit records. Versions whose image
/// cannot be read (invalid then, or no such container) are skipped.
pub(super) fn versions(
    ws: &crate::git::Workspace,
    path: &str,
    target: &Target<'_>,
    want: usize,
) -> Result<Vec<Version>, Failure> {
    let mut found: Vec<(String, git2::Oid, i64)> = Vec::new();
    ws.history(path, |commit, time, bytes| {
        let Ok(m) = Manifest::parse_bytes(bytes) else {
            return true;
        };
        let Ok(f) = m.select(target) else {
            return true;
        };
        let len = found.len();
        match found.last_mut() {
            Some(last) if last.0 == f.value => {
                last.1 = commit;
                last.2 = time;
            }
            _ if len == want => return false,
            _ => found.push((f.value.clone(), commit, time)),
        }
        true
    })?;
    let service = target.service;
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
