//! Arbitrary YAML text, a selector and a new reference: the engine never panics, and every
//! edit it returns differs from the input only inside the selected field's span and reads back
//! with the new value there.
//!
//! Run: `RUSTC_BOOTSTRAP=1 cargo fuzz run edit -- -max_total_time=600` (from the project root).
#![no_main]

use imgbump::manifest::{Manifest, Target};
use imgbump::reference::ImageSpec;
use libfuzzer_sys::fuzz_target;

const REFS: [&str; 6] = ["nginx:1.27", ":v2", "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "1.10", "r.io:5000/a/b__c:t", "true"];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, yaml)) = data.split_first() else { return };
    let Ok(m) = Manifest::parse_bytes(yaml) else { return };
    let text = m.text();
    let spec: ImageSpec = REFS[usize::from(sel) % REFS.len()].parse().unwrap();
    // Every listed field, edited directly.
    for f in m.images() {
        assert!(text.is_char_boundary(f.span.start) && text.is_char_boundary(f.span.end));
        let Ok(new) = spec.apply_to(&f.value) else { continue };
        if let Ok(edit) = m.set_field(f, &new) {
            check(text, &edit.text, f.span.clone(), edit.changed, &new.to_string());
        }
    }
    // And through selection, with names taken from the file.
    let names: Vec<&str> = m.images().iter().map(|f| f.container.as_str()).collect();
    let service = names.get(usize::from(sel >> 4) % names.len().max(1)).copied().unwrap_or("app");
    let target = Target { service, workload: None, container: None };
    if let Ok(edit) = m.set_image(&target, &spec) {
        check(text, &edit.text, edit.field.span.clone(), edit.changed, &edit.new);
    }
});

fn check(old: &str, new: &str, span: std::ops::Range<usize>, changed: bool, value: &str) {
    if !changed {
        assert_eq!(old, new);
        return;
    }
    let tail = &old[span.end..];
    assert!(new.starts_with(&old[..span.start]) && new.ends_with(tail), "bytes outside the span changed");
    let middle = &new[span.start..new.len() - tail.len()];
    assert_eq!(middle.trim_matches(|c| c == '"' || c == '\''), value);
    let again = Manifest::parse(new).expect("the engine reads its own output");
    let f = again.images().iter().find(|f| f.span.start == span.start).expect("the field is still there");
    assert_eq!(f.value, value);
}
