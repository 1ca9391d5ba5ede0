//! imgbump: move a new container image into a Git repository of Kubernetes manifests, changing
//! only the bytes of the image, and commit and push it without losing a concurrent update.
//!
//! The crate is a library with a thin binary:
//! - [`reference`]: image references (the OCI grammar, `:TAG` and `@DIGEST` shorthands);
//! - [`manifest`]: the edit engine, text in and text out, no I/O;
//! - [`service`]: service names and the manifest path template;
//! - [`git`]: open or clone, read blobs, commit, push with retry; knows nothing of YAML;
//! - [`cli`]: the command line, output and exit codes.

pub mod bump;
pub mod cli;
pub mod git;
pub mod manifest;
pub mod reference;
pub mod service;
