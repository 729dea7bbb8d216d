// SPDX-License-Identifier: GPL-2.0
/*
 * Fills anonymous memory on one NUMA node with a pattern that can be
 * checked page by page, and checks it later, for data_integrity.sh.
 *
 *   pattern NODE MIB
 *
 * Then reads commands, one per line, from stdin, and answers each with one
 * line on stdout:
 *   fill    map MIB of memory bound to NODE (MPOL_BIND) and write the pattern:
 *           "filled pages=P on_node=K"
 *   verify  check every page against the pattern and say where they are:
 *           "verified pages=P bad=B bytes=N nodes=N0:C0,N1:C1,..."
 *   quit    exit
 * Every 8-byte word holds a hash of the page's index, the word's index and
 * the fill's generation, so a page that is lost, zeroed, stale or moved to
 * the wrong address does not match.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MPOL_BIND 2
#define MAX_NODES 64

static long page_size;
static size_t npages;
static unsigned char *mem;
static uint64_t generation;

static uint64_t word(size_t page, size_t i)
{
	uint64_t x = (page << 20 | i) ^ (generation * 0x9e3779b97f4a7c15ULL);

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

/* The node of every page, counted into count[]; -errno pages as node -1. */
static void nodes(long count[MAX_NODES + 1])
{
	enum { CHUNK = 1024 };
	void *pages[CHUNK];
	int status[CHUNK];
	size_t p, i, n;

	memset(count, 0, sizeof(long) * (MAX_NODES + 1));
	for (p = 0; p < npages; p += n) {
		n = npages - p < CHUNK ? npages - p : CHUNK;
		for (i = 0; i < n; i++)
			pages[i] = mem + (p + i) * page_size;
		if (syscall(SYS_move_pages, 0, n, pages, NULL, status, 0) < 0) {
			count[MAX_NODES] += n;
			continue;
		}
		for (i = 0; i < n; i++)
			count[status[i] >= 0 && status[i] < MAX_NODES ? status[i] : MAX_NODES]++;
	}
}

static int fill(int node)
{
	unsigned long mask = 1UL << node;
	long count[MAX_NODES + 1];
	size_t p, i, words = page_size / 8;

	if (mem)
		munmap(mem, npages * page_size);
	generation++;
	mem = mmap(NULL, npages * page_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		mem = NULL;
		printf("error mmap: %s\n", strerror(errno));
		return -1;
	}
	if (syscall(SYS_mbind, mem, npages * page_size, MPOL_BIND, &mask, sizeof(mask) * 8, 0)) {
		printf("error mbind: %s\n", strerror(errno));
		return -1;
	}
	for (p = 0; p < npages; p++) {
		uint64_t *w = (uint64_t *)(mem + p * page_size);

		for (i = 0; i < words; i++)
			w[i] = word(p, i);
	}
	nodes(count);
	printf("filled pages=%zu on_node=%ld\n", npages, count[node]);
	return 0;
}

static void verify(void)
{
	long count[MAX_NODES + 1];
	size_t p, i, bad = 0, words = page_size / 8;
	const char *sep = "";
	int n;

	if (!mem) {
		printf("error nothing filled\n");
		return;
	}
	for (p = 0; p < npages; p++) {
		const uint64_t *w = (const uint64_t *)(mem + p * page_size);

		for (i = 0; i < words; i++)
			if (w[i] != word(p, i)) {
				bad++;
				break;
			}
	}
	nodes(count);
	printf("verified pages=%zu bad=%zu bytes=%zu nodes=", npages, bad, npages * page_size);
	for (n = 0; n <= MAX_NODES; n++)
		if (count[n]) {
			printf("%s%d:%ld", sep, n == MAX_NODES ? -1 : n, count[n]);
			sep = ",";
		}
	printf("\n");
}

int main(int argc, char **argv)
{
	char line[64];
	int node;

	if (argc < 3) {
		fprintf(stderr, "usage: %s NODE MIB\n", argv[0]);
		return 2;
	}
	node = atoi(argv[1]);
	if (node < 0 || node >= MAX_NODES) {
		fprintf(stderr, "node out of range\n");
		return 2;
	}
	page_size = sysconf(_SC_PAGESIZE);
	npages = (size_t)atol(argv[2]) * 1024 * 1024 / page_size;
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin)) {
		if (!strncmp(line, "fill", 4))
			fill(node);
		else if (!strncmp(line, "verify", 6))
			verify();
		else if (!strncmp(line, "quit", 4))
			break;
		else
			printf("error unknown command\n");
	}
	return 0;
}
