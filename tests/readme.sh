#!/usr/bin/env bash
# The README's first command as someone who cloned only this repository runs it: clones the
# current commit into a temporary folder (so there is no ../shared beside it), takes command 1
# from README.md itself, runs it there and checks the picture it writes.
#
# The clone's target/ is a link to this checkout's target/, so the release build reuses the
# dependencies already compiled there (cargo rebuilds the workspace crates, whose paths differ);
# what is tested is that the command works from a plain clone, not how long a first build takes.
# Uncommitted changes are not in the clone: commit first.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
clone=$scratch/pastiche

# The command on the line after `# 1. …` in the README's first shell block.
command=$(awk 'found { print; exit } /^# 1\. / { found = 1 }' README.md)
output=$(grep -oP '(?<= -o )\S+' <<< "$command" || true)
if [[ $command != *" stylize "* || -z $output ]]; then
  echo "readme: command 1 not found in README.md (a stylize command with -o): '$command'" >&2
  exit 1
fi

git clone -q --no-checkout "$PWD" "$clone"
git -C "$clone" checkout -q "$(git rev-parse HEAD)"
mkdir -p target
ln -s "$PWD/target" "$clone/target"
rm -f "$clone/$output"
[ ! -e "$scratch/shared" ] # nothing beside the clone

echo "readme: running in a fresh clone: $command"
started=$SECONDS
(cd "$clone" && bash -c "$command")
echo "readme: command 1 took $((SECONDS - started)) s"

passed=0
failed=0
check() { local name=$1; shift; if "$@"; then echo "readme: ok   $name"; passed=$((passed + 1)); else echo "readme: FAIL $name" >&2; failed=$((failed + 1)); fi; }
check "command 1 wrote $output" test -s "$clone/$output"
size=$(identify -format '%wx%h' "$clone/$output" 2>/dev/null || true)
check "$output is a 256x192 picture (got '$size')" [ "$size" = 256x192 ]
rm -f "$clone/$output"
echo "readme: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
