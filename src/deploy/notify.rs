//! Notifications of what happened: a Slack incoming webhook (`slack:URL`: `text` and simple
//! blocks) or any webhook (`webhook:URL`: the event as JSON). A notification says only what is
//! true: "deployed" only after Argo CD said so, "pushed" otherwise, and a failure with its
//! words. Sending is best effort: a failure is the caller's warning, never its outcome. Webhook
//! URLs are secrets: they are kept out of every message. Knows nothing of Git or YAML.

use std::time::Duration;

use serde_json::{json, Value};

/// Where to send.
#[derive(Clone, PartialEq, Eq)]
pub enum Target {
    /// A Slack incoming webhook.
    Slack(String),
    /// Any URL that takes the event as JSON.
    Webhook(String),
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Target::Slack(_) => "slack:***",
            Target::Webhook(_) => "webhook:***",
        })
    }
}

impl Target {
    /// `slack:URL` or `webhook:URL`; `${VAR}` as the URL reads the variable (so that
    /// `.imgbump.yaml` names a secret instead of holding it), and `None` is a variable that is
    /// not set. HTTPS only, but to this machine.
    pub fn parse(s: &str) -> Result<Option<Target>, String> {
        let s = s.trim();
        let (kind, url) = s
            .split_once(':')
            .ok_or_else(|| "a notification is slack:URL or webhook:URL".to_string())?;
        let url = match url.strip_prefix("${").and_then(|v| v.strip_suffix('}')) {
            Some(var) => match std::env::var(var).ok().filter(|v| !v.trim().is_empty()) {
                Some(v) => v,
                None => return Ok(None),
            },
            None => url.to_string(),
        };
        let url = url.trim().to_string();
        crate::git::hide(&url);
        if !crate::http::may_use(&url, &[]) {
            return Err(format!(
                "a {kind} notification's URL must be https:// (plain HTTP only to this machine)"
            ));
        }
        match kind {
            "slack" => Ok(Some(Target::Slack(url))),
            "webhook" => Ok(Some(Target::Webhook(url))),
            other => Err(format!(
                "a notification is slack:URL or webhook:URL, not {other}:…"
            )),
        }
    }

    fn url(&self) -> &str {
        match self {
            Target::Slack(u) | Target::Webhook(u) => u,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Target::Slack(_) => "Slack",
            Target::Webhook(_) => "the webhook",
        }
    }
}

/// When to notify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum When {
    /// Only when it went well.
    Success,
    /// Only when it did not.
    Failure,
    /// Always.
    #[default]
    Always,
}

/// What happened, for one service and environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Event {
    /// The service.
    pub service: String,
    /// The environment, if any.
    pub environment: Option<String>,
    /// The image before.
    pub old_image: String,
    /// The image now.
    pub new_image: String,
    /// The commit, if one was pushed.
    pub commit: Option<String>,
    /// The repository's name (`isA_Cloud`).
    pub repository: String,
    /// The branch.
    pub branch: String,
    /// `deployed`, `pushed`, `unchanged`, `held`, `superseded`, `failed`.
    pub status: String,
    /// The Argo CD application, when waited on.
    pub argocd_app: Option<String>,
    /// Its health, when waited on.
    pub health: Option<String>,
    /// What went wrong, in the words of whoever said it.
    pub error: Option<String>,
}

impl Event {
    /// Whether this is a success.
    pub fn ok(&self) -> bool {
        self.error.is_none() && self.status != "failed"
    }

    /// The one line a person reads: only what happened.
    pub fn text(&self) -> String {
        let tag = short_image(&self.new_image);
        let env = self.environment.as_deref().unwrap_or("");
        let commit = crate::git::short_id(&self.commit.as_deref().unwrap_or(""));
        match (self.status.as_str(), &self.error) {
            (_, Some(e)) => format!(
                "{} {tag}{}: not deployed ❌ {e}",
                self.service,
                if env.is_empty() {
                    String::new()
                } else {
                    format!(" to {env}")
                }
            ),
            ("deployed", None) if env.is_empty() => format!("{} {tag} deployed ✅", self.service),
            ("deployed", None) => format!("{} {tag} deployed to {env} ✅", self.service),
            ("pushed", None) => format!(
                "{} → {tag} pushed to {} {} ({commit})",
                self.service, self.repository, self.branch
            ),
            (other, None) => format!("{} {tag}: {other}", self.service),
        }
    }

    /// The webhook's JSON.
    pub fn json(&self) -> Value {
        json!({
            "service": self.service,
            "environment": self.environment,
            "old_image": self.old_image,
            "new_image": self.new_image,
            "commit": self.commit,
            "repository": self.repository,
            "branch": self.branch,
            "status": self.status,
            "argocd_app": self.argocd_app,
            "health": self.health,
            "error": self.error,
            "text": self.text(),
        })
    }

    /// Slack's incoming-webhook payload: `text` (the fallback) and a section block, each
    /// within Slack's 3,000 characters (a long failure is cut, marked so).
    pub fn slack(&self) -> Value {
        let mut text = self.text();
        if text.chars().count() > 2_900 {
            text = text.chars().take(2_900).collect::<String>() + " …";
        }
        let mut fields = vec![
            json!({"type": "mrkdwn", "text": format!("*Image*\n`{}`", self.new_image.replace('`', "'"))}),
        ];
        if let Some(c) = &self.commit {
            fields.push(json!({"type": "mrkdwn", "text": format!("*Commit*\n`{}`", c.chars().take(12).collect::<String>())}));
        }
        if let Some(h) = &self.health {
            fields.push(json!({"type": "mrkdwn", "text": format!("*Health*\n{h}")}));
        }
        json!({
            "text": text,
            "blocks": [
                {"type": "section", "text": {"type": "plain_text", "text": text}},
                {"type": "section", "fields": fields}
            ]
        })
    }
}

/// `repository/name:tag` → `tag` (or the short digest); the whole reference when neither.
fn short_image(image: &str) -> String {
    match image.parse::<crate::reference::Reference>() {
        Ok(r) => r
            .tag()
            .map(str::to_string)
            .or_else(|| r.digest().map(crate::reference::short_digest))
            .unwrap_or_else(|| image.to_string()),
        Err(_) => image.trim_start_matches([':', '@']).to_string(),
    }
}

/// Sends `events` to each target, as `when` says; returns a warning per send that failed
/// (never the URL).
pub fn send(targets: &[Target], when: When, events: &[Event], timeout: Duration) -> Vec<String> {
    let agent = crate::http::agent(timeout);
    let mut warnings = Vec::new();
    for e in events {
        let wanted = match when {
            When::Always => true,
            When::Success => e.ok(),
            When::Failure => !e.ok(),
        };
        if !wanted {
            continue;
        }
        for t in targets {
            let body = match t {
                Target::Slack(_) => e.slack(),
                Target::Webhook(_) => e.json(),
            };
            let sent = crate::http::idempotent(|| {
                agent
                    .post(t.url())
                    .header("Content-Type", "application/json")
                    .send(body.to_string())
            });
            match sent {
                Ok(r) if r.status().is_success() => {}
                Ok(r) => warnings.push(format!(
                    "{} did not take the notification about {} (HTTP {})",
                    t.name(),
                    e.service,
                    r.status().as_u16()
                )),
                Err(err) => warnings.push(format!(
                    "cannot notify {} about {}: {}",
                    t.name(),
                    e.service,
                    crate::git::Credentials::default().redact(&err.to_string())
                )),
            }
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_only_what_happened() {
        let mut e = Event {
            service: "agent".into(),
            environment: Some("staging".into()),
            new_image: "r.io/isa-agent:sha-abc123".into(),
            commit: Some("abc1234def".into()),
            repository: "isA_Cloud".into(),
            branch: "main".into(),
            status: "pushed".into(),
            ..Event::default()
        };
        assert_eq!(
            e.text(),
            "agent → sha-abc123 pushed to isA_Cloud main (abc1234)"
        );
        e.status = "deployed".into();
        assert_eq!(e.text(), "agent sha-abc123 deployed to staging ✅");
        e.status = "failed".into();
        e.error = Some("the application is Degraded".into());
        assert_eq!(
            e.text(),
            "agent sha-abc123 to staging: not deployed ❌ the application is Degraded"
        );
        assert!(!e.ok());
        e.error = Some("x".repeat(10_000));
        let slack = e.slack();
        assert!(slack["text"].as_str().unwrap().chars().count() <= 2_902);
        assert_eq!(slack["blocks"][0]["text"]["text"], slack["text"]);
    }

    #[test]
    fn targets_are_parsed_and_their_urls_never_shown() {
        let t = Target::parse("slack:https://hooks.slack.com/services/T0/B0/secretpart").unwrap();
        assert_eq!(format!("{t:?}"), "Some(slack:***)");
        assert!(Target::parse("webhook:http://127.0.0.1:9/x").is_ok());
        assert!(Target::parse("webhook:http://example.com/x").is_err());
        assert!(Target::parse("email:x@y").is_err());
        assert_eq!(
            Target::parse("slack:${IMGBUMP_TEST_UNSET_VARIABLE}"),
            Ok(None)
        );
    }
}
