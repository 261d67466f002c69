"""The kata() and kata_solution() macros: one kata, a few BUILD lines.

A kata lives in katas/NN_name/ and its reference solution in
solutions/NN_name/. The header, the tests and the example program are
written once, in the kata's folder; what differs is only the learner's
source files (the starter) and the solution's files of the same names.

katas/05_lock/BUILD:

    load("//tools:kata.bzl", "kata")

    kata(
        hdrs = ["lock.h"],
        srcs = ["lock.cc"],            # the starter: the learner edits these
        tests = ["lock_test.cc"],
        example = "example.cc",
        configs = ["tsan"],            # sanitizer configs the kata must pass
    )

solutions/05_lock/BUILD:

    load("//tools:kata.bzl", "kata_solution")

    kata_solution(srcs = ["lock.cc"])  # same names as the starter's

Both make the same targets, so every command works on either folder:

    :test      the kata's tests, linked with this folder's sources
    :example   the kata's example program (`bazel run`)
    :lib       this folder's implementation of the header

The kata's `configs` are recorded on its :test as tags `kata_config=NAME`;
tools/test and tools/kata read them with `bazel query` and run the kata,
and its solution, under each (tsan for 02_unlocked_counter, say). Every
kata's solution is also run under asan and ubsan whatever it declares.
"""

load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_library", "cc_test")

# Sanitizer configs defined in .bazelrc that a kata may declare.
KNOWN_CONFIGS = ["tsan", "asan", "ubsan"]

# What every kata test links besides its own sources.
_TEST_SUPPORT = [
    "//common/testing:child_process_guard",
    "//common/testing:start_barrier",
    "//common/testing:test_main",
    "@com_google_googletest//:gtest",
]

def _kata_dir():
    return native.package_name().split("/")[-1]

def kata(
        hdrs,
        srcs,
        tests,
        example = None,
        deps = [],
        test_deps = [],
        configs = [],
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
      deps: libraries the header needs (for both starter and solution).
      test_deps: libraries the tests need besides GoogleTest and common/testing.
      configs: sanitizer configs (from .bazelrc) the kata must pass, besides
        the plain build; tools/test and tools/kata run them by default.
      **kwargs: passed on to the cc_test (for example `size`, `shard_count`).
    """
    for config in configs:
        if config not in KNOWN_CONFIGS:
            fail("kata(): unknown config '%s'; known: %s" % (config, ", ".join(KNOWN_CONFIGS)))

    solution_package = "//solutions/%s:__pkg__" % _kata_dir()
    shared_visibility = [solution_package]

    # The header alone, for the starter and the solution to implement.
    # mp::NotImplemented comes with it: starters throw it, and examples may
    # catch it to say what is not written yet.
    cc_library(
        name = "api",
        hdrs = hdrs,
        deps = deps + ["//common:not_implemented"],
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
    if example:
        native.filegroup(
            name = "example_srcs",
            srcs = [example],
            visibility = shared_visibility,
        )

    _kata_targets(
        srcs = srcs,
        deps = [":api"],
        test_srcs = ":test_srcs",
        test_support = ":test_support",
        example_srcs = ":example_srcs" if example else None,
        tags = ["kata"] + ["kata_config=" + config for config in configs],
        **kwargs
    )

def kata_solution(srcs, deps = [], **kwargs):
    """Declares the reference solution in solutions/NN_name/.

    The header, tests and example come from katas/NN_name/; the configs the
    solution must pass are the kata's.

    Args:
      srcs: the solution's source files, named as the starter's.
      deps: libraries the solution needs besides the kata's header.
      **kwargs: passed on to the cc_test.
    """
    kata_package = "//katas/%s" % _kata_dir()
    _kata_targets(
        srcs = srcs,
        deps = [kata_package + ":api"] + deps,
        test_srcs = kata_package + ":test_srcs",
        test_support = kata_package + ":test_support",
        example_srcs = kata_package + ":example_srcs",
        tags = ["kata_solution"],
        **kwargs
    )

def _kata_targets(srcs, deps, test_srcs, test_support, example_srcs, tags, **kwargs):
    cc_library(
        name = "lib",
        srcs = srcs,
        deps = deps,
        visibility = ["//visibility:private"],
    )
    cc_test(
        name = "test",
        srcs = [test_srcs],
        deps = [":lib", test_support],
        size = kwargs.pop("size", "small"),
        tags = tags,
        **kwargs
    )
    if example_srcs:
        cc_binary(
            name = "example",
            srcs = [example_srcs],
            deps = [":lib"],
        )
