#!/usr/bin/env bash
# Clean build times and binary sizes of two revisions, built alternately in fresh clones
# (figures, not a test; Benchmarks/README.md "Dependencies: build time and size").
#
#   Benchmarks/build-times.sh BEFORE [AFTER] [ROUNDS]    # AFTER defaults to HEAD, ROUNDS to 2
#
# Packages are resolved before the clock starts; each build starts from an empty build directory.
set -euo pipefail
cd "$(dirname "$0")/.."
before=${1:?usage: Benchmarks/build-times.sh BEFORE [AFTER] [ROUNDS]}
after=${2:-HEAD}
rounds=${3:-2}
scripts/bootstrap
source scripts/swift-env
work=.bench/build-times
mkdir -p "$work"
for rev in "$before" "$after"; do
  rm -rf "$work/$rev"
  git clone -q . "$work/$rev"
  git -C "$work/$rev" checkout -q "$rev"
  (cd "$work/$rev" && swift package resolve >/dev/null)
done
for round in $(seq "$rounds"); do
  for configuration in debug release; do
    for rev in "$before" "$after"; do
      build="$work/$rev/.build"
      find "$build" -mindepth 1 -maxdepth 1 ! -name checkouts ! -name repositories ! -name artifacts \
        ! -name workspace-state.json -exec rm -rf {} +
      start=$(date +%s.%N)
      (cd "$work/$rev" && swift build -c "$configuration" >/dev/null 2>&1)
      end=$(date +%s.%N)
      printf 'round %s  %-7s  %-12s  %6.1f s\n' "$round" "$configuration" "$rev" "$(echo "$end - $start" | bc)"
    done
  done
done
for rev in "$before" "$after"; do
  printf '%-12s  release incidents: %s bytes\n' "$rev" "$(stat -c %s "$work/$rev/.build/release/incidents")"
done
