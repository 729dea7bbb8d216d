/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmem-rs C shim: what only C can express, and no decisions. The sysfs
 * attribute group built by DEVICE_ATTR_RW()/ATTRIBUTE_GROUPS(); the debugfs
 * file operations built by DEFINE_SHOW_ATTRIBUTE(), whose owner is
 * THIS_MODULE; and, as functions, the kernel calls that are static inlines
 * in some configurations (stubs without CONFIG_MEMORY_HOTREMOVE,
 * CONFIG_NUMA, CONFIG_DEBUG_FS or CONFIG_MODULE_UNLOAD), so that the Rust
 * side builds wherever drivers/dax/kmem.c builds.
 */
#ifndef KMEM_SHIM_H
#define KMEM_SHIM_H

#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/memory_hotplug.h>
#include <linux/memory-tiers.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/module.h>
#include <linux/range.h>
#include <linux/seq_file.h>
#include <linux/swap.h>
#include <linux/sysfs.h>

/* Implemented in Rust, src/kmem.rs: the daxX.Y/state attribute. */
ssize_t kmem_rs_state_show(struct device *dev, char *buf);
ssize_t kmem_rs_state_store(struct device *dev, const char *buf, size_t len);

/* The driver's dev_groups: the "state" attribute of a bound device. */
const struct attribute_group **kmem_shim_dev_groups(void);

/*
 * The extras' (src/extras/shim.c, built with EXTRAS=1). Implemented in
 * Rust, src/extras/debugfs.rs: writes one view file.
 */
int kmem_rs_view_show(struct seq_file *m, void *v);

/* debugfs: a directory, a read-only view file, removal. */
struct dentry *kmem_shim_debugfs_create_dir(const char *name,
					    struct dentry *parent);
struct dentry *kmem_shim_debugfs_create_view(const char *name,
					     struct dentry *parent, void *data);
void kmem_shim_debugfs_remove(struct dentry *dentry);

/* The extras': static inlines (in some configurations) as functions. */
enum zone_type kmem_shim_page_zonenum(const struct page *page);
bool kmem_shim_try_module_get(struct module *module);
void kmem_shim_module_put(struct module *module);
bool kmem_shim_page_vmemmap_self_hosted(const struct page *page);
bool kmem_shim_node_has_memory(int nid);
unsigned long kmem_shim_zone_free_pages(int nid, int zone);
unsigned long kmem_shim_zone_managed_pages(int nid, int zone);
unsigned long kmem_shim_zone_low_wmark(int nid, int zone);
unsigned long kmem_shim_zone_file_pages(int nid, int zone);
long kmem_shim_nr_swap_pages(void);

/*
 * The extras': the driver's own attribute node_adistance, implemented in
 * Rust, src/extras/tier.rs.
 */
ssize_t kmem_rs_node_adistance_show(char *buf);
ssize_t kmem_rs_node_adistance_store(const char *buf, size_t len);
const struct attribute_group **kmem_shim_driver_groups(void);

/* Static inlines, or inlines in some configurations, as functions. */
int kmem_shim_remove_memory(u64 start, u64 size);
int kmem_shim_offline_and_remove_memory_ranges(const struct range *ranges,
					       unsigned int nr_ranges);
int kmem_shim_mt_calc_adistance(int node, int *adist);
struct memory_dev_type *kmem_shim_mt_find_alloc_memory_type(int adist,
							    struct list_head *types);
void kmem_shim_mt_put_memory_types(struct list_head *types);
void kmem_shim_init_node_memory_type(int node, struct memory_dev_type *type);
void kmem_shim_clear_node_memory_type(int node, struct memory_dev_type *type);

#endif /* KMEM_SHIM_H */
