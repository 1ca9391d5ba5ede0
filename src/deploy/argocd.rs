//! Argo CD, read: an Application as its API server reports it
//! (`GET /api/v1/applications/{name}`), and whether a commit is deployed there. Knows nothing of
//! YAML or the command line; of Git, only a question the caller answers (does this revision
//! contain that commit?).
//!
//! Deployed means all of: the synced revision (every source's, for a multi-source app) is the
//! commit or a descendant of it; sync status `Synced`; health `Healthy`; and the last
//! operation, when it was for such a revision, `Succeeded`. Failed means health `Degraded`, or
//! an operation for such a revision that ended `Failed` or `Error`; the report carries Argo
//! CD's own words and the resources that are not healthy.

use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use crate::http::{List, Obj, Text};

/// An Argo CD API server: its base URL and token (never shown).
pub(crate) struct Server {
    base: String,
    token: String,
    agent: ureq::Agent,
}

/// Why Argo CD could not be asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AskError {
    /// The server's address or token is wrong for this use: say so, stop.
    Setup(String),
    /// No such application (404).
    NoApp(String),
    /// The token is refused (401, 403).
    Refused(String),
    /// Unreachable, a 5xx, or a 429: worth asking again.
    Down(String),
    /// A 429 or 503 with `Retry-After`: asked again after this wait.
    Busy(String, Duration),
}

impl AskError {
    /// The message.
    pub(crate) fn message(&self) -> &str {
        match self {
            AskError::Setup(m)
            | AskError::NoApp(m)
            | AskError::Refused(m)
            | AskError::Down(m)
            | AskError::Busy(m, _) => m,
        }
    }
}

impl Server {
    /// The server at `address`: `host[:port]` as Argo CD's CLI takes it (HTTPS), or a URL.
    /// Plain HTTP only to this machine, or with `insecure`.
    pub(crate) fn new(
        address: &str,
        token: &str,
        insecure: bool,
        timeout: Duration,
    ) -> Result<Server, AskError> {
        let address = address.trim().trim_end_matches('/');
        if address.is_empty() {
            return Err(AskError::Setup(
                "no Argo CD server: pass --argocd-server HOST[:PORT] (or ARGOCD_SERVER)".into(),
            ));
        }
        let base = if address.contains("://") {
            address.to_string()
        } else {
            format!("https://{address}")
        };
        let allowed: Vec<String> = match (insecure, crate::http::url_host(&base)) {
            (true, Some(h)) => vec![h],
            _ => Vec::new(),
        };
        if let Err(why) = crate::http::check(&base, &allowed) {
            return Err(AskError::Setup(format!(
                "--argocd-server: {why}; give HOST[:PORT] (HTTPS), an https:// URL, http:// to this machine, or pass --insecure-argocd for a plain-HTTP server elsewhere"
            )));
        }
        let base = crate::url::RemoteUrl::parse(&base).to_string();
        let token = token.trim();
        if token.is_empty() {
            return Err(AskError::Setup(
                "no Argo CD token: set ARGOCD_AUTH_TOKEN (an API token of an account that may get the application)".into(),
            ));
        }
        crate::secret::hide(token);
        if token.chars().any(char::is_control) {
            // A line break in a header is refused by every client: it could never work.
            return Err(AskError::Setup(
                "ARGOCD_AUTH_TOKEN holds a line break or another control character; set it to the token alone".into(),
            ));
        }
        Ok(Server {
            base,
            token: token.to_string(),
            agent: crate::http::agent(timeout),
        })
    }

    /// The application `name` (in `namespace`, when given); with `refresh`, Argo CD is asked to
    /// compare it with Git now instead of at its next poll.
    pub(crate) fn application(
        &self,
        name: &str,
        namespace: Option<&str>,
        refresh: bool,
    ) -> Result<Application, AskError> {
        let mut url = format!(
            "{}/api/v1/applications/{}",
            self.base,
            crate::http::pct(name)
        );
        let mut query: Vec<String> = Vec::new();
        if refresh {
            query.push("refresh=normal".into());
        }
        if let Some(ns) = namespace {
            query.push(format!("appNamespace={}", crate::http::pct(ns)));
        }
        if !query.is_empty() {
            url = format!("{url}?{}", query.join("&"));
        }
        let auth = format!("Bearer {}", self.token);
        let got = crate::http::idempotent(|| {
            self.agent
                .get(&url)
                .header("Authorization", auth.as_str())
                .header("Accept", "application/json")
                .call()
        });
        let mut resp = got.map_err(|e| {
            let said = crate::secret::cut(&e.to_string(), 300, []);
            if not_tls(&e) {
                AskError::Setup(format!(
                    "Argo CD at {} did not speak TLS ({said}): a server that speaks plain HTTP is written http://HOST:PORT (this machine), or passed with --insecure-argocd elsewhere",
                    self.base
                ))
            } else {
                AskError::Down(format!("cannot reach Argo CD at {}: {said}", self.base))
            }
        })?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(crate::retry::after);
        // An answer cut short or too slow (a timeout) is asked again; one over the limit is not
        // Argo CD's.
        let text = match resp
            .body_mut()
            .with_config()
            .limit(16 << 20)
            .read_to_string()
        {
            Ok(t) => t,
            Err(ureq::Error::BodyExceedsLimit(_)) => String::new(),
            Err(e) => {
                return Err(AskError::Down(format!(
                    "Argo CD's answer from {} could not be read: {}",
                    self.base,
                    crate::secret::cut(&e.to_string(), 300, [])
                )))
            }
        };
        let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let said = crate::http::said(&json);
        if let (429 | 503, Some(wait)) = (status, retry_after) {
            return Err(AskError::Busy(
                format!(
                    "Argo CD answered HTTP {status} ({said}) and asks to wait {}",
                    crate::retry::span(wait)
                ),
                wait,
            ));
        }
        match status {
            200 if json["metadata"].is_object() || json["status"].is_object() => {
                Ok(Application::from_json(&json))
            }
            200 => Err(AskError::Setup(format!(
                "{} answered the application {name} with something that is not an Argo CD Application; check that --argocd-server names Argo CD's API server",
                self.base
            ))),
            401 | 403 => Err(AskError::Refused(format!(
                "Argo CD refused the token (HTTP {status}: {said}); check ARGOCD_AUTH_TOKEN and that its account may get the application {name}"
            ))),
            404 => Err(AskError::NoApp(format!(
                "Argo CD has no application {name} (HTTP 404: {said}); check --argocd-app (or `argocd: {{app: …}}` in .imgbump.yaml)"
            ))),
            s if s >= 500 || s == 429 => {
                Err(AskError::Down(format!("Argo CD answered HTTP {s}: {said}")))
            }
            s => Err(AskError::Setup(format!(
                "Argo CD answered HTTP {s} for the application {name}: {said}; check that --argocd-server names Argo CD's API server"
            ))),
        }
    }
}

/// Whether a failed request failed in the TLS handshake (a plain-HTTP server asked over
/// HTTPS answers "wrong version number"): a setting to change, not a server to ask again.
fn not_tls(e: &ureq::Error) -> bool {
    if matches!(e, ureq::Error::Tls(_)) {
        return true;
    }
    let m = e.to_string().to_ascii_lowercase();
    [
        "wrong version number",
        "ssl",
        "tls",
        "handshake",
        "certificate",
    ]
    .iter()
    .any(|w| m.contains(w))
}

/// How many resources that are not healthy, and how many conditions, are told.
const MAX_LISTED: usize = 20;

/// `list`, at most [`MAX_LISTED`] of it, and how many were left out.
fn bounded(list: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut more = 0usize;
    for item in list {
        if out.len() < MAX_LISTED {
            out.push(item);
        } else {
            more += 1;
        }
    }
    if more > 0 {
        out.push(format!("… {more} more left out"));
    }
    out
}

/// What an Application says, as far as a deployment goes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Application {
    /// `status.sync.status`: `Synced`, `OutOfSync`, `Unknown`.
    pub sync: String,
    /// The synced revisions: `status.sync.revisions` (multi-source), else `revision`.
    pub revisions: Vec<String>,
    /// Each source's repository, in the order of `revisions` (`spec.sources[].repoURL`, else
    /// `spec.source.repoURL`).
    pub sources: Vec<String>,
    /// `status.health.status`: `Healthy`, `Progressing`, `Degraded`, `Suspended`, `Missing`.
    pub health: String,
    /// `status.health.message`, if any.
    pub health_message: String,
    /// The last operation: its phase (`Running`, `Succeeded`, `Failed`, `Error`), message and
    /// the revisions it synced to.
    pub operation: Option<Operation>,
    /// Resources that are not healthy: `Kind/name: Status: message`.
    pub unhealthy: Vec<String>,
    /// The application's conditions' messages (errors Argo CD reports, such as a manifest that
    /// does not render).
    pub conditions: Vec<String>,
}

/// The last sync operation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Operation {
    /// `Running`, `Terminating`, `Succeeded`, `Failed`, `Error`.
    pub phase: String,
    /// Its message.
    pub message: String,
    /// The revisions it synced to (`syncResult.revisions`, else `revision`, else the
    /// operation's own).
    pub revisions: Vec<String>,
}

/// The parts of an Application that are read (Argo CD's `v1alpha1.Application`); every other
/// field is ignored, a missing or odd one reads as empty.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Answer {
    spec: Obj<Spec>,
    status: Obj<Status>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct Spec {
    source: Obj<Source>,
    sources: List<Obj<Source>>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default, rename_all = "camelCase")]
struct Source {
    #[serde(rename = "repoURL")]
    repo_url: Text,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default, rename_all = "camelCase")]
struct Status {
    sync: Obj<Synced>,
    health: Obj<Health>,
    operation_state: Obj<OperationState>,
    resources: List<Obj<Resource>>,
    conditions: List<Obj<Condition>>,
}

/// A revision and a multi-source app's revisions, as `status.sync` and an operation say them.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct Synced {
    status: Text,
    revision: Text,
    revisions: List<Text>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct Health {
    status: Text,
    message: Text,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default, rename_all = "camelCase")]
struct OperationState {
    phase: Text,
    message: Text,
    sync_result: Obj<Synced>,
    operation: Obj<OperationSpec>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct OperationSpec {
    sync: Obj<Synced>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct Resource {
    kind: Text,
    name: Text,
    health: Obj<Health>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct Condition {
    #[serde(rename = "type")]
    kind: Text,
    message: Text,
}

fn text(t: &Text) -> String {
    t.line(500)
}

impl Synced {
    /// `revisions` when there are some (at most 100), else `revision` when it is not empty.
    fn revisions(&self) -> Vec<String> {
        match &self.revisions.0 {
            Some(list) if !list.is_empty() => list.iter().take(100).map(text).collect(),
            _ => Some(text(&self.revision))
                .filter(|r| !r.is_empty())
                .into_iter()
                .collect(),
        }
    }
}

impl Application {
    /// Reads the parts that matter from the API's JSON.
    pub(crate) fn from_json(v: &Value) -> Application {
        let answer: Answer = crate::http::read(v);
        let status = answer.status.or_default();
        let operation = status.operation_state.0.as_ref().map(|op| Operation {
            phase: text(&op.phase),
            message: text(&op.message),
            revisions: {
                let r = op.sync_result.or_default().revisions();
                if r.is_empty() {
                    op.operation.or_default().sync.or_default().revisions()
                } else {
                    r
                }
            },
        });
        let unhealthy = bounded(status.resources.0.iter().flatten().filter_map(|r| {
            let r = r.or_default();
            let health = r.health.or_default();
            let h = text(&health.status);
            (!h.is_empty() && h != "Healthy").then(|| {
                let m = text(&health.message);
                let what = format!("{}/{}", text(&r.kind), text(&r.name));
                if m.is_empty() {
                    format!("{what}: {h}")
                } else {
                    format!("{what}: {h}: {m}")
                }
            })
        }));
        let conditions = bounded(status.conditions.0.iter().flatten().map(|c| {
            let c = c.or_default();
            format!("{}: {}", text(&c.kind), text(&c.message))
        }));
        let spec = answer.spec.or_default();
        let sources = match &spec.sources.0 {
            Some(list) if !list.is_empty() => list
                .iter()
                .take(100)
                .map(|s| text(&s.or_default().repo_url))
                .collect(),
            _ => Some(text(&spec.source.or_default().repo_url))
                .filter(|r| !r.is_empty())
                .into_iter()
                .collect(),
        };
        let sync = status.sync.or_default();
        let health = status.health.or_default();
        Application {
            sources,
            sync: text(&sync.status),
            revisions: sync.revisions(),
            health: text(&health.status),
            health_message: text(&health.message),
            operation,
            unhealthy,
            conditions,
        }
    }

    /// One line for a change of state: `OutOfSync`, `Syncing`, `Synced, Progressing`, …
    pub(crate) fn state(&self) -> String {
        let syncing = self
            .operation
            .as_ref()
            .is_some_and(|o| matches!(o.phase.as_str(), "Running" | "Terminating"));
        let sync = if syncing {
            "Syncing"
        } else {
            self.sync.as_str()
        };
        let rev: String = self
            .revisions
            .iter()
            .map(crate::git::short_id)
            .collect::<Vec<_>>()
            .join(",");
        format!(
            "{}, {} at {}",
            if sync.is_empty() { "Unknown" } else { sync },
            if self.health.is_empty() {
                "Unknown"
            } else {
                &self.health
            },
            if rev.is_empty() { "no revision" } else { &rev }
        )
    }

    /// The revisions that come from the repository at `repo`: of a multi-source app, those of
    /// the sources whose `repoURL` is it (a chart's version from elsewhere says nothing about
    /// our commit); every revision when no source names it.
    pub(crate) fn revisions_of(&self, repo: &str) -> Vec<String> {
        let ours = crate::url::RemoteUrl::parse(repo);
        let mine: Vec<String> = self
            .revisions
            .iter()
            .zip(&self.sources)
            .filter(|(_, s)| crate::url::RemoteUrl::parse(s).same_repo(&ours))
            .map(|(r, _)| r.clone())
            .collect();
        if mine.is_empty() || self.sources.len() != self.revisions.len() {
            self.revisions.clone()
        } else {
            mine
        }
    }

    /// Whether the app has deployed `commit` from the repository at `repo`, failed to, or is
    /// on its way. `contains(rev)` answers whether the revision `rev` is `commit` or a
    /// descendant of it.
    pub(crate) fn judge(&self, repo: &str, contains: &dyn Fn(&str) -> bool) -> Verdict {
        let revisions = self.revisions_of(repo);
        let ours = !revisions.is_empty() && revisions.iter().all(|r| contains(r));
        let op_ours = self
            .operation
            .as_ref()
            .filter(|o| !o.revisions.is_empty() && o.revisions.iter().all(|r| contains(r)));
        if let Some(op) = op_ours {
            if matches!(op.phase.as_str(), "Failed" | "Error") {
                return Verdict::Failed(self.words(
                    &format!("the sync operation {}", op.phase.to_lowercase()),
                    Some(op),
                ));
            }
        }
        if ours && self.health == "Degraded" {
            return Verdict::Failed(self.words("the application is Degraded", op_ours));
        }
        let op_done = op_ours.is_none_or(|o| o.phase == "Succeeded")
            && self
                .operation
                .as_ref()
                .is_none_or(|o| !matches!(o.phase.as_str(), "Running" | "Terminating"));
        if ours && self.sync == "Synced" && self.health == "Healthy" && op_done {
            return Verdict::Deployed;
        }
        Verdict::Pending
    }

    /// Argo CD's own words about a failure: `what`, its message, the conditions, and the
    /// resources that are not healthy.
    fn words(&self, what: &str, op: Option<&Operation>) -> String {
        let mut out = what.to_string();
        for m in [
            op.map(|o| o.message.as_str()).unwrap_or(""),
            self.health_message.as_str(),
        ] {
            if !m.is_empty() {
                out.push_str(&format!(": {m}"));
            }
        }
        for c in &self.conditions {
            out.push_str(&format!("\n  {c}"));
        }
        for r in &self.unhealthy {
            out.push_str(&format!("\n  {r}"));
        }
        out
    }
}

/// Where a deployment stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Synced to the commit (or later), healthy, its operation succeeded.
    Deployed,
    /// Degraded, or the operation failed: Argo CD's words.
    Failed(String),
    /// Not yet.
    Pending,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn app(v: Value) -> Application {
        Application::from_json(&json!({ "status": v }))
    }

    #[test]
    fn a_commit_is_deployed_only_when_synced_healthy_and_its_operation_succeeded() {
        let ours = |r: &str| r == "c1" || r == "c2";
        let healthy = app(
            json!({"sync": {"status": "Synced", "revision": "c1"}, "health": {"status": "Healthy"},
            "operationState": {"phase": "Succeeded", "syncResult": {"revision": "c1"}}}),
        );
        assert_eq!(healthy.judge("", &ours), Verdict::Deployed);
        let older = app(
            json!({"sync": {"status": "Synced", "revision": "c0"}, "health": {"status": "Healthy"}}),
        );
        assert_eq!(older.judge("", &ours), Verdict::Pending);
        let progressing = app(
            json!({"sync": {"status": "Synced", "revision": "c1"}, "health": {"status": "Progressing"}}),
        );
        assert_eq!(progressing.judge("", &ours), Verdict::Pending);
        let running = app(
            json!({"sync": {"status": "Synced", "revision": "c1"}, "health": {"status": "Healthy"},
            "operationState": {"phase": "Running", "operation": {"sync": {"revision": "c2"}}}}),
        );
        assert_eq!(running.judge("", &ours), Verdict::Pending);
        assert!(running.state().starts_with("Syncing, Healthy"));
        let multi = app(
            json!({"sync": {"status": "Synced", "revisions": ["c1", "c0"]}, "health": {"status": "Healthy"}}),
        );
        assert_eq!(
            multi.judge("", &ours),
            Verdict::Pending,
            "every source must have it"
        );
        let sources = Application::from_json(&json!({
            "spec": {"sources": [{"repoURL": "https://github.com/xeno/isA_Cloud.git"}, {"repoURL": "https://charts.example/stable"}]},
            "status": {"sync": {"status": "Synced", "revisions": ["c1", "9.9.9"]}, "health": {"status": "Healthy"}}}));
        assert_eq!(
            sources.judge("git@github.com:xeno/isA_Cloud", &ours),
            Verdict::Deployed,
            "the chart's version is not ours to judge"
        );
        assert_eq!(
            sources.judge("https://github.com/xeno/other.git", &ours),
            Verdict::Pending
        );
        let failed = app(
            json!({"sync": {"status": "OutOfSync", "revision": "c0"}, "health": {"status": "Healthy"},
            "operationState": {"phase": "Failed", "message": "one or more objects failed to apply", "syncResult": {"revision": "c1"}}}),
        );
        assert!(
            matches!(failed.judge("", &ours), Verdict::Failed(m) if m.contains("failed to apply"))
        );
        let degraded = app(
            json!({"sync": {"status": "Synced", "revision": "c2"}, "health": {"status": "Degraded", "message": "x"},
            "resources": [{"kind": "Deployment", "name": "agent", "health": {"status": "Degraded", "message": "Deployment \"agent\" exceeded its progress deadline"}},
                          {"kind": "Service", "name": "agent", "health": {"status": "Healthy"}}]}),
        );
        match degraded.judge("", &ours) {
            Verdict::Failed(m) => {
                assert!(m.contains("Deployment/agent: Degraded: Deployment \"agent\" exceeded its progress deadline"), "{m}");
                assert!(!m.contains("Service/agent"));
            }
            other => panic!("{other:?}"),
        }
        // A degraded app at another revision is not our failure (yet).
        let before = app(
            json!({"sync": {"status": "OutOfSync", "revision": "c0"}, "health": {"status": "Degraded"}}),
        );
        assert_eq!(before.judge("", &ours), Verdict::Pending);
    }

    /// A hostile answer: unknown fields ignored, odd types read as empty (as missing ones),
    /// a source that is no object keeps its place, an array where an object belongs is none.
    #[test]
    fn an_odd_answer_reads_as_empty_where_it_is_odd() {
        let a = Application::from_json(&json!({
            "extra": {"anything": [1, 2]},
            "spec": {"sources": [5, {"repoURL": "https://g/x.git", "chart": 1}]},
            "status": {
                "sync": {"status": 7, "revisions": ["c1", null, {"x": 1}]},
                "health": ["Healthy", "fine"],
                "operationState": {"phase": "Failed", "message": {"no": "string"}},
                "resources": [3, {"kind": "Pod", "name": "p", "health": {"status": "Degraded"}}],
                "conditions": "none",
            }
        }));
        assert_eq!(a.sources, ["", "https://g/x.git"]);
        assert_eq!(a.sync, "");
        assert_eq!(a.revisions, ["c1", "", ""]);
        assert_eq!((a.health.as_str(), a.health_message.as_str()), ("", ""));
        let op = a.operation.unwrap();
        assert_eq!((op.phase.as_str(), op.message.as_str()), ("Failed", ""));
        assert!(op.revisions.is_empty());
        assert_eq!(a.unhealthy, ["Pod/p: Degraded"]);
        assert!(a.conditions.is_empty());
        assert_eq!(
            Application::from_json(&json!([{"status": {}}])),
            Application::default()
        );
        let long = "x".repeat(600);
        let a = app(json!({"health": {"status": long}, "operationState": 1}));
        assert!(
            a.health.chars().count() <= 501 && a.health.ends_with('…'),
            "{}",
            a.health
        );
        assert_eq!(a.operation, None);
    }

    #[test]
    fn servers_are_written_as_argocd_s_cli_writes_them() {
        let t = Duration::from_secs(5);
        assert!(Server::new("argocd.example.com", "argocd-unit-test-token", false, t).is_ok());
        assert!(Server::new(
            "https://argocd.example.com:8443",
            "argocd-unit-test-token",
            false,
            t
        )
        .is_ok());
        assert!(Server::new("http://127.0.0.1:8080", "argocd-unit-test-token", false, t).is_ok());
        assert!(
            matches!(Server::new("http://argocd.example.com", "argocd-unit-test-token", false, t), Err(AskError::Setup(m)) if m.contains("--insecure-argocd"))
        );
        assert!(Server::new(
            "http://argocd.example.com",
            "argocd-unit-test-token",
            true,
            t
        )
        .is_ok());
        assert!(matches!(
            Server::new("argocd.example.com", " ", false, t),
            Err(AskError::Setup(_))
        ));
        assert!(matches!(
            Server::new("ftp://x", "argocd-unit-test-token", false, t),
            Err(AskError::Setup(_))
        ));
        assert!(matches!(
            Server::new("argocd.example.com", "argocd-unit-test\r\ntoken", false, t),
            Err(AskError::Setup(m)) if m.contains("line break")
        ));
    }
}
