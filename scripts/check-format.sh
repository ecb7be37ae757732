#!/usr/bin/env bash
# Checks that C/C++ files (*.cpp, *.h, *.c) follow .clang-format, with
# clang-format-22. Generated *.inc files, fuzz corpora and build trees are
# left out.
#
#   scripts/check-format.sh          the files a change touches: tracked files
#                                    that differ between QF_FORMAT_BASE and the
#                                    working tree, plus untracked ones that git
#                                    does not ignore
#   scripts/check-format.sh --all    every tracked C/C++ file
#   scripts/check-format.sh --fix    reformat the offending files in place
#                                    (combines with --all)
#
# QF_FORMAT_BASE defaults to the merge-base of HEAD and the first of
# origin/main, main that exists and is not HEAD itself, else HEAD~1.
# Exits 1 when a file is not clean (or clang-format-22 is missing), 0 otherwise.
set -euo pipefail

clang_format=${CLANG_FORMAT:-clang-format-22}
all=0
fix=0
for arg in "$@"; do
  case "$arg" in
    --all) all=1 ;;
    --fix) fix=1 ;;
    -h|--help) sed -n '2,16s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "check-format: unknown argument '$arg' (--all, --fix)" >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")/.."
if ! command -v "$clang_format" >/dev/null; then
  echo "check-format: $clang_format is missing; scripts/install-deps.sh installs it" >&2
  exit 1
fi

if [ "$all" -eq 1 ]; then
  what="(all tracked)"
  list() { git ls-files -z; }
else
  base=${QF_FORMAT_BASE:-}
  if [ -z "$base" ]; then
    head=$(git rev-parse --verify -q HEAD || true)
    for ref in origin/main main; do
      commit=$(git rev-parse --verify -q "$ref^{commit}" || true)
      if [ -n "$commit" ] && [ "$commit" != "$head" ]; then
        base=$(git merge-base HEAD "$commit" || true)
        [ -n "$base" ] && break
      fi
    done
    if [ -z "$base" ]; then
      # HEAD~1, or on a first commit (or none) the empty tree.
      base=$(git rev-parse --verify -q 'HEAD~1^{commit}' ||
             git hash-object -t tree /dev/null)
    fi
  fi
  what="(changed since $(git rev-parse --short "$base"))"
  list() {
    git diff -z --name-only --diff-filter=d "$base" --
    git ls-files -z --others --exclude-standard
  }
fi

files=()
while IFS= read -r -d '' f; do
  case "$f" in
    *.cpp|*.h|*.c) ;;
    *) continue ;;
  esac
  case "$f" in
    test/fuzz/corpus/*|build/*|build-*/*) continue ;;
  esac
  [ -f "$f" ] && files+=("$f")
done < <(list | sort -zu)

if [ ${#files[@]} -eq 0 ]; then
  echo "check-format: no C/C++ file $what"
  exit 0
fi

# One clang-format run per batch; each unformatted file is named in its
# "code should be clang-formatted" diagnostics.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
printf '%s\0' "${files[@]}" |
  xargs -0 -n 100 "$clang_format" --dry-run -Werror >"$log" 2>&1 || status=$?
mapfile -t bad < <(sed -n 's/^\(.*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' \
  "$log" | sort -u)
if [ "$status" -ne 0 ] && [ ${#bad[@]} -eq 0 ]; then
  cat "$log" >&2
  echo "check-format: $clang_format failed" >&2
  exit 1
fi

if [ ${#bad[@]} -eq 0 ]; then
  echo "check-format: ${#files[@]} C/C++ file(s) $what, all formatted"
  exit 0
fi
if [ "$fix" -eq 1 ]; then
  "$clang_format" -i "${bad[@]}"
  printf '  reformatted %s\n' "${bad[@]}"
  echo "check-format: reformatted ${#bad[@]} of ${#files[@]} C/C++ files $what"
  exit 0
fi
printf '  %s\n' "${bad[@]}"
echo "check-format: ${#bad[@]} of ${#files[@]} C/C++ file(s) $what not formatted;" \
  "run '$clang_format -i FILE' on each, or 'make format'"
exit 1
