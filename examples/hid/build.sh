#!/usr/bin/env bash
# Builds the HID-BPF examples (src/*.bpf.c) into obj/NAME.bpf.o with BTF,
# as udev-hid-bpf builds them. Needs clang-19 and libbpf-dev; the objects
# are committed so the examples run without clang.
set -euo pipefail
cd "$(dirname "$0")"
CLANG=${CLANG:-clang-19}
mkdir -p obj
for src in src/*.bpf.c; do
  name=$(basename "$src" .c)
  "$CLANG" -target bpf -mcpu=v3 -O2 -g -Wall -Werror \
    -I src -I /usr/include/x86_64-linux-gnu \
    -c "$src" -o "obj/$name.o"
done
echo "built $(ls obj/*.o | wc -l) objects"
