"""The kata() and kata_solution() macros: one kata, a few BUILD lines.

A kata lives in katas/NN_name/ and its reference solution in
solutions/NN_name/. The header, the tests and the example program are
written once, in the kata's folder; what differs is only the learner's
source files (the starter) and the solution's files of the same names.

katas/02_unlocked_counter/BUILD:

    load("//tools:kata.bzl", "kata")

    kata(
        hdrs = ["counter.h"],
        srcs = ["counter.cc"],         # the starter: the learner edits these
        tests = ["counter_test.cc"],
        example = "example.cc",
        configs = ["tsan"],            # sanitizer configs that judge the kata
        starter_fails_with = "race reported",  # how the untouched starter must fail
    )

solutions/02_unlocked_counter/BUILD:

    load("//tools:kata.bzl", "kata_solution")

    kata_solution(srcs = ["counter.cc"])  # same names as the starter's

Both make the same targets, so every command works on either folder:

    :test      the kata's tests, linked with this folder's sources
    :example   the kata's example program (`bazel run`)
    :lib       this folder's implementation of the header

A kata may build on earlier katas (`uses = ["04_value"]`): it then links
their reference solutions, never the learner's versions of them.

The kata's `configs` are recorded on its :test as tags `kata_config=NAME`,
its `demos` as `kata_demo=TARGET: sentence` (read by `tools/kata demo`), and
`starter_fails_with` as `kata_starter=OUTCOME`. tools/kata reads them with
`bazel query` and runs the kata in the plain build and under each config
(the config first when the starter is meant to fail there by a race, as
02's: its race report is the lesson); tools/test judges the starter in the
first declared config and expects `starter_fails_with` ("fails": by
assertion; "race reported": a TSan report). tools/test runs every solution
under all of tsan, asan and ubsan, whatever its kata declares.
"""

load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_library", "cc_test")

# Sanitizer configs defined in .bazelrc that a kata may declare.
KNOWN_CONFIGS = ["tsan", "asan", "ubsan"]

# What every kata test links besides its own sources.
_TEST_SUPPORT = [
    "//common/testing:child_process_guard",
    "//common/testing:pipe_notification",
    "//common/testing:start_barrier",
    "//common/testing:test_main",
    "@com_google_googletest//:gtest",
]

# common/ helpers a learner may use in a starter, as the reference solutions
# do: copying a solution's files over the starter must solve the kata (and
# tools/grade grades exactly that).
_LEARNER_DEPS = [
    "//common:errors",
    "//common:pthread_attributes",
    "//common:unique_fd",
]

def _kata_dir():
    return native.package_name().split("/")[-1]

def kata(
        hdrs,
        srcs,
        tests,
        example = None,
        more_examples = {},
        uses = [],
        deps = [],
        test_deps = [],
        configs = [],
        demos = {},
        starter_fails_with = "fails",
        **kwargs):
    """Declares a kata in katas/NN_name/.

    Args:
      hdrs: the header(s) with the API the tests use; learners do not edit them.
      srcs: the starter source files, with TODOs; the solution has files of
        the same names.
      tests: the GoogleTest sources, run against the starter here and against
        the reference solution in solutions/NN_name/.
      example: the source of a small program that reproduces the kata's seed
        example with this folder's implementation (`bazel run :example`).
      more_examples: further programs, as {target name: source}, built in
        both folders like `example` (e.g. {"lost_updates": "lost_updates.cc"}).
      uses: earlier katas this one builds on, by folder name (e.g.
        ["03_process"]). Both the starter and the solution link those
        katas' REFERENCE solutions, so a learner can do kata 05 with a
        working Process even before finishing kata 03 (and a learner's
        kata 03 and the reference never end up in one binary).
      deps: libraries the header needs (for both starter and solution).
      test_deps: libraries the tests need besides GoogleTest and common/testing.
      configs: sanitizer configs (from .bazelrc) the kata must pass, besides
        the plain build; tools/test and tools/kata run them by default.
      starter_fails_with: how the untouched starter fails in the first
        declared config: "fails" (GoogleTest assertions, the default) or
        "race reported" (ThreadSanitizer, for a kata whose lesson is the
        race itself).
      demos: the example programs worth showing a room, in order, as
        {target name: one sentence saying what the run shows}; `tools/kata
        demo NN` runs them (the reference solution's build) and says each
        sentence first. The names must be `example` or in `more_examples`.
      **kwargs: passed on to the cc_test (for example `size`, `shard_count`).
    """
    for config in configs:
        if config not in KNOWN_CONFIGS:
            fail("kata(): unknown config '%s'; known: %s" % (config, ", ".join(KNOWN_CONFIGS)))

    if starter_fails_with not in ["fails", "race reported"]:
        fail("kata(): starter_fails_with must be \"fails\" or \"race reported\", not '%s'" % starter_fails_with)
    if starter_fails_with == "race reported" and (not configs or configs[0] != "tsan"):
        fail("kata(): a starter that fails with a race needs configs = [\"tsan\", ...]")

    for program in demos:
        if program != "example" and program not in more_examples:
            fail("kata(): demo '%s' is not `example` or one of more_examples" % program)
        if not demos[program]:
            fail("kata(): demo '%s' needs a sentence saying what it shows" % program)

    solution_package = "//solutions/%s:__pkg__" % _kata_dir()
    shared_visibility = [solution_package]

    # The header alone, for the starter and the solution to implement.
    # mp::NotImplemented comes with it: starters throw it, and examples may
    # catch it to say what is not written yet.
    cc_library(
        name = "api",
        hdrs = hdrs,
        deps = deps + ["//common:not_implemented"] + ["//solutions/%s:lib" % kata for kata in uses],
        visibility = shared_visibility,
    )

    # Sources written once and shared with the solution's package.
    native.filegroup(
        name = "test_srcs",
        srcs = tests,
        visibility = shared_visibility,
        testonly = True,
    )
    cc_library(
        name = "test_support",
        testonly = True,
        deps = _TEST_SUPPORT + test_deps,
        visibility = shared_visibility,
    )
    examples = dict(more_examples)
    if example:
        examples["example"] = example
    for program, source in examples.items():
        native.filegroup(
            name = program + "_srcs",
            srcs = [source],
            visibility = shared_visibility,
        )

    _kata_targets(
        srcs = srcs,
        deps = [":api"] + _LEARNER_DEPS,
        test_srcs = ":test_srcs",
        test_support = ":test_support",
        examples = {program: ":%s_srcs" % program for program in examples},
        # tools/kata and tools/grade read these with `bazel query`.
        tags = ["kata", "kata_starter=" + starter_fails_with] + ["kata_config=" + config for config in configs] +
               ["kata_demo=%s: %s" % (program, sentence) for program, sentence in demos.items()],
        **kwargs
    )

def kata_solution(srcs, deps = [], examples = ["example"], **kwargs):
    """Declares the reference solution in solutions/NN_name/.

    The header, tests and example come from katas/NN_name/; the configs the
    solution must pass are the kata's.

    Args:
      srcs: the solution's source files, named as the starter's.
      deps: libraries the solution needs besides the kata's header.
      examples: the kata's example programs to build here, by target name.
      **kwargs: passed on to the cc_test.
    """
    kata_package = "//katas/%s" % _kata_dir()
    _kata_targets(
        srcs = srcs,
        deps = [kata_package + ":api"] + deps,
        test_srcs = kata_package + ":test_srcs",
        test_support = kata_package + ":test_support",
        examples = {program: "%s:%s_srcs" % (kata_package, program) for program in examples},
        tags = ["kata_solution"],
        **kwargs
    )

def _kata_targets(srcs, deps, test_srcs, test_support, examples, tags, **kwargs):
    # Later katas may build on a reference solution (see `uses`), and the
    # benchmarks measure the reference solutions.
    cc_library(
        name = "lib",
        srcs = srcs,
        deps = deps,
        visibility = [
            "//katas:__subpackages__",
            "//solutions:__subpackages__",
            "//tools/bench:__pkg__",
        ],
    )
    cc_test(
        name = "test",
        srcs = [test_srcs],
        deps = [":lib", test_support],
        size = kwargs.pop("size", "small"),
        tags = tags,
        **kwargs
    )
    for program, program_srcs in examples.items():
        cc_binary(
            name = program,
            srcs = [program_srcs],
            deps = [":lib"],
        )
