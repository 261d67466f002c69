"""A repository rule that makes Debian's rules_cc 0.0.4 load in Bazel 4.2.3.

Debian packages rules_cc 0.0.4 (`bazel-rules-cc`) in /usr/share/bazel/rules/cc,
but packages Bazel 4.2.3 (`bazel-bootstrap`). Two files of that rules_cc,
cc/private/rules_impl/{cc_flags_supplier,compiler_flag}.bzl, load
`use_cpp_toolchain` from @bazel_tools, which only Bazel 5 and later have, so a
plain `local_repository` fails at the first `load("@rules_cc//cc:defs.bzl", ...)`.

This rule links the package's files into the repository one by one and writes
those two files again with the load pointed at a small compatibility file that
defines `use_cpp_toolchain` the way Bazel 4 understands toolchains. Nothing is
downloaded: the package's own WORKSPACE (full of http_archive) is replaced too.
"""

_PATCHED_FILES = [
    "cc/private/rules_impl/cc_flags_supplier.bzl",
    "cc/private/rules_impl/compiler_flag.bzl",
]

_UPSTREAM_LOAD = 'load("@bazel_tools//tools/cpp:toolchain_utils.bzl", "find_cpp_toolchain", "use_cpp_toolchain")'

_COMPAT_LOAD = 'load("//cc/private/rules_impl:bazel4_compat.bzl", "find_cpp_toolchain", "use_cpp_toolchain")'

_COMPAT_BZL = '''"""Written by mpkata's debian_rules_cc rule: what Bazel 4.2.3 lacks."""

load("@bazel_tools//tools/cpp:toolchain_utils.bzl", _find_cpp_toolchain = "find_cpp_toolchain")

find_cpp_toolchain = _find_cpp_toolchain

def use_cpp_toolchain(mandatory = True):
    # Bazel 4 has no optional toolchains (config_common.toolchain_type):
    # the C++ toolchain type itself is what rules list.
    return ["@bazel_tools//tools/cpp:toolchain_type"]
'''

def _debian_rules_cc_impl(repository_ctx):
    source = repository_ctx.path(repository_ctx.attr.path)
    if not source.exists:
        fail("%s does not exist: install Debian's bazel-rules-cc (run tools/setup)" % source)

    listing = repository_ctx.execute(["find", ".", "-type", "f"], working_directory = str(source))
    if listing.return_code != 0:
        fail("cannot list %s: %s" % (source, listing.stderr))

    for relative in sorted(listing.stdout.splitlines()):
        relative = relative[2:]  # drop the leading "./"
        if relative in ("WORKSPACE", "WORKSPACE.bazel", "MODULE.bazel") or relative in _PATCHED_FILES:
            continue
        repository_ctx.symlink(repository_ctx.path(str(source) + "/" + relative), relative)

    for relative in _PATCHED_FILES:
        original = repository_ctx.read(repository_ctx.path(str(source) + "/" + relative))
        if _UPSTREAM_LOAD not in original:
            fail("%s no longer has the load this rule rewrites; look at tools/bazel/debian_rules_cc.bzl" % relative)
        repository_ctx.file(relative, original.replace(_UPSTREAM_LOAD, _COMPAT_LOAD), executable = False)

    repository_ctx.file("cc/private/rules_impl/bazel4_compat.bzl", _COMPAT_BZL, executable = False)
    repository_ctx.file("WORKSPACE", 'workspace(name = "%s")\n' % repository_ctx.name, executable = False)

debian_rules_cc = repository_rule(
    implementation = _debian_rules_cc_impl,
    attrs = {
        "path": attr.string(
            default = "/usr/share/bazel/rules/cc",
            doc = "Where Debian's bazel-rules-cc package put rules_cc.",
        ),
    },
    local = True,
    doc = "Debian's rules_cc, with the two loads Bazel 4.2.3 cannot resolve rewritten.",
)
