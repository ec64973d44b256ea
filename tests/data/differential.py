"""Build a tree of bytecode caches with the real CPython and print the truth.

Usage: python3 differential.py ROOT

Makes caches with compileall (optimization levels 0, 1, 2 and the legacy -b
layout), adds caches of other interpreters, pytest rewrite caches, interrupted
write leftovers and odd names, then deletes, renames and re-creates sources.
Prints a JSON object: every bytecode file (relative path) -> the rule that must
report it ("PYH201" orphan, "PYH202" sourceless legacy, "PYH203" legacy beside
its source) or null when it is a live cache.

Truth: a file in __pycache__ is live iff some existing source S in the parent
folder has importlib.util.cache_from_source(S) -- computed with the file's own
tag and optimization level -- equal to it. A legacy .pyc/.pyo is sourceless iff
its .py is missing.
"""

import compileall
import importlib.util
import json
import os
import random
import shutil
import sys

ROOT = os.path.abspath(sys.argv[1])
rng = random.Random(1234)
TAG = sys.implementation.cache_tag
# Another CPython's tag besides the running one (3.12 where 3.11 runs, and vice versa).
OTHER = "cpython-311" if TAG == "cpython-312" else "cpython-312"
FOREIGN = ["cpython-36", OTHER, "pypy39", "graalpy241-311"]
PYTEST = TAG + "-pytest-8.3.2"

STEMS = [
    "mod", "Mod", "UPPER", "__init__", "__main__", "foo.bar", "a.b.c", "py", "_",
    "x1", "dash-name", "caf\u00e9", "with space", "opt", "pytest", "cpython-311",
    "v2.0", "test_thing", "conftest", "_private", "data.json",
]


def write(path, text=""):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def cache_for(source, tag, opt):
    saved = sys.implementation.cache_tag
    sys.implementation.cache_tag = tag
    try:
        return importlib.util.cache_from_source(source, optimization=opt)
    finally:
        sys.implementation.cache_tag = saved


def copy_as(src, dst):
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copyfile(src, dst)


def build():
    packages = []
    for i in range(12):
        pkg = os.path.join(ROOT, "pkg%d" % i, "sub%d" % (i % 3))
        packages.append(pkg)
        for stem in STEMS:
            write(os.path.join(pkg, stem + ".py"), "VALUE = %r\n" % stem)
    for pkg in packages:
        for level in (0, 1, 2):
            compileall.compile_dir(pkg, quiet=2, optimize=level, maxlevels=0)
    legacy = os.path.join(ROOT, "legacy")
    for stem in STEMS[:10]:
        write(os.path.join(legacy, stem + ".py"), "X = 1\n")
    compileall.compile_dir(legacy, quiet=2, legacy=True, maxlevels=0)

    # Caches of other interpreters and pytest, written by name beside the real ones.
    for pkg in packages[:6]:
        for stem in STEMS[:8]:
            src = os.path.join(pkg, stem + ".py")
            real = cache_for(src, TAG, "")
            for tag in FOREIGN:
                copy_as(real, cache_for(src, tag, ""))
            copy_as(real, cache_for(src, PYTEST, ""))
            copy_as(real, cache_for(src, OTHER, 1))
            # Python 3.2-3.4 wrote optimized caches as .pyo.
            if "." not in stem:
                copy_as(real, cache_for(src, "cpython-34", "")[:-1] + "o")
            # An interrupted atomic write.
            copy_as(real, real + ".%d" % rng.randint(1000, 99999))

    # Odd names.
    odd = os.path.join(ROOT, "odd")
    write(os.path.join(odd, "m.py"), "")
    compileall.compile_dir(odd, quiet=2, maxlevels=0)
    real = cache_for(os.path.join(odd, "m.py"), TAG, "")
    copy_as(real, os.path.join(odd, "__pycache__", "m.pyc"))          # no tag
    copy_as(real, os.path.join(odd, "__pycache__", "M.CPYTHON-311.PYC"))  # upper case
    copy_as(real, os.path.join(odd, "__pycache__", "__pycache__", "m.%s.pyc" % TAG))  # nested
    copy_as(real, os.path.join(odd, "__pycache__", "m.%s.opt-.pyc" % TAG))  # empty opt
    copy_as(real, os.path.join(odd, "__pycache__", "m.%s.opt-x_y.pyc" % TAG))  # non-alnum opt
    copy_as(real, os.path.join(odd, "__pycache__", ".%s.pyc" % TAG))  # empty stem
    copy_as(real, os.path.join(odd, "__pycache__", "m..pyc"))  # empty tag
    write(os.path.join(odd, "notapkg", "__pycache__"), "a file, not a folder")
    write(os.path.join(odd, "notapkg", "x.py"), "")
    write(os.path.join(odd, "legacy_only.pyc"), "")
    write(os.path.join(odd, "Legacy.pyo"), "")
    write(os.path.join(odd, "dotted.name.pyc"), "")
    write(os.path.join(odd, "dotted.name.py"), "")
    write(os.path.join(odd, ".py"), "")  # owns py.<tag>.pyc too
    copy_as(real, cache_for(os.path.join(odd, ".py"), TAG, ""))

    # Mutations: delete, rename, re-create.
    sources = sorted(
        os.path.join(d, f)
        for d, _, files in os.walk(ROOT)
        for f in files
        if f.endswith(".py") and "__pycache__" not in d
    )
    rng.shuffle(sources)
    deleted = sources[: len(sources) // 4]
    for path in deleted:
        os.remove(path)
    renamed = sources[len(sources) // 4 : len(sources) // 3]
    for path in renamed:
        os.rename(path, path[:-3] + "_renamed.py")
    for path in deleted[: len(deleted) // 5]:
        write(path, "# re-created\n")


def truth():
    sources_by_dir = {}
    for d, dirs, files in os.walk(ROOT):
        sources_by_dir[d] = [os.path.join(d, f) for f in files if f.endswith(".py")]
    tags = [TAG, PYTEST, "cpython-34"] + FOREIGN
    result = {}
    for d, dirs, files in os.walk(ROOT):
        for f in files:
            path = os.path.join(d, f)
            rel = os.path.relpath(path, ROOT)
            lower = f.lower()
            in_pycache = os.path.basename(d) == "__pycache__"
            is_leftover = ".pyc." in f and f.rsplit(".", 1)[1].isdigit()
            if not (lower.endswith((".pyc", ".pyo")) or is_leftover):
                continue
            if in_pycache:
                live = set()
                for src in sources_by_dir.get(os.path.dirname(d), []):
                    for tag in tags:
                        for opt in ("", 1, 2):
                            live.add(cache_for(src, tag, opt))
                        live.add(cache_for(src, tag, "")[:-1] + "o")
                result[rel] = None if path in live else "PYH201"
            elif f.endswith((".pyc", ".pyo")):
                result[rel] = "PYH203" if os.path.exists(path[:-4] + ".py") else "PYH202"
    return result


build()
json.dump(truth(), sys.stdout, indent=0, sort_keys=True)
