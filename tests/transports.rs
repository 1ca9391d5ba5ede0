//! `imgbump` end to end over each transport and with `--cache-dir`: `git daemon`, smart HTTP
//! with and without a token, HTTPS with a test CA, several processes at once; the `git` CLI
//! checks what landed.

mod support;

use support::*;

fn code(out: &std::process::Output) -> Option<i32> {
    out.status.code()
}

#[test]
fn git_daemon_shallow_clone_and_push() {
    let fx = Fixture::new();
    let daemon = Daemon::start(fx.dir.path());
    let out = fx.run(&[
        "set",
        "user=:v7",
        "--repo",
        &daemon.url("isA_Cloud.git"),
        "--output",
        "json",
    ]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert_eq!(json(&out)["pushed"], true);
    assert!(fx
        .remote_file("deployments/kubernetes/base/applications/user-deployment.yaml")
        .contains("isa-user:v7"));
}

#[test]
fn https_checks_the_certificate() {
    let fx = Fixture::new();
    let http = Http::start(fx.dir.path(), Some(TOKEN));
    let tls = Tls::start(http.port);
    let url = tls.url("isA_Cloud.git");
    // Trusted (SSL_CERT_FILE names the test CA): clones, pushes, lands.
    // `trusted(tag, var, path)`: with `var` (SSL_CERT_FILE or SSL_CERT_DIR) naming where the
    // CA is, and the other unset, the bump lands.
    let trusted = |tag: &str, var: &str, path: &std::path::Path| {
        let other = if var == "SSL_CERT_FILE" {
            "SSL_CERT_DIR"
        } else {
            "SSL_CERT_FILE"
        };
        let out = fx
            .cmd()
            .args(["set", &format!("model=:{tag}"), "--repo", &url])
            .env("IMGBUMP_TOKEN", TOKEN)
            .env(var, path)
            .env_remove(other)
            .output()
            .unwrap();
        assert_eq!(code(&out), Some(0), "{tag}: {}", text(&out));
        assert!(fx
            .remote_file("deployments/kubernetes/base/applications/model-deployment.yaml")
            .contains(&format!("isa-model:{tag}")));
    };
    trusted("tls1", "SSL_CERT_FILE", &tls.ca);
    // Not trusted (the system's CAs do not know it): refused, nothing lands, no secret shown.
    let n = fx.remote_count();
    let out = fx
        .cmd()
        .args(["set", "model=:tls2", "--repo", &url, "-vv"])
        .env("IMGBUMP_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert_ne!(code(&out), Some(0), "{}", text(&out));
    assert!(
        text(&out).to_lowercase().contains("certificate"),
        "{}",
        text(&out)
    );
    assert!(!text(&out).contains(TOKEN));
    assert_eq!(fx.remote_count(), n);
    // Trusted through a directory of hash links only (SSL_CERT_DIR, as Debian's
    // /etc/ssl/certs): OpenSSL finds the CA by its subject hash. That the system's bundle is
    // then left unloaded is the choice `git::tests::a_hashed_certificate_directory_spares_
    // loading_the_bundle` checks; here, that verification through the directory works.
    let certs = fx.dir.path().join("certs");
    std::fs::create_dir_all(&certs).unwrap();
    let hash = std::process::Command::new("openssl")
        .args(["x509", "-hash", "-noout", "-in"])
        .arg(&tls.ca)
        .output()
        .unwrap();
    let hash = String::from_utf8(hash.stdout).unwrap().trim().to_string();
    assert_eq!(hash.len(), 8, "openssl x509 -hash gave {hash:?}");
    std::fs::copy(&tls.ca, certs.join(format!("{hash}.0"))).unwrap();
    trusted("tls3", "SSL_CERT_DIR", &certs);
}

#[test]
fn smart_http_with_a_token_and_without() {
    let fx = Fixture::new();
    let http = Http::start(fx.dir.path(), Some(TOKEN));
    let url = http.url("isA_Cloud.git");
    let out = fx
        .cmd()
        .args([
            "set",
            "model=:v5",
            "--repo",
            &url,
            "-vv",
            "--output",
            "json",
        ])
        .env("IMGBUMP_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert_eq!(json(&out)["pushed"], true);
    assert!(fx
        .remote_file("deployments/kubernetes/base/applications/model-deployment.yaml")
        .contains("isa-model:v5"));
    assert!(!text(&out).contains(TOKEN));
    // GITHUB_TOKEN works the same.
    let out = fx
        .cmd()
        .args(["set", "model=:v6", "--repo", &url])
        .env("GITHUB_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    // No token: authentication fails, clearly, and nothing lands.
    let n = fx.remote_count();
    let out = fx.run(&["set", "model=:v7", "--repo", &url]);
    assert_eq!(code(&out), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("authentication failed"),
        "{}",
        text(&out)
    );
    // A wrong token: the same, and it is never shown.
    let wrong = "ghs_wrongWrongWrong0987654321";
    let out = fx
        .cmd()
        .args(["set", "model=:v7", "--repo", &url, "-vv"])
        .env("IMGBUMP_TOKEN", wrong)
        .output()
        .unwrap();
    assert_eq!(code(&out), Some(1), "{}", text(&out));
    assert!(!text(&out).contains(wrong), "{}", text(&out));
    // A token in the URL is used, and never shown or stored.
    let with_secret = url.replace("http://", &format!("http://x-access-token:{TOKEN}@"));
    let out = fx.run(&[
        "set",
        "model=:v8",
        "--repo",
        &with_secret,
        "-vv",
        "--output",
        "json",
    ]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert!(!text(&out).contains(TOKEN), "{}", text(&out));
    assert_eq!(fx.remote_count(), n + 1);
}

#[test]
fn ten_processes_at_once_all_land() {
    let fx = Fixture::new();
    // Ten services: the four applications plus six more manifests made for this test.
    let apps = fx
        .dir
        .path()
        .join("seed/deployments/kubernetes/base/applications");
    let user = std::fs::read_to_string(apps.join("user-deployment.yaml")).unwrap();
    let extra: Vec<String> = (1..=6).map(|i| format!("svc{i}")).collect();
    for s in &extra {
        std::fs::write(
            apps.join(format!("{s}-deployment.yaml")),
            user.replace("user", s),
        )
        .unwrap();
    }
    let seed = fx.dir.path().join("seed");
    git(&seed, &["add", "-A"]);
    git(&seed, &["commit", "-qm", "more services"]);
    git(
        &seed,
        &["push", "-q", fx.remote.to_str().unwrap(), "HEAD:main"],
    );
    let n = fx.remote_count();
    let mut services: Vec<String> = ["agent", "mcp", "model", "user"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    services.extend(extra);
    let children: Vec<_> = services
        .iter()
        .map(|s| {
            fx.cmd()
                .args([
                    "set",
                    &format!("{s}=:race-{s}"),
                    "--repo",
                    &fx.url(),
                    "--retries",
                    "20",
                    "-q",
                ])
                .spawn()
                .unwrap()
        })
        .collect();
    for out in wait_all(children) {
        assert_eq!(code(&out), Some(0), "{}", text(&out));
    }
    // Batched: at most a commit per bump, and no request ref left.
    assert!((n + 1..=n + 10).contains(&fx.remote_count()));
    assert_eq!(fx.remote_git(&["for-each-ref", "refs/imgbump"]), "");
    for s in &services {
        let f = fx.remote_file(&format!(
            "deployments/kubernetes/base/applications/{s}-deployment.yaml"
        ));
        assert!(f.contains(&format!(":race-{s}")), "{s} lost");
    }
    // Linear history: every new commit has one parent.
    assert_eq!(
        fx.remote_git(&["rev-list", "--merges", "--count", "main"])
            .trim(),
        "0"
    );
}

#[test]
fn a_cache_dir_is_reused_rebuilt_when_wrong_and_shared_under_a_lock() {
    let fx = Fixture::new();
    let daemon = Daemon::start(fx.dir.path());
    let url = daemon.url("isA_Cloud.git");
    let cache = fx.dir.path().join("cache");
    let cache_s = cache.to_str().unwrap();
    let run = |pair: &str| {
        let out = fx.run(&[
            "set",
            pair,
            "--repo",
            &url,
            "--cache-dir",
            cache_s,
            "--output",
            "json",
        ]);
        assert_eq!(code(&out), Some(0), "{pair}: {}", text(&out));
        assert_eq!(json(&out)["pushed"], true, "{pair}");
    };
    run("agent=:c1");
    let cached = &cache_repo(&cache);
    let cache_url = || {
        git(
            fx.dir.path(),
            &[
                "--git-dir",
                cached.to_str().unwrap(),
                "config",
                "imgbump.url",
            ],
        )
        .trim()
        .to_string()
    };
    assert_eq!(cache_url(), url);
    // Warm: a new commit on the remote, fetched into the same cache.
    fx.push_elsewhere("NEWS", "x\n", "news");
    run("mcp=:c2");
    assert_eq!(
        fx.remote_git(&["log", "-1", "--format=%s", "main~1"])
            .trim(),
        "news"
    );
    let tracking = git(
        fx.dir.path(),
        &[
            "--git-dir",
            cached.to_str().unwrap(),
            "rev-parse",
            "refs/remotes/origin/main",
        ],
    );
    assert_eq!(tracking, fx.remote_git(&["rev-parse", "main~1"]));
    // A cache that belongs to another URL is rebuilt, not trusted.
    git(
        fx.dir.path(),
        &[
            "--git-dir",
            cached.to_str().unwrap(),
            "config",
            "imgbump.url",
            "git://elsewhere/x.git",
        ],
    );
    run("model=:c3");
    assert_eq!(cache_url(), url);
    // Corrupt objects: rebuilt.
    for e in std::fs::read_dir(cached.join("objects/pack")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "pack") {
            let len = std::fs::metadata(&p).unwrap().len();
            let f = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
            f.set_len(len / 2).unwrap();
        }
    }
    run("user=:c4");
    // Several processes share the cache one at a time, and all land.
    let n = fx.remote_count();
    let kids: Vec<_> = ["agent", "mcp", "model", "user"]
        .iter()
        .map(|s| {
            fx.cmd()
                .args([
                    "set",
                    &format!("{s}=:shared-{s}"),
                    "--repo",
                    &url,
                    "--cache-dir",
                    cache_s,
                    "-q",
                ])
                .spawn()
                .unwrap()
        })
        .collect();
    for out in wait_all(kids) {
        assert_eq!(code(&out), Some(0), "{}", text(&out));
    }
    assert_eq!(fx.remote_count(), n + 4);
}

/// The paths in `dir` (none if it does not exist).
fn entries(dir: &std::path::Path) -> impl Iterator<Item = std::path::PathBuf> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .map(|e| e.unwrap().path())
}

/// The one repository a `--cache-dir` holds.
fn cache_repo(cache: &std::path::Path) -> std::path::PathBuf {
    let repos: Vec<_> = entries(cache)
        .filter(|p| p.extension().is_some_and(|e| e == "git"))
        .collect();
    assert_eq!(repos.len(), 1, "{repos:?}");
    repos[0].clone()
}

#[test]
fn a_cache_keeps_no_loose_objects_and_starts_again_past_fifty_packs() {
    let fx = Fixture::new();
    let daemon = Daemon::start(fx.dir.path());
    let url = daemon.url("isA_Cloud.git");
    let cache = fx.dir.path().join("cache");
    let n = fx.remote_count();
    let mut most = 0;
    for i in 1..=52 {
        let out = fx.run(&[
            "set",
            &format!("agent=:pack-{i}"),
            "--repo",
            &url,
            "--cache-dir",
            cache.to_str().unwrap(),
            "-q",
        ]);
        assert_eq!(code(&out), Some(0), "run {i}: {}", text(&out));
        let objects = cache_repo(&cache).join("objects");
        // Each run's fetch adds a pack; the commit it pushes is never written loose (loose
        // objects live in objects/XX/, XX two hex digits).
        let packs = entries(&objects.join("pack"))
            .filter(|p| p.extension().is_some_and(|e| e == "pack"))
            .count();
        let loose: usize = entries(&objects)
            .filter(|d| d.file_name().is_some_and(|n| n.len() == 2))
            .map(|d| entries(&d).count())
            .sum();
        assert_eq!(loose, 0, "run {i}: loose objects in the cache");
        if i <= 51 {
            assert_eq!(packs, i, "run {i}");
        } else {
            assert_eq!(packs, 1, "run {i}: the cache was not started again");
        }
        most = most.max(packs);
    }
    assert_eq!(most, 51);
    assert_eq!(fx.remote_count(), n + 52);
    assert!(fx
        .remote_file("deployments/kubernetes/base/applications/agent-deployment.yaml")
        .contains("isa-agent:pack-52"));
}
