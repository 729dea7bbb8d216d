# SPDX-License-Identifier: GPL-2.0
#
# Bindings for the headers the kernel crate does not cover (drivers/dax/bus.h,
# drivers/dax/dax-private.h, linux/memory.h, linux/memory-tiers.h, our shim),
# generated with the kernel's own bindgen invocation and C flags, so that the
# layouts come from the same headers and configuration as the kernel's.
#
# Included by the Kbuild files of the crates that use src/bindings.rs (ours,
# and the test driver in selftests/dax_sample/), with kmem-src set to this
# directory; each makes its crate's root object depend on $(obj)/$(kmem-gen).

kmem-gen := src/generated/bindings_generated.rs
export KMEM_GENERATED := $(abspath $(obj)/src/generated)

quiet_cmd_kmem_bindgen = BINDGEN $@
      cmd_kmem_bindgen = mkdir -p $(dir $@) && \
	$(BINDGEN) $< $(shell grep -Ev '^\#|^$$' $(kmem-src)/bindgen_parameters) \
		--rust-target 1.85 --use-core --with-derive-default \
		--ctypes-prefix ffi --no-layout-tests --no-debug '.*' \
		--enable-function-attribute-detection \
		-o $@ -- $(c_flags) -fno-builtin -D__BINDGEN__ -DMODULE

$(obj)/$(kmem-gen): $(kmem-src)/bindings_helper.h $(kmem-src)/bindgen_parameters FORCE
	$(call if_changed_dep,kmem_bindgen)

targets += $(kmem-gen)
