// SPDX-License-Identifier: GPL-2.0
/*
 * kmem_test_claim: a test-only module for kmem-rs's conflict diagnostics
 * (selftests/conflict.sh). Loading it claims [start, start + size) of the
 * physical address space as a BUSY iomem region named @name, the way a
 * driver owning that memory would; with private=1 the region is described as
 * device-private memory (IORES_DESC_DEVICE_PRIVATE_MEMORY), as
 * request_free_mem_region() describes the regions of device-private drivers.
 * Unloading releases it. Never load it outside the tests.
 */
#include <linux/ioport.h>
#include <linux/module.h>

static unsigned long long start;
module_param(start, ullong, 0444);
MODULE_PARM_DESC(start, "first byte of the region to claim");

static unsigned long long size;
module_param(size, ullong, 0444);
MODULE_PARM_DESC(size, "bytes to claim");

static bool private;
module_param(private, bool, 0444);
MODULE_PARM_DESC(private, "describe the region as device-private memory");

static char *name = "kmem_test_claim";
module_param(name, charp, 0444);
MODULE_PARM_DESC(name, "the region's name");

static struct resource *res;

static int __init kmem_test_claim_init(void)
{
	if (!size)
		return -EINVAL;
	res = request_mem_region(start, size, name);
	if (!res)
		return -EBUSY;
	if (private)
		res->desc = IORES_DESC_DEVICE_PRIVATE_MEMORY;
	return 0;
}
module_init(kmem_test_claim_init);

static void __exit kmem_test_claim_exit(void)
{
	release_mem_region(start, size);
}
module_exit(kmem_test_claim_exit);

MODULE_DESCRIPTION("kmem-rs test helper: claim an iomem region");
MODULE_LICENSE("GPL");
