#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Adds the kmem crate to the rust-project.json that the kernel's
`make M=... rust-analyzer` wrote for this external module.

The kernel's generator (scripts/generate_rust_analyzer.py) finds an
external crate root only next to a Makefile or Kbuild that names its object;
ours is src/kmem.rs, named by the top-level Kbuild as src/kmem.o, so it is
left out. This adds it with the dependencies and cfgs the kernel gives its
own driver crates, and KMEM_GENERATED, which src/bindings.rs includes from.

    scripts/rust-project.py JSON SRC_DIR GENERATED_DIR
"""
import json
import sys


def main() -> None:
    path, src, generated = sys.argv[1:4]
    with open(path, encoding="utf-8") as f:
        project = json.load(f)
    crates = project["crates"]
    index = {c.get("display_name"): i for i, c in enumerate(crates)}
    kernel = crates[index["kernel"]]
    root = f"{src}/src/kmem.rs"
    crates[:] = [c for c in crates if c["root_module"] != root]
    deps = ["core", "kernel", "pin_init", "ffi", "macros", "bindings"]
    crates.append({
        "display_name": "kmem",
        "root_module": root,
        "is_workspace_member": True,
        "deps": [{"crate": index[d], "name": d} for d in deps],
        "cfg": kernel["cfg"],
        "edition": kernel.get("edition", "2021"),
        "env": {**kernel.get("env", {}), "KMEM_GENERATED": generated},
        "source": {"include_dirs": [f"{src}/src", generated], "exclude_dirs": []},
    })
    with open(path, "w", encoding="utf-8") as f:
        json.dump(project, f, sort_keys=True, indent=4)
        f.write("\n")


if __name__ == "__main__":
    main()
