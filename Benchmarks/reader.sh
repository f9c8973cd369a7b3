#!/usr/bin/env bash
# Measures the JSON Lines event reader on a generated 1M-event stream: decode alone,
# the full load (dedupe, grouping, replay), and `incidents validate` end to end
# with its peak memory. Prints figures; asserts nothing. Files go to .bench/ (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap
source scripts/swift-env
if ! command -v /usr/bin/time >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get install -y -qq time >/dev/null
fi

swift build -c release --product incidents >&2
swift build -c release --product reader-benchmark >&2
mkdir -p .bench
stream=.bench/events-1m.jsonl
if [ ! -s "$stream" ]; then
  # About 28 events an incident: 36 000 incidents make a little over a million events.
  .build/release/incidents generate --seed 1 --incidents 36000 --orgs 4 --weeks 52 --out "$stream"
fi
size=$(stat -c %s "$stream")
lines=$(wc -l < "$stream")
echo "stream: $stream, $lines events, $((size / 1000000)) MB"
echo "machine: $(nproc) cores, $(uname -m), $(swift --version 2>/dev/null | head -1)"
.build/release/reader-benchmark "$stream" 3

for run in 1 2 3; do
  /usr/bin/time -f "%e %M" -o .bench/time.txt .build/release/incidents validate --events "$stream" > /dev/null
  cat .bench/time.txt
done | sort -n | sed -n 2p | awk -v size="$size" -v lines="$lines" \
  '{ printf "incidents validate (end to end)  median %.2f s  %8.0f events/s  %7.1f MB/s  peak RSS %d MB\n", $1, lines / $1, size / 1e6 / $1, $2 / 1024 }'
