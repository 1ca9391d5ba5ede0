//! After a push, for `wait` and `set --wait`: which Argo CD application deploys each target,
//! the wait until it has deployed the commit (one line per change of state, a spinner on a
//! terminal), and the notifications of what happened.

use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use git2::Oid;

use crate::argocd::{AskError, Server, Verdict};
use crate::config::{Config, Placed};
use crate::failure::{FailKind, Failure};
use crate::git::Workspace;
use crate::notify::{self, Event, Target, When};

use super::args::{ArgoArgs, NotifyArgs, NotifyOn};
use super::say::{printable, Say};

/// One application to watch: the service and environment it deploys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Watch {
    pub service: String,
    pub env: Option<String>,
    pub app: String,
}

/// How a watch ended.
#[derive(Debug, Clone)]
pub(super) struct Watched {
    pub watch: Watch,
    /// Deployed, synced and healthy.
    pub deployed: bool,
    /// The health last seen.
    pub health: String,
    /// The revision(s) last seen synced.
    pub revision: String,
    /// What went wrong, in Argo CD's words, or the last state when the wait ran out.
    pub error: Option<String>,
}

/// The applications that deploy `placed` (one per environment): `--argocd-app`, else the
/// target's `argocd: {app: …}`, else the config's, filled with `{service}` and `{env}`.
pub(super) fn watches(
    service: &str,
    placed: &[Placed],
    argo: &ArgoArgs,
    config: Option<&Config>,
) -> Result<Vec<Watch>, Failure> {
    let mut out: Vec<Watch> = Vec::new();
    for p in placed {
        let template = argo
            .argocd_app
            .clone()
            .or_else(|| p.spec.argocd_app.clone())
            .or_else(|| config.and_then(|c| c.argocd_app.clone()))
            .ok_or_else(|| {
                Failure::new(
                    FailKind::Usage,
                    format!("which Argo CD application deploys {service}? pass --argocd-app NAME, or set `argocd: {{app: \"{{service}}-{{env}}\"}}` in .imgbump.yaml"),
                )
            })?;
        let env = p.env.as_deref().unwrap_or("");
        let app = crate::template::fill(&template, &[("service", service), ("env", env)])
            .map_err(|m| Failure::new(FailKind::Usage, format!("the Argo CD application: {m}")))?;
        check_app(&app)?;
        let w = Watch {
            service: service.to_string(),
            env: p.env.clone(),
            app,
        };
        if !out.iter().any(|o| o.app == w.app && o.env == w.env) {
            out.push(w);
        }
    }
    Ok(out)
}

/// An application's name as Kubernetes takes it (a DNS subdomain): nothing that could leave
/// the API's path.
fn check_app(app: &str) -> Result<(), Failure> {
    let ok = !app.is_empty()
        && app.len() <= 253
        && app
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && !app.starts_with(['-', '.'])
        && !app.contains("..");
    match ok {
        true => Ok(()),
        false => Err(Failure::new(
            FailKind::Usage,
            format!(
                "{} is not an Argo CD application name (lowercase letters, digits, '-' and '.')",
                crate::reference::shown(app)
            ),
        )),
    }
}

/// Waits until each of `watches` has deployed `commit` (or a later commit containing it),
/// failed, or `--wait-timeout` ran out.
pub(super) fn wait(
    ws: &mut Workspace,
    commit: Oid,
    watches: &[Watch],
    argo: &ArgoArgs,
    say: &Say,
) -> Result<Vec<Watched>, Failure> {
    let token = std::env::var("ARGOCD_AUTH_TOKEN").unwrap_or_default();
    let server = Server::new(
        argo.argocd_server.as_deref().unwrap_or(""),
        &token,
        argo.insecure_argocd,
        argo.poll_interval
            .clamp(Duration::from_secs(5), Duration::from_secs(30)),
    )
    .map_err(|e| Failure::new(FailKind::Usage, e.message().to_string()))?;
    let deadline = Instant::now() + argo.wait_timeout;
    let mut known: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for w in watches {
        out.push(watch(
            ws,
            commit,
            w,
            &server,
            (argo, deadline),
            &mut known,
            say,
        )?);
    }
    Ok(out)
}

/// One application, read until it says.
fn watch(
    ws: &mut Workspace,
    commit: Oid,
    w: &Watch,
    server: &Server,
    (argo, deadline): (&ArgoArgs, Instant),
    known: &mut HashSet<String>,
    say: &Say,
) -> Result<Watched, Failure> {
    let spinner =
        !say.quiet && std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let name = match &w.env {
        Some(e) => format!("{} ({e}), {}", w.service, w.app),
        None => format!("{}, {}", w.service, w.app),
    };
    let started = Instant::now();
    let mut last = String::new();
    let mut first = true;
    let mut seen = Watched {
        watch: w.clone(),
        deployed: false,
        health: String::new(),
        revision: String::new(),
        error: None,
    };
    loop {
        if let Some(signal) = crate::interrupt::requested() {
            return Err(Failure::interrupted(
                signal,
                "the push stands; the wait was cut short",
            ));
        }
        match server.application(&w.app, None, first) {
            Ok(app) => {
                first = false;
                let state = app.state();
                if state != last {
                    clear(spinner);
                    say.info(&format!("{name}: {}", printable(&state)));
                    last = state;
                }
                seen.health.clone_from(&app.health);
                seen.revision = app.revisions.join(",");
                let revs: Vec<&String> = app
                    .revisions
                    .iter()
                    .chain(app.operation.iter().flat_map(|o| o.revisions.iter()))
                    .collect();
                let ours: HashSet<String> = revs
                    .into_iter()
                    .filter(|r| contains(ws, r, commit, known))
                    .cloned()
                    .collect();
                let url = ws.url().to_string();
                let verdict = app.judge(&url, &|rev| ours.contains(rev));
                match verdict {
                    Verdict::Deployed => {
                        seen.deployed = true;
                        return Ok(seen);
                    }
                    Verdict::Failed(words) => {
                        seen.error = Some(words);
                        return Ok(seen);
                    }
                    Verdict::Pending => {}
                }
            }
            Err(AskError::Down(m)) => {
                clear(spinner);
                say.info(&format!("{name}: {m}; asking again"));
            }
            Err(AskError::NoApp(m)) => return Err(Failure::new(FailKind::NotFound, m)),
            Err(AskError::Refused(m)) => return Err(Failure::new(FailKind::Other, m)),
            Err(AskError::Setup(m)) => return Err(Failure::new(FailKind::Usage, m)),
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            clear(spinner);
            seen.error = Some(format!(
                "not deployed within --wait-timeout ({:.0} s); last seen: {}",
                started.elapsed().as_secs_f64(),
                if last.is_empty() {
                    "nothing (Argo CD did not answer)"
                } else {
                    &last
                }
            ));
            return Ok(seen);
        }
        if spinner {
            let frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
            let i = (started.elapsed().as_millis() / 100) as usize % frames.len();
            let _ = write!(
                std::io::stderr(),
                "\r\x1b[2K{} waiting for {name} ({:.0} s)",
                frames[i],
                started.elapsed().as_secs_f64()
            );
        }
        crate::interrupt::sleep(argo.poll_interval.min(left));
    }
}

fn clear(spinner: bool) {
    if spinner {
        let _ = write!(std::io::stderr(), "\r\x1b[2K");
    }
}

/// Whether the revision `rev` is `commit` or a descendant of it; a revision this clone does
/// not have yet is fetched once.
fn contains(ws: &mut Workspace, rev: &str, commit: Oid, known: &mut HashSet<String>) -> bool {
    let Ok(oid) = Oid::from_str(rev) else {
        return false;
    };
    if rev.len() != 40 {
        return false;
    }
    if !ws.has_commit(oid) && known.insert(rev.to_string()) {
        let _ = ws.fetch();
    }
    ws.has_commit(oid) && ws.reaches(oid, commit)
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
    // A variable that is not set (a run on a laptop, say) leaves its notification out.
    let mut keep = |n: &str, t: Option<Target>| match t {
        Some(t) => out.push(t),
        None => say.info(&format!(
            "imgbump: warning: not notifying {}: its variable is not set",
            n.split_once(':').map_or("", |(_, u)| u)
        )),
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
                .is_some_and(|v| {
                    !v.is_empty()
                        && v.bytes()
                            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
                })
        });
        if !named {
            return Err(usage(format!(
                "{}: `notify` entries name a variable that holds the URL, such as slack:${{SLACK_WEBHOOK_URL}}; a URL is not written in the repository",
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

/// Sends `events`; a failure is a warning.
pub(super) fn notify(targets: &[Target], on: NotifyOn, events: &[Event], say: &Say) {
    if targets.is_empty() || events.is_empty() {
        return;
    }
    let when = match on {
        NotifyOn::Success => When::Success,
        NotifyOn::Failure => When::Failure,
        NotifyOn::Always => When::Always,
    };
    for w in notify::send(targets, when, events, Duration::from_secs(15)) {
        say.info(&format!("imgbump: warning: {w}"));
    }
}

/// The repository's name, from its URL or path (`isA_Cloud`).
pub(super) fn repository_name(url: &str) -> String {
    let trimmed = url.trim_end_matches('/');
    let last = trimmed.rsplit(['/', ':']).next().unwrap_or(trimmed);
    last.strip_suffix(".git").unwrap_or(last).to_string()
}

/// The failure when a watch did not end deployed: exit 6.
pub(super) fn not_deployed(watched: &[Watched]) -> Option<Failure> {
    let failed: Vec<String> = watched
        .iter()
        .filter_map(|w| {
            w.error
                .as_ref()
                .map(|e| format!("{} ({}): {e}", w.watch.service, w.watch.app))
        })
        .collect();
    (!failed.is_empty()).then(|| {
        Failure::new(
            FailKind::NotDeployed,
            format!("pushed, but not deployed healthy:\n{}", failed.join("\n")),
        )
    })
}
