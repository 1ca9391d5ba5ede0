//! imgbump: move a new container image into a Git repository of Kubernetes manifests, changing
//! only the bytes of the image, and commit and push it without losing a concurrent update.
//!
//! The crate is a library with a thin binary. Its rooms, in the order data flows through them:
//!
//! | module | what it holds |
//! |---|---|
//! | [`cli`] | the clap definition (help, completions, man page), one file per subcommand, text, JSON and GitHub Actions output, the one mapping of failures to exit codes |
//! | [`reference`](mod@reference) | image references: the OCI grammar, `:TAG` and `@DIGEST` shorthands |
//! | [`config`] | `.imgbump.yaml`: services, their targets and environments, with errors at file:line:col |
//! | [`sign`] | SSH and OpenPGP signatures over a commit's bytes (`ssh-keygen -Y sign`, `gpg -bsau`) |
//! | [`forge`] | pull requests: GitHub's REST API, GitLab's push options; knows nothing of YAML |
//! | [`service`] | service names (DNS labels) and the manifest path template |
//! | [`git`] | open a checkout or clone, read, commit, push without force, fetch; credentials, TLS, the cache, the index; knows nothing of YAML |
//! | [`registry`] | the OCI distribution API (does the image exist, its digest) and Docker's credentials; knows nothing of Git or YAML |
//! | [`manifest`] | the edit engine, text in and text out, no I/O: choosing a target (workload containers, kustomize `images:`, key paths in Helm values or any YAML), editing it (render, splice, verify) |
//! | [`http`] | the one HTTP client setup (TLS roots, no redirects followed, bounded answers) |
//! | [`bump`] | one run from start to end: the targets on a tip, plan, registry checks, commit (signed), push (or a branch and a pull request), retry on a moved branch |
//! | [`interrupt`] | SIGINT/SIGTERM/SIGHUP noted, and the run ended at a safe point |
//!
//! Each module's own documentation has a table of its files.

pub mod bump;
mod child;
pub mod cli;
pub mod config;
pub mod forge;
pub mod git;
pub mod http;
pub mod interrupt;
pub mod manifest;
mod random;
pub mod reference;
pub mod registry;
pub mod service;
pub mod sign;
mod utc;
