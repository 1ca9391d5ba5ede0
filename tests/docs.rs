//! The README and the documentation site (docs/, an mdBook) held against what imgbump does:
//! every shell example runs verbatim against a repository made here, or is marked as needing
//! what a test cannot have; the JSON examples match their schemas; the `GITHUB_OUTPUT` table
//! is the code's; the action's inputs are all documented; the README stays a front door.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::*;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The README and every page of the book.
fn pages() -> Vec<PathBuf> {
    let mut out = vec![root().join("README.md")];
    let md = |p: &Path| p.extension().is_some_and(|e| e == "md");
    files(&root().join("docs/src"), &md, &mut out);
    out
}

/// A fenced block: where it starts, its info string, its text.
struct Block {
    at: String,
    info: String,
    text: String,
}

fn blocks(path: &Path) -> Vec<Block> {
    let text = std::fs::read_to_string(path).unwrap();
    let name = path.strip_prefix(root()).unwrap().display().to_string();
    let mut out = Vec::new();
    let mut open: Option<(usize, String, String, String)> = None; // line, fence, info, text
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        match &mut open {
            None => {
                for fence in ["````", "```", "~~~"] {
                    if let Some(info) = trimmed.strip_prefix(fence) {
                        open = Some((
                            i + 1,
                            fence.to_string(),
                            info.trim().to_string(),
                            String::new(),
                        ));
                        break;
                    }
                }
            }
            Some((start, fence, info, body)) => {
                if trimmed == fence.as_str() {
                    out.push(Block {
                        at: format!("{name}:{start}"),
                        info: info.clone(),
                        text: body.clone(),
                    });
                    open = None;
                } else {
                    body.push_str(line);
                    body.push('\n');
                }
            }
        }
    }
    assert!(open.is_none(), "{name}: a code block is never closed");
    out
}

fn attr<'a>(info: &'a str, key: &str) -> Option<&'a str> {
    info.split_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
}

const SHELLS: [&str; 4] = ["sh", "bash", "shell", "console"];
const NEEDS: [&str; 6] = [
    "network",
    "github",
    "gitlab",
    "argocd",
    "registry",
    "toolchain",
];

/// Runs a block verbatim in a fresh checkout of `examples/NAME`, imgbump on PATH.
fn run_block(b: &Block, example: &str) {
    let fx = Fixture::of(example);
    if attr(&b.info, "with") == Some("Makefile") {
        std::fs::copy(
            root().join("examples/Makefile"),
            fx.checkout.join("Makefile"),
        )
        .unwrap();
    }
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_imgbump")).parent().unwrap();
    let mut c = Command::new("bash");
    c.args(["-e", "-o", "pipefail", "-c", &b.text])
        .current_dir(&fx.checkout)
        .env("HOME", &fx.home)
        .env("NO_COLOR", "1")
        .env(
            "PATH",
            format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap()),
        );
    // make's own variables too: the Makefile example runs make inside this test's process.
    for k in RUNNER_ENV
        .iter()
        .chain(&["MAKEFLAGS", "MFLAGS", "MAKELEVEL"])
    {
        c.env_remove(k);
    }
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "the example at {} fails when run as written:\n{}\n{}",
        b.at,
        b.text,
        text(&out)
    );
}

/// Every shell example in the README and the book runs, verbatim, against a repository made
/// here, or says what it needs that a test cannot have; every block names its language.
#[test]
fn every_shell_example_runs_or_is_marked() {
    let mut ran = 0;
    for page in pages() {
        for b in blocks(&page) {
            let lang = b.info.split_whitespace().next().unwrap_or("");
            assert!(
                !lang.is_empty(),
                "{}: a code block without a language (use `text`)",
                b.at
            );
            if !SHELLS.contains(&lang) {
                continue;
            }
            match (attr(&b.info, "run"), attr(&b.info, "needs")) {
                (Some(example), None) => {
                    assert!(
                        root().join("examples").join(example).is_dir(),
                        "{}: run={example}: no examples/{example}",
                        b.at
                    );
                    run_block(&b, example);
                    ran += 1;
                }
                (None, Some(need)) => {
                    assert!(
                        NEEDS.contains(&need),
                        "{}: needs={need}: one of {NEEDS:?}",
                        b.at
                    )
                }
                _ => panic!(
                    "{}: a shell example must be marked `run=EXAMPLE` (run by this test) or \
                     `needs=WHAT` (what a test cannot have); see docs/src/maintainers/docs.md",
                    b.at
                ),
            }
        }
    }
    assert!(ran >= 5, "only {ran} examples ran");
}

/// The JSON examples are outputs as the schemas describe them.
#[test]
fn json_examples_match_their_schemas() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("examples.jsonl");
    let mut lines = String::new();
    for page in pages() {
        for b in blocks(&page) {
            if !b.info.starts_with("json") {
                continue;
            }
            let schema = attr(&b.info, "schema")
                .unwrap_or_else(|| panic!("{}: mark a JSON example `schema=NAME`", b.at));
            assert!(
                root().join(format!("schemas/{schema}.json")).exists(),
                "{}",
                b.at
            );
            let v: serde_json::Value =
                serde_json::from_str(&b.text).unwrap_or_else(|e| panic!("{}: {e}", b.at));
            let cmd = if schema == "error" {
                None
            } else {
                Some(schema)
            };
            lines.push_str(&format!("{}\n", serde_json::json!({"cmd": cmd, "json": v})));
        }
    }
    assert!(!lines.is_empty());
    std::fs::write(&file, lines).unwrap();
    let out = Command::new(root().join("scripts/check-json"))
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    // A schema that cannot fail would pass anything: a field the contract lacks is refused.
    std::fs::write(
        &file,
        "{\"cmd\": \"get\", \"json\": [{\"service\": \"agent\", \"image\": \"x\", \"extra\": 1}]}\n",
    )
    .unwrap();
    let out = Command::new(root().join("scripts/check-json"))
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
}

/// Each subcommand with JSON output has its schema, linked from the output contract's page.
#[test]
fn every_json_output_has_a_schema_linked_from_the_docs() {
    let page = std::fs::read_to_string(root().join("docs/src/reference/output.md")).unwrap();
    for name in [
        "set", "get", "list", "history", "rollback", "promote", "hold", "release", "wait", "error",
        "webhook", "update",
    ] {
        let file = root().join(format!("schemas/{name}.json"));
        let schema: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        assert_eq!(
            schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{name}"
        );
        assert!(
            page.contains(&format!("`{name}.json`")),
            "output.md does not name {name}.json"
        );
    }
}

/// The `GITHUB_OUTPUT` keys of the docs' table, the keys the code writes, and the action's
/// outputs are one set (the action adds `version`).
#[test]
fn the_github_output_table_is_the_codes() {
    let table = github_output_keys();
    let code = std::fs::read_to_string(root().join("src/cli/github.rs")).unwrap();
    let re = regex::Regex::new(r#"\(\s*"([a-z][a-z-]*)",\s"#).unwrap();
    let written: BTreeSet<String> = re.captures_iter(&code).map(|c| c[1].to_string()).collect();
    assert_eq!(
        table, written,
        "docs/src/reference/output.md's table against src/cli/github.rs"
    );
    let action: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&std::fs::read_to_string(root().join("action.yml")).unwrap())
            .unwrap();
    for (k, _) in action["outputs"].as_mapping().unwrap() {
        let k = k.as_str().unwrap();
        assert!(
            k == "version" || table.contains(k),
            "the action's output {k} is not in the table"
        );
    }
}

/// Every input of the action has its row in the GitHub Actions page.
#[test]
fn every_action_input_is_documented() {
    let page = std::fs::read_to_string(root().join("docs/src/ci/github-actions.md")).unwrap();
    let action: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&std::fs::read_to_string(root().join("action.yml")).unwrap())
            .unwrap();
    for section in ["inputs", "outputs"] {
        for (k, _) in action[section].as_mapping().unwrap() {
            let k = k.as_str().unwrap();
            assert!(
                page.contains(&format!("| `{k}` |")),
                "{section}: {k} has no row"
            );
        }
    }
}

/// The README is a front door: short, the two commands first, a table of contents into the
/// book, every link to a file that exists.
#[test]
fn the_readme_is_a_front_door() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(
        readme.lines().count() <= 250,
        "README.md is {} lines",
        readme.lines().count()
    );
    let first = &blocks(&root().join("README.md"))[0];
    assert!(first.text.contains("scripts/demo") && first.text.contains("scripts/test"));
    assert!(readme.contains("## Documentation"));
    let re = regex::Regex::new(r"\]\(([^)#:]+)(#[^)]*)?\)").unwrap();
    let mut linked = 0;
    for c in re.captures_iter(&readme) {
        let path = root().join(&c[1]);
        assert!(
            path.exists(),
            "README links to {}, which is not there",
            &c[1]
        );
        linked += usize::from(c[1].starts_with("docs/src/"));
    }
    // Every page of the book is reachable from the README's table (or the summary).
    let summary = std::fs::read_to_string(root().join("docs/src/SUMMARY.md")).unwrap();
    for page in pages().iter().skip(1) {
        let rel = page
            .strip_prefix(root().join("docs/src"))
            .unwrap()
            .display()
            .to_string();
        if rel != "SUMMARY.md" {
            assert!(
                summary.contains(&format!("({rel})")),
                "SUMMARY.md lacks {rel}"
            );
        }
    }
    assert!(linked >= 15, "the README links {linked} pages of the book");
}

/// The README's first command: the demo bumps agent in a throwaway copy of the example and
/// shows the pushed commit (here with the tests' binary; the build is what scripts/demo adds,
/// with cargo's progress shown).
#[test]
fn the_demo_bumps_the_example_and_shows_the_commit() {
    let demo = std::fs::read_to_string(root().join("scripts/demo")).unwrap();
    assert!(
        demo.contains("run cargo build --release\n"),
        "the demo's build shows cargo's progress (no --quiet)"
    );
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(root().join("scripts/demo"))
        .env("IMGBUMP_BIN", env!("CARGO_BIN_EXE_imgbump"))
        .env("TMPDIR", tmp.path())
        .env("HOME", tmp.path())
        .env_remove("IMGBUMP_REPO")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("chore: update agent image to sha-abc1234"),
        "{shown}"
    );
    assert!(
        shown.contains(
            "+          image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/isa-agent:sha-abc1234"
        ),
        "{shown}"
    );
    // The demo's scratch directory is gone.
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
}

/// scripts/check-links (which scripts/docs runs on the built book) finds a link to a missing
/// page and an anchor that is not on its page, and passes a site without them.
#[test]
fn the_link_check_finds_a_broken_link_and_a_missing_anchor() {
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir(site.path().join("a")).unwrap();
    std::fs::write(site.path().join("a/page.html"), "<h2 id=\"there\">x</h2>").unwrap();
    let check = |index: &str| {
        std::fs::write(site.path().join("index.html"), index).unwrap();
        Command::new(root().join("scripts/check-links"))
            .arg(site.path())
            .output()
            .unwrap()
    };
    let out =
        check("<a href=\"a/page.html#there\">ok</a> <a href=\"https://example.com/x\">out</a>");
    assert!(out.status.success(), "{}", text(&out));
    let out = check("<a href=\"a/gone.html\">gone</a> <a href=\"a/page.html#elsewhere\">no</a>");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("a/gone.html (no such file)"), "{said}");
    assert!(
        said.contains("a/page.html#elsewhere (no such anchor)"),
        "{said}"
    );
}

/// The README's YAML blocks that use imgbump in CI run too: the GitHub Actions step through
/// the action's own bump step (its inputs as the runner passes them, the payload filled in),
/// and the GitLab job's script (all but the install line, which needs the network), each
/// against a repository made here.
#[test]
fn the_readmes_ci_examples_run() {
    let readme = blocks(&root().join("README.md"));
    let yaml: Vec<serde_yaml_ng::Value> = readme
        .iter()
        .filter(|b| b.info == "yaml")
        .map(|b| serde_yaml_ng::from_str(&b.text).unwrap())
        .collect();
    let payload = |v: &str| {
        v.replace("${{ github.event.client_payload.service }}", "agent")
            .replace("${{ github.event.client_payload.image }}", ":sha-abc1234")
            .replace("${{ github.event.client_payload.run_number }}", "41")
    };
    // GitHub Actions.
    let step = yaml
        .iter()
        .filter_map(|y| y.as_sequence())
        .flatten()
        .find(|s| s["uses"] == "xeno/imgbump@v1")
        .expect("a step using the action");
    let fx = Fixture::new();
    let url = fx.url();
    let inputs: Vec<(String, String)> = step["with"]
        .as_mapping()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let k = format!(
                "INPUT_{}",
                k.as_str().unwrap().to_uppercase().replace('-', "_")
            );
            (k, payload(v.as_str().unwrap()))
        })
        .chain([("INPUT_REPO".to_string(), url.clone())])
        .collect();
    let pairs: Vec<(&str, &str)> = inputs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let out = action_bump(&pairs).env("HOME", &fx.home).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(fx
        .remote_git(&["log", "-1", "--format=%B"])
        .contains("Imgbump-Order: agent=41"));
    assert!(fx.remote_file(AGENT).contains("isa-agent:sha-abc1234"));
    // GitLab CI.
    let job = yaml
        .iter()
        .find_map(|y| y.get("bump-image"))
        .expect("the GitLab job");
    let fx = Fixture::new();
    let project = fx.url().trim_end_matches(".git").to_string();
    for line in job["script"].as_sequence().unwrap() {
        let line = line.as_str().unwrap();
        if line.contains("install.sh") {
            continue;
        }
        let bin_dir = Path::new(env!("CARGO_BIN_EXE_imgbump")).parent().unwrap();
        let out = Command::new("bash")
            .args(["-e", "-c", line])
            .current_dir(fx.dir.path())
            .env("HOME", &fx.home)
            .env(
                "PATH",
                format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap()),
            )
            .env("CI_PROJECT_URL", &project)
            .env("SERVICE", "agent")
            .env("IMAGE", ":sha-def5678")
            .env_remove("IMGBUMP_REPO")
            .output()
            .unwrap();
        assert!(out.status.success(), "{line}: {}", text(&out));
    }
    assert!(fx.remote_file(AGENT).contains("isa-agent:sha-def5678"));
}
