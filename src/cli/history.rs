//! `imgbump history`: the images a service's manifest held, newest first, each with the commit
//! that introduced it.

use crate::bump::{FailKind, Failure};
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
    let ws = workspace(&repo, &say)?;
    let path = service::manifest_path(&args.repo.manifest, &args.service)
        .map_err(|m| Failure::new(FailKind::Refused, m))?;
    let want = args.nth.map_or(args.max, |n| n + 1);
    let versions = versions(&ws, &path, &args.pick.target(&args.service), want)?;
    if versions.is_empty() {
        return Err(Failure::new(
            FailKind::NotFound,
            format!(
                "{path} has no image for {} in the history of branch {}",
                args.service,
                ws.branch()
            ),
        ));
    }
    if let Some(n) = args.nth {
        let Some(v) = versions.get(n) else {
            return Err(Failure::new(
                FailKind::NotFound,
                format!(
                    "{path} held only {} images for {}; there is no --nth {n}",
                    versions.len(),
                    args.service
                ),
            ));
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
/// its run (the one that introduced it). Versions whose image cannot be read (invalid then, or
/// no such container) are skipped.
fn versions(
    ws: &crate::git::Workspace,
    path: &str,
    target: &Target<'_>,
    want: usize,
) -> Result<Vec<Version>, Failure> {
    let mut versions: Vec<Version> = Vec::new();
    ws.history(path, |commit, time, bytes| {
        let Ok(m) = Manifest::parse_bytes(bytes) else {
            return true;
        };
        let Ok(f) = m.select(target) else {
            return true;
        };
        let len = versions.len();
        match versions.last_mut() {
            Some(last) if last.image == f.value => {
                last.commit = commit;
                last.time = time;
            }
            _ if len == want => return false,
            _ => versions.push(Version {
                image: f.value.clone(),
                commit,
                time,
            }),
        }
        true
    })?;
    Ok(versions)
}
