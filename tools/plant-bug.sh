# Sourced by the bug-planting scripts (tools/plant-listed-bugs.sh, tools/check-properties-catch-bugs.sh).
# plant NAME FILE FROM TO PROJECT [FILTER]: replaces the first FROM in FILE by TO (the bug), runs PROJECT's tests (those
# matching FILTER), prints the summary and each failing test, then restores FILE with git. Run from the repository root.
plant() {
  local name="$1" file="$2" from="$3" to="$4" project="$5" filter="${6:-}"
  python3 - "$file" "$from" "$to" <<'PY'
import sys; p,a,b=sys.argv[1:]; s=open(p).read(); assert a in s, a; open(p,'w').write(s.replace(a,b,1))
PY
  local out
  out=$(timeout 900 dotnet test "$project" -c Release ${filter:+--filter "$filter"} 2>&1)
  echo "PLANT: $name => $(echo "$out" | grep -E "Passed!|Failed!" | sed -E 's/ - Vae.*//')"
  echo "$out" | grep -E '^\s+Failed ' | sed 's/^ */  failed: /'
  git checkout -q -- "$file"
}
