// SPDX-License-Identifier: GPL-2.0
/*
 * kmem-rs C shim of the extras (see kmem_shim.h): the debugfs view's file
 * operations, the driver attribute node_adistance, and static inlines as
 * functions. Built only with EXTRAS=1.
 */
#include "../kmem_shim.h"

/* kmem_rs_view_open() and kmem_rs_view_fops, owned by THIS_MODULE. */
DEFINE_SHOW_ATTRIBUTE(kmem_rs_view);

struct dentry *kmem_shim_debugfs_create_dir(const char *name,
					    struct dentry *parent)
{
	return debugfs_create_dir(name, parent);
}

struct dentry *kmem_shim_debugfs_create_view(const char *name,
					     struct dentry *parent, void *data)
{
	return debugfs_create_file(name, 0444, parent, data, &kmem_rs_view_fops);
}

void kmem_shim_debugfs_remove(struct dentry *dentry)
{
	debugfs_remove(dentry);
}

enum zone_type kmem_shim_page_zonenum(const struct page *page)
{
	return page_zonenum(page);
}

bool kmem_shim_try_module_get(struct module *module)
{
	return try_module_get(module);
}

void kmem_shim_module_put(struct module *module)
{
	module_put(module);
}

/*
 * PageVmemmapSelfHosted() without PF_ANY's poison check: the caller reads
 * blocks that may be offlined meanwhile, whose memory map offlining poisons.
 */
bool kmem_shim_page_vmemmap_self_hosted(const struct page *page)
{
#ifdef CONFIG_MHP_MEMMAP_ON_MEMORY
	return test_bit(PG_vmemmap_self_hosted, &page->flags.f);
#else
	return false;
#endif
}

bool kmem_shim_node_has_memory(int nid)
{
	return node_state(nid, N_MEMORY);
}

unsigned long kmem_shim_zone_free_pages(int nid, int zone)
{
	return zone_page_state(&NODE_DATA(nid)->node_zones[zone], NR_FREE_PAGES);
}

unsigned long kmem_shim_zone_managed_pages(int nid, int zone)
{
	return zone_managed_pages(&NODE_DATA(nid)->node_zones[zone]);
}

unsigned long kmem_shim_zone_low_wmark(int nid, int zone)
{
	return low_wmark_pages(&NODE_DATA(nid)->node_zones[zone]);
}

unsigned long kmem_shim_zone_file_pages(int nid, int zone)
{
	struct zone *z = &NODE_DATA(nid)->node_zones[zone];

	return zone_page_state(z, NR_ZONE_ACTIVE_FILE) +
	       zone_page_state(z, NR_ZONE_INACTIVE_FILE);
}

long kmem_shim_nr_swap_pages(void)
{
	return get_nr_swap_pages();
}

/* The driver attribute node_adistance (src/extras/tier.rs). */
static ssize_t node_adistance_show(struct device_driver *drv, char *buf)
{
	return kmem_rs_node_adistance_show(buf);
}

static ssize_t node_adistance_store(struct device_driver *drv, const char *buf,
				    size_t len)
{
	return kmem_rs_node_adistance_store(buf, len);
}

static DRIVER_ATTR_RW(node_adistance);

static struct attribute *kmem_drv_attrs[] = {
	&driver_attr_node_adistance.attr,
	NULL,
};
ATTRIBUTE_GROUPS(kmem_drv);

const struct attribute_group **kmem_shim_driver_groups(void)
{
	return kmem_drv_groups;
}

