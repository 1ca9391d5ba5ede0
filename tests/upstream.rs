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
