//! `update`'s choice: for each target with a policy, the tags of the repository it holds now
//! listed, the policy's newest admitted tag taken, and a pair made when Git's image is older.

use std::collections::HashMap;
use std::time::Instant;

use super::{Pair, Selection};
use crate::config::{Config, Placed};
use crate::failure::{FailKind, Failure};
use crate::git::Workspace;
use crate::policy::{Choice, Policy, Standing};
use crate::reference::{shown, ImageSpec, Reference};
use crate::registry::{Registry, RegistryError, RegistryErrorKind};

/// The most creation times `newest-build` fetches in one target's choice.
const TIMES_MAX: usize = 500;

/// What the choosing needs: the checkout at its tip, the config, and the registry client.
pub(crate) struct Chooser<'a> {
    pub(crate) ws: &'a Workspace,
    pub(crate) tip: git2::Oid,
    pub(crate) config: Option<&'a Config>,
    pub(crate) sel: &'a Selection,
    pub(crate) registry: Registry,
    /// `--policy`, for the one service named.
    pub(crate) policy: Option<(String, Policy)>,
}

/// The services to update: those named, or every service of the config with a policy on a
/// target in the environments asked for.
pub(crate) fn services(
    named: &[String],
    config: Option<&Config>,
    envs: &[String],
) -> Result<Vec<String>, Failure> {
    if !named.is_empty() {
        let mut out: Vec<String> = Vec::new();
        for s in named {
            crate::service::check(s).map_err(|m| Failure::new(FailKind::Refused, m))?;
            if !out.contains(s) {
                out.push(s.clone());
            }
        }
        return Ok(out);
    }
    let in_envs = |t: &crate::config::TargetSpec| {
        envs.is_empty()
            || t.environments.is_empty()
            || t.environments.iter().any(|e| envs.contains(e))
    };
    let out: Vec<String> = config
        .map(|c| {
            c.services
                .iter()
                .filter(|(_, targets)| targets.iter().any(|t| t.policy.is_some() && in_envs(t)))
                .map(|(s, _)| s.clone())
                .collect()
        })
        .unwrap_or_default();
    if out.is_empty() {
        return Err(Failure::new(
            FailKind::Usage,
            format!(
                "no service to update: {} gives no target a `policy:`{}",
                crate::config::FILE,
                if envs.is_empty() { String::new() } else { format!(" in --env {}", envs.join(", ")) }
            ),
        )
        .with_hint("name a service and its --policy, or add `policy: semver:^1` (or another) to its target"));
    }
    Ok(out)
}

impl Chooser<'_> {
    /// `service`'s targets with a policy: a row for each, and the pairs for those to move.
    pub(crate) fn service(
        &mut self,
        service: &str,
        rows: &mut Vec<PolicyRow>,
        pairs: &mut Vec<Pair>,
    ) -> Result<(), Failure> {
        let placed = crate::locate::resolve(self.ws, self.tip, service, self.sel, self.config)?;
        let before = rows.len();
        for p in placed {
            let policy = match (&self.policy, &p.spec.policy) {
                (Some((text, policy)), _) => (text.clone(), policy.clone()),
                (None, Some(text)) => (
                    text.clone(),
                    text.parse::<Policy>()
                        .map_err(|m| Failure::new(FailKind::Refused, m))?,
                ),
                (None, None) => continue,
            };
            let row = self.target(service, &p, policy)?;
            if let Some(image) = &row.chosen {
                let spec: ImageSpec =
                    image
                        .parse()
                        .map_err(|e: crate::reference::ReferenceError| {
                            Failure::new(FailKind::Refused, e.to_string())
                        })?;
                let only = Some((p.path.clone(), p.env.clone()));
                match pairs.iter().find(|q| q.service == service && q.only == only) {
                    Some(q) if q.spec.as_ref() != Some(&spec) => {
                        return Err(Failure::new(
                            FailKind::Refused,
                            format!("two targets of {service} in {} choose different images ({} and {image}); nothing was committed", p.path, q.spec.as_ref().map(ToString::to_string).unwrap_or_default()),
                        )
                        .with_hint("give them one policy, or name the target (`container:`, `key:`) in separate files"))
                    }
                    Some(_) => {}
                    None => pairs.push(Pair { service: service.to_string(), spec: Some(spec), only }),
                }
            }
            rows.push(row);
        }
        if rows.len() == before {
            return Err(Failure::new(
                FailKind::Refused,
                format!("{service} has no target with a `policy:`{}; nothing was committed", match self.sel.envs.as_slice() { [] => String::new(), e => format!(" in --env {}", e.join(", ")) }),
            )
            .with_hint(format!("pass --policy POLICY (with this one service), or add `policy:` to its target in {}", crate::config::FILE)));
        }
        Ok(())
    }

    /// One target's row: its repository's tags and the policy's choice among them.
    fn target(
        &mut self,
        service: &str,
        p: &Placed,
        (text, policy): (String, Policy),
    ) -> Result<PolicyRow, Failure> {
        let start = Instant::now();
        let held = crate::locate::held_at(self.ws, self.tip, service, p)?;
        let line = held.location.line;
        let at = format!("{}:{line}", p.path);
        let current: Reference = match held.image.parse::<ImageSpec>() {
            Ok(ImageSpec::Full(r)) => r,
            _ => {
                return Err(Failure {
                    kind: FailKind::Refused,
                    message: format!("{at}: the target of {service} holds {}, not a whole reference, so imgbump cannot tell which repository to list; nothing was committed", shown(&held.image)),
                    hint: Some("let the target hold the whole image (or a Helm values mapping with its repository)".into()),
                    file: Some(p.path.clone()),
                    line: Some(line),
                })
            }
        };
        let registry_failed = |e: RegistryError| Failure {
            kind: match e.kind {
                RegistryErrorKind::Missing => FailKind::NotFound,
                RegistryErrorKind::Unavailable => FailKind::Other,
            },
            message: match e.message.contains("nothing was committed") {
                true => format!("{at}: {service}: {}", e.message),
                false => format!("{at}: {service}: {}; nothing was committed", e.message),
            },
            hint: e.hint,
            file: Some(p.path.clone()),
            line: Some(line),
        };
        let (choice, listed) = match &policy {
            Policy::Digest(tag) => self.digest(&current, tag).map_err(registry_failed)?,
            _ => self
                .listed(&current, &policy, &at)
                .map_err(|e| e.either(registry_failed))?,
        };
        let chosen = match (&policy, &choice.newest) {
            (_, None) => None,
            (_, Some(_)) if !choice.standing.moves() => None,
            (Policy::Digest(_), Some(image)) => Some(image.clone()),
            (_, Some(tag)) => Some(
                Reference::from_parts(current.repository(), Some(tag), None)
                    .map_err(|e| Failure::new(FailKind::Refused, format!("{at}: {e}")))?
                    .to_string(),
            ),
        };
        Ok(PolicyRow {
            service: service.to_string(),
            env: p.env.clone(),
            file: p.path.clone(),
            line,
            why: standing(&choice, &current),
            policy: text,
            repository: current.repository().to_string(),
            current: held.image.clone(),
            choice,
            invalid: listed.invalid,
            pages: listed.pages,
            chosen,
            requests: listed.requests,
            millis: start.elapsed().as_secs_f64() * 1000.0,
            status: "kept",
        })
    }

    /// The tags of `current`'s repository, their creation times when the policy needs them,
    /// and the choice among them.
    fn listed(
        &mut self,
        current: &Reference,
        policy: &Policy,
        at: &str,
    ) -> Result<(Choice, Listed), Either> {
        let tags = self.registry.tags(current).map_err(Either::Registry)?;
        let mut requests = tags.requests;
        let mut times: HashMap<String, i128> = HashMap::new();
        if policy.needs_times() {
            let mut wanted = policy.candidates(&tags.tags);
            if wanted.len() > TIMES_MAX {
                return Err(Either::Failure(Failure::new(
                    FailKind::Refused,
                    format!("{at}: `{policy}` matches {} tags of {}, and imgbump reads the creation time of at most {TIMES_MAX}; nothing was committed", wanted.len(), current.repository()),
                )
                .with_hint("narrow it with a pattern (newest-build:^sha-…), or use numeric: or alphabetical: on a build number or timestamp in the tag")));
            }
            if let Some(t) = current
                .tag()
                .filter(|t| tags.tags.iter().any(|x| x == t) && !wanted.contains(t))
            {
                wanted.push(t);
            }
            for tag in wanted {
                let r =
                    Reference::from_parts(current.repository(), Some(tag), None).map_err(|e| {
                        Either::Failure(Failure::new(FailKind::Refused, format!("{at}: {e}")))
                    })?;
                let (created, made) = self.registry.created(&r).map_err(Either::Registry)?;
                requests += made;
                if let Some(t) = created.as_deref().and_then(crate::policy::created) {
                    times.insert(tag.to_string(), t);
                }
            }
        }
        let choice = policy.choose(&tags.tags, current.tag(), &times);
        let listed = Listed {
            invalid: tags.invalid,
            pages: tags.pages,
            requests,
        };
        Ok((choice, listed))
    }

    /// `digest:TAG`: the digest the tag names now, as the whole reference to write.
    fn digest(
        &mut self,
        current: &Reference,
        tag: &str,
    ) -> Result<(Choice, Listed), RegistryError> {
        let r = Reference::from_parts(current.repository(), Some(tag), None).map_err(|e| {
            crate::registry::RegistryError {
                kind: RegistryErrorKind::Unavailable,
                message: e.to_string(),
                hint: None,
            }
        })?;
        let found = self.registry.check(&r)?;
        let pinned = Reference::from_parts(current.repository(), Some(tag), Some(&found.digest))
            .map_err(|e| crate::registry::RegistryError {
                kind: RegistryErrorKind::Unavailable,
                message: e.to_string(),
                hint: None,
            })?;
        let same = current.tag() == Some(tag) && current.digest() == Some(found.digest.as_str());
        let choice = Choice {
            seen: 1,
            admitted: 1,
            outside: (0, Vec::new()),
            unmatched: 0,
            unparsable: (0, Vec::new()),
            newest: Some(pinned.to_string()),
            standing: if same {
                Standing::Same
            } else {
                Standing::Older
            },
        };
        let listed = Listed {
            invalid: 0,
            pages: 0,
            requests: found.requests,
        };
        Ok((choice, listed))
    }
}

/// What a listing came to besides the tags: those dropped, the pages and the requests.
pub(crate) struct Listed {
    invalid: usize,
    pages: u32,
    requests: u32,
}

/// A registry's failure, or another.
pub(crate) enum Either {
    Registry(RegistryError),
    Failure(Failure),
}

impl Either {
    fn either(self, f: impl FnOnce(RegistryError) -> Failure) -> Failure {
        match self {
            Either::Registry(e) => f(e),
            Either::Failure(x) => x,
        }
    }
}

/// Where Git's image stands against the choice, in words.
fn standing(c: &Choice, current: &Reference) -> String {
    let tag = current.tag().map_or_else(|| "no tag".to_string(), shown);
    let newest = c.newest.as_deref().map(shown).unwrap_or_default();
    match c.standing {
        Standing::Older => format!("Git's {tag} is older than {newest}"),
        Standing::Same => format!("Git holds {newest} already"),
        Standing::Newer => {
            format!("Git's {tag} is newer than every admitted tag (newest {newest}): kept")
        }
        Standing::Unreadable => {
            format!("Git's {tag} does not parse under the policy: {newest} replaces it")
        }
        Standing::NothingAdmitted => "no tag is admitted: kept".to_string(),
    }
}

/// One target's choice by `update`: what its policy saw in the registry, and chose.
pub(crate) struct PolicyRow {
    pub(crate) service: String,
    pub(crate) env: Option<String>,
    pub(crate) file: String,
    pub(crate) line: usize,
    /// The policy, as written.
    pub(crate) policy: String,
    /// The repository listed.
    pub(crate) repository: String,
    /// The image Git holds.
    pub(crate) current: String,
    /// The policy's choice among the tags.
    pub(crate) choice: crate::policy::Choice,
    /// Tags the registry listed that are not tags by the OCI grammar (dropped).
    pub(crate) invalid: usize,
    /// Pages of tags read.
    pub(crate) pages: u32,
    /// The image to write, when Git's is to move.
    pub(crate) chosen: Option<String>,
    /// Where Git's image stands, in words.
    pub(crate) why: String,
    /// Requests made to the registry, and how long they took.
    pub(crate) requests: u32,
    pub(crate) millis: f64,
    /// After the bump: `changed`, `held`, `superseded`, `unchanged` (or `kept`: not moved).
    pub(crate) status: &'static str,
}
