//! The command line: the clap definition, the subcommands, their output in text, JSON and for
//! GitHub Actions, and the one mapping of failures to exit codes.
//!
//! | room | what it holds |
//! |---|---|
//! | `args.rs` | the clap definition: the one source of `--help`, completions and the man page |
//! | `set.rs`, `get.rs`, `list.rs`, `history.rs`, `rollback.rs`, `promote.rs` | one subcommand each |
//! | `text.rs` | human output: messages on stderr, progress, plain results on stdout |
//! | `json.rs` | `--output json` |
//! | `github.rs` | `GITHUB_OUTPUT`, the step summary, `::error` annotations |
//! | `mod.rs` | [`run`], [`exit_code`], opening the repository for any subcommand |

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;

use std::time::Instant;

use crate::bump::{self, FailKind, Failure};
use crate::git::{self, Credentials, Workspace};
use crate::manifest::ImageField;
use crate::utc::utc;

mod args;
mod get;
mod github;
mod history;
mod json;
mod list;
mod promote;
mod rollback;
mod set;
mod text;

pub use args::{
    man_page, parse_duration, AddArgs, Cli, Command, CommitArgs, GetArgs, HistoryArgs, ListArgs,
    Output, PickArgs, PromoteArgs, RepoArgs, RollbackArgs, SetArgs,
};
use text::Say;

/// How the process should end.
pub struct Exit(pub i32);

/// Runs the command line; returns the exit code.
pub fn run(cli: Cli) -> Exit {
    // Every message is redacted with the secrets of the environment and of --repo as written.
    let mut creds = match cli.command.repo() {
        Some(repo) => Credentials::from_env().with_url(repo),
        None => Credentials::from_env(),
    };
    // A registry token is kept out of every message too.
    if let Ok(t) = std::env::var("IMGBUMP_REGISTRY_TOKEN") {
        creds = creds.hiding(t.trim());
    }
    let say = Say {
        quiet: cli.quiet,
        verbose: cli.verbose,
        creds: creds.clone(),
    };
    let (output, result) = match cli.command {
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "imgbump", &mut std::io::stdout());
            return Exit(0);
        }
        Command::Man { subcommand } => {
            let Some(out) = man_page(subcommand.as_deref()) else {
                text::error(&format!(
                    "no subcommand {}; man pages: {}",
                    crate::reference::shown(subcommand.as_deref().unwrap_or("")),
                    args::subcommands().join(", ")
                ));
                return Exit(2);
            };
            return Exit(if std::io::stdout().write_all(&out).is_ok() {
                0
            } else {
                1
            });
        }
        Command::Set(args) => (args.repo.output, set::run(&args, &say)),
        Command::Get(args) => (args.repo.output, get::run(&args)),
        Command::List(args) => (args.repo.output, list::run(&args)),
        Command::History(args) => (args.repo.output, history::run(&args)),
        Command::Rollback(args) => (args.repo.output, rollback::run(&args, &say)),
        Command::Promote(args) => (args.repo.output, promote::run(&args, &say)),
    };
    match result {
        Ok(()) => Exit(0),
        Err(f) => {
            let message = creds.redact(&f.message);
            if output == Output::Json {
                json::error(f.kind, &message);
            }
            if !(output == Output::Json && cli.quiet) {
                text::error(&message);
            }
            let code = exit_code(f.kind);
            if github::active() {
                github::annotate(&f, &message);
                github::failure(&message, code, &say);
            }
            Exit(code)
        }
    }
}

/// A command line clap could not read (or `--help`, `--version`): printed as clap prints it,
/// and also as `{"error": {"kind": "usage", …}}` on stdout when JSON output was asked for
/// (`--output json` or `IMGBUMP_OUTPUT=json`), so that a caller parsing JSON always gets some.
/// Returns the exit code.
pub fn usage_error(e: &clap::Error) -> i32 {
    use clap::error::ErrorKind as K;
    if matches!(e.kind(), K::DisplayHelp | K::DisplayVersion) {
        let _ = e.print();
        return 0;
    }
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let wants_json = args
        .windows(2)
        .any(|w| (w[0] == "--output" || w[0] == "-o") && w[1] == "json")
        || args.iter().any(|a| a == "--output=json" || a == "-ojson")
        || std::env::var_os("IMGBUMP_OUTPUT").is_some_and(|v| v == "json");
    if wants_json {
        let message = e.render().to_string();
        let first = message
            .lines()
            .next()
            .unwrap_or("")
            .trim_start_matches("error: ");
        json::error(FailKind::Usage, first);
    }
    let _ = e.print();
    exit_code(FailKind::Usage)
}

/// The process exit code for a kind of failure: the one place they are decided.
pub fn exit_code(kind: FailKind) -> i32 {
    match kind {
        FailKind::Other => 1,
        FailKind::Interrupted => 128 + crate::interrupt::requested().unwrap_or(2),
        FailKind::Usage => 2,
        FailKind::NotFound => 3,
        FailKind::Refused => 4,
        FailKind::Push => 5,
    }
}

/// Opens the checkout `--repo` names, or clones the URL it names. A clone whose connection is
/// refused, reset or cut (a server at its connection limit, a network blip) is tried again
/// after a pause, until `deadline`, and at most `retries` times when that is given.
fn workspace(
    args: &RepoArgs,
    say: &Say,
    deadline: Instant,
    retries: Option<u32>,
) -> Result<Workspace, Failure> {
    let progress = say.progress();
    git::defer_tls_setup();
    if !git::is_url(&args.repo) {
        let mut ws = Workspace::open(Path::new(&args.repo), args.branch.as_deref())?;
        if let Some(p) = progress {
            ws.set_progress(p);
        }
        if !say.quiet {
            ws.set_notice(std::rc::Rc::new(|m: &str| {
                eprintln!("imgbump: {}", text::printable(m));
            }));
        }
        return Ok(ws);
    }
    say.debug(&format!("cloning {}", git::redact_urls(&args.repo)));
    let opts = git::CloneOptions {
        branch: args.branch.as_deref(),
        depth: args.depth,
        workdir: args.workdir.as_deref(),
        cache: args.cache_dir.as_deref(),
        progress,
    };
    let mut tries = 0;
    loop {
        let cloned = Workspace::clone(&args.repo, &opts, Credentials::from_env());
        if let Some(signal) = crate::interrupt::requested() {
            return Err(Failure::interrupted(signal, "nothing was changed"));
        }
        match cloned {
            Err(e) if e.kind == git::ErrorKind::Network => {
                tries += 1;
                let wait = bump::backoff(tries);
                let knob = match retries {
                    Some(r) if tries > r => "--retries",
                    _ if Instant::now() + wait >= deadline => "--timeout",
                    _ => "",
                };
                if !knob.is_empty() {
                    return Err(Failure::new(
                        FailKind::Other,
                        format!(
                            "{}\nconnecting failed {} until {knob}; check that the server is up and the URL is right, or raise {knob}",
                            e.message,
                            if tries == 1 {
                                "once".to_string()
                            } else {
                                format!("{tries} times")
                            }
                        ),
                    ));
                }
                if tries == 1 {
                    say.info(&format!(
                        "imgbump: {}\ntrying again until --timeout",
                        e.message
                    ));
                }
                crate::interrupt::sleep(wait);
            }
            other => return Ok(other?),
        }
    }
}

/// One row of `list`: an image field of a file, or why the file could not be read.
enum ListRow {
    Image {
        service: String,
        file: String,
        field: ImageField,
    },
    /// A target of `.imgbump.yaml`, in an environment.
    Held {
        service: String,
        env: Option<String>,
        file: String,
        held: crate::manifest::Held,
    },
    Error {
        service: String,
        file: String,
        error: String,
    },
}

/// One version of a service's image in `history`, with the commit that introduced it.
struct Version {
    image: String,
    commit: git2::Oid,
    time: i64,
    /// `Name <email>` of the commit's author.
    author: String,
    /// The commit's `Requested-By` trailer.
    requested_by: Option<String>,
    /// The order key the commit recorded for the service.
    order_key: Option<u64>,
    /// The image the commit rolled back from, if it was a rollback.
    rolled_back_from: Option<String>,
}

/// The first seven hex digits of a commit id.
fn short(oid: git2::Oid) -> String {
    oid.to_string().chars().take(7).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_failure_has_its_own_exit_code() {
        let kinds = [
            FailKind::Other,
            FailKind::Usage,
            FailKind::NotFound,
            FailKind::Refused,
            FailKind::Push,
        ];
        let codes: Vec<i32> = kinds.iter().map(|k| exit_code(*k)).collect();
        assert_eq!(codes, [1, 2, 3, 4, 5]);
        let names: Vec<&str> = kinds.iter().map(|k| json::kind_name(*k)).collect();
        assert_eq!(names, ["error", "usage", "not-found", "refused", "push"]);
    }

    #[test]
    fn dates_are_utc_in_iso_8601() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc(1_795_000_000), "2026-11-18T11:06:40Z");
        assert_eq!(utc(-1), "1969-12-31T23:59:59Z");
    }
}
