#!/usr/bin/env bash
# Coverage-guided fuzzing of every OneShot parser with AFL++ through SharpFuzz, SECONDS per target, one line of
# figures per target (executions, corpus entries found, edges, crashes, hangs). Crashes land in OUT/TARGET/default/crashes;
# replay one with: dotnet run -c Release --project fuzz/OneShot.Fuzz -- run TARGET FILE
# usage: eng/reliability/afl.sh [SECONDS] [OUT] [TARGET...]   (needs: apt-get install afl++; dotnet tool install -g SharpFuzz.CommandLine --version 2.3.0)
set -euo pipefail
seconds=${1:-300}
out=${2:-/tmp/oneshot-afl}
shift $(( $# > 2 ? 2 : $# ))
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(gallery gallery-payload model-json state-dict safetensors checkpoint-payload image onnx-tensor onnx-graph)
fi
cd "$(dirname "$0")/../.."
command -v afl-fuzz >/dev/null || { echo "afl-fuzz not found: apt-get install afl++" >&2; exit 2; }
export PATH="$PATH:$HOME/.dotnet/tools"
command -v sharpfuzz >/dev/null || { echo "sharpfuzz not found: dotnet tool install -g SharpFuzz.CommandLine --version 2.3.0" >&2; exit 2; }
bin="$out/bin"
rm -rf "$bin"
dotnet publish -c Release fuzz/OneShot.Fuzz -o "$bin" -v quiet -nologo >/dev/null
sharpfuzz "$bin/OneShot.dll"   # instrument the library under test only
export AFL_SKIP_BIN_CHECK=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_NO_UI=1
printf '%-20s %10s %8s %9s %7s %8s %6s\n' target execs "exec/s" corpus edges crashes hangs
for t in "${targets[@]}"; do
  rm -rf "${out:?}/$t"
  afl-fuzz -V "$seconds" -i "fuzz/corpus/$t" -o "$out/$t" -t 5000 -m none -- "$bin/OneShot.Fuzz" afl "$t" > "$out/$t.log" 2>&1 || true
  s="$out/$t/default/fuzzer_stats"
  if [ ! -f "$s" ]; then echo "$t: afl-fuzz did not start, see $out/$t.log" >&2; continue; fi
  v() { sed -n "s/^$1 *: *//p" "$s"; }
  printf '%-20s %10s %8s %9s %7s %8s %6s\n' "$t" "$(v execs_done)" "$(v execs_per_sec)" "$(v corpus_count)" "$(v edges_found)" "$(v saved_crashes)" "$(v saved_hangs)"
done
