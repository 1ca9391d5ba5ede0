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
//! | [`trust`] | cosign and sigstore signatures checked, keyed or keyless (certificate chain, SCT, transparency log, identity), against a sigstore trusted root; pure, no I/O |
//! | [`registry`] | the OCI distribution API (does the image exist, its digest) and Docker's credentials; knows nothing of Git or YAML |
//! | [`config`] | `.imgbump.yaml`: services, their targets and environments, with errors at file:line:col |
//! | [`failure`] | the error type of every command, with the kind that decides the exit code |
//! | [`http`] | the one HTTP client setup (TLS roots, no redirects followed, bounded answers) |
//! | [`git`] | open a checkout or clone, read, commit, push without force, fetch; credentials, TLS, the cache, the index; knows nothing of YAML |
//! | [`manifest`] | the edit engine, text in and text out, no I/O: choosing a target (workload containers, kustomize `images:`, key paths in Helm values or any YAML), editing it through one splice-and-verify path |
//! | [`sign`] | SSH and OpenPGP signatures over a commit's bytes (`ssh-keygen -Y sign`, `gpg -bsau`) |
//! | [`service`] | service names (DNS labels) and the manifest path template |
//! | [`reference`](mod@reference) | image references: the OCI grammar, `:TAG` and `@DIGEST` shorthands |
//! | [`url`] | a remote's address, parsed once; shown without its secrets |
//! | [`template`] | `{placeholder}` templates, filled in one pass |
//! | [`trailers`] | imgbump's commit trailers, written and read in one place |
//! | [`hold`] | a person's hold on a service: the words of its comment line, and when it ends |
//! | [`interrupt`] | SIGINT/SIGTERM/SIGHUP noted, and the run ended at a safe point |
//!
//! No module imports one above it in this table's order of floors (cli, bump, then the rooms
//! they use, then git and manifest, then the leaves).
//!
//! Each module's own documentation has a table of its files.

pub mod bump;
mod child;
pub mod cli;
pub mod config;
pub mod deploy;
pub mod failure;
pub mod forge;
pub mod git;
pub mod hold;
pub mod http;
pub mod interrupt;
pub mod locate;
pub mod manifest;
mod random;
pub mod reference;
pub mod registry;
pub mod service;
pub mod sign;
pub mod template;
pub mod trailers;
pub mod trust;
pub mod url;
mod utc;
