//! Hostile and bad input: each is refused with a clear error (exit 3 or 4) and nothing is
//! written; secrets never show; SSH host keys are checked.

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::*;

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
    // What container runtimes would refuse: the algorithm in upper case, unregistered
    // algorithms, upper-case or wrong-length hex.
    let digests = [
        (
            format!("nginx@SHA256:{}", "a".repeat(64)),
            "digest algorithm",
        ),
        (format!("nginx@md5:{}", "a".repeat(32)), "digest algorithm"),
        (format!("nginx@sha1:{}", "a".repeat(40)), "digest algorithm"),
        (format!("nginx@sha256:{}", "A".repeat(64)), "upper case"),
        (format!("nginx@sha256:{}", "a".repeat(65)), "exactly 64"),
        (format!("nginx@sha512:{}", "a".repeat(64)), "exactly 128"),
        (format!("@sha256:{}", "g".repeat(64)), "ALGORITHM:HEX"),
    ];
    let cases = cases
        .into_iter()
        .chain(digests.iter().map(|(i, n)| (i.as_str(), *n)));
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
            let (out, _) = bounded(cmd, Duration::from_secs(60));
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
    // `.` components and doubled slashes are normalised, not refused: the file is looked for.
    for (template, path) in [("./{service}.yaml", "agent.yaml"), ("a//b", "a/b")] {
        let out = fx.run(&[
            "set",
            "agent=nginx:1",
            "--repo",
            fx.checkout.to_str().unwrap(),
            "--manifest",
            template,
        ]);
        assert_fails(
            &out,
            3,
            &format!("{path} does not exist on branch main"),
            template,
        );
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
    _child: Owned,
    port: u16,
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
    let port = support::free_port();
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
    let child = Owned(
        Command::new(bin)
            .args(["-D", "-e", "-f"])
            .arg(&config)
            .stderr(Stdio::null())
            .spawn()
            .ok()?,
    );
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "sshd did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(Sshd {
        _child: child,
        port,
    })
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
        panic!("/usr/sbin/sshd is missing: scripts/test installs openssh-server");
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
    // No repository at that path: fails at once (not retried), saying what to check.
    let missing = format!(
        "ssh://{user}@127.0.0.1:{}{}/nope.git",
        server.port,
        fx.dir.path().display()
    );
    let out = fx
        .cmd()
        .args([
            "get",
            "agent",
            "--repo",
            &missing,
            "--connect-timeout",
            "5s",
        ])
        .env_remove("SSH_AUTH_SOCK")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(!err.contains("trying again"), "{err}");
    assert!(err.contains("has no repository at this path"), "{err}");
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

/// A password in a URL, raw (with `/` and `+`) or percent-encoded, in every URL form git takes:
/// in no output, no message and no file imgbump writes; and a percent-encoded one is decoded
/// to authenticate, as git decodes it.
#[test]
fn a_password_in_a_url_is_never_shown_or_stored() {
    let fx = Fixture::new();
    let http = Http::start(fx.dir.path(), Some("right-token-1234"));
    let cache = fx.dir.path().join("cache");
    let outputs = fx.dir.path().join("github-output");
    let secret = "Ab/Cd+secret-77";
    for url in [
        format!("http://u:{secret}@127.0.0.1:{}/isA_Cloud.git", http.port),
        format!(
            "http://x-access-token:Ab%2FCd%2Bsecret-77@127.0.0.1:{}/isA_Cloud.git",
            http.port
        ),
        format!("git://u:{secret}@127.0.0.1:1/isA_Cloud.git"),
        format!("ssh://git:{secret}@127.0.0.1:1/isA_Cloud.git"),
    ] {
        let out = fx
            .cmd()
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_OUTPUT", &outputs)
            .args(["-vv", "set", "--cache-dir", cache.to_str().unwrap()])
            .args(["--output", "json", "--timeout", "1s", "--repo", &url])
            .args(["--", "agent=:x"])
            .output()
            .unwrap();
        assert_ne!(out.status.code(), Some(0), "{url}: {}", text(&out));
        let all = text(&out);
        for shape in [secret, "Ab%2FCd%2Bsecret-77", "secret-77"] {
            assert!(!all.contains(shape), "{url}: {shape} in the output: {all}");
        }
        assert!(all.contains("::error"), "{all}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let first = stdout.lines().next().unwrap_or("");
        let v: serde_json::Value = serde_json::from_str(first).unwrap();
        assert!(v["error"]["message"].is_string(), "{v}");
    }
    // Nothing on disk: the cache is keyed and recorded by the URL without user info.
    let mut files = vec![cache.clone()];
    while let Some(p) = files.pop() {
        if p.is_dir() {
            files.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else if let Ok(bytes) = std::fs::read(&p) {
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !text.contains("secret-77"),
                "{} holds the password",
                p.display()
            );
            assert!(
                !text.contains("u:Ab"),
                "{} holds the user info",
                p.display()
            );
        }
    }
    // Percent-encoded, the password is decoded to authenticate.
    let tricky = Http::start(fx.dir.path(), Some("p@ss/word+1"));
    let url = format!(
        "http://x-access-token:p%40ss%2Fword%2B1@127.0.0.1:{}/isA_Cloud.git",
        tricky.port
    );
    let out = fx.run(&["set", "--repo", &url, "--", "agent=:decoded"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!text(&out).contains("p%40ss") && !text(&out).contains("p@ss"));
    assert!(fx.remote_file(AGENT).contains("isa-agent:decoded"));
}

/// An old image written to forge outputs, escape sequences and placeholders: GITHUB_OUTPUT
/// keeps its six outputs, nothing raw reaches stderr or the summary, and the message template
/// is filled once.
#[test]
fn repository_content_cannot_forge_outputs_or_reach_the_terminal() {
    let fx = Fixture::new();
    let text_before = fx.remote_file(AGENT);
    let old = text_before
        .lines()
        .find(|l| l.contains("isa-agent:"))
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string();
    let evil = r#""evil:1\npushed=false\ninjected=yes\n\u001b]0;pwned\u0007{tag}""#;
    let co = fx.clone_elsewhere();
    let manifest = co.join(AGENT);
    let edited = std::fs::read_to_string(&manifest)
        .unwrap()
        .replacen(&old, evil, 1);
    std::fs::write(&manifest, edited).unwrap();
    git(&co, &["commit", "-qam", "evil"]);
    git(&co, &["push", "-q", "origin", "main"]);
    let (outputs, summary) = (fx.dir.path().join("out"), fx.dir.path().join("summary.md"));
    let out = fx
        .cmd()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args([
            "set",
            "--repo",
            &fx.url(),
            "--message",
            "{old_image} -> {image}",
        ])
        .args(["--", "agent=registry.example/isa-agent:v2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        !out.stderr.contains(&0x1b) && !out.stderr.contains(&0x07),
        "{}",
        text(&out)
    );
    // Read as GitHub reads the file: `name=value`, or `name<<DELIMITER`, lines, DELIMITER.
    let written = std::fs::read_to_string(&outputs).unwrap();
    let mut read: Vec<(String, String)> = Vec::new();
    let mut lines = written.lines();
    while let Some(l) = lines.next() {
        if let Some((name, delimiter)) = l.split_once("<<") {
            let value: Vec<&str> = lines.by_ref().take_while(|v| *v != delimiter).collect();
            read.push((name.to_string(), value.join("\n")));
        } else if let Some((name, value)) = l.split_once('=') {
            read.push((name.to_string(), value.to_string()));
        }
    }
    let names: Vec<&str> = read.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "status",
            "changed",
            "commit",
            "pushed",
            "batched",
            "old-image",
            "new-image"
        ],
        "{written}"
    );
    assert_eq!(read[3].1, "true", "{written}");
    assert_eq!(read[4].1, "0", "{written}");
    assert!(
        read[5]
            .1
            .starts_with("evil:1\npushed=false\ninjected=yes\n"),
        "{written}"
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(!md.contains('\u{1b}') && !md.contains('\u{7}'), "{md}");
    let subject = fx.remote_git(&["log", "-1", "--format=%B"]);
    assert!(subject.starts_with("evil:1\\npushed=false"), "{subject}");
    assert!(
        subject.contains("{tag} -> registry.example/isa-agent:v2"),
        "{subject}"
    );
    assert!(!subject.contains('\u{1b}'), "{subject}");
    // A trailer with a control character is a usage error.
    let out = fx.run(&[
        "set",
        "--repo",
        &fx.url(),
        "--trailer",
        "K=a\u{1b}[2J",
        "agent=:v3",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

/// A directory on the manifest's path swapped in the work tree for a link to a place outside
/// the repository (the manifest's own directory, or one higher up): refused, and nothing
/// outside is written, the remote gets nothing, the index is untouched.
#[test]
fn a_link_in_the_work_tree_never_leads_a_write_outside() {
    let fx = Fixture::new();
    let co = fx.checkout.clone();
    let n = fx.remote_count();
    for swapped in [
        "deployments/kubernetes/base/applications",
        "deployments/kubernetes",
        "deployments",
    ] {
        let outside = fx
            .dir
            .path()
            .join(format!("outside-{}", swapped.replace('/', "-")));
        std::fs::rename(co.join(swapped), &outside).unwrap();
        std::os::unix::fs::symlink(&outside, co.join(swapped)).unwrap();
        let target = outside.join(AGENT.strip_prefix(&format!("{swapped}/")).unwrap());
        let before = std::fs::read(&target).unwrap();
        let index = std::fs::read(co.join(".git/index")).unwrap();
        let out = fx.run(&["set", "-C", co.to_str().unwrap(), "agent=:evil"]);
        assert_fails(&out, 4, "symbolic link", swapped);
        assert_eq!(
            std::fs::read(&target).unwrap(),
            before,
            "{swapped}: written through"
        );
        assert_eq!(
            std::fs::read(co.join(".git/index")).unwrap(),
            index,
            "{swapped}"
        );
        assert_eq!(fx.remote_count(), n, "{swapped}");
        let strays: Vec<_> = std::fs::read_dir(target.parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with(".imgbump-"))
            .collect();
        assert!(strays.is_empty(), "{swapped}: {strays:?}");
        // Put it back for the next case.
        std::fs::remove_file(co.join(swapped)).unwrap();
        std::fs::rename(&outside, co.join(swapped)).unwrap();
    }
    // Back in place, the same bump lands.
    let out = fx.run(&["set", "-C", co.to_str().unwrap(), "agent=:fine"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// A remote on this machine (`file://` or a path) keeps its policy, as with `git push`: its
/// hooks run (and may refuse), a checked-out branch of a non-bare repository is not pushed to,
/// and objects are written with `core.sharedRepository`'s permissions.
#[test]
fn a_local_remote_keeps_its_policy() {
    use std::os::unix::fs::PermissionsExt;
    let fx = Fixture::new();
    let hooks = fx.remote.join("hooks");
    let runs = fx.dir.path().join("runs");
    let hook = |name: &str, body: &str| {
        let path = hooks.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    let n = fx.remote_count();
    // A refusing pre-receive hook: exit 5, its words, nothing moved; over file:// and a path.
    hook(
        "pre-receive",
        &format!(
            "echo pre >> '{}'; echo 'main is protected: open a pull request' >&2; exit 1",
            runs.display()
        ),
    );
    for url in [fx.url(), fx.remote.to_str().unwrap().to_string()] {
        let out = fx.run(&["set", "--repo", &url, "agent=:refused"]);
        assert_fails(&out, 5, "main is protected: open a pull request", &url);
        assert_eq!(fx.remote_count(), n, "{url}");
    }
    assert_eq!(std::fs::read_to_string(&runs).unwrap().lines().count(), 2);
    // Accepting hooks run, once each, and the bump lands.
    std::fs::remove_file(&runs).unwrap();
    hook("pre-receive", &format!("echo pre >> '{}'", runs.display()));
    hook(
        "post-receive",
        &format!("echo post >> '{}'", runs.display()),
    );
    let out = fx.run(&["set", "--repo", &fx.url(), "agent=:through-hooks"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(&runs).unwrap(), "pre\npost\n");
    assert_eq!(fx.remote_count(), n + 1);
    assert!(fx.remote_file(AGENT).contains("isa-agent:through-hooks"));
    fx.remote_git(&["fsck", "--no-dangling"]);

    // A non-bare repository's checked-out branch: refused, its checkout untouched.
    let co = &fx.checkout;
    let head = git(co, &["rev-parse", "HEAD"]);
    let url = format!("file://{}", co.display());
    let out = fx.run(&["set", "--repo", &url, "agent=:into-a-checkout"]);
    assert_fails(&out, 5, "checked out", "a checked-out branch");
    assert_eq!(git(co, &["rev-parse", "HEAD"]), head);
    assert_eq!(git(co, &["status", "--porcelain"]), "");

    // core.sharedRepository=group: what the push writes is readable by the group, whatever
    // the pusher's umask.
    std::fs::remove_file(hooks.join("pre-receive")).unwrap();
    std::fs::remove_file(hooks.join("post-receive")).unwrap();
    fx.remote_git(&["config", "core.sharedRepository", "group"]);
    let before: std::collections::HashSet<_> =
        walk(&fx.remote.join("objects")).into_iter().collect();
    let bin = env!("CARGO_BIN_EXE_imgbump");
    let out = Command::new("sh")
        .args([
            "-c",
            &format!(
                "umask 077; exec '{bin}' set --repo '{}' agent=:shared",
                fx.url()
            ),
        ])
        .env("HOME", &fx.home)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let new: Vec<_> = walk(&fx.remote.join("objects"))
        .into_iter()
        .filter(|p| !before.contains(p))
        .collect();
    assert!(!new.is_empty());
    for p in new {
        let mode = std::fs::metadata(&p).unwrap().permissions().mode();
        assert!(
            mode & 0o040 != 0,
            "{} is {mode:o}: not group-readable",
            p.display()
        );
    }
}

/// Every path under `dir`, directories included.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p.clone());
            }
            out.push(p);
        }
    }
    out
}
