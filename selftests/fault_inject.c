// SPDX-License-Identifier: GPL-2.0
/*
 * Systematic fault injection into binding a device to kmem and into its
 * state writes, with /proc/thread-self/fail-nth.
 *
 *   fault_inject DEV MAX
 *
 * DEV must be unbound, on a dax region whose devices kmem matches by type
 * (hmem), and fault injection set up quiet (fault_inject.sh does that).
 *
 * For each operation, and for N = 1, 2, ...: make the Nth allocation that
 * fault injection is set to fail (fault_inject.sh: every slab allocation) of
 * that one write(2) fail, then check the system. The loop ends when
 * an operation completes before reaching its Nth allocation: then N - 1
 * failure points were exercised. The operations:
 *   bind      DEV to kmem through the driver's bind (request, add, online);
 *   online    DEV/state = online_movable, from unplugged;
 *   unplug    DEV/state = unplugged, from online_movable.
 * After a failed write, the device must be as before the write: unbound
 * (bind) or in its previous state, with /proc/iomem and the state of DEV's
 * memory blocks unchanged. After a write that succeeded although a fault was
 * injected (the kernel tolerated it), the operation is undone without faults
 * and the system must be back where it was. At the end, a clean bind and
 * unbind must work and leave /proc/iomem as at the start.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>

#include "kmem_test.h"

#define KMEM "/sys/bus/dax/drivers/kmem"

static const char *dev;
static char state_path[256];
static int max_n;

static long write_path(const char *path, const char *s)
{
	ssize_t r;
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return -errno;
	r = write(fd, s, strlen(s));
	if (r < 0)
		r = -errno;
	close(fd);
	return r;
}

/*
 * Writes S to PATH with the Nth allocation of the write failing; sets
 * *injected if that allocation was reached. The file is opened, and the
 * fault disarmed, outside the faulted write.
 */
static long faulted_write(const char *path, const char *s, int n, bool *injected)
{
	char num[16];
	ssize_t r;
	int fd = open(path, O_WRONLY), nth = open("/proc/thread-self/fail-nth", O_RDWR);

	if (fd < 0 || nth < 0)
		ksft_exit_fail_msg("open %s or fail-nth: %s\n", path, strerror(errno));
	snprintf(num, sizeof(num), "%d", n);
	if (write(nth, num, strlen(num)) < 0)
		ksft_exit_fail_msg("arming fail-nth: %s\n", strerror(errno));
	r = write(fd, s, strlen(s));
	if (r < 0)
		r = -errno;
	memset(num, 0, sizeof(num));
	if (pread(nth, num, sizeof(num) - 1, 0) < 0)
		ksft_exit_fail_msg("reading fail-nth: %s\n", strerror(errno));
	*injected = atoi(num) == 0;
	if (write(nth, "0", 1) < 0)
		ksft_exit_fail_msg("disarming fail-nth: %s\n", strerror(errno));
	close(nth);
	close(fd);
	return r;
}

struct op {
	const char *name;
	/* What the faulted write does, and its undoing when it succeeds. */
	const char *path, *value;
	const char *undo_path, *undo_value;
	/* What the device's driver and state must be before and after a failure. */
	const char *before;
};

struct result {
	int points, failed, tolerated, bad;
	int errnos[4]; /* ENOMEM, EBUSY, EINVAL, other */
};

static void count_errno(struct result *res, long r)
{
	res->errnos[r == -ENOMEM ? 0 : r == -EBUSY ? 1 : r == -EINVAL ? 2 : 3]++;
}

static void bad(struct result *res, const struct op *op, int n, const char *why, long r)
{
	if (res->bad++ < 10)
		ksft_print_msg("%s, fault at allocation %d (write returned %ld): %s\n",
			       op->name, n, r, why);
}

static void run(const struct op *op, struct result *res)
{
	struct buf before = { 0 }, after = { 0 };
	int n;

	snapshot(dev, &before);
	if (!strstr(before.p, op->before))
		ksft_exit_fail_msg("%s: %s is not as it should be before: %.80s\n", op->name, dev, before.p);
	for (n = 1; n <= max_n; n++) {
		bool injected;
		long r = faulted_write(op->path, op->value, n, &injected);

		if (!injected) {
			/* No Nth allocation: the operation ran to its end. */
			if (r < 0)
				bad(res, op, n, "failed with no fault injected", r);
			break;
		}
		res->points++;
		if (res->points % 50 == 0)
			ksft_print_msg("%s: %d failure points so far\n", op->name, res->points);
		if (r < 0) {
			res->failed++;
			count_errno(res, r);
			snapshot(dev, &after);
			if (!snap_equal(&after, &before)) {
				bad(res, op, n, "the system is not as before the write", r);
				snapshot(dev, &before);
			}
			continue;
		}
		/* The kernel absorbed the failure: undo the operation. */
		res->tolerated++;
		if (write_path(op->undo_path, op->undo_value) < 0)
			bad(res, op, n, "succeeded, and then cannot be undone", r);
		snapshot(dev, &after);
		if (!snap_equal(&after, &before)) {
			bad(res, op, n, "succeeded; undone, the system is not as before", r);
			snapshot(dev, &before);
		}
	}
	if (n > max_n)
		bad(res, op, n, "still reaching new allocations: raise MAX", 0);
	/* The last write succeeded without a fault: leave its result. */
	free(before.p);
	free(after.p);
}

static void report(const struct op *op, const struct result *res)
{
	ksft_test_result(res->points > 0 && !res->bad,
			 "%s: %d failure points, each failed cleanly (%d: ENOMEM %d, EBUSY %d, EINVAL %d, other %d) or was absorbed and undone (%d); then it succeeded\n",
			 op->name, res->points, res->failed, res->errnos[0], res->errnos[1],
			 res->errnos[2], res->errnos[3], res->tolerated);
}

int main(int argc, char **argv)
{
	struct buf start = { 0 }, end = { 0 };
	char bind[] = KMEM "/bind", unbind[] = KMEM "/unbind";
	struct result res[3] = { 0 };
	struct op ops[3];
	int i;

	if (argc < 3)
		ksft_exit_fail_msg("usage: %s DEV MAX\n", argv[0]);
	dev = argv[1];
	max_n = atoi(argv[2]);
	snprintf(state_path, sizeof(state_path), "/sys/bus/dax/devices/%s/state", dev);
	setvbuf(stdout, NULL, _IOLBF, 0);
	ops[0] = (struct op){ "bind", bind, dev, unbind, dev, "driver: (none)\n" };
	ops[1] = (struct op){ "online", state_path, "online_movable", state_path, "unplugged",
			      "driver: kmem\nstate: unplugged\n" };
	ops[2] = (struct op){ "unplug", state_path, "unplugged", state_path, "online_movable",
			      "driver: kmem\nstate: online_movable\n" };

	ksft_print_header();
	ksft_set_plan(5);
	snap_init(dev);
	snapshot(dev, &start);

	/* bind: leaves DEV bound, in the system's default online state. */
	run(&ops[0], &res[0]);
	report(&ops[0], &res[0]);
	/* Unbinding with memory online would strand it: unplug first. */
	write_path(state_path, "unplugged");
	/* online, from unplugged; then unplug, from online_movable. */
	run(&ops[1], &res[1]);
	report(&ops[1], &res[1]);
	run(&ops[2], &res[2]);
	report(&ops[2], &res[2]);

	ksft_test_result(write_path(unbind, dev) > 0 && (snapshot(dev, &end), snap_equal(&start, &end)),
			 "unbind: the system is as before the first bind\n");
	ksft_test_result(write_path(bind, dev) > 0 && write_path(state_path, "unplugged") > 0 &&
			 write_path(unbind, dev) > 0,
			 "a clean bind, unplug and unbind work after %d injected faults\n",
			 res[0].points + res[1].points + res[2].points);
	for (i = 0; i < 3; i++)
		ksft_print_msg("%s: %d failure points\n", ops[i].name, res[i].points);
	ksft_finished();
}
