//! `imgbump get`: each service's current image.

use std::time::Instant;

use crate::bump::{self, FailKind, Failure};
use crate::manifest::Manifest;
use crate::service;

use super::{json, text, workspace, GetArgs, Output, Say};

pub(super) fn run(args: &GetArgs) -> Result<(), Failure> {
    let say = Say::silent();
    let ws = workspace(&args.repo, &say, Instant::now() + args.repo.timeout, None)?;
    let tip = ws.tip()?;
    let mut found = Vec::new();
    for s in &args.services {
        let path = service::manifest_path(&args.repo.manifest, s)
            .map_err(|m| Failure::new(FailKind::Refused, m))?;
        let text = bump::read_manifest(&ws, tip, &path, &args.repo.manifest)?;
        let m = Manifest::parse(&text).map_err(|e| Failure::from_edit(&path, e))?;
        let f = m
            .select(&args.pick.target(s))
            .map_err(|e| Failure::from_edit(&path, e))?;
        found.push((s.clone(), path, f.clone()));
    }
    match args.repo.output {
        Output::Json => json::get(&found),
        Output::Text => text::get(&found),
    }
    Ok(())
}
