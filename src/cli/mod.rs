//! The command line: the clap definition, the subcommands, their output in text, JSON and for
//! GitHub Actions, and the one mapping of failures to exit codes.
//!
//! | room | what it holds |
//! |---|---|
//! | `args.rs`, `commit_args.rs`, `deploy_args.rs`, `duration.rs` | the clap definition: the one source of `--help`, completions and the man page (the subcommands; the flag groups they share; waiting and notifying; durations) |
//! | `set.rs`, `get.rs`, `list.rs`, `history.rs`, `rollback.rs`, `promote.rs`, `hold.rs` (hold and release), `wait.rs`, `update.rs` | one subcommand each |
//! | `bumped.rs`, `deployed.rs` | a bump run and reported; the wait for Argo CD and the notifications after it, checked before the push |
//! | `text.rs` | human output: messages on stderr, progress, plain results on stdout |
//! | `json.rs` | `--output json` |
//! | `github.rs` | `GITHUB_OUTPUT`, the step summary, `::error` annotations |
//! | `options.rs` | flags turned into one validated options value per command |
//! | `open.rs` | opening the repository for any subcommand: the checkout, or a clone of the URL |
//! | `say.rs` | messages for humans on stderr, the progress line, escaping text from a repository |
//! | `rows.rs` | the rows the commands print, shared by text and JSON |
//! | `mod.rs` | [`run`], [`exit_code`] |

use std::io::Write;

use clap::CommandFactory;

use crate::failure::FailKind;
use crate::git::Credentials;

mod args;
mod bumped;
mod commit_args;
mod deploy_args;
mod deployed;
mod duration;
mod get;
mod github;
mod history;
mod hold;
mod json;
mod list;
mod open;
mod options;
mod promote;
mod rollback;
mod rows;
mod say;
mod set;
mod text;
mod update;
mod wait;

pub use args::{
    man_page, parse_duration, AddArgs, Cli, Command, CommitArgs, GetArgs, HistoryArgs, HoldArgs,
    HoldFlags, HoldWho, ListArgs, Output, PickArgs, PromoteArgs, ReleaseArgs, RepoArgs,
    RollbackArgs, SetArgs, UpdateArgs, WaitArgs,
};
use say::Say;

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
    creds.learn();
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
        Command::Man {
            dir: Some(dir),
            subcommand: _,
        } => {
            return match args::write_man_pages(&dir) {
                Ok(files) => {
                    say.info(&format!(
                        "wrote {} man pages into {}; man finds them with MANPATH={}:$MANPATH",
                        files.len(),
                        dir.join("man1").display(),
                        dir.display()
                    ));
                    Exit(0)
                }
                Err(e) => {
                    say::error(&format!(
                        "cannot write man pages into {}: {e}",
                        dir.display()
                    ));
                    Exit(1)
                }
            };
        }
        Command::Man {
            subcommand,
            dir: None,
        } => {
            let Some(out) = man_page(subcommand.as_deref()) else {
                say::error(&format!(
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
        Command::Get(args) => (args.repo.output, get::run(&args, &say)),
        Command::List(args) => (args.repo.output, list::run(&args, &say)),
        Command::History(args) => (args.repo.output, history::run(&args, &say)),
        Command::Rollback(args) => (args.repo.output, rollback::run(&args, &say)),
        Command::Promote(args) => (args.repo.output, promote::run(&args, &say)),
        Command::Hold(args) => (args.repo.output, hold::hold(&args, &say)),
        Command::Release(args) => (args.repo.output, hold::release(&args, &say)),
        Command::Wait(args) => (args.repo.output, wait::run(&args, &say)),
        Command::Update(args) => (args.repo.output, update::run(&args, &say)),
    };
    match result {
        Ok(()) => Exit(0),
        Err(f) => {
            let message = creds.redact(&f.message);
            let hint = f.hint.as_deref().map(|h| creds.redact(h));
            if output == Output::Json {
                json::error(f.kind, &message, hint.as_deref());
            }
            let text = match &hint {
                Some(hint) => format!("{message}\n{hint}"),
                None => message.clone(),
            };
            if !(output == Output::Json && cli.quiet) {
                say::error(&text);
            }
            let code = exit_code(f.kind);
            if github::active() {
                github::annotate(&f, &message, hint.as_deref());
                github::failure(&text, code, &say);
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
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if matches!(e.kind(), K::DisplayHelp | K::DisplayVersion) {
        let _ = e.print();
        if e.kind() == K::DisplayVersion && asks_verbose(&args) {
            println!("{}", crate::trust::root::public_good_summary());
        }
        return 0;
    }
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
        json::error(FailKind::Usage, first, None);
    }
    let _ = e.print();
    exit_code(FailKind::Usage)
}

/// Whether a command line that asked for the version also asked for more (`-v`, `--verbose`,
/// or `v` in a cluster of flags that take no value, such as `-Vv`), before any `--`: clap stops
/// reading at `--version`, so the rest is looked at here.
fn asks_verbose(args: &[std::ffi::OsString]) -> bool {
    args.iter()
        .skip(1)
        .map(|a| a.to_str().unwrap_or(""))
        .take_while(|a| *a != "--")
        .any(|a| {
            a == "--verbose"
                || a.strip_prefix('-').is_some_and(|c| {
                    !c.starts_with('-') && c.contains('v') && c.chars().all(|f| "vVq".contains(f))
                })
        })
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
        FailKind::NotDeployed => 6,
    }
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
    fn more_is_asked_by_v_in_any_form_before_a_double_dash() {
        let asks = |args: &[&str]| {
            let args: Vec<std::ffi::OsString> =
                ["imgbump"].iter().chain(args).map(Into::into).collect();
            asks_verbose(&args)
        };
        for yes in [
            &["--version", "-v"][..],
            &["-V", "--verbose"],
            &["-vV"],
            &["-qvv", "--version"],
            &["set", "--version", "-v"],
        ] {
            assert!(asks(yes), "{yes:?}");
        }
        for no in [
            &["--version"][..],
            &["-V"],
            &["--version", "--", "-v"],
            &["-ov", "--version"],
            &["--verbosity", "-V"],
        ] {
            assert!(!asks(no), "{no:?}");
        }
    }

    #[test]
    fn dates_are_utc_in_iso_8601() {
        use crate::utc::utc;
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc(1_795_000_000), "2026-11-18T11:06:40Z");
        assert_eq!(utc(-1), "1969-12-31T23:59:59Z");
    }
}
