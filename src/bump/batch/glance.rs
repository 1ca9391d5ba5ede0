//! A waiting run's look at the remote's advertisement alone: what it lists says whether this
//! run must fetch and read the requests (it is the oldest, or the oldest stands still), fetch
//! the branch alone (its own request is gone: most likely landed), or only wait.
//!
//! Why: on a server every fetch that downloads spawns a pack-objects besides the connection's
//! own process (a shallow clone's fetch always negotiates, even for nothing new), and in a
//! burst most looks find nothing to do. The order of requests is their ids' (the time each was
//! made), so the advertisement alone says who is oldest.

use std::time::Duration;

use git2::Oid;

use crate::git::Want;

use super::{created_of, jittered, next_in_line, poll_wait, Mine, GATHER, POLL_NEXT};

/// What an advertisement means for this run.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Glance {
    /// Fetch this, then look at what came ([`Run::look`](super::Run)).
    Look(Want),
    /// Wait this long before the next glance.
    Wait(Duration),
}

/// What the remote's advertisement (its branch at `tip`, its requests `listed` as
/// `(id, commit)`) means for `mine`. The full look that follows a [`Glance::Look`] decides
/// with the requests read; this only says when one is worth its cost.
pub(super) fn glance(mine: &mut Mine, tip: Oid, listed: &[(String, Oid)]) -> Glance {
    if mine.alone {
        return Glance::Look(Want::Requests);
    }
    if !listed.iter().any(|(id, _)| *id == mine.id) {
        // Deleted: landed, most likely (the branch's history says), or taken for expired.
        return Glance::Look(Want::Branch);
    }
    let mut live: Vec<(u64, &str)> = listed
        .iter()
        .filter(|(id, _)| !mine.gone.contains(id) && !mine.passed.contains(id))
        .filter_map(|(id, _)| Some((created_of(id)?, id.as_str())))
        .collect();
    live.sort_unstable();
    let Some(&(_, oldest)) = live.first() else {
        return Glance::Look(Want::Requests);
    };
    if oldest == mine.id {
        // The lander waits while requests keep arriving, up to GATHER after its own was made.
        let growing = live.len() > mine.last_count;
        mine.last_count = live.len();
        let made = mine.made.elapsed();
        if live.len() > 1 && growing && made < GATHER {
            return Glance::Wait(GATHER.saturating_sub(made).min(POLL_NEXT));
        }
        return Glance::Look(Want::Requests);
    }
    let rank = live.iter().position(|(_, id)| *id == mine.id);
    if mine.stands_still(oldest, tip, live.len(), rank) {
        // The oldest stands still: the full look decides whether its run is gone.
        return Glance::Look(Want::Requests);
    }
    Glance::Wait(match next_in_line(&live, &mine.id) {
        true => jittered(POLL_NEXT),
        false => poll_wait(&mut mine.polls, live.len()),
    })
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::super::STALE;
    use super::*;

    const A: &str = "1765000000000-000000000000000a";
    const B: &str = "1765000000100-000000000000000b";
    const C: &str = "1765000005000-000000000000000c";

    fn mine(id: &str) -> Mine {
        Mine::new(id.to_string(), Vec::new(), String::new(), Oid::ZERO_SHA1)
    }

    fn listed(ids: &[&str]) -> Vec<(String, Oid)> {
        ids.iter()
            .map(|id| (id.to_string(), Oid::ZERO_SHA1))
            .collect()
    }

    #[test]
    fn a_run_whose_request_is_gone_fetches_the_branch_alone() {
        let mut m = mine(B);
        assert_eq!(
            glance(&mut m, Oid::ZERO_SHA1, &listed(&[A, C])),
            Glance::Look(Want::Branch)
        );
    }

    #[test]
    fn a_run_behind_the_oldest_waits_and_the_oldest_gathers_then_looks() {
        let tip = Oid::ZERO_SHA1;
        let mut b = mine(B);
        assert!(matches!(
            glance(&mut b, tip, &listed(&[C, A, B])),
            Glance::Wait(_)
        ));
        // The oldest waits while requests keep arriving, then fetches them.
        let mut a = mine(A);
        assert!(matches!(
            glance(&mut a, tip, &listed(&[A, B])),
            Glance::Wait(_)
        ));
        assert_eq!(
            glance(&mut a, tip, &listed(&[A, B])),
            Glance::Look(Want::Requests)
        );
        // One passed over (landed, expired, not valid) no longer stands before this run.
        b.passed.insert(A.to_string());
        assert_eq!(
            glance(&mut b, tip, &listed(&[A, B])),
            Glance::Look(Want::Requests)
        );
    }

    #[test]
    fn an_oldest_standing_still_is_looked_at_by_the_run_after_it() {
        let tip = Oid::ZERO_SHA1;
        let mut b = mine(B);
        assert!(matches!(
            glance(&mut b, tip, &listed(&[A, B])),
            Glance::Wait(_)
        ));
        // As if it had stood still for longer than STALE with the branch at this tip.
        let long_ago = Instant::now().checked_sub(STALE * 3);
        if let (Some(at), Some((_, since, _))) = (long_ago, b.oldest.as_mut()) {
            *since = at;
        }
        assert_eq!(
            glance(&mut b, tip, &listed(&[A, B])),
            Glance::Look(Want::Requests)
        );
        // A moved branch means the lander is at work: the clock starts again.
        let moved = Oid::from_bytes(&[1; 20]).unwrap_or(tip);
        assert!(matches!(
            glance(&mut b, moved, &listed(&[A, B])),
            Glance::Wait(_)
        ));
    }
}
