#!/usr/bin/env bash
# The whole GPU check, for one call of the device tool (at most 8 minutes; 15 minutes of device time per attempt,
# machine start included). Prepare here: `bash tools/gpu/bundle.sh`, then call the device tool with
#   command: bash tools/gpu/check.sh      carry: [".gpu"]      timeout_s: 540
#
# Each step has its own time limit (never past the overall budget, CHECK_BUDGET_S, 470 s by default) and writes its
# result to $OUT as soon as it finishes, so a step that fails or runs long still leaves the others' results. At most
# 8 files come back:
#   check.log            everything printed, step by step
#   summary.json         each step: status, seconds, and the checks with their verdicts
#   libLibTorchSharp.so  the library built against the machine's PyTorch (keep it in .gpu/ to skip the build next time)
#   doctor.txt           vae doctor --device cuda (set-up facts; CUDA against CPU within the tolerance)
#   bench.json           vae bench --device cuda --json --peer (ms/step ours and PyTorch eager's, the ratio)
#   peer.json            benchmarks/peer_pytorch.py --device cuda on its own (plain and fused Adam)
#   train-1epoch.json    1 epoch of `train mnist --seed 1` on CUDA against docs/bench/cpu-mnist-train-1epoch-seed1.json
#   reproduce.json       metrics.json of `reproduce mnist-z2-warmup --seeds 1 --device cuda`, with its wall time
# Steps in order: build (or reuse) the library; doctor; bench with the peer; the peer alone; 1 epoch of train; the
# timed reproduce. The results are to be committed under docs/bench/gpu-h200-*.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/.gpu/out}
mkdir -p "$OUT"
budget=${CHECK_BUDGET_S:-470}
# CHECK_DEVICE=cpu (with VAE_LIBTORCHSHARP and VAE_LIBTORCH_DIR, see run.sh) runs the same steps on the CPU machine: a dry
# run of this script's mechanics (limits, partial results, summary), not a measurement.
device=${CHECK_DEVICE:-cuda}
export VAE_PYTHON=${VAE_PYTHON:-$(command -v python3)}   # the python with PyTorch (bench --peer uses it)
start=$(date +%s)
log="$OUT/check.log"
: > "$log"
steps_json=$(mktemp)   # outside $OUT: only the 8 result files come back
: > "$steps_json"
say() { echo "check: $*" | tee -a "$log" >&2; }
left() { echo $(( budget - ($(date +%s) - start) )); }

# step NAME LIMIT COMMAND...: runs COMMAND with min(LIMIT, time left) seconds, logs it, records status and seconds.
step() {
  local name=$1 limit=$2; shift 2
  local remaining; remaining=$(left)
  (( limit > remaining )) && limit=$remaining
  if (( limit < 10 )); then
    say "$name: skipped, $remaining s left of the budget"
    echo "{\"step\":\"$name\",\"status\":\"skipped\",\"seconds\":0}" >> "$steps_json"; write_summary; return 1
  fi
  say "$name: start (limit $limit s)"
  local t0; t0=$(date +%s)
  timeout --kill-after=5 "$limit" "$@" >> "$log" 2>&1
  local rc=$?
  local took=$(( $(date +%s) - t0 ))
  local status=ok; (( rc == 124 || rc == 137 )) && status=timeout; (( rc != 0 && rc != 124 && rc != 137 )) && status="failed (exit $rc)"
  say "$name: $status in $took s"
  echo "{\"step\":\"$name\",\"status\":\"$status\",\"seconds\":$took}" >> "$steps_json"
  write_summary
  return $rc
}

write_summary() {
  python3 - "$steps_json" "$OUT" <<'PY' || true
import json, os, sys
steps = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
out = sys.argv[2]
checks = {}
for name in ("train-1epoch.json", "reproduce.json", "bench.json", "doctor.txt"):
    p = os.path.join(out, name)
    if not os.path.exists(p): continue
    if name == "doctor.txt":
        last = [l for l in open(p).read().splitlines() if l.strip()][-1:] or [""]
        checks["doctor"] = {"line": last[0], "pass": last[0].endswith("PASS")}
    else:
        try: checks[name] = json.load(open(p)).get("check")
        except Exception as e: checks[name] = {"error": str(e)}
json.dump({"steps": steps, "checks": checks}, open(os.path.join(out, "summary.json"), "w"), indent=2)
PY
}


nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader >> "$log" 2>&1 || true

# 1. The library: reuse .gpu/libLibTorchSharp.so when carried, else build it (about 46 s on the H200 machine).
step build 150 bash tools/gpu/run.sh --version || say "build: the CLI does not start; the later steps will fail too"

# 2. doctor on CUDA against the CPU.
step doctor 90 bash -c 'bash tools/gpu/run.sh doctor --device $1 > "$0/doctor.txt"' "$OUT" "$device"

# 3. bench with the PyTorch peer on the same GPU.
step bench 150 bash -c 'bash tools/gpu/run.sh bench --device $0 --json --peer > /tmp/bench.raw' "$device"
python3 - "$OUT" <<'PY' >> "$log" 2>&1
import json, os, sys
out = sys.argv[1]
raw = "/tmp/bench.raw"
if os.path.exists(raw):
    try:
        report = json.loads(open(raw).read().strip().splitlines()[-1])
        peer = report.get("peer") or {}
        ours, theirs = peer.get("oursMsPerStep", {}), peer.get("peerMsPerStep", {})
        ratios = {k: ours[k] / theirs[k] for k in ours if k in theirs}
        report["check"] = {"ours over PyTorch eager (ms/step)": ratios, "at most 1.0": bool(ratios) and all(r <= 1.0 for r in ratios.values())}
        json.dump(report, open(os.path.join(out, "bench.json"), "w"), indent=2)
        print("bench check:", report["check"])
    except Exception as e:
        print("bench: could not read the report:", e)
    os.remove(raw)
PY
write_summary

# 4. The PyTorch peer alone (plain and fused Adam), in case the bench above failed before its peer rounds.
step peer 60 bash -c 'python3 benchmarks/peer_pytorch.py --threads 16 --device $1 --steps 50 --repeats 5 > /tmp/peer.json && cp /tmp/peer.json "$0/peer.json"' "$OUT" "$device"

# 5. One epoch of train on CUDA, seed 1, against the committed CPU history of the same settings.
rm -rf /tmp/gpu-train
step train 90 bash tools/gpu/run.sh train mnist --epochs 1 --seed 1 --device "$device" --out /tmp/gpu-train
python3 - "$OUT" <<'PY' >> "$log" 2>&1
import json, os, sys
out = sys.argv[1]
ref = json.load(open("docs/bench/cpu-mnist-train-1epoch-seed1.json"))
p = "/tmp/gpu-train/history.json"
if os.path.exists(p):
    gpu = json.load(open(p))
    g, c = gpu["epochs"][0], ref["history"]["epochs"][0]
    rel = {k: abs(g[s][k] - c[s][k]) / abs(c[s][k]) for s in ("train", "test") for k in ("total",)}
    result = {"gpu": gpu, "cpu reference": ref["history"], "config": json.load(open("/tmp/gpu-train/config.json")),
              "check": {"relative difference of train total": abs(g["train"]["total"] - c["train"]["total"]) / c["train"]["total"],
                        "relative difference of test total": abs(g["test"]["total"] - c["test"]["total"]) / c["test"]["total"],
                        "gpu seconds": g["seconds"], "cpu seconds": c["seconds"],
                        "within 1% (TF32 over 469 steps)": all(abs(g[s]["total"] - c[s]["total"]) / c[s]["total"] <= 0.01 for s in ("train", "test"))}}
    json.dump(result, open(os.path.join(out, "train-1epoch.json"), "w"), indent=2)
    print("train check:", result["check"])
PY
write_summary

# 6. The timed reproduce of the MNIST latent-2 winner, one seed (CPU seeds: 135.99 to 136.92; accepted 135.0 to 138.0).
rm -rf /tmp/gpu-results
t0=$(date +%s)
step reproduce 240 bash tools/gpu/run.sh reproduce mnist-z2-warmup --seeds 1 --device "$device" --out /tmp/gpu-results
took=$(( $(date +%s) - t0 ))
python3 - "$OUT" "$took" <<'PY' >> "$log" 2>&1
import json, os, sys
out, took = sys.argv[1], int(sys.argv[2])
p = "/tmp/gpu-results/mnist-z2-warmup/metrics.json"
if os.path.exists(p):
    m = json.load(open(p))
    total = m["test"]["total"]
    m["check"] = {"test total": total, "between 135.0 and 138.0": 135.0 <= total <= 138.0, "wall seconds of the command": took}
    json.dump(m, open(os.path.join(out, "reproduce.json"), "w"), indent=2)
    print("reproduce check:", m["check"])
PY
write_summary
rm -f "$steps_json"
say "done in $(( $(date +%s) - start )) s; results in $OUT"
