/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmem-rs C shim: what only C can express (the sysfs attribute group built by
 * DEVICE_ATTR_RW()/ATTRIBUTE_GROUPS(), and static inline accessors that
 * bindgen cannot call). No decisions are taken here.
 */
#ifndef KMEM_SHIM_H
#define KMEM_SHIM_H

#include <linux/device.h>
#include <linux/mm.h>
#include <linux/sysfs.h>

/* Implemented in Rust, src/state.rs: the daxX.Y/state attribute. */
ssize_t kmem_rs_state_show(struct device *dev, char *buf);
ssize_t kmem_rs_state_store(struct device *dev, const char *buf, size_t len);

/* The driver's dev_groups: the "state" attribute of a bound device. */
const struct attribute_group **kmem_shim_dev_groups(void);

/* page_zonenum(), a static inline: the zone a page belongs to. */
enum zone_type kmem_shim_page_zonenum(const struct page *page);

#endif /* KMEM_SHIM_H */
