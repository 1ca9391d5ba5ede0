//! `--open-pr github` against a contract check, not GitHub itself: GitHub's API cannot be
//! reached from here, so every REST request imgbump makes goes through a loopback proxy to
//! Stoplight's prism, which validates it against GitHub's published OpenAPI description
//! (`@octokit/openapi`) and answers with that description's examples; a request the description
//! does not allow is answered 422 and fails the test. The proxy also plays the answers a
//! contract cannot: an existing pull request (422), a refused token (401), a spent rate limit
//! (403), a 502 before success, and the list of open imgbump pull requests to supersede.
//! GraphQL (auto-merge) is outside the REST description; the proxy answers it and records it.
//! The branch itself is pushed for real, to `git daemon`.

mod support;

use std::process::Command;

use support::github_api::*;
use support::*;

/// A pull request in GitHub's shape, enough for imgbump's reading of a list.
fn pr(number: u64, head: &str, body: &str) -> serde_json::Value {
    serde_json::json!({"number": number, "html_url": format!("https://github.com/octocat/Hello-World/pull/{number}"), "node_id": format!("PR_{number}"), "head": {"ref": head}, "body": body, "state": "open"})
}

const TOKEN: &str = "ghp_contractTestToken0123456789";

#[test]
fn pull_requests_follow_github_s_published_contract() {
    let fx = Fixture::new();
    // The remote as GitHub names it: OWNER/REPO.
    let owner = fx.dir.path().join("octocat");
    std::fs::create_dir_all(&owner).unwrap();
    git(
        fx.dir.path(),
        &[
            "clone",
            "-q",
            "--bare",
            fx.remote.to_str().unwrap(),
            owner.join("Hello-World.git").to_str().unwrap(),
        ],
    );
    // Its main is protected, as branch protection does: direct pushes are refused.
    let hook = owner.join("Hello-World.git/hooks/pre-receive");
    std::fs::write(&hook, "#!/bin/sh\nwhile read old new ref; do [ \"$ref\" = refs/heads/main ] && { echo 'GH006: Protected branch update failed for refs/heads/main.' >&2; exit 1; }; done; exit 0\n").unwrap();
    Command::new("chmod")
        .arg("755")
        .arg(&hook)
        .status()
        .unwrap();
    let daemon = Daemon::start(fx.dir.path());
    let remote = daemon.url("octocat/Hello-World.git");
    let out = fx
        .cmd()
        .args(["set", "agent=:v1", "--repo", &remote])
        .output()
        .unwrap();
    assert_fails(&out, 5, "GH006", "a direct push to the protected main");
    let prism = Prism::start(fx.dir.path());
    let proxy = ApiProxy::start(prism.port);
    let api = format!("http://127.0.0.1:{}", proxy.port);
    let outputs = fx.dir.path().join("outputs");
    let run = |args: &[&str]| {
        fx.cmd()
            .args([
                "set",
                "--repo",
                &remote,
                "--open-pr",
                "github",
                "-o",
                "json",
            ])
            .args(args)
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_API_URL", &api)
            .env("GITHUB_GRAPHQL_URL", format!("{api}/graphql"))
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_OUTPUT", &outputs)
            .output()
            .unwrap()
    };

    // 1. Opened, labelled, reviewers asked, auto-merge on; nothing to supersede in the
    //    description's example list.
    let out = run(&[
        "agent=:v1",
        "--pr-label",
        "deploy",
        "--pr-reviewer",
        "octocat",
        "--pr-reviewer",
        "isa/platform",
        "--auto-merge",
        "--trailer",
        "Requested-By=octocat",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v = json(&out);
    assert_eq!(v["pr_branch"], "imgbump/agent/v1");
    assert_eq!(v["pr_number"], 1347, "the description's example");
    assert_eq!(
        v["pr_url"],
        "https://github.com/octocat/Hello-World/pull/1347"
    );
    assert_eq!(
        fx.remote_git(&[
            "--git-dir",
            owner.join("Hello-World.git").to_str().unwrap(),
            "rev-parse",
            "--verify",
            "-q",
            "imgbump/agent/v1"
        ])
        .len(),
        41
    );
    let said = github_outputs(&outputs);
    assert!(
        said.contains("pr-url=https://github.com/octocat/Hello-World/pull/1347\n")
            && said.contains("pr-number=1347\n")
            && said.contains("pr-branch=imgbump/agent/v1\n"),
        "{said}"
    );
    let seen = proxy.take();
    let calls: Vec<String> = seen
        .iter()
        .map(|s| format!("{} {}", s.method, s.path.split('?').next().unwrap()))
        .collect();
    assert_eq!(
        calls,
        [
            "POST /repos/octocat/Hello-World/pulls",
            "POST /repos/octocat/Hello-World/issues/1347/labels",
            "POST /repos/octocat/Hello-World/pulls/1347/requested_reviewers",
            "POST /graphql",
            "GET /repos/octocat/Hello-World/pulls",
        ]
    );
    let create: serde_json::Value = serde_json::from_str(&seen[0].body).unwrap();
    assert_eq!(
        (
            create["head"].as_str(),
            create["base"].as_str(),
            create["title"].as_str()
        ),
        (
            Some("imgbump/agent/v1"),
            Some("main"),
            Some("chore: update agent image to v1")
        )
    );
    assert!(
        create["body"].as_str().unwrap().contains("| agent |")
            && create["body"]
                .as_str()
                .unwrap()
                .contains("Requested-By: octocat")
    );
    let reviewers: serde_json::Value = serde_json::from_str(&seen[2].body).unwrap();
    assert_eq!(
        reviewers,
        serde_json::json!({"reviewers": ["octocat"], "team_reviewers": ["platform"]})
    );
    assert!(seen
        .iter()
        .all(|s| s.authorization == format!("Bearer {TOKEN}")));
    assert!(
        seen.iter()
            .filter(|s| s.path != "/graphql")
            .all(|s| (200..300).contains(&s.status)),
        "prism refused a request: {seen:?}"
    );
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains(TOKEN)
            && !String::from_utf8_lossy(&out.stderr).contains(TOKEN)
    );

    // 2. Supersede: of two open imgbump pull requests for agent, the older (order key 5) is
    //    closed with a comment and its branch deleted; the newer (50) is left alone.
    let list = serde_json::json!([
        pr(7, "imgbump/agent/v0", "Imgbump-Order: agent=5"),
        pr(9, "imgbump/agent/v5", "Imgbump-Order: agent=50"),
        pr(11, "imgbump/mcp/v1", "Imgbump-Order: mcp=1")
    ]);
    proxy.answer(
        "GET /repos/octocat/Hello-World/pulls?state=open&base=",
        json_response(200, &list.to_string(), ""),
    );
    let out = run(&["agent=:v2", "--order-key", "10"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(json(&out)["pr_closed"], serde_json::json!([7]));
    let seen = proxy.take();
    let calls: Vec<String> = seen
        .iter()
        .map(|s| format!("{} {}", s.method, s.path.split('?').next().unwrap()))
        .collect();
    assert_eq!(
        calls,
        [
            "POST /repos/octocat/Hello-World/pulls",
            "GET /repos/octocat/Hello-World/pulls",
            "POST /repos/octocat/Hello-World/issues/7/comments",
            "PATCH /repos/octocat/Hello-World/pulls/7",
            "DELETE /repos/octocat/Hello-World/git/refs/heads%2Fimgbump%2Fagent%2Fv0",
        ]
    );
    assert!(seen[2].body.contains("Superseded by #1347"));
    assert_eq!(seen[3].body, "{\"state\":\"closed\"}");
    assert!(
        seen.iter().skip(2).all(|s| (200..300).contains(&s.status)),
        "prism refused a request: {seen:?}"
    );

    // 3. Already open for this head (422): that pull request stands.
    proxy.answer("POST /repos/octocat/Hello-World/pulls", json_response(422, r#"{"message":"Validation Failed","errors":[{"resource":"PullRequest","code":"custom","message":"A pull request already exists for octocat:imgbump/agent/v3."}],"documentation_url":"https://docs.github.com/rest/pulls/pulls#create-a-pull-request","status":"422"}"#, ""));
    proxy.answer(
        "GET /repos/octocat/Hello-World/pulls?state=open&head=",
        json_response(
            200,
            &serde_json::json!([pr(21, "imgbump/agent/v3", "")]).to_string(),
            "",
        ),
    );
    let out = run(&["agent=:v3"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v = json(&out);
    assert_eq!(
        (v["pr_number"].as_u64(), v["pr_existed"].as_bool()),
        (Some(21), Some(true))
    );
    assert!(proxy.take().iter().any(|s| s
        .path
        .starts_with("/repos/octocat/Hello-World/pulls?state=open&head=octocat:imgbump/agent/v3")));

    // 4. A refused token: exit 1, GitHub's words, the token nowhere; the branch stays pushed.
    proxy.answer("POST /repos/octocat/Hello-World/pulls", json_response(401, r#"{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}"#, ""));
    let out = run(&["agent=:v4"]);
    assert_fails(
        &out,
        1,
        "GitHub refused the token (HTTP 401: Bad credentials)",
        "401",
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("the branch imgbump/agent/v4 was pushed"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains(TOKEN));

    // 5. A spent rate limit that resets after --timeout (10 minutes): said at once, with
    //    when it resets, never as a permission problem.
    proxy.answer(
        "POST /repos/octocat/Hello-World/pulls",
        limit_answer(Limited::Primary, 7200, "/repos/octocat/Hello-World/pulls"),
    );
    let out = run(&["agent=:v5"]);
    assert_fails(
        &out,
        1,
        "GitHub's rate limit is spent (HTTP 403: API rate limit exceeded for installation ID 123.) for POST /repos/octocat/Hello-World/pulls; it resets at",
        "403",
    );
    assert!(!text(&out).contains("contents: write"), "{}", text(&out));

    // 6. A 502, then the description's answer: retried, opened once.
    proxy.take();
    proxy.answer(
        "POST /repos/octocat/Hello-World/pulls",
        json_response(502, r#"{"message":"Server Error"}"#, ""),
    );
    let out = run(&["agent=:v6"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let posts = proxy
        .take()
        .iter()
        .filter(|s| s.method == "POST" && s.path == "/repos/octocat/Hello-World/pulls")
        .count();
    assert_eq!(posts, 2);

    // 7. A hold through a pull request: its own branch, and no bump's request closed (open
    //    imgbump pull requests of agent are listed, and left alone).
    proxy.answer(
        "GET /repos/octocat/Hello-World/pulls?state=open&base=",
        json_response(200, &list.to_string(), ""),
    );
    let out = fx
        .cmd()
        .args([
            "hold",
            "agent",
            "--reason",
            "incident-4711",
            "--repo",
            &remote,
        ])
        .args(["--open-pr", "github", "-o", "json"])
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_API_URL", &api)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v = json(&out);
    assert_eq!(v["pr_branch"], "imgbump/hold/agent", "{v}");
    assert_eq!(v["pr_closed"], serde_json::json!([]));
    let seen = proxy.take();
    let create: serde_json::Value = serde_json::from_str(&seen[0].body).unwrap();
    assert!(
        create["title"]
            .as_str()
            .unwrap()
            .starts_with("chore: hold agent at sha-cbad391: incident-4711"),
        "{create}"
    );
    let body = create["body"].as_str().unwrap();
    assert!(body.contains("Imgbump-Hold: agent"), "{body}");
    assert!(
        // No identity: the hold is by the commit's author, as `hold --help` says.
        body.contains("\nHolds agent: incident-4711 (by imgbump@localhost, since "),
        "{body}"
    );
    assert!(
        !seen
            .iter()
            .any(|s| s.method == "PATCH" || s.method == "DELETE"),
        "a hold closed a request: {seen:?}"
    );

    assert_eq!(
        prism.violations(),
        Vec::<String>::new(),
        "prism found requests outside GitHub's description"
    );
}
