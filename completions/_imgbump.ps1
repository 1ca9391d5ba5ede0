
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'imgbump' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'imgbump'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'imgbump' {
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: errors only')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: errors only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more (repeat for more detail)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more (repeat for more detail)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Bump one or more services'' images in one commit, and push it')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print each service''s current image')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List every service''s targets (per environment, from .imgbump.yaml) or every service the manifest template finds, with its images')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'List the images a service''s manifest held across the history, newest first')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'Put back the image before the current one (skipping images already rolled back from), and record the rollback')
            [CompletionResult]::new('promote', 'promote', [CompletionResultType]::ParameterValue, 'Copy a service''s exact image (digest included) from one environment''s targets to another''s, in one commit')
            [CompletionResult]::new('hold', 'hold', [CompletionResultType]::ParameterValue, 'Hold services where they are: a `# imgbump:hold` line above each image, one commit; `set` leaves a held image alone until it is released')
            [CompletionResult]::new('release', 'release', [CompletionResultType]::ParameterValue, 'Release services'' holds: the hold lines removed, one commit')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff): imgbump(1), or a subcommand''s, imgbump-set(1) and so on')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'imgbump;set' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'The branch: default the current branch (checkout) or the remote''s default branch (clone)')
            [CompletionResult]::new('--branch', '--branch', [CompletionResultType]::ParameterName, 'The branch: default the current branch (checkout) or the remote''s default branch (clone)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The manifest path relative to the repository root; `{service}` is replaced by the service name, `{env}` by each --env. Repeat it to try several in order (the first file that exists is edited). Default: the targets in .imgbump.yaml if the repository has one, else deployments/kubernetes/base/applications/{service}-deployment.yaml')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'The manifest path relative to the repository root; `{service}` is replaced by the service name, `{env}` by each --env. Repeat it to try several in order (the first file that exists is edited). Default: the targets in .imgbump.yaml if the repository has one, else deployments/kubernetes/base/applications/{service}-deployment.yaml')
            [CompletionResult]::new('--depth', '--depth', [CompletionResultType]::ParameterName, 'How many commits to fetch when cloning (0: all)')
            [CompletionResult]::new('--workdir', '--workdir', [CompletionResultType]::ParameterName, 'Where to clone (default: a temporary directory removed at exit)')
            [CompletionResult]::new('--cache-dir', '--cache-dir', [CompletionResultType]::ParameterName, 'Keep clones here between runs (one bare repository per remote URL, locked while in use), so that a run fetches only what is new')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text (human messages on stderr) or json (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text (human messages on stderr) or json (one object on stdout)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to go on retrying a moved branch: `90s`, `10m`, `1h`, or seconds. The whole run ends by then')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to go on retrying a connection that is refused, reset or cut (a server at its connection limit, a network blip), counted from the first failure of a streak. An unknown host, a TLS failure and HTTP 401, 403 and 404 fail at once')
            [CompletionResult]::new('--workload', '--workload', [CompletionResultType]::ParameterName, 'The workload to edit: NAME, KIND/NAME or NAMESPACE/KIND/NAME (default: the one named like the service, or the only one)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The container to edit (default: the one named like the service, or the first of `containers`)')
            [CompletionResult]::new('--container', '--container', [CompletionResultType]::ParameterName, 'The container to edit (default: the one named like the service, or the first of `containers`)')
            [CompletionResult]::new('--image-name', '--image-name', [CompletionResultType]::ParameterName, 'The kustomization `images:` entry to edit, by its `name` (default: the entry with the new image''s repository, or whose name ends in /SERVICE)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The value holding the image, as a key path: `image` (a Helm values mapping of registry/repository/tag/digest), `app.image` (a scalar reference), or `spec.source.helm.parameters[name=image.tag].value` with --holds tag, or `spec.source.kustomize.images[isa-web]` (an Argo CD `NAME=REFERENCE` item, `NAME=` kept). Dots separate keys, `[N]` indexes a list, `[KEY=VALUE]` picks the list item whose KEY is VALUE, `[NAME]` the item of a list of image strings that names the image NAME')
            [CompletionResult]::new('--holds', '--holds', [CompletionResultType]::ParameterName, 'What the scalar at --key holds: a whole reference, only the tag, or only the digest')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'The environment(s) of .imgbump.yaml to edit (fills {env}); repeat for several, in one commit')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'The environment(s) of .imgbump.yaml to edit (fills {env}); repeat for several, in one commit')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'The commit message; placeholders: {service} {image} {old_image} {tag} {digest} {file} {container} {env}')
            [CompletionResult]::new('--message', '--message', [CompletionResultType]::ParameterName, 'The commit message; placeholders: {service} {image} {old_image} {tag} {digest} {file} {container} {env}')
            [CompletionResult]::new('--trailer', '--trailer', [CompletionResultType]::ParameterName, 'A `KEY=VALUE` trailer to add to the commit message (repeatable)')
            [CompletionResult]::new('--author', '--author', [CompletionResultType]::ParameterName, 'The commit author, "NAME <EMAIL>" (default: git config user, else imgbump <imgbump@localhost>)')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'At most this many further push attempts after the branch moved (default: as many as --timeout allows)')
            [CompletionResult]::new('--order-key', '--order-key', [CompletionResultType]::ParameterName, 'A number the producer makes grow (a CI run number, the source commit''s time), recorded in an `Imgbump-Order: SERVICE=N` trailer. A key not greater than the one recorded for the service means an older build: nothing is changed, and the outcome is "superseded"')
            [CompletionResult]::new('--push-branch', '--push-branch', [CompletionResultType]::ParameterName, 'Push to a new branch named by this template instead of the branch ({service} {tag} {env}; e.g. imgbump/{service}/{tag}), cut from the branch''s tip, never forced: one that already has the same change is success, one with other content is refused')
            [CompletionResult]::new('--push-option', '--push-option', [CompletionResultType]::ParameterName, 'A push option (`git push -o`), repeatable')
            [CompletionResult]::new('--open-pr', '--open-pr', [CompletionResultType]::ParameterName, 'Open a pull request (github: REST API, with the push''s token) or a merge request (gitlab: push options) for the pushed branch (default --push-branch imgbump/{service}/{tag}); older imgbump pull requests of the service are closed')
            [CompletionResult]::new('--pr-label', '--pr-label', [CompletionResultType]::ParameterName, 'A label for the pull request (repeatable)')
            [CompletionResult]::new('--pr-reviewer', '--pr-reviewer', [CompletionResultType]::ParameterName, 'A reviewer for the pull request, USER or ORG/TEAM (repeatable; GitHub)')
            [CompletionResult]::new('--sign', '--sign', [CompletionResultType]::ParameterName, 'Sign the commit: ssh:KEYFILE, ssh-agent, or gpg:KEYID (default in a checkout: as git config''s commit.gpgsign, gpg.format and user.signingkey say)')
            [CompletionResult]::new('--expect-current', '--expect-current', [CompletionResultType]::ParameterName, 'Change the image only if it is this one now (a compare-and-swap, checked against the branch''s tip on every attempt); otherwise refuse and print the image it is. With one SERVICE=IMAGE')
            [CompletionResult]::new('--insecure-registry', '--insecure-registry', [CompletionResultType]::ParameterName, 'A registry host (`host` or `host:port`) that may be asked over plain HTTP (repeatable); registries on this machine always may')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the diff; write, commit and push nothing')
            [CompletionResult]::new('--no-push', '--no-push', [CompletionResultType]::ParameterName, 'Commit, but do not push')
            [CompletionResult]::new('--draft', '--draft', [CompletionResultType]::ParameterName, 'Open the pull request as a draft')
            [CompletionResult]::new('--auto-merge', '--auto-merge', [CompletionResultType]::ParameterName, 'Merge the pull request when its checks pass (GitHub''s auto-merge; GitLab''s merge when the pipeline succeeds)')
            [CompletionResult]::new('--allow-latest', '--allow-latest', [CompletionResultType]::ParameterName, 'Refuse a reference with neither tag nor digest (`nginx`, which means `nginx:latest`), unless this is given')
            [CompletionResult]::new('--fail-on-superseded', '--fail-on-superseded', [CompletionResultType]::ParameterName, 'Make a superseded bump (an order key not greater than the recorded one) an error (exit 4) instead of a success that changes nothing')
            [CompletionResult]::new('--ignore-hold', '--ignore-hold', [CompletionResultType]::ParameterName, 'Set the image of a held target anyway (a person overriding their own freeze): the hold line stays, and an `Imgbump-Hold-Ignored` trailer records it')
            [CompletionResult]::new('--fail-on-held', '--fail-on-held', [CompletionResultType]::ParameterName, 'Make a held target an error (exit 4, after the other services landed) instead of a success that leaves it alone')
            [CompletionResult]::new('--create', '--create', [CompletionResultType]::ParameterName, 'Add a missing kustomize `images:` entry or Helm values key (copying the siblings'' indentation and style); without it the edit is refused, showing the lines it would add')
            [CompletionResult]::new('--drop-digest', '--drop-digest', [CompletionResultType]::ParameterName, 'Remove a kustomize entry''s `digest` (or empty a Helm `digest`) that would win over the new tag; without it such an edit is refused')
            [CompletionResult]::new('--verify-image', '--verify-image', [CompletionResultType]::ParameterName, 'Check that the new image exists in its registry before anything is written (a missing tag or digest is refused, exit 4). Credentials as Docker finds them (~/.docker/config.json, $DOCKER_CONFIG, credential helpers) or IMGBUMP_REGISTRY_TOKEN')
            [CompletionResult]::new('--pin-digest', '--pin-digest', [CompletionResultType]::ParameterName, 'Write the new image with the digest its registry reports for the tag (`repo:tag@sha256:…`; for a multi-platform image, the index''s). Implies --verify-image')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: errors only')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: errors only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more (repeat for more detail)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more (repeat for more detail)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'imgbump;get' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'The branch: default the current branch (checkout) or the remote''s default branch (clone)')
            [CompletionResult]::new('--branch', '--branch', [CompletionResultType]::ParameterName, 'The branch: default the current branch (checkout) or the remote''s default branch (clone)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The manifest path relative to the repository root; `{service}` is replaced by the service name, `{env}` by each --env. Repeat it to try several in order (the first file that exists is edited). Default: the targets in .imgbump.yaml if the repository has one, else deployments/kubernetes/base/applications/{service}-deployment.yaml')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'The manifest path relative to the repository root; `{service}` is replaced by the service name, `{env}` by each --env. Repeat it to try several in order (the first file that exists is edited). Default: the targets in .imgbump.yaml if the repository has one, else deployments/kubernetes/base/applications/{service}-deployment.yaml')
            [CompletionResult]::new('--depth', '--depth', [CompletionResultType]::ParameterName, 'How many commits to fetch when cloning (0: all)')
            [CompletionResult]::new('--workdir', '--workdir', [CompletionResultType]::ParameterName, 'Where to clone (default: a temporary directory removed at exit)')
            [CompletionResult]::new('--cache-dir', '--cache-dir', [CompletionResultType]::ParameterName, 'Keep clones here between runs (one bare repository per remote URL, locked while in use), so that a run fetches only what is new')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text (human messages on stderr) or json (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text (human messages on stderr) or json (one object on stdout)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to go on retrying a moved branch: `90s`, `10m`, `1h`, or seconds. The whole run ends by then')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to go on retrying a connection that is refused, reset or cut (a server at its connection limit, a network blip), counted from the first failure of a streak. An unknown host, a TLS failure and HTTP 401, 403 and 404 fail at once')
            [CompletionResult]::new('--workload', '--workload', [CompletionResultType]::ParameterName, 'The workload to edit: NAME, KIND/NAME or NAMESPACE/KIND/NAME (default: the one named like the service, or the only one)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The container to edit (default: the one named like the service, or the first of `containers`)')
            [CompletionResult]::new('--container', '--container', [CompletionResultType]::ParameterName, 'The container to edit (default: the one named like the service, or the first of `containers`)')
            [CompletionResult]::new('--image-name', '--image-name', [CompletionResultType]::ParameterName, 'The kustomization `images:` entry to edit, by its `name` (default: the entry with the new image''s repository, or whose name ends in /SERVICE)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The value holding the image, as a key path: `image` (a Helm values mapping of registry/repository/tag/digest), `app.image` (a scalar reference), or `spec.source.helm.parameters[name=image.tag].value` with --holds tag, or `spec.source.kustomize.images[isa-web]` (an Argo CD `NAME=REFERENCE` item, `NAME=` kept). Dots separate keys, `[N]` indexes a list, `[KEY=VALUE]` picks the list item whose KEY is VALUE, `[NAME]` the item of a list of image strings that names the image NAME')
            [CompletionResult]::new('--holds', '--holds', [CompletionResultType]::ParameterName, 'What the scalar at --key holds: a whole reference, only the tag, or only the digest')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'The environment(s) of .imgbump.yaml to edit (fills {env}); repeat for several, in one commit')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'The environment(s) of .imgbump.yaml to edit (fills {env}); repeat for several, in one commit')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: errors only')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: errors only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more (repeat for more detail)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more (repeat for more detail)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'imgbump;list' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'The branch: default the current branch (checkout) or the remote''s default branch (clone)')
            [CompletionResult]::new('--branch', '--branch', [CompletionResultType]::ParameterName, 'The branch: default the current branch (checkout) or the remote''s default branch (clone)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The manifest path relative to the repository root; `{service}` is replaced by the service name, `{env}` by each --env. Repeat it to try several in order (the first file that exists is edited). Default: the targets in .imgbump.yaml if the repository has one, else deployments/kubernetes/base/applications/{service}-deployment.yaml')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'The manifest path relative to the repository root; `{service}` is replaced by the service name, `{env}` by each --env. Repeat it to try several in order (the first file that exists is edited). Default: the targets in .imgbump.yaml if the repository has one, else deployments/kubernetes/base/applications/{service}-deployment.yaml')
            [CompletionResult]::new('--depth', '--depth', [CompletionResultType]::ParameterName, 'How many commits to fetch when cloning (0: all)')
            [CompletionResult]::new('--workdir', '--workdir', [CompletionResultType]::ParameterName, 'Where to clone (default: a temporary directory removed at exit)')
            [CompletionResult]::new('--cache-dir', '--cache-dir', [CompletionResultType]::ParameterName, 'Keep clones here between runs (one bare repository per remote URL, locked while in use), so that a run fetches only what is new')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text (human messages on stderr) or json (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text (human messages on stderr) or json (one object on stdout)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to go on retrying a moved branch: `90s`, `10m`, `1h`, or seconds. The whole run ends by then')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to go on retrying a connection that is refused, reset or cut (a server at its connection limit, a network blip), counted from the first failure of a streak. An unknown host, a TLS failure and HTTP 401, 403 and 404 fail at once')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Only these environments (default: all declared in .imgbump.yaml)')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Only these environments (default: all declared in .imgbump.yaml)')
            [CompletionResult]::new('--held', '--held', [CompletionResultType]::ParameterName, 'Only held targets')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: errors only')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: errors only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more (repeat for more detail)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more (repeat for more detail)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'imgbump;history' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'The branch: default the current branch (checkout) or the remote''s default branch (clone)')
            [CompletionResult]::new('--branch', '--branch', [CompletionResultType]::ParameterName, 'The branch: default the current branch (checkout) or the remote''s default branch (clone)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The manifest path relative to the repository root; `{service}` is replaced by the service name, `{env}` by each --env. Repeat it to try several in order (the first file that exists is edited). Default: the targets in .imgbump.yaml if the repository has one, else deployments/kubernetes/base/applications/{service}-deployment.yaml')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'The manifest path relative to the repository root; `{service}` is replaced by the service name, `{env}` by each --env. Repeat it to try several in order (the first file that exists is edited). Default: the targets in .imgbump.yaml if the repository has one, else deployments/kubernetes/base/applications/{service}-deployment.yaml')
            [CompletionResult]::new('--depth', '--depth', [CompletionResultType]::ParameterName, 'How many commits to fetch when cloning (0: all)')
            [CompletionResult]::new('--workdir', '--workdir', [CompletionResultType]::ParameterName, 'Where to clone (default: a temporary directory removed at exit)')
            [CompletionResult]::new('--cache-dir', '--cache-dir', [CompletionResultType]::ParameterName, 'Keep clones here between runs (one bare repository per remote URL, locked while in use), so that a run fetches only what is new')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text (human messages on stderr) or json (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text (human messages on stderr) or json (one object on stdout)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to go on retrying a moved branch: `90s`, `10m`, `1h`, or seconds. The whole run ends by then')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to go on retrying a connection that is refused, reset or cut (a server at its connection limit, a network blip), counted from the first failure of a streak. An unknown host, a TLS failure and HTTP 401, 403 and 404 fail at once')
            [CompletionResult]::new('--workload', '--workload', [CompletionResultType]::ParameterName, 'The workload to edit: NAME, KIND/NAME or NAMESPACE/KIND/NAME (default: the one named like the service, or the only one)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The container to edit (default: the one named like the service, or the first of `containers`)')
            [CompletionResult]::new('--container', '--container', [CompletionResultType]::ParameterName, 'The container to edit (default: the one named like the service, or the first of `containers`)')
            [CompletionResult]::new('--image-name', '--image-name', [CompletionResultType]::ParameterName, 'The kustomization `images:` entry to edit, by its `name` (default: the entry with the new image''s repository, or whose name ends in /SERVICE)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The value holding the image, as a key path: `image` (a Helm values mapping of registry/repository/tag/digest), `app.image` (a scalar reference), or `spec.source.helm.parameters[name=image.tag].value` with --holds tag, or `spec.source.kustomize.images[isa-web]` (an Argo CD `NAME=REFERENCE` item, `NAME=` kept). Dots separate keys, `[N]` indexes a list, `[KEY=VALUE]` picks the list item whose KEY is VALUE, `[NAME]` the item of a list of image strings that names the image NAME')
            [CompletionResult]::new('--holds', '--holds', [CompletionResultType]::ParameterName, 'What the scalar at --key holds: a whole reference, only the tag, or only the digest')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'The environment(s) of .imgbump.yaml to edit (fills {env}); repeat for several, in one commit')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'The environment(s) of .imgbump.yaml to edit (fills {env}); repeat for several, in one commit')
            [CompletionResult]::new('--nth', '--nth', [CompletionResultType]::ParameterName, 'Print only the N-th image: 0 is the current one, 1 the one before (for a rollback)')
            [CompletionResult]::new('--max', '--max', [CompletionResultType]::ParameterName, 'How many images to list at most')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: errors only')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: errors only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more (repeat for more detail)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more (repeat for more detail)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'imgbump;rollback' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'The branch: default the current branch (checkout) or the remote''s default branch (clone)')
            [CompletionResult]::new('--branch', '--branch', [CompletionResultType]::ParameterName, 'The branch: default the current branch (checkout) or the remote''s default branch (clone)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The manifest path relative to the repository root; `{service}` is replaced by the service name, `{env}` by each --env. Repeat it to try several in order (the first file that exists is edited). Default: the targets in .imgbump.yaml if the repository has one, else deployments/kubernetes/base/applications/{service}-deployment.yaml')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'The manifest path relative to the repository root; `{service}` is replaced by the service name, `{env}` by each --env. Repeat it to try several in order (the first file that exists is edited). Default: the targets in .imgbump.yaml if the repository has one, else deployments/kubernetes/base/applications/{service}-deployment.yaml')
            [CompletionResult]::new('--depth', '--depth', [CompletionResultType]::ParameterName, 'How many commits to fetch when cloning (0: all)')
            [CompletionResult]::new('--workdir', '--workdir', [CompletionResultType]::ParameterName, 'Where to clone (default: a temporary directory removed at exit)')
            [CompletionResult]::new('--cache-dir', '--cache-dir', [CompletionResultType]::ParameterName, 'Keep clones here between runs (one bare repository per remote URL, locked while in use), so that a run fetches only what is new')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text (human messages on stderr) or json (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text (human messages on stderr) or json (one object on stdout)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to go on retrying a moved branch: `90s`, `10m`, `1h`, or seconds. The whole run ends by then')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to go on retrying a connection that is refused, reset or cut (a server at its connection limit, a network blip), counted from the first failure of a streak. An unknown host, a TLS failure and HTTP 401, 403 and 404 fail at once')
            [CompletionResult]::new('--workload', '--workload', [CompletionResultType]::ParameterName, 'The workload to edit: NAME, KIND/NAME or NAMESPACE/KIND/NAME (default: the one named like the service, or the only one)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The container to edit (default: the one named like the service, or the first of `containers`)')
            [CompletionResult]::new('--container', '--container', [CompletionResultType]::ParameterName, 'The container to edit (default: the one named like the service, or the first of `containers`)')
            [CompletionResult]::new('--image-name', '--image-name', [CompletionResultType]::ParameterName, 'The kustomization `images:` entry to edit, by its `name` (default: the entry with the new image''s repository, or whose name ends in /SERVICE)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The value holding the image, as a key path: `image` (a Helm values mapping of registry/repository/tag/digest), `app.image` (a scalar reference), or `spec.source.helm.parameters[name=image.tag].value` with --holds tag, or `spec.source.kustomize.images[isa-web]` (an Argo CD `NAME=REFERENCE` item, `NAME=` kept). Dots separate keys, `[N]` indexes a list, `[KEY=VALUE]` picks the list item whose KEY is VALUE, `[NAME]` the item of a list of image strings that names the image NAME')
            [CompletionResult]::new('--holds', '--holds', [CompletionResultType]::ParameterName, 'What the scalar at --key holds: a whole reference, only the tag, or only the digest')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'The environment(s) of .imgbump.yaml to edit (fills {env}); repeat for several, in one commit')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'The environment(s) of .imgbump.yaml to edit (fills {env}); repeat for several, in one commit')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'The commit message; placeholders as for `set`')
            [CompletionResult]::new('--message', '--message', [CompletionResultType]::ParameterName, 'The commit message; placeholders as for `set`')
            [CompletionResult]::new('--trailer', '--trailer', [CompletionResultType]::ParameterName, 'A `KEY=VALUE` trailer to add to the commit message (repeatable)')
            [CompletionResult]::new('--author', '--author', [CompletionResultType]::ParameterName, 'The commit author, "NAME <EMAIL>" (default: git config user, else imgbump <imgbump@localhost>)')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'At most this many further push attempts after the branch moved (default: as many as --timeout allows)')
            [CompletionResult]::new('--order-key', '--order-key', [CompletionResultType]::ParameterName, 'A number the producer makes grow (a CI run number, the source commit''s time), recorded in an `Imgbump-Order: SERVICE=N` trailer. A key not greater than the one recorded for the service means an older build: nothing is changed, and the outcome is "superseded"')
            [CompletionResult]::new('--push-branch', '--push-branch', [CompletionResultType]::ParameterName, 'Push to a new branch named by this template instead of the branch ({service} {tag} {env}; e.g. imgbump/{service}/{tag}), cut from the branch''s tip, never forced: one that already has the same change is success, one with other content is refused')
            [CompletionResult]::new('--push-option', '--push-option', [CompletionResultType]::ParameterName, 'A push option (`git push -o`), repeatable')
            [CompletionResult]::new('--open-pr', '--open-pr', [CompletionResultType]::ParameterName, 'Open a pull request (github: REST API, with the push''s token) or a merge request (gitlab: push options) for the pushed branch (default --push-branch imgbump/{service}/{tag}); older imgbump pull requests of the service are closed')
            [CompletionResult]::new('--pr-label', '--pr-label', [CompletionResultType]::ParameterName, 'A label for the pull request (repeatable)')
            [CompletionResult]::new('--pr-reviewer', '--pr-reviewer', [CompletionResultType]::ParameterName, 'A reviewer for the pull request, USER or ORG/TEAM (repeatable; GitHub)')
            [CompletionResult]::new('--sign', '--sign', [CompletionResultType]::ParameterName, 'Sign the commit: ssh:KEYFILE, ssh-agent, or gpg:KEYID (default in a checkout: as git config''s commit.gpgsign, gpg.format and user.signingkey say)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why it is held (with --hold)')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'When the hold ends by itself: 2026-12-05T18:00:00Z, a date (its 00:00 UTC), or a duration from now (90m, 4h, 2d, 1w). Default: until released')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'Who holds it (default: $GITHUB_ACTOR in GitHub Actions, else the commit author''s email)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the diff; write, commit and push nothing')
            [CompletionResult]::new('--no-push', '--no-push', [CompletionResultType]::ParameterName, 'Commit, but do not push')
            [CompletionResult]::new('--draft', '--draft', [CompletionResultType]::ParameterName, 'Open the pull request as a draft')
            [CompletionResult]::new('--auto-merge', '--auto-merge', [CompletionResultType]::ParameterName, 'Merge the pull request when its checks pass (GitHub''s auto-merge; GitLab''s merge when the pipeline succeeds)')
            [CompletionResult]::new('--ignore-hold', '--ignore-hold', [CompletionResultType]::ParameterName, 'Set the image of a held target anyway (a person overriding their own freeze): the hold line stays, and an `Imgbump-Hold-Ignored` trailer records it')
            [CompletionResult]::new('--fail-on-held', '--fail-on-held', [CompletionResultType]::ParameterName, 'Make a held target an error (exit 4, after the other services landed) instead of a success that leaves it alone')
            [CompletionResult]::new('--hold', '--hold', [CompletionResultType]::ParameterName, 'Hold the service at the image rolled back to, in the same commit (needs --reason)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: errors only')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: errors only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more (repeat for more detail)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more (repeat for more detail)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'imgbump;promote' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'The environment to copy the image from')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The environment(s) to copy it to (repeatable; one commit)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'The branch: default the current branch (checkout) or the remote''s default branch (clone)')
            [CompletionResult]::new('--branch', '--branch', [CompletionResultType]::ParameterName, 'The branch: default the current branch (checkout) or the remote''s default branch (clone)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The manifest path relative to the repository root; `{service}` is replaced by the service name, `{env}` by each --env. Repeat it to try several in order (the first file that exists is edited). Default: the targets in .imgbump.yaml if the repository has one, else deployments/kubernetes/base/applications/{service}-deployment.yaml')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'The manifest path relative to the repository root; `{service}` is replaced by the service name, `{env}` by each --env. Repeat it to try several in order (the first file that exists is edited). Default: the targets in .imgbump.yaml if the repository has one, else deployments/kubernetes/base/applications/{service}-deployment.yaml')
            [CompletionResult]::new('--depth', '--depth', [CompletionResultType]::ParameterName, 'How many commits to fetch when cloning (0: all)')
            [CompletionResult]::new('--workdir', '--workdir', [CompletionResultType]::ParameterName, 'Where to clone (default: a temporary directory removed at exit)')
            [CompletionResult]::new('--cache-dir', '--cache-dir', [CompletionResultType]::ParameterName, 'Keep clones here between runs (one bare repository per remote URL, locked while in use), so that a run fetches only what is new')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text (human messages on stderr) or json (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text (human messages on stderr) or json (one object on stdout)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to go on retrying a moved branch: `90s`, `10m`, `1h`, or seconds. The whole run ends by then')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to go on retrying a connection that is refused, reset or cut (a server at its connection limit, a network blip), counted from the first failure of a streak. An unknown host, a TLS failure and HTTP 401, 403 and 404 fail at once')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'The commit message; placeholders as for `set`, and {env}')
            [CompletionResult]::new('--message', '--message', [CompletionResultType]::ParameterName, 'The commit message; placeholders as for `set`, and {env}')
            [CompletionResult]::new('--trailer', '--trailer', [CompletionResultType]::ParameterName, 'A `KEY=VALUE` trailer to add to the commit message (repeatable)')
            [CompletionResult]::new('--author', '--author', [CompletionResultType]::ParameterName, 'The commit author, "NAME <EMAIL>" (default: git config user, else imgbump <imgbump@localhost>)')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'At most this many further push attempts after the branch moved (default: as many as --timeout allows)')
            [CompletionResult]::new('--order-key', '--order-key', [CompletionResultType]::ParameterName, 'A number the producer makes grow (a CI run number, the source commit''s time), recorded in an `Imgbump-Order: SERVICE=N` trailer. A key not greater than the one recorded for the service means an older build: nothing is changed, and the outcome is "superseded"')
            [CompletionResult]::new('--push-branch', '--push-branch', [CompletionResultType]::ParameterName, 'Push to a new branch named by this template instead of the branch ({service} {tag} {env}; e.g. imgbump/{service}/{tag}), cut from the branch''s tip, never forced: one that already has the same change is success, one with other content is refused')
            [CompletionResult]::new('--push-option', '--push-option', [CompletionResultType]::ParameterName, 'A push option (`git push -o`), repeatable')
            [CompletionResult]::new('--open-pr', '--open-pr', [CompletionResultType]::ParameterName, 'Open a pull request (github: REST API, with the push''s token) or a merge request (gitlab: push options) for the pushed branch (default --push-branch imgbump/{service}/{tag}); older imgbump pull requests of the service are closed')
            [CompletionResult]::new('--pr-label', '--pr-label', [CompletionResultType]::ParameterName, 'A label for the pull request (repeatable)')
            [CompletionResult]::new('--pr-reviewer', '--pr-reviewer', [CompletionResultType]::ParameterName, 'A reviewer for the pull request, USER or ORG/TEAM (repeatable; GitHub)')
            [CompletionResult]::new('--sign', '--sign', [CompletionResultType]::ParameterName, 'Sign the commit: ssh:KEYFILE, ssh-agent, or gpg:KEYID (default in a checkout: as git config''s commit.gpgsign, gpg.format and user.signingkey say)')
            [CompletionResult]::new('--insecure-registry', '--insecure-registry', [CompletionResultType]::ParameterName, 'A registry host (`host` or `host:port`) that may be asked over plain HTTP (repeatable); registries on this machine always may')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the diff; write, commit and push nothing')
            [CompletionResult]::new('--no-push', '--no-push', [CompletionResultType]::ParameterName, 'Commit, but do not push')
            [CompletionResult]::new('--draft', '--draft', [CompletionResultType]::ParameterName, 'Open the pull request as a draft')
            [CompletionResult]::new('--auto-merge', '--auto-merge', [CompletionResultType]::ParameterName, 'Merge the pull request when its checks pass (GitHub''s auto-merge; GitLab''s merge when the pipeline succeeds)')
            [CompletionResult]::new('--ignore-hold', '--ignore-hold', [CompletionResultType]::ParameterName, 'Set the image of a held target anyway (a person overriding their own freeze): the hold line stays, and an `Imgbump-Hold-Ignored` trailer records it')
            [CompletionResult]::new('--fail-on-held', '--fail-on-held', [CompletionResultType]::ParameterName, 'Make a held target an error (exit 4, after the other services landed) instead of a success that leaves it alone')
            [CompletionResult]::new('--create', '--create', [CompletionResultType]::ParameterName, 'Add a missing kustomize `images:` entry or Helm values key (copying the siblings'' indentation and style); without it the edit is refused, showing the lines it would add')
            [CompletionResult]::new('--drop-digest', '--drop-digest', [CompletionResultType]::ParameterName, 'Remove a kustomize entry''s `digest` (or empty a Helm `digest`) that would win over the new tag; without it such an edit is refused')
            [CompletionResult]::new('--verify-image', '--verify-image', [CompletionResultType]::ParameterName, 'Check that the new image exists in its registry before anything is written (a missing tag or digest is refused, exit 4). Credentials as Docker finds them (~/.docker/config.json, $DOCKER_CONFIG, credential helpers) or IMGBUMP_REGISTRY_TOKEN')
            [CompletionResult]::new('--pin-digest', '--pin-digest', [CompletionResultType]::ParameterName, 'Write the new image with the digest its registry reports for the tag (`repo:tag@sha256:…`; for a multi-platform image, the index''s). Implies --verify-image')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: errors only')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: errors only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more (repeat for more detail)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more (repeat for more detail)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'imgbump;hold' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why: an incident or ticket id, a sentence (one line, written into the manifest)')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'When the hold ends by itself: 2026-12-05T18:00:00Z, a date (its 00:00 UTC), or a duration from now (90m, 4h, 2d, 1w). Default: until released')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'Who holds it (default: $GITHUB_ACTOR in GitHub Actions, else the commit author''s email)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'The branch: default the current branch (checkout) or the remote''s default branch (clone)')
            [CompletionResult]::new('--branch', '--branch', [CompletionResultType]::ParameterName, 'The branch: default the current branch (checkout) or the remote''s default branch (clone)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The manifest path relative to the repository root; `{service}` is replaced by the service name, `{env}` by each --env. Repeat it to try several in order (the first file that exists is edited). Default: the targets in .imgbump.yaml if the repository has one, else deployments/kubernetes/base/applications/{service}-deployment.yaml')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'The manifest path relative to the repository root; `{service}` is replaced by the service name, `{env}` by each --env. Repeat it to try several in order (the first file that exists is edited). Default: the targets in .imgbump.yaml if the repository has one, else deployments/kubernetes/base/applications/{service}-deployment.yaml')
            [CompletionResult]::new('--depth', '--depth', [CompletionResultType]::ParameterName, 'How many commits to fetch when cloning (0: all)')
            [CompletionResult]::new('--workdir', '--workdir', [CompletionResultType]::ParameterName, 'Where to clone (default: a temporary directory removed at exit)')
            [CompletionResult]::new('--cache-dir', '--cache-dir', [CompletionResultType]::ParameterName, 'Keep clones here between runs (one bare repository per remote URL, locked while in use), so that a run fetches only what is new')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text (human messages on stderr) or json (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text (human messages on stderr) or json (one object on stdout)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to go on retrying a moved branch: `90s`, `10m`, `1h`, or seconds. The whole run ends by then')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to go on retrying a connection that is refused, reset or cut (a server at its connection limit, a network blip), counted from the first failure of a streak. An unknown host, a TLS failure and HTTP 401, 403 and 404 fail at once')
            [CompletionResult]::new('--workload', '--workload', [CompletionResultType]::ParameterName, 'The workload to edit: NAME, KIND/NAME or NAMESPACE/KIND/NAME (default: the one named like the service, or the only one)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The container to edit (default: the one named like the service, or the first of `containers`)')
            [CompletionResult]::new('--container', '--container', [CompletionResultType]::ParameterName, 'The container to edit (default: the one named like the service, or the first of `containers`)')
            [CompletionResult]::new('--image-name', '--image-name', [CompletionResultType]::ParameterName, 'The kustomization `images:` entry to edit, by its `name` (default: the entry with the new image''s repository, or whose name ends in /SERVICE)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The value holding the image, as a key path: `image` (a Helm values mapping of registry/repository/tag/digest), `app.image` (a scalar reference), or `spec.source.helm.parameters[name=image.tag].value` with --holds tag, or `spec.source.kustomize.images[isa-web]` (an Argo CD `NAME=REFERENCE` item, `NAME=` kept). Dots separate keys, `[N]` indexes a list, `[KEY=VALUE]` picks the list item whose KEY is VALUE, `[NAME]` the item of a list of image strings that names the image NAME')
            [CompletionResult]::new('--holds', '--holds', [CompletionResultType]::ParameterName, 'What the scalar at --key holds: a whole reference, only the tag, or only the digest')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'The environment(s) of .imgbump.yaml to edit (fills {env}); repeat for several, in one commit')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'The environment(s) of .imgbump.yaml to edit (fills {env}); repeat for several, in one commit')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'The commit message; placeholders as for `set`, and {reason}')
            [CompletionResult]::new('--message', '--message', [CompletionResultType]::ParameterName, 'The commit message; placeholders as for `set`, and {reason}')
            [CompletionResult]::new('--trailer', '--trailer', [CompletionResultType]::ParameterName, 'A `KEY=VALUE` trailer to add to the commit message (repeatable)')
            [CompletionResult]::new('--author', '--author', [CompletionResultType]::ParameterName, 'The commit author, "NAME <EMAIL>" (default: git config user, else imgbump <imgbump@localhost>)')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'At most this many further push attempts after the branch moved (default: as many as --timeout allows)')
            [CompletionResult]::new('--order-key', '--order-key', [CompletionResultType]::ParameterName, 'A number the producer makes grow (a CI run number, the source commit''s time), recorded in an `Imgbump-Order: SERVICE=N` trailer. A key not greater than the one recorded for the service means an older build: nothing is changed, and the outcome is "superseded"')
            [CompletionResult]::new('--push-branch', '--push-branch', [CompletionResultType]::ParameterName, 'Push to a new branch named by this template instead of the branch ({service} {tag} {env}; e.g. imgbump/{service}/{tag}), cut from the branch''s tip, never forced: one that already has the same change is success, one with other content is refused')
            [CompletionResult]::new('--push-option', '--push-option', [CompletionResultType]::ParameterName, 'A push option (`git push -o`), repeatable')
            [CompletionResult]::new('--open-pr', '--open-pr', [CompletionResultType]::ParameterName, 'Open a pull request (github: REST API, with the push''s token) or a merge request (gitlab: push options) for the pushed branch (default --push-branch imgbump/{service}/{tag}); older imgbump pull requests of the service are closed')
            [CompletionResult]::new('--pr-label', '--pr-label', [CompletionResultType]::ParameterName, 'A label for the pull request (repeatable)')
            [CompletionResult]::new('--pr-reviewer', '--pr-reviewer', [CompletionResultType]::ParameterName, 'A reviewer for the pull request, USER or ORG/TEAM (repeatable; GitHub)')
            [CompletionResult]::new('--sign', '--sign', [CompletionResultType]::ParameterName, 'Sign the commit: ssh:KEYFILE, ssh-agent, or gpg:KEYID (default in a checkout: as git config''s commit.gpgsign, gpg.format and user.signingkey say)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the diff; write, commit and push nothing')
            [CompletionResult]::new('--no-push', '--no-push', [CompletionResultType]::ParameterName, 'Commit, but do not push')
            [CompletionResult]::new('--draft', '--draft', [CompletionResultType]::ParameterName, 'Open the pull request as a draft')
            [CompletionResult]::new('--auto-merge', '--auto-merge', [CompletionResultType]::ParameterName, 'Merge the pull request when its checks pass (GitHub''s auto-merge; GitLab''s merge when the pipeline succeeds)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: errors only')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: errors only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more (repeat for more detail)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more (repeat for more detail)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'imgbump;release' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'The branch: default the current branch (checkout) or the remote''s default branch (clone)')
            [CompletionResult]::new('--branch', '--branch', [CompletionResultType]::ParameterName, 'The branch: default the current branch (checkout) or the remote''s default branch (clone)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The manifest path relative to the repository root; `{service}` is replaced by the service name, `{env}` by each --env. Repeat it to try several in order (the first file that exists is edited). Default: the targets in .imgbump.yaml if the repository has one, else deployments/kubernetes/base/applications/{service}-deployment.yaml')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'The manifest path relative to the repository root; `{service}` is replaced by the service name, `{env}` by each --env. Repeat it to try several in order (the first file that exists is edited). Default: the targets in .imgbump.yaml if the repository has one, else deployments/kubernetes/base/applications/{service}-deployment.yaml')
            [CompletionResult]::new('--depth', '--depth', [CompletionResultType]::ParameterName, 'How many commits to fetch when cloning (0: all)')
            [CompletionResult]::new('--workdir', '--workdir', [CompletionResultType]::ParameterName, 'Where to clone (default: a temporary directory removed at exit)')
            [CompletionResult]::new('--cache-dir', '--cache-dir', [CompletionResultType]::ParameterName, 'Keep clones here between runs (one bare repository per remote URL, locked while in use), so that a run fetches only what is new')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text (human messages on stderr) or json (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text (human messages on stderr) or json (one object on stdout)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to go on retrying a moved branch: `90s`, `10m`, `1h`, or seconds. The whole run ends by then')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long to go on retrying a connection that is refused, reset or cut (a server at its connection limit, a network blip), counted from the first failure of a streak. An unknown host, a TLS failure and HTTP 401, 403 and 404 fail at once')
            [CompletionResult]::new('--workload', '--workload', [CompletionResultType]::ParameterName, 'The workload to edit: NAME, KIND/NAME or NAMESPACE/KIND/NAME (default: the one named like the service, or the only one)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The container to edit (default: the one named like the service, or the first of `containers`)')
            [CompletionResult]::new('--container', '--container', [CompletionResultType]::ParameterName, 'The container to edit (default: the one named like the service, or the first of `containers`)')
            [CompletionResult]::new('--image-name', '--image-name', [CompletionResultType]::ParameterName, 'The kustomization `images:` entry to edit, by its `name` (default: the entry with the new image''s repository, or whose name ends in /SERVICE)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The value holding the image, as a key path: `image` (a Helm values mapping of registry/repository/tag/digest), `app.image` (a scalar reference), or `spec.source.helm.parameters[name=image.tag].value` with --holds tag, or `spec.source.kustomize.images[isa-web]` (an Argo CD `NAME=REFERENCE` item, `NAME=` kept). Dots separate keys, `[N]` indexes a list, `[KEY=VALUE]` picks the list item whose KEY is VALUE, `[NAME]` the item of a list of image strings that names the image NAME')
            [CompletionResult]::new('--holds', '--holds', [CompletionResultType]::ParameterName, 'What the scalar at --key holds: a whole reference, only the tag, or only the digest')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'The environment(s) of .imgbump.yaml to edit (fills {env}); repeat for several, in one commit')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'The environment(s) of .imgbump.yaml to edit (fills {env}); repeat for several, in one commit')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'The commit message; placeholders as for `set`')
            [CompletionResult]::new('--message', '--message', [CompletionResultType]::ParameterName, 'The commit message; placeholders as for `set`')
            [CompletionResult]::new('--trailer', '--trailer', [CompletionResultType]::ParameterName, 'A `KEY=VALUE` trailer to add to the commit message (repeatable)')
            [CompletionResult]::new('--author', '--author', [CompletionResultType]::ParameterName, 'The commit author, "NAME <EMAIL>" (default: git config user, else imgbump <imgbump@localhost>)')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'At most this many further push attempts after the branch moved (default: as many as --timeout allows)')
            [CompletionResult]::new('--order-key', '--order-key', [CompletionResultType]::ParameterName, 'A number the producer makes grow (a CI run number, the source commit''s time), recorded in an `Imgbump-Order: SERVICE=N` trailer. A key not greater than the one recorded for the service means an older build: nothing is changed, and the outcome is "superseded"')
            [CompletionResult]::new('--push-branch', '--push-branch', [CompletionResultType]::ParameterName, 'Push to a new branch named by this template instead of the branch ({service} {tag} {env}; e.g. imgbump/{service}/{tag}), cut from the branch''s tip, never forced: one that already has the same change is success, one with other content is refused')
            [CompletionResult]::new('--push-option', '--push-option', [CompletionResultType]::ParameterName, 'A push option (`git push -o`), repeatable')
            [CompletionResult]::new('--open-pr', '--open-pr', [CompletionResultType]::ParameterName, 'Open a pull request (github: REST API, with the push''s token) or a merge request (gitlab: push options) for the pushed branch (default --push-branch imgbump/{service}/{tag}); older imgbump pull requests of the service are closed')
            [CompletionResult]::new('--pr-label', '--pr-label', [CompletionResultType]::ParameterName, 'A label for the pull request (repeatable)')
            [CompletionResult]::new('--pr-reviewer', '--pr-reviewer', [CompletionResultType]::ParameterName, 'A reviewer for the pull request, USER or ORG/TEAM (repeatable; GitHub)')
            [CompletionResult]::new('--sign', '--sign', [CompletionResultType]::ParameterName, 'Sign the commit: ssh:KEYFILE, ssh-agent, or gpg:KEYID (default in a checkout: as git config''s commit.gpgsign, gpg.format and user.signingkey say)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the diff; write, commit and push nothing')
            [CompletionResult]::new('--no-push', '--no-push', [CompletionResultType]::ParameterName, 'Commit, but do not push')
            [CompletionResult]::new('--draft', '--draft', [CompletionResultType]::ParameterName, 'Open the pull request as a draft')
            [CompletionResult]::new('--auto-merge', '--auto-merge', [CompletionResultType]::ParameterName, 'Merge the pull request when its checks pass (GitHub''s auto-merge; GitLab''s merge when the pipeline succeeds)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: errors only')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: errors only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more (repeat for more detail)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more (repeat for more detail)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'imgbump;completions' {
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: errors only')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: errors only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more (repeat for more detail)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more (repeat for more detail)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'imgbump;man' {
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: errors only')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: errors only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more (repeat for more detail)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more (repeat for more detail)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'imgbump;help' {
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Bump one or more services'' images in one commit, and push it')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print each service''s current image')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List every service''s targets (per environment, from .imgbump.yaml) or every service the manifest template finds, with its images')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'List the images a service''s manifest held across the history, newest first')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'Put back the image before the current one (skipping images already rolled back from), and record the rollback')
            [CompletionResult]::new('promote', 'promote', [CompletionResultType]::ParameterValue, 'Copy a service''s exact image (digest included) from one environment''s targets to another''s, in one commit')
            [CompletionResult]::new('hold', 'hold', [CompletionResultType]::ParameterValue, 'Hold services where they are: a `# imgbump:hold` line above each image, one commit; `set` leaves a held image alone until it is released')
            [CompletionResult]::new('release', 'release', [CompletionResultType]::ParameterValue, 'Release services'' holds: the hold lines removed, one commit')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff): imgbump(1), or a subcommand''s, imgbump-set(1) and so on')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'imgbump;help;set' {
            break
        }
        'imgbump;help;get' {
            break
        }
        'imgbump;help;list' {
            break
        }
        'imgbump;help;history' {
            break
        }
        'imgbump;help;rollback' {
            break
        }
        'imgbump;help;promote' {
            break
        }
        'imgbump;help;hold' {
            break
        }
        'imgbump;help;release' {
            break
        }
        'imgbump;help;completions' {
            break
        }
        'imgbump;help;man' {
            break
        }
        'imgbump;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
