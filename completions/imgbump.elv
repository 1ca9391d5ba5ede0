
use builtin;
use str;

set edit:completion:arg-completer[imgbump] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'imgbump'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'imgbump'= {
            cand -q 'Print less: errors only'
            cand --quiet 'Print less: errors only'
            cand -v 'Print more (repeat for more detail)'
            cand --verbose 'Print more (repeat for more detail)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand set 'Bump one or more services'' images in one commit, and push it'
            cand get 'Print each service''s current image'
            cand list 'List every service''s targets (per environment, from .imgbump.yaml) or every service the manifest template finds, with its images'
            cand history 'List the images a service''s manifest held across the history, newest first'
            cand rollback 'Put back the image before the current one (skipping images already rolled back from), and record the rollback'
            cand promote 'Copy a service''s exact image (digest included) from one environment''s targets to another''s, in one commit'
            cand completions 'Print a shell completion script'
            cand man 'Print the man page (roff): imgbump(1), or a subcommand''s, imgbump-set(1) and so on'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'imgbump;set'= {
            cand -C 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)'
            cand --repo 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)'
            cand -b 'The branch: default the current branch (checkout) or the remote''s default branch (clone)'
            cand --branch 'The branch: default the current branch (checkout) or the remote''s default branch (clone)'
            cand -f 'The manifest path relative to the repository root; `{service}` is replaced by the service name, `{env}` by each --env. Repeat it to try several in order (the first file that exists is edited). Default: the targets in .imgbump.yaml if the repository has one, else deployments/kubernetes/base/applications/{service}-deployment.yaml'
            cand --manifest 'The manifest path relative to the repository root; `{service}` is replaced by the service name, `{env}` by each --env. Repeat it to try several in order (the first file that exists is edited). Default: the targets in .imgbump.yaml if the repository has one, else deployments/kubernetes/base/applications/{service}-deployment.yaml'
            cand --depth 'How many commits to fetch when cloning (0: all)'
            cand --workdir 'Where to clone (default: a temporary directory removed at exit)'
            cand --cache-dir 'Keep clones here between runs (one bare repository per remote URL, locked while in use), so that a run fetches only what is new'
            cand -o 'Output format: text (human messages on stderr) or json (one object on stdout)'
            cand --output 'Output format: text (human messages on stderr) or json (one object on stdout)'
            cand --timeout 'How long to go on retrying a moved branch or a refused or cut connection: `90s`, `10m`, `1h`, or seconds'
            cand --workload 'The workload to edit: NAME, KIND/NAME or NAMESPACE/KIND/NAME (default: the one named like the service, or the only one)'
            cand -c 'The container to edit (default: the one named like the service, or the first of `containers`)'
            cand --container 'The container to edit (default: the one named like the service, or the first of `containers`)'
            cand --image-name 'The kustomization `images:` entry to edit, by its `name` (default: the entry with the new image''s repository, or whose name ends in /SERVICE)'
            cand --key 'The value holding the image, as a key path: `image` (a Helm values mapping of registry/repository/tag/digest), `app.image` (a scalar reference), or `spec.source.helm.parameters[name=image.tag].value` with --holds tag. Dots separate keys, `[N]` indexes a list, `[KEY=VALUE]` picks the list item whose KEY is VALUE'
            cand --holds 'What the scalar at --key holds: a whole reference, only the tag, or only the digest'
            cand -e 'The environment(s) of .imgbump.yaml to edit (fills {env}); repeat for several, in one commit'
            cand --env 'The environment(s) of .imgbump.yaml to edit (fills {env}); repeat for several, in one commit'
            cand -m 'The commit message; placeholders: {service} {image} {old_image} {tag} {digest} {file} {container} {env}'
            cand --message 'The commit message; placeholders: {service} {image} {old_image} {tag} {digest} {file} {container} {env}'
            cand --trailer 'A `KEY=VALUE` trailer to add to the commit message (repeatable)'
            cand --author 'The commit author, "NAME <EMAIL>" (default: git config user, else imgbump <imgbump@localhost>)'
            cand --retries 'At most this many further push attempts after the branch moved (default: as many as --timeout allows)'
            cand --order-key 'A number the producer makes grow (a CI run number, the source commit''s time), recorded in an `Imgbump-Order: SERVICE=N` trailer. A key not greater than the one recorded for the service means an older build: nothing is changed, and the outcome is "superseded"'
            cand --expect-current 'Change the image only if it is this one now (a compare-and-swap, checked against the branch''s tip on every attempt); otherwise refuse and print the image it is. With one SERVICE=IMAGE'
            cand --dry-run 'Print the diff; write, commit and push nothing'
            cand --no-push 'Commit, but do not push'
            cand --allow-latest 'Refuse a reference with neither tag nor digest (`nginx`, which means `nginx:latest`), unless this is given'
            cand --fail-on-superseded 'Make a superseded bump (an order key not greater than the recorded one) an error (exit 4) instead of a success that changes nothing'
            cand --create 'Add a missing kustomize `images:` entry or Helm values key (copying the siblings'' indentation and style); without it the edit is refused, showing the lines it would add'
            cand --drop-digest 'Remove a kustomize entry''s `digest` (or empty a Helm `digest`) that would win over the new tag; without it such an edit is refused'
            cand -q 'Print less: errors only'
            cand --quiet 'Print less: errors only'
            cand -v 'Print more (repeat for more detail)'
            cand --verbose 'Print more (repeat for more detail)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'imgbump;get'= {
            cand -C 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)'
            cand --repo 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)'
            cand -b 'The branch: default the current branch (checkout) or the remote''s default branch (clone)'
            cand --branch 'The branch: default the current branch (checkout) or the remote''s default branch (clone)'
            cand -f 'The manifest path relative to the repository root; `{service}` is replaced by the service name, `{env}` by each --env. Repeat it to try several in order (the first file that exists is edited). Default: the targets in .imgbump.yaml if the repository has one, else deployments/kubernetes/base/applications/{service}-deployment.yaml'
            cand --manifest 'The manifest path relative to the repository root; `{service}` is replaced by the service name, `{env}` by each --env. Repeat it to try several in order (the first file that exists is edited). Default: the targets in .imgbump.yaml if the repository has one, else deployments/kubernetes/base/applications/{service}-deployment.yaml'
            cand --depth 'How many commits to fetch when cloning (0: all)'
            cand --workdir 'Where to clone (default: a temporary directory removed at exit)'
            cand --cache-dir 'Keep clones here between runs (one bare repository per remote URL, locked while in use), so that a run fetches only what is new'
            cand -o 'Output format: text (human messages on stderr) or json (one object on stdout)'
            cand --output 'Output format: text (human messages on stderr) or json (one object on stdout)'
            cand --timeout 'How long to go on retrying a moved branch or a refused or cut connection: `90s`, `10m`, `1h`, or seconds'
            cand --workload 'The workload to edit: NAME, KIND/NAME or NAMESPACE/KIND/NAME (default: the one named like the service, or the only one)'
            cand -c 'The container to edit (default: the one named like the service, or the first of `containers`)'
            cand --container 'The container to edit (default: the one named like the service, or the first of `containers`)'
            cand --image-name 'The kustomization `images:` entry to edit, by its `name` (default: the entry with the new image''s repository, or whose name ends in /SERVICE)'
            cand --key 'The value holding the image, as a key path: `image` (a Helm values mapping of registry/repository/tag/digest), `app.image` (a scalar reference), or `spec.source.helm.parameters[name=image.tag].value` with --holds tag. Dots separate keys, `[N]` indexes a list, `[KEY=VALUE]` picks the list item whose KEY is VALUE'
            cand --holds 'What the scalar at --key holds: a whole reference, only the tag, or only the digest'
            cand -e 'The environment(s) of .imgbump.yaml to edit (fills {env}); repeat for several, in one commit'
            cand --env 'The environment(s) of .imgbump.yaml to edit (fills {env}); repeat for several, in one commit'
            cand -q 'Print less: errors only'
            cand --quiet 'Print less: errors only'
            cand -v 'Print more (repeat for more detail)'
            cand --verbose 'Print more (repeat for more detail)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'imgbump;list'= {
            cand -C 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)'
            cand --repo 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)'
            cand -b 'The branch: default the current branch (checkout) or the remote''s default branch (clone)'
            cand --branch 'The branch: default the current branch (checkout) or the remote''s default branch (clone)'
            cand -f 'The manifest path relative to the repository root; `{service}` is replaced by the service name, `{env}` by each --env. Repeat it to try several in order (the first file that exists is edited). Default: the targets in .imgbump.yaml if the repository has one, else deployments/kubernetes/base/applications/{service}-deployment.yaml'
            cand --manifest 'The manifest path relative to the repository root; `{service}` is replaced by the service name, `{env}` by each --env. Repeat it to try several in order (the first file that exists is edited). Default: the targets in .imgbump.yaml if the repository has one, else deployments/kubernetes/base/applications/{service}-deployment.yaml'
            cand --depth 'How many commits to fetch when cloning (0: all)'
            cand --workdir 'Where to clone (default: a temporary directory removed at exit)'
            cand --cache-dir 'Keep clones here between runs (one bare repository per remote URL, locked while in use), so that a run fetches only what is new'
            cand -o 'Output format: text (human messages on stderr) or json (one object on stdout)'
            cand --output 'Output format: text (human messages on stderr) or json (one object on stdout)'
            cand --timeout 'How long to go on retrying a moved branch or a refused or cut connection: `90s`, `10m`, `1h`, or seconds'
            cand -e 'Only these environments (default: all declared in .imgbump.yaml)'
            cand --env 'Only these environments (default: all declared in .imgbump.yaml)'
            cand -q 'Print less: errors only'
            cand --quiet 'Print less: errors only'
            cand -v 'Print more (repeat for more detail)'
            cand --verbose 'Print more (repeat for more detail)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'imgbump;history'= {
            cand -C 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)'
            cand --repo 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)'
            cand -b 'The branch: default the current branch (checkout) or the remote''s default branch (clone)'
            cand --branch 'The branch: default the current branch (checkout) or the remote''s default branch (clone)'
            cand -f 'The manifest path relative to the repository root; `{service}` is replaced by the service name, `{env}` by each --env. Repeat it to try several in order (the first file that exists is edited). Default: the targets in .imgbump.yaml if the repository has one, else deployments/kubernetes/base/applications/{service}-deployment.yaml'
            cand --manifest 'The manifest path relative to the repository root; `{service}` is replaced by the service name, `{env}` by each --env. Repeat it to try several in order (the first file that exists is edited). Default: the targets in .imgbump.yaml if the repository has one, else deployments/kubernetes/base/applications/{service}-deployment.yaml'
            cand --depth 'How many commits to fetch when cloning (0: all)'
            cand --workdir 'Where to clone (default: a temporary directory removed at exit)'
            cand --cache-dir 'Keep clones here between runs (one bare repository per remote URL, locked while in use), so that a run fetches only what is new'
            cand -o 'Output format: text (human messages on stderr) or json (one object on stdout)'
            cand --output 'Output format: text (human messages on stderr) or json (one object on stdout)'
            cand --timeout 'How long to go on retrying a moved branch or a refused or cut connection: `90s`, `10m`, `1h`, or seconds'
            cand --workload 'The workload to edit: NAME, KIND/NAME or NAMESPACE/KIND/NAME (default: the one named like the service, or the only one)'
            cand -c 'The container to edit (default: the one named like the service, or the first of `containers`)'
            cand --container 'The container to edit (default: the one named like the service, or the first of `containers`)'
            cand --image-name 'The kustomization `images:` entry to edit, by its `name` (default: the entry with the new image''s repository, or whose name ends in /SERVICE)'
            cand --key 'The value holding the image, as a key path: `image` (a Helm values mapping of registry/repository/tag/digest), `app.image` (a scalar reference), or `spec.source.helm.parameters[name=image.tag].value` with --holds tag. Dots separate keys, `[N]` indexes a list, `[KEY=VALUE]` picks the list item whose KEY is VALUE'
            cand --holds 'What the scalar at --key holds: a whole reference, only the tag, or only the digest'
            cand -e 'The environment(s) of .imgbump.yaml to edit (fills {env}); repeat for several, in one commit'
            cand --env 'The environment(s) of .imgbump.yaml to edit (fills {env}); repeat for several, in one commit'
            cand --nth 'Print only the N-th image: 0 is the current one, 1 the one before (for a rollback)'
            cand --max 'How many images to list at most'
            cand -q 'Print less: errors only'
            cand --quiet 'Print less: errors only'
            cand -v 'Print more (repeat for more detail)'
            cand --verbose 'Print more (repeat for more detail)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'imgbump;rollback'= {
            cand -C 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)'
            cand --repo 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)'
            cand -b 'The branch: default the current branch (checkout) or the remote''s default branch (clone)'
            cand --branch 'The branch: default the current branch (checkout) or the remote''s default branch (clone)'
            cand -f 'The manifest path relative to the repository root; `{service}` is replaced by the service name, `{env}` by each --env. Repeat it to try several in order (the first file that exists is edited). Default: the targets in .imgbump.yaml if the repository has one, else deployments/kubernetes/base/applications/{service}-deployment.yaml'
            cand --manifest 'The manifest path relative to the repository root; `{service}` is replaced by the service name, `{env}` by each --env. Repeat it to try several in order (the first file that exists is edited). Default: the targets in .imgbump.yaml if the repository has one, else deployments/kubernetes/base/applications/{service}-deployment.yaml'
            cand --depth 'How many commits to fetch when cloning (0: all)'
            cand --workdir 'Where to clone (default: a temporary directory removed at exit)'
            cand --cache-dir 'Keep clones here between runs (one bare repository per remote URL, locked while in use), so that a run fetches only what is new'
            cand -o 'Output format: text (human messages on stderr) or json (one object on stdout)'
            cand --output 'Output format: text (human messages on stderr) or json (one object on stdout)'
            cand --timeout 'How long to go on retrying a moved branch or a refused or cut connection: `90s`, `10m`, `1h`, or seconds'
            cand --workload 'The workload to edit: NAME, KIND/NAME or NAMESPACE/KIND/NAME (default: the one named like the service, or the only one)'
            cand -c 'The container to edit (default: the one named like the service, or the first of `containers`)'
            cand --container 'The container to edit (default: the one named like the service, or the first of `containers`)'
            cand --image-name 'The kustomization `images:` entry to edit, by its `name` (default: the entry with the new image''s repository, or whose name ends in /SERVICE)'
            cand --key 'The value holding the image, as a key path: `image` (a Helm values mapping of registry/repository/tag/digest), `app.image` (a scalar reference), or `spec.source.helm.parameters[name=image.tag].value` with --holds tag. Dots separate keys, `[N]` indexes a list, `[KEY=VALUE]` picks the list item whose KEY is VALUE'
            cand --holds 'What the scalar at --key holds: a whole reference, only the tag, or only the digest'
            cand -e 'The environment(s) of .imgbump.yaml to edit (fills {env}); repeat for several, in one commit'
            cand --env 'The environment(s) of .imgbump.yaml to edit (fills {env}); repeat for several, in one commit'
            cand -m 'The commit message; placeholders as for `set`'
            cand --message 'The commit message; placeholders as for `set`'
            cand --trailer 'A `KEY=VALUE` trailer to add to the commit message (repeatable)'
            cand --author 'The commit author, "NAME <EMAIL>" (default: git config user, else imgbump <imgbump@localhost>)'
            cand --retries 'At most this many further push attempts after the branch moved (default: as many as --timeout allows)'
            cand --order-key 'A number the producer makes grow (a CI run number, the source commit''s time), recorded in an `Imgbump-Order: SERVICE=N` trailer. A key not greater than the one recorded for the service means an older build: nothing is changed, and the outcome is "superseded"'
            cand --dry-run 'Print the diff; write, commit and push nothing'
            cand --no-push 'Commit, but do not push'
            cand -q 'Print less: errors only'
            cand --quiet 'Print less: errors only'
            cand -v 'Print more (repeat for more detail)'
            cand --verbose 'Print more (repeat for more detail)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'imgbump;promote'= {
            cand --from 'The environment to copy the image from'
            cand --to 'The environment(s) to copy it to (repeatable; one commit)'
            cand -C 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)'
            cand --repo 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)'
            cand -b 'The branch: default the current branch (checkout) or the remote''s default branch (clone)'
            cand --branch 'The branch: default the current branch (checkout) or the remote''s default branch (clone)'
            cand -f 'The manifest path relative to the repository root; `{service}` is replaced by the service name, `{env}` by each --env. Repeat it to try several in order (the first file that exists is edited). Default: the targets in .imgbump.yaml if the repository has one, else deployments/kubernetes/base/applications/{service}-deployment.yaml'
            cand --manifest 'The manifest path relative to the repository root; `{service}` is replaced by the service name, `{env}` by each --env. Repeat it to try several in order (the first file that exists is edited). Default: the targets in .imgbump.yaml if the repository has one, else deployments/kubernetes/base/applications/{service}-deployment.yaml'
            cand --depth 'How many commits to fetch when cloning (0: all)'
            cand --workdir 'Where to clone (default: a temporary directory removed at exit)'
            cand --cache-dir 'Keep clones here between runs (one bare repository per remote URL, locked while in use), so that a run fetches only what is new'
            cand -o 'Output format: text (human messages on stderr) or json (one object on stdout)'
            cand --output 'Output format: text (human messages on stderr) or json (one object on stdout)'
            cand --timeout 'How long to go on retrying a moved branch or a refused or cut connection: `90s`, `10m`, `1h`, or seconds'
            cand -m 'The commit message; placeholders as for `set`, and {env}'
            cand --message 'The commit message; placeholders as for `set`, and {env}'
            cand --trailer 'A `KEY=VALUE` trailer to add to the commit message (repeatable)'
            cand --author 'The commit author, "NAME <EMAIL>" (default: git config user, else imgbump <imgbump@localhost>)'
            cand --retries 'At most this many further push attempts after the branch moved (default: as many as --timeout allows)'
            cand --order-key 'A number the producer makes grow (a CI run number, the source commit''s time), recorded in an `Imgbump-Order: SERVICE=N` trailer. A key not greater than the one recorded for the service means an older build: nothing is changed, and the outcome is "superseded"'
            cand --dry-run 'Print the diff; write, commit and push nothing'
            cand --no-push 'Commit, but do not push'
            cand --create 'Add a missing kustomize `images:` entry or Helm values key (copying the siblings'' indentation and style); without it the edit is refused, showing the lines it would add'
            cand --drop-digest 'Remove a kustomize entry''s `digest` (or empty a Helm `digest`) that would win over the new tag; without it such an edit is refused'
            cand -q 'Print less: errors only'
            cand --quiet 'Print less: errors only'
            cand -v 'Print more (repeat for more detail)'
            cand --verbose 'Print more (repeat for more detail)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'imgbump;completions'= {
            cand -q 'Print less: errors only'
            cand --quiet 'Print less: errors only'
            cand -v 'Print more (repeat for more detail)'
            cand --verbose 'Print more (repeat for more detail)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'imgbump;man'= {
            cand -q 'Print less: errors only'
            cand --quiet 'Print less: errors only'
            cand -v 'Print more (repeat for more detail)'
            cand --verbose 'Print more (repeat for more detail)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'imgbump;help'= {
            cand set 'Bump one or more services'' images in one commit, and push it'
            cand get 'Print each service''s current image'
            cand list 'List every service''s targets (per environment, from .imgbump.yaml) or every service the manifest template finds, with its images'
            cand history 'List the images a service''s manifest held across the history, newest first'
            cand rollback 'Put back the image before the current one (skipping images already rolled back from), and record the rollback'
            cand promote 'Copy a service''s exact image (digest included) from one environment''s targets to another''s, in one commit'
            cand completions 'Print a shell completion script'
            cand man 'Print the man page (roff): imgbump(1), or a subcommand''s, imgbump-set(1) and so on'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'imgbump;help;set'= {
        }
        &'imgbump;help;get'= {
        }
        &'imgbump;help;list'= {
        }
        &'imgbump;help;history'= {
        }
        &'imgbump;help;rollback'= {
        }
        &'imgbump;help;promote'= {
        }
        &'imgbump;help;completions'= {
        }
        &'imgbump;help;man'= {
        }
        &'imgbump;help;help'= {
        }
    ]
    $completions[$command]
}
