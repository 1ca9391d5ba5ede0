//! Where a run stands against the remote, told truthfully: a checkout behind, ahead of or
//! diverged from its upstream, every refusal leaving branch, index and work tree as they were;
//! and failures that can never succeed (no repository at the address, a web page where Git was
//! expected) failing at once, while refused connections and 5xx answers are tried again.

mod support;

use support::*;

fn code(out: &std::process::Output) -> Option<i32> {
    out.status.code()
}

/// `imgbump get agent --repo URL`, with a connect budget long enough for several retries.
fn get_from(fx: &Fixture, url: &str) -> std::process::Output {
    fx.run(&["get", "agent", "--repo", url, "--connect-timeout", "5s"])
}

/// A failure that another try cannot change: exit 1 at once, no "trying again", and the
/// words that say what to check.
fn fails_at_once(out: &std::process::Output, check: &str, what: &str) {
    let all = text(out);
    assert_eq!(code(out), Some(1), "{what}: {all}");
    assert!(!all.contains("trying again"), "{what} was retried: {all}");
    assert!(!all.contains("connecting failed"), "{what}: {all}");
    assert!(all.contains(check), "{what}: {all}");
}

#[test]
fn an_address_with_no_repository_fails_at_once() {
    let fx = Fixture::new();
    let missing = format!("file://{}", fx.dir.path().join("nope.git").display());
    fails_at_once(
        &get_from(&fx, &missing),
        "there is no repository at this path on this machine: check the path",
        "a file:// path that does not exist",
    );
    let daemon = Daemon::start(fx.dir.path());
    fails_at_once(
        &get_from(&fx, &daemon.url("nothere.git")),
        "the git daemon serves no repository at this path: check the URL's path, and that the repository is exported",
        "git daemon's access denied",
    );
    let page = WebPage::start("200 OK");
    fails_at_once(
        &get_from(&fx, &page.url("isA_Cloud.git")),
        "the server answered with a web page, not Git: check the URL",
        "a smart-HTTP URL answered with HTML",
    );
    assert_eq!(
        page.requests.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "asked again"
    );
    let gone = WebPage::start("404 Not Found");
    fails_at_once(
        &get_from(&fx, &gone.url("isA_Cloud.git")),
        "HTTP 404",
        "a 404",
    );
    let empty = fx.dir.path().join("empty.git");
    git(
        fx.dir.path(),
        &["init", "-q", "--bare", empty.to_str().unwrap()],
    );
    let out = get_from(&fx, &format!("file://{}", empty.display()));
    assert!(!text(&out).contains("trying again"), "{}", text(&out));
    assert_fails(
        &out,
        3,
        "is empty: it has no branch to bump",
        "an empty repository",
    );
}

#[test]
fn a_server_error_is_tried_again() {
    let fx = Fixture::new();
    let page = WebPage::start("502 Bad Gateway");
    let out = fx.run(&[
        "get",
        "agent",
        "--repo",
        &page.url("isA_Cloud.git"),
        "--connect-timeout",
        "1s",
    ]);
    let all = text(&out);
    assert_eq!(code(&out), Some(1), "{all}");
    assert!(all.contains("502; trying again in"), "{all}");
    assert!(all.contains("until --connect-timeout"), "{all}");
    assert!(page.requests.load(std::sync::atomic::Ordering::SeqCst) >= 2);
}

/// What a checkout holds, to compare before and after a run: the branch, the index's entries,
/// the work tree's status and the manifest's bytes.
#[derive(Debug, PartialEq, Eq)]
struct Held {
    branch: String,
    index: String,
    status: String,
    manifest: Vec<u8>,
}

fn held(co: &std::path::Path) -> Held {
    Held {
        branch: git(co, &["rev-parse", "refs/heads/main"]),
        index: git(co, &["ls-files", "-s"]),
        status: git(co, &["status", "--porcelain", "--untracked-files=all"]),
        manifest: std::fs::read(co.join(AGENT)).unwrap(),
    }
}

/// A fixture whose checkout is one bump behind the remote (someone else bumped agent to `:v2`
/// after the checkout pulled `:v1`), its remote-tracking ref as stale as the checkout.
fn behind() -> Fixture {
    let fx = Fixture::new();
    let url = fx.url();
    let out = fx.run(&["set", "--repo", &url, "agent=:v1"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    git(&fx.checkout, &["pull", "-q", "--ff-only"]);
    let out = fx.run(&["set", "--repo", &url, "agent=:v2"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    fx
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_refusal_in_a_checkout_behind_the_remote_leaves_it_as_it_was_and_says_why() {
    let fx = behind();
    let co = fx.checkout.to_str().unwrap();
    let before = held(&fx.checkout);
    let remote = fx.remote_git(&["rev-parse", "main"]);
    // The rollback reads :v1 as current here; the remote holds :v2.
    let out = fx.run(&["rollback", "agent", "-C", co]);
    let said = stderr(&out);
    assert_eq!(code(&out), Some(4), "{}", text(&out));
    assert!(said.contains("nothing was committed"), "{said}");
    assert!(
        said.contains("the local branch main is 1 commit behind origin/main"),
        "{said}"
    );
    assert!(
        said.contains("run `git pull`, then imgbump again"),
        "{said}"
    );
    // No flag the user did not pass, no command that reads the same stale checkout.
    assert!(!said.contains("--expect-current"), "{said}");
    assert!(!said.contains("imgbump get"), "{said}");
    assert_eq!(held(&fx.checkout), before, "the checkout changed");
    assert_eq!(fx.remote_git(&["rev-parse", "main"]), remote);
    // set --expect-current with the image this checkout shows: the same.
    let v1 = format!("{}:v1", NEW_AGENT.split(':').next().unwrap());
    let out = fx.run(&["set", "-C", co, "agent=:v3", "--expect-current", &v1]);
    let said = stderr(&out);
    assert_eq!(code(&out), Some(4), "{}", text(&out));
    assert!(said.contains("1 commit behind origin/main"), "{said}");
    assert!(!said.contains("drop --expect-current"), "{said}");
    assert_eq!(held(&fx.checkout), before, "the checkout changed");
    assert_eq!(fx.remote_git(&["rev-parse", "main"]), remote);
}

#[test]
fn a_bump_from_a_checkout_behind_lands_on_the_remote_and_says_it_was_behind() {
    let fx = behind();
    let out = fx.run(&["set", "-C", fx.checkout.to_str().unwrap(), "agent=:v3"]);
    let said = stderr(&out);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert!(!said.contains("moved"), "{said}");
    assert!(
        said.contains("was 1 commit behind origin/main at the start, so the change was made on the remote's tip; the local branch main was brought up to date with it"),
        "{said}"
    );
    assert_eq!(fx.last_diff().len(), 2, "{:?}", fx.last_diff());
    assert!(fx.remote_file(AGENT).contains("isa-agent:v3"));
    assert_eq!(
        git(&fx.checkout, &["rev-parse", "main"]),
        fx.remote_git(&["rev-parse", "main"])
    );
    assert_eq!(git(&fx.checkout, &["status", "--porcelain"]), "");
    assert!(std::fs::read_to_string(fx.checkout.join(AGENT))
        .unwrap()
        .contains("isa-agent:v3"));
}

#[test]
fn a_bump_from_a_checkout_ahead_pushes_only_its_change_and_says_so() {
    let fx = Fixture::new();
    std::fs::write(fx.checkout.join("NOTES.md"), "mine\n").unwrap();
    git(&fx.checkout, &["add", "NOTES.md"]);
    git(&fx.checkout, &["commit", "-qm", "local notes"]);
    let before = held(&fx.checkout);
    let out = fx.run(&["set", "-C", fx.checkout.to_str().unwrap(), "agent=:v2"]);
    let said = stderr(&out);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert!(!said.contains("moved"), "{said}");
    assert!(
        said.contains("the local branch main has 1 commit that origin/main has not (")
            && said.contains("local notes"),
        "{said}"
    );
    assert!(said.contains("pushed alone"), "{said}");
    assert!(
        said.contains("run `git pull --rebase` to catch up"),
        "{said}"
    );
    assert!(fx.remote_file(AGENT).contains("isa-agent:v2"));
    assert_eq!(fx.remote_count(), 2, "the unpushed commit was pushed");
    assert_eq!(held(&fx.checkout), before, "the checkout changed");
}

#[test]
fn an_unpushed_config_is_named_and_leaves_no_stray_commit() {
    let fx = Fixture::new();
    std::fs::write(
        fx.checkout.join(".imgbump.yaml"),
        format!("services:\n  robot:\n    - manifest: {AGENT}\n      container: agent\n"),
    )
    .unwrap();
    git(&fx.checkout, &["add", ".imgbump.yaml"]);
    git(&fx.checkout, &["commit", "-qm", "imgbump config"]);
    let co = fx.checkout.to_str().unwrap();
    let out = fx.run(&["get", "robot", "-C", co]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    let before = held(&fx.checkout);
    let remote = fx.remote_git(&["rev-parse", "main"]);
    let out = fx.run(&["set", "-C", co, "robot=:v2"]);
    let said = stderr(&out);
    assert_eq!(code(&out), Some(3), "{}", text(&out));
    assert!(
        said.contains("the unpushed commit changes .imgbump.yaml, and origin/main has not got it"),
        "{said}"
    );
    assert!(said.contains("imgbump config"), "{said}");
    assert!(
        said.contains("(`git push`), then run imgbump again"),
        "{said}"
    );
    assert_eq!(held(&fx.checkout), before, "the checkout changed");
    assert_eq!(fx.remote_git(&["rev-parse", "main"]), remote);
}

#[test]
fn set_on_another_branch_than_the_one_checked_out_does_not_call_it_dirty() {
    let fx = Fixture::new();
    let co = fx.checkout.to_str().unwrap();
    git(&fx.checkout, &["checkout", "-q", "-b", "feature"]);
    let manifest = std::fs::read_to_string(fx.checkout.join(AGENT)).unwrap();
    std::fs::write(
        fx.checkout.join(AGENT),
        manifest.replace("busybox:1.36", "busybox:1.37"),
    )
    .unwrap();
    git(&fx.checkout, &["commit", "-qam", "feature work"]);
    let feature = git(&fx.checkout, &["rev-parse", "feature"]);
    let worktree = std::fs::read(fx.checkout.join(AGENT)).unwrap();
    let out = fx.run(&["set", "-C", co, "-b", "main", "agent=:v2"]);
    let said = stderr(&out);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert!(!said.contains("uncommitted"), "{said}");
    assert!(fx.remote_file(AGENT).contains("isa-agent:v2"));
    assert_eq!(git(&fx.checkout, &["rev-parse", "feature"]), feature);
    assert_eq!(std::fs::read(fx.checkout.join(AGENT)).unwrap(), worktree);
    assert_eq!(git(&fx.checkout, &["status", "--porcelain"]), "");
}

#[test]
fn reading_commands_say_what_they_read_and_warn_when_the_remote_holds_more() {
    let fx = behind();
    let co = fx.checkout.to_str().unwrap();
    let local = git(&fx.checkout, &["rev-parse", "--short=7", "main"]);
    let local = local.trim();
    let before = held(&fx.checkout);
    for args in [
        vec!["get", "agent", "-C", co],
        vec!["list", "-C", co],
        vec!["history", "agent", "-C", co],
        vec!["set", "agent=:v9", "-C", co, "--dry-run"],
    ] {
        let out = fx.run(&args);
        let said = stderr(&out);
        assert_eq!(code(&out), Some(0), "{args:?}: {}", text(&out));
        assert!(
            said.contains(&format!("read the local branch main at {local}")),
            "{args:?}: {said}"
        );
        assert!(
            said.contains("the local branch main is 1 commit behind origin/main"),
            "{args:?}: {said}"
        );
    }
    let out = fx.run(&["get", "agent", "-C", co]);
    assert!(stderr(&out).contains("run `git pull` to read the remote's"));
    assert!(String::from_utf8_lossy(&out.stdout).contains("isa-agent:v1"));
    // Fetching moved the remote-tracking ref only, as `git fetch` does.
    assert_eq!(held(&fx.checkout), before);
    // Once pulled: read as on the remote, no warning.
    git(&fx.checkout, &["pull", "-q", "--ff-only"]);
    let out = fx.run(&["get", "agent", "-C", co]);
    let said = stderr(&out);
    assert!(said.contains(", as on origin/main"), "{said}");
    assert!(!said.contains("warning"), "{said}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("isa-agent:v2"));
}

/// The remote's `pre-receive` hook lands someone else's commit (`theirs`, made beforehand) on
/// main during the first push it sees: the branch moves while imgbump runs, for real. Later
/// pushes meet `then` (shell).
fn race_once(fx: &Fixture, theirs: &str, then: &str) {
    let hook = fx.remote.join("hooks").join("pre-receive");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\ncat >/dev/null\n[ -f \"$GIT_DIR/raced\" ] && {{ {then}; }}\ntouch \"$GIT_DIR/raced\"\nenv -u GIT_QUARANTINE_PATH -u GIT_OBJECT_DIRECTORY -u GIT_ALTERNATE_OBJECT_DIRECTORIES git update-ref refs/heads/main {theirs}\n"
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Their bump of agent (its image made `to(current)`), on a side branch of the remote until a
/// hook lands it: the current image, and their commit.
fn their_bump(fx: &Fixture, to: impl Fn(&str) -> String) -> (String, String) {
    let other = fx.clone_elsewhere();
    let manifest = std::fs::read_to_string(other.join(AGENT)).unwrap();
    let current = manifest
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("image: ")
                .filter(|i| i.contains("isa-agent"))
        })
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    std::fs::write(other.join(AGENT), manifest.replace(&current, &to(&current))).unwrap();
    git(&other, &["commit", "-qam", "their bump"]);
    git(&other, &["push", "-q", "origin", "HEAD:refs/heads/theirs"]);
    (current, git(&other, &["rev-parse", "HEAD"]))
}

#[test]
fn a_refusal_after_the_branch_moved_during_the_run_takes_the_local_commit_back() {
    let fx = Fixture::new();
    let (current, theirs) = their_bump(&fx, |current| format!("{current}-theirs"));
    race_once(&fx, theirs.trim(), "exit 0");
    let before = held(&fx.checkout);
    let co = fx.checkout.to_str().unwrap();
    let out = fx.run(&["set", "-C", co, "agent=:mine", "--expect-current", &current]);
    let said = stderr(&out);
    assert_eq!(code(&out), Some(4), "{}", text(&out));
    assert!(said.contains("nothing was committed"), "{said}");
    assert!(
        said.contains("the branch moved on the remote while imgbump ran"),
        "{said}"
    );
    assert!(
        said.contains("of an earlier attempt was taken back"),
        "{said}"
    );
    assert!(!said.contains("behind"), "{said}");
    assert_eq!(held(&fx.checkout), before, "the checkout changed");
    assert_eq!(fx.remote_git(&["rev-parse", "main"]), theirs);
}

/// Another run lands the very image this one bumps to while it runs: the run has nothing to do
/// on the remote's tip, says so, and leaves the checkout with no commit of its own (caught up
/// to the remote, which has the image, as `git pull` would).
#[test]
fn the_same_image_landed_by_another_run_meanwhile_leaves_no_local_commit() {
    let fx = Fixture::new();
    let (current, theirs) = their_bump(&fx, |current| {
        format!("{}:mine", current.rsplit_once(':').unwrap().0)
    });
    let (repo, _) = current.rsplit_once(':').unwrap();
    race_once(&fx, theirs.trim(), "exit 0");
    let out = fx.run(&["set", "-C", fx.checkout.to_str().unwrap(), "agent=:mine"]);
    let said = stderr(&out);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert_eq!(fx.remote_git(&["rev-parse", "main"]), theirs);
    // No commit of this run anywhere: the local branch is the remote's, and clean.
    assert_eq!(git(&fx.checkout, &["rev-parse", "main"]), theirs, "{said}");
    assert_eq!(
        git(
            &fx.checkout,
            &["status", "--porcelain", "--untracked-files=all"]
        ),
        "",
        "{said}"
    );
    assert!(
        std::fs::read_to_string(fx.checkout.join(AGENT))
            .unwrap()
            .contains(&format!("{repo}:mine")),
        "{said}"
    );
}

/// `imgbump promote billing --from staging --to production` in the fixture's checkout, with
/// `more` flags.
fn promote_billing(fx: &Fixture, more: &[&str]) -> std::process::Output {
    let co = fx.checkout.to_str().unwrap();
    let mut args = vec![
        "promote",
        "billing",
        "--from",
        "staging",
        "--to",
        "production",
        "-C",
        co,
    ];
    args.extend_from_slice(more);
    fx.run(&args)
}

#[test]
fn promote_from_a_checkout_behind_promotes_what_the_remote_holds() {
    let fx = Fixture::of("environments");
    let url = fx.url();
    let out = fx.run(&["set", "--repo", &url, "billing=:2.0", "--env", "staging"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    let out = promote_billing(&fx, &[]);
    let said = stderr(&out);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert!(said.contains("1 commit behind origin/main"), "{said}");
    assert!(
        fx.remote_file("charts/billing/values-production.yaml")
            .contains("tag: \"2.0\""),
        "{}",
        fx.remote_file("charts/billing/values-production.yaml")
    );
    assert_eq!(
        git(&fx.checkout, &["rev-parse", "main"]),
        fx.remote_git(&["rev-parse", "main"])
    );
}

#[test]
fn a_push_refused_after_the_branch_moved_leaves_no_diverging_local_commit() {
    let fx = Fixture::new();
    let other = fx.clone_elsewhere();
    std::fs::write(other.join("THEIRS.md"), "theirs\n").unwrap();
    git(&other, &["add", "THEIRS.md"]);
    git(&other, &["commit", "-qm", "their change"]);
    git(&other, &["push", "-q", "origin", "HEAD:refs/heads/theirs"]);
    let theirs = git(&other, &["rev-parse", "HEAD"]);
    race_once(
        &fx,
        theirs.trim(),
        "echo frozen for the release >&2; exit 1",
    );
    let before = held(&fx.checkout);
    let out = fx.run(&["set", "-C", fx.checkout.to_str().unwrap(), "agent=:mine"]);
    let said = stderr(&out);
    assert_eq!(code(&out), Some(5), "{}", text(&out));
    assert!(said.contains("frozen for the release"), "{said}");
    assert!(
        said.contains("of an earlier attempt was taken back"),
        "{said}"
    );
    assert!(!said.contains("stays on the local branch"), "{said}");
    assert_eq!(held(&fx.checkout), before, "the checkout changed");
    assert_eq!(fx.remote_git(&["rev-parse", "main"]), theirs);
}

/// `promote` reads the remote's tip to decide what to promote, and the bump builds on that
/// fetch: as many requests to the server as `set` makes, not a second fetch's more.
#[test]
fn promote_fetches_the_remote_once() {
    let fx = Fixture::of("environments");
    let http = Http::start(fx.dir.path(), None);
    git(
        &fx.checkout,
        &["remote", "set-url", "origin", &http.url("environments.git")],
    );
    let co = fx.checkout.to_str().unwrap();
    let count = || http.requests.load(std::sync::atomic::Ordering::SeqCst);
    let out = fx.run(&[
        "set",
        "-C",
        co,
        "billing=:2.0",
        "--env",
        "staging",
        "--dry-run",
    ]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    let set = count();
    assert!(set > 0, "set fetched nothing");
    let out = promote_billing(&fx, &["--dry-run"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert_eq!(count() - set, set, "promote's requests, against set's");
}
