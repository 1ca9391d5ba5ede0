//! Hostile and bad input: each is refused with a clear error (exit 3 or 4) and nothing is
//! written; secrets never show; SSH host keys are checked.

mod support;

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::*;

/// Runs imgbump with a hard time limit; a run that takes longer is a failure (a hang).
fn bounded(mut cmd: Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("imgbump did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Asserts that nothing changed: remote branch, checkout HEAD and work tree.
struct Unchanged {
    remote: String,
    head: String,
}

impl Unchanged {
    fn take(fx: &Fixture) -> Self {
        Unchanged {
            remote: fx.remote_git(&["rev-parse", "main"]),
            head: git(&fx.checkout, &["rev-parse", "HEAD"]),
        }
    }
    fn check(&self, fx: &Fixture, what: &str) {
        assert_eq!(
            fx.remote_git(&["rev-parse", "main"]),
            self.remote,
            "{what}: the remote moved"
        );
        assert_eq!(
            git(&fx.checkout, &["rev-parse", "HEAD"]),
            self.head,
            "{what}: HEAD moved"
        );
        assert_eq!(
            git(&fx.checkout, &["status", "--porcelain"]),
            "",
            "{what}: the work tree changed"
        );
    }
}

#[test]
fn hostile_service_names_are_refused() {
    let fx = Fixture::new();
    let before = Unchanged::take(&fx);
    let long = "a".repeat(64);
    for name in [
        "../x",
        "a/b",
        "/etc/passwd",
        "",
        long.as_str(),
        "Agent",
        "a b",
        "-rf",
        "--message",
        "a\nb",
        "agent;rm -rf /",
    ] {
        for repo in [fx.url(), fx.checkout.display().to_string()] {
            let out = fx.run(&["set", "--repo", &repo, "--", &format!("{name}=nginx:1")]);
            assert_fails(&out, 4, "invalid service name", &format!("{name:?}"));
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.lines().count() <= 2,
                "one short message, not a dump: {err}"
            );
        }
    }
    before.check(&fx, "service names");
}

#[test]
fn hostile_images_are_refused() {
    let fx = Fixture::new();
    let before = Unchanged::take(&fx);
    let long_tag = format!("nginx:{}", "a".repeat(129));
    let ten_kb = "a".repeat(10 * 1024);
    let cases: Vec<(&str, &str)> = vec![
        ("nginx\nimage: evil", "character '\\n'"),
        ("nginx#x", "path component"),
        ("nginx: x", "white space"),
        ("nginx x", "white space"),
        ("\"nginx\"", "path component"),
        ("'nginx'", "path component"),
        ("docker.io/Library/nginx", "must be lowercase"),
        (&long_tag, "at most 128"),
        ("nginx@sha256:1234", "digest"),
        ("", "empty"),
        (&ten_kb, "bytes long"),
        (":", "empty"),
        ("@md5:x", "digest"),
    ];
    for (image, needle) in cases {
        let out = fx.run(&["set", "--repo", &fx.url(), "--", &format!("agent={image}")]);
        assert_fails(&out, 4, needle, &format!("{image:?}"));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.len() < 600,
            "the message repeats too much input: {} bytes",
            err.len()
        );
    }
    before.check(&fx, "images");
}

#[test]
fn bad_manifests_are_refused_in_bounded_time() {
    let fx = Fixture::new();
    let apps = fx.checkout.join("deployments/kubernetes/base/applications");
    std::fs::create_dir_all(apps.join("dir-deployment.yaml")).unwrap();
    std::fs::write(apps.join("dir-deployment.yaml/x"), "x").unwrap();
    std::fs::write(
        apps.join("latin1-deployment.yaml"),
        b"kind: Pod\nmetadata: {name: caf\xe9}\n",
    )
    .unwrap();
    std::fs::write(
        apps.join("broken-deployment.yaml"),
        "kind: Deployment\nspec: [\n  image: x\n",
    )
    .unwrap();
    let mut bomb = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for i in 1..9u8 {
        let (k, p) = ((b'a' + i) as char, (b'a' + i - 1) as char);
        bomb.push_str(&format!(
            "{k}: &{k} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
        ));
    }
    bomb.push_str("kind: Pod\nmetadata: {name: bomb}\nspec:\n  containers:\n  - name: bomb\n    image: nginx:1\n");
    std::fs::write(apps.join("bomb-deployment.yaml"), bomb).unwrap();
    let deep = format!(
        "kind: Pod\nspec: {}x{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    std::fs::write(apps.join("deep-deployment.yaml"), deep).unwrap();
    let deep_block: String = (0..10_000)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
        .collect();
    std::fs::write(apps.join("deepblock-deployment.yaml"), deep_block).unwrap();
    // Over 64 MiB.
    let big = std::fs::File::create(apps.join("huge-deployment.yaml")).unwrap();
    big.set_len(65 * 1024 * 1024).unwrap();
    git(&fx.checkout, &["add", "-A"]);
    git(&fx.checkout, &["commit", "-qm", "bad manifests"]);
    git(&fx.checkout, &["push", "-q", "origin", "main"]);
    let before = Unchanged::take(&fx);
    for (svc, code, needle) in [
        ("dir", 4, "is a directory"),
        ("latin1", 4, "not valid UTF-8"),
        ("broken", 4, "invalid YAML"),
        ("bomb", 4, "refusing the edit"),
        ("deep", 4, "invalid YAML"),
        ("deepblock", 4, "invalid YAML"),
        ("huge", 4, "at most 67108864 bytes"),
        ("missing", 3, "does not exist"),
    ] {
        for repo in [fx.url(), fx.checkout.display().to_string()] {
            let mut cmd = fx.cmd();
            cmd.args(["set", &format!("{svc}=nginx:2"), "--repo", &repo]);
            let out = bounded(cmd, Duration::from_secs(60));
            assert_fails(&out, code, needle, svc);
        }
    }
    before.check(&fx, "manifests");
}

#[test]
fn manifest_templates_that_leave_the_repository_are_refused() {
    let fx = Fixture::new();
    let before = Unchanged::take(&fx);
    for template in [
        "../{service}.yaml",
        "../../etc/passwd",
        "/etc/{service}",
        "a/../../{service}",
        ".git/config",
        "./{service}.yaml",
        "a//b",
    ] {
        let out = fx.run(&[
            "set",
            "agent=nginx:1",
            "--repo",
            fx.checkout.to_str().unwrap(),
            "--manifest",
            template,
        ]);
        assert_fails(&out, 4, "manifest path", template);
    }
    before.check(&fx, "templates");
}

#[test]
fn a_token_appears_nowhere() {
    let fx = Fixture::new();
    let http = Http::start(fx.dir.path(), Some(TOKEN));
    let url = http.url("isA_Cloud.git");
    // A checkout whose origin is the HTTP remote (no secret in its URL).
    let co = fx.dir.path().join("http-checkout");
    git(
        fx.dir.path(),
        &[
            "clone",
            "-q",
            fx.remote.to_str().unwrap(),
            co.to_str().unwrap(),
        ],
    );
    git(&co, &["remote", "set-url", "origin", &url]);
    let gh = fx.dir.path().join("gh-output");
    let runs: Vec<Vec<String>> = vec![
        vec![
            "set".into(),
            "agent=:t1".into(),
            "--repo".into(),
            url.clone(),
            "-vv".into(),
        ],
        vec![
            "set".into(),
            "agent=:t2".into(),
            "--repo".into(),
            url.clone(),
            "--output".into(),
            "json".into(),
        ],
        vec![
            "set".into(),
            "agent=:t3".into(),
            "-C".into(),
            co.display().to_string(),
            "-vv".into(),
        ],
        vec![
            "set".into(),
            "agent=:t3".into(),
            "-C".into(),
            co.display().to_string(),
            "--dry-run".into(),
        ],
        vec![
            "set".into(),
            "nosuch=:t4".into(),
            "--repo".into(),
            url.clone(),
            "-vv".into(),
            "--output".into(),
            "json".into(),
        ],
        vec![
            "set".into(),
            "agent=BAD".into(),
            "--repo".into(),
            url.clone(),
            "-vv".into(),
        ],
        vec!["get".into(), "agent".into(), "--repo".into(), url.clone()],
        vec![
            "list".into(),
            "--repo".into(),
            url.clone(),
            "--output".into(),
            "json".into(),
        ],
        vec![
            "set".into(),
            "agent=:t5".into(),
            "--repo".into(),
            url.replace("http://", &format!("http://x-access-token:{TOKEN}@")),
            "-vv".into(),
        ],
        vec![
            "set".into(),
            "agent=:t6".into(),
            "--repo".into(),
            url.replace("/isA_Cloud.git", "/nothing.git"),
            "-vv".into(),
        ],
    ];
    for args in &runs {
        let out = fx
            .cmd()
            .args(args)
            .env("IMGBUMP_TOKEN", TOKEN)
            .env("GITHUB_OUTPUT", &gh)
            .env("GITHUB_ACTIONS", "true")
            .output()
            .unwrap();
        assert!(!text(&out).contains(TOKEN), "{args:?}: {}", text(&out));
    }
    // The runs did something (so the checks below are not vacuous).
    assert!(fx.remote_file(AGENT).contains("isa-agent:t5"));
    let config = std::fs::read_to_string(co.join(".git/config")).unwrap();
    assert!(!config.contains(TOKEN), "{config}");
    let reflog = git(&co, &["log", "-g", "--all", "--format=%gs %s"]);
    assert!(
        reflog.contains("imgbump") && !reflog.contains(TOKEN),
        "{reflog}"
    );
    assert!(!git(&co, &["remote", "-v"]).contains(TOKEN));
    assert!(!std::fs::read_to_string(&gh)
        .unwrap_or_default()
        .contains(TOKEN));
    assert!(!fx
        .remote_git(&["log", "--all", "--format=%B"])
        .contains(TOKEN));
}

/// An sshd on 127.0.0.1 with its own host key and one authorized client key.
struct Sshd {
    child: std::process::Child,
    port: u16,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sshd(dir: &std::path::Path, client_pub: &std::path::Path) -> Option<Sshd> {
    let bin = std::path::Path::new("/usr/sbin/sshd");
    if !bin.exists() {
        return None;
    }
    let host = dir.join("host_ed25519");
    assert!(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&host)
        .status()
        .unwrap()
        .success());
    let auth = dir.join("authorized_keys");
    std::fs::copy(client_pub, &auth).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = dir.join("sshd_config");
    std::fs::write(
        &config,
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nAuthorizedKeysFile {}\nPidFile {}\nPermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nSetEnv PATH=/usr/local/bin:/usr/bin:/bin\n",
            host.display(),
            auth.display(),
            dir.join("sshd.pid").display()
        ),
    )
    .unwrap();
    std::fs::create_dir_all("/run/sshd").ok();
    let child = Command::new(bin)
        .args(["-D", "-e", "-f"])
        .arg(&config)
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "sshd did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(Sshd { child, port })
}

#[test]
fn ssh_host_keys_are_checked() {
    let fx = Fixture::new();
    let ssh_dir = fx.home.join(".ssh");
    std::fs::create_dir_all(&ssh_dir).unwrap();
    let key = ssh_dir.join("id_ed25519");
    assert!(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .unwrap()
        .success());
    let Some(server) = sshd(fx.dir.path(), &key.with_extension("pub")) else {
        panic!("/usr/sbin/sshd is missing: .ci/run installs openssh-server");
    };
    let user = std::env::var("USER").unwrap_or_else(|_| "root".into());
    let url = format!(
        "ssh://{user}@127.0.0.1:{}{}",
        server.port,
        fx.remote.display()
    );
    // Unknown host: refused, with how to add it.
    let n = fx.remote_count();
    let out = fx
        .cmd()
        .args(["set", "agent=:ssh1", "--repo", &url])
        .env_remove("SSH_AUTH_SOCK")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("host key") && err.contains("known_hosts"),
        "{err}"
    );
    assert_eq!(fx.remote_count(), n);
    // Known host: the bump lands.
    let scan = Command::new("ssh-keyscan")
        .args(["-p", &server.port.to_string(), "-t", "ed25519", "127.0.0.1"])
        .output()
        .unwrap();
    std::fs::write(ssh_dir.join("known_hosts"), &scan.stdout).unwrap();
    let out = fx
        .cmd()
        .args(["set", "agent=:ssh2", "--repo", &url])
        .env_remove("SSH_AUTH_SOCK")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(fx.remote_file(AGENT).contains("isa-agent:ssh2"));
    // A host key that changed: refused again.
    let other = fx.dir.path().join("other_host");
    assert!(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&other)
        .status()
        .unwrap()
        .success());
    let pubkey = std::fs::read_to_string(other.with_extension("pub")).unwrap();
    std::fs::write(
        ssh_dir.join("known_hosts"),
        format!("[127.0.0.1]:{} {}", server.port, pubkey),
    )
    .unwrap();
    let out = fx
        .cmd()
        .args(["set", "agent=:ssh3", "--repo", &url])
        .env_remove("SSH_AUTH_SOCK")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(!fx.remote_file(AGENT).contains("isa-agent:ssh3"));
}
