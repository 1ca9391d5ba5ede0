//! The wait: each application that deploys a target, read until it has deployed the commit,
//! failed, or the deadline passed. What it sees is handed to the caller as it happens (the
//! command line prints it); the verdicts are returned.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use git2::Oid;

use super::argocd::{AskError, Server, Verdict};
use crate::config::{Config, Placed};
use crate::failure::{FailKind, Failure};
use crate::git::Workspace;

/// One application to watch: the service and environment it deploys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Watch {
    /// The service.
    pub service: String,
    /// Its environment, if the target is placed in one.
    pub env: Option<String>,
    /// The Argo CD application.
    pub app: String,
}

/// How a watch ended.
#[derive(Debug, Clone)]
pub(crate) struct Watched {
    /// What was watched.
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

/// Where Argo CD is and how to wait for it.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// `HOST[:PORT]` or a URL.
    pub server: String,
    /// The API token.
    pub token: String,
    /// Plain HTTP allowed beyond this machine.
    pub insecure: bool,
    /// When to give up, for every application of the run together.
    pub deadline: Instant,
    /// How often to read an application.
    pub poll: Duration,
    /// `--wait-timeout`: how long the whole wait may take.
    pub timeout: Duration,
}

impl Settings {
    /// These settings with the deadline `timeout` from now (the wait starts after a push).
    pub(crate) fn starting_now(&self) -> Settings {
        Settings {
            deadline: Instant::now() + self.timeout,
            ..self.clone()
        }
    }
}

/// The shortest `--poll-interval` taken: Argo CD is not read more often.
pub(crate) const MIN_POLL: Duration = Duration::from_millis(100);

/// Whether the settings can be used at all (checked before a push): Argo CD's address and
/// token as [`Server::new`] takes them, and the poll interval.
pub(crate) fn check(settings: &Settings) -> Result<(), Failure> {
    if settings.poll < MIN_POLL {
        return Err(Failure::new(
            FailKind::Usage,
            format!(
                "--poll-interval must be at least {} ms, so that Argo CD is not flooded with reads",
                MIN_POLL.as_millis()
            ),
        ));
    }
    server(settings).map(|_| ())
}

fn server(settings: &Settings) -> Result<Server, Failure> {
    Server::new(
        &settings.server,
        &settings.token,
        settings.insecure,
        // How long one read may take: the wait's own bound, within 5 to 30 s. Not the poll
        // interval: a short one (100 ms) cut every read of a busy Argo CD at 5 s, so a slow
        // answer was taken for an unreachable server.
        settings
            .timeout
            .clamp(Duration::from_secs(5), Duration::from_secs(30)),
    )
    .map_err(|e| Failure::new(FailKind::Usage, e.message().to_string()))
}

/// What the wait sees, as it sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seen<'a> {
    /// The application's state changed (`Synced, Healthy at 1a2b3c4`).
    State(&'a Watch, &'a str),
    /// Argo CD could not be read; it is asked again.
    Retrying(&'a Watch, &'a str),
    /// Still waiting, this long.
    Waiting(&'a Watch, Duration),
}

/// The applications that deploy `placed` (one per environment): `app`, else the target's
/// `argocd: {app: …}`, else the config's, filled with `{service}` and `{env}`.
pub(crate) fn applications(
    service: &str,
    placed: &[Placed],
    app: Option<&str>,
    config: Option<&Config>,
) -> Result<Vec<Watch>, Failure> {
    let mut out: Vec<Watch> = Vec::new();
    for p in placed {
        let template = app
            .map(str::to_string)
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
        if !out.contains(&w) {
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
/// failed, or `settings.deadline` passed; `seen` hears each change.
pub(crate) fn wait(
    ws: &mut Workspace,
    commit: Oid,
    watches: &[Watch],
    settings: &Settings,
    seen: &mut dyn FnMut(Seen<'_>),
) -> Result<Vec<Watched>, Failure> {
    check(settings)?;
    let server = server(settings)?;
    let mut known: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for w in watches {
        let one = Follow {
            server: &server,
            watch: w,
            commit,
            poll: settings.poll,
            deadline: settings.deadline,
        };
        out.push(one.run(ws, &mut known, seen)?);
    }
    Ok(out)
}

/// One application, followed.
struct Follow<'a> {
    server: &'a Server,
    watch: &'a Watch,
    commit: Oid,
    poll: Duration,
    deadline: Instant,
}

impl Follow<'_> {
    fn run(
        &self,
        ws: &mut Workspace,
        known: &mut HashSet<String>,
        seen: &mut dyn FnMut(Seen<'_>),
    ) -> Result<Watched, Failure> {
        let w = self.watch;
        let started = Instant::now();
        let mut last = String::new();
        let mut first = true;
        let mut out = Watched {
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
            match self.server.application(&w.app, None, first) {
                Ok(app) => {
                    first = false;
                    let state = app.state();
                    if state != last {
                        seen(Seen::State(w, &state));
                        last = state;
                    }
                    out.health.clone_from(&app.health);
                    out.revision = app.revisions.join(",");
                    let ours: HashSet<String> = app
                        .revisions
                        .iter()
                        .chain(app.operation.iter().flat_map(|o| o.revisions.iter()))
                        .filter(|r| contains(ws, r, self.commit, known))
                        .cloned()
                        .collect();
                    let url = ws.url().to_string();
                    match app.judge(&url, &|rev| ours.contains(rev)) {
                        Verdict::Deployed => {
                            out.deployed = true;
                            return Ok(out);
                        }
                        Verdict::Failed(words) => {
                            out.error = Some(words);
                            return Ok(out);
                        }
                        Verdict::Pending => {}
                    }
                }
                Err(AskError::Down(m)) => seen(Seen::Retrying(w, &m)),
                Err(AskError::Busy(m, wait)) => {
                    // Argo CD's own wait, honoured within --wait-timeout (the retry room's
                    // wait, which a signal ends; the loop's head sees the signal).
                    if Instant::now() + wait >= self.deadline {
                        out.error = Some(format!(
                            "{m}, past --wait-timeout; raise --wait-timeout, or run imgbump wait later"
                        ));
                        return Ok(out);
                    }
                    seen(Seen::Retrying(
                        w,
                        &format!("{m}: waiting that long (--wait-timeout bounds the wait)"),
                    ));
                    crate::retry::sleep(wait.max(crate::retry::MIN_ASKED));
                    continue;
                }
                Err(AskError::NoApp(m)) => return Err(Failure::new(FailKind::NotFound, m)),
                Err(AskError::Refused(m)) => return Err(Failure::new(FailKind::Other, m)),
                Err(AskError::Setup(m)) => return Err(Failure::new(FailKind::Other, m)),
            }
            let left = self.deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                out.error = Some(format!(
                    "not deployed within --wait-timeout ({:.0} s); last seen: {}",
                    started.elapsed().as_secs_f64(),
                    if last.is_empty() {
                        "nothing (Argo CD did not answer)"
                    } else {
                        &last
                    }
                ));
                return Ok(out);
            }
            seen(Seen::Waiting(w, started.elapsed()));
            crate::retry::sleep(self.poll.min(left));
        }
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

/// The failure when a watch did not end deployed: exit 6. `pushed` says what this run pushed
/// (`pushed 1a2b3c4`), when it pushed anything (`imgbump wait` pushes nothing).
pub(crate) fn not_deployed(watched: &[Watched], pushed: Option<&str>) -> Option<Failure> {
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
            match pushed {
                Some(p) => format!("{p}, but not deployed healthy:\n{}", failed.join("\n")),
                None => format!("not deployed healthy:\n{}", failed.join("\n")),
            },
        )
    })
}
