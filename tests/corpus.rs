//! The engine against real manifests (`../shared/corpus/real`) and the YAML spec's test suite
//! (`../shared/corpus/yaml-test-suite`).

use std::path::{Path, PathBuf};

mod support;
use support::files;

use imgbump::manifest::{Manifest, Target};
use imgbump::reference::Reference;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

const BUMPED: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bumped:sha-abc1234";

fn shared(rel: &str) -> PathBuf {
    // A worktree elsewhere names the shared directory with IMGBUMP_SHARED.
    let base = std::env::var_os("IMGBUMP_SHARED").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"),
        PathBuf::from,
    );
    let dir = base.join(rel);
    assert!(
        dir.is_dir(),
        "the corpus {} is missing: these tests need ../shared beside the project",
        dir.display()
    );
    dir
}

/// A YAML node as libyaml reads it, keeping a key that stands twice (which `serde_yaml_ng::Value`
/// refuses); scalars as their text, tags dropped. Only what the image search needs.
#[derive(Debug, PartialEq)]
enum Value {
    Scalar(String),
    Seq(Vec<Value>),
    Map(Vec<(Value, Value)>),
}

impl Value {
    fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(m) => m
                .iter()
                .find(|(k, _)| matches!(k, Value::Scalar(s) if s == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
    fn as_str(&self) -> Option<&str> {
        match self {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }
    fn as_sequence(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Value;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("YAML")
            }
            fn visit_unit<E>(self) -> Result<Value, E> {
                Ok(Value::Scalar(String::new()))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
                Ok(Value::Scalar(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
                Ok(Value::Scalar(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
                Ok(Value::Scalar(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
                Ok(Value::Scalar(v.to_string()))
            }
            fn visit_str<E>(self, v: &str) -> Result<Value, E> {
                Ok(Value::Scalar(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Value, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = a.next_element()? {
                    out.push(v);
                }
                Ok(Value::Seq(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Value, A::Error> {
                let mut out = Vec::new();
                while let Some(e) = a.next_entry()? {
                    out.push(e);
                }
                Ok(Value::Map(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// The image values of a stream as serde_yaml_ng reads it, found by walking plain values with
/// the same workload rules: an independent count of what the engine should list.
fn independent_images(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    for doc in serde_yaml_ng::Deserializer::from_str(text) {
        let v = Value::deserialize(doc).unwrap();
        let items: Vec<&Value> = if v.get("kind").and_then(Value::as_str) == Some("List") {
            v.get("items")
                .and_then(Value::as_sequence)
                .map(|s| s.iter().collect())
                .unwrap_or_default()
        } else {
            vec![&v]
        };
        for w in items {
            let kind = w.get("kind").and_then(Value::as_str).unwrap_or("");
            let path: &[&str] = match kind {
                "Pod" => &["spec"],
                "PodTemplate" => &["template", "spec"],
                "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
                _ => &["spec", "template", "spec"],
            };
            let Some(pod) = path.iter().try_fold(w, |v, k| v.get(k)) else {
                continue;
            };
            for list in ["containers", "initContainers", "ephemeralContainers"] {
                for c in pod
                    .get(list)
                    .and_then(Value::as_sequence)
                    .into_iter()
                    .flatten()
                {
                    if let Some(image) = c.get("image") {
                        out.push(
                            image
                                .as_str()
                                .map(str::to_string)
                                .unwrap_or_else(|| format!("{image:?}")),
                        );
                    }
                }
            }
        }
    }
    out
}

#[test]
fn every_image_of_every_real_manifest_is_bumped_byte_exactly() {
    let mut paths = Vec::new();
    let yaml = |p: &Path| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"));
    files(&shared("corpus/real"), &yaml, &mut paths);
    assert!(
        paths.len() >= 100,
        "expected the real corpus, found {} files",
        paths.len()
    );
    let new: Reference = BUMPED.parse().unwrap();
    let (mut fields, mut edited, mut refused) = (0, 0, 0);
    for path in &paths {
        let bytes = std::fs::read(path).unwrap();
        let m = Manifest::parse_bytes(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let text = m.text();
        let mut listed: Vec<String> = m.images().iter().map(|f| f.value.clone()).collect();
        let mut expected = independent_images(text);
        listed.sort();
        expected.sort();
        assert_eq!(
            listed,
            expected,
            "{}: the engine's list differs from an independent parse",
            path.display()
        );
        for f in m.images() {
            fields += 1;
            assert!(f.refusal.is_none(), "{}: {:?}", path.display(), f.refusal);
            let edit = m
                .set_field(f, &new)
                .unwrap_or_else(|e| panic!("{}:{e}", path.display()));
            assert!(edit.changed);
            edited += 1;
            let out = edit.text.as_bytes();
            let (head, tail) = (&bytes[..f.span.start], &bytes[f.span.end..]);
            assert!(
                out.starts_with(head) && out.ends_with(tail),
                "{}: bytes outside the span changed",
                path.display()
            );
            let middle = &edit.text[f.span.start..out.len() - tail.len()];
            assert_eq!(
                middle.trim_matches(['"', '\'']),
                BUMPED,
                "{}",
                path.display()
            );
            // And the engine reads its own output back with the new value in the same place.
            let again = Manifest::parse(&edit.text).unwrap();
            let g = again
                .images()
                .iter()
                .find(|g| g.span.start == f.span.start)
                .unwrap();
            assert_eq!(
                (g.value.as_str(), g.style, &g.container),
                (BUMPED, f.style, &f.container)
            );
        }
        refused += usize::from(default_choice(&m, path, &new));
    }
    // SOURCES.md counts 199 image fields: 168 in pod templates, 31 in kustomization `images:`.
    assert!(
        fields >= 160,
        "only {fields} image fields found in {} files",
        paths.len()
    );
    assert_eq!(fields, edited);
    eprintln!(
        "real corpus: {} files, {fields} image fields, each bumped byte-exactly; the default choice refused (ambiguous) in {refused} workloads",
        paths.len()
    );
}

/// Wherever the file has a single workload, the default choice follows the container rule:
/// the container named like the workload, else the only one, else refused listing each
/// container; and a new image with one container's repository picks that one. True when it
/// refused.
fn default_choice(m: &Manifest<'_>, path: &Path, new: &Reference) -> bool {
    // Wherever the file has a single workload, the default choice follows the rule: the
    // container named like the workload, else the only one, else refused listing each
    // container; and a new image with one container's repository picks that one.
    if let Some(first) = m.images().first() {
        let one_workload = m
            .images()
            .iter()
            .all(|f| f.workload == first.workload && f.kind == first.kind);
        let main: Vec<_> = m
            .images()
            .iter()
            .filter(|f| f.role == imgbump::manifest::ContainerRole::Main)
            .collect();
        if one_workload && !main.is_empty() {
            let target = Target::service(&first.workload);
            let full = imgbump::reference::ImageSpec::Full(new.clone());
            let named = main
                .iter()
                .filter(|f| f.container == first.workload)
                .count();
            match m.set_image(&target, &full) {
                Ok(edit) => assert!(
                    named == 1 || main.len() == 1,
                    "{}: chose {} by no rule",
                    path.display(),
                    edit.held.target
                ),
                Err(e) => {
                    assert_eq!(
                        (e.kind, named, main.len() > 1),
                        (imgbump::manifest::EditErrorKind::Ambiguous, 0, true),
                        "{}: {e}",
                        path.display()
                    );
                    let help = e.help.unwrap_or_default();
                    for f in &main {
                        let flag = format!(
                            "--container {}   image {} at line {}",
                            f.container, f.value, f.location.line
                        );
                        assert!(help.contains(&flag), "{}: {help}", path.display());
                        // The container's own repository picks it, when no other has it.
                        let Ok(own) = f.value.parse::<Reference>() else {
                            continue;
                        };
                        if main
                            .iter()
                            .filter(|g| {
                                g.value
                                    .parse::<Reference>()
                                    .is_ok_and(|r| r.same_repository(&own))
                            })
                            .count()
                            == 1
                        {
                            let again =
                                Reference::from_parts(own.repository(), Some("bumped"), None)
                                    .unwrap();
                            let edit = m
                                .set_image(&target, &imgbump::reference::ImageSpec::Full(again))
                                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                            assert_eq!(edit.held.location, f.location, "{}", path.display());
                        }
                    }
                    return true;
                }
            }
        }
    }
    false
}

#[test]
fn the_yaml_test_suite_never_panics_and_every_edit_verifies() {
    let mut paths = Vec::new();
    files(
        &shared("corpus/yaml-test-suite"),
        &|p: &Path| p.file_name().is_some_and(|n| n == "in.yaml"),
        &mut paths,
    );
    assert!(
        paths.len() > 300,
        "expected the yaml test suite, found {} cases",
        paths.len()
    );
    let new: Reference = "registry.example/x:1".parse().unwrap();
    let (mut parsed, mut refused) = (0, 0);
    for path in &paths {
        let bytes = std::fs::read(path).unwrap();
        match Manifest::parse_bytes(&bytes) {
            Ok(m) => {
                parsed += 1;
                for f in m.images() {
                    if let Ok(edit) = m.set_field(f, &new) {
                        assert!(edit.text.starts_with(&m.text()[..f.span.start]));
                        assert!(edit.text.ends_with(&m.text()[f.span.end..]));
                    }
                }
            }
            Err(e) => {
                refused += 1;
                assert!(e.location.is_some(), "{}: {e}", path.display());
            }
        }
    }
    eprintln!(
        "yaml-test-suite: {} cases, {parsed} read, {refused} refused",
        paths.len()
    );
    assert!(
        parsed > 250 && refused > 50,
        "parsed {parsed}, refused {refused}"
    );
}

/// Each test-suite case, with a pod wrapped around it, lists one image and edits it safely or
/// refuses: the suite's odd syntax around a real container must never slip through.
#[test]
fn the_yaml_test_suite_inside_a_manifest() {
    let mut paths = Vec::new();
    files(
        &shared("corpus/yaml-test-suite"),
        &|p: &Path| p.file_name().is_some_and(|n| n == "in.yaml"),
        &mut paths,
    );
    let new: Reference = "registry.example/x:1".parse().unwrap();
    let mut edited = 0;
    for path in &paths {
        let case = std::fs::read_to_string(path).unwrap_or_default();
        if case.contains("---") || case.contains("...") || case.contains('%') {
            continue;
        }
        let indented: String = case.lines().map(|l| format!("      {l}\n")).collect();
        let text = format!("kind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n  - name: p\n    image: nginx:1\n    extra:\n{indented}");
        let Ok(m) = Manifest::parse(&text) else {
            continue;
        };
        for f in m.images() {
            if let Ok(edit) = m.set_field(f, &new) {
                edited += 1;
                assert_eq!(
                    edit.text,
                    text.replacen("image: nginx:1", "image: registry.example/x:1", 1),
                    "{}",
                    path.display()
                );
            }
        }
    }
    eprintln!("yaml-test-suite inside a pod: {edited} edits verified");
    assert!(edited > 100, "only {edited} cases edited");
}

/// Every line of `new` but one equals `old`'s, and on that one only the value after `key:`
/// (or `- key:`) changed: the bytes before it are the same.
fn one_line_changed(old: &str, new: &str) -> Result<usize, String> {
    let (a, b): (Vec<&str>, Vec<&str>) = (old.split('\n').collect(), new.split('\n').collect());
    if a.len() != b.len() {
        return Err(format!("{} lines became {}", a.len(), b.len()));
    }
    let changed: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    match changed.as_slice() {
        [i] => {
            let prefix = a[*i]
                .bytes()
                .zip(b[*i].bytes())
                .take_while(|(x, y)| x == y)
                .count();
            let before = &a[*i][..prefix];
            if before.contains(':') {
                Ok(*i + 1)
            } else {
                Err(format!(
                    "line {} changed before its value: {:?} -> {:?}",
                    i + 1,
                    a[*i],
                    b[*i]
                ))
            }
        }
        many => Err(format!("{} lines changed", many.len())),
    }
}

/// The real kustomizations' `images:` entries: each set to a new tag and to a new full
/// reference by `--image-name`, every edit confined to the scalars that change.
#[test]
fn real_kustomization_images_entries_edit_byte_exactly() {
    use imgbump::manifest::{Locator, SetOptions};
    let mut paths = Vec::new();
    files(
        &shared("corpus/real"),
        &|p| p.to_string_lossy().ends_with(".yaml") || p.to_string_lossy().ends_with(".yml"),
        &mut paths,
    );
    let (mut entries, mut edited, mut refused) = (0, 0, Vec::new());
    for path in &paths {
        let text = std::fs::read_to_string(path).unwrap();
        let Ok(m) = Manifest::parse(&text) else {
            continue;
        };
        for (name, held) in m.kustomize_images() {
            entries += 1;
            let loc = Locator::Kustomize {
                service: "x",
                image_name: Some(&name),
            };
            let mut ok = true;
            for new in [":9.9.9-imgbump", "registry.example/team/bumped:sha-abc1234"] {
                // A digest in the entry wins over a new tag: refused, unless dropped.
                let result = m
                    .set(&loc, &new.parse().unwrap(), &SetOptions::default())
                    .or_else(|err| {
                        assert!(
                            err.message.contains("would win over the new tag"),
                            "{}: {err}",
                            path.display()
                        );
                        m.set(
                            &loc,
                            &new.parse().unwrap(),
                            &SetOptions {
                                drop_digest: true,
                                ..Default::default()
                            },
                        )
                    });
                match result {
                    Ok(e) => {
                        assert!(e.changed, "{}: {name} {new}", path.display());
                        let after = Manifest::parse(&e.text).unwrap();
                        let again = after.get(&loc).unwrap();
                        assert!(
                            again.image.starts_with(new.trim_start_matches(':'))
                                || again.image.ends_with(new),
                            "{}: {name}: {} after {new}",
                            path.display(),
                            again.image
                        );
                        if new.starts_with(':')
                            && held.image.contains(':')
                            && !held.image.contains('@')
                            && text.contains("newTag")
                        {
                            one_line_changed(&text, &e.text)
                                .unwrap_or_else(|why| panic!("{}: {name}: {why}", path.display()));
                        }
                    }
                    Err(err) => {
                        // A refusal must be one of the documented ones, and say where.
                        assert!(
                            err.help.is_some() || err.location.is_some(),
                            "{}: {err}",
                            path.display()
                        );
                        ok = false;
                        refused.push(format!(
                            "{}: {name} {new}: {}",
                            path.file_name().unwrap().to_string_lossy(),
                            err.message
                        ));
                    }
                }
            }
            edited += usize::from(ok);
        }
    }
    eprintln!(
        "kustomize images: entries {entries}, edited both ways {edited}, refusals:\n{}",
        refused.join("\n")
    );
    assert!(entries >= 31, "{entries} entries");
    assert!(edited * 100 >= entries * 98, "{edited} of {entries}");
}

/// The Helm values files and Argo CD Applications of `corpus/helm`: every image mapping,
/// `image:` reference and Argo CD tag parameter found is set to a new tag; the edit changes
/// one line's value, and libyaml reads the result as the original with that value changed.
#[test]
fn real_helm_values_image_fields_edit_byte_exactly() {
    use imgbump::manifest::{Holds, Locator, SetOptions};
    let mut paths = Vec::new();
    files(
        &shared("corpus/helm"),
        &|p| p.to_string_lossy().ends_with(".yaml") || p.to_string_lossy().ends_with(".yml"),
        &mut paths,
    );
    let (mut cases, mut edited, mut refused) = (0, 0, Vec::new());
    let mut kinds = std::collections::BTreeMap::<&str, usize>::new();
    for path in &paths {
        let text = std::fs::read_to_string(path).unwrap();
        let m = Manifest::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for key in m.image_keys() {
            cases += 1;
            let loc = Locator::Key {
                path: &key.path,
                holds: key.holds,
            };
            let kind = match key.holds {
                Holds::Tag => "argo-param",
                _ if m.get(&loc).unwrap().target.ends_with(')') => "helm-tag",
                _ => "helm-ref",
            };
            *kinds.entry(kind).or_default() += 1;
            let loc = Locator::Key {
                path: &key.path,
                holds: key.holds,
            };
            match m.set(
                &loc,
                &":9.9.9-imgbump".parse().unwrap(),
                &SetOptions::default(),
            ) {
                Ok(e) if e.changed => {
                    let line = one_line_changed(&text, &e.text)
                        .unwrap_or_else(|why| panic!("{}: {}: {why}", path.display(), key.path));
                    assert!(
                        line >= key.location.line,
                        "{}: {}",
                        path.display(),
                        key.path
                    );
                    let again = Manifest::parse(&e.text).unwrap().get(&loc).unwrap();
                    assert!(
                        again.image.ends_with(":9.9.9-imgbump")
                            || again.image.contains(":9.9.9-imgbump@"),
                        "{}: {}: {}",
                        path.display(),
                        key.path,
                        again.image
                    );
                    edited += 1;
                }
                Ok(_) => panic!("{}: {}: unchanged", path.display(), key.path),
                Err(err) => {
                    assert!(err.location.is_some(), "{}: {err}", path.display());
                    refused.push(format!(
                        "{}: {}: {}",
                        path.file_name().unwrap().to_string_lossy(),
                        key.path,
                        err.message
                    ));
                }
            }
        }
    }
    eprintln!(
        "helm: files {}, cases {cases} {kinds:?}, edited {edited}, refusals:\n{}",
        paths.len(),
        refused.join("\n")
    );
    assert!(cases >= 150, "{cases} cases");
    assert!(edited * 100 >= cases * 98, "{edited} of {cases}");
}

/// The other target kinds over the YAML spec's test suite: every top-level key of every case as
/// `--key` (whole reference, tag, digest, Helm mapping), and every case as a kustomization (with
/// `--create`). Nothing panics; an edit that is made reads back with libyaml, with as many
/// documents, and with the engine, holding the new image where the target names it.
#[test]
fn the_yaml_test_suite_as_every_target_kind() {
    use imgbump::manifest::{Holds, KeyPath, Locator, SetOptions};
    let mut paths = Vec::new();
    files(
        &shared("corpus/yaml-test-suite"),
        &|p: &Path| p.file_name().is_some_and(|n| n == "in.yaml"),
        &mut paths,
    );
    let specs: Vec<imgbump::reference::ImageSpec> = [
        ":v9",
        "registry.example/team/x:1.20",
        "@sha256:5555555555555555555555555555555555555555555555555555555555555555",
    ]
    .iter()
    .map(|s| s.parse().unwrap())
    .collect();
    let docs = |t: &str| {
        use serde::Deserialize;
        serde_yaml_ng::Deserializer::from_str(t.strip_prefix('\u{feff}').unwrap_or(t))
            .map(serde::de::IgnoredAny::deserialize)
            .collect::<Result<Vec<_>, _>>()
            .map(|d| d.len())
    };
    let (mut tried, mut edited, mut held) = (0, 0, 0);
    let hold = imgbump::hold::Hold::new("incident-4711", "oncall@example.com", 0, None).unwrap();
    for path in &paths {
        let bytes = std::fs::read(path).unwrap();
        let Ok(m) = Manifest::parse_bytes(&bytes) else {
            continue;
        };
        let text = m.text();
        let before = docs(text);
        let keys: Vec<KeyPath> = text
            .lines()
            .filter_map(|l| l.split_once(':').map(|(k, _)| k.trim().to_string()))
            .filter_map(|k| k.parse().ok())
            .take(8)
            .collect();
        let mut check = |loc: &Locator<'_>, opts: SetOptions| {
            // A target an edit accepts is held by one line that changes no data, and released
            // back to the original bytes.
            if let (true, Ok(found)) = (
                specs.iter().any(|s| m.set(loc, s, &opts).is_ok()),
                m.get(loc),
            ) {
                let h = m.hold(loc, &hold).unwrap_or_else(|err| {
                    panic!(
                        "{}: {loc:?}: set accepts, hold refuses: {err}\n{text}",
                        path.display()
                    )
                });
                if found.hold.is_none() {
                    assert!(h.changed);
                    assert_eq!(docs(&h.text).ok(), before.as_ref().ok().copied());
                    let again = Manifest::parse(&h.text).unwrap();
                    assert_eq!(again.get(loc).unwrap().hold.as_ref(), Some(&hold));
                    assert_eq!(again.release(loc).unwrap().text, text, "{}", path.display());
                    held += 1;
                }
            }
            for spec in &specs {
                tried += 1;
                if let Ok(e) = m.set(loc, spec, &opts) {
                    if e.changed {
                        edited += 1;
                        assert_eq!(
                            docs(&e.text).ok(),
                            before.as_ref().ok().copied(),
                            "{}: {loc:?}\n{}",
                            path.display(),
                            e.text
                        );
                        // The edited text, read again by the engine, holds the new image where
                        // the target names it.
                        let named = !matches!(
                            loc,
                            Locator::Kustomize {
                                image_name: None,
                                ..
                            }
                        );
                        if named {
                            let again = Manifest::parse(&e.text)
                                .and_then(|m2| m2.get(loc))
                                .unwrap_or_else(|err| {
                                    panic!("{}: {loc:?}: {err}\n{}", path.display(), e.text)
                                });
                            assert_eq!(again.image, e.new, "{}: {loc:?}", path.display());
                        }
                        // Without additions, the bytes before the first change are the old ones.
                        if !opts.create && !opts.drop_digest {
                            let same = text
                                .bytes()
                                .zip(e.text.bytes())
                                .take_while(|(a, b)| a == b)
                                .count();
                            assert!(same > 0 || text.is_empty(), "{}: {loc:?}", path.display());
                        }
                    }
                }
            }
        };
        for key in &keys {
            for holds in [Holds::Auto, Holds::Reference, Holds::Tag, Holds::Digest] {
                check(&Locator::Key { path: key, holds }, SetOptions::default());
                check(
                    &Locator::Key { path: key, holds },
                    SetOptions {
                        create: true,
                        drop_digest: true,
                    },
                );
            }
        }
        check(
            &Locator::Kustomize {
                service: "x",
                image_name: None,
            },
            SetOptions {
                create: true,
                drop_digest: true,
            },
        );
        check(
            &Locator::Kustomize {
                service: "x",
                image_name: Some("a"),
            },
            SetOptions::default(),
        );
        let _ = m.image_keys();
        let _ = m.kustomize_images();
    }
    eprintln!("yaml-test-suite as targets: {tried} tried, {edited} edits verified, {held} targets held and released");
    assert!(held > 50, "{held} targets held and released");
    assert!(
        tried > 5000 && edited > 100,
        "{tried} tried, {edited} edited"
    );
}

/// Holds on every target of the real corpora (`corpus/real`: workload containers and
/// kustomize entries; `corpus/helm`: Helm image mappings, references and Argo CD parameters):
/// a target that `set` accepts is held by one added line, read back as held by both readers'
/// agreement, set through the engine leaves the hold line in place, and release gives back
/// the original bytes.
#[test]
fn every_real_target_is_held_and_released_byte_exactly() {
    use imgbump::hold::Hold;
    use imgbump::manifest::{Locator, SetOptions};
    let mut paths = Vec::new();
    let yaml = |p: &Path| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"));
    files(&shared("corpus/real"), &yaml, &mut paths);
    files(&shared("corpus/helm"), &yaml, &mut paths);
    let hold = Hold::new("incident-4711", "oncall@example.com", 1_764_844_267, None).unwrap();
    let new: imgbump::reference::ImageSpec = ":9.9.9-imgbump".parse().unwrap();
    let mut kinds = std::collections::BTreeMap::<&str, usize>::new();
    for path in &paths {
        let bytes = std::fs::read(path).unwrap();
        let Ok(m) = Manifest::parse_bytes(&bytes) else {
            continue;
        };
        let text = m.text();
        let workloads: Vec<(String, String)> = m
            .images()
            .iter()
            .map(|f| {
                (
                    format!("{}/{}/{}", f.namespace, f.kind, f.workload),
                    f.container.clone(),
                )
            })
            .collect();
        let entries: Vec<String> = m.kustomize_images().into_iter().map(|(n, _)| n).collect();
        let keys = m.image_keys();
        let mut targets: Vec<(&str, Locator<'_>)> = Vec::new();
        for (w, c) in &workloads {
            targets.push((
                "workload",
                Locator::Workload(Target {
                    service: c,
                    workload: Some(w),
                    container: Some(c),
                }),
            ));
        }
        for n in &entries {
            let loc = Locator::Kustomize {
                service: "x",
                image_name: Some(n),
            };
            targets.push(("kustomize", loc));
        }
        for k in &keys {
            let loc = Locator::Key {
                path: &k.path,
                holds: k.holds,
            };
            targets.push(("key", loc));
        }
        for (kind, loc) in &targets {
            let Ok(before) = m.get(loc) else { continue };
            let opts = SetOptions {
                drop_digest: true,
                ..Default::default()
            };
            let set_ok = m.set(loc, &new, &opts).is_ok();
            let edit = match m.hold(loc, &hold) {
                Ok(e) => e,
                Err(e) if !set_ok => {
                    // Refused alike: say where.
                    assert!(e.location.is_some(), "{}: {e}", path.display());
                    continue;
                }
                Err(e) => panic!(
                    "{}: set accepts {}, hold refuses: {e}",
                    path.display(),
                    before.target
                ),
            };
            assert!(edit.changed, "{}: {}", path.display(), before.target);
            // One line added, indented like a key, nothing else touched.
            let added: Vec<&str> = diff_lines(text, &edit.text);
            assert_eq!(added.len(), 1, "{}: {:?}", path.display(), added);
            assert!(
                added[0]
                    .trim_start()
                    .starts_with("# imgbump:hold incident-4711 (oncall@example.com, "),
                "{}: {:?}",
                path.display(),
                added[0]
            );
            // libyaml reads the held file as the original, document for document.
            assert_eq!(values(&edit.text), values(text), "{}", path.display());
            let held = Manifest::parse(&edit.text).unwrap();
            let got = held.get(loc).unwrap();
            assert_eq!(got.hold.as_ref(), Some(&hold), "{}", path.display());
            assert_eq!(got.image, before.image);
            // An image set on a held file keeps the hold line (the engine does not judge holds).
            if let Ok(e) = held.set(loc, &new, &opts) {
                let after = Manifest::parse(&e.text).unwrap();
                assert_eq!(after.get(loc).unwrap().hold.as_ref(), Some(&hold));
            }
            let released = held.release(loc).unwrap();
            assert!(released.changed);
            assert_eq!(
                released.text.as_bytes(),
                bytes.as_slice(),
                "{}",
                path.display()
            );
            *kinds.entry(kind).or_default() += 1;
        }
    }
    eprintln!("held and released: {kinds:?}");
    assert!(
        kinds.get("workload").copied().unwrap_or(0) >= 160,
        "{kinds:?}"
    );
    assert!(
        kinds.get("kustomize").copied().unwrap_or(0) >= 25,
        "{kinds:?}"
    );
    assert!(kinds.get("key").copied().unwrap_or(0) >= 150, "{kinds:?}");
}

/// Every document of `text` as libyaml reads it.
fn values(text: &str) -> Vec<Value> {
    serde_yaml_ng::Deserializer::from_str(text.strip_prefix('\u{feff}').unwrap_or(text))
        .map(|d| Value::deserialize(d).unwrap())
        .collect()
}

/// The lines of `new` that `old` lacks, for a change that only adds lines.
fn diff_lines<'a>(old: &str, new: &'a str) -> Vec<&'a str> {
    let (a, b): (Vec<&str>, Vec<&str>) = (
        old.split_inclusive('\n').collect(),
        new.split_inclusive('\n').collect(),
    );
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    assert_eq!(
        a.len() - head - tail,
        0,
        "lines were changed, not only added"
    );
    b[head..b.len() - tail].to_vec()
}
