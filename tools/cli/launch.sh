# Sourced by tools/kata, tools/grade and tools/test: installs what is
# missing, builds the tool's C++ binary with Bazel and runs it from bazel-bin.
# `bazel run` would hold Bazel's lock while the tool runs, and the tools run
# Bazel themselves, so the binary is built, then exec'd directly.
#
#   mpkata_launch TOOL ARGS...   e.g. mpkata_launch grade --out results
mpkata_launch() {
  local tool="$1"
  shift
  local repo
  repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  "$repo/tools/setup" --if-needed
  local log
  log="$(mktemp "${TMPDIR:-/tmp}/mpkata-build-XXXXXX")"
  if ! (cd "$repo" && bazel build --noshow_progress --ui_event_filters=-info,-stdout,-stderr \
          "//tools/cli:$tool") >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "$tool: error: could not build the tool (//tools/cli:$tool); see above" >&2
    exit 3
  fi
  rm -f "$log"
  # Not the bazel-bin symlink: it follows whichever config built last.
  local bin
  bin="$(cd "$repo" && bazel info bazel-bin 2>/dev/null)"
  export MPKATA_REPO="$repo"
  exec "$bin/tools/cli/$tool" "$@"
}
