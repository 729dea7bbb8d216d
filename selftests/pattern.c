// SPDX-License-Identifier: GPL-2.0
/*
 * Fills anonymous memory on one NUMA node with a pattern that can be
 * checked page by page, and checks it later, for data_integrity.sh,
 * cxl.sh and tiering.sh.
 *
 *   pattern NODE|local MIB
 *
 * Then reads commands, one per line, from stdin, and answers each with one
 * line on stdout:
 *   fill    map MIB of memory bound to NODE (MPOL_BIND), or with the default
 *           policy for `local` (placed on the local node first, and free to
 *           be demoted and promoted), and write the pattern:
 *           "filled pages=P on_node=K" (K: on NODE, or on the node of the
 *           first page for `local`)
 *   verify  check every page against the pattern and say where they are:
 *           "verified pages=P bad=B bytes=N nodes=N0:C0,N1:C1,..."
 *   where   say where the pages are, without reading them:
 *           "where pages=P nodes=N0:C0,N1:C1,..."
 *   touch S read one word of every page, over and over, for S seconds:
 *           "touched passes=N"
 *   move N  move every page to node N (move_pages(2)), and say where they
 *           are: "moved pages=P failed=F nodes=N0:C0,N1:C1,..."
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
#include <time.h>
#include <unistd.h>

#define MPOL_BIND 2
#define MPOL_MF_MOVE 2
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

/* Prints "nodes=N0:C0,N1:C1,..." for the counts of nodes(). */
static void print_nodes(const long count[MAX_NODES + 1])
{
	const char *sep = "";
	int n;

	printf("nodes=");
	for (n = 0; n <= MAX_NODES; n++)
		if (count[n]) {
			printf("%s%d:%ld", sep, n == MAX_NODES ? -1 : n, count[n]);
			sep = ",";
		}
	printf("\n");
}

/* Fills the pages, bound to node (MPOL_BIND), or not bound if node < 0. */
static int fill(int node)
{
	unsigned long mask = 1UL << (node < 0 ? 0 : node);
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
	if (node >= 0 &&
	    syscall(SYS_mbind, mem, npages * page_size, MPOL_BIND, &mask, sizeof(mask) * 8, 0)) {
		printf("error mbind: %s\n", strerror(errno));
		return -1;
	}
	for (p = 0; p < npages; p++) {
		uint64_t *w = (uint64_t *)(mem + p * page_size);

		for (i = 0; i < words; i++)
			w[i] = word(p, i);
	}
	nodes(count);
	if (node < 0) {
		int status = -1;
		void *first = mem;

		syscall(SYS_move_pages, 0, 1, &first, NULL, &status, 0);
		node = status >= 0 && status < MAX_NODES ? status : MAX_NODES;
	}
	printf("filled pages=%zu on_node=%ld\n", npages, count[node]);
	return 0;
}

static void where(void)
{
	long count[MAX_NODES + 1];

	if (!mem) {
		printf("error nothing filled\n");
		return;
	}
	nodes(count);
	printf("where pages=%zu ", npages);
	print_nodes(count);
}

static void touch(int seconds)
{
	struct timespec now, end;
	volatile uint64_t sum = 0;
	long passes = 0;
	size_t p;

	if (!mem) {
		printf("error nothing filled\n");
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += seconds;
	do {
		for (p = 0; p < npages; p++)
			sum += *(volatile uint64_t *)(mem + p * page_size);
		passes++;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec < end.tv_sec ||
		 (now.tv_sec == end.tv_sec && now.tv_nsec < end.tv_nsec));
	printf("touched passes=%ld\n", passes);
}

/* Moves every page to node, in chunks, as move_pages(2) allows. */
static void move(int node)
{
	enum { CHUNK = 1024 };
	void *pages[CHUNK];
	int to[CHUNK], status[CHUNK];
	long count[MAX_NODES + 1];
	size_t p, i, n, failed = 0;

	if (!mem) {
		printf("error nothing filled\n");
		return;
	}
	for (p = 0; p < npages; p += n) {
		n = npages - p < CHUNK ? npages - p : CHUNK;
		for (i = 0; i < n; i++) {
			pages[i] = mem + (p + i) * page_size;
			to[i] = node;
		}
		if (syscall(SYS_move_pages, 0, n, pages, to, status, MPOL_MF_MOVE) < 0) {
			failed += n;
			continue;
		}
		for (i = 0; i < n; i++)
			failed += status[i] != node;
	}
	nodes(count);
	printf("moved pages=%zu failed=%zu ", npages, failed);
	print_nodes(count);
}

static void verify(void)
{
	long count[MAX_NODES + 1];
	size_t p, i, bad = 0, words = page_size / 8;

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
	printf("verified pages=%zu bad=%zu bytes=%zu ", npages, bad, npages * page_size);
	print_nodes(count);
}

int main(int argc, char **argv)
{
	char line[64];
	int node;

	if (argc < 3) {
		fprintf(stderr, "usage: %s NODE|local MIB\n", argv[0]);
		return 2;
	}
	node = strcmp(argv[1], "local") ? atoi(argv[1]) : -1;
	if (node < -1 || node >= MAX_NODES) {
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
		else if (!strncmp(line, "where", 5))
			where();
		else if (!strncmp(line, "touch ", 6))
			touch(atoi(line + 6));
		else if (!strncmp(line, "move ", 5))
			move(atoi(line + 5));
		else if (!strncmp(line, "quit", 4))
			break;
		else
			printf("error unknown command\n");
	}
	return 0;
}
