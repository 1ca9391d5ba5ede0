//! `imgbump promote`: the exact image one environment's targets hold (digest included) set in
//! another environment's targets, in one commit.

use std::time::Instant;

use crate::bump::{Pair, Selection};
use crate::failure::{FailKind, Failure};
use crate::locate::{config_for, found};
use crate::reference::{shown, ImageSpec};

use super::open::workspace;
use super::options::{bump_options, Intent};
use super::say::Say;
use super::{bumped, PromoteArgs};

pub(super) fn run(args: &PromoteArgs, say: &Say) -> Result<(), Failure> {
    let start = Instant::now();
    if args.to.contains(&args.from) {
        return Err(Failure::new(
            FailKind::Usage,
            format!("--from {} and --to name the same environment", args.from),
        ));
    }
    let pick = super::PickArgs {
        workload: None,
        container: None,
        image_name: None,
        key: None,
        holds: None,
        env: vec![args.from.clone()],
    };
    let checked = bump_options(
        &args.repo,
        &pick,
        &args.message,
        &args.commit,
        Some(&args.add),
        Some(&args.registry),
    )?;
    let deadline = start + args.repo.timeout;
    let mut ws = workspace(&args.repo, say, deadline, args.commit.retries)?;
    let tip = ws.tip()?;
    let config = config_for(&ws, tip, checked.selection())?;
    let spec = image_in(
        &ws,
        tip,
        &args.service,
        checked.selection(),
        config.as_ref(),
    )?;
    say.info(&format!(
        "imgbump: promoting {} from {} to {}: {spec}",
        args.service,
        args.from,
        args.to.join(", ")
    ));
    let opts = checked.options(Intent {
        envs: Some(args.to.clone()),
        ignore_hold: args.holds.ignore_hold,
        ..Intent::default()
    });
    let pair = Pair {
        service: args.service.clone(),
        spec: Some(spec),
    };
    let outcome = bumped::bump(&mut ws, &[pair], &opts, &args.repo, say, start)?;
    bumped::fail_on_held(&outcome, &args.holds)
}

/// The one image `service`'s targets in the selection's environment hold: the whole reference
/// when a target holds one (a target holding only the tag must agree with it).
fn image_in(
    ws: &crate::git::Workspace,
    tip: git2::Oid,
    service: &str,
    sel: &Selection,
    config: Option<&crate::config::Config>,
) -> Result<ImageSpec, Failure> {
    let mut specs: Vec<(String, ImageSpec)> = Vec::new();
    for f in found(ws, tip, service, sel, config)? {
        let held = &f.held;
        let spec: ImageSpec = held.image.parse().map_err(|e| {
            Failure::new(
                FailKind::Refused,
                format!("{}:{}: {e}; nothing to promote", f.file, held.location),
            )
        })?;
        specs.push((format!("{}:{}", f.file, held.location.line), spec));
    }
    let full: Vec<&(String, ImageSpec)> = specs
        .iter()
        .filter(|(_, s)| matches!(s, ImageSpec::Full(_)))
        .collect();
    let chosen = full
        .first()
        .copied()
        .or(specs.first())
        .map(|(_, s)| s.clone());
    let Some(chosen) = chosen else {
        return Err(Failure::new(
            FailKind::NotFound,
            format!("{service} has no target"),
        ));
    };
    // Every target must hold the same image (or, holding only its tag or digest, that part).
    for (place, s) in &specs {
        let agrees = match (s, &chosen) {
            (a, b) if a == b => true,
            (ImageSpec::Tag(t), ImageSpec::Full(r)) => r.tag() == Some(t.as_str()),
            (ImageSpec::Digest(d), ImageSpec::Full(r)) => r.digest() == Some(d.as_str()),
            _ => false,
        };
        if !agrees {
            return Err(Failure::new(
                FailKind::Refused,
                format!(
                    "the targets of {service} disagree: {place} holds {}, another {}; nothing was promoted",
                    shown(&s.to_string()),
                    shown(&chosen.to_string())
                ),
            )
            .with_hint(format!(
                "bring them to one image first (`imgbump set {service}=IMAGE --env ENV`)"
            )));
        }
    }
    Ok(chosen)
}
