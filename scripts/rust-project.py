#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Adds the kmem crate to the rust-project.json that the kernel's
`make M=... rust-analyzer` wrote for this external module.

The kernel's generator (scripts/generate_rust_analyzer.py) finds an
external crate root only next to a Makefile or Kbuild that names its object;
ours is src/kmem.rs, named by the top-level Kbuild as src/kmem.o, so it is
left out. This adds it with the dependencies and cfgs the kernel gives its
own driver crates, and KMEM_GENERATED, which src/bindings.rs includes from.

It also lets rust-analyzer load core, alloc, std and proc_macro from the
toolchain's sources itself ("sysroot_src") instead of as the plain crates
the generator lists: rust-analyzer 1.95 looks up the inherent methods of
built-in types (`u64::wrapping_sub`, `<[T]>::len`, `<*const T>::add`) only
in a sysroot core, and with the listed core it reported 63 "no method"
errors (E0599) over our crate; with the sysroot's, none.

    scripts/rust-project.py JSON SRC_DIR GENERATED_DIR
"""
import json
import sys


def main() -> None:
    path, src, generated = sys.argv[1:4]
    with open(path, encoding="utf-8") as f:
        project = json.load(f)
    sysroot_crates = {"core", "alloc", "std", "proc_macro"}
    old = project["crates"]
    keep = [i for i, c in enumerate(old) if c.get("display_name") not in sysroot_crates]
    renumber = {o: n for n, o in enumerate(keep)}
    crates = []
    for o in keep:
        crate = old[o]
        # A dependency on a sysroot crate is implied by "sysroot_src".
        crate["deps"] = [{"crate": renumber[d["crate"]], "name": d["name"]}
                         for d in crate["deps"] if d["crate"] in renumber]
        crates.append(crate)
    project["crates"] = crates
    project["sysroot_src"] = f"{project['sysroot']}/lib/rustlib/src/rust/library"
    index = {c.get("display_name"): i for i, c in enumerate(crates)}
    kernel = crates[index["kernel"]]
    root = f"{src}/src/kmem.rs"
    crates[:] = [c for c in crates if c["root_module"] != root]
    deps = ["kernel", "pin_init", "ffi", "macros", "bindings"]
    crates.append({
        "display_name": "kmem",
        "root_module": root,
        "is_workspace_member": True,
        "deps": [{"crate": index[d], "name": d} for d in deps],
        # As Kbuild builds it by default (EXTRAS=1): src/extras/ included.
        "cfg": kernel["cfg"] + ["kmem_extras"],
        "edition": kernel.get("edition", "2021"),
        "env": {**kernel.get("env", {}), "KMEM_GENERATED": generated},
        "source": {"include_dirs": [f"{src}/src", generated], "exclude_dirs": []},
    })
    with open(path, "w", encoding="utf-8") as f:
        json.dump(project, f, sort_keys=True, indent=4)
        f.write("\n")


if __name__ == "__main__":
    main()
