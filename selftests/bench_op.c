// SPDX-License-Identifier: GPL-2.0
/*
 * bench_op: one timed operation for the kmem-rs benchmark (bench.sh), so that
 * the time measured is the system call alone and not a shell's fork and exec.
 *
 *   bench_op write FILE VALUE     open FILE, write VALUE, close
 *   bench_op load KO [PARAMS]     finit_module(KO, PARAMS)
 *   bench_op unload NAME          delete_module(NAME)
 *
 * Prints "NANOSECONDS ERRNO" (ERRNO 0 on success), measured with
 * CLOCK_MONOTONIC around the system calls, and exits 0 if the operation
 * succeeded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int op_write(const char *path, const char *value)
{
	size_t len = strlen(value);
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return errno;
	if (write(fd, value, len) != (ssize_t)len) {
		int err = errno ? errno : EIO;

		close(fd);
		return err;
	}
	return close(fd) ? errno : 0;
}

static int op_load(const char *path, const char *params)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return errno;
	if (syscall(SYS_finit_module, fd, params, 0))
		err = errno;
	close(fd);
	return err;
}

static int op_unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? errno : 0;
}

int main(int argc, char **argv)
{
	long long t0, t1;
	int err;

	if (argc >= 4 && !strcmp(argv[1], "write")) {
		t0 = now_ns();
		err = op_write(argv[2], argv[3]);
		t1 = now_ns();
	} else if (argc >= 3 && !strcmp(argv[1], "load")) {
		t0 = now_ns();
		err = op_load(argv[2], argc >= 4 ? argv[3] : "");
		t1 = now_ns();
	} else if (argc >= 3 && !strcmp(argv[1], "unload")) {
		t0 = now_ns();
		err = op_unload(argv[2]);
		t1 = now_ns();
	} else {
		fprintf(stderr, "usage: %s write FILE VALUE | load KO [PARAMS] | unload NAME\n",
			argv[0]);
		return 2;
	}
	printf("%lld %d\n", t1 - t0, err);
	return err ? 1 : 0;
}
