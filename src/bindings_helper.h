/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Headers bindgen reads for kmem-rs (see Kbuild and src/bindgen_parameters).
 */
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/memory-tiers.h>
#include "bus.h"
#include "dax-private.h"
#include "kmem_shim.h"

/*
 * Macros bindgen cannot evaluate (casts, BIT()), as typed constants, the way
 * rust/bindings/bindings_helper.h does it for the kernel crate.
 */
const mhp_t KMEM_CONST_MHP_NID_IS_MGID = MHP_NID_IS_MGID;
const mhp_t KMEM_CONST_MHP_MEMMAP_ON_MEMORY = MHP_MEMMAP_ON_MEMORY;
const int KMEM_CONST_MEMTIER_ADISTANCE_DRAM = MEMTIER_ADISTANCE_DRAM;
const int KMEM_CONST_MEMTIER_CHUNK_BITS = MEMTIER_CHUNK_BITS;
const int KMEM_CONST_DAX_KMEM_UNPLUGGED = DAX_KMEM_UNPLUGGED;
