#!/usr/bin/env bash
# Checks pool.h's promise that what a pool cannot carry is a compile error
# with a sentence: compiles each case of compile_errors.cc and expects it
# to fail with that sentence (and the file to compile without any case).
set -uo pipefail
source_file="katas/08_pool_map/compile_errors.cc"
compile() { clang++ -std=c++20 -fsyntax-only -I. "$@" "$source_file" 2>&1; }

failures=0
if ! output="$(compile -DCASE=0)"; then
  echo "FAIL: compile_errors.cc does not compile even without a case:"; echo "$output"
  failures=$((failures + 1))
fi
expect() {
  local case_number="$1" sentence="$2" output
  if output="$(compile -DCASE="$case_number")"; then
    echo "FAIL: case $case_number compiled, but must not"
    failures=$((failures + 1))
  elif ! grep -qF "$sentence" <<<"$output"; then
    echo "FAIL: case $case_number did not say: $sentence"; echo "$output" | head -20
    failures=$((failures + 1))
  elif [ "$(grep -c 'error:' <<<"$output")" -ne 1 ]; then
    echo "FAIL: case $case_number gave more than the one error:"; echo "$output" | head -20
    failures=$((failures + 1))
  else
    echo "ok: case $case_number: $sentence"
  fi
}
expect 1 "f must be a plain function or a lambda that captures nothing"
expect 2 "f must be a plain function or a lambda that captures nothing"
expect 3 "f's result must be encodable by mp::dumps"
expect 4 "the items (f's arguments) must be encodable by mp::dumps"
expect 5 "f must return a value"
expect 6 "f cannot be called with the items (arguments) given"
exit $((failures > 0))
