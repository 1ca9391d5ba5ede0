//! The target kinds beyond workload images: kustomize `images:` entries, Helm values mappings,
//! scalars at a key path holding a reference, a tag or a digest. Each edit changes only the
//! bytes of the scalars that differ (or, with `create`, adds exactly the lines shown), and
//! every refusal leaves the text as it was.

use imgbump::manifest::{EditErrorKind, Holds, KeyPath, Locator, Manifest, SetOptions};
use imgbump::reference::ImageSpec;

fn spec(s: &str) -> ImageSpec {
    s.parse().unwrap()
}

fn kz<'a>(service: &'a str, name: Option<&'a str>) -> Locator<'a> {
    Locator::Kustomize {
        service,
        image_name: name,
    }
}

fn set(
    text: &str,
    loc: &Locator<'_>,
    new: &str,
    opts: SetOptions,
) -> Result<String, imgbump::manifest::EditError> {
    let m = Manifest::parse(text)?;
    m.set(loc, &spec(new), &opts).map(|e| e.text)
}

const OVERLAY: &str = "\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base   # the base
images:
  # the web front end
  - name: isa-web
    newName: 123456789.dkr.ecr.us-east-1.amazonaws.com/isa-web   # ECR
    newTag: sha-0ld   # set by CI

  - name: redis
    newTag: \"7.2\"
";

#[test]
fn kustomize_tag_changes_only_new_tag() {
    // The entry named like the service (the last segment of `name`).
    let loc = kz("isa-web", None);
    let out = set(OVERLAY, &loc, ":sha-abc1234", SetOptions::default()).unwrap();
    assert_eq!(out, OVERLAY.replace("sha-0ld", "sha-abc1234"));
    let m = Manifest::parse(OVERLAY).unwrap();
    let held = m.get(&loc).unwrap();
    assert_eq!(
        held.image,
        "123456789.dkr.ecr.us-east-1.amazonaws.com/isa-web:sha-0ld"
    );
    assert_eq!(held.target, "images[name=isa-web]");
    assert_eq!(held.location.line, 7);
}

#[test]
fn kustomize_full_reference_changes_name_and_tag_that_differ() {
    let loc = kz("web", Some("isa-web"));
    let out = set(OVERLAY, &loc, "ghcr.io/isa/web:2.0", SetOptions::default()).unwrap();
    assert_eq!(
        out,
        OVERLAY
            .replace(
                "123456789.dkr.ecr.us-east-1.amazonaws.com/isa-web",
                "ghcr.io/isa/web"
            )
            .replace("sha-0ld", "\"2.0\"")
    );
    // The same repository: only the tag; by repository without --image-name.
    let out = set(
        OVERLAY,
        &kz("other", None),
        "123456789.dkr.ecr.us-east-1.amazonaws.com/isa-web:v3",
        SetOptions::default(),
    )
    .unwrap();
    assert_eq!(out, OVERLAY.replace("sha-0ld", "v3"));
    // A quoted tag keeps its quotes, a number-like one too.
    let out = set(OVERLAY, &kz("redis", None), ":7.4", SetOptions::default()).unwrap();
    assert_eq!(out, OVERLAY.replace("\"7.2\"", "\"7.4\""));
    // Already so: unchanged.
    let m = Manifest::parse(OVERLAY).unwrap();
    let e = m
        .set(&kz("redis", None), &spec(":7.2"), &SetOptions::default())
        .unwrap();
    assert!(!e.changed);
    assert_eq!(e.text, OVERLAY);
}

#[test]
fn kustomize_missing_keys_and_entries_are_added_only_with_create() {
    // redis has no newName: a new repository adds one to the entry (as `kustomize edit set
    // image` does; an entry lists only what it changes).
    let create = SetOptions {
        create: true,
        ..Default::default()
    };
    let out = set(
        OVERLAY,
        &kz("redis", None),
        "ghcr.io/x/redis:8",
        SetOptions::default(),
    )
    .unwrap();
    assert_eq!(
        out,
        OVERLAY.replace(
            "newTag: \"7.2\"\n",
            "newTag: \"8\"\n    newName: ghcr.io/x/redis\n"
        )
    );
    // A new entry, in the items' style.
    let err = set(
        OVERLAY,
        &kz("api", None),
        "ghcr.io/isa/api:1",
        SetOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.kind, EditErrorKind::NotFound);
    assert!(err.help.unwrap().contains("+   - name: ghcr.io/isa/api"));
    let out = set(
        OVERLAY,
        &kz("api", Some("isa-api")),
        "ghcr.io/isa/api:1",
        create,
    )
    .unwrap();
    assert_eq!(
        out,
        format!("{OVERLAY}  - name: isa-api\n    newName: ghcr.io/isa/api\n    newTag: \"1\"\n")
    );
    // No `images:` at all.
    let bare = "kind: Kustomization\nresources:\n- ../base\n";
    let out = set(bare, &kz("api", None), "ghcr.io/isa/api:v1", create).unwrap();
    assert_eq!(
        out,
        format!("{bare}images:\n- name: ghcr.io/isa/api\n  newTag: v1\n")
    );
}

#[test]
fn kustomize_stale_digest_is_refused_or_dropped() {
    let text = "kind: Kustomization\nimages:\n- name: web\n  newTag: v1\n  digest: sha256:1111111111111111111111111111111111111111111111111111111111111111\n- name: db\n  newTag: v1\n";
    let err = set(text, &kz("web", None), ":v2", SetOptions::default()).unwrap_err();
    assert_eq!(err.kind, EditErrorKind::Unsafe);
    assert!(err.message.contains("would win over the new tag"), "{err}");
    let drop = SetOptions {
        drop_digest: true,
        ..Default::default()
    };
    let out = set(text, &kz("web", None), ":v2", drop).unwrap();
    assert_eq!(
        out,
        "kind: Kustomization\nimages:\n- name: web\n  newTag: v2\n- name: db\n  newTag: v1\n"
    );
    // A new digest replaces the old one.
    let d2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
    let out = set(
        text,
        &kz("web", None),
        &format!("web:v2@{d2}"),
        SetOptions::default(),
    )
    .unwrap();
    assert_eq!(
        out,
        text.replace("v1\n  digest", "v2\n  digest")
            .replace(&"1".repeat(64), &"2".repeat(64))
    );
    let out = set(
        text,
        &kz("web", None),
        &format!("@{d2}"),
        SetOptions::default(),
    )
    .unwrap();
    assert_eq!(out, text.replace(&"1".repeat(64), &"2".repeat(64)));
}

#[test]
fn kustomize_ambiguity_lists_the_entries() {
    let text =
        "kind: Kustomization\nimages:\n- name: a/web\n  newTag: v1\n- name: b/web\n  newTag: v1\n";
    let err = set(text, &kz("web", None), ":v2", SetOptions::default()).unwrap_err();
    assert_eq!(err.kind, EditErrorKind::Ambiguous);
    let help = err.help.unwrap();
    assert!(
        help.contains("--image-name a/web") && help.contains("--image-name b/web"),
        "{help}"
    );
    let out = set(
        text,
        &kz("web", Some("b/web")),
        ":v2",
        SetOptions::default(),
    )
    .unwrap();
    assert_eq!(
        out,
        "kind: Kustomization\nimages:\n- name: a/web\n  newTag: v1\n- name: b/web\n  newTag: v2\n"
    );
}

/// Two entries the defaults could mean are decided by the rule containers follow (named like
/// the service, then the new image's repository, then the only one) or refused; the union of
/// the first two rules used to refuse, and a lone entry not named like the service was "missing".
#[test]
fn kustomize_entries_are_chosen_by_the_stated_rule() {
    let text = "kind: Kustomization\nimages:\n- name: web\n  newTag: v1\n- name: cache\n  newName: ghcr.io/isa/web\n  newTag: v1\n";
    // Named like the service wins over the repository.
    let out = set(
        text,
        &kz("web", None),
        "ghcr.io/isa/web:v2",
        SetOptions::default(),
    )
    .unwrap();
    assert_eq!(
        out,
        text.replacen(
            "- name: web\n  newTag: v1",
            "- name: web\n  newTag: v2\n  newName: ghcr.io/isa/web",
            1
        )
    );
    // No entry named like the service: the one with the new image's repository.
    let out = set(
        text,
        &kz("api", None),
        "ghcr.io/isa/web:v2",
        SetOptions::default(),
    )
    .unwrap();
    assert_eq!(
        out,
        text.replace("web\n  newTag: v1\n", "web\n  newTag: v2\n")
            .replacen("- name: web\n  newTag: v2", "- name: web\n  newTag: v1", 1)
    );
    // `:TAG` cannot choose between two entries: refused, each with its flag.
    let err = set(text, &kz("api", None), ":v2", SetOptions::default()).unwrap_err();
    assert_eq!(err.kind, EditErrorKind::NotFound);
    let help = err.help.unwrap();
    assert!(
        help.contains("--image-name web ") && help.contains("--image-name cache "),
        "{help}"
    );
    // Two kustomizations in one file: refused, not the first taken.
    let two = "kind: Kustomization\nimages: [{name: web, newTag: v1}]\n---\nkind: Kustomization\nimages: [{name: web, newTag: v1}]\n";
    let err = set(two, &kz("web", None), ":v2", SetOptions::default()).unwrap_err();
    assert_eq!(err.kind, EditErrorKind::Ambiguous, "{err}");
    assert_eq!(err.location.map(|l| l.line), Some(4), "{err}");
    // The only entry takes a `:TAG`, whatever its name; and is what `get` reads.
    let one = "kind: Kustomization\nimages:\n- name: isa-frontend\n  newTag: v1\n";
    let out = set(one, &kz("web", None), ":v2", SetOptions::default()).unwrap();
    assert_eq!(out, one.replace("v1", "v2"));
    let m = Manifest::parse(one).unwrap();
    assert_eq!(m.get(&kz("web", None)).unwrap().image, "isa-frontend:v1");
    // A full reference of another repository is no entry's: refused (or added with --create).
    let err = set(
        one,
        &kz("web", None),
        "ghcr.io/isa/web:2",
        SetOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.kind, EditErrorKind::NotFound, "{err}");
}

#[test]
fn kustomize_flow_crlf_no_final_newline_and_empty_tags() {
    let text = "kind: Kustomization\r\nimages: [{name: web, newTag: v1}, {name: db}]";
    let out = set(text, &kz("web", None), ":v2", SetOptions::default()).unwrap();
    assert_eq!(out, text.replace("v1", "v2"));
    let create = SetOptions {
        create: true,
        ..Default::default()
    };
    let out = set(text, &kz("db", None), ":v2", create).unwrap();
    assert_eq!(out, text.replace("{name: db}", "{name: db, newTag: v2}"));
    let text =
        "kind: Kustomization\r\nimages:\r\n- name: web\r\n  newTag:\r\n- name: db\r\n  newTag: ''";
    let out = set(text, &kz("web", None), ":v2", SetOptions::default()).unwrap();
    assert_eq!(out, text.replace("newTag:\r\n", "newTag: v2\r\n"));
    let out = set(text, &kz("db", None), ":8", SetOptions::default()).unwrap();
    assert_eq!(out, text.replace("''", "'8'"));
    let out = set(text, &kz("db", None), "db:v3", create).unwrap();
    assert_eq!(out, text.replace("''", "'v3'"));
}

fn key(p: &str) -> KeyPath {
    p.parse().unwrap()
}

/// Two documents with the key path: the new image's repository picks one (the rule of
/// containers), else refused listing each; two documents that could take a missing key too.
#[test]
fn a_key_path_two_documents_have_is_chosen_by_the_repository_or_refused() {
    let text = "image:\n  repository: ghcr.io/isa/web\n  tag: v1\n---\nimage:\n  repository: ghcr.io/isa/api\n  tag: v1\n";
    let loc = Locator::Key {
        path: &key("image"),
        holds: Holds::Auto,
    };
    let out = set(text, &loc, "ghcr.io/isa/api:v2", SetOptions::default()).unwrap();
    assert_eq!(out, text.replace("api\n  tag: v1", "api\n  tag: v2"));
    for new in [":v2", "ghcr.io/isa/db:v2"] {
        let err = set(text, &loc, new, SetOptions::default()).unwrap_err();
        assert_eq!(err.kind, EditErrorKind::Ambiguous, "{err}");
        assert!(
            err.message
                .starts_with("2 documents of the file have `image`, and "),
            "{err}"
        );
        assert_eq!(err.location.map(|l| l.line), Some(6));
        let help = err.help.unwrap();
        assert!(
            help.ends_with("the documents:\n  document 1 (line 2): ghcr.io/isa/web:v1\n  document 2 (line 6): ghcr.io/isa/api:v1"),
            "{help}"
        );
    }
    let m = Manifest::parse(text).unwrap();
    assert_eq!(m.get(&loc).unwrap_err().kind, EditErrorKind::Ambiguous);
    // A missing key two documents could take: refused as such (it said "no documents").
    let create = SetOptions {
        create: true,
        ..Default::default()
    };
    let err = set("a: 1\n---\na: 2\n", &loc, "x:1", create).unwrap_err();
    assert_eq!(err.kind, EditErrorKind::Ambiguous, "{err}");
    assert_eq!(
        err.message,
        "2 documents of the file could take `image`, and none has it"
    );
}

const VALUES: &str = "\
# Default values for billing.
replicaCount: 1

image:
  registry: docker.io      # where from
  repository: bitnami/billing
  # Overrides the chart's appVersion.
  tag: 1.20
  pullPolicy: IfNotPresent

sidecar:
  image: &side busybox:1.36
other: *side
";

#[test]
fn helm_values_mapping_writes_only_the_parts_present() {
    let path = key("image");
    let loc = Locator::Key {
        path: &path,
        holds: Holds::Auto,
    };
    let m = Manifest::parse(VALUES).unwrap();
    let held = m.get(&loc).unwrap();
    assert_eq!(held.image, "docker.io/bitnami/billing:1.20");
    assert_eq!(held.location.line, 6);
    // A tag only: `tag`, quoted because 1.21 would read as a number.
    let out = set(VALUES, &loc, ":1.21", SetOptions::default()).unwrap();
    assert_eq!(out, VALUES.replace("tag: 1.20", "tag: \"1.21\""));
    for (tag, written) in [
        ("8", "\"8\""),
        ("yes", "\"yes\""),
        ("on", "\"on\""),
        ("0o17", "\"0o17\""),
        ("1e3", "\"1e3\""),
        ("v8", "v8"),
    ] {
        let out = set(VALUES, &loc, &format!(":{tag}"), SetOptions::default()).unwrap();
        assert_eq!(
            out,
            VALUES.replace("tag: 1.20", &format!("tag: {written}")),
            "{tag}"
        );
        // The second parser reads it as the string.
        let v: serde_yaml_ng::Value = serde_yaml_ng::from_str(&out).unwrap();
        assert_eq!(v["image"]["tag"], serde_yaml_ng::Value::String(tag.into()));
    }
    // A full reference: registry and repository split as Docker splits them.
    let out = set(
        VALUES,
        &loc,
        "ghcr.io/acme/billing:2.0",
        SetOptions::default(),
    )
    .unwrap();
    assert_eq!(
        out,
        VALUES
            .replace("docker.io ", "ghcr.io ")
            .replace("bitnami/billing", "acme/billing")
            .replace("tag: 1.20", "tag: \"2.0\"")
    );
    // No host: Docker Hub, the registry kept.
    let out = set(VALUES, &loc, "acme/billing:v2", SetOptions::default()).unwrap();
    assert_eq!(
        out,
        VALUES
            .replace("bitnami/billing", "acme/billing")
            .replace("tag: 1.20", "tag: v2")
    );
    // A digest: no `digest` key, so only with --create.
    let d = "sha256:3333333333333333333333333333333333333333333333333333333333333333";
    let err = set(VALUES, &loc, &format!("@{d}"), SetOptions::default()).unwrap_err();
    assert!(
        err.help
            .as_deref()
            .unwrap_or("")
            .contains(&format!("+   digest: {d}")),
        "{err}"
    );
    assert_eq!(err.location.map(|l| l.line), Some(6));
    let out = set(
        VALUES,
        &loc,
        &format!("@{d}"),
        SetOptions {
            create: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        out,
        VALUES.replace(
            "pullPolicy: IfNotPresent\n",
            &format!("pullPolicy: IfNotPresent\n  digest: {d}\n")
        )
    );
}

#[test]
fn helm_flow_mappings_empty_tags_and_stale_digests() {
    let text = "image: {repository: nginx, tag: \"\"}  # c\n";
    let path = key("image");
    let loc = Locator::Key {
        path: &path,
        holds: Holds::Auto,
    };
    assert_eq!(
        set(text, &loc, ":1.27", SetOptions::default()).unwrap(),
        text.replace("\"\"", "\"1.27\"")
    );
    let text = "image:\n  repository: nginx\n  tag: v1\n  digest: sha256:1111111111111111111111111111111111111111111111111111111111111111\n";
    let err = set(text, &loc, ":v2", SetOptions::default()).unwrap_err();
    assert_eq!(
        (err.kind, err.location.map(|l| l.line)),
        (EditErrorKind::Unsafe, Some(4))
    );
    let out = set(
        text,
        &loc,
        ":v2",
        SetOptions {
            drop_digest: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        out,
        format!("image:\n  repository: nginx\n  tag: v2\n  digest: \"\"\n")
    );
    // Without `repository`: not an image mapping.
    let err = set("image: {tag: v1}\n", &loc, ":v2", SetOptions::default()).unwrap_err();
    assert_eq!(err.kind, EditErrorKind::NotFound);
}

const APP: &str = "\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: portal-staging
spec:
  source:
    repoURL: https://charts.example.com
    chart: portal
    helm:
      parameters:
        - name: image.repository
          value: ghcr.io/isa/portal
        - name: image.tag
          value: \"1.4\"   # bumped by CI
";

#[test]
fn argo_cd_parameters_hold_a_tag() {
    let path = key("spec.source.helm.parameters[name=image.tag].value");
    let loc = Locator::Key {
        path: &path,
        holds: Holds::Tag,
    };
    let out = set(APP, &loc, ":1.5", SetOptions::default()).unwrap();
    assert_eq!(out, APP.replace("\"1.4\"", "\"1.5\""));
    let out = set(APP, &loc, "ghcr.io/isa/portal:sha-1", SetOptions::default()).unwrap();
    assert_eq!(out, APP.replace("\"1.4\"", "\"sha-1\""));
    let m = Manifest::parse(APP).unwrap();
    assert_eq!(m.get(&loc).unwrap().image, ":1.4");
    // A digest cannot go into a tag.
    let err = set(
        APP,
        &loc,
        "@sha256:3333333333333333333333333333333333333333333333333333333333333333",
        SetOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.kind, EditErrorKind::BadReference);
    // The whole-reference scalar.
    let path = key("spec.source.helm.parameters[name=image.repository].value");
    let loc = Locator::Key {
        path: &path,
        holds: Holds::Reference,
    };
    assert_eq!(
        set(APP, &loc, ":2", SetOptions::default()).unwrap(),
        APP.replace("ghcr.io/isa/portal\n", "ghcr.io/isa/portal:2\n")
    );
    // Missing and ambiguous paths say where.
    let path = key("spec.source.helm.parameters[name=image.digest].value");
    let err = set(
        APP,
        &Locator::Key {
            path: &path,
            holds: Holds::Digest,
        },
        "@sha256:3333333333333333333333333333333333333333333333333333333333333333",
        SetOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.kind, EditErrorKind::NotFound);
    assert!(
        err.message
            .contains("no item of `spec.source.helm.parameters`"),
        "{err}"
    );
}

/// Argo CD's `spec.source.kustomize.images`: strings in kustomize's override form
/// `NAME=REFERENCE`, or plain references. `NAME=` says which image of the manifests is replaced,
/// and is kept; `[NAME]` picks the item by the image it names.
const KUSTOMIZE_APP: &str = "\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web-production
spec:
  source:
    path: deployments/kubernetes/overlays/production
    kustomize:
      images:
        - isa-web=123456789.dkr.ecr.us-east-1.amazonaws.com/isa-web:sha-0ld   # by CI
        - 'ghcr.io/isa/api:1.4'
        - localhost:5000/tools@sha256:1111111111111111111111111111111111111111111111111111111111111111
";

#[test]
fn argo_cd_kustomize_images_keep_their_override_name() {
    let at = |p: &str| key(p);
    let web = at("spec.source.kustomize.images[isa-web]");
    let loc = Locator::Key {
        path: &web,
        holds: Holds::Auto,
    };
    // `:TAG`, a full reference and `@DIGEST`: only the reference after `isa-web=` changes.
    let out = set(KUSTOMIZE_APP, &loc, ":sha-new", SetOptions::default()).unwrap();
    assert_eq!(
        out,
        KUSTOMIZE_APP.replace("isa-web:sha-0ld", "isa-web:sha-new")
    );
    let out = set(
        KUSTOMIZE_APP,
        &loc,
        "ghcr.io/isa/web:2",
        SetOptions::default(),
    )
    .unwrap();
    assert_eq!(
        out,
        KUSTOMIZE_APP.replace(
            "isa-web=123456789.dkr.ecr.us-east-1.amazonaws.com/isa-web:sha-0ld",
            "isa-web=ghcr.io/isa/web:2"
        )
    );
    let digest = format!("@sha256:{}", "2".repeat(64));
    let out = set(KUSTOMIZE_APP, &loc, &digest, SetOptions::default()).unwrap();
    assert_eq!(
        out,
        KUSTOMIZE_APP.replace("isa-web:sha-0ld", &format!("isa-web:sha-0ld{digest}"))
    );
    // What `get`, `history` and the output show is the image, not the override's name.
    let m = Manifest::parse(KUSTOMIZE_APP).unwrap();
    let held = m.get(&loc).unwrap();
    assert_eq!(
        held.image,
        "123456789.dkr.ecr.us-east-1.amazonaws.com/isa-web:sha-0ld"
    );
    assert_eq!((held.location.line, held.location.column), (10, 11));
    // A plain item by its repository, quotes kept; by index too.
    for p in [
        "spec.source.kustomize.images[ghcr.io/isa/api]",
        "spec.source.kustomize.images[1]",
    ] {
        let path = at(p);
        let loc = Locator::Key {
            path: &path,
            holds: Holds::Auto,
        };
        let out = set(KUSTOMIZE_APP, &loc, ":1.5", SetOptions::default()).unwrap();
        assert_eq!(out, KUSTOMIZE_APP.replace("api:1.4'", "api:1.5'"), "{p}");
    }
    // A registry with a port is not a tag.
    let path = at("spec.source.kustomize.images[localhost:5000/tools]");
    let loc = Locator::Key {
        path: &path,
        holds: Holds::Auto,
    };
    let out = set(KUSTOMIZE_APP, &loc, ":3", SetOptions::default()).unwrap();
    assert!(out.contains("- localhost:5000/tools:3\n"), "{out}");
    // An image no item names: refused, where the list is, the text untouched.
    let path = at("spec.source.kustomize.images[isa-api]");
    let err = set(
        KUSTOMIZE_APP,
        &Locator::Key {
            path: &path,
            holds: Holds::Auto,
        },
        ":1",
        SetOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.kind, EditErrorKind::NotFound);
    assert!(err.message.contains("names the image `isa-api`"), "{err}");
    assert_eq!(err.location.map(|l| l.line), Some(10));
    // Found by the listing, by name.
    let keys: Vec<String> = m.image_keys().iter().map(|k| k.path.to_string()).collect();
    assert_eq!(
        keys,
        [
            "spec.source.kustomize.images[isa-web]",
            "spec.source.kustomize.images[ghcr.io/isa/api]",
            "spec.source.kustomize.images[localhost:5000/tools]",
        ]
    );
}

#[test]
fn anchors_elsewhere_and_aliases_at_the_target() {
    // An anchor and alias elsewhere in the file: the slow path verifies.
    let path = key("image");
    let loc = Locator::Key {
        path: &path,
        holds: Holds::Auto,
    };
    let out = set(VALUES, &loc, ":v9", SetOptions::default()).unwrap();
    assert_eq!(out, VALUES.replace("tag: 1.20", "tag: v9"));
    // The anchored value itself is refused, the file untouched.
    let path = key("sidecar.image");
    let err = set(
        VALUES,
        &Locator::Key {
            path: &path,
            holds: Holds::Auto,
        },
        ":1.37",
        SetOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        (err.kind, err.location.map(|l| l.line)),
        (EditErrorKind::Unsafe, Some(12))
    );
}

#[test]
fn namespaces_select_workloads_no_other_flag_can() {
    use imgbump::manifest::Target;
    let text = "\
kind: Pod
metadata: {name: my-hook, namespace: staging}
spec: {containers: [{name: hook, image: 'r/hook:1'}]}
---
kind: Pod
metadata: {name: my-hook, namespace: production}
spec: {containers: [{name: hook, image: 'r/hook:1'}]}
---
kind: Deployment
metadata: {name: web, namespace: staging}
spec: {template: {spec: {containers: [{name: web, image: r/web:1}]}}}
";
    let m = Manifest::parse(text).unwrap();
    let err = m
        .select(&Target {
            service: "x",
            workload: Some("Pod/my-hook"),
            container: None,
        })
        .unwrap_err();
    assert_eq!(err.kind, EditErrorKind::Ambiguous);
    let help = err.help.unwrap();
    // Only selectors that pick one workload are offered.
    assert!(
        help.contains("--workload staging/Pod/my-hook --container hook"),
        "{help}"
    );
    assert!(
        help.contains("--workload production/Pod/my-hook --container hook"),
        "{help}"
    );
    assert!(help.contains("--workload web --container web"), "{help}");
    assert!(!help.contains("--workload Pod/my-hook "), "{help}");
    for (ns, line) in [("staging", 3), ("production", 7)] {
        let w = format!("{ns}/Pod/my-hook");
        let t = Target {
            service: "x",
            workload: Some(&w),
            container: None,
        };
        let edit = m.set_image(&t, &spec(":2")).unwrap();
        assert_eq!(edit.held.location.line, line);
        assert_eq!(edit.text.matches("r/hook:2").count(), 1);
    }
    // The same namespace, kind and name twice: no flag can pick it, and the help says so.
    let twice = text.replace("production", "staging");
    let m = Manifest::parse(&twice).unwrap();
    let err = m
        .select(&Target {
            service: "x",
            workload: Some("staging/Pod/my-hook"),
            container: None,
        })
        .unwrap_err();
    assert!(err
        .help
        .unwrap()
        .contains("no flag picks staging/Pod/my-hook container hook"));
}

/// An entry that swaps only the name (a registry move, as Online Boutique's
/// `container-images-registry` component): a reference without tag or digest (what
/// --allow-latest lets through) sets `newName` and keeps the entry tagless; an entry with its
/// own tag or digest still refuses it.
#[test]
fn kustomize_a_name_only_entry_takes_a_name_only_reference() {
    let text = "kind: Kustomization\nimages:\n  - name: frontend\n    newName: gcr.io/google-samples/microservices-demo/frontend   # registry\n";
    let loc = kz("frontend", Some("frontend"));
    let out = set(
        text,
        &loc,
        "europe-docker.pkg.dev/x/frontend",
        SetOptions::default(),
    )
    .unwrap();
    assert_eq!(
        out,
        text.replace(
            "gcr.io/google-samples/microservices-demo/frontend",
            "europe-docker.pkg.dev/x/frontend"
        )
    );
    let m = Manifest::parse(&out).unwrap();
    assert_eq!(
        m.get(&loc).unwrap().image,
        "europe-docker.pkg.dev/x/frontend"
    );
    let tagged = text.replace("   # registry\n", "\n    newTag: v1\n");
    let err = set(
        &tagged,
        &loc,
        "europe-docker.pkg.dev/x/frontend",
        SetOptions::default(),
    )
    .unwrap_err();
    assert!(err.message.contains("neither tag nor digest"), "{err}");
}
