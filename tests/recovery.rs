//! imgbump's own failures: a run killed with SIGKILL at random moments never breaks the next
//! one (clone mode with `--cache-dir` through `git daemon` and smart HTTP, a bare path remote,
//! an open checkout), and `git fsck`, the lock files and a plain `git push` say so afterwards;
//! a remote's lock held by someone else is reported with its path; a wrong address fails fast
//! and says what to check, and a refused port is retried within `--connect-timeout`, a line
//! per retry.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use support::*;

/// How many kills each mode is put through.
const KILLS: u32 = 50;

/// A small random number source for kill moments; its seed is printed, so that a failing run
/// can be replayed with `IMGBUMP_KILL_SEED`.
struct Rng(u64);

impl Rng {
    fn new(what: &str) -> Rng {
        let seed = std::env::var("IMGBUMP_KILL_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            });
        eprintln!("{what}: kill moments from IMGBUMP_KILL_SEED={seed}");
        Rng(seed | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n.max(1)
    }
}

fn code(out: &Output) -> Option<i32> {
    out.status.code()
}

/// Every `*.lock` file under `dir`.
fn locks_in(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "lock") {
                found.push(p);
            }
        }
    }
    found
}

/// `git fsck --full` of the repository at `git_dir` finds nothing wrong.
fn fsck_clean(git_dir: &Path) {
    let out = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(git_dir)
        .args(["fsck", "--full", "--no-progress", "--no-dangling"])
        .output()
        .unwrap();
    // A bare cache's HEAD names an unborn branch: a notice, not a fault.
    let faults = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| !l.starts_with("notice:"))
        .count();
    assert!(
        out.status.success() && faults == 0 && out.stdout.is_empty(),
        "git fsck of {}: {}",
        git_dir.display(),
        text(&out)
    );
}

/// A plain clone of the remote commits and pushes with the git CLI: the remote takes pushes.
fn git_still_pushes(fx: &Fixture, tag: &str) {
    let other = fx.clone_elsewhere();
    std::fs::write(other.join("NOTES"), format!("after the kills: {tag}\n")).unwrap();
    git(&other, &["add", "-A"]);
    git(
        &other,
        &["commit", "-qm", "a plain git push after the kills"],
    );
    git(&other, &["push", "-q", "origin", "main"]);
}

/// Kills `args` (imgbump's arguments, `{}` standing for a new tag) at `KILLS` random moments in
/// a run's span, each followed by a normal run that must land its own tag: none may fail.
fn kill_and_rerun(fx: &Fixture, what: &str, args: &[&str], landed: impl Fn(&str) -> bool) {
    let mut rng = Rng::new(what);
    let run = |tag: &str| {
        let a: Vec<String> = args.iter().map(|a| a.replace("{}", tag)).collect();
        fx.cmd().args(&a).output().unwrap()
    };
    // How long a whole run takes here: kills land anywhere in it, and a little past.
    let start = Instant::now();
    let probe = run("probe");
    assert_eq!(code(&probe), Some(0), "{what}: {}", text(&probe));
    let span = start.elapsed().as_micros() as u64 * 5 / 4;
    let mut failed = Vec::new();
    for i in 0..KILLS {
        let tag = format!("k{i}");
        let a: Vec<String> = args.iter().map(|a| a.replace("{}", &tag)).collect();
        let mut child = fx.cmd().args(&a).spawn().unwrap();
        std::thread::sleep(Duration::from_micros(rng.below(span)));
        let _ = child.kill();
        let _ = child.wait();
        let next = format!("n{i}");
        let out = run(&next);
        if code(&out) != Some(0) || !landed(&next) {
            failed.push(format!("after kill {i}: {}", text(&out)));
        }
    }
    assert!(
        failed.is_empty(),
        "{what}: {} of {KILLS} next runs failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

fn agent_has(fx: &Fixture, tag: &str) -> bool {
    fx.remote_file(AGENT).contains(&format!("isa-agent:{tag}"))
}

/// `--cache-dir` through `url`: kills, then the cache, the remote and a plain push are sound.
fn cache_survives_kills(fx: &Fixture, url: &str, what: &str) {
    let cache = fx.dir.path().join(format!("cache-{what}"));
    let cache_s = cache.to_str().unwrap().to_string();
    let args = [
        "set",
        "-q",
        "--cache-dir",
        &cache_s,
        "--repo",
        url,
        "agent=:{}",
    ];
    kill_and_rerun(fx, what, &args, |tag| agent_has(fx, tag));
    for repo in std::fs::read_dir(&cache).unwrap().flatten() {
        let p = repo.path();
        if p.extension().is_some_and(|x| x == "git") {
            fsck_clean(&p);
            assert!(locks_in(&p).is_empty(), "{:?}", locks_in(&p));
        }
    }
    fsck_clean(&fx.remote);
    assert!(
        locks_in(&fx.remote).is_empty(),
        "{:?}",
        locks_in(&fx.remote)
    );
    git_still_pushes(fx, what);
}

#[test]
fn killed_runs_with_a_cache_through_git_daemon_never_break_the_next() {
    let fx = Fixture::new();
    let daemon = Daemon::start(fx.dir.path());
    cache_survives_kills(&fx, &daemon.url("isA_Cloud.git"), "daemon");
}

#[test]
fn killed_runs_with_a_cache_through_smart_http_never_break_the_next() {
    let fx = Fixture::new();
    let http = Http::start(fx.dir.path(), None);
    cache_survives_kills(&fx, &http.url("isA_Cloud.git"), "http");
}

#[test]
fn killed_runs_pushing_to_a_bare_path_never_lock_it() {
    let fx = Fixture::new();
    let remote = fx.remote.to_str().unwrap().to_string();
    let args = ["set", "-q", "--repo", &remote, "agent=:{}"];
    kill_and_rerun(&fx, "bare path", &args, |tag| agent_has(&fx, tag));
    fsck_clean(&fx.remote);
    assert!(
        locks_in(&fx.remote).is_empty(),
        "{:?}",
        locks_in(&fx.remote)
    );
    git_still_pushes(&fx, "bare path");
}

#[test]
fn killed_runs_in_a_checkout_are_put_back_by_the_next() {
    let fx = Fixture::new();
    std::fs::write(fx.checkout.join("mine.txt"), "uncommitted work\n").unwrap();
    let checkout = fx.checkout.to_str().unwrap().to_string();
    let args = ["set", "-q", "-C", &checkout, "agent=:{}"];
    kill_and_rerun(&fx, "checkout", &args, |tag| agent_has(&fx, tag));
    let dot_git = fx.checkout.join(".git");
    fsck_clean(&dot_git);
    assert!(locks_in(&dot_git).is_empty(), "{:?}", locks_in(&dot_git));
    assert!(!dot_git.join("imgbump.lock").exists());
    // The user's file untouched, nothing of imgbump's left in the work tree.
    assert_eq!(
        std::fs::read_to_string(fx.checkout.join("mine.txt")).unwrap(),
        "uncommitted work\n"
    );
    assert_eq!(
        git(&fx.checkout, &["status", "--porcelain"]),
        "?? mine.txt\n"
    );
    git_still_pushes(&fx, "checkout");
}

/// The edit of a run killed between writing the manifest and committing is put back by the
/// next run, which says so; a file changed since is the user's and stays.
#[test]
fn a_dead_runs_recorded_edit_is_rolled_back_and_a_users_change_kept() {
    let fx = Fixture::new();
    let path = fx.checkout.join(AGENT);
    let original = std::fs::read_to_string(&path).unwrap();
    let parent = git(&fx.checkout, &["rev-parse", "HEAD"]);
    // What a killed run leaves: its commit made, the file written, the branch not moved, and
    // its lock naming a process that is gone.
    let edited = original.replace("isa-agent:sha-cbad391", "isa-agent:dead");
    std::fs::write(&path, &edited).unwrap();
    git(&fx.checkout, &["add", AGENT]);
    let tree = git(&fx.checkout, &["write-tree"]);
    let commit = git(
        &fx.checkout,
        &[
            "commit-tree",
            tree.trim(),
            "-p",
            parent.trim(),
            "-m",
            "dead run",
        ],
    );
    let dead = std::process::Command::new("true").spawn().unwrap();
    let pid = dead.id();
    let mut dead = dead;
    dead.wait().unwrap();
    let lock = fx.checkout.join(".git/imgbump.lock");
    std::fs::write(
        &lock,
        format!("{pid}\nedit {} {}\n", parent.trim(), commit.trim()),
    )
    .unwrap();
    let out = fx.run(&["set", "agent=:next", "-C", fx.checkout.to_str().unwrap()]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("put back"), "{said}");
    assert!(agent_has(&fx, "next"));
    // One commit on the remote: the new image only, the dead run's never pushed.
    let diff = fx.remote_git(&["diff", "HEAD~1", "HEAD", "--stat"]);
    assert!(
        diff.contains("1 file changed, 1 insertion(+), 1 deletion(-)"),
        "{diff}"
    );
    assert!(!fx.remote_git(&["log", "--format=%s"]).contains("dead run"));

    // The same record, but the user changed the file since: left alone, and the run refuses
    // to touch the uncommitted change, as it always does.
    let mine = std::fs::read_to_string(&path)
        .unwrap()
        .replace("isa-agent:next", "isa-agent:mine");
    std::fs::write(&path, &mine).unwrap();
    let head = git(&fx.checkout, &["rev-parse", "HEAD"]);
    std::fs::write(
        &lock,
        format!("{pid}\nedit {} {}\n", head.trim(), commit.trim()),
    )
    .unwrap();
    let out = fx.run(&["set", "agent=:again", "-C", fx.checkout.to_str().unwrap()]);
    assert_eq!(code(&out), Some(4), "{}", text(&out));
    assert!(text(&out).contains("uncommitted changes"), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), mine);
}

/// A lock on the remote's branch held by someone else (a stuck or killed push): reported with
/// its path after a short wait, through the remote's receive-pack and through git daemon.
#[test]
fn a_held_remote_lock_is_reported_with_its_path_after_a_short_wait() {
    let fx = Fixture::new();
    let held = fx.remote.join("refs/heads/main.lock");
    std::fs::write(&held, "").unwrap();
    let daemon = Daemon::start(fx.dir.path());
    for url in [fx.url(), daemon.url("isA_Cloud.git")] {
        let out = fx.run(&["set", "agent=:locked", "--repo", &url]);
        assert_eq!(code(&out), Some(5), "{url}: {}", text(&out));
        let said = text(&out);
        assert!(
            said.contains("main.lock") && said.contains("is locked"),
            "{said}"
        );
    }
    std::fs::remove_file(&held).unwrap();
    let out = fx.run(&["set", "agent=:unlocked", "--repo", &fx.url()]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
}

/// Addresses that no retry can fix fail at once, saying what to check; a refused port is
/// retried within --connect-timeout, a line per retry, and none with -q.
#[test]
fn wrong_addresses_fail_fast_and_refused_ports_are_retried_within_their_budget() {
    let fx = Fixture::new();
    // At once: not tried again (no "trying again" line), whatever the machine's load; a wall
    // clock bound would judge the machine, not imgbump.
    let quick = |args: &[&str], needle: &str| {
        let out = fx.run(args);
        assert_eq!(code(&out), Some(1), "{args:?}: {}", text(&out));
        assert!(text(&out).contains(needle), "{args:?}: {}", text(&out));
        assert!(
            !text(&out).contains("trying again"),
            "{args:?}: {}",
            text(&out)
        );
    };
    quick(
        &[
            "get",
            "agent",
            "--repo",
            "https://nonexistent.invalid/x.git",
        ],
        "cannot be resolved",
    );
    quick(
        &[
            "set",
            "agent=:x",
            "--repo",
            "git://nonexistent.invalid/x.git",
        ],
        "cannot be resolved",
    );
    // TLS with a CA nobody trusts.
    let http = Http::start(fx.dir.path(), Some("s3cr3t-token"));
    let tls = Tls::start(http.port);
    quick(
        &["set", "agent=:x", "--repo", &tls.url("isA_Cloud.git")],
        "TLS",
    );
    // 404: no such repository; 401: no credentials.
    quick(
        &["set", "agent=:x", "--repo", &http.url("nothing-here.git")],
        "authentication",
    );
    let open = Http::start(fx.dir.path(), None);
    quick(
        &["set", "agent=:x", "--repo", &open.url("nothing-here.git")],
        "404",
    );

    // A refused port: retried, a line each, until --connect-timeout.
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/x.git");
    let out = fx.run(&["set", "agent=:x", "--repo", &url, "--connect-timeout", "2s"]);
    assert_eq!(code(&out), Some(1), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stderr);
    // Tried again (how often depends on how busy the machine is; the run stops before a wait
    // that would overrun the budget, so it may end well before 2 s), and the budget named.
    let retries = said.matches("trying again in").count();
    assert!(retries >= 1, "{said}");
    assert!(said.contains("--connect-timeout"), "{said}");
    let out = fx.run(&[
        "set",
        "-q",
        "agent=:x",
        "--repo",
        &url,
        "--connect-timeout",
        "1s",
    ]);
    assert_eq!(code(&out), Some(1));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("trying again"));
}
