//! Faults: a hook that refuses, a server that dies mid-transfer, a remote that changes between
//! fetch and push, an empty repository, a process killed while writing. Each leaves the remote
//! and the local repository consistent and says what happened.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use support::*;

fn code(out: &std::process::Output) -> Option<i32> {
    out.status.code()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// No `imgbump-*` directory is left in `tmp`.
fn no_stray_dirs(tmp: &Path) {
    let left: Vec<_> = std::fs::read_dir(tmp)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    assert!(
        left.iter()
            .all(|n| !n.to_string_lossy().starts_with("imgbump")),
        "left behind: {left:?}"
    );
}

#[test]
fn a_pre_receive_hook_refusal_is_exit_5_with_its_message_and_no_retry() {
    let fx = Fixture::new();
    let log = fx.dir.path().join("hook.log");
    let hook = fx.remote.join("hooks/pre-receive");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\necho run >> {}\necho 'policy: images must come from ECR' >&2\nexit 1\n",
            log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let daemon = Daemon::start(fx.dir.path());
    let n = fx.remote_count();
    let out = fx.run(&[
        "set",
        "agent=:v1",
        "--repo",
        &daemon.url("isA_Cloud.git"),
        "--retries",
        "5",
    ]);
    assert_eq!(code(&out), Some(5), "{}", text(&out));
    assert!(
        stderr(&out).contains("policy: images must come from ECR"),
        "{}",
        text(&out)
    );
    assert_eq!(
        std::fs::read_to_string(&log).unwrap().lines().count(),
        1,
        "the hook ran more than once"
    );
    assert_eq!(fx.remote_count(), n);
}

#[test]
fn the_server_dying_mid_transfer_fails_cleanly() {
    let fx = Fixture::new();
    let daemon = Daemon::start(fx.dir.path());
    let tmp = fx.dir.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let n = fx.remote_count();
    let head = fx.remote_git(&["rev-parse", "main"]);
    // With --branch, connection 0 is the fetch and connection 1 the push.
    for (what, fault) in [
        (
            "clone: the server stops after 300 bytes",
            (0, Fault::CutServer(300)),
        ),
        (
            "clone: the server stops mid-pack",
            (0, Fault::CutServer(3000)),
        ),
        ("push: the client's pack is cut", (1, Fault::CutClient(400))),
        (
            "push: the server's answer is cut",
            (1, Fault::CutServer(50)),
        ),
    ] {
        let proxy = Proxy::start(daemon.port, vec![fault]);
        let url = format!("git://127.0.0.1:{}/isA_Cloud.git", proxy.port);
        // TMPDIR is ours, to see that no clone directory is left behind.
        let out = fx
            .cmd()
            .args([
                "set",
                "agent=:cut",
                "--repo",
                &url,
                "--branch",
                "main",
                "--retries",
                "0",
                "--author",
                "T <t@localhost>",
            ])
            .env("TMPDIR", &tmp)
            .output()
            .unwrap();
        assert_ne!(code(&out), Some(0), "{what}: {}", text(&out));
        // The error comes first, after the notice that the commit was imgbump's own.
        let said = stderr(&out);
        let said = said
            .strip_prefix("imgbump: no git identity (user.name, user.email): the commit is made as imgbump <imgbump@localhost>; set them, or pass --author \"NAME <EMAIL>\"\n")
            .unwrap_or(&said);
        assert!(
            said.starts_with("imgbump: error: "),
            "{what}: {}",
            text(&out)
        );
        // Nothing partial on the remote: the branch is where it was and the repository is whole.
        assert_eq!(fx.remote_git(&["rev-parse", "main"]), head, "{what}");
        assert_eq!(fx.remote_count(), n, "{what}");
        fx.remote_git(&["fsck", "--no-dangling"]);
        no_stray_dirs(&tmp);
    }
}

/// Runs a bump through a proxy that holds the push connection while `meanwhile` changes the
/// remote, then lets it through.
fn with_remote_changed_before_push(
    fx: &Fixture,
    args: &[&str],
    meanwhile: impl FnOnce(),
) -> std::process::Output {
    let daemon = Daemon::start(fx.dir.path());
    let proxy = Proxy::start(daemon.port, vec![(1, Fault::Pause)]);
    let url = format!("git://127.0.0.1:{}/isA_Cloud.git", proxy.port);
    let mut all = vec![
        "set", "--repo", &url, "--branch", "main", "--output", "json",
    ];
    all.extend_from_slice(args);
    let child = fx
        .cmd()
        .args(&all)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    assert_eq!(
        proxy.paused.recv_timeout(Duration::from_secs(30)).unwrap(),
        1
    );
    meanwhile();
    proxy.release();
    child.wait_with_output().unwrap()
}

#[test]
fn the_branch_deleted_between_clone_and_push_is_not_recreated() {
    let fx = Fixture::new();
    git(
        fx.dir.path(),
        &[
            "--git-dir",
            fx.remote.to_str().unwrap(),
            "branch",
            "keep",
            "main",
        ],
    );
    let out = with_remote_changed_before_push(&fx, &["agent=:v1"], || {
        git(
            fx.dir.path(),
            &[
                "--git-dir",
                fx.remote.to_str().unwrap(),
                "update-ref",
                "-d",
                "refs/heads/main",
            ],
        );
    });
    assert_eq!(code(&out), Some(3), "{}", text(&out));
    assert!(stderr(&out).contains("no longer exists"), "{}", text(&out));
    assert!(
        fx.remote_git(&["branch", "--list", "main"])
            .trim()
            .is_empty(),
        "main was recreated"
    );
}

#[test]
fn a_force_push_between_clone_and_push_is_followed_and_nothing_is_lost() {
    let fx = Fixture::new();
    let out = with_remote_changed_before_push(&fx, &["agent=:v2"], || {
        // Someone rewrites main: a new root commit with the same files plus one.
        let other = fx.clone_elsewhere();
        git(&other, &["checkout", "-q", "--orphan", "rewritten"]);
        std::fs::write(other.join("REWRITTEN"), "yes\n").unwrap();
        git(&other, &["add", "-A"]);
        git(&other, &["commit", "-qm", "rewritten history"]);
        git(
            &other,
            &["push", "-q", "--force", "origin", "rewritten:main"],
        );
    });
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    let v = json(&out);
    assert_eq!(
        (v["pushed"].as_bool(), v["attempts"].as_u64()),
        (Some(true), Some(2))
    );
    assert_eq!(
        fx.remote_git(&["log", "-1", "--format=%s", "main~1"])
            .trim(),
        "rewritten history"
    );
    assert!(fx.remote_file(AGENT).contains("isa-agent:v2"));
    assert_eq!(fx.remote_file("REWRITTEN"), "yes\n");
}

#[test]
fn the_manifest_deleted_on_the_new_tip_is_a_clear_not_found() {
    let fx = Fixture::new();
    let n = fx.remote_count();
    let out = with_remote_changed_before_push(&fx, &["agent=:v3"], || {
        let other = fx.clone_elsewhere();
        git(&other, &["rm", "-q", AGENT]);
        git(&other, &["commit", "-qm", "retire agent"]);
        git(&other, &["push", "-q", "origin", "main"]);
    });
    assert_eq!(code(&out), Some(3), "{}", text(&out));
    assert!(
        json(&out)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("does not exist"),
        "{}",
        text(&out)
    );
    assert_eq!(fx.remote_count(), n + 1);
    assert_eq!(
        fx.remote_git(&["log", "-1", "--format=%s"]).trim(),
        "retire agent"
    );
}

#[test]
fn a_shallow_clone_follows_a_rewritten_history() {
    let fx = Fixture::new();
    // Some history first, so that depth 1 is really shallow.
    let other = fx.clone_elsewhere();
    for i in 0..3 {
        std::fs::write(other.join("CHANGELOG"), format!("{i}\n")).unwrap();
        git(&other, &["add", "-A"]);
        git(&other, &["commit", "-qm", &format!("change {i}")]);
    }
    git(&other, &["push", "-q", "origin", "main"]);
    let out = with_remote_changed_before_push(&fx, &["mcp=:v4", "--depth", "1"], || {
        git(&other, &["reset", "-q", "--hard", "HEAD~2"]);
        std::fs::write(other.join("CHANGELOG"), "amended\n").unwrap();
        git(&other, &["commit", "-qam", "amended history"]);
        git(&other, &["push", "-q", "--force", "origin", "main"]);
    });
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert_eq!(
        fx.remote_git(&["log", "-1", "--format=%s", "main~1"])
            .trim(),
        "amended history"
    );
    assert!(fx
        .remote_file("deployments/kubernetes/base/applications/mcp-deployment.yaml")
        .contains("isa-mcp:v4"));
}

#[test]
fn an_empty_repository_is_a_clear_error() {
    let fx = Fixture::new();
    let empty = fx.dir.path().join("empty.git");
    git(
        fx.dir.path(),
        &["init", "-q", "--bare", empty.to_str().unwrap()],
    );
    let daemon = Daemon::start(fx.dir.path());
    for url in [
        format!("file://{}", empty.display()),
        daemon.url("empty.git"),
    ] {
        let out = fx.run(&["set", "agent=:v1", "--repo", &url]);
        assert_eq!(code(&out), Some(3), "{url}: {}", text(&out));
        assert!(
            stderr(&out).contains("is empty: it has no branch"),
            "{url}: {}",
            text(&out)
        );
    }
    let work = fx.dir.path().join("fresh");
    git(fx.dir.path(), &["init", "-q", work.to_str().unwrap()]);
    let out = fx.run(&["set", "agent=:v1", "-C", work.to_str().unwrap()]);
    assert_eq!(code(&out), Some(3), "{}", text(&out));
    assert!(stderr(&out).contains("is empty"), "{}", text(&out));
}

#[test]
fn sigkill_while_writing_leaves_the_old_or_the_new_file() {
    let fx = Fixture::new();
    // A large manifest makes the run long enough to be killed at many points.
    let path = fx.checkout.join(AGENT);
    let original = std::fs::read_to_string(&path).unwrap();
    let padding: String = (0..40_000)
        .map(|i| format!("# padding line {i} ..........................................\n"))
        .collect();
    let big = format!("{original}{padding}");
    std::fs::write(&path, &big).unwrap();
    git(&fx.checkout, &["commit", "-qam", "big manifest"]);
    std::fs::write(fx.checkout.join("mine.txt"), "uncommitted work\n").unwrap();
    let new = big.replace("isa-agent:sha-cbad391", "isa-agent:killed");
    let start = std::time::Instant::now();
    let full = fx.run(&[
        "set",
        "agent=:probe",
        "-C",
        fx.checkout.to_str().unwrap(),
        "--no-push",
        "--dry-run",
    ]);
    assert_eq!(code(&full), Some(0), "{}", text(&full));
    let span = start.elapsed().max(Duration::from_millis(20));
    let mut outcomes = [0usize; 2];
    for i in 0..16u32 {
        let mut child = fx
            .cmd()
            .args([
                "set",
                "agent=:killed",
                "-C",
                fx.checkout.to_str().unwrap(),
                "--no-push",
                "-q",
            ])
            .spawn()
            .unwrap();
        std::thread::sleep(span * i / 12);
        let _ = child.kill();
        let _ = child.wait();
        let now = std::fs::read_to_string(&path).unwrap();
        assert!(
            now == big || now == new,
            "the manifest is half-written after a kill at step {i}"
        );
        outcomes[usize::from(now == new)] += 1;
        assert_eq!(
            std::fs::read_to_string(fx.checkout.join("mine.txt")).unwrap(),
            "uncommitted work\n"
        );
        // The next run recovers what the killed one left (its lock, the locks it held, the
        // edit it had not committed) and finishes the job, without a human.
        let again = fx.run(&[
            "set",
            "agent=:killed",
            "-C",
            fx.checkout.to_str().unwrap(),
            "--no-push",
            "-q",
        ]);
        assert_eq!(
            code(&again),
            Some(0),
            "after a kill at step {i}: {}",
            text(&again)
        );
        assert!(!fx.checkout.join(".git/imgbump.lock").exists());
        git(&fx.checkout, &["reset", "-q", "--hard", "HEAD"]);
        let head_msg = git(&fx.checkout, &["log", "-1", "--format=%s"]);
        if head_msg.trim() != "big manifest" {
            git(&fx.checkout, &["reset", "-q", "--hard", "HEAD~1"]);
        }
        std::fs::write(fx.checkout.join("mine.txt"), "uncommitted work\n").unwrap();
    }
    // The work tree holds no temporary file of ours.
    let stray = git(&fx.checkout, &["status", "--porcelain", "--ignored"]);
    assert_eq!(stray, "?? mine.txt\n", "{stray}");
    assert!(
        outcomes[0] > 0,
        "never killed before the write: {outcomes:?}"
    );
}

/// `imgbump set PAIR --branch main ARGS…` through a proxy that applies `faults` in front of the
/// daemon (with --branch, connection 0 fetches and 1 pushes; a retry fetches on 2, pushes on 3).
fn set_through(
    fx: &Fixture,
    daemon: &Daemon,
    faults: Vec<(usize, Fault)>,
    pair: &str,
    args: &[&str],
) -> std::process::Output {
    let proxy = Proxy::start(daemon.port, faults);
    let url = format!("git://127.0.0.1:{}/isA_Cloud.git", proxy.port);
    let mut all = vec!["set", pair, "--repo", &url, "--branch", "main"];
    all.extend_from_slice(args);
    fx.run(&all)
}

/// `pair` set through a proxy that plays `fault` on the push's connection (the clone's is the
/// first): it must land; the attempts its JSON counts, and what it said on stderr.
fn lands_through(fx: &Fixture, daemon: &Daemon, fault: Fault, pair: &str) -> (u64, String) {
    let out = set_through(fx, daemon, vec![(1, fault)], pair, &["--output", "json"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    let v = json(&out);
    assert_eq!(v["pushed"].as_bool(), Some(true), "{v}");
    (v["attempts"].as_u64().unwrap_or(0), stderr(&out))
}

#[test]
fn a_push_cut_mid_transfer_is_retried_and_lands_once() {
    let fx = Fixture::new();
    let daemon = Daemon::start(fx.dir.path());
    let n = fx.remote_count();
    let (attempts, _) = lands_through(&fx, &daemon, Fault::CutClient(400), "agent=:after-cut");
    assert_eq!(attempts, 2);
    assert_eq!(fx.remote_count(), n + 1);
    assert!(fx.remote_file(AGENT).contains("isa-agent:after-cut"));
    // The fetch after the cut push is cut too: it is tried again, and the bump still lands.
    let faults = vec![(1, Fault::CutClient(400)), (2, Fault::CutServer(200))];
    let out = set_through(
        &fx,
        &daemon,
        faults,
        "agent=:after-two-cuts",
        &["--output", "json"],
    );
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert_eq!(fx.remote_count(), n + 2);
    assert!(fx.remote_file(AGENT).contains("isa-agent:after-two-cuts"));
    // With no retries left, the cut is reported as such, and nothing lands.
    let out = set_through(
        &fx,
        &daemon,
        vec![(1, Fault::CutClient(400))],
        "agent=:cut-again",
        &["--retries", "0"],
    );
    assert_eq!(code(&out), Some(5), "{}", text(&out));
    assert!(
        stderr(&out).contains("failed once (the connection was cut), the last with"),
        "{}",
        text(&out)
    );
    assert_eq!(fx.remote_count(), n + 2);
    assert!(!fx.remote_file(AGENT).contains("cut-again"));
}

/// A push whose connection ends before the server says a word sent nothing: it is made again
/// as it is, with no fetch to find out what landed (before, it was taken for a cut push: a
/// wait, a fetch and a new plan, a pack-objects on the server for each).
#[test]
fn a_push_that_cannot_connect_is_made_again_without_a_fetch() {
    let fx = Fixture::new();
    let daemon = Daemon::start(fx.dir.path());
    let n = fx.remote_count();
    // Connection 0 is the clone's, 1 the push's: closed before the server's first byte.
    let (attempts, err) = lands_through(&fx, &daemon, Fault::CutServer(0), "agent=:unconnected");
    // One push reached the remote, and landed.
    assert_eq!(attempts, 1);
    assert!(
        err.contains("to push: ") && err.contains("trying again in"),
        "{err}"
    );
    assert!(!err.contains("fetched again"), "{err}");
    assert_eq!(fx.remote_count(), n + 1);
    assert!(fx.remote_file(AGENT).contains("isa-agent:unconnected"));
    // With no time left to connect, it fails saying nothing was pushed.
    let faults = (1..40).map(|i| (i, Fault::CutServer(0))).collect();
    let out = set_through(
        &fx,
        &daemon,
        faults,
        "agent=:never-connected",
        &["--connect-timeout", "1"],
    );
    assert_eq!(code(&out), Some(5), "{}", text(&out));
    assert!(
        stderr(&out).contains("to push, the last time with:")
            && stderr(&out).contains("nothing was pushed"),
        "{}",
        text(&out)
    );
    assert_eq!(fx.remote_count(), n + 1);
}

/// Runs in one checkout go one at a time: several at once all land, and leave the checkout
/// clean (before, two of a dozen failed with "cannot move branch" and left the manifest
/// staged).
#[test]
fn runs_in_one_checkout_take_turns_and_leave_it_clean() {
    let fx = Fixture::new();
    let co = fx.checkout.to_str().unwrap().to_string();
    let n = fx.remote_count();
    let services = ["agent", "mcp", "model", "user"];
    let children: Vec<_> = (0..8)
        .map(|i| {
            fx.cmd()
                .args(["set", "-C", &co, &format!("{}=:turn-{i}", services[i % 4])])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for out in wait_all(children) {
        assert_eq!(code(&out), Some(0), "{}", text(&out));
    }
    assert_eq!(git(&fx.checkout, &["status", "--porcelain"]), "");
    assert!(fx.remote_count() > n);
    assert!(!fx.checkout.join(".git/imgbump.lock").exists());
    assert_eq!(
        git(&fx.checkout, &["rev-parse", "HEAD"]),
        fx.remote_git(&["rev-parse", "main"])
    );
}

/// A lock left by an imgbump that is gone (killed) is removed by the next run, with the index
/// lock it held, and said so; a lock held by a live process is waited for, never taken.
#[test]
fn a_killed_runs_locks_are_recovered_and_a_live_ones_respected() {
    let fx = Fixture::new();
    let co = fx.checkout.to_str().unwrap().to_string();
    let git_dir = fx.checkout.join(".git");
    // A live holder: waited for until --timeout, the checkout untouched.
    let mut live = Command::new("sleep").arg("30").spawn().unwrap();
    std::fs::write(git_dir.join("imgbump.lock"), format!("{}\n", live.id())).unwrap();
    let index = std::fs::read(git_dir.join("index")).unwrap();
    let out = fx.run(&["set", "-C", &co, "--timeout", "1s", "agent=:blocked"]);
    assert_fails(&out, 1, "another imgbump", "a live lock");
    assert!(
        stderr(&out).contains("waiting for another imgbump"),
        "{}",
        text(&out)
    );
    assert!(git_dir.join("imgbump.lock").exists());
    assert_eq!(std::fs::read(git_dir.join("index")).unwrap(), index);
    let _ = live.kill();
    let _ = live.wait();
    // Now its process is gone: the lock is stale. A killed imgbump also left the index.lock
    // and the branch's lock it had recorded taking; a lock it did not record (another
    // branch's, a live git's) stays.
    let id = |name: &str| {
        use std::os::unix::fs::MetadataExt;
        std::fs::write(git_dir.join(name), "").unwrap();
        let m = std::fs::metadata(git_dir.join(name)).unwrap();
        format!("{}:{}", m.dev(), m.ino())
    };
    let (index_id, ref_id) = (id("index.lock"), id("refs/heads/main.lock"));
    std::fs::write(git_dir.join("refs/heads/other.lock"), "").unwrap();
    std::fs::write(
        git_dir.join("imgbump.lock"),
        format!(
            "{}\nindex.lock {index_id}\nrefs/heads/main.lock {ref_id}\n../../escape.lock 1:1\n",
            live.id()
        ),
    )
    .unwrap();
    let out = fx.run(&["set", "-C", &co, "agent=:recovered"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert!(
        stderr(&out).contains(
            "which is no longer running, and the locks it held (index.lock, refs/heads/main.lock)"
        ),
        "{}",
        text(&out)
    );
    assert!(!git_dir.join("imgbump.lock").exists());
    assert!(!git_dir.join("index.lock").exists());
    assert!(!git_dir.join("refs/heads/main.lock").exists());
    assert!(git_dir.join("refs/heads/other.lock").exists());
    std::fs::remove_file(git_dir.join("refs/heads/other.lock")).unwrap();
    assert_eq!(git(&fx.checkout, &["status", "--porcelain"]), "");
    assert!(fx.remote_file(AGENT).contains("isa-agent:recovered"));
}

/// SIGTERM and SIGINT end a run at a safe point, as git's do: a clone the server holds ends,
/// and its scratch clone is removed; in a checkout whose push the server holds, the local
/// commit already made stays, the checkout is clean and no lock is left; the remote gets
/// nothing; the exit code is 128 + the signal.
#[test]
fn sigterm_and_sigint_end_a_run_at_a_safe_point() {
    let fx = Fixture::new();
    let daemon = Daemon::start(fx.dir.path());
    let tmp = fx.dir.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let n = fx.remote_count();
    // `imgbump ARGS` (with `url` the proxy's) while the proxy holds its first connection;
    // then `sig`; what it printed and how it ended.
    // `held`: which connection the proxy holds (a checkout's run fetches first, to see where
    // it stands, then pushes).
    let signalled = |args: &dyn Fn(&str) -> Vec<String>, sig: i32, held: usize| {
        let proxy = Proxy::start(daemon.port, vec![(held, Fault::Pause)]);
        let url = format!("git://127.0.0.1:{}/isA_Cloud.git", proxy.port);
        let child = fx
            .cmd()
            .args(args(&url))
            .env("TMPDIR", &tmp)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        assert_eq!(
            proxy.paused.recv_timeout(Duration::from_secs(30)).unwrap(),
            held
        );
        // SAFETY: signalling our own child process.
        unsafe { libc::kill(child.id() as libc::pid_t, sig) };
        let out = child.wait_with_output().unwrap();
        proxy.release();
        out
    };
    // The clone held by the server: SIGTERM.
    let out = signalled(
        &|url| {
            ["set", "--repo", url, "--branch", "main", "agent=:term"]
                .map(String::from)
                .to_vec()
        },
        libc::SIGTERM,
        0,
    );
    assert_eq!(code(&out), Some(143), "{}", text(&out));
    assert!(
        stderr(&out).contains("interrupted by SIGTERM"),
        "{}",
        text(&out)
    );
    no_stray_dirs(&tmp);
    // A checkout whose push the server holds: SIGINT.
    let co = fx.checkout.to_str().unwrap().to_string();
    let out = signalled(
        &|url| {
            git(&fx.checkout, &["remote", "set-url", "origin", url]);
            ["set", "-C", &co, "agent=:int"].map(String::from).to_vec()
        },
        libc::SIGINT,
        1,
    );
    assert_eq!(code(&out), Some(130), "{}", text(&out));
    assert!(
        stderr(&out).contains("interrupted by SIGINT"),
        "{}",
        text(&out)
    );
    assert!(
        stderr(&out).contains("stays on the local branch main"),
        "{}",
        text(&out)
    );
    assert_eq!(git(&fx.checkout, &["status", "--porcelain"]), "");
    assert!(std::fs::read_to_string(fx.checkout.join(AGENT))
        .unwrap()
        .contains("isa-agent:int"));
    for lock in ["imgbump.lock", "index.lock", "refs/heads/main.lock"] {
        assert!(
            !fx.checkout.join(".git").join(lock).exists(),
            "{lock} left behind"
        );
    }
    assert_eq!(fx.remote_count(), n);
}

/// A run killed outright (SIGKILL) leaves its scratch clone; the next run removes it (its pid
/// is in the name and gone), and never a live run's.
#[test]
fn a_killed_runs_scratch_clone_is_swept_by_the_next_run() {
    let fx = Fixture::new();
    let daemon = Daemon::start(fx.dir.path());
    let tmp = fx.dir.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let proxy = Proxy::start(daemon.port, vec![(0, Fault::Pause)]);
    let url = format!("git://127.0.0.1:{}/isA_Cloud.git", proxy.port);
    let mut child = fx
        .cmd()
        .args(["set", "--repo", &url, "--branch", "main", "agent=:killed"])
        .env("TMPDIR", &tmp)
        .spawn()
        .unwrap();
    assert_eq!(
        proxy.paused.recv_timeout(Duration::from_secs(30)).unwrap(),
        0
    );
    let _ = child.kill();
    let _ = child.wait();
    proxy.release();
    let left: Vec<_> = std::fs::read_dir(&tmp)
        .unwrap()
        .filter_map(|e| e.ok())
        .collect();
    assert_eq!(left.len(), 1, "the killed run's scratch clone");
    // A live run's scratch directory (our own pid) is not touched.
    let mine = tmp.join(format!("imgbump-{}-live", std::process::id()));
    std::fs::create_dir_all(&mine).unwrap();
    let out = fx
        .cmd()
        .args([
            "set",
            "--repo",
            &daemon.url("isA_Cloud.git"),
            "agent=:after",
        ])
        .env("TMPDIR", &tmp)
        .output()
        .unwrap();
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    let left: Vec<_> = std::fs::read_dir(&tmp)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    assert_eq!(left, std::slice::from_ref(&mine));
    std::fs::remove_dir_all(&mine).unwrap();
}

/// A server started by a test is ended when the test fails before it is used (a wait for its
/// port that times out): `Owned` ends and reaps it while unwinding, so no failing test leaves a
/// process behind.
#[test]
fn a_server_is_ended_when_its_test_panics() {
    let pid = std::sync::Mutex::new(0);
    let failed = std::panic::catch_unwind(|| {
        let server = Owned::server(Command::new("sleep").arg("30"));
        *pid.lock().unwrap() = server.0.id();
        panic!("a wait for the server's port timed out");
    });
    assert!(failed.is_err());
    let pid = *pid.lock().unwrap() as libc::pid_t;
    assert!(pid > 0);
    // SAFETY: kill(2) with signal 0 only asks whether the process exists.
    assert_eq!(
        unsafe { libc::kill(pid, 0) },
        -1,
        "sleep {pid} outlived its test"
    );
}
