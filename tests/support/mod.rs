//! Real Git for the tests: fixture repositories made with the `git` CLI, a `git daemon` and a
//! smart-HTTP server (`git http-backend` behind a tiny HTTP/1.1 server with Basic auth), all on
//! 127.0.0.1 and all stopped when dropped.
// Shared by every test binary, each a crate of its own that uses some of it: `pub` here means
// "for the tests", not for a public interface.
#![allow(dead_code, unreachable_pub)]

pub mod github_api;
pub mod liar;
pub mod registry;
mod servers;
#[allow(unused_imports)] // not every test binary starts a server
pub use servers::*;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const AGENT: &str = "deployments/kubernetes/base/applications/agent-deployment.yaml";
pub const NEW_AGENT: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/isa-agent:sha-abc1234";
pub const TOKEN: &str = "ghs_s3cretT0kenValue1234567890";

/// Runs `git` in `dir` and returns its stdout; panics with stderr on failure.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@localhost",
            "-c",
            "init.defaultBranch=main",
            "-c",
            "protocol.file.allow=always",
        ])
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env_remove("GIT_DIR")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The variables a CI runner or the user may have set that would change what imgbump does:
/// every test run of it goes without them.
pub const RUNNER_ENV: [&str; 14] = [
    "IMGBUMP_TOKEN",
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "IMGBUMP_REPO",
    "IMGBUMP_BRANCH",
    "IMGBUMP_MANIFEST",
    "IMGBUMP_OUTPUT",
    "IMGBUMP_MESSAGE",
    "IMGBUMP_AUTHOR",
    "IMGBUMP_CACHE_DIR",
    "GITHUB_OUTPUT",
    "GITHUB_ACTIONS",
    "GITHUB_STEP_SUMMARY",
    "GIT_DIR",
];

/// Every file below `dir` (depth first, in name order) that `pred` takes.
pub fn files(dir: &Path, pred: &dyn Fn(&Path) -> bool, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, pred, out);
        } else if pred(&p) {
            out.push(p);
        }
    }
}

/// Runs `cmd` with a hard limit (a hang is a failure, never a stuck test).
pub fn bounded(mut cmd: Command, limit: Duration) -> (Output, Duration) {
    let start = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read the pipes while waiting, so that a large output cannot block the child.
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let t1 = std::thread::spawn(move || {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut so, &mut b).ok();
        b
    });
    let t2 = std::thread::spawn(move || {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut se, &mut b).ok();
        b
    });
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("imgbump did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = start.elapsed();
    let out = Output {
        status,
        stdout: t1.join().unwrap(),
        stderr: t2.join().unwrap(),
    };
    (out, took)
}

/// Sends SIGTERM to `child` once `ready()` holds (a condition, waited for up to a minute), and
/// returns its output when it has ended; `what` names what the signal should end, for the
/// failure when it does not within a minute.
pub fn terminate_when(mut child: Child, ready: impl Fn() -> bool, what: &str) -> Output {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{what} never began"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: kill(2) on our own child's pid; no memory is involved.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
    let asked = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if asked.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("SIGTERM did not end {what}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// [`terminate_when`] the child (its stderr piped) has said `said` on stderr: it has begun
/// what the signal is to interrupt, not only been sent what starts it (a test that signalled
/// when its double answered once caught the run between the answer and its own line).
pub fn terminate_when_said(mut child: Child, said: &str, what: &str) -> Output {
    use std::io::Read;
    let mut err = child.stderr.take().expect("the child's stderr is piped");
    let heard = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
    let into = heard.clone();
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = err.read(&mut buf) {
            into.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    let ready = || String::from_utf8_lossy(&heard.lock().unwrap()).contains(said);
    let mut out = terminate_when(child, ready, what);
    reader.join().unwrap();
    out.stderr = heard.lock().unwrap().clone();
    out
}

/// The imgbump binary with `home` as HOME (no user config, no credential helpers), no colour,
/// and none of the variables a CI runner or the user may have set.
pub fn imgbump(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_imgbump"));
    c.env("HOME", home).env("NO_COLOR", "1");
    for k in RUNNER_ENV {
        c.env_remove(k);
    }
    c
}

/// Waits for every child and returns their outputs, in order.
pub fn wait_all(children: Vec<std::process::Child>) -> Vec<Output> {
    children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect()
}

/// A work tree with the bundled example, and its bare remote.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    /// The bare remote.
    pub remote: PathBuf,
    /// A checkout of it, with `origin` set.
    pub checkout: PathBuf,
    /// An empty HOME for imgbump processes (no user config, no credential helpers).
    pub home: PathBuf,
}

impl Fixture {
    pub fn new() -> Fixture {
        Fixture::of("isA_Cloud")
    }

    /// `examples/NAME` as a bare remote `NAME.git`, with a checkout.
    pub fn of(name: &str) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let seed = dir.path().join("seed");
        let example = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(name);
        copy_dir(&example, &seed);
        git(&seed, &["init", "-q"]);
        git(&seed, &["add", "-A"]);
        git(&seed, &["commit", "-qm", "initial"]);
        let remote = dir.path().join(format!("{name}.git"));
        git(
            dir.path(),
            &[
                "clone",
                "-q",
                "--bare",
                seed.to_str().unwrap(),
                remote.to_str().unwrap(),
            ],
        );
        let checkout = dir.path().join("checkout");
        git(
            dir.path(),
            &[
                "clone",
                "-q",
                remote.to_str().unwrap(),
                checkout.to_str().unwrap(),
            ],
        );
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        Fixture {
            dir,
            remote,
            checkout,
            home,
        }
    }

    pub fn url(&self) -> String {
        format!("file://{}", self.remote.display())
    }

    /// An imgbump command with a clean environment.
    /// An imgbump command with a clean environment, run from the fixture's directory.
    pub fn cmd(&self) -> Command {
        let mut c = imgbump(&self.home);
        c.current_dir(self.dir.path());
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        let out = self.cmd().args(args).output().unwrap();
        record_output(args, &out);
        out
    }

    /// The remote's `main`, read with the git CLI.
    pub fn remote_git(&self, args: &[&str]) -> String {
        let mut all = vec!["--git-dir", self.remote.to_str().unwrap()];
        all.extend_from_slice(args);
        git(self.dir.path(), &all)
    }

    pub fn remote_file(&self, path: &str) -> String {
        self.remote_git(&["show", &format!("main:{path}")])
    }

    /// A second checkout of the remote (someone else's), in a new directory.
    pub fn clone_elsewhere(&self) -> PathBuf {
        let other = tempfile::tempdir_in(self.dir.path()).unwrap().keep();
        git(
            self.dir.path(),
            &[
                "clone",
                "-q",
                self.remote.to_str().unwrap(),
                other.to_str().unwrap(),
            ],
        );
        other
    }

    /// Someone else clones the remote, writes `path` (relative to the root), commits it with
    /// `message` and pushes to main; returns the commit. Missing directories are made.
    pub fn push_elsewhere(&self, path: &str, content: &str, message: &str) -> String {
        let other = self.clone_elsewhere();
        if let Some(dir) = Path::new(path).parent() {
            std::fs::create_dir_all(other.join(dir)).unwrap();
        }
        std::fs::write(other.join(path), content).unwrap();
        git(&other, &["add", "-A"]);
        git(&other, &["commit", "-qm", message]);
        git(&other, &["push", "-q", "origin", "main"]);
        git(&other, &["rev-parse", "HEAD"])
    }

    /// The last commit's added and removed lines on the remote's main, as the git CLI shows
    /// them (`-old`, `+new`).
    pub fn last_diff(&self) -> Vec<String> {
        self.remote_git(&["diff", "--unified=0", "main~1", "main"])
            .lines()
            .filter(|l| {
                (l.starts_with('-') || l.starts_with('+'))
                    && !l.starts_with("---")
                    && !l.starts_with("+++")
            })
            .map(str::to_string)
            .collect()
    }

    pub fn remote_count(&self) -> usize {
        self.remote_git(&["rev-list", "--count", "main"])
            .trim()
            .parse()
            .unwrap()
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

pub fn text(out: &Output) -> String {
    format!(
        "status: {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

pub fn json(out: &Output) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(out)));
    record_json(None, &v);
    v
}

/// The subcommands whose `-o json` output has a schema in schemas/.
const JSON_SUBCOMMANDS: [&str; 10] = [
    "set", "get", "list", "history", "rollback", "promote", "hold", "release", "wait", "update",
];

/// Where the JSON outputs the tests see are recorded, one file per test process, for
/// `scripts/check-json` to hold against schemas/ (scripts/test does, after the tests).
pub fn json_record_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("json-outputs")
}

/// Records a JSON value a test saw: a subcommand's `-o json` output (`cmd` its name, or None
/// when the caller does not say which), or `"webhook"` for a notification's body.
pub fn record_json(cmd: Option<&str>, value: &serde_json::Value) {
    record(serde_json::json!({"cmd": cmd, "json": value}));
}

/// Records the stdout of a run asked for `-o json` (or `--output json`), with its subcommand.
pub fn record_output(args: &[&str], out: &Output) {
    let json = args
        .windows(2)
        .any(|w| (w[0] == "-o" || w[0] == "--output") && w[1] == "json")
        || args.contains(&"--output=json");
    if !json || args.iter().any(|a| *a == "--help" || *a == "-h") {
        return;
    }
    let cmd = args.iter().find(|a| JSON_SUBCOMMANDS.contains(a)).copied();
    let raw = String::from_utf8_lossy(&out.stdout);
    match serde_json::from_str::<serde_json::Value>(&raw) {
        Ok(v) => record_json(cmd, &v),
        Err(_) => record(serde_json::json!({"cmd": cmd, "raw": raw})),
    }
}

fn record(line: serde_json::Value) {
    use std::io::Write;
    let dir = json_record_dir();
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join(format!("{}.jsonl", std::process::id()));
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
    {
        // One write per record: records of parallel tests never interleave.
        let _ = f.write_all(format!("{line}\n").as_bytes());
    }
}

/// A synthetic isA_Cloud from `../shared/bench/gen-gitops-repo`, every service's manifest
/// under `applications/`; returns (scratch dir, bare remote, service names).
pub fn gitops_repo(commits: u32) -> (tempfile::TempDir, PathBuf, Vec<String>) {
    gitops_repo_of(46, commits)
}

/// [`gitops_repo`] with `services` Go services (and the four applications).
pub fn gitops_repo_of(services: u32, commits: u32) -> (tempfile::TempDir, PathBuf, Vec<String>) {
    let gen = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/gen-gitops-repo");
    assert!(
        gen.exists(),
        "{} is missing: the load tests need ../shared beside the project",
        gen.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(&gen)
        .arg(dir.path().join("isa"))
        .args([
            "--go-manifests",
            "applications",
            "--services",
            &services.to_string(),
            "--commits",
            &commits.to_string(),
            "--no-worktree",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "gen-gitops-repo: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let remote = dir.path().join("isa.git");
    let list = git(
        dir.path(),
        &[
            "--git-dir",
            remote.to_str().unwrap(),
            "ls-tree",
            "--name-only",
            "main",
            "deployments/kubernetes/base/applications/",
        ],
    );
    let services = list
        .lines()
        .filter_map(|l| {
            l.rsplit('/')
                .next()?
                .strip_suffix("-deployment.yaml")
                .map(str::to_string)
        })
        .collect();
    (dir, remote, services)
}

/// The one line that differs between two texts, as (old line, new line); panics unless
/// exactly one line differs and the line count is the same.
pub fn one_changed_line<'a>(before: &'a str, after: &'a str) -> (&'a str, &'a str) {
    let (a, b): (Vec<&str>, Vec<&str>) = (
        before.split_inclusive('\n').collect(),
        after.split_inclusive('\n').collect(),
    );
    assert_eq!(a.len(), b.len(), "line count changed");
    let diffs: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    assert_eq!(diffs.len(), 1, "expected one changed line, got {diffs:?}");
    (a[diffs[0]], b[diffs[0]])
}

/// Asserts that a run ended with `code` and that its stderr says `needle`.
pub fn assert_fails(out: &Output, code: i32, needle: &str, what: &str) {
    assert_eq!(out.status.code(), Some(code), "{what}: {}", text(out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(needle),
        "{what}: expected {needle:?} in {}",
        text(out)
    );
}

/// A `GITHUB_OUTPUT` file read as GitHub reads it (`name=value` lines, and `name<<DELIMITER`
/// blocks up to the delimiter), written back as `name=value` lines (a multi-line value with
/// its line breaks).
///
/// Every key must be one of the table of docs/src/reference/output.md: the outputs the tests
/// see are held against the documented contract.
pub fn github_outputs(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let documented = github_output_keys();
    let mut out = String::new();
    let mut lines = text.lines();
    while let Some(l) = lines.next() {
        let name = l
            .split_once("<<")
            .or_else(|| l.split_once('='))
            .map(|(n, _)| n);
        if let Some(name) = name {
            assert!(
                documented.contains(name),
                "GITHUB_OUTPUT key {name} is not in docs/src/reference/output.md's table"
            );
        }
        if let Some((name, delimiter)) = l.split_once("<<") {
            let value: Vec<&str> = lines.by_ref().take_while(|v| *v != delimiter).collect();
            out.push_str(&format!("{name}={}\n", value.join("\n")));
        } else {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

/// The `GITHUB_OUTPUT` keys of the table in docs/src/reference/output.md.
pub fn github_output_keys() -> std::collections::BTreeSet<String> {
    let page = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/src/reference/output.md"),
    )
    .unwrap();
    let table = page
        .split("## `GITHUB_OUTPUT`")
        .nth(1)
        .expect("a GITHUB_OUTPUT section");
    table
        .lines()
        .skip_while(|l| !l.starts_with("| key |"))
        .skip(2)
        .take_while(|l| l.starts_with("| `"))
        .filter_map(|l| Some(l.split('`').nth(1)?.to_string()))
        .collect()
}

/// The action's bump step, as the runner runs it: bash with the step's script, every input of
/// action.yml at its default (an expression default empty), then `inputs`; imgbump on PATH.
pub fn action_bump(inputs: &[(&str, &str)]) -> Command {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let action: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&std::fs::read_to_string(root.join("action.yml")).unwrap())
            .unwrap();
    let script = action["runs"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "bump")
        .and_then(|s| s["run"].as_str())
        .expect("a bump step")
        .to_string();
    let mut c = Command::new("bash");
    for (k, v) in action["inputs"].as_mapping().unwrap() {
        let var = format!(
            "INPUT_{}",
            k.as_str().unwrap().to_uppercase().replace('-', "_")
        );
        let d = v["default"].as_str().unwrap_or("");
        c.env(var, if d.contains("${{") { "" } else { d });
    }
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_imgbump")).parent().unwrap();
    c.env("DEFAULT_REPO", "https://github.invalid/none.git")
        .env(
            "PATH",
            format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap()),
        )
        .env_remove("IMGBUMP_REGISTRY_TOKEN")
        .env_remove("GITHUB_TOKEN")
        .args(["-c", &script]);
    for (k, v) in inputs {
        c.env(k, v);
    }
    c
}
