#!/usr/bin/env bash
# Builds the cross-runtime benchmark programs: each NAME.bpf.c into
# obj/NAME.o (XDP entry: kernel, quiver runtime) and, unless the source
# says "perf: xdp-only" (it needs maps or helpers), obj/NAME.raw.o (raw
# entry: rbpf, quiver's raw Vm). Needs clang-19 and libbpf-dev; the objects
# are committed so the benchmark and its test do not need clang.
set -euo pipefail
cd "$(dirname "$0")"
CLANG=${CLANG:-clang-19}
FLAGS=(-target bpf -mcpu=v3 -O2 -g -Wall -Werror -I include -I /usr/include/x86_64-linux-gnu)
mkdir -p obj
for src in *.bpf.c; do
  name=$(basename "$src" .bpf.c)
  "$CLANG" "${FLAGS[@]}" -c "$src" -o "obj/$name.o"
  if ! grep -q "perf: xdp-only" "$src"; then
    "$CLANG" "${FLAGS[@]}" -DPERF_RAW -c "$src" -o "obj/$name.raw.o"
  fi
done
echo "built $(ls obj/*.o | wc -l) objects"
