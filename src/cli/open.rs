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
    if let Some(why) = crate::url::RemoteUrl::parse(&args.repo).malformed() {
        return Err(Failure::new(FailKind::Usage, format!("--repo: {why}")));
    }
    let app = github_app(args, say)?;
    if !git::is_url(&args.repo) {
        let mut ws = Workspace::open(Path::new(&args.repo), args.branch.as_deref())?;
        // The remote's user info, as the checkout's config holds it.
        ws.credentials().learn();
        if let Some(app) = &app {
            let token = app_token(app, ws.url(), deadline, say)?;
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
    // The minted token is carried by the clone's credentials, before the environment's.
    let mut creds = Credentials::from_env();
    if let Some(app) = &app {
        creds.set_token(&app_token(app, &args.repo, deadline, say)?);
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
                Workspace::clone(&args.repo, &opts, creds.clone()),
                git::Error::worth_retrying,
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
        Err(Stop::Spent(e, spent)) => Err(Failure::from(e).with_hint(
            format!(
                "connecting failed {} in {:.1} s, until {knob}; check that the server is up and the URL is right, or raise {knob}",
                spent.times(),
                spent.over.as_secs_f64(),
                knob = spent.knob.flag(),
            ),
        )),
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
        crate::git::short_id(&tip)
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
/// (fetched now, and said so; the bump that follows builds on that fetch, without another);
/// else the branch's tip.
pub(super) fn tip_to_decide(ws: &mut Workspace, say: &Say) -> Result<git2::Oid, Failure> {
    let local = ws.tip()?;
    if !ws.is_open() || ws.url().is_empty() || ws.fetch_once().is_err() {
        return Ok(local);
    }
    match ws.standing() {
        Some(s) if !s.up_to_date() => {
            say.info(&format!(
                "imgbump: {}; reading {}'s tip ({}), which this run changes",
                s.describe(),
                s.upstream,
                crate::git::short_id(&s.remote)
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
fn github_app(
    args: &RepoArgs,
    say: &Say,
) -> Result<Option<crate::forge::github_app::App>, Failure> {
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
        Some(path) => read_key(path, say)?,
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

/// The most a private key's PEM file holds (an RSA key of 16,384 bits is under 13 KB).
const MAX_KEY: u64 = 64 << 10;

/// The App's private key from `path`: a regular file only (a FIFO, a device or a directory is
/// refused at once, never waited on: the file is opened without blocking and looked at before
/// it is read), at most [`MAX_KEY`] bytes; a warning when others than its owner may read it,
/// as ssh warns.
fn read_key(path: &Path, say: &Say) -> Result<String, Failure> {
    use std::io::Read;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let fail = |m: String| {
        Failure::new(
            FailKind::Usage,
            format!(
                "--github-app-key {}: {m}",
                printable(&path.display().to_string())
            ),
        )
    };
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| fail(e.to_string()))?;
    let meta = file.metadata().map_err(|e| fail(e.to_string()))?;
    if !meta.is_file() {
        return Err(fail(
            "not a regular file (a pipe, a device or a directory); give the .pem file GitHub generated for the App".into(),
        ));
    }
    if meta.len() > MAX_KEY {
        return Err(fail(format!(
            "{} bytes is too large for a private key (at most {MAX_KEY})",
            meta.len()
        )));
    }
    if meta.permissions().mode() & 0o077 != 0 {
        say.info(&format!(
            "imgbump: warning: --github-app-key {} may be read by others than its owner (mode {:o}); run chmod 600 on it",
            printable(&path.display().to_string()),
            meta.permissions().mode() & 0o777
        ));
    }
    let mut pem = String::new();
    file.take(MAX_KEY + 1)
        .read_to_string(&mut pem)
        .map_err(|e| fail(e.to_string()))?;
    Ok(pem)
}

/// A token minted from the App's installation on the repository at `remote`, for the one
/// repository; never printed.
fn app_token(
    app: &crate::forge::github_app::App,
    remote: &str,
    deadline: Instant,
    say: &Say,
) -> Result<String, Failure> {
    let timeout = deadline
        .saturating_duration_since(Instant::now())
        .min(std::time::Duration::from_secs(60));
    app.token(remote, crate::utc::now(), timeout, (deadline, notice(say)))
        .map_err(|e| Failure::new(FailKind::Other, e.message))
}
