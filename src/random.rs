//! Numbers no other process will draw at the same moment: for spreading retries, and for
//! names (temporary files, `GITHUB_OUTPUT` delimiters) nothing else will pick. Not for secrets.

use std::hash::{BuildHasher, Hasher};

/// 64 bits from std's per-process random hash keys, the time and the pid.
pub(crate) fn u64() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.write_u32(std::process::id());
    h.finish()
}

#[cfg(test)]
mod tests {
    #[test]
    fn draws_differ() {
        let drawn: std::collections::HashSet<u64> = (0..100).map(|_| super::u64()).collect();
        assert_eq!(drawn.len(), 100);
    }
}
