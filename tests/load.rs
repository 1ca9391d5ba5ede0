//! Many `imgbump set` processes at once against one remote, with default options: nothing is
//! lost, history stays linear, and every manifest changes in the one line it should.

mod support;

use std::path::Path;
use std::process::Output;

use support::*;

const APPS: &str = "deployments/kubernetes/base/applications";

/// The load tests run one at a time: each is a crowd of its own, and 150 processes racing on
/// two cores measure the machine, not imgbump.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

fn show(remote: &Path, rev: &str, path: &str) -> String {
    git(
        remote,
        &[
            "--git-dir",
            remote.to_str().unwrap(),
            "show",
            &format!("{rev}:{path}"),
        ],
    )
}

fn rgit(remote: &Path, args: &[&str]) -> String {
    let mut all = vec!["--git-dir", remote.to_str().unwrap()];
    all.extend_from_slice(args);
    git(remote, &all)
}

/// Services bumped at once through `url`, default options: all land, each in exactly its one
/// line. Returns the push attempts per landed bump.
fn all_services_land(remote: &Path, url: &str, services: &[String], token: Option<&str>) -> f64 {
    let home = tempfile::tempdir().unwrap();
    let base = rgit(remote, &["rev-parse", "main"]).trim().to_string();
    let before: Vec<String> = services
        .iter()
        .map(|s| show(remote, &base, &format!("{APPS}/{s}-deployment.yaml")))
        .collect();
    let children: Vec<_> = services
        .iter()
        .map(|s| {
            let mut c = imgbump(home.path());
            c.args([
                "set",
                &format!("{s}=:load-{s}"),
                "--repo",
                url,
                "--output",
                "json",
            ]);
            if let Some(t) = token {
                c.env("IMGBUMP_TOKEN", t);
            }
            c.stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<Output> = wait_all(children);
    let landed = outs.iter().filter(|o| o.status.code() == Some(0)).count();
    for o in &outs {
        assert_eq!(o.status.code(), Some(0), "{}", text(o));
        assert_eq!(json(o)["pushed"], true);
    }
    assert_eq!(landed, services.len());
    // Batched (the default): at most one commit per bump, each run's commit on main.
    let commits: usize = rgit(remote, &["rev-list", "--count", &format!("{base}..main")])
        .trim()
        .parse()
        .unwrap();
    assert!((1..=services.len()).contains(&commits), "{commits} commits");
    let on_main = rgit(remote, &["rev-list", &format!("{base}..main")]);
    for o in &outs {
        let commit = json(o)["commit"].as_str().unwrap().to_string();
        assert!(on_main.contains(&commit), "{commit} is not on main");
    }
    assert_eq!(rgit(remote, &["for-each-ref", "refs/imgbump"]), "");
    assert_eq!(
        rgit(remote, &["rev-list", "--merges", "--count", "main"]).trim(),
        "0"
    );
    for (s, old) in services.iter().zip(&before) {
        let new = show(remote, "main", &format!("{APPS}/{s}-deployment.yaml"));
        let (a, b) = one_changed_line(old, &new);
        let image = a
            .split_whitespace()
            .nth(1)
            .unwrap_or_else(|| panic!("{s}: {a}"));
        let repo = image.rsplit_once(':').unwrap().0;
        assert_eq!(b, a.replacen(image, &format!("{repo}:load-{s}"), 1), "{s}");
    }
    let attempts: u64 = outs
        .iter()
        .map(|o| json(o)["attempts"].as_u64().unwrap())
        .sum();
    attempts as f64 / services.len() as f64
}

#[test]
fn forty_six_services_at_once_over_file_urls() {
    let _one = serial();
    let (_dir, remote, services) = gitops_repo(300);
    assert!(services.len() >= 46, "{services:?}");
    all_services_land(
        &remote,
        &format!("file://{}", remote.display()),
        &services[..46],
        None,
    );
}

#[test]
fn forty_six_services_at_once_over_smart_http_with_a_token() {
    let _one = serial();
    let (dir, remote, services) = gitops_repo(300);
    let http = Http::start(dir.path(), Some(TOKEN));
    all_services_land(&remote, &http.url("isa.git"), &services[..46], Some(TOKEN));
}

/// git daemon keeps its default of 32 connections: past it, it cuts the oldest ones, and the
/// bumps whose connection was cut (on the clone, a fetch or the push) try again.
#[test]
fn forty_six_services_at_once_over_git_daemon() {
    let _one = serial();
    let (dir, remote, services) = gitops_repo(300);
    let daemon = Daemon::start(dir.path());
    all_services_land(&remote, &daemon.url("isa.git"), &services[..46], None);
}

#[test]
fn two_hundred_services_at_once_over_git_daemon() {
    let _one = serial();
    let (dir, remote, services) = gitops_repo_of(200, 300);
    assert!(services.len() >= 200, "{}", services.len());
    let daemon = Daemon::start_with(dir.path(), &["--max-connections=0"]);
    let per = all_services_land(&remote, &daemon.url("isa.git"), &services[..200], None);
    eprintln!("200 at once over git daemon: {per:.1} push attempts per landed bump");
}

#[test]
fn two_hundred_services_at_once_over_smart_http() {
    let _one = serial();
    let (dir, remote, services) = gitops_repo_of(200, 300);
    let http = Http::start(dir.path(), Some(TOKEN));
    let per = all_services_land(&remote, &http.url("isa.git"), &services[..200], Some(TOKEN));
    eprintln!("200 at once over smart HTTP: {per:.1} push attempts per landed bump");
}

#[test]
fn ten_processes_bump_one_service_to_ten_tags() {
    let _one = serial();
    let (_dir, remote, _) = gitops_repo(300);
    let home = tempfile::tempdir().unwrap();
    let url = format!("file://{}", remote.display());
    let base = rgit(&remote, &["rev-parse", "main"]).trim().to_string();
    let path = format!("{APPS}/agent-deployment.yaml");
    let before = show(&remote, &base, &path);
    let children: Vec<_> = (0..10)
        .map(|i| {
            imgbump(home.path())
                .args([
                    "set",
                    &format!("agent=:tag-{i}"),
                    "--repo",
                    &url,
                    "--output",
                    "json",
                ])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut landed = 0;
    for o in wait_all(children) {
        match o.status.code() {
            Some(0) => {
                let v = json(&o);
                assert!(v["pushed"] == true || v["changed"] == false, "{v}");
                landed += usize::from(v["pushed"] == true);
            }
            _ => panic!("{}", text(&o)),
        }
    }
    assert!(landed >= 1);
    assert_eq!(
        rgit(&remote, &["rev-list", "--merges", "--count", "main"]).trim(),
        "0"
    );
    assert_eq!(
        rgit(&remote, &["rev-list", "--count", &format!("{base}..main")]).trim(),
        landed.to_string()
    );
    let after = show(&remote, "main", &path);
    let (a, b) = one_changed_line(&before, &after);
    let hits: Vec<usize> = (0..10)
        .filter(|i| {
            b.contains(&format!("isa-agent:tag-{i} "))
                || b.ends_with(&format!("isa-agent:tag-{i}\n"))
        })
        .collect();
    assert_eq!(hits.len(), 1, "{b}");
    let image = a.split_whitespace().nth(1).unwrap();
    assert_eq!(
        b,
        a.replacen(
            image,
            &format!("{}:tag-{}", image.rsplit_once(':').unwrap().0, hits[0]),
            1
        )
    );
}
