#!/usr/bin/env bash
# Hostile run folders against the built CLI (issue 26): bit flips, missing files, device links, FIFOs, lying or huge
# manifests, a sparse 176 MB trainer.json, bad --out and --data-dir, a second run through a link alias. Each case:
# exit code, one stderr line for a refusal, no stack trace, the folder byte for byte unchanged; time and max RSS shown.
# Needs MNIST in the data folder ($VAE_DATA_DIR or ~/.cache/vae/datasets) and GNU time. About 1 minute.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VAE="dotnet $ROOT/src/Vae.Experiments/bin/Release/net10.0/vae.dll"   # build first: dotnet build Vae.sln -c Release
P=$(mktemp -d); trap 'rm -rf "$P"' EXIT; cd "$P"
pass=0; fail=0
snap() { (cd "$1" 2>/dev/null && find . -type f -o -type l -o -type p | sort | while read f; do if [ -f "$f" ] && [ ! -L "$f" ]; then sha256sum "$f"; else echo "$f $(stat -c %F "$f")"; fi; done) | sha256sum; }
run() { # name expect_exit grep_pattern folder_to_keep -- cmd...
  local name=$1 want=$2 pat=$3 keep=$4; shift 5
  local before=""; [ -n "$keep" ] && before=$(snap "$keep")
  local t0=$(date +%s.%N)
  timeout 60 /usr/bin/time -f "%M" -o $P/rss $VAE "$@" > $P/out 2> $P/err; local rc=$?
  local t=$(echo "$(date +%s.%N) - $t0" | bc)
  local rss=$(tail -1 $P/rss); local lines=$(grep -vc '^$' $P/err)
  local ok=1
  [ "$rc" = "$want" ] || ok=0
  [ -n "$pat" ] && ! grep -qF -- "$pat" $P/err $P/out && ok=0
  [ "$want" = 1 ] && [ "$lines" != 1 ] && ok=0
  grep -q "   at " $P/err && ok=0
  [ -n "$keep" ] && [ "$(snap "$keep")" != "$before" ] && ok=0
  if [ $ok = 1 ]; then pass=$((pass+1)); s=PASS; else fail=$((fail+1)); s=FAIL; fi
  printf '%s %-38s rc=%s lines=%s %.1fs %sMB | %s\n' $s "$name" $rc $lines $t $((rss/1024)) "$(head -c 260 $P/err | tr '\n' ' ')"
}
T="train mnist --limit 512 --seed 1"
$VAE $T --epochs 1 --out $P/base >/dev/null 2>&1 || { echo "base run failed"; exit 2; }
$VAE $T --epochs 1 --ema-decay 0.9 --out $P/ema >/dev/null 2>&1 || { echo "ema run failed"; exit 2; }
fresh() { rm -rf $P/$1; cp -a $P/base $P/$1; }
flip() { python3 -c "import sys;p=sys.argv[1];b=bytearray(open(p,'rb').read());b[len(b)//2]^=1;open(p,'wb').write(b)" "$1"; }
fresh c1; flip c1/checkpoint/optimizer.pt
run "optimizer bit flip, --resume" 1 "damaged (optimizer.pt" c1 -- $T --epochs 2 --resume --out c1
run "optimizer bit flip, no --resume" 1 "damaged (optimizer.pt" c1 -- $T --epochs 1 --out c1
run "optimizer bit flip, evaluate" 1 "damaged" c1 -- evaluate --checkpoint c1/checkpoint
fresh c2; flip c2/checkpoint/model.safetensors
run "weights bit flip, --resume" 1 "damaged (model.safetensors" c2 -- $T --epochs 2 --resume --out c2
run "weights bit flip, reproduce-like train" 1 "damaged" c2 -- $T --epochs 1 --out c2
run "--restart moves aside" 0 "" "" -- $T --epochs 1 --restart --out c2
check() { if eval "$2"; then pass=$((pass+1)); echo "PASS $1"; else fail=$((fail+1)); echo "FAIL $1"; fi; }
check "the damaged folder is kept aside" '[ -n "$(ls -d c2/checkpoint.aside-* 2>/dev/null)" ]'
rm -rf e1; cp -a ema e1; rm e1/checkpoint/training.safetensors
run "EMA without training.safetensors" 1 "training.safetensors" e1 -- $T --ema-decay 0.9 --epochs 2 --resume --out e1
fresh c3; rm c3/checkpoint/optimizer.pt c3/checkpoint/manifest.json
run "no optimizer.pt, no manifest, --resume" 1 "optimizer" c3 -- $T --epochs 2 --resume --out c3
run "no optimizer.pt, --fresh-optimizer" 0 "fresh" "" -- $T --epochs 2 --resume --fresh-optimizer --out c3
for f in trainer.json manifest.json; do fresh d; ln -sf /dev/zero d/checkpoint/$f
run "$f -> /dev/zero (resume)" 1 "character device" d -- $T --epochs 2 --resume --out d; done
fresh d; ln -sf /dev/urandom d/checkpoint/model.safetensors
run "model -> /dev/urandom (evaluate)" 1 "character device" d -- evaluate --checkpoint d/checkpoint
fresh d; rm d/checkpoint/model.safetensors; mkfifo d/checkpoint/model.safetensors
run "model as FIFO (evaluate)" 1 "FIFO" d -- evaluate --checkpoint d/checkpoint
fresh d; rm d/checkpoint/model.safetensors; mkfifo d/checkpoint/model.safetensors; rm d/checkpoint/manifest.json
run "model FIFO, no manifest (resume)" 1 "FIFO" d -- $T --epochs 2 --resume --out d
fresh d; echo '[{"Name":"/dev/zero","Bytes":0,"Sha256":"00"}]' > d/checkpoint/manifest.json
run "manifest names /dev/zero" 1 "/dev/zero" d -- evaluate --checkpoint d/checkpoint
fresh d; echo '[{"Name":"../../etc/hostname","Bytes":1,"Sha256":"00"}]' > d/checkpoint/manifest.json
run "manifest names ../../etc/hostname" 1 "etc/hostname" d -- evaluate --checkpoint d/checkpoint
fresh d; python3 -c "import json;m=json.load(open('d/checkpoint/manifest.json'));json.dump(m[:1]*200000,open('d/checkpoint/manifest.json','w'))"
run "manifest 200,000 entries" 1 "manifest.json" d -- evaluate --checkpoint d/checkpoint
fresh d; python3 -c "import json;m=json.load(open('d/checkpoint/manifest.json'));json.dump(m[:1]*5000,open('d/checkpoint/manifest.json','w'))"
run "manifest 5,000 entries" 1 "twice" d -- evaluate --checkpoint d/checkpoint
fresh d; echo 'null' > d/checkpoint/manifest.json
run "manifest null" 1 "lists no files" d -- evaluate --checkpoint d/checkpoint
fresh d; echo '[{"Name":null,"Bytes":1,"Sha256":"00"}]' > d/checkpoint/manifest.json
run "manifest null name" 1 "lacks a name" d -- evaluate --checkpoint d/checkpoint
fresh d; rm d/checkpoint/manifest.json; python3 -c "import json;t=json.load(open('d/checkpoint/trainer.json'));t['epoch']=0;t['history']=[];json.dump(t,open('d/checkpoint/trainer.json','w'))" 2>/dev/null || echo "(trainer.json keys differ)"
run "trainer.json epoch 0 history []" 1 "trainer.json" d -- $T --epochs 2 --resume --out d
fresh d; rm d/checkpoint/manifest.json; truncate -s 176000000 d/checkpoint/trainer.json
run "trainer.json 176 MB sparse" 1 "176,000,000" d -- $T --epochs 2 --resume --out d
run "--out /proc/x" 1 "lock file" "" -- $T --epochs 1 --out /proc/x
echo hi > afile; run "--out a file" 1 "afile" "" -- $T --epochs 1 --out afile
mkdir -p loopdata; ln -sfn loopdata/l loopdata/l2; ln -sfn $P/loop1 $P/loop2; ln -sfn $P/loop2 $P/loop1
run "data-dir symlink loop" 1 "loops" "" -- $T --epochs 1 --data-dir $P/loop1 --out dl
# lock through an alias: a 30-epoch run in run1, a second run through a link to it
rm -rf run1 alias; mkdir run1; ln -s run1 alias
timeout -s INT 14 $VAE train mnist --limit 2048 --epochs 30 --seed 1 --out run1 > run1.log 2>&1 & pid=$! # Ctrl-C after 14 s (a background job of a script ignores a plain kill -INT)
sleep 8; cfg=$(sha256sum run1/config.json)
run "second run through a link alias" 1 "another" "" -- train mnist --limit 512 --epochs 1 --seed 3 --out alias
check "config.json of the running run unchanged" '[ "$(sha256sum run1/config.json)" = "$cfg" ]'
wait $pid 2>/dev/null
check "the first run stopped on Ctrl-C" 'grep -q "stopped\|interrupted\|cancel" run1.log'
check "no lock file left after Ctrl-C" '[ -z "$(ls -A . | grep -E "\.lock$")" ]'
echo "probe: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
