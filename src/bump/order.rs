//! Never going backwards: the order key recorded for each service on the tip being edited
//! (the trailers themselves are written and read in [`crate::trailers`]), and which open pull
//! requests a newer bump supersedes.

use std::collections::HashMap;

use git2::Oid;

use crate::failure::Failure;
use crate::git::Workspace;
use crate::trailers;

use super::{Change, Pair};

/// The `Imgbump-Order` trailers for the changes that change something.
pub(super) fn trailers(changes: &[Change], key: u64) -> Vec<(String, String)> {
    changes
        .iter()
        .filter(|c| c.changed)
        .map(|c| trailers::order(&c.service, key))
        .collect()
}

/// The order key recorded last for each service of `pairs` on the branch's tip: the newest
/// first-parent commit with an `Imgbump-Order` trailer for it. A shallow clone is deepened
/// while a service's key is not found and there is more history to fetch.
pub(super) fn recorded(
    ws: &mut Workspace,
    pairs: &[Pair],
) -> Result<HashMap<String, u64>, Failure> {
    // One key per service (`update` may name a service once per target).
    let wanted = pairs
        .iter()
        .map(|p| p.service.as_str())
        .collect::<std::collections::HashSet<_>>()
        .len();
    loop {
        let mut found: HashMap<String, u64> = HashMap::new();
        let shallow_end = ws.messages(|_: Oid, message: &str| {
            for p in pairs {
                if !found.contains_key(&p.service) {
                    if let Some(k) = trailers::key_in(message, &p.service) {
                        found.insert(p.service.clone(), k);
                    }
                }
            }
            found.len() < wanted
        })?;
        if found.len() == wanted || !shallow_end || !ws.deepen()? {
            return Ok(found);
        }
    }
}

/// Whether an open request (number `theirs_number`, description `body`) is older than ours
/// (number `ours_number`, order keys `order`): by the service's order key where both record
/// one, else by number.
pub(super) fn is_older(
    body: &str,
    theirs_number: u64,
    order: &[(String, u64)],
    ours_number: u64,
) -> bool {
    match order.first() {
        Some((service, ours)) => match trailers::key_in(body, service) {
            Some(theirs) => theirs < *ours,
            None => theirs_number < ours_number,
        },
        None => theirs_number < ours_number,
    }
}
