//! `imgbump update` against Debian's `docker-registry` on 127.0.0.1, with token auth (the
//! Bearer flow through the test's token service) and with Basic auth over TLS: tags pushed by
//! the test through the registry's API, the policies choosing among them, and the bump made
//! through the same run as `set` (one commit, holds, pins).

mod support;

use std::process::Output;

use support::registry::*;
use support::*;

/// A Deployment whose container `name` runs `image` (a hold line above it when `hold`).
fn deployment(name: &str, image: &str, hold: bool) -> String {
    let hold = match hold {
        true => {
            "            # imgbump:hold incident-4711 (oncall@example.com, 2026-12-04T10:31:07Z)\n"
        }
        false => "",
    };
    format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  template:\n    spec:\n      containers:\n        - name: {name}\n{hold}          image: {image}\n")
}

/// Writes `files` in another clone of the fixture's remote, commits and pushes them.
fn push_files(fx: &Fixture, files: &[(String, String)]) {
    let other = fx.clone_elsewhere();
    for (path, text) in files {
        let p = other.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    git(&other, &["add", "-A"]);
    git(&other, &["commit", "-qm", "services for update"]);
    git(&other, &["push", "-q", "origin", "main"]);
}

fn run(fx: &Fixture, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = fx.cmd();
    c.args(args)
        .arg("--repo")
        .arg(fx.url())
        .env_remove("IMGBUMP_REGISTRY_TOKEN")
        .env_remove("DOCKER_CONFIG");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

/// The image line of `path` on the remote's main.
fn image_of(fx: &Fixture, path: &str) -> String {
    fx.remote_file(path)
        .lines()
        .find_map(|l| l.trim().strip_prefix("image: "))
        .unwrap()
        .to_string()
}

/// The `policies` entry of `service` (in `env`) in `update -o json`'s answer.
fn policy_row<'v>(
    v: &'v serde_json::Value,
    service: &str,
    env: Option<&str>,
) -> &'v serde_json::Value {
    v["policies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["service"] == service && r["env"].as_str() == env)
        .unwrap_or_else(|| panic!("no row for {service} {env:?}: {v}"))
}

const CONFIG: &str = r#"environments: [staging, production]
services:
  agent:
    - manifest: apps/agent-{env}.yaml
      environments: [staging]
      policy: "semver:^1"
    - manifest: apps/agent-{env}.yaml
      environments: [production]
      policy: "semver:~1.9"
  web:
    - manifest: apps/web-{env}.yaml
      policy: "newest-build:^sha-"
  api:
    manifest: apps/api.yaml
    policy: "numeric:^build-(?P<key>[0-9]+)$"
  worker:
    manifest: apps/worker.yaml
    policy: "digest:stable"
  hotfix:
    manifest: apps/hotfix.yaml
    policy: "semver:^2"
  frozen:
    manifest: apps/frozen.yaml
    policy: "semver:^1"
  static:
    manifest: apps/static.yaml
"#;

/// Several services and environments in one run and one commit, with token auth: semver edge
/// cases, creation times of `sha-…` tags, build numbers over more than one page of tags, an
/// unparsable tag, a mutable tag that moves, a held service and a hotfix in Git newer than
/// anything in the registry.
#[test]
fn one_run_updates_every_service_by_its_policy_over_token_auth() {
    let reg = RegistryServer::token();
    let host = reg.host();
    for tag in [
        "1.9.0",
        "1.10.0",
        "v1.2.3",
        "1.2.3-rc.1",
        "1.2.3_build.5",
        "2.0.0-rc.1",
        "latest",
        "not-a-version",
    ] {
        reg.push("isa/agent", tag, 1);
    }
    for (tag, created) in [
        ("sha-aaa1111", "2024-01-01T10:00:00Z"),
        ("sha-bbb2222", "2024-03-01T10:00:00.5+01:00"),
        ("sha-ccc3333", "2024-02-01T10:00:00Z"),
        ("main", "2025-01-01T00:00:00Z"),
    ] {
        reg.push_created("isa/web", tag, 1, Some(created));
    }
    // 1,100 build numbers, zero-padded so that the newest is on the second page.
    let builds: Vec<String> = (1..=1100).map(|n| format!("build-{n:04}")).collect();
    reg.push_tags("isa/api", &builds);
    reg.push_tags("isa/api", &["build-x".to_string(), "pr-7".to_string()]);
    let stable = reg.push_created("isa/worker", "stable", 1, Some("2024-01-01T00:00:00Z"));
    for tag in ["2.0.0", "2.1.0"] {
        reg.push("isa/hotfix", tag, 1);
    }
    for tag in ["1.0.0", "1.1.0"] {
        reg.push("isa/frozen", tag, 1);
    }
    // Registries after 2.8 page the tags list (2.8 answers them all at once): web's tags come
    // through a proxy that pages them 2 at a time and names the next page in `Link`; api's
    // through one that sends 1,000 at most and no `Link`, as some registries do (after a full
    // page the client asks for what comes after its last tag).
    let linked = Paginator::start(&reg, 2, true);
    let unlinked = Paginator::start(&reg, 1000, false);
    let fx = Fixture::new();
    let img = |repo: &str, tag: &str| match repo {
        "api" => format!("{}/isa/{repo}:{tag}", unlinked.host()),
        "web" => format!("{}/isa/{repo}:{tag}", linked.host()),
        _ => format!("{host}/isa/{repo}:{tag}"),
    };
    let mut files = vec![(".imgbump.yaml".to_string(), CONFIG.to_string())];
    for (service, file, image, hold) in [
        ("agent", "agent-staging", img("agent", "1.9.0"), false),
        ("agent", "agent-production", img("agent", "1.2.3"), false),
        ("web", "web-staging", img("web", "sha-aaa1111"), false),
        ("web", "web-production", img("web", "sha-ccc3333"), false),
        ("api", "api", img("api", "build-0009"), false),
        ("worker", "worker", img("worker", "stable"), false),
        ("hotfix", "hotfix", img("hotfix", "2.3.1"), false),
        ("frozen", "frozen", img("frozen", "1.0.0"), true),
        ("static", "static", img("static", "1.0.0"), false),
    ] {
        files.push((
            format!("apps/{file}.yaml"),
            deployment(service, &image, hold),
        ));
    }
    push_files(&fx, &files);
    docker_logins(
        &fx.home,
        &[&host, &linked.host(), &unlinked.host()],
        PASSWORD,
    );
    let before = fx.remote_count();
    let out = run(
        &fx,
        &[
            "update",
            "--env",
            "staging",
            "--env",
            "production",
            "-o",
            "json",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(fx.remote_count(), before + 1, "one commit for the run");
    // Semver: 1.10.0 after 1.9.0; ~1.9 keeps production on 1.9.x; pre-releases, `latest` out.
    assert_eq!(
        image_of(&fx, "apps/agent-staging.yaml"),
        img("agent", "1.10.0")
    );
    assert_eq!(
        image_of(&fx, "apps/agent-production.yaml"),
        img("agent", "1.9.0")
    );
    // The newest build by the image's creation time (an offset read), in both environments.
    assert_eq!(
        image_of(&fx, "apps/web-staging.yaml"),
        img("web", "sha-bbb2222")
    );
    assert_eq!(
        image_of(&fx, "apps/web-production.yaml"),
        img("web", "sha-bbb2222")
    );
    // Build numbers from the last page of tags.
    assert_eq!(image_of(&fx, "apps/api.yaml"), img("api", "build-1100"));
    // The mutable tag, pinned to what it names now.
    assert_eq!(
        image_of(&fx, "apps/worker.yaml"),
        format!("{}@{stable}", img("worker", "stable"))
    );
    // A hotfix newer than the registry's newest, a held service and one without a policy stay.
    assert_eq!(image_of(&fx, "apps/hotfix.yaml"), img("hotfix", "2.3.1"));
    assert_eq!(image_of(&fx, "apps/frozen.yaml"), img("frozen", "1.0.0"));
    assert_eq!(image_of(&fx, "apps/static.yaml"), img("static", "1.0.0"));
    let v = json(&out);
    assert_eq!(v["status"], "changed", "{v}");
    let agent = policy_row(&v, "agent", Some("staging"));
    assert_eq!(
        (agent["tags_seen"].as_u64(), agent["tags_admitted"].as_u64()),
        (Some(8), Some(4)),
        "{agent}"
    );
    assert_eq!(agent["tags_unparsable"], 2, "{agent}");
    assert_eq!(agent["standing"], "older");
    assert_eq!(agent["status"], "changed");
    assert!(
        agent["why_not_others"]
            .as_str()
            .unwrap()
            .contains("unparsable, skipped (e.g. latest, not-a-version)"),
        "{agent}"
    );
    let api = policy_row(&v, "api", None);
    assert_eq!(
        (api["tags_seen"].as_u64(), api["pages"].as_u64()),
        (Some(1102), Some(2)),
        "{api}"
    );
    let web = policy_row(&v, "web", Some("staging"));
    assert_eq!(
        (web["tags_seen"].as_u64(), web["pages"].as_u64()),
        (Some(4), Some(2)),
        "{web}"
    );
    assert_eq!(
        (
            api["tags_admitted"].as_u64(),
            api["tags_unmatched"].as_u64(),
            api["tags_unparsable"].as_u64()
        ),
        (Some(1100), Some(2), Some(0)),
        "{api}"
    );
    let hotfix = policy_row(&v, "hotfix", None);
    assert_eq!(
        (hotfix["standing"].as_str(), hotfix["status"].as_str()),
        (Some("newer"), Some("kept")),
        "{hotfix}"
    );
    assert!(
        hotfix["why"]
            .as_str()
            .unwrap()
            .contains("newer than every admitted tag"),
        "{hotfix}"
    );
    let frozen = policy_row(&v, "frozen", None);
    assert_eq!(
        (frozen["chosen"].as_str(), frozen["status"].as_str()),
        (Some(img("frozen", "1.1.0").as_str()), Some("held")),
        "{frozen}"
    );
    assert!(
        v["policies"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["service"] != "static"),
        "{v}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("frozen: held"), "{stderr}");
    // The commit says what moved.
    let message = fx.remote_git(&["log", "-1", "--format=%B"]);
    assert!(
        message.contains("agent") && message.contains("1.10.0") && !message.contains("frozen"),
        "{message}"
    );

    // The mutable tag moves: the next run follows it, and nothing else changes.
    let moved = reg.push_created("isa/worker", "stable", 1, Some("2024-06-01T00:00:00Z"));
    assert_ne!(moved, stable);
    let before = fx.remote_count();
    let out = run(
        &fx,
        &["update", "--env", "staging", "--env", "production"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(fx.remote_count(), before + 1);
    assert_eq!(
        image_of(&fx, "apps/worker.yaml"),
        format!("{}@{moved}", img("worker", "stable"))
    );
    assert_eq!(fx.last_diff().len(), 2, "{:?}", fx.last_diff());
    // Everything where its policy wants it: no commit, exit 0 (the held service says so).
    let before = fx.remote_count();
    let out = run(
        &fx,
        &["update", "--env", "staging", "--env", "production"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(fx.remote_count(), before);
    // --fail-on-held makes the held service an error.
    let out = run(&fx, &["update", "frozen", "--fail-on-held"], &[]);
    assert_fails(&out, 4, "held: frozen is held", "held");
}

/// Basic auth over TLS, a policy given on the command line: the dry run writes nothing and
/// says what it would choose, `--pin-digest` pins the choice, GitHub's outputs name it; a
/// wrong pattern and a policy without one service are usage errors.
#[test]
fn a_command_line_policy_over_basic_auth_dry_runs_and_pins() {
    let reg = RegistryServer::basic_tls();
    let host = reg.host();
    reg.push("isa/agent", "1.4.1", 1);
    let newest = reg.push("isa/agent", "1.4.10", 1);
    reg.push("isa/agent", "1.5.0", 1);
    let fx = Fixture::new();
    let text0 = fx.remote_file(AGENT).replace(
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/isa-agent:sha-cbad391",
        &format!("{host}/isa/agent:1.4.1"),
    );
    fx.push_elsewhere(AGENT, &text0, "agent from the test registry");
    docker_login(&fx.home, &host, PASSWORD);
    let ca = reg.ca.clone().unwrap();
    let tls = [("SSL_CERT_FILE", ca.to_str().unwrap())];
    let before = fx.remote_count();
    let out = run(
        &fx,
        &["update", "agent", "--policy", "semver:~1.4", "--dry-run"],
        &tls,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(fx.remote_count(), before);
    let said = text(&out);
    assert!(
        said.contains("agent: semver:~1.4") && said.contains("3 tags seen, 2 admitted"),
        "{said}"
    );
    assert!(said.contains("1 outside the range (e.g. 1.5.0)"), "{said}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("{host}/isa/agent:1.4.10")),
        "{said}"
    );
    let outputs = fx.dir.path().join("github-output");
    let summary = fx.dir.path().join("summary.md");
    let gh = [
        ("SSL_CERT_FILE", ca.to_str().unwrap()),
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_OUTPUT", outputs.to_str().unwrap()),
        ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
    ];
    let out = run(
        &fx,
        &["update", "agent", "--policy", "semver:~1.4", "--pin-digest"],
        &gh,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(fx.remote_count(), before + 1);
    let want = format!("{host}/isa/agent:1.4.10@{newest}");
    assert!(
        fx.remote_file(AGENT).contains(&format!("image: {want}")),
        "{}",
        fx.remote_file(AGENT)
    );
    let o = github_outputs(&outputs);
    assert!(o.contains(&format!("chosen=agent={want}\n")), "{o}");
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.contains("| agent | `semver:~1.4` | 3 | 2 |"), "{md}");
    for (args, says) in [
        (
            vec!["update", "--policy", "semver:^1"],
            "goes with exactly one SERVICE",
        ),
        (
            vec!["update", "agent", "--policy", "numeric:("],
            "not a regular expression",
        ),
        (
            vec!["update", "agent", "--policy", "newest"],
            "unknown policy",
        ),
    ] {
        let out = run(&fx, &args, &tls);
        assert_fails(&out, 2, says, says);
    }
    // A service with no policy anywhere: refused, naming the way out.
    let out = run(&fx, &["update", "agent"], &tls);
    assert_fails(&out, 4, "agent has no target with a `policy:`", "no policy");

    // With --open-pr, one request per service: a branch each, the base branch untouched.
    reg.push("isa/mcp", "2.0.0", 1);
    reg.push("isa/mcp", "2.1.0", 1);
    let mcp = "deployments/kubernetes/base/applications/mcp-deployment.yaml";
    let mcp_text = fx.remote_file(mcp).replace(
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/isa-mcp:sha-efa52c8",
        &format!("{host}/isa/mcp:2.0.0"),
    );
    fx.push_elsewhere(mcp, &mcp_text, "mcp from the test registry");
    let config = format!("services:\n  agent: {{manifest: {AGENT}, policy: 'semver:^1'}}\n  mcp: {{manifest: {mcp}, policy: 'semver:^2'}}\n");
    fx.push_elsewhere(".imgbump.yaml", &config, "policies");
    fx.remote_git(&["config", "receive.advertisePushOptions", "true"]);
    let main = fx.remote_git(&["rev-parse", "main"]);
    let out = run(&fx, &["update", "--open-pr", "gitlab"], &tls);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(fx.remote_git(&["rev-parse", "main"]), main);
    for (branch, file, image) in [
        (
            "imgbump/agent/1.5.0",
            AGENT,
            format!("{host}/isa/agent:1.5.0"),
        ),
        ("imgbump/mcp/2.1.0", mcp, format!("{host}/isa/mcp:2.1.0")),
    ] {
        let shown = fx.remote_git(&["show", &format!("{branch}:{file}")]);
        assert!(
            shown.contains(&format!("image: {image}")),
            "{branch}: {shown}"
        );
        assert_eq!(
            fx.remote_git(&["rev-list", "--count", &format!("main..{branch}")])
                .trim(),
            "1"
        );
    }
}

/// A registry of the test's own that answers as a hostile or busy one may: `429` with
/// `Retry-After` first, then tags that are not tags (a path, a line break, a `+`) beside good
/// ones, and a second page named by `Link`.
fn busy_registry(head: &str, _port: u16) -> Vec<u8> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static TAG_CALLS: AtomicUsize = AtomicUsize::new(0);
    let first = head.lines().next().unwrap_or("");
    let ok = |body: &str, extra: &str| {
        format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
    };
    if first.starts_with("GET /v2/ ") {
        return ok("{}", "");
    }
    if first.contains("/v2/isa/agent/tags/list?n=1000&last=1.1.0 ") {
        return ok(r#"{"name":"isa/agent","tags":["1.3.0","1.1.0"]}"#, "");
    }
    if first.contains("/v2/isa/agent/tags/list?n=1000 ") {
        if TAG_CALLS.fetch_add(1, Ordering::SeqCst) == 0 {
            return b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n".to_vec();
        }
        return ok(
            r#"{"name":"isa/agent","tags":["1.0.0","../../evil","1.2.0\nimage: evil","2.0.0+x","1.1.0"]}"#,
            "Link: </v2/isa/agent/tags/list?n=1000&last=1.1.0>; rel=\"next\"\r\n",
        );
    }
    if first.contains("/v2/isa/elsewhere/tags/list") {
        return ok(
            r#"{"tags":["1.0.0"]}"#,
            "Link: <http://127.0.0.2:9/v2/isa/elsewhere/tags/list?last=1.0.0>; rel=\"next\"\r\n",
        );
    }
    if first.contains("/v2/isa/patient/tags/list") {
        return b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 86400\r\nContent-Length: 0\r\n\r\n".to_vec();
    }
    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec()
}

/// The registry's answers are hostile input: `Retry-After` waited out within the run's time
/// (and refused past it), invalid tags dropped and counted before they can reach a manifest,
/// a next page on another host refused.
#[test]
fn a_busy_hostile_registry_is_waited_for_and_its_bad_tags_dropped() {
    let reg = Fake::start(busy_registry);
    let host = format!("127.0.0.1:{}", reg.port);
    let fx = Fixture::new();
    let original = fx.remote_file(AGENT);
    let with = |repo: &str, tag: &str| {
        let text = original.replace(
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/isa-agent:sha-cbad391",
            &format!("{host}/isa/{repo}:{tag}"),
        );
        fx.push_elsewhere(AGENT, &text, "agent from the fake registry");
    };
    with("agent", "1.0.0");
    let out = run(
        &fx,
        &["update", "agent", "--policy", "semver:^1", "-o", "json"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // The wait the registry asked for, said once on a line of its own.
    let waits: Vec<&str> = std::str::from_utf8(&out.stderr)
        .unwrap()
        .lines()
        .filter(|l| l.contains("asks to wait"))
        .collect();
    assert_eq!(waits.len(), 1, "{}", text(&out));
    assert!(
        waits[0].ends_with("answered HTTP 429 for isa/agent and asks to wait: waiting 1 s before trying again; --timeout bounds the wait"),
        "{}",
        waits[0]
    );
    let v = json(&out);
    let row = policy_row(&v, "agent", None);
    assert_eq!(
        (row["tags_seen"].as_u64(), row["tags_invalid"].as_u64()),
        (Some(3), Some(3)),
        "{row}"
    );
    assert_eq!(row["chosen"], format!("{host}/isa/agent:1.3.0"), "{row}");
    assert!(
        fx.remote_file(AGENT)
            .contains(&format!("image: {host}/isa/agent:1.3.0  #")),
        "{}",
        fx.remote_file(AGENT)
    );
    assert!(!fx.remote_file(AGENT).contains("evil"));
    let asked: Vec<String> = reg
        .seen
        .lock()
        .unwrap()
        .iter()
        .filter_map(|h| h.lines().next().map(str::to_string))
        .filter(|l| l.contains("tags/list"))
        .collect();
    assert_eq!(
        asked.len(),
        3,
        "the busy answer, the first page again, the second page: {asked:?}"
    );
    // A next page on another host: refused, nothing committed.
    with("elsewhere", "1.0.0");
    let before = fx.remote_count();
    let out = run(&fx, &["update", "agent", "--policy", "semver:^1"], &[]);
    assert_fails(
        &out,
        1,
        "sent the next page of tags on another host; refused",
        "elsewhere",
    );
    assert_eq!(fx.remote_count(), before);
    // A wait longer than the run may take: refused at once, saying so.
    with("patient", "1.0.0");
    let out = run(
        &fx,
        &[
            "update",
            "agent",
            "--policy",
            "semver:^1",
            "--timeout",
            "30s",
        ],
        &[],
    );
    assert_fails(
        &out,
        1,
        "answered HTTP 503 for isa/patient and asks to wait 24 h 0 min, past --timeout's deadline; raise --timeout",
        "patient",
    );
}
