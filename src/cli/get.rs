//! `imgbump get`: each service's current image, in each of its targets.

use std::time::Instant;

use crate::failure::Failure;
use crate::locate::{config_for, found};

use super::open::reading;
use super::say::Say;
use super::{json, text, GetArgs, Output};

pub(super) fn run(args: &GetArgs, say: &Say) -> Result<(), Failure> {
    let ws = reading(&args.repo, say, Instant::now() + args.repo.timeout)?;
    let tip = ws.tip()?;
    let sel = args.pick.selection(&args.repo)?;
    let config = config_for(&ws, tip, &sel)?;
    let mut rows = Vec::new();
    for s in &args.services {
        rows.extend(found(&ws, tip, s, &sel, config.as_ref())?);
    }
    match args.repo.output {
        Output::Json => json::get(&rows),
        Output::Text => text::get(&rows, say),
    }
    Ok(())
}
