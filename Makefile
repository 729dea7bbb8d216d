# SPDX-License-Identifier: GPL-2.0
#
# kmem-rs: top-level entry points.
#
#   make            build kmem.ko against the cached debug kernel (built on first use)
#   make check      set up, build, boot the guest, run every test (debug kernel)
#   make check T=view.sh [S=SESSION]
#                   only that test (or tests), in the first session running it
#   make check KERNEL=patched
#                   the same on the debug kernel with kernel/patches/ applied
#                   (built and cached like the others on first use)
#   make check EXTRAS=0
#                   the same with the module built with EXTRAS=0: the tests
#                   skip the checks of our extras, each skip named
#   make progs      build the guest's static test programs and the test-only
#                   modules kmem_test_claim.ko and kmem_test_dax.ko, a driver
#                   on our dax adapter (build/selftests)
#   make stress     the reliability tests with longer counts (200 cycles)
#   make demo       bind dax0.0 to our driver in a guest and show what changes
#                   (PMEM=cxl: a CXL memory expander, region to online node)
#   make bench      our kmem against the C kmem in one release-kernel boot:
#                   table, out/bench/bench.json and bench.svg
#                   (ROUNDS=15 SIZES="1G 4G 16G 64G" MULTI=2G; the guest's
#                   clock counts instructions, ICOUNT=0 for the host's clock:
#                   see Documentation/bench.rst)
#   make rust-analyzer  write rust-project.json (the crate, the kernel crates)
#                   for an editor, against the kernel in use
#   make configs    build the module against kernels without MEMORY_HOTREMOVE,
#                   NUMA and MODULE_UNLOAD (config parity with the C kmem)
#   make EXTRAS=0   build the C-parity driver alone (no debugfs view, kept
#                   memory or conflict report: src/parity.rs for src/extras/),
#                   in build/FLAVOR-parity
#   make CLIPPY=1   build with clippy
#   make install    check the kernel's config, build, install kmem.ko into
#                   /lib/modules/KVER/updates/ (before the C kmem) and depmod;
#                   INSTALL_MOD_PATH=DIR stages under DIR (scripts/install.sh)
#   make uninstall  remove it again and depmod: modprobe finds the C kmem
#   make clean      remove the module build output
#
# KDIR=/path/to/kernel/build builds against your own Rust-enabled kernel
# instead of the cached one. FLAVOR=release selects the benchmark kernel,
# FLAVOR=patched the debug kernel with kernel/patches/.

.DEFAULT_GOAL := all
FLAVOR ?= debug
LLVM ?= -19
export KMEM_LLVM := $(LLVM)
# EXTRAS=0 builds the C-parity driver alone (same module name, kmem), in a
# build directory of its own.
EXTRAS ?= 1
export KMEM_EXTRAS := $(EXTRAS)
parity := $(if $(filter 0,$(EXTRAS)),-parity)

ifdef KDIR
OUT ?= $(CURDIR)/build/custom$(parity)
kernel:
	@echo "[kmem-rs] using your kernel build KDIR=$(KDIR)"
else
OUT ?= $(CURDIR)/build/$(FLAVOR)$(parity)
# Recursively expanded: only computed when a recipe needs it.
KDIR = $(shell scripts/build-kernel.sh --print --flavor $(FLAVOR))
kernel: setup
	@scripts/build-kernel.sh --flavor $(FLAVOR) >/dev/null
endif

all: module

setup:
	@scripts/setup-host.sh

module: kernel
	@mkdir -p $(OUT)
	$(MAKE) -C $(KDIR) M=$(CURDIR) MO=$(OUT) LLVM=$(LLVM) modules

# The kernel source is fetched along with the kernel build.
progs: kernel
	@$(MAKE) --no-print-directory -C selftests OUT=$(CURDIR)/build/selftests \
		KSFT_INC=$$(cat $${KMEM_CACHE:-$${XDG_CACHE_HOME:-$$HOME/.cache}/kmem-rs}/src/current)/tools/testing/selftests
	@mkdir -p $(CURDIR)/build/claim-$(FLAVOR)
	$(MAKE) -C $(KDIR) M=$(CURDIR)/selftests/claim MO=$(CURDIR)/build/claim-$(FLAVOR) LLVM=$(LLVM) modules
	@cp $(CURDIR)/build/claim-$(FLAVOR)/kmem_test_claim.ko $(CURDIR)/build/selftests/
	@mkdir -p $(CURDIR)/build/dax_sample-$(FLAVOR)
	$(MAKE) -C $(KDIR) M=$(CURDIR)/selftests/dax_sample MO=$(CURDIR)/build/dax_sample-$(FLAVOR) LLVM=$(LLVM) modules
	@cp $(CURDIR)/build/dax_sample-$(FLAVOR)/kmem_test_dax.ko $(CURDIR)/build/selftests/

# KERNEL=patched runs the tests on the debug kernel with kernel/patches/.
KERNEL ?= debug
check:
ifdef T
	scripts/one-test.sh --flavor $(KERNEL) --extras $(EXTRAS) $(if $(S),--session $(S)) $(T)
else
	scripts/run-tests.sh --flavor $(KERNEL) --extras $(EXTRAS)
endif

stress:
	scripts/run-tests.sh --flavor debug --sessions selftests/sessions.stress

reference:
	scripts/run-tests.sh --flavor debug --sessions selftests/sessions.reference

demo:
	PMEM=$(PMEM) scripts/demo.sh

configs: setup
	scripts/build-configs.sh

# The kernel writes rust-project.json for its own crates into OUT; ours is
# added to it (scripts/rust-project.py) and the file copied to the top.
rust-analyzer: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) MO=$(OUT) LLVM=$(LLVM) rust-analyzer
	python3 scripts/rust-project.py $(OUT)/rust-project.json $(CURDIR) $(OUT)/src/generated
	cp $(OUT)/rust-project.json $(CURDIR)/rust-project.json

# The config is checked first: a kernel the module cannot go into is refused
# before anything is built.
install: kernel
	@scripts/install.sh check $(KDIR)
	@$(MAKE) --no-print-directory module
	@scripts/install.sh install $(KDIR) $(OUT)

uninstall:
	@scripts/install.sh uninstall $(KDIR)

ROUNDS ?= 15
SIZES ?= 1G 4G 16G 64G
MULTI ?= 2G
ICOUNT ?= 1
bench:
	scripts/bench.sh --rounds $(ROUNDS) --sizes "$(SIZES)" --multi $(MULTI) $(if $(filter 1,$(ICOUNT)),--icount)

clean:
	rm -rf $(CURDIR)/build $(CURDIR)/src/generated $(CURDIR)/rust-project.json

.PHONY: all setup kernel module progs check stress reference demo bench configs rust-analyzer \
	install uninstall clean
