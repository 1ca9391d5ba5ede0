//! Arbitrary YAML text, a selector and a new reference, through every kind of edit the engine
//! makes: see `../property.rs`, which `tests/fuzz_corpus.rs` also runs over the corpus.
//!
//! Run: `RUSTC_BOOTSTRAP=1 cargo fuzz run edit -- -max_total_time=600` (from the project root).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../property.rs"]
mod property;

fuzz_target!(|data: &[u8]| {
    property::run(data);
});
