#!/usr/bin/env bash
# vs_top88.sh — `ntk-cli topopt` side by side with top88 (Andreassen et al. 2011) in GNU Octave, in the
# same run, on the MBB half-beam (volfrac 0.5, penal 3, density filter):
#   (a) 60 × 20, rmin 1.5, to convergence (issue 10's target: ≤ 0.3 s);
#   (b) 300 × 100, rmin 8, ITERS iterations (default 10) per run (target: ≤ 0.05 s per iteration).
# The two commands run in turn — A B A B … after one warm-up pair that is not counted — so that a drift
# of the machine's speed hits both; each run's wall time is the whole process (start-up, set-up and
# iterations), and the A/B ratio is taken pair by pair. Each program also reports its own set-up and
# iteration seconds (ntk-cli: the report's `seconds` and `timings.setup`; top88.m: its final line), from
# which the per-iteration figures are taken: top88's set-up (the filter matrix, built by an interpreted
# loop) takes over a minute at 300 × 100 and would hide the iterations in the whole-process time.
# Printed: median, min and max of every figure (quote the median), the iteration counts and compliances
# of both (they must agree: top88 is the reference).
#
# Usage:  bench/topopt/vs_top88.sh [RUNS [ITERS]]      RUNS pairs per case (default 5)
#         NTK_CLI=path/to/ntk-cli  (default build/app/cli/ntk-cli)    CASES="a b" (default both)
# Needs:  a built ntk-cli; python3; GNU Octave, which is not a build or test dependency of NTK Studio:
#         Debian/Ubuntu: sudo apt-get install -y --no-install-recommends octave   (Octave 7.3 on Debian 12)
# Octave 7.3 may print "error: ignoring const execution_exception& while preparing to exit" after a
# successful run (exit status 0): a known shutdown message, harmless.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cli=${NTK_CLI:-$root/build/app/cli/ntk-cli}
runs=${1:-5}
iters=${2:-10}
cases=${CASES:-a b}

command -v octave >/dev/null || { echo "vs_top88.sh: GNU Octave not found (sudo apt-get install -y --no-install-recommends octave)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "vs_top88.sh: python3 not found" >&2; exit 2; }
[ -x "$cli" ] || { echo "vs_top88.sh: $cli is not built (cmake --build build --target ntk-cli), or set NTK_CLI" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }

# run_case NAME "NTK-CLI ARGS" "OCTAVE EXPRESSION": RUNS timed pairs, one line of numbers per run in $work/NAME.tsv.
run_case() {
  local name=$1 cliArgs=$2 expr=$3 i t0 t1 t2
  : > "$work/$name.tsv"
  for ((i = 0; i <= runs; ++i)); do # run 0: the warm-up pair
    t0=$(now)
    # shellcheck disable=SC2086
    "$cli" --quiet topopt $cliArgs --out "$work/design.csv" --report "$work/report.json"
    t1=$(now)
    (cd "$here" && octave --no-gui -W --norc --quiet --eval "$expr") > "$work/top88.txt" 2>/dev/null
    t2=$(now)
    [ "$i" -eq 0 ] && continue
    python3 - "$work/report.json" "$work/top88.txt" "$t0" "$t1" "$t2" >> "$work/$name.tsv" <<'EOF'
import json, re, sys
report, top88, t0, t1, t2 = sys.argv[1], open(sys.argv[2]).read(), *map(float, sys.argv[3:])
j = json.load(open(report))
m = re.search(r"iterations (\d+), compliance ([\d.]+), first compliance ([\d.]+).*setup ([\d.]+) s, iterations ([\d.]+) s", top88)
if not m:
    sys.exit("top88 printed no result line: " + top88)
it_b, c_b, c1_b, setup_b, loop_b = int(m[1]), float(m[2]), float(m[3]), float(m[4]), float(m[5])
it_a = j["iterations"]
per_a = (j["seconds"] - j["timings"]["setup"]) / it_a
print(t1 - t0, t2 - t1, it_a, j["compliance"], j["history"][0], per_a, it_b, c_b, c1_b, loop_b / it_b, setup_b, sep="\t")
EOF
  done
}

# summarise NAME TITLE: median / min / max of every column, and the pair ratio of the wall times.
summarise() {
  python3 - "$work/$1.tsv" "$2" <<'EOF'
import statistics, sys
rows = [list(map(float, line.split())) for line in open(sys.argv[1]) if line.strip()]
cols = list(zip(*rows))
def mmm(v, fmt="{:.4g}"):
    return "median " + fmt.format(statistics.median(v)) + "  (min " + fmt.format(min(v)) + ", max " + fmt.format(max(v)) + ")"
print(sys.argv[2] + f" — {len(rows)} pairs")
print("  wall, whole process     ntk-cli " + mmm(cols[0]) + " s")
print("                          top88   " + mmm(cols[1]) + " s")
print("  ratio ntk-cli/top88     " + mmm([a / b for a, b in zip(cols[0], cols[1])]) + "  (pair by pair)")
print("  per iteration (own)     ntk-cli " + mmm(cols[5]) + " s")
print("                          top88   " + mmm(cols[9]) + " s   (top88 set-up " + mmm(cols[10]) + " s)")
print("  ratio per iteration     " + mmm([a / b for a, b in zip(cols[5], cols[9])]))
print(f"  ntk-cli: {cols[2][0]:.0f} iterations, c = {cols[3][0]:.4f}, first c = {cols[4][0]:.7f}")
print(f"  top88:   {cols[6][0]:.0f} iterations, c = {cols[7][0]:.4f}, first c = {cols[8][0]:.7f}")
EOF
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; $(octave --version 2>/dev/null | head -1)"
for c in $cases; do
  case $c in
  a)
    run_case a "--problem mbb --nelx 60 --nely 20 --volfrac 0.5 --penal 3 --filter density --rmin 1.5" \
      "top88(60,20,0.5,3,1.5,2);"
    summarise a "(a) MBB 60 x 20, density filter, rmin 1.5, to convergence" ;;
  b)
    run_case b "--problem mbb --nelx 300 --nely 100 --volfrac 0.5 --penal 3 --filter density --rmin 8 --max-iter $iters" \
      "top88(300,100,0.5,3,8,2,$iters);"
    summarise b "(b) MBB 300 x 100, density filter, rmin 8, $iters iterations" ;;
  *) echo "vs_top88.sh: unknown case '$c' (a or b)" >&2; exit 2 ;;
  esac
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
