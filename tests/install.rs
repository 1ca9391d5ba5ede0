//! `scripts/install.sh` against a release directory built from this checkout and served on
//! 127.0.0.1 by a real HTTP server (Python's `http.server`): a good release, a corrupt archive,
//! a missing release, an unknown platform, and plain HTTP from elsewhere refused.
//!
//! The fallback builds with `cargo install`; that build is the ordinary release build (a few
//! minutes, the README's first command runs it), so here a `cargo` early on PATH records how it
//! was called and leaves a binary, and the test checks the script's choice and arguments.

mod support;

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use support::*;

const VERSION: &str = env!("CARGO_PKG_VERSION");
const TARGET: &str = "x86_64-unknown-linux-musl";

/// `python3 -m http.server` on 127.0.0.1 over `root`, in its own process group.
struct Static {
    child: Child,
    port: u16,
}

impl Static {
    fn start(root: &Path) -> Static {
        let port = free_port();
        let child = Command::new("python3")
            .args(["-m", "http.server", "--bind", "127.0.0.1", &port.to_string(), "--directory"])
            .arg(root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("python3 runs");
        wait_for(port);
        Static { child, port }
    }
    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Static {
    fn drop(&mut self) {
        end_group(&mut self.child);
    }
}

fn sha256(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    String::from_utf8(out.stdout).unwrap().split(' ').next().unwrap().to_string()
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
        format!("{sum}  {asset}\n{}  imgbump-{version}-aarch64-apple-darwin.tar.gz\n", "0".repeat(64)),
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
        copy_dir(&releases.join(format!("v{VERSION}")), &releases.join("latest"));
        let stub = dir.path().join("stub");
        std::fs::create_dir_all(&stub).unwrap();
        std::fs::write(
            stub.join("cargo"),
            "#!/bin/sh\nprintf '%s\\n' \"$*\" > \"$CARGO_CALLS\"\nroot=\nwhile [ $# -gt 0 ]; do [ \"$1\" = --root ] && root=$2; shift; done\nmkdir -p \"$root/bin\"\nprintf '#!/bin/sh\\necho imgbump built-from-source\\n' > \"$root/bin/imgbump\"\nchmod 755 \"$root/bin/imgbump\"\n",
        )
        .unwrap();
        Command::new("chmod").args(["755"]).arg(stub.join("cargo")).status().unwrap();
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
            .env("PATH", format!("{}:{}", self.stub.display(), std::env::var("PATH").unwrap()))
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
    let out = s.install(&["--version", VERSION, "--to", to.to_str().unwrap(), "--base-url", &s.server.url()], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let v = Command::new(to.join("imgbump")).arg("--version").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&v.stdout).trim(), format!("imgbump {VERSION}"));
    assert!(stderr(&out).contains(&format!("installed imgbump {VERSION} in {}", to.display())), "{}", text(&out));
    assert_eq!(s.cargo_calls(), "", "cargo ran");
    // The latest, through the environment variable; into IMGBUMP_INSTALL_DIR.
    let to2 = s.dir.path().join("bin2");
    let out = s.install(&[], &[("IMGBUMP_INSTALL_BASE_URL", &s.server.url()), ("IMGBUMP_INSTALL_DIR", to2.to_str().unwrap())]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(to2.join("imgbump").is_file());
    // No temporary directory is left.
    let left: Vec<_> = std::fs::read_dir(s.dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).filter(|n| n.starts_with("imgbump-install")).collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_corrupt_archive_is_refused_and_nothing_is_installed() {
    let s = Setup::new();
    let to = s.dir.path().join("bin");
    let out = s.install(&["--version", "0.0.9", "--to", to.to_str().unwrap(), "--base-url", &s.server.url()], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(stderr(&out).contains("checksum mismatch for imgbump-0.0.9-x86_64-unknown-linux-musl.tar.gz"), "{}", text(&out));
    assert!(stderr(&out).contains("nothing was installed"));
    assert!(!to.join("imgbump").exists());
    assert_eq!(s.cargo_calls(), "");
}

#[test]
fn a_missing_release_or_an_unknown_platform_falls_back_to_cargo_install() {
    let s = Setup::new();
    let to = s.dir.path().join("bin");
    let out = s.install(&["--version", "9.9.9", "--to", to.to_str().unwrap(), "--base-url", &s.server.url()], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let said = stderr(&out);
    assert!(said.contains("there is no release at") && said.contains("building it with cargo install instead"), "{said}");
    assert!(s.cargo_calls().starts_with("install --locked --root ") && s.cargo_calls().ends_with(" imgbump --version 9.9.9\n"), "{}", s.cargo_calls());
    assert!(said.contains(&format!("installed imgbump built-from-source in {}", to.display())), "{said}");
    // An unknown platform, with --source (as the action passes its own checkout).
    std::fs::remove_file(s.dir.path().join("cargo-calls")).unwrap();
    let out = s.install(
        &["--version", VERSION, "--to", to.to_str().unwrap(), "--base-url", &s.server.url(), "--source", "/src/imgbump"],
        &[("IMGBUMP_INSTALL_OS", "Plan9"), ("IMGBUMP_INSTALL_ARCH", "mips")],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(stderr(&out).contains("there is no release binary for Plan9/mips"), "{}", text(&out));
    assert!(s.cargo_calls().ends_with(" --path /src/imgbump\n"), "{}", s.cargo_calls());
    // A platform the release has no binary for (macOS x86_64 is not in these sums).
    let out = s.install(&["--version", VERSION, "--to", to.to_str().unwrap(), "--base-url", &s.server.url()], &[("IMGBUMP_INSTALL_OS", "Darwin"), ("IMGBUMP_INSTALL_ARCH", "x86_64")]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(stderr(&out).contains("has no binary for x86_64-apple-darwin"), "{}", text(&out));
}

#[test]
fn plain_http_from_elsewhere_and_bad_arguments_are_refused() {
    let s = Setup::new();
    let to = s.dir.path().join("bin");
    for (args, words) in [
        (vec!["--base-url", "http://example.com/rel", "--version", "1.0.0"], "HTTPS only"),
        (vec!["--version", "latest; rm -rf /"], "--version takes a release version"),
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
