//! Opening the repository for any subcommand: the checkout `--repo` names, or a clone of the
//! URL it names, with connection failures ridden out until the deadline.

use std::path::Path;
use std::time::Instant;

use crate::failure::{FailKind, Failure};
use crate::git::{self, Credentials, Workspace};
use crate::retry::{Retry, RetryResult, Stop};

use super::say::{printable, Say};
use super::RepoArgs;

/// Opens the checkout `--repo` names, or clones the URL it names. A clone whose connection is
/// refused, reset or cut (a server at its connection limit, a network blip) is tried again
/// after a pause, saying so each time, for at most `--connect-timeout` from the first failure,
/// until `deadline`, and at most `retries` times when that is given.
pub(super) fn workspace(
    args: &RepoArgs,
    say: &Say,
    deadline: Instant,
    retries: Option<u32>,
) -> Result<Workspace, Failure> {
    let progress = say.progress();
    let app = github_app(args)?;
    if !git::is_url(&args.repo) {
        let mut ws = Workspace::open(Path::new(&args.repo), args.branch.as_deref())?;
        if let Some(app) = &app {
            let token = app_token(app, ws.url(), deadline)?;
            ws.use_token(&token);
        }
        if let Some(p) = progress {
            ws.set_progress(p);
        }
        if let Some(n) = notice(say) {
            ws.set_notice(n);
        }
        return Ok(ws);
    }
    if let Some(app) = &app {
        git::use_minted(&app_token(app, &args.repo, deadline)?);
    }
    say.debug(&format!("cloning {}", git::redact_urls(&args.repo)));
    let opts = git::CloneOptions {
        branch: args.branch.as_deref(),
        depth: args.depth,
        workdir: args.workdir.as_deref(),
        cache: args.cache_dir.as_deref(),
        progress,
        notice: notice(say),
    };
    let retry = Retry::new(deadline, retries).connect(args.connect_timeout);
    let cloned = retry.run(
        0,
        || {
            RetryResult::judge(
                Workspace::clone(&args.repo, &opts, Credentials::from_env()),
                |e| e.kind == git::ErrorKind::Network,
            )
        },
        |e, wait| {
            say.info(&format!(
                "imgbump: {}; trying again in {:.1} s",
                e.message.lines().next().unwrap_or(""),
                wait.as_secs_f64()
            ))
        },
    );
    if let Some(signal) = crate::interrupt::requested() {
        return Err(Failure::interrupted(signal, "nothing was changed"));
    }
    match cloned {
        Ok(ws) => Ok(ws),
        Err(Stop::Failed(e)) => Err(e.into()),
        Err(Stop::Interrupted(signal)) => Err(Failure::interrupted(signal, "nothing was changed")),
        Err(Stop::Spent(e, spent)) => Err(Failure::new(FailKind::Other, e.message).with_hint(
            format!(
                "connecting failed {} in {:.1} s, until {knob}; check that the server is up and the URL is right, or raise {knob}",
                spent.times(),
                spent.over.as_secs_f64(),
                knob = spent.knob.flag(),
            ),
        )),
    }
}

/// The user's messages from the Git layer (a wait, a recovery, a retry), on stderr unless
/// `--quiet`.
fn notice(say: &Say) -> Option<git::NoticeFn> {
    (!say.quiet).then(|| {
        std::rc::Rc::new(|m: &str| {
            eprintln!("imgbump: {}", printable(m));
        }) as git::NoticeFn
    })
}

/// The GitHub App `--github-app-id` names, with its key from `--github-app-key FILE` or
/// `IMGBUMP_GITHUB_APP_KEY` (the PEM itself); `None` without an id.
fn github_app(args: &RepoArgs) -> Result<Option<crate::forge::github_app::App>, Failure> {
    let Some(id) = args
        .github_app_id
        .as_deref()
        .filter(|i| !i.trim().is_empty())
    else {
        if args.github_app_key.is_some() {
            return Err(Failure::new(
                FailKind::Usage,
                "--github-app-key goes with --github-app-id",
            ));
        }
        return Ok(None);
    };
    let pem = match &args.github_app_key {
        Some(path) => std::fs::read_to_string(path).map_err(|e| {
            Failure::new(
                FailKind::Usage,
                format!("--github-app-key {}: {e}", path.display()),
            )
        })?,
        None => std::env::var("IMGBUMP_GITHUB_APP_KEY")
            .ok()
            .filter(|k| !k.trim().is_empty())
            .ok_or_else(|| {
                Failure::new(
                    FailKind::Usage,
                    "--github-app-id needs the App's private key: --github-app-key FILE, or IMGBUMP_GITHUB_APP_KEY holding the PEM",
                )
            })?,
    };
    crate::forge::github_app::App::new(id, &pem)
        .map(Some)
        .map_err(|e| Failure::new(FailKind::Usage, e.message))
}

/// A token minted from the App's installation on the repository at `remote`, for the one
/// repository; never printed.
fn app_token(
    app: &crate::forge::github_app::App,
    remote: &str,
    deadline: Instant,
) -> Result<String, Failure> {
    let timeout = deadline
        .saturating_duration_since(Instant::now())
        .min(std::time::Duration::from_secs(60));
    app.token(remote, crate::utc::now(), timeout)
        .map_err(|e| Failure::new(FailKind::Other, e.message))
}
