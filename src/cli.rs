//! The command line: the clap definition (the one source of `--help`, completions and the man
//! page), output in text or JSON, `GITHUB_OUTPUT`, and the mapping of failures to exit codes.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use serde_json::json;

use crate::bump::{self, Change, FailKind, Failure, Options, Outcome, Pair};
use crate::git::{self, Credentials, Workspace};
use crate::manifest::Manifest;
use crate::service;

const AFTER_HELP: &str = "\
Exit codes:
  0  changed, or already up to date
  2  usage error
  3  nothing matched: no manifest, workload or container, or more than one
  4  refused: invalid service name or image, unsafe edit, uncommitted changes in the manifest
  5  push failed after all retries, or rejected by the remote
  1  anything else

Examples:
  GitHub Actions step (inputs through the environment, never pasted into the shell line):
    env: { SERVICE: ${{ github.event.client_payload.service }}, IMAGE: ${{ github.event.client_payload.image }} }
    run: imgbump set -- \"$SERVICE=$IMAGE\"
  A manual rollout from a checkout:
    imgbump set agent=:sha-abc1234 --dry-run
    imgbump set agent=123456789.dkr.ecr.us-east-1.amazonaws.com/isa-agent:sha-abc1234
  A Makefile target:
    deploy: ; imgbump set --repo $(REPO) -- \"$(SERVICE)=$(IMAGE)\"";

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
    #[command(after_help = AFTER_HELP)]
    Set(SetArgs),
    /// Print each service's current image.
    Get(GetArgs),
    /// List every service the manifest template finds, with its images.
    List(RepoArgs),
    /// List the images a service's manifest held across the history, newest first.
    History(HistoryArgs),
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
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
    /// The manifest path relative to the repository root; `{service}` is replaced by the service name.
    #[arg(short = 'f', long, env = "IMGBUMP_MANIFEST", default_value = service::DEFAULT_TEMPLATE, value_name = "TEMPLATE")]
    pub manifest: String,
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
    #[arg(long, env = "IMGBUMP_OUTPUT", value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Human-readable text on stderr.
    Text,
    /// One JSON object on stdout.
    Json,
}

/// Which workload and container of a manifest (defaults: see `imgbump set --help`).
#[derive(Debug, Args, Clone)]
pub struct PickArgs {
    /// The workload to edit: NAME or KIND/NAME (default: the one named like the service, or the only one).
    #[arg(long, value_name = "NAME|KIND/NAME")]
    pub workload: Option<String>,
    /// The container to edit (default: the one named like the service, or the first of `containers`).
    #[arg(short, long, value_name = "NAME")]
    pub container: Option<String>,
}

impl PickArgs {
    fn target<'a>(&'a self, service: &'a str) -> crate::manifest::Target<'a> {
        crate::manifest::Target {
            service,
            workload: self.workload.as_deref(),
            container: self.container.as_deref(),
        }
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
    /// The commit message; placeholders: {service} {image} {old_image} {tag} {digest} {file} {container}.
    #[arg(
        short,
        long,
        env = "IMGBUMP_MESSAGE",
        default_value = "chore: update {service} image to {tag}",
        value_name = "TEMPLATE"
    )]
    pub message: String,
    /// A `KEY=VALUE` trailer to add to the commit message (repeatable).
    #[arg(long, value_name = "KEY=VALUE")]
    pub trailer: Vec<String>,
    /// The commit author, "NAME <EMAIL>" (default: git config user, else imgbump <imgbump@localhost>).
    #[arg(long, env = "IMGBUMP_AUTHOR", value_name = "NAME <EMAIL>")]
    pub author: Option<String>,
    /// Print the diff; write, commit and push nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Commit, but do not push.
    #[arg(long)]
    pub no_push: bool,
    /// Further push attempts after the branch moved on the remote.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub retries: u32,
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

/// How the process should end.
pub struct Exit(pub i32);

/// Messages for humans, on stderr, honouring `--quiet`.
struct Say {
    quiet: bool,
    verbose: u8,
    creds: Credentials,
}

impl Say {
    /// For commands whose only output is their result.
    fn silent() -> Self {
        Say {
            quiet: true,
            verbose: 0,
            creds: Credentials::from_env(),
        }
    }

    fn info(&self, msg: &str) {
        if !self.quiet {
            let _ = writeln!(std::io::stderr(), "{}", self.creds.redact(msg));
        }
    }
    fn debug(&self, msg: &str) {
        if self.verbose > 0 && !self.quiet {
            let _ = writeln!(std::io::stderr(), "imgbump: {}", self.creds.redact(msg));
        }
    }
}

/// Runs the command line; returns the exit code.
pub fn run(cli: Cli) -> Exit {
    let creds = Credentials::from_env();
    let say = Say {
        quiet: cli.quiet,
        verbose: cli.verbose,
        creds: creds.clone(),
    };
    let (output, result) = match cli.command {
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "imgbump", &mut std::io::stdout());
            return Exit(0);
        }
        Command::Man => {
            let out = man_page();
            return Exit(if std::io::stdout().write_all(&out).is_ok() {
                0
            } else {
                1
            });
        }
        Command::Set(args) => (args.repo.output, cmd_set(&args, &say)),
        Command::Get(args) => (args.repo.output, cmd_get(&args)),
        Command::List(args) => (args.output, cmd_list(&args)),
        Command::History(args) => (args.repo.output, cmd_history(&args)),
    };
    match result {
        Ok(()) => Exit(0),
        Err(f) => {
            let message = creds.redact(&f.message);
            if output == Output::Json {
                print_json(&json!({"error": {"kind": f.kind.as_str(), "message": message}}));
            }
            if !(output == Output::Json && cli.quiet) {
                let _ = writeln!(std::io::stderr(), "imgbump: error: {}", message);
            }
            if std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true") {
                let place = match (&f.file, f.line) {
                    (Some(file), Some(line)) => format!(" file={file},line={line}"),
                    (Some(file), None) => format!(" file={file}"),
                    _ => String::new(),
                };
                let first = message.lines().next().unwrap_or("");
                println!(
                    "::error{place}::{}",
                    first
                        .replace('%', "%25")
                        .replace('\r', "%0D")
                        .replace('\n', "%0A")
                );
            }
            Exit(f.kind.exit_code())
        }
    }
}

/// The man page, generated from the clap definition.
pub fn man_page() -> Vec<u8> {
    let mut out = Vec::new();
    let _ = clap_mangen::Man::new(Cli::command()).render(&mut out);
    out
}

fn print_json(v: &serde_json::Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{v}");
}

fn workspace(args: &RepoArgs, say: &Say) -> Result<Workspace, Failure> {
    let progress: Option<git::ProgressFn> = if std::io::stderr().is_terminal()
        && !say.quiet
        && std::env::var_os("NO_COLOR").is_none()
    {
        Some(std::rc::Rc::new(
            |phase: &str, done: usize, total: usize, bytes: usize| {
                if total > 0 {
                    let end = if done == total { "\r\x1b[2K" } else { "" };
                    eprint!(
                        "\r\x1b[2K{phase}: {done}/{total} objects, {} KiB{end}",
                        bytes / 1024
                    );
                }
            },
        ))
    } else {
        None
    };
    git::defer_tls_setup();
    if git::is_url(&args.repo) {
        say.debug(&format!("cloning {}", git::redact_urls(&args.repo)));
        let opts = git::CloneOptions {
            branch: args.branch.as_deref(),
            depth: args.depth,
            workdir: args.workdir.as_deref(),
            cache: args.cache_dir.as_deref(),
            progress,
        };
        Ok(Workspace::clone(
            &args.repo,
            &opts,
            Credentials::from_env(),
        )?)
    } else {
        let mut ws = Workspace::open(Path::new(&args.repo), args.branch.as_deref())?;
        if let Some(p) = progress {
            ws.set_progress(p);
        }
        Ok(ws)
    }
}

fn parse_author(s: &str) -> Result<(String, String), Failure> {
    let bad = || {
        Failure::new(
            FailKind::Usage,
            format!("--author must be \"NAME <EMAIL>\", got {:?}", s),
        )
    };
    let (name, rest) = s.split_once('<').ok_or_else(bad)?;
    let email = rest.strip_suffix('>').ok_or_else(bad)?;
    let name = name.trim();
    if name.is_empty()
        || email.is_empty()
        || email.contains(['<', '>', '\n'])
        || name.contains('\n')
    {
        return Err(bad());
    }
    Ok((name.to_string(), email.to_string()))
}

fn parse_trailer(s: &str) -> Result<(String, String), Failure> {
    let bad = || {
        Failure::new(
            FailKind::Usage,
            format!(
                "--trailer must be KEY=VALUE with KEY of letters, digits and `-`, got {}",
                crate::reference::shown(s)
            ),
        )
    };
    let (k, v) = s.split_once('=').ok_or_else(bad)?;
    if k.is_empty()
        || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        || v.contains(['\n', '\r'])
        || v.trim().is_empty()
    {
        return Err(bad());
    }
    Ok((k.to_string(), v.trim().to_string()))
}

fn cmd_set(args: &SetArgs, say: &Say) -> Result<(), Failure> {
    let pairs: Vec<Pair> = args
        .pairs
        .iter()
        .map(|p| p.parse())
        .collect::<Result<_, _>>()?;
    if pairs.len() > 1 && (args.pick.workload.is_some() || args.pick.container.is_some()) {
        return Err(Failure::new(
            FailKind::Usage,
            "--workload and --container go with exactly one SERVICE=IMAGE",
        ));
    }
    for p in &pairs {
        service::manifest_path(&args.repo.manifest, &p.service)
            .map_err(|m| Failure::new(FailKind::Refused, m))?;
    }
    let opts = Options {
        manifest: args.repo.manifest.clone(),
        workload: args.pick.workload.clone(),
        container: args.pick.container.clone(),
        message: args.message.clone(),
        trailers: args
            .trailer
            .iter()
            .map(|t| parse_trailer(t))
            .collect::<Result<_, _>>()?,
        author: args.author.as_deref().map(parse_author).transpose()?,
        dry_run: args.dry_run,
        no_push: args.no_push,
        retries: args.retries,
    };
    let start = std::time::Instant::now();
    let mut ws = workspace(&args.repo, say)?;
    let opened = start.elapsed();
    let outcome = bump::set(&mut ws, &pairs, &opts)?;
    let t = &outcome.timings;
    let ms = |d: std::time::Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    say.debug(&format!(
        "time: {} {}, edit {}, commit {}, local write {}, push {}, refetch {}; total {}",
        if ws.is_open() { "open" } else { "clone" },
        ms(opened),
        ms(t.edit),
        ms(t.commit),
        ms(t.local),
        ms(t.push),
        ms(t.refetch),
        ms(start.elapsed())
    ));
    report(&outcome, args, say, ws.url());
    Ok(())
}

fn report(o: &Outcome, args: &SetArgs, say: &Say, url: &str) {
    if args.repo.output == Output::Json {
        let changes: Vec<_> = o
            .changes
            .iter()
            .map(|c| json!({"service": c.service, "file": c.file, "workload": c.workload, "container": c.container, "line": c.line, "old": c.old, "new": c.new, "changed": c.changed}))
            .collect();
        let mut v = json!({"changed": o.changed, "commit": o.commit, "branch": o.branch, "pushed": o.pushed, "attempts": o.attempts, "changes": changes});
        if args.dry_run {
            v["dry_run"] = json!(true);
            v["diff"] = json!(o.diff);
        }
        if let Some(n) = &o.note {
            v["note"] = json!(n);
        }
        print_json(&v);
    } else if args.dry_run {
        let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        let mut out = std::io::stdout().lock();
        for line in o.diff.lines() {
            let painted = match line.chars().next() {
                Some('+') if color && !line.starts_with("+++") => format!("\x1b[32m{line}\x1b[0m"),
                Some('-') if color && !line.starts_with("---") => format!("\x1b[31m{line}\x1b[0m"),
                Some('@') if color => format!("\x1b[36m{line}\x1b[0m"),
                _ => line.to_string(),
            };
            let _ = writeln!(out, "{painted}");
        }
    }
    for c in &o.changes {
        let what = if c.changed {
            format!("{} → {}", c.old, c.new)
        } else {
            format!("already {}", c.new)
        };
        let place = if o.pushed {
            format!(
                ", commit {}, pushed to {} {}",
                o.commit.as_deref().unwrap_or("").get(..7).unwrap_or(""),
                url,
                o.branch
            )
        } else if let (Some(commit), false) = (&o.commit, args.dry_run) {
            format!(", commit {} (not pushed)", commit.get(..7).unwrap_or(""))
        } else if args.dry_run && c.changed {
            " (dry run)".to_string()
        } else {
            String::new()
        };
        say.info(&format!("{}: {what}{place}", c.service));
    }
    if o.attempts > 1 {
        say.info(&format!(
            "landed after {} push attempts (the branch moved meanwhile)",
            o.attempts
        ));
    }
    if let Some(n) = &o.note {
        say.info(&format!("note: {n}"));
    }
    if std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true") {
        if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY") {
            let mut md = String::from("### imgbump\n\n| service | old image | new image | file | commit |\n|---|---|---|---|---|\n");
            for c in &o.changes {
                let commit = if c.changed {
                    o.commit
                        .as_deref()
                        .map(|x| x.get(..7).unwrap_or(x))
                        .unwrap_or("(dry run)")
                } else {
                    "unchanged"
                };
                md.push_str(&format!(
                    "| {} | `{}` | `{}` | `{}:{}` | {} |\n",
                    c.service, c.old, c.new, c.file, c.line, commit
                ));
            }
            let state = if o.pushed {
                format!("Pushed to `{}` on `{url}`.", o.branch)
            } else if o.changed {
                "Not pushed.".into()
            } else {
                "Already up to date.".into()
            };
            md.push_str(&format!("\n{state}\n"));
            if !o.diff.is_empty() {
                md.push_str(&format!("\n```diff\n{}```\n", o.diff));
            }
            if let Err(e) = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(&path)
                .and_then(|mut f| f.write_all(md.as_bytes()))
            {
                say.info(&format!("warning: cannot write GITHUB_STEP_SUMMARY: {e}"));
            }
        }
    }
    if let Some(path) = std::env::var_os("GITHUB_OUTPUT") {
        let join =
            |f: &dyn Fn(&Change) -> &str| o.changes.iter().map(f).collect::<Vec<_>>().join(" ");
        let text = format!(
            "changed={}\ncommit={}\npushed={}\nold-image={}\nnew-image={}\n",
            o.changed,
            o.commit.as_deref().unwrap_or(""),
            o.pushed,
            join(&|c| c.old.as_str()),
            join(&|c| c.new.as_str())
        );
        if let Err(e) = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)
            .and_then(|mut f| f.write_all(text.as_bytes()))
        {
            say.info(&format!("warning: cannot write GITHUB_OUTPUT: {e}"));
        }
    }
}

fn cmd_get(args: &GetArgs) -> Result<(), Failure> {
    let say = Say::silent();
    let ws = workspace(&args.repo, &say)?;
    let tip = ws.tip()?;
    let mut found = Vec::new();
    for s in &args.services {
        let path = service::manifest_path(&args.repo.manifest, s)
            .map_err(|m| Failure::new(FailKind::Refused, m))?;
        let text = bump::read_manifest(&ws, tip, &path, &args.repo.manifest)?;
        let m = Manifest::parse(&text).map_err(|e| Failure::from_edit(&path, e))?;
        let f = m
            .select(&args.pick.target(s))
            .map_err(|e| Failure::from_edit(&path, e))?;
        found.push((s.clone(), path, f.clone()));
    }
    if args.repo.output == Output::Json {
        let v: Vec<_> = found
            .iter()
            .map(|(s, p, f)| json!({"service": s, "file": p, "workload": f.workload_id(), "container": f.container, "line": f.location.line, "image": f.value}))
            .collect();
        print_json(&json!(v));
    } else {
        let mut out = std::io::stdout().lock();
        for (_, _, f) in &found {
            let _ = writeln!(out, "{}", f.value);
        }
    }
    Ok(())
}

fn cmd_history(args: &HistoryArgs) -> Result<(), Failure> {
    let say = Say::silent();
    let mut repo = args.repo.clone();
    if repo.depth == 1 {
        // History needs the commits: a full fetch, unless --depth says otherwise.
        repo.depth = 0;
    }
    let ws = workspace(&repo, &say)?;
    let path = service::manifest_path(&args.repo.manifest, &args.service)
        .map_err(|m| Failure::new(FailKind::Refused, m))?;
    let target = args.pick.target(&args.service);
    let want = args.nth.map_or(args.max, |n| n + 1);
    let mut images: Vec<(String, git2::Oid, i64)> = Vec::new();
    ws.history(&path, |commit, time, bytes| {
        // Versions whose image cannot be read (invalid then, or no such container) are skipped.
        let Ok(m) = Manifest::parse_bytes(bytes) else {
            return true;
        };
        let Ok(f) = m.select(&target) else {
            return true;
        };
        // The commit that introduced an image is the oldest of a run of equal ones.
        let len = images.len();
        match images.last_mut() {
            Some(last) if last.0 == f.value => {
                last.1 = commit;
                last.2 = time;
            }
            _ if len == want => return false,
            _ => images.push((f.value.clone(), commit, time)),
        }
        true
    })?;
    if images.is_empty() {
        return Err(Failure::new(
            FailKind::NotFound,
            format!(
                "{path} has no image for {} in the history of branch {}",
                args.service,
                ws.branch()
            ),
        ));
    }
    if let Some(n) = args.nth {
        let Some((image, _, _)) = images.get(n) else {
            return Err(Failure::new(
                FailKind::NotFound,
                format!(
                    "{path} held only {} images for {}; there is no --nth {n}",
                    images.len(),
                    args.service
                ),
            ));
        };
        if args.repo.output == Output::Json {
            print_json(&json!({"image": image}));
        } else {
            println!("{image}");
        }
        return Ok(());
    }
    if args.repo.output == Output::Json {
        let v: Vec<_> = images
            .iter()
            .map(|(i, c, t)| json!({"image": i, "commit": c.to_string(), "date": utc(*t)}))
            .collect();
        print_json(&json!(v));
    } else {
        let mut out = std::io::stdout().lock();
        for (image, commit, time) in &images {
            if writeln!(out, "{image}\t{}\t{}", &commit.to_string()[..7], utc(*time)).is_err() {
                break;
            }
        }
    }
    Ok(())
}

/// `YYYY-MM-DDTHH:MM:SSZ` for Unix seconds (proleptic Gregorian, UTC).
fn utc(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn cmd_list(args: &RepoArgs) -> Result<(), Failure> {
    let say = Say::silent();
    let ws = workspace(args, &say)?;
    let tip = ws.tip()?;
    let parts = service::template_components(&args.manifest);
    let mut found: Vec<(String, String)> = Vec::new();
    let mut stack: Vec<(usize, String, Option<String>)> = vec![(0, String::new(), None)];
    while let Some((i, dir, svc)) = stack.pop() {
        let Some(part) = parts.get(i) else { continue };
        let last = i + 1 == parts.len();
        let join = |name: &str| {
            if dir.is_empty() {
                name.to_string()
            } else {
                format!("{dir}/{name}")
            }
        };
        if part.contains("{service}") && svc.is_none() {
            for (name, is_dir) in ws.list_dir(tip, &dir)? {
                if let Some(s) = service::match_component(part, &name) {
                    if last && !is_dir {
                        found.push((s.to_string(), join(&name)));
                    } else if !last && is_dir {
                        stack.push((i + 1, join(&name), Some(s.to_string())));
                    }
                }
            }
        } else {
            let name = match &svc {
                Some(s) => part.replace("{service}", s),
                None => part.to_string(),
            };
            if last {
                if let Some(s) = svc.clone() {
                    found.push((s, join(&name)));
                }
            } else {
                stack.push((i + 1, join(&name), svc.clone()));
            }
        }
    }
    found.sort();
    let mut rows = Vec::new();
    for (s, path) in &found {
        let Some(bytes) = ws.read(tip, path)? else {
            continue;
        };
        match Manifest::parse_bytes(&bytes) {
            Ok(m) => {
                for f in m.images() {
                    rows.push(json!({"service": s, "file": path, "workload": f.workload_id(), "container": f.container, "role": f.role.as_str(), "line": f.location.line, "image": f.value}));
                }
            }
            Err(e) => rows.push(json!({"service": s, "file": path, "error": e.to_string()})),
        }
    }
    if args.output == Output::Json {
        print_json(&json!(rows));
    } else {
        let mut out = std::io::stdout().lock();
        for r in &rows {
            let s = |k: &str| r[k].as_str().unwrap_or("").to_string();
            let line = match r.get("error") {
                Some(e) => format!(
                    "{}\t{}\terror: {}",
                    s("service"),
                    s("file"),
                    e.as_str().unwrap_or("")
                ),
                None => format!(
                    "{}\t{}\t{}\t{}",
                    s("service"),
                    s("workload"),
                    s("container"),
                    s("image")
                ),
            };
            if writeln!(out, "{line}").is_err() {
                break;
            }
        }
    }
    Ok(())
}
