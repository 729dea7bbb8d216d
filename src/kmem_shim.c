// SPDX-License-Identifier: GPL-2.0
/*
 * kmem-rs C shim (see kmem_shim.h): tables built by macros, and static
 * inlines as functions. Every function forwards its arguments unchanged.
 */
#include "kmem_shim.h"

static ssize_t state_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return kmem_rs_state_show(dev, buf);
}

static ssize_t state_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t len)
{
	return kmem_rs_state_store(dev, buf, len);
}

static DEVICE_ATTR_RW(state);

static struct attribute *dev_dax_kmem_attrs[] = {
	&dev_attr_state.attr,
	NULL,
};
ATTRIBUTE_GROUPS(dev_dax_kmem);

const struct attribute_group **kmem_shim_dev_groups(void)
{
	return dev_dax_kmem_groups;
}

int kmem_shim_remove_memory(u64 start, u64 size)
{
	return remove_memory(start, size);
}

int kmem_shim_offline_and_remove_memory_ranges(const struct range *ranges,
					       unsigned int nr_ranges)
{
	return offline_and_remove_memory_ranges(ranges, nr_ranges);
}

int kmem_shim_mt_calc_adistance(int node, int *adist)
{
	return mt_calc_adistance(node, adist);
}

struct memory_dev_type *kmem_shim_mt_find_alloc_memory_type(int adist,
							    struct list_head *types)
{
	return mt_find_alloc_memory_type(adist, types);
}

void kmem_shim_mt_put_memory_types(struct list_head *types)
{
	mt_put_memory_types(types);
}

void kmem_shim_init_node_memory_type(int node, struct memory_dev_type *type)
{
	init_node_memory_type(node, type);
}

void kmem_shim_clear_node_memory_type(int node, struct memory_dev_type *type)
{
	clear_node_memory_type(node, type);
}
