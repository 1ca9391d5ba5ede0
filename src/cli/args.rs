//! The clap definition: the one source of `--help`, the shell completions and the man page.

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

pub use super::commit_args::{
    AddArgs, CommitArgs, CommitViaArg, ForgeArg, HoldFlags, HoldWho, RegistryArgs,
};
pub use super::deploy_args::{ArgoArgs, NotifyArgs, NotifyOn};
pub use super::duration::parse_duration;
use std::path::PathBuf;

/// The exit codes and examples, after every subcommand's help.
macro_rules! after_help {
    () => {
        "\
Exit codes:
  0  changed, already up to date, held (`imgbump hold`), or superseded by a newer --order-key
  2  usage error
  3  nothing matched: no manifest, workload or container, or more than one
  4  refused: invalid service name or image, unsafe edit, uncommitted changes in the manifest,
     --expect-current not met, superseded with --fail-on-superseded, held with --fail-on-held
  5  push failed after all retries (--timeout), or rejected by the remote
  6  pushed, but not deployed healthy: Argo CD reported a failure, or --wait-timeout ran out
  1  anything else

Examples:
  A manual rollout from a checkout:
    imgbump set agent=:sha-abc1234 --dry-run
    imgbump set agent=123456789.dkr.ecr.us-east-1.amazonaws.com/isa-agent:sha-abc12
  A kustomize overlay's `images:` entry, Helm values, an Argo CD Application:
    imgbump set web=:sha-abc1234 -f overlays/prod/kustomization.yaml --image-name isa-web
    imgbump set billing=:1.5 -f charts/billing/values-prod.yaml --key image
    imgbump set portal=:1.6 -f argocd/apps/portal.yaml --holds tag \\
      --key 'spec.source.helm.parameters[name=image.tag].value'
  With .imgbump.yaml (services, targets, environments):
    imgbump set web=:sha-abc1234 --env staging
    imgbump promote web --from staging --to production
  A GitHub Actions step (inputs through the environment, never pasted into the shell):
    - run: imgbump set -- \"$SERVICE=$IMAGE\"
      env:
        SERVICE: ${{ github.event.client_payload.service }}
        IMAGE: ${{ github.event.client_payload.image }}
  A Makefile target:
    deploy: ; imgbump set --repo $(REPO) -- \"$(SERVICE)=$(IMAGE)\"
  During an incident, keep agent in production at what it is now, whatever CI sends:
    imgbump hold agent --env production --reason incident-4711 --until 4h
    imgbump set agent=:sha-def5678 --env production     # held: exit 0, nothing changed
    imgbump release agent --env production"
    };
}
const AFTER_HELP: &str = after_help!();

/// The incident example of `hold`, `release` and `rollback --hold`: the commands, the line a
/// hold writes, and a workflow a person runs.
macro_rules! hold_help {
    () => {
        "\
Example: an incident in production. Freeze agent where it is, roll it back and keep it there,
then let CI through again:
    imgbump hold agent --env production --reason incident-4711 --until 4h
    imgbump rollback agent --env production --ignore-hold
    imgbump release agent --env production
  or roll back and hold in one commit:
    imgbump rollback agent --env production --hold --reason incident-4711

The hold is a comment line above the key that holds the image (add or delete it by hand too):
    spec:
      template:
        spec:
          containers:
            - name: agent
              # imgbump:hold incident-4711 (oncall@example.com, 2026-12-04T10:31:07Z)
              image: 123456789.dkr.ecr.us-east-1.amazonaws.com/isa-agent:sha-abc123

While it stands, `imgbump set` leaves that image alone and reports `held` (exit 0, or 4 with
--fail-on-held); other services in the same run still land. --ignore-hold sets it anyway.

A workflow the on-call person runs from GitHub's Actions tab:
    on:
      workflow_dispatch:
        inputs:
          service: {required: true}
          reason: {required: true}
          until: {default: 4h}
    jobs:
      hold:
        runs-on: ubuntu-latest
        permissions: {contents: write}
        steps:
          - uses: actions/checkout@v4
          - run: >-
              imgbump hold --env production --by \"$ACTOR\"
              --reason \"$REASON\" --until \"$UNTIL\" -- \"$SERVICE\"
            env:
              SERVICE: ${{ inputs.service }}
              REASON: ${{ inputs.reason }}
              UNTIL: ${{ inputs.until }}
              ACTOR: ${{ github.actor }}"
    };
}
const HOLD_HELP: &str = hold_help!();

/// Bump a container image in a GitOps repository: change only the image's bytes, commit, push,
/// and retry on a moved branch.
#[derive(Debug, Parser)]
#[command(name = "imgbump", version, about, after_help = AFTER_HELP, propagate_version = true)]
pub struct Cli {
    /// Print less: errors only.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Print more (repeat for more detail).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Bump one or more services' images in one commit, and push it.
    #[command(after_help = concat!(after_help!(), "\n\n", hold_help!(), "\n\n", super::deploy_args::flow_help!()))]
    Set(SetArgs),
    /// Print each service's current image.
    Get(GetArgs),
    /// List every service's targets (per environment, from .imgbump.yaml) or every service the
    /// manifest template finds, with its images.
    List(ListArgs),
    /// List the images a service's manifest held across the history, newest first.
    History(HistoryArgs),
    /// Put back the image before the current one (skipping images already rolled back from),
    /// and record the rollback.
    Rollback(RollbackArgs),
    /// Copy a service's exact image (digest included) from one environment's targets to
    /// another's, in one commit.
    Promote(PromoteArgs),
    /// Hold services where they are: a `# imgbump:hold` line above each image, one commit;
    /// `set` leaves a held image alone until it is released.
    #[command(after_help = HOLD_HELP)]
    Hold(HoldArgs),
    /// Release services' holds: the hold lines removed, one commit.
    #[command(after_help = HOLD_HELP)]
    Release(ReleaseArgs),
    /// Wait until Argo CD has deployed a service's commit (or a later one containing it),
    /// synced and healthy; exit 6 if it fails or the wait runs out.
    Wait(WaitArgs),
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): imgbump(1), or a subcommand's, imgbump-set(1) and so on.
    Man {
        /// The subcommand whose page to print.
        subcommand: Option<String>,
    },
}

impl Command {
    /// The `--repo` a subcommand works on.
    pub fn repo(&self) -> Option<&str> {
        match self {
            Command::Set(a) => Some(&a.repo.repo),
            Command::Get(a) => Some(&a.repo.repo),
            Command::List(a) => Some(&a.repo.repo),
            Command::History(a) => Some(&a.repo.repo),
            Command::Rollback(a) => Some(&a.repo.repo),
            Command::Promote(a) => Some(&a.repo.repo),
            Command::Hold(a) => Some(&a.repo.repo),
            Command::Release(a) => Some(&a.repo.repo),
            Command::Wait(a) => Some(&a.repo.repo),
            Command::Completions { .. } | Command::Man { .. } => None,
        }
    }
}

/// Where the repository is and how to reach it.
#[derive(Debug, Args, Clone)]
pub struct RepoArgs {
    /// A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://).
    #[arg(
        short = 'C',
        long,
        env = "IMGBUMP_REPO",
        default_value = ".",
        value_name = "PATH|URL"
    )]
    pub repo: String,
    /// The branch: default the current branch (checkout) or the remote's default branch (clone).
    #[arg(short, long, env = "IMGBUMP_BRANCH")]
    pub branch: Option<String>,
    /// The manifest path relative to the repository root; `{service}` is replaced by the
    /// service name, `{env}` by each --env. Repeat it to try several in order (the first file
    /// that exists is edited). Default: the targets in .imgbump.yaml if the repository has one,
    /// else deployments/kubernetes/base/applications/{service}-deployment.yaml.
    #[arg(short = 'f', long, env = "IMGBUMP_MANIFEST", value_name = "TEMPLATE")]
    pub manifest: Vec<String>,
    /// How many commits to fetch when cloning (0: all).
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub depth: u32,
    /// Where to clone (default: a temporary directory removed at exit).
    #[arg(long, value_name = "DIR")]
    pub workdir: Option<PathBuf>,
    /// Keep clones here between runs (one bare repository per remote URL, locked while in
    /// use), so that a run fetches only what is new.
    #[arg(long, env = "IMGBUMP_CACHE_DIR", value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Output format: text (human messages on stderr) or json (one object on stdout).
    #[arg(short, long, env = "IMGBUMP_OUTPUT", value_enum, default_value_t = Output::Text)]
    pub output: Output,
    /// How long to go on retrying a moved branch: `90s`, `10m`, `1h`, or seconds. The whole
    /// run ends by then.
    #[arg(long, env = "IMGBUMP_TIMEOUT", default_value = "10m", value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: std::time::Duration,
    /// How long to go on retrying a connection that is refused, reset or cut (a server at its
    /// connection limit, a network blip), counted from the first failure of a streak. An
    /// unknown host, a TLS failure and HTTP 401, 403 and 404 fail at once.
    #[arg(long, env = "IMGBUMP_CONNECT_TIMEOUT", default_value = "60s", value_name = "DURATION", value_parser = parse_duration)]
    pub connect_timeout: std::time::Duration,
    /// Authenticate as this GitHub App (its id or client id): a token for the one repository
    /// is minted from the App's installation and used for the clone, the push, the API commit
    /// and the pull request. Needs --github-app-key.
    #[arg(long, env = "IMGBUMP_GITHUB_APP_ID", value_name = "ID")]
    pub github_app_id: Option<String>,
    /// The App's private key, a PEM file (or IMGBUMP_GITHUB_APP_KEY holding the PEM itself).
    /// Never printed.
    #[arg(long, value_name = "FILE")]
    pub github_app_key: Option<PathBuf>,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Human-readable text on stderr.
    Text,
    /// One JSON object on stdout.
    Json,
}

/// Where in a file the image is, and in which environments (defaults: see `imgbump set --help`).
#[derive(Debug, Args, Clone)]
pub struct PickArgs {
    /// The workload to edit: NAME, KIND/NAME or NAMESPACE/KIND/NAME (default: the one named
    /// like the service, or the only one).
    #[arg(long, value_name = "NAME|KIND/NAME|NS/KIND/NAME")]
    pub workload: Option<String>,
    /// The container to edit (default: the one named like the service, or the first of `containers`).
    #[arg(short, long, value_name = "NAME")]
    pub container: Option<String>,
    /// The kustomization `images:` entry to edit, by its `name` (default: the entry with the
    /// new image's repository, or whose name ends in /SERVICE).
    #[arg(long, value_name = "NAME")]
    pub image_name: Option<String>,
    /// The value holding the image, as a key path: `image` (a Helm values mapping of
    /// registry/repository/tag/digest), `app.image` (a scalar reference), or
    /// `spec.source.helm.parameters[name=image.tag].value` with --holds tag, or
    /// `spec.source.kustomize.images[isa-web]` (an Argo CD `NAME=REFERENCE` item, `NAME=` kept).
    /// Dots separate keys, `[N]` indexes a list, `[KEY=VALUE]` picks the list item whose KEY is
    /// VALUE, `[NAME]` the item of a list of image strings that names the image NAME.
    #[arg(long, value_name = "PATH")]
    pub key: Option<String>,
    /// What the scalar at --key holds: a whole reference, only the tag, or only the digest.
    #[arg(long, value_enum, value_name = "WHAT", requires = "key")]
    pub holds: Option<HoldsArg>,
    /// The environment(s) of .imgbump.yaml to edit (fills {env}); repeat for several, in one commit.
    #[arg(short, long = "env", value_name = "NAME")]
    pub env: Vec<String>,
}

/// `--holds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HoldsArg {
    /// A whole image reference.
    Reference,
    /// Only the tag (`:TAG` sets it).
    Tag,
    /// Only the digest (`@sha256:…` sets it).
    Digest,
}

impl PickArgs {
    /// The selection these flags and `repo`'s --manifest make.
    pub(crate) fn selection(
        &self,
        repo: &RepoArgs,
    ) -> Result<crate::bump::Selection, crate::failure::Failure> {
        use crate::failure::{FailKind, Failure};
        use crate::manifest::Holds;
        let key = match &self.key {
            Some(k) => Some(
                k.parse()
                    .map_err(|m: String| Failure::new(FailKind::Usage, format!("--key: {m}")))?,
            ),
            None => None,
        };
        if key.is_some()
            && (self.image_name.is_some() || self.workload.is_some() || self.container.is_some())
        {
            return Err(Failure::new(
                FailKind::Usage,
                "--key names the value itself: drop --image-name, --workload and --container",
            ));
        }
        if self.image_name.is_some() && (self.workload.is_some() || self.container.is_some()) {
            return Err(Failure::new(
                FailKind::Usage,
                "--image-name picks a kustomize `images:` entry: drop --workload and --container",
            ));
        }
        for (i, e) in self.env.iter().enumerate() {
            crate::service::check(e).map_err(|m| {
                Failure::new(
                    FailKind::Usage,
                    format!("--env: {}", m.replace("service name", "name")),
                )
            })?;
            if self.env[..i].contains(e) {
                return Err(Failure::new(
                    FailKind::Usage,
                    format!("--env {e} is given twice"),
                ));
            }
        }
        Ok(crate::bump::Selection {
            manifests: repo.manifest.clone(),
            workload: self.workload.clone(),
            container: self.container.clone(),
            image_name: self.image_name.clone(),
            key,
            holds: self.holds.map(|h| match h {
                HoldsArg::Reference => Holds::Reference,
                HoldsArg::Tag => Holds::Tag,
                HoldsArg::Digest => Holds::Digest,
            }),
            envs: self.env.clone(),
            edit: Default::default(),
        })
    }
}

/// `imgbump set`.
#[derive(Debug, Args)]
pub struct SetArgs {
    /// SERVICE=IMAGE pairs; IMAGE is a full reference, `:TAG` or `@sha256:…` (keeping the repository). Put `--` before pairs that come from untrusted input.
    #[arg(required = true, value_name = "SERVICE=IMAGE")]
    pub pairs: Vec<String>,
    #[command(flatten)]
    pub repo: RepoArgs,
    #[command(flatten)]
    pub pick: PickArgs,
    /// The commit message; placeholders: {service} {image} {old_image} {tag} {digest} {file} {container} {env}.
    #[arg(
        short,
        long,
        env = "IMGBUMP_MESSAGE",
        default_value = "chore: update {service} image to {tag}",
        value_name = "TEMPLATE"
    )]
    pub message: String,
    #[command(flatten)]
    pub commit: CommitArgs,
    /// Change the image only if it is this one now (a compare-and-swap, checked against the
    /// branch's tip on every attempt); otherwise refuse and print the image it is. With one
    /// SERVICE=IMAGE.
    #[arg(long, value_name = "IMAGE")]
    pub expect_current: Option<String>,
    /// Refuse a reference with neither tag nor digest (`nginx`, which means `nginx:latest`),
    /// unless this is given.
    #[arg(long)]
    pub allow_latest: bool,
    /// Make a superseded bump (an order key not greater than the recorded one) an error (exit
    /// 4) instead of a success that changes nothing.
    #[arg(long)]
    pub fail_on_superseded: bool,
    #[command(flatten)]
    pub holds: HoldFlags,
    #[command(flatten)]
    pub add: AddArgs,
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// After the push, wait until Argo CD has deployed the commit, synced and healthy (see
    /// `imgbump wait`); exit 6 if it fails or --wait-timeout runs out.
    #[arg(long, env = "IMGBUMP_WAIT", value_parser = clap::builder::FalseyValueParser::new())]
    pub wait: bool,
    #[command(flatten)]
    pub argo: ArgoArgs,
    #[command(flatten)]
    pub notify: NotifyArgs,
}

/// `imgbump hold`.
#[derive(Debug, Args)]
pub struct HoldArgs {
    /// The services to hold (each at the image it has now).
    #[arg(required = true, value_name = "SERVICE")]
    pub services: Vec<String>,
    /// Why: an incident or ticket id, a sentence (one line, written into the manifest).
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    #[command(flatten)]
    pub who: HoldWho,
    #[command(flatten)]
    pub repo: RepoArgs,
    #[command(flatten)]
    pub pick: PickArgs,
    /// The commit message; placeholders as for `set`, and {reason}.
    #[arg(
        short,
        long,
        env = "IMGBUMP_HOLD_MESSAGE",
        default_value = "chore: hold {service} at {tag}: {reason}",
        value_name = "TEMPLATE"
    )]
    pub message: String,
    #[command(flatten)]
    pub commit: CommitArgs,
}

/// `imgbump release`.
#[derive(Debug, Args)]
pub struct ReleaseArgs {
    /// The services to release.
    #[arg(required = true, value_name = "SERVICE")]
    pub services: Vec<String>,
    #[command(flatten)]
    pub repo: RepoArgs,
    #[command(flatten)]
    pub pick: PickArgs,
    /// The commit message; placeholders as for `set`.
    #[arg(
        short,
        long,
        env = "IMGBUMP_RELEASE_MESSAGE",
        default_value = "chore: release the hold on {service}",
        value_name = "TEMPLATE"
    )]
    pub message: String,
    #[command(flatten)]
    pub commit: CommitArgs,
}

/// `imgbump promote`.
#[derive(Debug, Args)]
pub struct PromoteArgs {
    /// The service to promote.
    pub service: String,
    /// The environment to copy the image from.
    #[arg(long, value_name = "ENV")]
    pub from: String,
    /// The environment(s) to copy it to (repeatable; one commit).
    #[arg(long, value_name = "ENV", required = true)]
    pub to: Vec<String>,
    #[command(flatten)]
    pub repo: RepoArgs,
    /// The commit message; placeholders as for `set`, and {env}.
    #[arg(
        short,
        long,
        env = "IMGBUMP_PROMOTE_MESSAGE",
        default_value = "chore: promote {service} to {env}: {tag}",
        value_name = "TEMPLATE"
    )]
    pub message: String,
    #[command(flatten)]
    pub commit: CommitArgs,
    #[command(flatten)]
    pub holds: HoldFlags,
    #[command(flatten)]
    pub add: AddArgs,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// `imgbump rollback`.
#[derive(Debug, Args)]
#[command(after_help = HOLD_HELP)]
pub struct RollbackArgs {
    /// The service to roll back.
    pub service: String,
    #[command(flatten)]
    pub repo: RepoArgs,
    #[command(flatten)]
    pub pick: PickArgs,
    /// The commit message; placeholders as for `set`.
    #[arg(
        short,
        long,
        env = "IMGBUMP_ROLLBACK_MESSAGE",
        default_value = "chore: roll back {service} to {tag}",
        value_name = "TEMPLATE"
    )]
    pub message: String,
    #[command(flatten)]
    pub commit: CommitArgs,
    #[command(flatten)]
    pub holds: HoldFlags,
    /// Hold the service at the image rolled back to, in the same commit (needs --reason).
    #[arg(long, requires = "reason")]
    pub hold: bool,
    /// Why it is held (with --hold).
    #[arg(long, value_name = "TEXT", requires = "hold")]
    pub reason: Option<String>,
    #[command(flatten)]
    pub who: HoldWho,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// `imgbump get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// Service names.
    #[arg(required = true)]
    pub services: Vec<String>,
    #[command(flatten)]
    pub repo: RepoArgs,
    #[command(flatten)]
    pub pick: PickArgs,
}

/// `imgbump list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub repo: RepoArgs,
    /// Only these environments (default: all declared in .imgbump.yaml).
    #[arg(short, long = "env", value_name = "NAME")]
    pub env: Vec<String>,
    /// Only held targets.
    #[arg(long)]
    pub held: bool,
}

/// `imgbump history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The service.
    pub service: String,
    #[command(flatten)]
    pub repo: RepoArgs,
    #[command(flatten)]
    pub pick: PickArgs,
    /// Print only the N-th image: 0 is the current one, 1 the one before (for a rollback).
    #[arg(long, value_name = "N")]
    pub nth: Option<usize>,
    /// How many images to list at most.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub max: usize,
}

/// The man page, generated from the clap definition: imgbump(1), or with a subcommand's name,
/// its own page (imgbump-set(1), which imgbump(1) points to); `None` for no such subcommand.
pub fn man_page(subcommand: Option<&str>) -> Option<Vec<u8>> {
    let mut cmd = Cli::command();
    cmd.build();
    let page = match subcommand {
        None => cmd,
        Some(name) => {
            let sub = cmd.find_subcommand(name)?.clone();
            // Printed once before the process ends: a leaked name costs nothing.
            let title: &'static str =
                Box::leak(format!("imgbump-{}", sub.get_name()).into_boxed_str());
            sub.name(title).version(env!("CARGO_PKG_VERSION"))
        }
    };
    let mut out = Vec::new();
    let _ = clap_mangen::Man::new(page).render(&mut out);
    Some(out)
}

/// The subcommands' names, for their man pages.
pub fn subcommands() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect()
}

/// `imgbump wait`.
#[derive(Debug, Args)]
#[command(after_help = super::deploy_args::flow_help!())]
pub struct WaitArgs {
    /// The service.
    pub service: String,
    /// The commit to wait for (default: the one that brought the service's current image).
    #[arg(long, value_name = "SHA")]
    pub commit: Option<String>,
    #[command(flatten)]
    pub repo: RepoArgs,
    #[command(flatten)]
    pub pick: PickArgs,
    #[command(flatten)]
    pub argo: ArgoArgs,
    #[command(flatten)]
    pub notify: NotifyArgs,
}
