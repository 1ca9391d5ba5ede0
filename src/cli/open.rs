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
    let mut tries = 0;
    let mut streak: Option<Instant> = None;
    loop {
        let cloned = Workspace::clone(&args.repo, &opts, Credentials::from_env());
        if let Some(signal) = crate::interrupt::requested() {
            return Err(Failure::interrupted(signal, "nothing was changed"));
        }
        match cloned {
            Err(e) if e.worth_retrying() => {
                tries += 1;
                let since = *streak.get_or_insert_with(Instant::now);
                let wait = crate::bump::backoff(tries);
                let knob = match retries {
                    Some(r) if tries > r => "--retries",
                    _ if Instant::now() + wait >= deadline => "--timeout",
                    _ if since.elapsed() + wait > args.connect_timeout => "--connect-timeout",
                    _ => "",
                };
                if !knob.is_empty() {
                    return Err(Failure::new(
                        FailKind::Other,
                        format!(
                            "{}\nconnecting failed {} in {:.1} s, until {knob}; check that the server is up and the URL is right, or raise {knob}",
                            e.message,
                            if tries == 1 {
                                "once".to_string()
                            } else {
                                format!("{tries} times")
                            },
                            since.elapsed().as_secs_f64()
                        ),
                    ));
                }
                say.info(&format!(
                    "imgbump: {}; trying again in {:.1} s",
                    e.message.lines().next().unwrap_or(""),
                    wait.as_secs_f64()
                ));
                crate::interrupt::sleep(wait);
            }
            other => return Ok(other?),
        }
    }
}

/// Opens the repository for a command that only reads (`get`, `list`, `history`). In a
/// checkout, which is not the remote, its upstream is fetched first (as `git fetch` does), and
/// the user is told which commit is read and, when the remote holds more, that it does.
pub(super) fn reading(args: &RepoArgs, say: &Say, deadline: Instant) -> Result<Workspace, Failure> {
    let mut ws = workspace(args, say, deadline, None)?;
    if ws.is_open() {
        say_standing(&mut ws, say);
    } else if let Ok(tip) = ws.tip() {
        // A clone reads the remote's tip as fetched now.
        say.debug(&format!(
            "read {} at {} from {}",
            ws.branch(),
            tip,
            ws.url()
        ));
    }
    Ok(ws)
}

/// Says which commit of the checkout is read, and how it stands against the remote.
fn say_standing(ws: &mut Workspace, say: &Say) {
    let Ok(tip) = ws.tip() else { return };
    let read = format!(
        "read the local branch {} at {}",
        ws.branch(),
        tip.to_string().get(..7).unwrap_or("")
    );
    if ws.url().is_empty() {
        say.info(&format!(
            "imgbump: {read} (it has no remote to compare with)"
        ));
        return;
    }
    if let Err(e) = ws.fetch() {
        if e.kind == git::ErrorKind::NotFound {
            say.info(&format!(
                "imgbump: {read} (the remote {} has no branch {} to compare with)",
                ws.url(),
                ws.branch()
            ));
            return;
        }
        say.info(&format!(
            "imgbump: warning: {read}, but could not fetch from {} to compare: {}\nthe remote may hold other images",
            ws.url(),
            e.message.lines().next().unwrap_or("")
        ));
        return;
    }
    match ws.standing() {
        Some(s) if s.behind > 0 => say.info(&format!(
            "imgbump: warning: {read}, which is not what the remote holds: {}\nrun `git pull` to read the remote's (or pass --repo URL)",
            s.describe()
        )),
        Some(s) if s.ahead > 0 => say.info(&format!(
            "imgbump: {read}: {} (not pushed yet)",
            s.describe()
        )),
        Some(s) => say.info(&format!("imgbump: {read}, as on {}", s.upstream)),
        None => say.info(&format!("imgbump: {read} (the remote has no such branch)")),
    }
}

/// The commit a writing command reads what it decides from (`promote`'s source image): in a
/// checkout that is not where its upstream is, the remote's tip, which the run will change
/// (fetched now, and said so); else the branch's tip.
pub(super) fn tip_to_decide(ws: &mut Workspace, say: &Say) -> Result<git2::Oid, Failure> {
    let local = ws.tip()?;
    if !ws.is_open() || ws.url().is_empty() || ws.fetch().is_err() {
        return Ok(local);
    }
    match ws.standing() {
        Some(s) if !s.up_to_date() => {
            say.info(&format!(
                "imgbump: {}; reading {}'s tip ({}), which this run changes",
                s.describe(),
                s.upstream,
                s.remote.to_string().get(..7).unwrap_or("")
            ));
            Ok(s.remote)
        }
        _ => Ok(local),
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
    app.token(remote, crate::hold::now(), timeout)
        .map_err(|e| Failure::new(FailKind::Other, e.message))
}
