//! `imgbump promote`: the exact image one environment's targets hold (digest included) set in
//! another environment's targets, in one commit.

use std::time::Instant;

use crate::bump::Pair;
use crate::failure::{FailKind, Failure};
use crate::locate::{agreed_image, config_for};
use crate::reference::shown;

use super::open::workspace;
use super::options::{bump_options, Intent, Pick};
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
    // The bump writes --to's targets; it reads --from's first, with the same selection.
    let checked = bump_options(
        &args.repo,
        Pick::Envs("--to", &args.to),
        &args.message,
        &args.commit,
        Some(&args.add),
        Some(&args.registry),
    )?;
    let from = checked.selection_in("--from", std::slice::from_ref(&args.from))?;
    let deadline = start + args.repo.timeout;
    let mut ws = workspace(&args.repo, say, deadline, args.commit.retries)?;
    let tip = super::open::tip_to_decide(&mut ws, say)?;
    let config = config_for(&ws, tip, &from)?;
    check_envs(args, config.as_ref())?;
    let spec = agreed_image(&ws, tip, &args.service, &from, config.as_ref())?;
    say.info(&format!(
        "imgbump: promoting {} from {} to {}: {spec}",
        args.service,
        args.from,
        args.to.join(", ")
    ));
    let opts = checked.options(Intent {
        ignore_hold: args.holds.ignore_hold,
        ..Intent::default()
    });
    let pair = Pair {
        service: args.service.clone(),
        spec: Some(spec),
        only: None,
    };
    let outcome = bumped::bump(&mut ws, &[pair], &opts, &args.repo, say, start)?;
    bumped::fail_on_held(&outcome, &args.holds)
}

/// `--from` and `--to` name environments the config declares; an error names the flag typed
/// (the shared check speaks of `--env`, which promote does not take).
fn check_envs(args: &PromoteArgs, config: Option<&crate::config::Config>) -> Result<(), Failure> {
    let flags = std::iter::once(("--from", &args.from)).chain(args.to.iter().map(|t| ("--to", t)));
    let Some(c) = config else {
        if args.repo.manifest.iter().any(|m| m.contains("{env}")) {
            return Ok(());
        }
        return Err(Failure::new(
            FailKind::Usage,
            format!(
                "--from and --to name environments, and the repository declares none: declare them in {} (see `imgbump set --help`), or pass --manifest with {{env}}",
                crate::config::FILE
            ),
        ));
    };
    for (flag, env) in flags {
        if !c.environments.contains(env) {
            return Err(Failure::new(
                FailKind::Usage,
                format!(
                    "{flag} {}: {} declares {}",
                    shown(env),
                    crate::config::FILE,
                    if c.environments.is_empty() {
                        "no environments".to_string()
                    } else {
                        format!("the environments {}", c.environments.join(", "))
                    }
                ),
            ));
        }
    }
    Ok(())
}
