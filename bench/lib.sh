# Shared by the benchmark scripts.

# ensure_data FLOWDEX DIR RECORDS FILES: generated v2 flow logs in DIR, made
# once and reused by later runs.
ensure_data() {
  local flowdex=$1 dir=$2 records=$3 files=$4
  if [[ ! -f "$dir/.done" ]]; then
    rm -rf "$dir"
    "$flowdex" gen --records "$records" --files "$files" --seed 1 --fields v2 --out "$dir"
    touch "$dir/.done"
  fi
}
