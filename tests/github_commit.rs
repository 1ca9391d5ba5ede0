//! `--commit-via github` and GitHub App tokens, against contracts with real Git behind them.
//!
//! - Every GraphQL request imgbump sends is checked, at the end of each test, against GitHub's
//!   published schema (`@octokit/graphql-schema`, through graphql-js): the document validates
//!   and its variables coerce to the declared types.
//! - Every REST request goes through prism against `@octokit/openapi` (tests/github.rs's
//!   contract), and the ones that change a repository are then applied by the double.
//! - Behind both, a loopback double of GitHub applies `createCommitOnBranch` to a real bare
//!   repository with git plumbing (`hash-object`, `update-index`, `write-tree`, `commit-tree`,
//!   `update-ref` with the old value), so that a clone sees exactly the commit GitHub would
//!   make; the branch is fetched from `git daemon` or a smart-HTTP server.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use support::github_api::*;
use support::*;

const TOKEN: &str = "ghs_apiCommitTestToken0123456789abcd";
/// Who GitHub says made its commits.
const BOT: (&str, &str) = (
    "imgbump-test[bot]",
    "123+imgbump-test[bot]@users.noreply.github.com",
);

/// GitHub's commit API, played on real bare repositories under `root` (`OWNER/REPO.git`).
struct Hub {
    root: PathBuf,
    /// Every GraphQL request, for the schema check.
    asked: Mutex<Vec<Value>>,
    /// Mutations are applied one at a time, as GitHub serialises a branch's updates.
    lock: Mutex<()>,
    /// Before each of the next N mutations, someone else commits to the branch first.
    move_first: AtomicUsize,
    /// Commits made.
    made: AtomicUsize,
}

fn git_in(repo: &Path, args: &[&str], env: &[(&str, &str)], input: Option<&[u8]>) -> String {
    let mut c = Command::new("git");
    c.arg("--git-dir").arg(repo).args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    if let Some(bytes) = input {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(bytes).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn graphql_error(kind: &str, message: &str) -> Vec<u8> {
    let body = json!({"data": {"createCommitOnBranch": null}, "errors": [{"type": kind, "path": ["createCommitOnBranch"], "locations": [{"line": 1, "column": 50}], "message": message}]});
    json_response(200, &body.to_string(), "")
}

impl Hub {
    fn new(root: &Path) -> Arc<Hub> {
        Arc::new(Hub {
            root: root.to_path_buf(),
            asked: Mutex::default(),
            lock: Mutex::default(),
            move_first: AtomicUsize::new(0),
            made: AtomicUsize::new(0),
        })
    }

    /// The double behind the proxy.
    fn double(self: &Arc<Hub>) -> Double {
        let hub = self.clone();
        Arc::new(move |a: &Asked<'_>| {
            if a.path == "/graphql" {
                return Answer::Own(hub.graphql(a));
            }
            if a.method == "POST" && a.path.ends_with("/git/refs") {
                let (hub, path, body) = (hub.clone(), a.path.to_string(), a.body.to_vec());
                return Answer::Checked(Box::new(move || hub.create_ref(&path, &body)));
            }
            Answer::Prism
        })
    }

    fn repo_of(&self, name_with_owner: &str) -> PathBuf {
        self.root.join(format!("{name_with_owner}.git"))
    }

    fn graphql(&self, a: &Asked<'_>) -> Vec<u8> {
        let req: Value = serde_json::from_slice(a.body).unwrap();
        self.asked.lock().unwrap().push(req.clone());
        assert!(
            a.authorization.starts_with("Bearer "),
            "{}",
            a.authorization
        );
        let query = req["query"].as_str().unwrap_or("");
        if query.contains("enablePullRequestAutoMerge") {
            return json_response(
                200,
                r#"{"data":{"enablePullRequestAutoMerge":{"clientMutationId":null}}}"#,
                "",
            );
        }
        let input = &req["variables"]["input"];
        let repo = self.repo_of(input["branch"]["repositoryNameWithOwner"].as_str().unwrap());
        let branch = input["branch"]["branchName"].as_str().unwrap();
        let expected = input["expectedHeadOid"].as_str().unwrap();
        let r = format!("refs/heads/{branch}");
        let _one = self.lock.lock().unwrap();
        if self.move_first.load(Ordering::SeqCst) > 0 {
            self.move_first.fetch_sub(1, Ordering::SeqCst);
            self.someone_else_commits(&repo, &r);
        }
        let head = Command::new("git")
            .arg("--git-dir")
            .arg(&repo)
            .args(["rev-parse", "--verify", "-q", &r])
            .output()
            .unwrap();
        let head = String::from_utf8_lossy(&head.stdout).trim().to_string();
        if head.is_empty() {
            return graphql_error("NOT_FOUND", &format!("A ref named \"{r}\" does not exist."));
        }
        if head != expected {
            return graphql_error(
                "STALE_DATA",
                &format!("Expected branch to point to \"{expected}\" but it did not. Pull and try again."),
            );
        }
        let scratch = tempfile::tempdir().unwrap();
        let index = scratch.path().join("index");
        let index = index.to_str().unwrap();
        let env = [("GIT_INDEX_FILE", index)];
        git_in(&repo, &["read-tree", &head], &env, None);
        use base64::Engine;
        for add in input["fileChanges"]["additions"].as_array().unwrap() {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(add["contents"].as_str().unwrap())
                .unwrap();
            let blob = git_in(&repo, &["hash-object", "-w", "--stdin"], &env, Some(&bytes));
            let path = add["path"].as_str().unwrap();
            git_in(
                &repo,
                &[
                    "update-index",
                    "--add",
                    "--cacheinfo",
                    &format!("100644,{blob},{path}"),
                ],
                &env,
                None,
            );
        }
        let tree = git_in(&repo, &["write-tree"], &env, None);
        let message = format!(
            "{}\n\n{}",
            input["message"]["headline"].as_str().unwrap(),
            input["message"]["body"].as_str().unwrap_or("")
        );
        let who = [
            ("GIT_AUTHOR_NAME", BOT.0),
            ("GIT_AUTHOR_EMAIL", BOT.1),
            ("GIT_COMMITTER_NAME", "GitHub"),
            ("GIT_COMMITTER_EMAIL", "noreply@github.com"),
        ];
        let commit = git_in(
            &repo,
            &["commit-tree", &tree, "-p", &head, "-F", "-"],
            &who,
            Some(message.trim_end().as_bytes()),
        );
        // The compare-and-swap GitHub makes: the ref moves only from the expected commit.
        git_in(&repo, &["update-ref", &r, &commit, &head], &[], None);
        self.made.fetch_add(1, Ordering::SeqCst);
        let body = json!({"data": {"createCommitOnBranch": {"commit": {"oid": commit, "url": format!("https://github.com/x/y/commit/{commit}")}}}});
        json_response(200, &body.to_string(), "")
    }

    /// Another writer's commit on the branch: a file of its own.
    fn someone_else_commits(&self, repo: &Path, r: &str) {
        let head = git_in(repo, &["rev-parse", r], &[], None);
        let scratch = tempfile::tempdir().unwrap();
        let index = scratch.path().join("index");
        let env = [("GIT_INDEX_FILE", index.to_str().unwrap())];
        git_in(repo, &["read-tree", &head], &env, None);
        let blob = git_in(
            repo,
            &["hash-object", "-w", "--stdin"],
            &env,
            Some(b"someone else\n"),
        );
        git_in(
            repo,
            &[
                "update-index",
                "--add",
                "--cacheinfo",
                &format!("100644,{blob},NOTES.md"),
            ],
            &env,
            None,
        );
        let tree = git_in(repo, &["write-tree"], &env, None);
        let who = [
            ("GIT_AUTHOR_NAME", "other"),
            ("GIT_AUTHOR_EMAIL", "o@x"),
            ("GIT_COMMITTER_NAME", "other"),
            ("GIT_COMMITTER_EMAIL", "o@x"),
        ];
        let c = git_in(
            repo,
            &["commit-tree", &tree, "-p", &head, "-m", "someone else"],
            &who,
            None,
        );
        git_in(repo, &["update-ref", r, &c, &head], &[], None);
    }

    /// `POST /repos/{owner}/{repo}/git/refs`, applied: a new ref only.
    fn create_ref(&self, path: &str, body: &[u8]) -> Vec<u8> {
        let req: Value = serde_json::from_slice(body).unwrap();
        let name = path
            .trim_start_matches("/repos/")
            .trim_end_matches("/git/refs");
        let repo = self.repo_of(name);
        let (r, sha) = (req["ref"].as_str().unwrap(), req["sha"].as_str().unwrap());
        let created = Command::new("git")
            .arg("--git-dir")
            .arg(&repo)
            .args([
                "update-ref",
                r,
                sha,
                "0000000000000000000000000000000000000000",
            ])
            .output()
            .unwrap();
        if !created.status.success() {
            return json_response(
                422,
                r#"{"message":"Reference already exists","documentation_url":"https://docs.github.com/rest/git/refs#create-a-reference","status":"422"}"#,
                "",
            );
        }
        let body = json!({"ref": r, "node_id": "REF_1", "url": "https://api.github.com/x", "object": {"type": "commit", "sha": sha, "url": "https://api.github.com/y"}});
        json_response(201, &body.to_string(), "")
    }

    /// Checks every GraphQL request against GitHub's published schema.
    fn check_schema(&self, dir: &Path) {
        let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tools/graphql");
        assert!(
            tools.join("node_modules/@octokit/graphql-schema").exists(),
            "@octokit/graphql-schema is missing: scripts/test-tools installs it"
        );
        // An ES module resolves its imports from where it stands.
        let script = tools.join("check.mjs");
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/graphql-check.mjs"),
            &script,
        )
        .unwrap();
        let requests = dir.join("graphql.json");
        let asked = self.asked.lock().unwrap().clone();
        assert!(!asked.is_empty(), "no GraphQL request was made");
        std::fs::write(&requests, serde_json::to_string(&asked).unwrap()).unwrap();
        let out = Command::new("node")
            .arg(&script)
            .arg(&requests)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "GraphQL outside GitHub's schema:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The bundled example as `octocat/Hello-World.git` under a root served by `git daemon`.
struct Site {
    fx: Fixture,
    root: PathBuf,
    daemon: Daemon,
    hub: Arc<Hub>,
    api: ApiProxy,
}

impl Site {
    /// Without prism: only GraphQL is asked.
    fn new() -> Site {
        Site::with_prism(None)
    }

    fn with_prism(prism: Option<u16>) -> Site {
        let fx = Fixture::new();
        let root = fx.dir.path().join("github");
        std::fs::create_dir_all(root.join("octocat")).unwrap();
        git(
            fx.dir.path(),
            &[
                "clone",
                "-q",
                "--bare",
                fx.remote.to_str().unwrap(),
                root.join("octocat/Hello-World.git").to_str().unwrap(),
            ],
        );
        let daemon = Daemon::start(&root);
        let hub = Hub::new(&root);
        let api = ApiProxy::start_with(prism.unwrap_or(0), hub.double());
        Site {
            fx,
            root,
            daemon,
            hub,
            api,
        }
    }

    fn bare(&self) -> PathBuf {
        self.root.join("octocat/Hello-World.git")
    }

    fn remote(&self, args: &[&str]) -> String {
        let bare = self.bare();
        let mut all = vec!["--git-dir", bare.to_str().unwrap()];
        all.extend_from_slice(args);
        git(self.fx.dir.path(), &all)
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = imgbump(&self.fx.home);
        c.args(args)
            .args([
                "--repo",
                &self.daemon.url("octocat/Hello-World.git"),
                "--commit-via",
                "github",
            ])
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_API_URL", self.api.url())
            .env("GITHUB_GRAPHQL_URL", format!("{}/graphql", self.api.url()))
            .current_dir(self.fx.dir.path());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }
}

fn no_secret(out: &Output, secrets: &[&str]) {
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for s in secrets {
        assert!(!all.contains(s), "a secret was printed: {all}");
    }
}

#[test]
fn github_makes_the_commit_and_a_fetch_sees_it() {
    let site = Site::new();
    let before = site.remote(&["rev-parse", "main"]);

    // 1. Lands: one GraphQL request; the commit on main is GitHub's (its author the token's
    //    identity), with our message and trailers; only the image line changed.
    let out = site.run(&["set", "agent=:v1", "--order-key", "7", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v = json(&out);
    let main = site.remote(&["rev-parse", "main"]);
    assert_eq!(
        v["commit"],
        main.trim(),
        "the reported commit is the one on the remote"
    );
    assert_eq!(v["pushed"], true);
    assert_eq!(site.remote(&["rev-parse", "main~1"]).trim(), before.trim());
    assert_eq!(
        site.remote(&["log", "-1", "--format=%an <%ae>|%cn", "main"])
            .trim(),
        format!("{} <{}>|GitHub", BOT.0, BOT.1)
    );
    let msg = site.remote(&["log", "-1", "--format=%B", "main"]);
    assert!(
        msg.starts_with("chore: update agent image to v1\n")
            && msg.contains("Imgbump-Order: agent=7"),
        "{msg}"
    );
    let diff = site.remote(&["diff", "--unified=0", "main~1", "main"]);
    assert_eq!(
        diff.lines()
            .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
            .count(),
        1,
        "{diff}"
    );
    assert_eq!(
        site.hub.asked.lock().unwrap().len(),
        1,
        "one request per bump"
    );
    no_secret(&out, &[TOKEN]);

    // 2. The branch moves between the read and the mutation: a stale answer, then planned
    //    again on the new tip and landed, the other commit kept.
    site.hub.move_first.store(1, Ordering::SeqCst);
    let out = site.run(&["set", "agent=:v2", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v = json(&out);
    assert_eq!(v["attempts"], 2, "{v}");
    assert_eq!(v["commit"], site.remote(&["rev-parse", "main"]).trim());
    assert_eq!(
        site.remote(&["log", "-1", "--format=%s", "main~1"]).trim(),
        "someone else"
    );
    assert!(site
        .remote(&["show", &format!("main:{AGENT}")])
        .contains("isa-agent:v2"));

    // 3. Two services, one commit.
    let out = site.run(&["set", "agent=:v3", "mcp=:v3", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let files = site.remote(&["diff", "--name-only", "main~1", "main"]);
    assert_eq!(files.lines().count(), 2, "{files}");
    let last = site.hub.asked.lock().unwrap().last().cloned().unwrap();
    assert_eq!(
        last["variables"]["input"]["fileChanges"]["additions"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // 4. A 502 is retried; 401 and a spent rate limit (403) are reported, nothing committed.
    site.api.answer(
        "POST /graphql",
        json_response(502, r#"{"message":"Server Error"}"#, ""),
    );
    let out = site.run(&["set", "agent=:v4"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let made = site.hub.made.load(Ordering::SeqCst);
    site.api.answer("POST /graphql", json_response(401, r#"{"message":"Bad credentials","documentation_url":"https://docs.github.com/graphql","status":"401"}"#, ""));
    let out = site.run(&["set", "agent=:v5"]);
    assert_fails(
        &out,
        1,
        "GitHub refused the token (HTTP 401: Bad credentials)",
        "401",
    );
    no_secret(&out, &[TOKEN]);
    // A spent rate limit that resets past --timeout fails at once: a temporary failure,
    // never the permission hint (tests below wait out the ones that reset in time).
    site.api.answer(
        "POST /graphql",
        limit_answer(Limited::Primary, 7200, "/graphql"),
    );
    let out = site.run(&["set", "agent=:v5", "--timeout", "30"]);
    assert_fails(
        &out,
        5,
        "rate limit is spent (HTTP 403: API rate limit exceeded",
        "403",
    );
    assert_fails(&out, 5, "past --timeout's deadline; raise --timeout", "403");
    assert!(!text(&out).contains("contents: write"), "{}", text(&out));
    assert_eq!(site.hub.made.load(Ordering::SeqCst), made);
    // A rule's refusal (a protected branch) is the remote's word: exit 5.
    site.api.answer(
        "POST /graphql",
        graphql_error(
            "UNPROCESSABLE",
            "Repository rule violations found\n\nChanges must be made through a pull request.",
        ),
    );
    let out = site.run(&["set", "agent=:v5"]);
    assert_fails(
        &out,
        5,
        "Changes must be made through a pull request",
        "a rule",
    );

    // From a checkout: GitHub's commit becomes the local branch's, the work tree clean.
    let checkout = site.fx.dir.path().join("mine");
    git(
        site.fx.dir.path(),
        &[
            "clone",
            "-q",
            &site.daemon.url("octocat/Hello-World.git"),
            checkout.to_str().unwrap(),
        ],
    );
    let out = imgbump(&site.fx.home)
        .args([
            "set",
            "agent=:v6",
            "--commit-via",
            "github",
            "-o",
            "json",
            "-C",
        ])
        .arg(&checkout)
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_API_URL", site.api.url())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let landed = site.remote(&["rev-parse", "main"]);
    assert_eq!(json(&out)["commit"], landed.trim());
    assert_eq!(
        git(&checkout, &["rev-parse", "HEAD"]),
        landed,
        "the checkout is at GitHub's commit"
    );
    assert_eq!(git(&checkout, &["status", "--porcelain"]), "");

    // A hold goes the same way: one line, our trailer, GitHub's commit.
    let out = site.run(&["hold", "agent", "--reason", "incident-4711", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        json(&out)["commit"],
        site.remote(&["rev-parse", "main"]).trim()
    );
    assert!(site
        .remote(&["log", "-1", "--format=%B", "main"])
        .contains("Imgbump-Hold: agent"));
    assert_eq!(
        site.remote(&["log", "-1", "--format=%an", "main"]).trim(),
        BOT.0
    );
    let out = site.run(&["release", "agent"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // The action's step, with its commit-via input.
    let made = site.hub.made.load(Ordering::SeqCst);
    let outputs = site.fx.dir.path().join("outputs");
    let url = site.daemon.url("octocat/Hello-World.git");
    let out = action_bump(&[
        ("INPUT_REPO", url.as_str()),
        ("INPUT_SERVICE", "agent"),
        ("INPUT_IMAGE", ":v7"),
        ("INPUT_COMMIT_VIA", "github"),
        ("INPUT_TOKEN", TOKEN),
    ])
    .env("GITHUB_API_URL", site.api.url())
    .env("GITHUB_OUTPUT", &outputs)
    .env("HOME", &site.fx.home)
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        site.hub.made.load(Ordering::SeqCst),
        made + 1,
        "GitHub made the commit"
    );
    let said = github_outputs(&outputs);
    assert!(
        said.contains(&format!("commit={}", site.remote(&["rev-parse", "main"]))),
        "{said}"
    );

    // Flags that cannot go with it.
    for (flags, why) in [
        (vec!["set", "agent=:v6", "--sign", "ssh-agent"], "--sign"),
        (vec!["set", "agent=:v6", "--no-push"], "--no-push"),
    ] {
        assert_fails(&site.run(&flags), 2, why, why);
    }
    site.hub.check_schema(site.fx.dir.path());
}

/// The lines a run said about a rate limit.
fn limit_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains("rate limit") || l.contains("GitHub asks to wait"))
        .map(str::to_string)
        .collect()
}

#[test]
fn rate_limits_are_waited_out_as_github_asks() {
    let site = Site::new();
    // Each of GitHub's ways of saying "too many" once, then the mutation goes through: the
    // run lands after waiting what was asked, saying so on one line, never the permission
    // hint.
    for (kind, says) in [
        (Limited::Secondary, "waiting 1 s as its retry-after asks"),
        (
            Limited::ContentCreation,
            "HTTP 403: You have been temporarily blocked from content creation",
        ),
        (Limited::TooMany, "GitHub's secondary rate limit (HTTP 429"),
        (Limited::Primary, "GitHub's rate limit is spent (HTTP 403"),
        (Limited::Graphql, "GitHub's rate limit is spent (HTTP 200"),
    ] {
        let made = site.hub.made.load(Ordering::SeqCst);
        site.api
            .answer("POST /graphql", limit_answer(kind, 1, "/graphql"));
        let image = format!("agent=:limit-{}", made + 1);
        let out = site.run(&["set", &image, "-o", "json"]);
        assert_eq!(out.status.code(), Some(0), "{kind:?}: {}", text(&out));
        let lines = limit_lines(&out);
        assert_eq!(lines.len(), 1, "{kind:?}: one line: {}", text(&out));
        assert!(lines[0].contains(says), "{kind:?}: {}", lines[0]);
        assert!(
            lines[0].contains("for POST /graphql: waiting") && lines[0].contains("--timeout"),
            "{}",
            lines[0]
        );
        assert!(!text(&out).contains("contents: write"), "{}", text(&out));
        assert_eq!(site.hub.made.load(Ordering::SeqCst), made + 1, "{kind:?}");
        assert_eq!(
            json(&out)["commit"],
            site.remote(&["rev-parse", "main"]).trim()
        );
    }

    // A secondary limit without retry-after asks for at least a minute: past --timeout 20 it
    // fails at once, a temporary failure (exit 5), saying which limit and what to raise.
    let made = site.hub.made.load(Ordering::SeqCst);
    site.api.answer(
        "POST /graphql",
        limit_answer(Limited::SecondaryNoRetryAfter, 1, "/graphql"),
    );
    let out = site.run(&["set", "agent=:past", "--timeout", "20"]);
    assert_fails(
        &out,
        5,
        "GitHub's secondary rate limit (HTTP 403: You have exceeded a secondary rate limit",
        "no retry-after",
    );
    assert_fails(&out, 5, "would have to wait 1 min (as GitHub asks of a secondary limit without retry-after (at least a minute)), past --timeout's deadline; raise --timeout", "no retry-after");
    assert!(!text(&out).contains("contents: write"), "{}", text(&out));
    assert!(
        limit_lines(&out).len() == 1,
        "no wait begun, one message: {}",
        text(&out)
    );
    assert_eq!(site.hub.made.load(Ordering::SeqCst), made);

    // A wait ends at a signal: SIGTERM during a wait of ten minutes ends the run at once.
    site.api.take();
    site.api.answer(
        "POST /graphql",
        limit_answer(Limited::Secondary, 600, "/graphql"),
    );
    let child = site
        .cmd(&["set", "agent=:term", "--timeout", "20m"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = terminate_when_said(child, "--timeout bounds the wait", "a rate limit's wait");
    assert_fails(&out, 143, "interrupted by SIGTERM", "SIGTERM");
    assert_eq!(limit_lines(&out).len(), 1, "{}", text(&out));
    assert_eq!(site.hub.made.load(Ordering::SeqCst), made);

    // A real refusal is still one: the permission hint, exit 1, no wait.
    site.api.answer(
        "POST /graphql",
        json_response(
            403,
            r#"{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/graphql"}"#,
            "x-ratelimit-remaining: 4990\r\n",
        ),
    );
    let out = site.run(&["set", "agent=:refused"]);
    assert_fails(
        &out,
        1,
        "HTTP 403: Resource not accessible by integration); give the token contents: write",
        "permission",
    );
    assert!(limit_lines(&out).is_empty(), "{}", text(&out));

    // The double's own content limit: one mutation per 2 s window. The first mutation meets
    // a moved branch (stale), the second comes within the window and is refused with the
    // rest of it to wait; the run lands after waiting. Each refusal is said once, by the run
    // it met (how many there are is the machine's timing, not asserted).
    site.api.content_limit(1, std::time::Duration::from_secs(2));
    site.hub.move_first.store(1, Ordering::SeqCst);
    let (made, before) = (site.hub.made.load(Ordering::SeqCst), site.api.mutations());
    let out = site.run(&["set", "agent=:windowed", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(site.hub.made.load(Ordering::SeqCst), made + 1);
    assert_eq!(
        limit_lines(&out).len(),
        site.api.limited(),
        "{}",
        text(&out)
    );
    assert_eq!(
        site.api.mutations() - before,
        2 + site.api.limited(),
        "{}",
        text(&out)
    );
    site.hub.check_schema(site.fx.dir.path());
}

/// `n` concurrent bumps of as many services through the double, `limit` set on its proxy
/// first: every one lands, each as one commit on main.
struct Burst {
    dir: tempfile::TempDir,
    hub: Arc<Hub>,
    api: ApiProxy,
    outs: Vec<Output>,
}

/// The bursts run one at a time: each is a crowd of its own, and two at once on two cores
/// measure the machine.
static ONE_BURST_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn burst(n: usize, limit: impl FnOnce(&ApiProxy)) -> Burst {
    let _one = ONE_BURST_AT_A_TIME
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let (dir, remote, services) = gitops_repo_of(n as u32, 1);
    let root = dir.path().join("github");
    std::fs::create_dir_all(root.join("octocat")).unwrap();
    std::fs::rename(&remote, root.join("octocat/isa.git")).unwrap();
    // GitHub's git side takes more than git daemon's default 32 connections at once; the
    // limit under test is its API's.
    let daemon = Daemon::start_with(&root, &["--max-connections=0"]);
    let hub = Hub::new(&root);
    let api = ApiProxy::start_with(0, hub.double());
    limit(&api);
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let bare = root.join("octocat/isa.git");
    let count = || -> usize {
        let n = git(
            dir.path(),
            &[
                "--git-dir",
                bare.to_str().unwrap(),
                "rev-list",
                "--count",
                "main",
            ],
        );
        n.trim().parse().unwrap()
    };
    let before = count();
    let chosen: Vec<&String> = services.iter().take(n).collect();
    assert_eq!(chosen.len(), n);
    let children: Vec<_> = chosen
        .iter()
        .map(|s| {
            imgbump(&home)
                .args([
                    "set",
                    &format!("{s}=:sha-c0ffee1"),
                    "--repo",
                    &daemon.url("octocat/isa.git"),
                    "--commit-via",
                    "github",
                    "-o",
                    "json",
                ])
                .env("GITHUB_TOKEN", TOKEN)
                .env("GITHUB_API_URL", api.url())
                .current_dir(dir.path())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs = wait_all(children);
    for o in &outs {
        assert_eq!(o.status.code(), Some(0), "{}", text(o));
        let v = json(o);
        assert_eq!(v["pushed"], true);
    }
    let after = count();
    // Batched: at most one commit per bump (one mutation per batch).
    assert!(
        after > before && after <= before + n,
        "{} commits for {n} bumps",
        after - before
    );
    for s in &chosen {
        let file = format!("deployments/kubernetes/base/applications/{s}-deployment.yaml");
        let text = git(
            dir.path(),
            &[
                "--git-dir",
                bare.to_str().unwrap(),
                "show",
                &format!("main:{file}"),
            ],
        );
        assert!(text.contains(":sha-c0ffee1"), "{s} was lost");
    }
    Burst {
        dir,
        hub,
        api,
        outs,
    }
}

#[test]
fn twenty_concurrent_bumps_all_land_through_github() {
    let b = burst(20, |_| {});
    let asked = b.hub.asked.lock().unwrap().len();
    // Batched: a mutation per batch, not per bump (before batches: 108 for these 20).
    assert!(
        asked <= 20,
        "{asked} createCommitOnBranch requests for 20 bumps"
    );
    eprintln!("20 concurrent bumps: {asked} createCommitOnBranch requests");
    b.hub.check_schema(b.dir.path());
}

/// A burst through GitHub's content limit (two mutations a second): every bump lands, each
/// refusal waited out by the run it met and said by it on one line.
#[test]
fn a_burst_through_the_content_limit_all_lands() {
    let b = burst(6, |api| {
        api.content_limit(2, std::time::Duration::from_secs(1));
    });
    let said: usize = b.outs.iter().map(|o| limit_lines(o).len()).sum();
    assert_eq!(said, b.api.limited(), "one line per refusal");
    for o in &b.outs {
        assert!(!text(o).contains("contents: write"), "{}", text(o));
    }
    eprintln!(
        "6 concurrent bumps, 2 mutations a second: {} mutations, {} refused by the limit",
        b.api.mutations(),
        b.api.limited()
    );
}

/// 100 bumps at once through GitHub's content limit of 80 mutations a minute: batched, every
/// one lands, in at most 80 mutations, and none is refused for a rate limit.
#[test]
fn a_hundred_at_once_within_eighty_mutations_a_minute() {
    let b = burst(100, |api| {
        api.content_limit(80, std::time::Duration::from_secs(60));
    });
    let said: std::collections::BTreeMap<String, usize> = b
        .outs
        .iter()
        .flat_map(|o| {
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .map(|l| l.chars().take(60).collect::<String>())
                .collect::<Vec<_>>()
        })
        .fold(Default::default(), |mut m, l| {
            *m.entry(l).or_default() += 1;
            m
        });
    assert!(
        b.api.mutations() <= 80,
        "{} mutations; the runs said: {said:#?}",
        b.api.mutations()
    );
    assert_eq!(b.api.limited(), 0, "a mutation was refused for the limit");
    let carried: u64 = b
        .outs
        .iter()
        .map(|o| json(o)["batched"].as_u64().unwrap())
        .sum();
    assert!(carried > 0, "no commit carried several changes");
    eprintln!(
        "100 at once through 80 mutations a minute: {} mutations",
        b.api.mutations()
    );
}

/// The token prism's description gives for `POST /app/installations/{id}/access_tokens`.
const MINTED: &str = "ghs_16C7e42F292c6912E7710c838347Ae178B4a";

#[test]
fn a_push_branch_a_pull_request_and_a_github_app() {
    let scratch = tempfile::tempdir().unwrap();
    let prism = Prism::start(scratch.path());
    let site = Site::with_prism(Some(prism.port));
    let main = site.remote(&["rev-parse", "main"]);

    // A branch of its own, created from the tip through REST, GitHub's commit on it, and the
    // pull request; main untouched.
    let out = site.run(&["set", "agent=:v1", "--open-pr", "github", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v = json(&out);
    assert_eq!(v["pr_branch"], "imgbump/agent/v1");
    assert_eq!(v["pr_number"], 1347);
    let head = site.remote(&["rev-parse", "imgbump/agent/v1"]);
    assert_eq!(v["commit"], head.trim());
    assert_eq!(site.remote(&["rev-parse", "imgbump/agent/v1~1"]), main);
    assert_eq!(
        site.remote(&["rev-parse", "main"]),
        main,
        "main is left alone"
    );
    assert_eq!(
        site.remote(&["log", "-1", "--format=%an", "imgbump/agent/v1"])
            .trim(),
        BOT.0
    );
    let calls: Vec<String> = site
        .api
        .take()
        .iter()
        .map(|s| {
            format!(
                "{} {} {}",
                s.method,
                s.path.split('?').next().unwrap(),
                s.status
            )
        })
        .collect();
    assert_eq!(
        calls,
        [
            "POST /repos/octocat/Hello-World/git/refs 201",
            "POST /graphql 200",
            "POST /repos/octocat/Hello-World/pulls 201",
            "GET /repos/octocat/Hello-World/pulls 200",
        ]
    );
    // Again: the branch has this change already; nothing more is committed, never forced.
    let made = site.hub.made.load(Ordering::SeqCst);
    let out = site.run(&["set", "agent=:v1", "--open-pr", "github", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(site.hub.made.load(Ordering::SeqCst), made);
    assert_eq!(site.remote(&["rev-parse", "imgbump/agent/v1"]), head);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("already has this change"),
        "{}",
        text(&out)
    );
    let again: Vec<String> = site
        .api
        .take()
        .iter()
        .map(|s| format!("{} {}", s.method, s.status))
        .collect();
    assert_eq!(again[0], "POST 422", "the branch exists: {again:?}");
    assert!(
        !again.iter().any(|c| c.starts_with("POST 200")),
        "no second commit was asked: {again:?}"
    );

    // A GitHub App: a JWT signed with its key finds the installation, a token is minted for
    // the one repository, and that token clones, commits through GraphQL and fetches (the
    // smart-HTTP server takes it and nothing else); no secret is printed.
    let http = Http::start(&site.root, Some(MINTED));
    let key = scratch.path().join("app.pem");
    let public = scratch.path().join("app.pub");
    let ok = |c: &mut Command| assert!(c.status().unwrap().success());
    ok(Command::new("openssl")
        .args(["genrsa", "-traditional", "-out"])
        .arg(&key)
        .arg("2048")
        .stderr(Stdio::null()));
    ok(Command::new("openssl")
        .args(["rsa", "-pubout", "-in"])
        .arg(&key)
        .arg("-out")
        .arg(&public)
        .stderr(Stdio::null()));
    let pem = std::fs::read_to_string(&key).unwrap();
    assert!(
        pem.starts_with("-----BEGIN RSA PRIVATE KEY-----"),
        "GitHub's PKCS#1 form"
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let git_before = http.requests.load(Ordering::SeqCst);
    let out = imgbump(&site.fx.home)
        .args([
            "set",
            "agent=:v2",
            "--commit-via",
            "github",
            "-o",
            "json",
            "--github-app-id",
            "12345",
            "--github-app-key",
        ])
        .arg(&key)
        .args(["--repo", &http.url("octocat/Hello-World.git")])
        .env("GITHUB_API_URL", site.api.url())
        .current_dir(site.fx.dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        json(&out)["commit"],
        site.remote(&["rev-parse", "main"]).trim()
    );
    let git_api_path = http.requests.load(Ordering::SeqCst) - git_before;
    let seen = site.api.take();
    let calls: Vec<String> = seen
        .iter()
        .map(|s| format!("{} {} {}", s.method, s.path, s.status))
        .collect();
    assert_eq!(
        calls,
        [
            "GET /repos/octocat/Hello-World/installation 200",
            "POST /app/installations/1/access_tokens 201",
            "POST /graphql 200",
        ]
    );
    assert_eq!(
        serde_json::from_str::<Value>(&seen[1].body).unwrap(),
        json!({"repositories": ["Hello-World"]})
    );
    assert_eq!(
        seen[2].authorization,
        format!("Bearer {MINTED}"),
        "the minted token commits"
    );
    // The JWT: our own check of its signature (openssl) and claims.
    let jwt = seen[0]
        .authorization
        .strip_prefix("Bearer ")
        .unwrap()
        .to_string();
    assert_eq!(seen[1].authorization, format!("Bearer {jwt}"));
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3);
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header: Value = serde_json::from_slice(&b64.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header, json!({"alg": "RS256", "typ": "JWT"}));
    let claims: Value = serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(claims["iss"], "12345");
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    assert!(
        iat <= now - 50 && iat >= now - 120,
        "iat {iat}, now {now}: issued in the past for clock skew"
    );
    assert!(
        exp > now && exp - iat <= 600,
        "exp {exp}: at most 10 minutes"
    );
    let signed = scratch.path().join("signed");
    let signature = scratch.path().join("signature");
    std::fs::write(&signed, format!("{}.{}", parts[0], parts[1])).unwrap();
    std::fs::write(&signature, b64.decode(parts[2]).unwrap()).unwrap();
    let verified = Command::new("openssl")
        .args(["dgst", "-sha256", "-verify"])
        .arg(&public)
        .arg("-signature")
        .arg(&signature)
        .arg(&signed)
        .output()
        .unwrap();
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stdout)
    );
    let key_line = pem.lines().nth(1).unwrap();
    no_secret(&out, &[MINTED, &jwt, key_line]);
    // What one bump costs on each path, in HTTP requests (the same clone either way).
    let git_before = http.requests.load(Ordering::SeqCst);
    let out = imgbump(&site.fx.home)
        .args([
            "set",
            "agent=:v3",
            "--repo",
            &http.url("octocat/Hello-World.git"),
        ])
        .env("GITHUB_TOKEN", MINTED)
        .current_dir(site.fx.dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let git_push_path = http.requests.load(Ordering::SeqCst) - git_before;
    assert!(site.api.take().is_empty(), "a push asks no API");
    eprintln!(
        "requests per bump: push {git_push_path} git; API {git_api_path} git + 1 GraphQL (+2 REST to mint an App token)"
    );
    // Not installed: said plainly, the key and JWT nowhere.
    site.api.answer(
        "GET /repos/octocat/Hello-World/installation",
        json_response(404, r#"{"message":"Not Found"}"#, ""),
    );
    let out = imgbump(&site.fx.home)
        .args([
            "set",
            "agent=:v3",
            "--commit-via",
            "github",
            "--github-app-id",
            "12345",
        ])
        .env("IMGBUMP_GITHUB_APP_KEY", &pem)
        .args(["--repo", &http.url("octocat/Hello-World.git")])
        .env("GITHUB_API_URL", site.api.url())
        .current_dir(site.fx.dir.path())
        .output()
        .unwrap();
    assert_fails(
        &out,
        1,
        "is not installed on octocat/Hello-World",
        "not installed",
    );
    no_secret(&out, &[key_line]);

    assert_eq!(
        prism.violations(),
        Vec::<String>::new(),
        "prism found requests outside GitHub's description"
    );
    site.hub.check_schema(site.fx.dir.path());
}
