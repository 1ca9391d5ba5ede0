//! The fuzzer's property (`fuzz/property.rs`) over its corpus, with selector bytes that pick
//! every reference and every combination of options: so the property builds and holds in every
//! test run, not only under `cargo fuzz`.

#[path = "../fuzz/property.rs"]
mod property;

#[test]
fn the_fuzz_corpus_holds_for_every_operation_kind() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/edit");
    let (mut files, mut checked) = (0, 0);
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        // A seed's first byte chooses the reference and options and the rest is YAML; the real
        // files are YAML whole. Both readings, with each selector.
        for sel in [0u8, 1, 2, 3, 4, 5, 6, 0x47, 0x81, 0xc2, 0x33] {
            let mut whole = vec![sel];
            whole.extend_from_slice(&bytes);
            checked += property::run(&whole);
            if let Some(rest) = bytes.get(1..) {
                let mut seed = vec![sel];
                seed.extend_from_slice(rest);
                checked += property::run(&seed);
            }
        }
        files += 1;
    }
    assert!(
        files >= 40,
        "the corpus at {} has {files} files",
        dir.display()
    );
    // Edits were made and checked, not all skipped.
    assert!(checked >= 1000, "only {checked} edits were checked");
}
