//! GitHub pull requests through the REST API: `POST /repos/{owner}/{repo}/pulls`, then labels,
//! reviewers and auto-merge (GraphQL's `enablePullRequestAutoMerge`, which REST lacks); an
//! open pull request for the same head is success. The open pull requests are listed, and those
//! the caller finds older closed with a comment naming the new one, their branches deleted.
//!
//! The API is `GITHUB_API_URL` in Actions, else derived from the remote (github.com or a
//! GitHub Enterprise host); the token is the one used to push, never printed. 5xx answers are
//! retried ([`crate::retry`]); a rate limit (a secondary one, a spent primary one, a 403 or 429
//! with `retry-after`: `github_limit.rs`) is waited out as GitHub asks within the deadline,
//! one line said before each wait, and past it fails as a rate limit, never as a permission
//! refusal; 401, 403 and other errors say what GitHub said.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::github_limit::{Limit, Told};
use super::{host_and_repo, ForgeError, Listed, Opened, Request};
use crate::http::{read, said, List, Obj, Text};
use crate::retry::{Notice, Retry, RetryResult, Stop};

/// How many of the errors of one GraphQL answer are told.
const MAX_ERRORS: usize = 10;

/// A GraphQL answer's parts that are read; every other field ignored.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct GraphqlAnswer {
    errors: List<Obj<GraphqlError>>,
}

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
struct GraphqlError {
    #[serde(rename = "type")]
    kind: Text,
    message: Text,
}

/// A pull request's parts that are read (REST `pulls`); every other field ignored.
#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
struct PullRequest {
    /// Absent, or not a whole number: none.
    number: Option<u64>,
    html_url: Text,
    node_id: Text,
    body: Text,
    head: Obj<Head>,
}

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
struct Head {
    /// Absent, or not a string: none.
    #[serde(rename = "ref")]
    name: Option<String>,
}

/// The pull requests of a REST list; none when the answer is no list.
fn pulls(list: &Value) -> Vec<PullRequest> {
    use serde::Deserialize;
    List::<Obj<PullRequest>>::deserialize(list)
        .ok()
        .and_then(|l| l.0)
        .unwrap_or_default()
        .into_iter()
        .map(|p| p.0.unwrap_or_default())
        .collect()
}

impl PullRequest {
    /// Its head branch, when the answer names one.
    fn head(&self) -> Option<&str> {
        self.head.0.as_ref()?.name.as_deref()
    }
}

/// A GitHub repository's API.
pub(crate) struct GitHub {
    api: String,
    graphql: String,
    repo: String,
    owner: String,
    token: String,
    agent: ureq::Agent,
    /// Until when a call is tried again and a rate limit waited out (the timeout given,
    /// from the client's making, unless [`GitHub::until`] sets it).
    deadline: Instant,
    /// Where a wait is said, one line each.
    notice: Option<Notice>,
}

/// One answer of the API, with the headers that decide whether to ask again.
struct Answer {
    status: u16,
    json: Value,
    /// `x-ratelimit-reset`, as sent.
    reset: Option<String>,
    /// `retry-after`, read.
    retry_after: Option<Duration>,
    /// The rate limit it tells, if any.
    limit: Option<Limit>,
    /// The wait the limit asks for.
    wait: Duration,
}

impl Answer {
    /// What GitHub said, as one short line.
    fn words(&self) -> String {
        let w = words(&self.json);
        let said = w
            .iter()
            .find(|w| !w.is_empty() && w.as_str() != "RATE_LIMITED");
        crate::secret::cut(said.map_or("", String::as_str), 200, [])
    }
}

/// What an answer says: its `message` (or `error`), then each GraphQL error's type and
/// message (the first [`MAX_ERRORS`]).
fn words(json: &Value) -> Vec<String> {
    let mut w = vec![said(json)];
    for e in read::<GraphqlAnswer>(json)
        .errors
        .0
        .unwrap_or_default()
        .into_iter()
        .take(MAX_ERRORS)
    {
        let e = e.0.unwrap_or_default();
        w.push(e.kind.line(100));
        w.push(e.message.line(300));
    }
    w
}

/// A rate limit that asks for a wait past the deadline: when it resets, or how long it asks,
/// and the flag to raise; a temporary failure, never a permission refusal.
fn limited(a: &Answer, limit: Limit, what: &str, spent: Option<crate::retry::Spent>) -> ForgeError {
    let waited = match spent {
        Some(s) if s.tries > 1 => format!(", after waiting {}", crate::retry::times(s.tries - 1)),
        _ => String::new(),
    };
    let reset = a
        .reset
        .as_deref()
        .and_then(|r| r.trim().parse::<i64>().ok());
    let message = match (limit, reset) {
        (Limit::Primary, Some(at)) if a.retry_after.is_none() => format!(
            "GitHub's rate limit is spent (HTTP {}: {}) for {what}; it resets at {}, in {}, past --timeout's deadline{waited}; raise --timeout, or run again then",
            a.status,
            a.words(),
            crate::utc::utc(at),
            crate::retry::span(a.wait),
        ),
        _ => format!(
            "{} (HTTP {}: {}): {what} would have to wait {} ({}), past --timeout's deadline{waited}; raise --timeout, or run again later",
            limit.name(),
            a.status,
            a.words(),
            crate::retry::span(a.wait),
            limit.why(a.retry_after.is_some(), a.reset.as_deref()),
        ),
    };
    ForgeError {
        message,
        limited: true,
    }
}

fn fail(message: impl Into<String>) -> ForgeError {
    ForgeError::new(message)
}

impl GitHub {
    /// The API for the repository at `remote`, with `token`.
    pub(crate) fn new(
        remote: &str,
        token: Option<&str>,
        timeout: Duration,
    ) -> Result<GitHub, ForgeError> {
        let (host, repo) = host_and_repo(remote).ok_or_else(|| {
            fail(format!(
                "cannot tell the GitHub repository from the remote {}; --open-pr github needs a remote such as https://github.com/OWNER/REPO.git",
                crate::git::redact_urls(remote)
            ))
        })?;
        let token = token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| fail("GitHub's API needs a token: set GITHUB_TOKEN (or IMGBUMP_TOKEN), the one used to push, or give --github-app-id and --github-app-key"))?;
        let (api, graphql) = endpoints(&host)?;
        let owner = repo.split('/').next().unwrap_or("").to_string();
        Ok(GitHub {
            api,
            graphql,
            repo,
            owner,
            token: token.to_string(),
            agent: crate::http::agent(timeout),
            deadline: Instant::now() + timeout,
            notice: None,
        })
    }

    /// Waits (a rate limit, a server error) end at `deadline` rather than after the
    /// timeout of one request.
    pub(crate) fn until(mut self, deadline: Instant) -> GitHub {
        self.deadline = deadline;
        self
    }

    /// Says each wait through `notice`.
    pub(crate) fn saying(mut self, notice: Option<Notice>) -> GitHub {
        self.notice = notice;
        self
    }

    /// `OWNER/REPO`.
    pub(crate) fn repo(&self) -> &str {
        &self.repo
    }

    /// One GraphQL request: the `data`, or GitHub's errors (each error's `type` and `message`).
    pub(super) fn graphql(
        &self,
        query: &str,
        variables: Value,
    ) -> Result<Result<Value, Vec<(String, String)>>, ForgeError> {
        let body = json!({"query": query, "variables": variables});
        let (status, answer) = self.call("POST", &self.graphql.clone(), Some(&body))?;
        let listed = read::<GraphqlAnswer>(&answer).errors.0.unwrap_or_default();
        let all = listed.len();
        let mut errors: Vec<(String, String)> = listed
            .iter()
            .take(MAX_ERRORS)
            .map(|e| {
                let e = e.0.clone().unwrap_or_default();
                (e.kind.line(300), e.message.line(300))
            })
            .collect();
        if all > MAX_ERRORS {
            errors.push((
                String::new(),
                format!("{} more errors left out", all - MAX_ERRORS),
            ));
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        if status != 200 {
            return Err(fail(format!(
                "GitHub's GraphQL API answered HTTP {status}: {}",
                said(&answer)
            )));
        }
        Ok(Ok(answer["data"].clone()))
    }

    /// One API call, retried on 5xx three times, and a rate limit waited out as GitHub asks
    /// ([`Limit`]) while the deadline allows, one line said before each wait; the status and
    /// the JSON answer (bounded to 4 MB).
    pub(super) fn call(
        &self,
        method: &str,
        path_or_url: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value), ForgeError> {
        let url = if path_or_url.starts_with("http") {
            path_or_url.to_string()
        } else {
            format!("{}{path_or_url}", self.api)
        };
        let what = format!("{method} {}", short_path(&url));
        let retry = Retry::new(self.deadline, Some(3)).first_wait(Duration::from_secs(1));
        let secondary = std::cell::Cell::new(0);
        let tried = retry.run(
            0,
            || match self.once(method, &url, body) {
                Err(e) => RetryResult::Success(Err(e)),
                Ok(mut a) => match a.limit {
                    Some(limit) => {
                        if limit != Limit::Primary && a.retry_after.is_none() {
                            secondary.set(secondary.get() + 1);
                        }
                        let wait = limit.wait(a.retry_after, a.reset.as_deref(), secondary.get());
                        a.wait = wait;
                        RetryResult::Wait(a, wait)
                    }
                    None if a.status >= 500 => {
                        let after = a.retry_after;
                        RetryResult::Retry(a, after)
                    }
                    None => RetryResult::Success(Ok(a)),
                },
            },
            |a, wait| {
                if let (Some(say), Some(limit)) = (&self.notice, a.limit) {
                    say(&format!(
                        "{} (HTTP {}: {}) for {what}: waiting {} {} before trying again; --timeout bounds the wait",
                        limit.name(),
                        a.status,
                        a.words(),
                        crate::retry::span(wait),
                        limit.why(a.retry_after.is_some(), a.reset.as_deref()),
                    ));
                }
            },
        );
        let (a, spent) = match tried {
            Ok(a) => (a?, None),
            Err(Stop::Spent(a, spent)) => (a, Some(spent)),
            Err(Stop::Failed(a)) => (a, None),
            Err(Stop::Interrupted(signal)) => {
                return Err(fail(format!(
                    "interrupted by {} while calling GitHub's API",
                    crate::interrupt::name(signal)
                )))
            }
        };
        if let Some(limit) = a.limit {
            return Err(limited(&a, limit, &what, spent));
        }
        let (status, message) = (a.status, said(&a.json));
        let times = spent.map_or_else(|| "once".to_string(), |s| s.times());
        match status {
            401 => Err(fail(format!("GitHub refused the token (HTTP 401: {message}) for {what}; check the token and its permissions (contents: write; pull-requests: write for --open-pr)"))),
            403 => Err(fail(format!("GitHub refused {what} (HTTP 403: {message}); give the token contents: write (and, for --open-pr, pull-requests: write; in Actions, allow GitHub Actions to create pull requests)"))),
            s if s >= 500 => Err(fail(format!("GitHub answered HTTP {s} to {what} {times}: {message}"))),
            _ => Ok((status, a.json)),
        }
    }

    /// One request, its answer read.
    fn once(&self, method: &str, url: &str, body: Option<&Value>) -> Result<Answer, ForgeError> {
        let auth = format!("Bearer {}", self.token);
        let headers = [
            ("Authorization", auth.as_str()),
            ("Accept", "application/vnd.github+json, application/json"),
            ("X-GitHub-Api-Version", "2022-11-28"),
        ];
        let result = match (method, body) {
            ("GET" | "DELETE", _) => crate::http::idempotent(|| {
                let r = match method {
                    "GET" => self.agent.get(url),
                    _ => self.agent.delete(url),
                };
                headers.iter().fold(r, |r, (k, v)| r.header(*k, *v)).call()
            }),
            (m, b) => {
                let r = match m {
                    "PATCH" => self.agent.patch(url),
                    "PUT" => self.agent.put(url),
                    _ => self.agent.post(url),
                };
                let r = headers.iter().fold(r, |r, (k, v)| r.header(*k, *v));
                r.header("Content-Type", "application/json")
                    .send(b.map(|v| v.to_string()).unwrap_or_default())
            }
        };
        let mut resp = result
            .map_err(|e| fail(format!("cannot reach the GitHub API at {}: {e}", self.api)))?;
        let status = resp.status().as_u16();
        let header = |k: &str| {
            resp.headers()
                .get(k)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let remaining = header("x-ratelimit-remaining");
        let reset = header("x-ratelimit-reset");
        let retry_after = header("retry-after").and_then(|v| crate::retry::after(&v));
        let text = resp
            .body_mut()
            .with_config()
            .limit(4 << 20)
            .read_to_string()
            .unwrap_or_default();
        let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let words = words(&json);
        let limit = Limit::of(&Told {
            status,
            remaining: remaining.as_deref(),
            retry_after,
            words: &words,
        });
        Ok(Answer {
            status,
            json,
            reset,
            retry_after,
            limit,
            wait: Duration::ZERO,
        })
    }

    /// Opens (or finds) the pull request for `req`, then sets its labels, reviewers and
    /// auto-merge.
    pub(crate) fn open(&self, req: &Request) -> Result<Opened, ForgeError> {
        let repo = &self.repo;
        let (status, pr) = self.call(
            "POST",
            &format!("/repos/{repo}/pulls"),
            Some(&json!({"title": req.title, "head": req.head, "base": req.base, "body": req.body, "draft": req.draft})),
        )?;
        let (pr, existed) = match status {
            201 => (read::<PullRequest>(&pr), false),
            422 if pr.to_string().contains("already exists") => {
                // The same head already has an open pull request: that one stands.
                let (_, list) = self.call(
                    "GET",
                    &format!(
                        "/repos/{repo}/pulls?state=open&head={}:{}&per_page=100",
                        self.owner,
                        crate::http::pct_path(&req.head)
                    ),
                    None,
                )?;
                let found = pulls(&list)
                    .into_iter()
                    .find(|p| p.head() == Some(req.head.as_str()))
                    .ok_or_else(|| {
                        fail(format!(
                            "GitHub says a pull request for {} already exists, but lists none open",
                            req.head
                        ))
                    })?;
                (found, true)
            }
            s => {
                return Err(fail(format!(
                    "GitHub did not open the pull request (HTTP {s}: {})",
                    said(&pr)
                )))
            }
        };
        let number = pr
            .number
            .ok_or_else(|| fail("GitHub's answer has no pull request number"))?;
        let url = pr.html_url.as_str().to_string();
        if !req.labels.is_empty() {
            self.expect_ok(
                self.call(
                    "POST",
                    &format!("/repos/{repo}/issues/{number}/labels"),
                    Some(&json!({"labels": req.labels})),
                )?,
                "add the labels",
            )?;
        }
        if !req.reviewers.is_empty() {
            let (teams, users): (Vec<&String>, Vec<&String>) =
                req.reviewers.iter().partition(|r| r.contains('/'));
            let teams: Vec<&str> = teams.iter().filter_map(|t| t.split('/').nth(1)).collect();
            self.expect_ok(
                self.call(
                    "POST",
                    &format!("/repos/{repo}/pulls/{number}/requested_reviewers"),
                    Some(&json!({"reviewers": users, "team_reviewers": teams})),
                )?,
                "ask the reviewers",
            )?;
        }
        if req.auto_merge {
            let id = pr.node_id.as_str();
            let answer = self.graphql(
                "mutation($id: ID!) { enablePullRequestAutoMerge(input: {pullRequestId: $id}) { clientMutationId } }",
                json!({"id": id}),
            )?;
            if let Err(errors) = answer {
                return Err(fail(format!(
                    "GitHub did not turn on auto-merge for #{number} ({}); allow auto-merge in the repository's settings",
                    errors.first().map_or("", |(_, m)| m.as_str())
                )));
            }
        }
        Ok(Opened {
            number,
            url,
            existed,
            closed: Vec::new(),
        })
    }

    fn expect_ok(&self, (status, answer): (u16, Value), what: &str) -> Result<(), ForgeError> {
        if (200..300).contains(&status) {
            Ok(())
        } else {
            Err(fail(format!(
                "GitHub did not {what} (HTTP {status}: {})",
                said(&answer)
            )))
        }
    }

    /// The open pull requests into `base` (the first hundred): which of them a bump supersedes
    /// is the caller's to decide.
    pub(crate) fn open_requests(&self, base: &str) -> Result<Vec<Listed>, ForgeError> {
        let repo = &self.repo;
        let (status, list) = self.call(
            "GET",
            &format!(
                "/repos/{repo}/pulls?state=open&base={}&per_page=100",
                crate::http::pct_path(base)
            ),
            None,
        )?;
        if status != 200 {
            return Err(fail(format!(
                "GitHub did not list the open pull requests (HTTP {status})"
            )));
        }
        Ok(pulls(&list)
            .into_iter()
            .filter_map(|pr| {
                Some(Listed {
                    number: pr.number?,
                    head: pr.head()?.to_string(),
                    body: pr.body.as_str().to_string(),
                })
            })
            .collect())
    }

    /// Closes the pull request `old` in favour of `by` (a comment naming it), and deletes its
    /// branch, which is imgbump's, so that no stale branch is left.
    pub(crate) fn close_superseded(&self, old: &Listed, by: &Opened) -> Result<(), ForgeError> {
        let repo = &self.repo;
        let (n, number, url) = (old.number, by.number, &by.url);
        self.expect_ok(self.call("POST", &format!("/repos/{repo}/issues/{n}/comments"), Some(&json!({"body": format!("Superseded by #{number} ({url}), a newer image for the same service.")})))?, "comment on a superseded pull request")?;
        self.expect_ok(
            self.call(
                "PATCH",
                &format!("/repos/{repo}/pulls/{n}"),
                Some(&json!({"state": "closed"})),
            )?,
            "close a superseded pull request",
        )?;
        let _ = self.call(
            "DELETE",
            // `{ref}` is one path segment: its slashes encoded, as GitHub's clients send it.
            &format!(
                "/repos/{repo}/git/refs/{}",
                crate::http::pct(&format!("heads/{}", old.head))
            ),
            None,
        )?;
        Ok(())
    }
}

/// The REST and GraphQL addresses for a remote on `host`: `GITHUB_API_URL` and
/// `GITHUB_GRAPHQL_URL` (as Actions sets them), else github.com's, else a GitHub Enterprise
/// host's (`https://HOST/api/v3`, `https://HOST/api/graphql`). Plain HTTP only to loopback.
pub(super) fn endpoints(host: &str) -> Result<(String, String), ForgeError> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let (api, graphql) = match (env("GITHUB_API_URL"), host) {
        (Some(api), _) => {
            let graphql = env("GITHUB_GRAPHQL_URL").unwrap_or_else(|| graphql_for(&api));
            (api.trim_end_matches('/').to_string(), graphql)
        }
        (None, "github.com") => (
            "https://api.github.com".to_string(),
            "https://api.github.com/graphql".to_string(),
        ),
        (None, h) => (
            format!("https://{h}/api/v3"),
            format!("https://{h}/api/graphql"),
        ),
    };
    for (name, url) in [("GITHUB_API_URL", &api), ("GITHUB_GRAPHQL_URL", &graphql)] {
        if let Err(why) = crate::http::check(url, &[]) {
            return Err(fail(format!("the GitHub API ({name}): {why}; refused")));
        }
    }
    Ok((api, graphql))
}

/// GitHub Enterprise's GraphQL address from its REST one (`…/api/v3` → `…/api/graphql`).
fn graphql_for(api: &str) -> String {
    let api = api.trim_end_matches('/');
    match api.strip_suffix("/api/v3") {
        Some(base) => format!("{base}/api/graphql"),
        None => format!("{api}/graphql"),
    }
}

fn short_path(url: &str) -> String {
    url.split_once("://")
        .and_then(|(_, r)| r.split_once('/'))
        .map_or(url.to_string(), |(_, p)| format!("/{p}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hostile list: a pull request with no whole number or no head branch is none, a body
    /// that is no string is empty, unknown fields are ignored, an answer that is no list is
    /// an empty one.
    #[test]
    fn odd_pull_requests_read_as_none_or_empty() {
        let list = json!([
            {"number": 7, "head": {"ref": "imgbump/a", "x": 1}, "body": 5, "extra": []},
            {"number": "8", "head": {"ref": "imgbump/b"}},
            {"number": 9, "head": {"ref": 1}},
            {"number": -1, "head": {"ref": "imgbump/c"}},
            3,
        ]);
        let seen: Vec<(Option<u64>, Option<String>, String)> = pulls(&list)
            .iter()
            .map(|p| (p.number, p.head().map(String::from), p.body.as_str().into()))
            .collect();
        assert_eq!(
            seen,
            [
                (Some(7), Some("imgbump/a".into()), String::new()),
                (None, None, String::new()),
                (Some(9), None, String::new()),
                (None, None, String::new()),
                (None, None, String::new()),
            ]
        );
        assert!(pulls(&json!({"message": "Not Found"})).is_empty());
        let errors = read::<GraphqlAnswer>(&json!({"errors": [{"type": "STALE_DATA"}, 1]}));
        assert_eq!(errors.errors.0.map(|e| e.len()), Some(2));
    }

    #[test]
    fn addresses_and_times() {
        assert_eq!(
            graphql_for("https://ghe.corp/api/v3"),
            "https://ghe.corp/api/graphql"
        );
        assert_eq!(
            graphql_for("https://api.github.com"),
            "https://api.github.com/graphql"
        );
    }
}
