//! imgbump: move a new container image into a Git repository of Kubernetes manifests, changing
//! only the bytes of the image, and commit and push it without losing a concurrent update.
//!
//! The crate is a library with a thin binary. Its rooms, in the order data flows through them:
//!
//! | module | what it holds |
//! |---|---|
//! | [`cli`] | the clap definition (help, completions, man page), flags turned into one options value, one file per subcommand, text, JSON and GitHub Actions output, the one mapping of failures to exit codes |
//! | [`bump`] | one run as a pipeline of stages: plan, commit (signed), deliver (push, or a branch of its own), after (pull or merge request); the loop on a moved branch |
//! | [`locate`] | where a service's targets are at a commit and what they hold, now and before; read-only, used by every command |
//! | [`deploy`] | after the push: the Argo CD Application followed until it has deployed the commit, healthy; Slack and webhook notifications; knows nothing of YAML |
//! | [`forge`] | pull requests: GitHub's REST API, GitLab's push options; knows nothing of YAML or of imgbump's trailers |
//! | [`registry`] | the OCI distribution API (does the image exist, its digest; a repository's tags, page by page; an image's creation time) and Docker's credentials; knows nothing of Git or YAML |
//! | [`policy`] | which registry tags a policy (`semver:`, `numeric:`, `alphabetical:`, `newest-build`, `digest:`) admits, and which is newest; pure |
//! | [`trust`] | cosign and sigstore signatures checked, keyed or keyless (certificate chain, SCT, transparency log, identity), against a sigstore trusted root; pure, no I/O |
//! | [`config`] | `.imgbump.yaml`: services, their targets and environments, with errors at file:line:col |
//! | [`failure`] | the error type of every command, with the kind that decides the exit code |
//! | [`http`] | the one HTTP client setup (TLS roots, no redirects followed, bounded answers); the types a server's JSON answer is read through, odd parts read as empty |
//! | [`git`] | open a checkout or clone, read, commit, push without force, fetch; credentials, TLS, the cache, the index; knows nothing of YAML |
//! | [`manifest`] | the edit engine, text in and text out, no I/O: choosing a target (workload containers, kustomize `images:`, key paths in Helm values or any YAML), editing it through one splice-and-verify path |
//! | [`sign`] | SSH and OpenPGP signatures over a commit's bytes (`ssh-keygen -Y sign`, `gpg -bsau`) |
//! | [`service`] | service names (DNS labels) and the manifest path template |
//! | [`reference`](mod@reference) | image references: the OCI grammar, `:TAG` and `@DIGEST` shorthands |
//! | [`secret`] | secrets (tokens, keys, webhook URLs) learnt once and redacted from everything printed, before any cut |
//! | [`url`] | a remote's address, parsed once; shown without its secrets |
//! | [`template`] | `{placeholder}` templates, filled in one pass |
//! | [`trailers`] | imgbump's commit trailers, written and read in one place |
//! | [`hold`] | a person's hold on a service: the words of its comment line, and when it ends |
//! | `retry` | trying again: backoff, `--timeout`'s deadline, `--retries`, `--connect-timeout`, a server's own wait, interruptible waits |
//! | [`interrupt`] | SIGINT/SIGTERM/SIGHUP noted, and the run ended at a safe point |
//! | `child` | other programs started (a credential helper, a signer, `git receive-pack`) with the user's environment |
//! | `random` | numbers for spreading retries and naming temporary files (not for secrets) |
//! | `utc` | the time room: Unix seconds as ISO 8601 UTC and back; the one read of the clock |
//!
//! No module imports one above it in this table's order of floors (cli, bump, then the rooms
//! they use, then git and manifest, then the leaves).
//!
//! Each module's own documentation has a table of its files; a test holds every table (this
//! one included) against the files there are.

mod bump;
mod child;
pub mod cli;
pub mod config;
mod deploy;
mod failure;
mod forge;
mod git;
pub use git::init as init_git;
pub mod hold;
mod http;
pub mod interrupt;
mod locate;
pub mod manifest;
mod policy;
mod random;
pub mod reference;
pub mod registry;
mod retry;
mod secret;
mod service;
mod sign;
pub mod template;
mod trailers;
pub mod trust;
mod url;
mod utc;

/// The module tables of the documentation held against the files.
#[cfg(test)]
mod tables {
    use std::collections::BTreeSet;
    use std::path::Path;

    /// The names in backquotes in the rows of the table in `text`'s module documentation.
    fn named(text: &str) -> BTreeSet<String> {
        text.lines()
            .filter_map(|l| l.strip_prefix("//! |"))
            .flat_map(|row| {
                let first = row.split(" | ").next().unwrap_or("");
                first
                    .split('`')
                    .skip(1)
                    .step_by(2)
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// The `.rs` files under `dir`, as paths relative to it.
    fn files(dir: &Path, under: &str, out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                files(&path, &format!("{under}{name}/"), out);
            } else if name.ends_with(".rs") {
                out.insert(format!("{under}{name}"));
            }
        }
    }

    #[test]
    fn every_folders_table_names_its_files_and_no_other() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        for entry in std::fs::read_dir(&src).unwrap() {
            let dir = entry.unwrap().path();
            if !dir.is_dir() {
                continue;
            }
            let text = std::fs::read_to_string(dir.join("mod.rs")).unwrap();
            let mut there = BTreeSet::new();
            files(&dir, "", &mut there);
            let mut table = named(&text);
            table.retain(|n| n.ends_with(".rs"));
            // mod.rs is the table's own file: named or not.
            there.remove("mod.rs");
            table.remove("mod.rs");
            assert_eq!(table, there, "the table of {}/mod.rs", dir.display());
        }
    }

    #[test]
    fn the_crates_table_names_every_module() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let text = std::fs::read_to_string(src.join("lib.rs")).unwrap();
        let declared: BTreeSet<String> = text
            .lines()
            .filter_map(|l| l.trim_start_matches("pub ").strip_prefix("mod "))
            .filter_map(|l| l.strip_suffix(';'))
            .map(str::to_string)
            .collect();
        let table: BTreeSet<String> = named(&text)
            .into_iter()
            .map(|n| n.trim_start_matches('[').to_string())
            .collect();
        assert_eq!(declared, table);
    }
}
