//! `imgbump history`: the images a service's manifest held, newest first, each with the commit
//! that introduced it.

use std::time::Instant;

use crate::failure::{FailKind, Failure};
use crate::locate::{no_image, one_target, versions};

use super::open::reading;
use super::say::Say;
use super::{json, text, HistoryArgs, Output};

pub(super) fn run(args: &HistoryArgs, say: &Say) -> Result<(), Failure> {
    let mut repo = args.repo.clone();
    if repo.depth == 1 {
        // History needs the commits: a full fetch, unless --depth says otherwise.
        repo.depth = 0;
    }
    let ws = reading(&repo, say, Instant::now() + repo.timeout)?;
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
                Failure::new(FailKind::NotFound, format!(
                    "the history here is shallow: it holds only {} images of {} in {path}, and the one --nth {n} asks for may be older",
                    versions.len(),
                    args.service
                ))
                .with_hint("deepen it (`git fetch --unshallow`), or pass the remote's URL as --repo")
            } else {
                Failure::new(
                    FailKind::NotFound,
                    format!(
                        "{path} held only {} images for {}; there is no --nth {n}",
                        versions.len(),
                        args.service
                    ),
                )
            };
            return Err(why);
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
