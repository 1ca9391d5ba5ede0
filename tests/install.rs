//! `scripts/install.sh` against a release directory built from this checkout and served on
//! 127.0.0.1 by a real HTTP server (Python's `http.server`): a good release, a corrupt archive,
//! a missing release, an unknown platform, and plain HTTP from elsewhere refused.
//!
//! The fallback builds with `cargo install`; that build is the ordinary release build (a few
//! minutes, the README's first command runs it), so here a `cargo` early on PATH records how it
//! was called and leaves a binary, and the test checks the script's choice and arguments.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::*;

const VERSION: &str = env!("CARGO_PKG_VERSION");
const TARGET: &str = "x86_64-unknown-linux-musl";

/// `python3 -m http.server` on 127.0.0.1 over `root`, in its own process group.
struct Static {
    _child: Owned,
    port: u16,
}

impl Static {
    fn start(root: &Path) -> Static {
        let port = free_port();
        let child = Owned::server(
            Command::new("python3")
                .args([
                    "-m",
                    "http.server",
                    "--bind",
                    "127.0.0.1",
                    &port.to_string(),
                    "--directory",
                ])
                .arg(root),
        );
        wait_for(port);
        Static {
            _child: child,
            port,
        }
    }
    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

fn sha256(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_string()
}

/// `dir/vVERSION/` (and `dir/latest/`) as the release workflow lays it out: the binary at the
/// archive's top level, and SHA256SUMS.
fn release(dir: &Path, version: &str, corrupt: bool) -> PathBuf {
    let rel = dir.join(format!("v{version}"));
    std::fs::create_dir_all(&rel).unwrap();
    let stage = dir.join(format!("stage-{version}"));
    std::fs::create_dir_all(&stage).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_imgbump"), stage.join("imgbump")).unwrap();
    let asset = format!("imgbump-{version}-{TARGET}.tar.gz");
    let st = Command::new("tar")
        .args(["--use-compress-program", "gzip -1", "-cf"])
        .arg(rel.join(&asset))
        .arg("-C")
        .arg(&stage)
        .arg("imgbump")
        .status()
        .unwrap();
    assert!(st.success());
    let mut sum = sha256(&rel.join(&asset));
    if corrupt {
        // The archive changed after the sums were made.
        sum = sum.chars().rev().collect();
    }
    std::fs::write(
        rel.join("SHA256SUMS"),
        format!(
            "{sum}  {asset}\n{}  imgbump-{version}-aarch64-apple-darwin.tar.gz\n",
            "0".repeat(64)
        ),
    )
    .unwrap();
    rel
}

struct Setup {
    dir: tempfile::TempDir,
    server: Static,
    /// A `cargo` that records its arguments and builds nothing.
    stub: PathBuf,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let releases = dir.path().join("releases");
        release(&releases, VERSION, false);
        release(&releases, "0.0.9", true);
        // latest/ is the newest release's copy.
        copy_dir(
            &releases.join(format!("v{VERSION}")),
            &releases.join("latest"),
        );
        let stub = dir.path().join("stub");
        std::fs::create_dir_all(&stub).unwrap();
        std::fs::write(
            stub.join("cargo"),
            "#!/bin/sh\nprintf '%s\\n' \"$*\" > \"$CARGO_CALLS\"\nroot=\nwhile [ $# -gt 0 ]; do [ \"$1\" = --root ] && root=$2; shift; done\nmkdir -p \"$root/bin\"\nprintf '#!/bin/sh\\necho imgbump built-from-source\\n' > \"$root/bin/imgbump\"\nchmod 755 \"$root/bin/imgbump\"\n",
        )
        .unwrap();
        Command::new("chmod")
            .args(["755"])
            .arg(stub.join("cargo"))
            .status()
            .unwrap();
        let server = Static::start(&releases);
        Setup { dir, server, stub }
    }

    fn install(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/install.sh");
        let mut c = Command::new("sh");
        c.arg(script)
            .args(args)
            .env("HOME", self.dir.path())
            .env("TMPDIR", self.dir.path())
            .env("CARGO_CALLS", self.dir.path().join("cargo-calls"))
            .env(
                "PATH",
                format!("{}:{}", self.stub.display(), std::env::var("PATH").unwrap()),
            )
            .env_remove("IMGBUMP_INSTALL_BASE_URL")
            .env_remove("IMGBUMP_INSTALL_DIR");
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    }

    fn cargo_calls(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("cargo-calls")).unwrap_or_default()
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_release_is_downloaded_checked_and_installed() {
    let s = Setup::new();
    let to = s.dir.path().join("bin");
    let out = s.install(
        &[
            "--version",
            VERSION,
            "--to",
            to.to_str().unwrap(),
            "--base-url",
            &s.server.url(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    let v = Command::new(to.join("imgbump"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&v.stdout).trim(),
        format!("imgbump {VERSION}")
    );
    assert!(
        stderr(&out).contains(&format!("installed imgbump {VERSION} in {}", to.display())),
        "{}",
        text(&out)
    );
    assert_eq!(s.cargo_calls(), "", "cargo ran");
    // The latest, through the environment variable; into IMGBUMP_INSTALL_DIR.
    let to2 = s.dir.path().join("bin2");
    let out = s.install(
        &[],
        &[
            ("IMGBUMP_INSTALL_BASE_URL", &s.server.url()),
            ("IMGBUMP_INSTALL_DIR", to2.to_str().unwrap()),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(to2.join("imgbump").is_file());
    // No temporary directory is left.
    let left: Vec<_> = std::fs::read_dir(s.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("imgbump-install"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_corrupt_archive_is_refused_and_nothing_is_installed() {
    let s = Setup::new();
    let to = s.dir.path().join("bin");
    let out = s.install(
        &[
            "--version",
            "0.0.9",
            "--to",
            to.to_str().unwrap(),
            "--base-url",
            &s.server.url(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        stderr(&out)
            .contains("checksum mismatch for imgbump-0.0.9-x86_64-unknown-linux-musl.tar.gz"),
        "{}",
        text(&out)
    );
    assert!(stderr(&out).contains("nothing was installed"));
    assert!(!to.join("imgbump").exists());
    assert_eq!(s.cargo_calls(), "");
}

#[test]
fn a_missing_release_or_an_unknown_platform_falls_back_to_cargo_install() {
    let s = Setup::new();
    let to = s.dir.path().join("bin");
    let out = s.install(
        &[
            "--version",
            "9.9.9",
            "--to",
            to.to_str().unwrap(),
            "--base-url",
            &s.server.url(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    let said = stderr(&out);
    assert!(
        said.contains("there is no release at")
            && said.contains("building it with cargo install instead"),
        "{said}"
    );
    assert!(
        s.cargo_calls().starts_with("install --locked --root ")
            && s.cargo_calls().ends_with(" imgbump --version 9.9.9\n"),
        "{}",
        s.cargo_calls()
    );
    assert!(
        said.contains(&format!(
            "installed imgbump built-from-source in {}",
            to.display()
        )),
        "{said}"
    );
    // An unknown platform, with --source (as the action passes its own checkout).
    std::fs::remove_file(s.dir.path().join("cargo-calls")).unwrap();
    let out = s.install(
        &[
            "--version",
            VERSION,
            "--to",
            to.to_str().unwrap(),
            "--base-url",
            &s.server.url(),
            "--source",
            "/src/imgbump",
        ],
        &[
            ("IMGBUMP_INSTALL_OS", "Plan9"),
            ("IMGBUMP_INSTALL_ARCH", "mips"),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        stderr(&out).contains("there is no release binary for Plan9/mips"),
        "{}",
        text(&out)
    );
    assert!(
        s.cargo_calls().ends_with(" --path /src/imgbump\n"),
        "{}",
        s.cargo_calls()
    );
    // A platform the release has no binary for (macOS x86_64 is not in these sums).
    let out = s.install(
        &[
            "--version",
            VERSION,
            "--to",
            to.to_str().unwrap(),
            "--base-url",
            &s.server.url(),
        ],
        &[
            ("IMGBUMP_INSTALL_OS", "Darwin"),
            ("IMGBUMP_INSTALL_ARCH", "x86_64"),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        stderr(&out).contains("has no binary for x86_64-apple-darwin"),
        "{}",
        text(&out)
    );
}

#[test]
fn plain_http_from_elsewhere_and_bad_arguments_are_refused() {
    let s = Setup::new();
    let to = s.dir.path().join("bin");
    for (args, words) in [
        (
            vec!["--base-url", "http://example.com/rel", "--version", "1.0.0"],
            "HTTPS only",
        ),
        (
            vec!["--version", "latest; rm -rf /"],
            "--version takes a release version",
        ),
        (vec!["--bogus"], "unknown argument"),
    ] {
        let mut all = args.clone();
        all.extend(["--to", to.to_str().unwrap()]);
        let out = s.install(&all, &[]);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", text(&out));
        assert!(stderr(&out).contains(words), "{args:?}: {}", text(&out));
    }
    assert!(!to.exists());
    assert_eq!(s.cargo_calls(), "");
}

/// `--attestation-repo`: the archive's build provenance checked with `gh attestation verify`
/// where gh can (a stand-in `gh` here, recording its arguments: the real one asks GitHub's
/// API), said where it cannot (no gh, or one without `attestation`), and a failed verification
/// installs nothing.
#[test]
fn the_build_attestation_is_verified_where_gh_can_and_said_where_it_cannot() {
    let s = Setup::new();
    let calls = s.dir.path().join("gh-calls");
    let gh = |name: &str, body: &str| {
        let dir = s.dir.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("gh"), format!("#!/bin/sh\n{body}\n")).unwrap();
        Command::new("chmod")
            .arg("755")
            .arg(dir.join("gh"))
            .status()
            .unwrap();
        format!(
            "{}:{}:{}",
            dir.display(),
            s.stub.display(),
            std::env::var("PATH").unwrap()
        )
    };
    let verifies = gh("gh-ok", &format!("[ \"$1\" = attestation ] || exit 1\n[ \"$2\" = --help ] && exit 0\nprintf '%s\\n' \"$*\" >> '{}'", calls.display()));
    let refuses = gh(
        "gh-no",
        "[ \"$2\" = --help ] && exit 0\necho 'no attestations found for subject' >&2; exit 1",
    );
    let old = gh(
        "gh-old",
        "echo 'unknown command \"attestation\" for \"gh\"' >&2; exit 1",
    );
    // A PATH with what the script uses and no gh at all.
    let bare = s.dir.path().join("bare");
    std::fs::create_dir_all(&bare).unwrap();
    for tool in [
        "sh",
        "curl",
        "grep",
        "head",
        "cut",
        "sha256sum",
        "mkdir",
        "tar",
        "gzip",
        "chmod",
        "cp",
        "mv",
        "rm",
        "mktemp",
        "basename",
        "sed",
        "uname",
    ] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .unwrap();
        let at = String::from_utf8(found.stdout).unwrap();
        std::os::unix::fs::symlink(at.trim(), bare.join(tool)).unwrap();
    }
    let none = bare.display().to_string();
    let asset = format!("imgbump-{VERSION}-x86_64-unknown-linux-musl.tar.gz");
    for (path, ok, says) in [
        (&verifies, true, format!("verified the build attestation of {asset}: made by a workflow of xeno/imgbump")),
        (&old, true, "this gh has no 'attestation' command".to_string()),
        (&none, true, format!("gh is not installed, so the build attestation of {asset} was not verified (its checksum was)")),
        (&refuses, false, format!("the build attestation of {asset} does not verify for xeno/imgbump")),
    ] {
        let to = s.dir.path().join("bin");
        let _ = std::fs::remove_dir_all(&to);
        let out = s.install(
            &["--version", VERSION, "--to", to.to_str().unwrap(), "--base-url", &s.server.url(), "--attestation-repo", "xeno/imgbump"],
            &[("PATH", path), ("IMGBUMP_INSTALL_OS", "Linux"), ("IMGBUMP_INSTALL_ARCH", "x86_64")],
        );
        assert_eq!(out.status.success(), ok, "{says}: {}", text(&out));
        assert!(stderr(&out).contains(&says), "{}", text(&out));
        assert_eq!(to.join("imgbump").is_file(), ok, "{says}");
    }
    let recorded = std::fs::read_to_string(&calls).unwrap();
    assert!(
        recorded.starts_with("attestation verify ")
            && recorded
                .trim_end()
                .ends_with(&format!("/{asset} --repo xeno/imgbump")),
        "{recorded}"
    );
    for bad in ["xeno", "xeno/imgbump/x", "xeno/im gbump", "/x", "x/"] {
        let out = s.install(&["--attestation-repo", bad], &[]);
        assert_eq!(out.status.code(), Some(1), "{bad}: {}", text(&out));
        assert!(
            stderr(&out).contains("--attestation-repo takes OWNER/REPO"),
            "{bad}: {}",
            text(&out)
        );
    }
}

/// The action's own steps, run as the runner runs them: its version from its Cargo.toml, the
/// binary installed by scripts/install.sh from the (loopback) release, put on PATH; a cached
/// binary of another version is replaced.
#[test]
fn the_action_installs_its_own_version_in_seconds() {
    let s = Setup::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let action: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&std::fs::read_to_string(root.join("action.yml")).unwrap())
            .unwrap();
    let step = |name: &str| {
        action["runs"]["steps"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|st| st["name"] == name)
            .and_then(|st| st["run"].as_str())
            .unwrap_or_else(|| panic!("no step {name}"))
            .to_string()
    };
    let (outputs, path_file, tools) = (
        s.dir.path().join("out"),
        s.dir.path().join("path"),
        s.dir.path().join("tool-cache"),
    );
    let run = |script: &str, env: &[(&str, &str)]| {
        let mut c = Command::new("bash");
        c.args(["-c", script])
            .env("ACTION_PATH", root)
            .env("GITHUB_OUTPUT", &outputs)
            .env("GITHUB_PATH", &path_file)
            .env("RUNNER_TOOL_CACHE", &tools)
            .env("HOME", s.dir.path())
            .env("TMPDIR", s.dir.path())
            .env("IMGBUMP_INSTALL_BASE_URL", s.server.url())
            .env("CARGO_CALLS", s.dir.path().join("cargo-calls"))
            .env(
                "PATH",
                format!("{}:{}", s.stub.display(), std::env::var("PATH").unwrap()),
            );
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let out = run(&step("Find imgbump's version"), &[]);
    assert!(out.status.success(), "{}", text(&out));
    let got = std::fs::read_to_string(&outputs).unwrap();
    let value = |k: &str| {
        got.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .unwrap()
            .to_string()
    };
    assert_eq!(value("version"), VERSION);
    assert_eq!(value("hash").len(), 16);
    let bin_dir = value("dir");
    assert!(
        bin_dir.starts_with(&format!("{}/imgbump/{VERSION}-", tools.display())),
        "{bin_dir}"
    );
    let install = step("Install imgbump");
    let env = [("VERSION", VERSION), ("BIN_DIR", bin_dir.as_str())];
    let started = std::time::Instant::now();
    let out = run(&install, &env);
    assert!(out.status.success(), "{}", text(&out));
    eprintln!(
        "the action's install step from a loopback release: {:?}",
        started.elapsed()
    );
    assert_eq!(
        std::fs::read_to_string(&path_file).unwrap(),
        format!("{bin_dir}\n")
    );
    let v = Command::new(Path::new(&bin_dir).join("imgbump"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&v.stdout).trim(),
        format!("imgbump {VERSION}")
    );
    assert_eq!(s.cargo_calls(), "");
    // Restored from the cache: the same version is used as it is, with no download.
    let out = run(&install, &env);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("downloading"),
        "{}",
        text(&out)
    );
    // A cached binary of another version is never used.
    std::fs::write(
        Path::new(&bin_dir).join("imgbump"),
        "#!/bin/sh\necho imgbump 0.0.1\n",
    )
    .unwrap();
    let out = run(&install, &env);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("downloading"),
        "{}",
        text(&out)
    );
    let v = Command::new(Path::new(&bin_dir).join("imgbump"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&v.stdout).trim(),
        format!("imgbump {VERSION}")
    );
}

/// The release workflow makes what install.sh reads: an archive per target install.sh knows,
/// named imgbump-VERSION-TARGET.tar.gz with the binary at its top, SHA256SUMS, and the major
/// tag moved; CI runs .ci/run.
#[test]
fn the_release_workflow_makes_what_the_install_script_reads() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
    let wf: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&read(".github/workflows/release.yml")).unwrap();
    let install = read("scripts/install.sh");
    let mut targets: Vec<&str> = wf["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|m| m["target"].as_str().unwrap())
        .collect();
    targets.sort();
    assert_eq!(
        targets,
        [
            "aarch64-apple-darwin",
            "aarch64-unknown-linux-musl",
            "x86_64-apple-darwin",
            "x86_64-unknown-linux-musl"
        ]
    );
    for t in &targets {
        assert!(
            install.contains(&format!(") echo {t} ;;")),
            "install.sh does not map a platform to {t}"
        );
    }
    let steps = |job: &str| -> String {
        wf["jobs"][job]["steps"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter_map(|s| s["run"].as_str())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let build = steps("build");
    assert!(
        build.contains(r#"tar -czf "imgbump-${TAG#v}-$TARGET.tar.gz" -C "$stage" imgbump"#),
        "{build}"
    );
    // The archive carries the man pages (for MANPATH) and the completions, as the docs say.
    assert!(
        build.contains(r#"cp completions/*.1 "$stage/man/man1/""#)
            && build.contains(r#"-C "$stage" imgbump man completions"#),
        "{build}"
    );
    for file in [
        "imgbump.bash",
        "_imgbump",
        "imgbump.fish",
        "_imgbump.ps1",
        "imgbump.elv",
    ] {
        assert!(build.contains(&format!("completions/{file}")), "{file}");
    }
    let publish = steps("publish");
    assert!(publish.contains("sha256sum imgbump-*.tar.gz > SHA256SUMS"));
    assert!(publish.contains(r#"git push --force origin "refs/tags/$major""#));
    assert!(install.contains(r#"imgbump-[0-9A-Za-z.+-]+-$target\.tar\.gz"#));
    assert_eq!(wf["on"]["push"]["tags"][0], "v[0-9]+.[0-9]+.[0-9]+");
    // Each archive is attested where it is built, with the permissions that takes, and the
    // Action's install step checks it against the repository the script downloads from.
    let perms = &wf["jobs"]["build"]["permissions"];
    assert_eq!(
        (perms["id-token"].as_str(), perms["attestations"].as_str()),
        (Some("write"), Some("write"))
    );
    let attest = wf["jobs"]["build"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .position(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/attest-build-provenance@"))
        })
        .expect("the build job attests its archive");
    assert_eq!(
        wf["jobs"]["build"]["steps"][attest]["with"]["subject-path"],
        "imgbump-*.tar.gz"
    );
    let package = wf["jobs"]["build"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .position(|s| s["name"] == "Package")
        .unwrap();
    assert!(package < attest);
    let repo = install
        .lines()
        .find_map(|l| l.strip_prefix("repo_url=https://github.com/"))
        .unwrap();
    assert!(
        read("action.yml").contains(&format!(
            r#"--source "$ACTION_PATH" --attestation-repo {repo}"#
        )),
        "action.yml's install step does not verify the attestation of {repo}"
    );
    let ci: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&read(".github/workflows/ci.yml")).unwrap();
    assert!(ci["jobs"]["ci"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .any(|s| s["run"] == ".ci/run"));
}
