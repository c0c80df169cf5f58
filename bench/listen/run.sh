#!/usr/bin/env bash
# Benchmark of `deployctl listen`'s intake against a bare net/http handler,
# side by side in one run, on the merged-PR delivery, signatures and journal on.
#
#   bash bench/listen/run.sh            # from the repository root
#
# Needs Go and wrk (Debian: apt-get install wrk). Knobs (environment):
#   PAYLOAD        the delivery body (default: $DEPLOYCTL_TEST_WEBHOOKS_DIR or ../shared/webhooks,
#                  pull_request.closed.merged.json)
#   WRK_DURATION   closed-loop throughput phase per server and round (default 10s)
#   ROUNDS         throughput rounds, each bare then listener (default 3)
#   WRK_CONNS      wrk connections (default 32), WRK_THREADS (default 2)
#   RATE, RATE_DURATION   constant-rate phase (default 1000/s for 30s)
#   NO_API=1       run the listener with --no-create-on-merge (journal only, no workers)
#
# Phases: (1) constant rate with bench/listen/loadgen (open loop, latency measured
# from each request's due time, wrk2-style) against the listener, then against the
# bare handler; (2) wrk closed-loop throughput against both, in alternating rounds (the
# machine's speed drifts; the median of the rounds' ratios is the figure), the listener's
# backlog drained before each bare round; (3) idle memory, after the
# constant rate and after the wrk burst, each once the merge backlog has drained; (4) the
# journal is counted after a clean stop: every accepted delivery must be in it once.
# The listener's merge workers create deployments in a fake GitHub
# (bench/listen/fakeapi, the test suite's internal/githubtest) while this runs.
#
# Figures (2 cores, ext4, fdatasync ~0.2 ms; 25,426-byte payload), with deployment creation / NO_API=1.
# Columns: bbolt per commit; log + bbolt index; the same with idle compaction of the index.
#   p99 at 1,000/s for 30 s    11.6-15.6 / 3.4 ms       4.1-4.3 / 2.2 ms            4.0 / 2.3 ms
#   wrk listener / bare        6.7k of 51k (13%) / 18%  7.5k-9.8k of 34.9k-45.9k    9.8k of 55.9k (17.5%) /
#                                                       (18-28%) / 12.2k of 52.2k   13.5k of 44.8k (30.1%)
#   RSS under 1,000/s          28.8-32.8 / 22.9 MiB     23.4-25.1 / 22.3 MiB        23.7 / 21.0 MiB
#   RSS idle at start          19.7 / 13.9 MiB          19.1-19.8 / 14.9 MiB        19.4 / 14.1 MiB
#   RSS idle after 1,000/s     -                        24.4 / - MiB                23.7 / 20.8 MiB
#   RSS idle after wrk         119.8-210.9 / 33.1 MiB   102-127 / 26.1 MiB          21.8 / 25.6 MiB
#     of it file pages                                  92-116 MiB                  14.0 / 15.2 MiB (11.7-12.8: the binary)
#   index on disk after wrk                             82 MiB                      8 / 19 MiB
# Then: the merge workers yield to a burst (a merge waits while 8 or more deliveries are in the
# intake, at most 100 ms), and the 202 path lost its per-request logger, regexps, HMAC keying and
# answer channel. Same-run ratios, two runs each, the code before this change run alongside:
#   wrk listener / bare        before: 10.3k of 54.0k (19.0%), 8.7k of 49.7k (17.5%)
#     with deployment creation  now:    12.5k of 46.5k (26.9%), 12.0k of 54.8k (21.9%)
#   wrk listener / bare        before: 11.2k of 49.4k (22.8%), 13.9k of 45.3k (30.6%)
#     NO_API=1                  now:    13.8k of 45.5k (30.3%), 13.7k of 55.8k (24.5%)
# Now (three rounds of 10 s a run, bare then listener, median ratio): log segments zero-filled
# ahead of the records (a sync writes no inode), syncs paced to one a millisecond after a sync
# that carried 8 or more (before: several), log lines written by a goroutine of their own, GOGC 400 (128 MiB soft
# limit) with free memory given back once the journal is idle:
#   wrk listener / bare, with deployment creation
#                              before these (same day): 22.3% (one 15 s round, 12.1k of 54.4k)
#                              now: 26.4% (27.5 26.4 25.5; without GOGC 400),
#                                   29.1% (25.7 29.4 29.1), 26.8% (26.8 26.7 32.3): 13.2k-15.0k of 45k-57k
#                              final (pacing after 8+ only): 27.7% (28.7 27.3 27.7): 13.3k-15.9k of 48.7k-57.5k
#   wrk listener / bare, NO_API=1  now: 31.9% (32.8 31.9 31.2): 15.2k-15.8k of 47.1k-49.6k
#                              final: 31.7% (29.9 31.7 38.4): 16.6k-17.8k of 45.3k-56.2k
#   p99 at 1,000/s for 30 s    3.7-5.1 / 1.9-2.4 ms; RSS under it 34.5-34.8 / 32.4-32.9 MiB (GOGC 400)
#   RSS idle after 1,000/s     21.8-22.3 / 18.8-20.4 MiB; after the wrk rounds 23.9-26.3 / 27.0-27.5 MiB
#     (journal only: 548k delivery IDs remembered, a 48 MiB index, 18.6 MiB of it mapped)
#   RSS right after a wrk round 53-66 / 41-42 MiB (GOGC 400; 31-38 MiB before it)
# Each change alone, listener CPU per delivery under wrk (NO_API=1, perf and /proc/PID/stat):
# 96 -> 84 us for the first three together; GOGC 400 86 -> 79 us; without any sync at all (not
# an option, measured to know) throughput would be 19% higher.
# The handler alone (BenchmarkMergedPR in internal/listen/intake) is HMAC-SHA256 ~24% and fastjson
# ~23% of its CPU; under wrk the kernel's share (socket reads and writes, the log's write, fdatasync
# once per batch) is about a quarter of the listener's.
# The bare handler's figure moves by a third between runs on this machine (35k-56k/s), the
# listener's less (7.5k-12.5k/s with deployment creation); compare ratios from one run. After a wrk
# burst with deployment creation, the backlog of merged PRs (150k-220k) waits in the index, not in
# memory, and drains in 1-1.5 minutes; meanwhile the index's pages are mapped (peak RSS 144-179 MiB).
# Once it is idle the index is compacted (8 MiB for 177k delivery IDs) and mapped afresh.
set -euo pipefail
cd "$(dirname "$0")/../.."

PAYLOAD=${PAYLOAD:-${DEPLOYCTL_TEST_WEBHOOKS_DIR:-../shared/webhooks}/pull_request.closed.merged.json}
WRK_DURATION=${WRK_DURATION:-10s}
ROUNDS=${ROUNDS:-3}
WRK_CONNS=${WRK_CONNS:-32}
WRK_THREADS=${WRK_THREADS:-2}
RATE=${RATE:-1000}
RATE_DURATION=${RATE_DURATION:-30s}
SECRET=bench-secret
LISTEN_ADDR=127.0.0.1:4567
BARE_ADDR=127.0.0.1:4568
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }
[ -r "$PAYLOAD" ] || { echo "no payload at $PAYLOAD (set PAYLOAD or DEPLOYCTL_TEST_WEBHOOKS_DIR)" >&2; exit 1; }

tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

go build -o "$tmp/deployctl" .
go build -o "$tmp/bare" ./bench/listen/bare
go build -o "$tmp/loadgen" ./bench/listen/loadgen
go build -o "$tmp/fakeapi" ./bench/listen/fakeapi

"$tmp/fakeapi" >"$tmp/fakeapi.out" 2>&1 & pids+=($!)
for _ in $(seq 100); do [ -s "$tmp/fakeapi.out" ] && break; sleep 0.05; done
API=$(head -1 "$tmp/fakeapi.out")

extra=()
[ "${NO_API:-}" = 1 ] && extra+=(--no-create-on-merge)
GITHUB_API_URL=$API GH_TOKEN=ghp_faketoken0000000000000000000000000 DEPLOYCTL_WEBHOOK_SECRET=$SECRET \
  "$tmp/deployctl" listen --addr $LISTEN_ADDR --state-dir "$tmp/state" --log-format json "${extra[@]}" \
  2>"$tmp/listen.log" & LPID=$!; pids+=($LPID)
"$tmp/bare" -addr $BARE_ADDR & pids+=($!)
for _ in $(seq 100); do curl -fs "http://$LISTEN_ADDR/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

# VmRSS, and what it is made of: anonymous (the Go heap, stacks) and file pages mapped (the journal's index)
rss() { awk '/^VmRSS/ {r=$2} /^RssAnon/ {a=$2} /^RssFile/ {f=$2} END {printf "%.1fMiB (anon %.1f, file %.1f)", r/1024, a/1024, f/1024}' "/proc/$1/status"; }
# drain waits (at most $1 s) until the merge workers have created a deployment for every merged PR
# the listener accepted, then lets it settle (checkpoint, index compaction, Go's scavenger).
drain() {
  local t0=$SECONDS
  if [ "${NO_API:-}" != 1 ]; then
    until [ "$(grep -c '"msg":"created deployment' "$tmp/listen.log")" -ge "$(grep -c '"msg":"merged pull request"' "$tmp/listen.log")" ]; do
      [ $((SECONDS - t0)) -ge "$1" ] && { echo "   backlog NOT drained after $1 s"; break; }
      sleep 1
    done
  fi
  echo "   backlog drained after $((SECONDS - t0)) s"
  sleep 5
}
idle() { echo "listener idle RSS $1: $(rss $LPID); index $(du -m "$tmp/state/journal.db" | cut -f1) MiB on disk"; }
sleep 2
echo "machine: $(nproc) cores, $(uname -r); payload $(wc -c <"$PAYLOAD") bytes"
echo "listener idle RSS at start: $(rss $LPID)"

echo "== constant rate: $RATE/s for $RATE_DURATION (loadgen, open loop) =="
echo "-- listener"
"$tmp/loadgen" -url "http://$LISTEN_ADDR/event_handler" -rate "$RATE" -duration "$RATE_DURATION" \
  -payload "$PAYLOAD" -secret $SECRET -prefix rate -pid $LPID | tee "$tmp/rate.out"
drain 300
idle "after the constant rate"
echo "-- bare handler"
"$tmp/loadgen" -url "http://$BARE_ADDR/" -rate "$RATE" -duration "$RATE_DURATION" -payload "$PAYLOAD" -secret $SECRET -prefix bare

echo "== throughput: wrk -t$WRK_THREADS -c$WRK_CONNS -d$WRK_DURATION, $ROUNDS rounds of bare then listener =="
sig="sha256=$(openssl dgst -sha256 -hmac $SECRET -r "$PAYLOAD" | cut -d' ' -f1)"
: >"$tmp/ratios"
for round in $(seq "$ROUNDS"); do
  for target in bare listener; do
    url=http://$BARE_ADDR/; [ $target = listener ] && url=http://$LISTEN_ADDR/event_handler
    out=$tmp/wrk-$target-$round.out
    PAYLOAD=$PAYLOAD SIGNATURE=$sig RUN=wrk-$target-$round wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"$WRK_DURATION" --latency \
      -s bench/listen/deliveries.lua "$url" >"$out"
    echo "-- round $round $target: $(grep 'Requests/sec' "$out") $(grep -E '^ +99%' "$out" | xargs) $(grep non2xx "$out")"
    [ $target = listener ] && echo "   listener RSS right after: $(rss $LPID)"
  done
  b=$(awk '/Requests\/sec/ {print $2}' "$tmp/wrk-bare-$round.out")
  l=$(awk '/Requests\/sec/ {print $2}' "$tmp/wrk-listener-$round.out")
  awk -v l="$l" -v b="$b" 'BEGIN {printf "%.1f\n", 100*l/b}' | tee -a "$tmp/ratios" | sed 's/^/   ratio listener\/bare: /; s/$/%/'
  # The next bare round must not share the CPU with the listener's backlog.
  [ "$round" -lt "$ROUNDS" ] && drain 300
done
echo "throughput ratio listener/bare, median of $ROUNDS rounds: $(sort -n "$tmp/ratios" | awk '{r[NR]=$1} END {print r[int((NR+1)/2)]}')% (rounds: $(xargs <"$tmp/ratios"))"

echo "== idle after the burst =="
drain 300
idle "after wrk"
echo "peak RSS (VmHWM): $(awk '/^VmHWM/ {printf "%.1fMiB", $2/1024}' /proc/$LPID/status)"

kill -TERM $LPID; wait $LPID || true
accepted_rate=$(sed -n 's/.*accepted=\([0-9]*\).*/\1/p' "$tmp/rate.out")
wrk_reqs=$(cat "$tmp"/wrk-listener-*.out | awk '/requests in/ {n += $1} END {print n}')
journaled=$("$tmp/loadgen" -journal "$tmp/state")
echo "journal: $journaled deliveries; accepted: $accepted_rate (rate phase) + $wrk_reqs (wrk, incl. any non-2xx) "
echo "created deployments: $(grep -c '"msg":"created deployment' "$tmp/listen.log" || true)"
