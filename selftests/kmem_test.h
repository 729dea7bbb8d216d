/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the kmem-rs test programs: a growable byte buffer, and a
 * snapshot of what a kmem device changes in the system.
 */
#ifndef KMEM_TEST_H
#define KMEM_TEST_H

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest.h"

struct buf {
	char *p;
	size_t len, cap;
};

static inline void buf_add(struct buf *b, const void *p, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		b->cap = (b->len + len + 1) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			ksft_exit_fail_msg("out of memory\n");
	}
	memcpy(b->p + b->len, p, len);
	b->len += len;
	b->p[b->len] = '\0';
}

static inline void buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* Appends a whole file; "(missing)" if it cannot be read. */
static inline void buf_file(struct buf *b, const char *path)
{
	char chunk[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		buf_str(b, "(missing)\n");
		return;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_add(b, chunk, n);
	close(fd);
}

/* Reads a number in BASE (0: decimal, or hex with 0x) from a file; -1 if none. */
static inline long long read_num(const char *path, int base)
{
	char s[64] = "";
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	if (read(fd, s, sizeof(s) - 1) < 0)
		s[0] = '\0';
	close(fd);
	return s[0] ? strtoll(s, NULL, base) : -1;
}

/*
 * The memory blocks a snapshot reads the state of: those of DEV's range,
 * found once by snap_init(). Reading every block's state after every write
 * costs half a second in the TCG guest.
 */
static long snap_first_block, snap_last_block;

static inline void snap_init(const char *dev)
{
	char path[256];
	long long start, size, bs;

	snprintf(path, sizeof(path), "/sys/bus/dax/devices/%s/resource", dev);
	start = read_num(path, 0);
	snprintf(path, sizeof(path), "/sys/bus/dax/devices/%s/size", dev);
	size = read_num(path, 0);
	bs = read_num("/sys/devices/system/memory/block_size_bytes", 16);
	if (start < 0 || size <= 0 || bs <= 0)
		ksft_exit_fail_msg("cannot read %s's range or the block size\n", dev);
	snap_first_block = start / bs;
	snap_last_block = (start + size - 1) / bs;
}

/*
 * What a kmem device changes in the system: DEV's driver and state,
 * /proc/iomem (where any memory added shows), and the state of each block of
 * DEV's range (snap_init() must have run).
 */
static inline void snapshot(const char *dev, struct buf *b)
{
	char path[512], link[256];
	ssize_t n;
	long i;

	b->len = 0;
	buf_str(b, "driver: ");
	snprintf(path, sizeof(path), "/sys/bus/dax/devices/%s/driver", dev);
	n = readlink(path, link, sizeof(link) - 1);
	link[n < 0 ? 0 : n] = '\0';
	buf_str(b, strrchr(link, '/') ? strrchr(link, '/') + 1 : "(none)");
	buf_str(b, "\nstate: ");
	snprintf(path, sizeof(path), "/sys/bus/dax/devices/%s/state", dev);
	buf_file(b, path);
	buf_file(b, "/proc/iomem");
	for (i = snap_first_block; i <= snap_last_block; i++) {
		snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%ld/state", i);
		snprintf(link, sizeof(link), "memory%ld ", i);
		buf_str(b, link);
		buf_file(b, path);
	}
}

static inline bool snap_equal(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && !memcmp(a->p, b->p, a->len);
}

#endif
