//! The property the fuzzer checks, shared with the test that replays its corpus
//! (`tests/fuzz_corpus.rs`): arbitrary YAML text, a selector byte and a new reference; every
//! kind of edit the engine makes (a workload's image, a kustomize entry, an added one, a key
//! path holding a reference, a tag or a digest, with and without `--create` and
//! `--drop-digest`) never panics, and every edit it returns reads back with the new image
//! where the target names it, the other bytes before and after the change unchanged. Every
//! target an edit accepts can be held, and released back to the original bytes.

use imgbump::hold::Hold;
use imgbump::manifest::{Holds, KeyPath, Locator, Manifest, SetOptions, Target};
use imgbump::reference::ImageSpec;

const REFS: [&str; 7] = [
    "nginx:1.27",
    ":v2",
    "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "1.10",
    "r.io:5000/a/b__c:t",
    "true",
    "ghcr.io/x/y:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
];

const KEYS: [&str; 6] = [
    "image",
    "image.tag",
    "spec.template.spec.containers[0].image",
    "images[0].newTag",
    "spec.source.helm.parameters[name=image.tag].value",
    "a.b[1]",
];

/// Runs every operation kind on `data` (its first byte chooses the reference, options and
/// names; the rest is the YAML text). Returns how many edits that changed the text were
/// checked.
pub(crate) fn run(data: &[u8]) -> usize {
    let Some((&sel, yaml)) = data.split_first() else {
        return 0;
    };
    let Ok(m) = Manifest::parse_bytes(yaml) else {
        return 0;
    };
    let Ok(spec) = REFS[usize::from(sel) % REFS.len()].parse::<ImageSpec>() else {
        return 0;
    };
    let opts = SetOptions {
        create: sel & 0x40 != 0,
        drop_digest: sel & 0x80 != 0,
    };
    let mut checked = workloads(&m, &spec, sel);
    // A kustomize entry, chosen by service or by name (an added one with --create).
    let names: Vec<&str> = m.images().iter().map(|f| f.container.as_str()).collect();
    let service = names
        .get(usize::from(sel >> 4) % names.len().max(1))
        .copied()
        .unwrap_or("app");
    for image_name in [None, Some("nginx"), Some("r.io:5000/a/b__c")] {
        let loc = Locator::Kustomize {
            service,
            image_name,
        };
        checked += check(&m, &loc, &spec, &opts);
    }
    // Key paths: every image `image_keys` finds, as it says it holds, and fixed paths with
    // each kind of holding.
    for k in m.image_keys() {
        check(
            &m,
            &Locator::Key {
                path: &k.path,
                holds: k.holds,
            },
            &spec,
            &opts,
        );
    }
    for key in KEYS {
        let Ok(path) = key.parse::<KeyPath>() else {
            continue;
        };
        for holds in [Holds::Auto, Holds::Reference, Holds::Tag, Holds::Digest] {
            checked += check(&m, &Locator::Key { path: &path, holds }, &spec, &opts);
        }
    }
    checked
}

/// Every listed container image, edited directly and through selection.
fn workloads(m: &Manifest<'_>, spec: &ImageSpec, sel: u8) -> usize {
    let text = m.text();
    let mut checked = 0;
    for f in m.images() {
        assert!(text.is_char_boundary(f.span.start) && text.is_char_boundary(f.span.end));
        let Ok(new) = spec.apply_to(&f.value) else {
            continue;
        };
        if let Ok(edit) = m.set_field(f, &new) {
            assert_eq!(edit.new, new.to_string());
            if edit.changed {
                let tail = &text[f.span.end..];
                assert!(
                    edit.text.starts_with(&text[..f.span.start]) && edit.text.ends_with(tail),
                    "bytes outside the span changed"
                );
                checked += 1;
            }
        }
    }
    let names: Vec<&str> = m.images().iter().map(|f| f.container.as_str()).collect();
    let service = names
        .get(usize::from(sel >> 4) % names.len().max(1))
        .copied()
        .unwrap_or("app");
    let target = Target {
        service,
        workload: None,
        container: None,
    };
    checked + check(m, &Locator::Workload(target), spec, &SetOptions::default())
}

/// An edit through `loc`: unchanged text when nothing changed; else only the bytes between the
/// common prefix and suffix differ, the new text parses, and the target reads as the new image.
fn check(m: &Manifest<'_>, loc: &Locator<'_>, spec: &ImageSpec, opts: &SetOptions) -> usize {
    let Ok(edit) = m.set(loc, spec, opts) else {
        return 0;
    };
    let old = m.text();
    hold_and_release(m, loc);
    if !edit.changed {
        assert_eq!(
            edit.text, old,
            "an edit that changes nothing returns the text"
        );
        return 0;
    }
    assert_ne!(edit.text, old, "a change changes the text");
    let again = Manifest::parse(&edit.text).expect("the engine reads its own output");
    // A kustomize entry is read again by the name it has now (an added one is found by the
    // new image's repository, which `get` does not know).
    let name = edit
        .held
        .target
        .strip_prefix("images[name=")
        .and_then(|t| t.strip_suffix(']'));
    let again_at = match (loc, name) {
        (Locator::Kustomize { service, .. }, Some(name)) => Locator::Kustomize {
            service,
            image_name: Some(name),
        },
        _ => *loc,
    };
    let held = again.get(&again_at).expect("the target is still there");
    assert_eq!(held.image, edit.new, "the target reads as the new image");
    // Nothing before the edit's first line changed.
    let line = edit.held.location.line.min(held.location.line);
    let head = |t: &str| t.split_inclusive('\n').take(line - 1).collect::<String>();
    assert_eq!(
        head(old),
        head(&edit.text),
        "lines before the target changed"
    );
    1
}

/// A target an edit accepts is held (one line added, nothing else), then released back to the
/// original bytes; a target already held is left as it is.
pub(crate) fn hold_and_release(m: &Manifest<'_>, loc: &Locator<'_>) {
    let Ok(before) = m.get(loc) else {
        return;
    };
    let hold = Hold::new("incident-4711", "oncall@example.com", 1_764_844_267, None)
        .expect("a valid hold");
    let held = m
        .hold(loc, &hold)
        .unwrap_or_else(|e| panic!("a target set accepts is refused a hold: {e}"));
    let old = m.text();
    if before.hold.is_some() {
        assert!(!held.changed, "a held target is held again");
        return;
    }
    assert!(held.changed);
    assert_eq!(
        held.text.lines().count(),
        old.lines().count() + 1,
        "a hold adds one line"
    );
    let again = Manifest::parse(&held.text).expect("the engine reads its own hold");
    let got = again.get(loc).expect("the held target is still there");
    assert_eq!(got.hold.as_ref(), Some(&hold));
    assert_eq!(got.image, before.image);
    let released = again.release(loc).expect("a hold written is released");
    assert!(released.changed);
    assert_eq!(released.text, old, "release gives back the original bytes");
}
