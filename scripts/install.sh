#!/bin/sh
# Installs imgbump: the release binary for this platform, checked against the release's
# SHA256SUMS, or (no release for this version or platform) a build with `cargo install`.
#
#   curl -fsSL https://raw.githubusercontent.com/xeno/imgbump/main/scripts/install.sh | sh
#   sh install.sh [--version 0.2.0] [--to DIR] [--base-url URL] [--source DIR]
#                 [--attestation-repo OWNER/REPO]
#
#   --version V    the release to install (default: the latest)
#   --to DIR       where to put the binary (default: $IMGBUMP_INSTALL_DIR, else ~/.local/bin)
#   --base-url URL where releases are (default: $IMGBUMP_INSTALL_BASE_URL, else
#                  https://github.com/xeno/imgbump/releases/download); a release is
#                  URL/vVERSION/{imgbump-VERSION-TARGET.tar.gz,SHA256SUMS}, the latest is
#                  URL/../latest/download/ on GitHub and URL/latest/ elsewhere
#   --source DIR   build from this source tree when there is no binary (default: the crate
#                  from crates.io)
#   --attestation-repo OWNER/REPO
#                  also verify the archive's build provenance (GitHub artifact attestation,
#                  made by the release workflow of OWNER/REPO) with `gh attestation verify`,
#                  where gh (2.49 or newer, authenticated: GH_TOKEN) is installed; where it is
#                  not, say so and go on with the checksum alone
#
# Only HTTPS is used, except for a base URL on this machine (127.0.0.1, [::1], localhost).
# Nothing is installed unless the archive's checksum matches (and its attestation verifies,
# when asked for and gh can check it).
set -eu

repo_url=https://github.com/xeno/imgbump
version=""
to="${IMGBUMP_INSTALL_DIR:-$HOME/.local/bin}"
base="${IMGBUMP_INSTALL_BASE_URL:-}"
source_dir=""
attestation_repo=""

say() { printf 'imgbump-install: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --version) [ $# -ge 2 ] || die "--version needs a value"; version="${2#v}"; shift 2 ;;
    --to) [ $# -ge 2 ] || die "--to needs a directory"; to="$2"; shift 2 ;;
    --base-url) [ $# -ge 2 ] || die "--base-url needs a URL"; base="$2"; shift 2 ;;
    --source) [ $# -ge 2 ] || die "--source needs a directory"; source_dir="$2"; shift 2 ;;
    --attestation-repo) [ $# -ge 2 ] || die "--attestation-repo needs OWNER/REPO"; attestation_repo="$2"; shift 2 ;;
    -h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done
case "$version" in
  ""|[0-9]*.[0-9]*.[0-9]*) ;;
  *) die "--version takes a release version such as 0.2.0, not '$version'" ;;
esac
case "$version" in *[!0-9A-Za-z.+-]*) die "--version '$version' holds characters a version has not" ;; esac
case "$attestation_repo" in
  "") ;;
  *[!0-9A-Za-z._/-]*|*/*/*|/*|*/) die "--attestation-repo takes OWNER/REPO, not '$attestation_repo'" ;;
  */*) ;;
  *) die "--attestation-repo takes OWNER/REPO, not '$attestation_repo'" ;;
esac

# The release target of this machine, as the release workflow names its archives.
platform() {
  case "$os/$arch" in
    Linux/x86_64|Linux/amd64) echo x86_64-unknown-linux-musl ;;
    Linux/aarch64|Linux/arm64) echo aarch64-unknown-linux-musl ;;
    Darwin/x86_64) echo x86_64-apple-darwin ;;
    Darwin/arm64|Darwin/aarch64) echo aarch64-apple-darwin ;;
    *) return 1 ;;
  esac
}

# Refuses plain HTTP but on this machine.
check_url() {
  case "$1" in
    https://*) ;;
    http://127.*|http://localhost:*|http://localhost/*|http://\[::1\]*) ;;
    *) die "refusing $1: releases are fetched over HTTPS only (plain HTTP only from this machine)" ;;
  esac
}

# fetch URL FILE: 0 fetched, 2 not found (404), 1 any other failure.
fetch() {
  if command -v curl >/dev/null 2>&1; then
    code=$(curl -sS -L --proto '=https,http' --retry 3 --retry-connrefused -o "$2" -w '%{http_code}' "$1") || return 1
    case "$code" in 200) return 0 ;; 404) return 2 ;; *) say "$1: HTTP $code"; return 1 ;; esac
  elif command -v wget >/dev/null 2>&1; then
    out=$(wget -q -S -O "$2" "$1" 2>&1) && return 0
    case "$out" in *" 404 "*) return 2 ;; *) return 1 ;; esac
  else
    die "neither curl nor wget is installed"
  fi
}

# Verifies the archive at $1 against its GitHub artifact attestation, when asked for: a failure
# stops the install; a gh that cannot check (missing, or older than `gh attestation`) is said.
attested() {
  [ -n "$attestation_repo" ] || return 0
  if ! command -v gh >/dev/null 2>&1; then
    say "note: gh is not installed, so the build attestation of $(basename "$1") was not verified (its checksum was): gh attestation verify $(basename "$1") --repo $attestation_repo"
  elif ! gh attestation --help >/dev/null 2>&1; then
    say "note: this gh has no 'attestation' command (2.49 or newer has), so the build attestation of $(basename "$1") was not verified (its checksum was)"
  elif out=$(gh attestation verify "$1" --repo "$attestation_repo" 2>&1); then
    say "verified the build attestation of $(basename "$1"): made by a workflow of $attestation_repo"
  else
    printf '%s\n' "$out" >&2
    die "the build attestation of $(basename "$1") does not verify for $attestation_repo (gh attestation verify, above); nothing was installed"
  fi
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then shasum -a 256 "$1" | cut -d' ' -f1
  else die "neither sha256sum nor shasum is installed, so the download cannot be checked"
  fi
}

# Puts the binary at $1 into $to, atomically.
place() {
  mkdir -p "$to"
  cp "$1" "$to/.imgbump.$$"
  chmod 755 "$to/.imgbump.$$"
  mv -f "$to/.imgbump.$$" "$to/imgbump"
  say "installed $("$to/imgbump" --version) in $to"
  case ":$PATH:" in *":$to:"*) ;; *) say "note: $to is not on PATH" ;; esac
}

from_source() {
  command -v cargo >/dev/null 2>&1 || die "$1, and cargo is not installed to build it (https://rustup.rs)"
  say "$1; building it with cargo install instead (a few minutes)"
  root="$tmp/cargo-root"
  if [ -n "$source_dir" ]; then
    cargo install --locked --root "$root" --path "$source_dir"
  elif [ -n "$version" ]; then
    cargo install --locked --root "$root" imgbump --version "$version"
  else
    cargo install --locked --root "$root" imgbump
  fi
  place "$root/bin/imgbump"
  exit 0
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/imgbump-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

os="${IMGBUMP_INSTALL_OS:-$(uname -s)}"
arch="${IMGBUMP_INSTALL_ARCH:-$(uname -m)}"
target=$(platform) || from_source "there is no release binary for $os/$arch"

if [ -n "$version" ]; then
  dir="${base:-$repo_url/releases/download}/v$version"
elif [ -n "$base" ]; then
  dir="$base/latest"
else
  dir="$repo_url/releases/latest/download"
fi
check_url "$dir/"

status=0
fetch "$dir/SHA256SUMS" "$tmp/SHA256SUMS" || status=$?
case $status in
  0) ;;
  2) from_source "there is no release at $dir" ;;
  *) die "cannot download $dir/SHA256SUMS" ;;
esac
# The archive for this target: imgbump-VERSION-TARGET.tar.gz.
line=$(grep -E "^[0-9a-f]{64}  imgbump-[0-9A-Za-z.+-]+-$target\.tar\.gz\$" "$tmp/SHA256SUMS" | head -n 1 || true)
[ -n "$line" ] || from_source "the release at $dir has no binary for $target"
want=${line%% *}
asset=${line#*  }
if [ -n "$version" ] && [ "$asset" != "imgbump-$version-$target.tar.gz" ]; then
  die "the release at $dir lists $asset, not version $version"
fi
say "downloading $dir/$asset"
status=0
fetch "$dir/$asset" "$tmp/$asset" || status=$?
case $status in
  0) ;;
  2) from_source "$dir/$asset is missing" ;;
  *) die "cannot download $dir/$asset" ;;
esac
got=$(sha256 "$tmp/$asset")
[ "$got" = "$want" ] || die "checksum mismatch for $asset: SHA256SUMS says $want, the download is $got; nothing was installed"
attested "$tmp/$asset"
mkdir "$tmp/x"
tar -xzf "$tmp/$asset" -C "$tmp/x" imgbump || die "$asset holds no imgbump at its top level"
[ -f "$tmp/x/imgbump" ] && [ ! -L "$tmp/x/imgbump" ] || die "$asset holds no imgbump file at its top level"
chmod 755 "$tmp/x/imgbump"
if [ -n "$version" ]; then
  got_version=$("$tmp/x/imgbump" --version 2>/dev/null) || die "the downloaded imgbump does not run on this machine"
  [ "$got_version" = "imgbump $version" ] || die "the downloaded binary says '$got_version', not imgbump $version"
fi
place "$tmp/x/imgbump"
