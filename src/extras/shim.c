// SPDX-License-Identifier: GPL-2.0
/*
 * kmem-rs C shim of the extras (see kmem_shim.h): the debugfs view's file
 * operations, and static inlines as functions. Built only with EXTRAS=1.
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
