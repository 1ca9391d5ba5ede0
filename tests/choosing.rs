//! Issue 31: the everyday paths where imgbump must choose, or refuse, as a careful person
//! would; through real repositories (file:// remotes), asserting bytes, exit codes and words.

mod support;

use support::*;

const WEB: &str = "deployments/kubernetes/base/applications/web-deployment.yaml";

/// A Deployment `web` whose first container is a proxy sidecar.
const SIDECAR: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: proxy
          image: nginx:1.25
        - name: app
          image: ghcr.io/isa/web:1.0   # the service
";

fn code(out: &std::process::Output) -> Option<i32> {
    out.status.code()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_sidecar_never_gets_the_image_and_an_ambiguous_choice_is_refused_with_flags() {
    let fx = Fixture::new();
    fx.push_elsewhere(WEB, SIDECAR, "web with a proxy sidecar");
    let url = fx.url();
    let before = fx.remote_count();
    // The new image's repository is the app container's: that one, not containers[0].
    let out = fx.run(&["set", "--repo", &url, "web=ghcr.io/isa/web:1.1"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert_eq!(
        fx.last_diff(),
        [
            "-          image: ghcr.io/isa/web:1.0   # the service",
            "+          image: ghcr.io/isa/web:1.1   # the service"
        ]
    );
    assert_eq!(fx.remote_count(), before + 1);
    // `:TAG` keeps the repository it meets: it cannot choose, so it refuses (exit 3) and
    // lists each container with the exact flag; nothing is committed.
    let out = fx.run(&["set", "--repo", &url, "web=:1.2"]);
    assert_eq!(code(&out), Some(3), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    for needle in [
        "Deployment/web has 2 containers and none is named `web`, and `:1.2` keeps the repository of the container it edits, so it cannot choose one; imgbump does not guess which to edit",
        "--container proxy   image nginx:1.25 at line 10",
        "--container app   image ghcr.io/isa/web:1.1 at line 12",
    ] {
        assert!(err.contains(needle), "{needle:?} in {}", text(&out));
    }
    assert_eq!(fx.remote_count(), before + 1);
    // The flag it offers works, verbatim.
    let out = fx.run(&["set", "--repo", &url, "web=:1.2", "--container", "app"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert!(fx
        .remote_file(WEB)
        .contains("image: ghcr.io/isa/web:1.2   # the service"));
    assert!(fx.remote_file(WEB).contains("image: nginx:1.25\n"));
    // get and history choose by the same rule: without a new image, they refuse alike.
    for cmd in ["get", "history"] {
        let out = fx.run(&[cmd, "--repo", &url, "web"]);
        assert_eq!(code(&out), Some(3), "{cmd}: {}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("Deployment/web has 2 containers and none is named `web`; imgbump does not guess which to edit")
                && err.contains("--container app   image ghcr.io/isa/web:1.2 at line 12"),
            "{cmd}: {}",
            text(&out)
        );
        let out = fx.run(&[cmd, "--repo", &url, "web", "--container", "app"]);
        assert_eq!(code(&out), Some(0), "{cmd}: {}", text(&out));
        assert!(
            stdout(&out).starts_with("ghcr.io/isa/web:1.2"),
            "{cmd}: {}",
            text(&out)
        );
    }
    // list shows every container, and which one `set` edits without flags (none here: each
    // row says the flags that pick it); agent's row `set` edits is marked.
    let out = fx.run(&["list", "--repo", &url]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    let listed = stdout(&out);
    for row in [
        "web\tDeployment/web\tproxy\tnginx:1.25\tset needs --workload web --container proxy\n",
        "web\tDeployment/web\tapp\tghcr.io/isa/web:1.2\tset needs --workload web --container app\n",
        "agent\tDeployment/agent\tagent\t123456789012.dkr.ecr.us-east-1.amazonaws.com/isa-agent:sha-cbad391\tset edits this\n",
    ] {
        assert!(listed.contains(row), "{row:?} in {listed}");
    }
    let out = fx.run(&["list", "--repo", &url, "-o", "json"]);
    let rows = json(&out);
    let agent: Vec<_> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["service"] == "agent")
        .map(|r| {
            (
                r["container"].as_str().unwrap(),
                r["set_default"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        agent,
        [
            ("wait-for-consul", false),
            ("agent", true),
            ("consul-agent", false)
        ]
    );
}
