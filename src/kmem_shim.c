// SPDX-License-Identifier: GPL-2.0
/*
 * kmem-rs C shim: the daxX.Y/state attribute group. DEVICE_ATTR_RW() and
 * ATTRIBUTE_GROUPS() are macros that build static tables; the show/store
 * callbacks forward to Rust unchanged. And page_zonenum(), a static inline,
 * as a function.
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

enum zone_type kmem_shim_page_zonenum(const struct page *page)
{
	return page_zonenum(page);
}
