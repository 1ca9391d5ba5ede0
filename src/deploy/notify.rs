//! Notifications of what happened: a Slack incoming webhook (`slack:URL`: `text` and simple
//! blocks) or any webhook (`webhook:URL`: the event as JSON). A notification says only what is
//! true: "deployed" only after Argo CD said so, "pushed" otherwise, and a failure with its
//! words. Sending is best effort: a failure is the caller's warning, never its outcome. Webhook
//! URLs are secrets: they are kept out of every message. Knows nothing of Git or YAML.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Where to send.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Target {
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
    /// `.imgbump.yaml` names a secret instead of holding it). `None`: a variable that is not
    /// set, or an empty URL (an unset secret expanded by the shell), which the caller warns
    /// about. HTTPS only, but to this machine; the host judged is the one connected to.
    pub(crate) fn parse(s: &str) -> Result<Option<Target>, String> {
        let s = s.trim();
        let (kind, url) = s
            .split_once(':')
            .ok_or_else(|| "a notification is slack:URL or webhook:URL".to_string())?;
        let kind = kind.to_ascii_lowercase();
        if kind == "https" || kind == "http" {
            return Err(
                "a bare URL: did you mean slack:URL or webhook:URL? (slack: for a Slack incoming webhook, webhook: for JSON)"
                    .to_string(),
            );
        }
        if kind != "slack" && kind != "webhook" {
            return Err(format!(
                "a notification is slack:URL or webhook:URL, not {}:…",
                crate::reference::shown(&kind)
            ));
        }
        let url = match url.strip_prefix("${").and_then(|v| v.strip_suffix('}')) {
            Some(var) => match std::env::var(var).ok().filter(|v| !v.trim().is_empty()) {
                Some(v) => v,
                None => return Ok(None),
            },
            None => url.to_string(),
        };
        let url = url.trim().to_string();
        if url.is_empty() {
            return Ok(None);
        }
        crate::secret::hide(&url);
        if let Err(why) = crate::http::check(&url, &[]) {
            // The URL is a secret: the reason is told without it.
            let why = crate::secret::redact(&why, []);
            return Err(format!(
                "the {kind} notification's URL: {why} (https://, or plain HTTP only to this machine)"
            ));
        }
        match kind.as_str() {
            "slack" => Ok(Some(Target::Slack(url))),
            _ => Ok(Some(Target::Webhook(url))),
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
pub(crate) enum When {
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
pub(crate) struct Event {
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
    pub(crate) fn ok(&self) -> bool {
        self.error.is_none() && self.status != "failed"
    }

    /// The one line a person reads: only what happened.
    pub(crate) fn text(&self) -> String {
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
    pub(crate) fn json(&self) -> Value {
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
    /// within Slack's 3,000 characters (a long failure is cut, marked so). Every field is
    /// mrkdwn with `&`, `<` and `>` escaped as Slack asks, so that nothing Argo CD or a
    /// repository said can mention a channel or a person, or make a link.
    pub(crate) fn slack(&self) -> Value {
        let mut text = self.text();
        if text.chars().count() > 2_900 {
            text = text.chars().take(2_900).collect::<String>() + " …";
        }
        let text = slack_escape(&text);
        let mut fields = vec![
            json!({"type": "mrkdwn", "text": format!("*Image*\n`{}`", slack_escape(&self.new_image.replace('`', "'")))}),
        ];
        if let Some(c) = &self.commit {
            let c: String = c.chars().take(12).collect();
            fields.push(json!({"type": "mrkdwn", "text": format!("*Commit*\n`{}`", slack_escape(&c.replace('`', "'")))}));
        }
        if let Some(h) = &self.health {
            let h: String = h.chars().take(200).collect();
            fields
                .push(json!({"type": "mrkdwn", "text": format!("*Health*\n{}", slack_escape(&h))}));
        }
        json!({
            "text": text,
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": text}},
                {"type": "section", "fields": fields}
            ]
        })
    }
}

/// `s` for Slack's mrkdwn: `&`, `<`, `>` escaped (`&amp;`, `&lt;`, `&gt;`), so that `<!channel>`,
/// `<@U…>` and `<https://…|label>` are shown, not acted on.
pub(crate) fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
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

/// The longest one notification may take, when the run's deadline is further.
const MAX_SEND: Duration = Duration::from_secs(15);

/// Sends `events` to each target, as `when` says, all before `deadline` (a receiver that does
/// not answer is given up at it; one that asks to wait, `Retry-After`, is waited for within
/// it, `say` told each wait); returns a warning per send that failed (never the URL).
pub(crate) fn send(
    targets: &[Target],
    when: When,
    events: &[Event],
    deadline: Instant,
    say: &dyn Fn(&str),
) -> Vec<String> {
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
            if crate::interrupt::requested().is_some() {
                warnings.push(format!(
                    "{} was not told about {}: interrupted",
                    t.name(),
                    e.service
                ));
                continue;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                warnings.push(format!(
                    "{} was not told about {}: --timeout ran out",
                    t.name(),
                    e.service
                ));
                continue;
            }
            let body = match t {
                Target::Slack(_) => e.slack(),
                Target::Webhook(_) => e.json(),
            };
            if let Err(w) = post(t, &body, &e.service, deadline, say) {
                warnings.push(w);
            }
        }
    }
    warnings
}

/// One notification about `service` posted to `t`: a `429` or `503` with `Retry-After` waited
/// out within `deadline` (the retry room's wait, which a signal ends), one line said each
/// time, then sent again (the receiver refused it, so it was not taken); the warning when it
/// was not taken.
fn post(
    t: &Target,
    body: &Value,
    service: &str,
    deadline: Instant,
    say: &dyn Fn(&str),
) -> Result<(), String> {
    use crate::retry::{Retry, RetryResult, Stop};
    let name = t.name();
    let tried = Retry::new(deadline, None).run(
        0,
        || {
            let left = deadline.saturating_duration_since(Instant::now());
            let agent = crate::http::agent(left.min(MAX_SEND).max(Duration::from_millis(1)));
            let sent = crate::http::idempotent(|| {
                agent
                    .post(t.url())
                    .header("Content-Type", "application/json")
                    .send(body.to_string())
            });
            match sent {
                Ok(r) if r.status().is_success() => RetryResult::Success(Ok(())),
                Ok(r) => {
                    let status = r.status().as_u16();
                    let asked = r
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(crate::retry::after)
                        .filter(|_| matches!(status, 429 | 503));
                    match asked {
                        Some(wait) => RetryResult::Wait((status, wait), wait),
                        None => RetryResult::Success(Err(format!(
                            "{name} did not take the notification about {service} (HTTP {status})"
                        ))),
                    }
                }
                Err(err) => RetryResult::Success(Err(format!(
                    "cannot notify {name} about {service}: {}",
                    crate::secret::cut(&err.to_string(), 300, [])
                ))),
            }
        },
        |(status, _), wait| {
            say(&format!(
                "{name} answered HTTP {status} to the notification about {service} and asks to wait: waiting {} before sending it again; --timeout bounds the wait",
                crate::retry::span(wait)
            ))
        },
    );
    match tried {
        Ok(sent) => sent,
        Err(Stop::Spent((status, wait), _)) | Err(Stop::Failed((status, wait))) => Err(format!(
            "{name} did not take the notification about {service} (HTTP {status}) and asks to wait {}, past --timeout",
            crate::retry::span(wait)
        )),
        Err(Stop::Interrupted(_)) => Err(format!(
            "{name} was not told about {service}: interrupted while it asked to wait"
        )),
    }
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
        // Nothing said can mention, link or format beyond Slack's text.
        e.error = Some("<!channel> <@U123> <https://evil.example|click here> & co".into());
        e.health = Some("<!here>".into());
        let slack = e.slack().to_string();
        for raw in ["<!channel>", "<@U123>", "<https://evil", "<!here>", "& co"] {
            assert!(!slack.contains(raw), "{raw} in {slack}");
        }
        assert!(
            slack.contains(
                "&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.example|click here&gt; &amp; co"
            ),
            "{slack}"
        );
        assert!(slack.contains("*Health*\\n&lt;!here&gt;"), "{slack}");
    }

    #[test]
    fn targets_are_parsed_and_their_urls_never_shown() {
        let t = Target::parse("slack:https://hooks.slack.com/services/T0/B0/secretpart").unwrap();
        assert_eq!(format!("{t:?}"), "Some(slack:***)");
        assert!(Target::parse("webhook:http://127.0.0.1:9/x").is_ok());
        assert!(Target::parse("webhook:http://example.com/x").is_err());
        assert!(Target::parse("email:x@y").is_err());
        // A forgotten prefix, an empty URL, this machine over plain HTTP, another over it.
        let e = Target::parse("https://hooks.slack.com/services/T/B/x").unwrap_err();
        assert!(e.contains("did you mean slack:URL or webhook:URL"), "{e}");
        assert_eq!(Target::parse("slack:"), Ok(None));
        assert!(Target::parse("webhook:http://127.0.0.1:9/y")
            .unwrap()
            .is_some());
        let e = Target::parse("webhook:http://10.0.0.1/@127.0.0.1:1").unwrap_err();
        assert!(e.contains("`***` is plain HTTP to `10.0.0.1`"), "{e}");
        assert_eq!(
            Target::parse("slack:${IMGBUMP_TEST_UNSET_VARIABLE}"),
            Ok(None)
        );
    }
}
