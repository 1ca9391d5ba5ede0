//! After the push: following the Argo CD Application that deploys a target until it has
//! deployed the commit (or a later one containing it), synced and healthy, and telling people
//! what happened. Knows nothing of YAML or the command line; of Git, only whether one commit
//! contains another, asked of the workspace.
//!
//! | room | what it holds |
//! |---|---|
//! | `argocd.rs` | Argo CD's API read: an Application (sync, health, operation, unhealthy resources, sources), and the verdict on a commit |
//! | `watch.rs` | which application deploys each target, and the wait: read, judge, report each change of state, until a verdict or the deadline |
//! | `notify.rs` | Slack and webhook notifications: the event, its text and payloads (Slack's mrkdwn escaped), sent best effort before a deadline |

pub(crate) mod argocd;
pub(crate) mod notify;
pub(crate) mod watch;
