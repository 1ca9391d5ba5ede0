//! Opening the repository for any subcommand: the checkout `--repo` names, or a clone of the
//! URL it names, with connection failures ridden out until the deadline.

use std::path::Path;
use std::time::Instant;

use crate::failure::{FailKind, Failure};
use crate::git::{self, Credentials, Workspace};

use super::say::{printable, Say};
use super::RepoArgs;

/// Opens the checkout `--repo` names, or clones the URL it names. A clone whose connection is
/// refused, reset or cut (a server at its connection limit, a network blip) is tried again
/// after a pause, until `deadline`, and at most `retries` times when that is given.
pub(super) fn workspace(
    args: &RepoArgs,
    say: &Say,
    deadline: Instant,
    retries: Option<u32>,
) -> Result<Workspace, Failure> {
    let progress = say.progress();
    if !git::is_url(&args.repo) {
        let mut ws = Workspace::open(Path::new(&args.repo), args.branch.as_deref())?;
        if let Some(p) = progress {
            ws.set_progress(p);
        }
        if !say.quiet {
            ws.set_notice(std::rc::Rc::new(|m: &str| {
                eprintln!("imgbump: {}", printable(m));
            }));
        }
        return Ok(ws);
    }
    say.debug(&format!("cloning {}", git::redact_urls(&args.repo)));
    let opts = git::CloneOptions {
        branch: args.branch.as_deref(),
        depth: args.depth,
        workdir: args.workdir.as_deref(),
        cache: args.cache_dir.as_deref(),
        progress,
    };
    let mut tries = 0;
    loop {
        let cloned = Workspace::clone(&args.repo, &opts, Credentials::from_env());
        if let Some(signal) = crate::interrupt::requested() {
            return Err(Failure::interrupted(signal, "nothing was changed"));
        }
        match cloned {
            Err(e) if e.kind == git::ErrorKind::Network => {
                tries += 1;
                let wait = crate::bump::backoff(tries);
                let knob = match retries {
                    Some(r) if tries > r => "--retries",
                    _ if Instant::now() + wait >= deadline => "--timeout",
                    _ => "",
                };
                if !knob.is_empty() {
                    return Err(Failure::new(
                        FailKind::Other,
                        format!(
                            "{}\nconnecting failed {} until {knob}; check that the server is up and the URL is right, or raise {knob}",
                            e.message,
                            if tries == 1 {
                                "once".to_string()
                            } else {
                                format!("{tries} times")
                            }
                        ),
                    ));
                }
                if tries == 1 {
                    say.info(&format!(
                        "imgbump: {}\ntrying again until --timeout",
                        e.message
                    ));
                }
                crate::interrupt::sleep(wait);
            }
            other => return Ok(other?),
        }
    }
}
