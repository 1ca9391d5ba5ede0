//! `imgbump get`: each service's current image, in each of its targets.

use std::time::Instant;

use crate::bump::targets::{locator, read_config, resolve};
use crate::bump::{self, Failure};
use crate::config::Placed;
use crate::git::Workspace;
use crate::manifest::{Held, Manifest};

use super::{json, text, workspace, GetArgs, Output, Say};

/// One image `get` found: the service, its environment, the file and what holds it.
pub(super) struct GetRow {
    pub service: String,
    pub env: Option<String>,
    pub file: String,
    pub held: Held,
}

pub(super) fn run(args: &GetArgs) -> Result<(), Failure> {
    let say = Say::silent();
    let ws = workspace(&args.repo, &say, Instant::now() + args.repo.timeout, None)?;
    let tip = ws.tip()?;
    let sel = args.pick.selection(&args.repo)?;
    let config = if sel.manifests.is_empty() {
        read_config(&ws, tip)?
    } else {
        None
    };
    let mut found = Vec::new();
    for s in &args.services {
        for placed in resolve(&ws, tip, s, &sel, config.as_ref())? {
            let held = held_at(&ws, tip, s, &placed)?;
            found.push(GetRow {
                service: s.to_string(),
                env: placed.env,
                file: placed.path,
                held,
            });
        }
    }
    match args.repo.output {
        Output::Json => json::get(&found),
        Output::Text => text::get(&found),
    }
    Ok(())
}

/// The image `placed` names for `service` on `tip`.
pub(super) fn held_at(
    ws: &Workspace,
    tip: git2::Oid,
    service: &str,
    placed: &Placed,
) -> Result<Held, Failure> {
    let text = bump::read_manifest(ws, tip, &placed.path, &placed.spec.manifest)?;
    let m = Manifest::parse(&text).map_err(|e| Failure::from_edit(&placed.path, e))?;
    let loc = locator(&placed.spec, service, &m, &placed.path);
    m.get(&loc).map_err(|e| Failure::from_edit(&placed.path, e))
}
