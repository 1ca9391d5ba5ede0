//! After a push, for `wait` and `set --wait`: the flags turned into the wait's settings, what
//! the wait sees printed (one line per change of state, a spinner on a terminal), and the
//! notifications of what happened. The wait itself is `deploy::watch`'s.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use git2::Oid;

use crate::config::{Config, Placed};
use crate::deploy::notify::{self, Event, Target, When};
use crate::deploy::watch::{self, Seen};
use crate::failure::{FailKind, Failure};
use crate::git::Workspace;

pub(super) use crate::deploy::watch::{not_deployed, Settings, Watch, Watched};

use super::args::{ArgoArgs, NotifyArgs, NotifyOn};
use super::say::{printable, Say};

/// The applications that deploy `placed`, from `--argocd-app` or `.imgbump.yaml`.
pub(super) fn watches(
    service: &str,
    placed: &[Placed],
    argo: &ArgoArgs,
    config: Option<&Config>,
) -> Result<Vec<Watch>, Failure> {
    watch::applications(service, placed, argo.argocd_app.as_deref(), config)
}

/// The wait's settings from the flags (the token read once, here), checked: Argo CD's
/// address and token, and the poll interval. Its deadline is `--wait-timeout` from now: one for
/// the whole run, however many applications it waits for ([`Settings::starting_now`] sets it again
/// when the wait starts later).
pub(super) fn settings(argo: &ArgoArgs) -> Result<Settings, Failure> {
    let s = Settings {
        server: argo.argocd_server.clone().unwrap_or_default(),
        token: std::env::var("ARGOCD_AUTH_TOKEN").unwrap_or_default(),
        insecure: argo.insecure_argocd,
        deadline: std::time::Instant::now() + argo.wait_timeout,
        poll: argo.poll_interval,
        timeout: argo.wait_timeout,
    };
    watch::check(&s)?;
    Ok(s)
}

/// What `set --wait` and `--notify` need, checked before anything is pushed, so that a
/// refusal leaves the remote as it was: the notification targets (the flags' and those of
/// `.imgbump.yaml` at the tip), and with `wait`, Argo CD's address, token and poll interval
/// and the application of every target of `services`.
pub(super) fn before_push(
    ws: &Workspace,
    services: &[&str],
    sel: &crate::locate::Selection,
    (argo, wait): (&ArgoArgs, bool),
    notify: &NotifyArgs,
    say: &Say,
) -> Result<(Vec<Target>, Option<Settings>), Failure> {
    let tip = ws.tip()?;
    let config = crate::locate::config_for(ws, tip, sel)?;
    let targets = targets(notify, config.as_ref(), say)?;
    if !wait {
        return Ok((targets, None));
    }
    let settings = settings(argo)?;
    for service in services {
        // A service the run cannot place fails in the bump itself, in its own words.
        if let Ok(placed) = crate::locate::resolve(ws, tip, service, sel, config.as_ref()) {
            watches(service, &placed, argo, config.as_ref())?;
        }
    }
    Ok((targets, Some(settings)))
}

/// What was pushed, for a message about what followed.
pub(super) fn what_pushed(o: &crate::bump::Outcome) -> String {
    match (&o.commit, o.pushed) {
        (Some(c), true) => format!("pushed {}", crate::git::short_id(c)),
        _ => "nothing new was pushed (the branch had it already)".to_string(),
    }
}

/// A failure after the push (the wait could not be done): it says that the push stands, and
/// is exit 6, never a usage error that reads as "nothing happened".
pub(super) fn after_the_push(f: Failure, o: &crate::bump::Outcome) -> Failure {
    if f.kind == FailKind::Interrupted {
        return f;
    }
    Failure::new(
        FailKind::NotDeployed,
        format!(
            "{}; the push stands, but the wait for Argo CD failed: {}",
            what_pushed(o),
            f.message
        ),
    )
}

/// Waits for `watches` to deploy `commit`, printing each change of state (and a spinner on a
/// terminal).
pub(super) fn wait(
    ws: &mut Workspace,
    commit: Oid,
    watches: &[Watch],
    settings: &Settings,
    say: &Say,
) -> Result<Vec<Watched>, Failure> {
    let spinner =
        !say.quiet && std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let name = |w: &Watch| match &w.env {
        Some(e) => format!("{} ({e}), {}", w.service, w.app),
        None => format!("{}, {}", w.service, w.app),
    };
    let mut shown = |s: Seen<'_>| match s {
        Seen::State(w, state) => {
            clear(spinner);
            say.info(&format!("{}: {}", name(w), printable(state)));
        }
        Seen::Retrying(w, why) => {
            clear(spinner);
            say.info(&format!("{}: {why}; asking again", name(w)));
        }
        Seen::Waiting(w, spent) if spinner => {
            let frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
            let i = (spent.as_millis() / 100) as usize % frames.len();
            let _ = write!(
                std::io::stderr(),
                "\r\x1b[2K{} waiting for {} ({:.0} s)",
                frames[i],
                name(w),
                spent.as_secs_f64()
            );
        }
        Seen::Waiting(..) => {}
    };
    let done = watch::wait(ws, commit, watches, settings, &mut shown);
    clear(spinner);
    done
}

fn clear(spinner: bool) {
    if spinner {
        let _ = write!(std::io::stderr(), "\r\x1b[2K");
    }
}

/// The notification targets: `--notify` (and `IMGBUMP_NOTIFY`), then `.imgbump.yaml`'s. The
/// file may only name variables (`slack:${SLACK_WEBHOOK_URL}`): a URL written there would be a
/// secret in Git, and repository content must not choose where a run's details are sent.
pub(super) fn targets(
    args: &NotifyArgs,
    config: Option<&Config>,
    say: &Say,
) -> Result<Vec<Target>, Failure> {
    let usage = |m: String| Failure::new(FailKind::Usage, m);
    let mut out: Vec<Target> = Vec::new();
    // A variable that is not set (a run on a laptop, say), or empty, leaves its notification
    // out: a missing secret must not block a deploy.
    let mut keep = |n: &str, t: Option<Target>| match t {
        Some(t) => out.push(t),
        None => {
            let (kind, url) = n.trim().split_once(':').unwrap_or((n, ""));
            say.info(&match url.trim() {
                u if u.starts_with("${") => {
                    format!("imgbump: warning: not notifying {u}: its variable is not set")
                }
                _ => format!("imgbump: warning: not notifying {kind}: its URL is empty"),
            })
        }
    };
    for n in args.notify.iter().filter(|n| !n.trim().is_empty()) {
        keep(
            n,
            Target::parse(n).map_err(|m| usage(format!("--notify: {m}")))?,
        );
    }
    for n in config.map(|c| c.notify.as_slice()).unwrap_or_default() {
        let named = n.split_once(':').is_some_and(|(_, url)| {
            url.strip_prefix("${")
                .and_then(|v| v.strip_suffix('}'))
                .is_some_and(notify_variable)
        });
        if !named {
            return Err(usage(format!(
                "{}: `notify` entries name a variable that holds the URL, one meant for it: whose name ends in _WEBHOOK_URL, such as slack:${{SLACK_WEBHOOK_URL}}; a URL is not written in the repository, nor another variable named",
                crate::config::FILE
            )));
        }
        keep(
            n,
            Target::parse(n).map_err(|m| usage(format!("{}: notify: {m}", crate::config::FILE)))?,
        );
    }
    Ok(out)
}

/// Whether `.imgbump.yaml` may name the variable `v` for a notification's URL: upper case,
/// digits and `_`, ending in `_WEBHOOK_URL` (`SLACK_WEBHOOK_URL`, `TEAMS_WEBHOOK_URL`). Other
/// variables (a workflow's inputs, `PAYLOAD_URL`) may hold what a request chose.
pub(super) fn notify_variable(v: &str) -> bool {
    v.len() > "_WEBHOOK_URL".len()
        && v.ends_with("_WEBHOOK_URL")
        && v.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// Sends `events`, all within `--timeout` from now; a failure is a warning.
pub(super) fn notify(
    targets: &[Target],
    on: NotifyOn,
    events: &[Event],
    say: &Say,
    repo: &super::RepoArgs,
) {
    if targets.is_empty() || events.is_empty() {
        return;
    }
    let when = match on {
        NotifyOn::Success => When::Success,
        NotifyOn::Failure => When::Failure,
        NotifyOn::Always => When::Always,
    };
    let deadline = std::time::Instant::now() + repo.timeout.min(Duration::from_secs(60));
    let waiting = |m: &str| say.info(&format!("imgbump: {m}"));
    for w in notify::send(targets, when, events, deadline, &waiting) {
        say.info(&format!("imgbump: warning: {w}"));
    }
}

/// The repository's name, from its URL or path (`isA_Cloud`).
pub(super) fn repository_name(url: &str) -> String {
    let trimmed = url.trim_end_matches('/');
    let last = trimmed.rsplit(['/', ':']).next().unwrap_or(trimmed);
    last.strip_suffix(".git").unwrap_or(last).to_string()
}
