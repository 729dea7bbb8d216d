// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile input to a kmem device and to the kmem driver, each write judged
 * against a model of the C code it goes through.
 *
 *   bad_input DEV LOG [OTHER_LOG]
 *
 * DEV (e.g. dax0.0, the only device on the dax bus) must be bound to kmem
 * and online_movable. The program makes well over a thousand writes, each one
 * write(2) of exact bytes: garbage, empty, over-long, wrong device names, NUL
 * bytes, whitespace and case variants, mutations of valid words, and valid
 * words in wrong states. It writes to DEV/state (once from online_movable,
 * once from unplugged) and to the driver's new_id, remove_id, bind and
 * unbind.
 *
 * For each write it predicts the result from the C code that handles it
 * (kernfs_fop_write_iter() and sysfs_kf_write(), which cut a write to one
 * page and end the buffer at its first NUL; sysfs_streq(); kmem's
 * state_store(); the dax bus's do_id_store(); the driver core's bind_store()
 * and unbind_store()), and compares. After every write it takes a snapshot
 * (DEV's driver and state, /proc/iomem, and the state of DEV's memory
 * blocks): a write that must change nothing must leave the
 * snapshot as it was; a write that must change the state must reach it, and
 * is undone.
 *
 * Each write's outcome is appended to LOG. With OTHER_LOG, the same run made
 * against the other kmem driver in the same boot, every outcome must match.
 *
 * Never written: DEV's name to unbind (memory is online: it would be stuck
 * until reboot).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kmem_test.h"

#define PAGE 4096
#define MAX_SHOWN 12

/* ---- inputs ---- */

static struct buf *inputs;
static size_t ninputs, inputs_cap;

static void add(const void *p, size_t len)
{
	if (ninputs == inputs_cap) {
		inputs_cap = inputs_cap ? inputs_cap * 2 : 256;
		inputs = realloc(inputs, inputs_cap * sizeof(*inputs));
		if (!inputs)
			ksft_exit_fail_msg("out of memory\n");
	}
	inputs[ninputs] = (struct buf){ 0 };
	buf_add(&inputs[ninputs], p, len);
	ninputs++;
}

/* A literal, embedded NULs included. */
#define ADD(lit) add(lit, sizeof(lit) - 1)

static unsigned int seed = 0x6b6d656d;

static unsigned int rnd(unsigned int n)
{
	seed ^= seed << 13;
	seed ^= seed >> 17;
	seed ^= seed << 5;
	return seed % n;
}

/* Bytes a mutation picks from: what parsers trip over, and any byte. */
static unsigned char rnd_byte(void)
{
	static const char tricky[] = "0123456789.-_ \t\n\r\0xdaXonlinemvbkurgp";

	if (rnd(4))
		return tricky[rnd(sizeof(tricky) - 1)];
	return rnd(256);
}

/* Adds BASE with 1 to 3 random edits: replace, insert, delete, case flip. */
static void add_mutation(const char *base)
{
	unsigned char s[64];
	size_t len = strlen(base), i;
	int edits = 1 + rnd(3);

	memcpy(s, base, len);
	while (edits--) {
		switch (rnd(4)) {
		case 0:
			if (len)
				s[rnd(len)] = rnd_byte();
			break;
		case 1:
			if (len < sizeof(s) - 1) {
				i = rnd(len + 1);
				memmove(s + i + 1, s + i, len - i);
				s[i] = rnd_byte();
				len++;
			}
			break;
		case 2:
			if (len) {
				i = rnd(len);
				memmove(s + i, s + i + 1, len - i - 1);
				len--;
			}
			break;
		case 3:
			if (len)
				s[rnd(len)] ^= 0x20;
			break;
		}
	}
	add(s, len);
}

static void add_random(int n, size_t maxlen)
{
	unsigned char s[64];

	while (n--) {
		size_t len = 1 + rnd(maxlen), i;

		for (i = 0; i < len; i++)
			s[i] = rnd(256);
		add(s, len);
	}
}

/* WORD in the ways a user (or a script) gets it wrong, or nearly right. */
static void add_variants(const char *w)
{
	static const char *const fmt[] = {
		"%s", "%s\n", "%s\n\n", " %s", "%s ", "\t%s", "%s\t", "%s\r\n",
		"%sx", "x%s", "%s%s", "\n%s", "%s\n ", "'%s'", "\"%s\"", "%s;",
	};
	char s[160], up[64];
	size_t i, n = strlen(w);

	for (i = 0; i < sizeof(fmt) / sizeof(fmt[0]); i++) {
		snprintf(s, sizeof(s), fmt[i], w, w);
		add(s, strlen(s));
	}
	/* NUL bytes: the kernel sees only what comes before the first one. */
	snprintf(s, sizeof(s), "%s%cjunk", w, 0);
	add(s, n + 5);
	add(s, n + 1);
	snprintf(s, sizeof(s), "%s\n%cx", w, 0);
	add(s, n + 3);
	snprintf(s, sizeof(s), "%c%s", 0, w);
	add(s, n + 1);
	for (i = 0; i < n && i < sizeof(up) - 1; i++)
		up[i] = (w[i] >= 'a' && w[i] <= 'z') ? w[i] - 32 : w[i];
	add(up, n);
	add(w, n - 1);
	add(w, 1);
}

/* A page or more: cut to one page by kernfs, which the write then reports. */
static void add_long(const char *w)
{
	static char s[2 * PAGE + 1];
	size_t n = strlen(w);

	memset(s, 'a', sizeof(s));
	add(s, PAGE - 1);
	add(s, PAGE);
	add(s, PAGE + 1);
	add(s, 2 * PAGE);
	/* The word, a NUL, then padding past a page: the word counts. */
	memcpy(s, w, n);
	s[n] = '\0';
	add(s, PAGE + 100);
	/* The word just past the first page: cut off, never seen. */
	memset(s, 'a', sizeof(s));
	memcpy(s + PAGE, w, n);
	add(s, PAGE + n);
}

static const char *const words[] = {
	"unplugged", "offline", "online", "online_kernel", "online_movable",
};

static void state_inputs(void)
{
	size_t i;

	ADD("");
	ADD("\n");
	ADD("\n\n");
	ADD(" ");
	ADD("\t");
	ADD("\0");
	ADD("\0\0\0");
	ADD("x");
	ADD("bogus");
	ADD("1");
	ADD("0");
	ADD("-1");
	ADD("%s%s%n");
	ADD("\xff\xfe");
	ADD("online-movable");
	ADD("online movable");
	ADD("onlinemovable");
	ADD("unplug");
	ADD("plugged");
	ADD("online_");
	ADD("movable");
	ADD("kernel");
	ADD("Online");
	ADD("online\n\0unplugged");
	ADD("unplugged\nonline");
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		add_variants(words[i]);
	for (i = 0; i < 50; i++)
		add_mutation(words[rnd(sizeof(words) / sizeof(words[0]))]);
	add_random(60, 40);
	add_long("unplugged");
	add_long("online");
}

static void name_inputs(const char *dev)
{
	int i;

	ADD("");
	ADD("\n");
	ADD("dax");
	ADD("dax0");
	ADD("dax0.");
	ADD(".0");
	ADD("dax0.0.0");
	ADD("dax00.0");
	ADD("dax0.00");
	ADD("dax-0.0");
	ADD("dax+0.0");
	ADD("dax 0.0");
	ADD("dax0. 0");
	ADD("dax0.0x");
	ADD("dax0.1");
	ADD("dax1.0");
	ADD("dax9.9");
	ADD("dax-1.0");
	ADD("dax0.-1");
	ADD("dax2147483647.0");
	ADD("dax2147483648.0");
	ADD("dax-2147483648.0");
	ADD("dax4294967295.0");
	ADD("dax99999999999.0");
	ADD("dax0.0\n\n");
	ADD("dax0.1\n");
	ADD("../dax0.0");
	ADD("/sys/bus/dax/devices/dax0.0");
	ADD("%d.%d");
	add_variants(dev);
	for (i = 0; i < 50; i++)
		add_mutation(dev);
	add_random(20, 24);
	add_long(dev);
}

/* ---- the model ---- */

/* What the store method sees: the first page, up to its first NUL. */
static size_t seen(const struct buf *in, const char **s)
{
	size_t n = in->len < PAGE ? in->len : PAGE;

	*s = in->p;
	return strnlen(in->p, n);
}

/* sysfs_streq(): equal, but for one trailing newline on the buffer. */
static bool streq(const char *s, size_t n, const char *name)
{
	size_t m = strlen(name);

	if (n && s[n - 1] == '\n')
		n--;
	return n == m && !memcmp(s, name, m);
}

/* A decimal int as sprintf("%d") writes it; advances *s past it. */
static bool canonical_int(const char **s, const char *end)
{
	const char *p = *s;
	long long v = 0;
	bool neg = false;
	int digits = 0;

	if (p < end && *p == '-') {
		neg = true;
		p++;
	}
	if (p >= end || *p < '0' || *p > '9' || (*p == '0' && neg))
		return false;
	if (*p == '0') {
		p++;
	} else {
		while (p < end && *p >= '0' && *p <= '9' && digits < 12) {
			v = v * 10 + (*p++ - '0');
			digits++;
		}
		if (neg ? -v < -2147483648LL : v > 2147483647LL)
			return false;
	}
	*s = p;
	return true;
}

/*
 * do_id_store(): sscanf("dax%d.%d"), then the buffer must be exactly what
 * sprintf makes of the two numbers, but for one trailing newline.
 */
static bool valid_id(const char *s, size_t n)
{
	const char *end = s + n;

	if (n && s[n - 1] == '\n')
		end--;
	if (end - s < 3 || memcmp(s, "dax", 3))
		return false;
	s += 3;
	if (!canonical_int(&s, end) || s >= end || *s++ != '.')
		return false;
	return canonical_int(&s, end) && s == end;
}

enum { UNPLUGGED = -1, OFFLINE, ONLINE, ONLINE_KERNEL, ONLINE_MOVABLE };
static const char *state_name(int st)
{
	return st == UNPLUGGED ? "unplugged" : words[st + 1];
}

/*
 * state_store() from CUR: sets *next to the state after the write and
 * returns what write(2) must return.
 */
static long model_state(const struct buf *in, int cur, int *next)
{
	long count = in->len < PAGE ? in->len : PAGE;
	const char *s;
	size_t n = seen(in, &s);
	int want = -2, i;

	*next = cur;
	if (!in->len)
		return 0;
	for (i = 0; i < 5; i++)
		if (streq(s, n, words[i]))
			want = i - 1;
	if (want == -2 || want == OFFLINE)
		return -EINVAL;
	if (want == cur)
		return count;
	if (want != UNPLUGGED && cur != UNPLUGGED)
		return -EBUSY;
	*next = want;
	return count;
}

/* new_id, remove_id, bind and unbind, with DEV bound to kmem. */
static long model_attr(const char *attr, const struct buf *in, const char *dev)
{
	long count = in->len < PAGE ? in->len : PAGE;
	const char *s;
	size_t n = seen(in, &s);

	if (!in->len)
		return 0;
	if (!strcmp(attr, "new_id") || !strcmp(attr, "remove_id"))
		return valid_id(s, n) ? count : -EINVAL;
	if (!strcmp(attr, "bind"))
		return streq(s, n, dev) ? -EBUSY : -ENODEV;
	return -ENODEV; /* unbind: DEV itself is never written */
}

/* ---- the system ---- */

static const char *dev;
static char state_path[256], drv_dir[] = "/sys/bus/dax/drivers/kmem";
static FILE *logf;

static long do_write(const char *path, const struct buf *in)
{
	ssize_t r;
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		ksft_exit_fail_msg("open %s: %s\n", path, strerror(errno));
	r = write(fd, in->p, in->len);
	if (r < 0)
		r = -errno;
	close(fd);
	return r;
}

static long write_str(const char *path, const char *s)
{
	struct buf b = { 0 };
	long r;

	buf_str(&b, s);
	r = do_write(path, &b);
	free(b.p);
	return r;
}

static bool snap_state_is(const struct buf *b, int st)
{
	char want[64];

	snprintf(want, sizeof(want), "\nstate: %s\n", state_name(st));
	return strstr(b->p, want) != NULL;
}

/* The input as a log token: printable ASCII kept, the rest escaped. */
static void log_write(const char *what, const struct buf *in, long r)
{
	size_t i;

	fprintf(logf, "%s \"", what);
	for (i = 0; i < in->len; i++) {
		unsigned char c = in->p[i];

		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"')
			fputc(c, logf);
		else
			fprintf(logf, "\\x%02x", c);
	}
	fprintf(logf, "\" -> %ld\n", r);
}

/* Reports one wrong write; only the first MAX_SHOWN are shown. */
static void show(int *shown, const char *what, const struct buf *in, const char *why)
{
	char esc[64];
	size_t i, j = 0;

	if ((*shown)++ >= MAX_SHOWN)
		return;
	for (i = 0; i < in->len && j < sizeof(esc) - 5; i++) {
		unsigned char c = in->p[i];

		j += snprintf(esc + j, sizeof(esc) - j, c >= 0x20 && c < 0x7f ? "%c" : "\\x%02x", c);
	}
	ksft_print_msg("%s \"%s%s\" (%zu bytes): %s\n", what, esc, i < in->len ? "..." : "",
		       in->len, why);
}

struct tally {
	int writes, wrong, changed, transitions;
};

/* A progress line every 100 writes, with the time since the first. */
static void progress(void)
{
	static struct timespec t0;
	static int n;
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	if (!n++)
		t0 = t;
	if (n % 100 == 0)
		ksft_print_msg("%d writes, %ld s\n", n, (long)(t.tv_sec - t0.tv_sec));
}

/* Inputs 0 to END - 1, from state BASE; accepted transitions are undone. */
static void state_round(int base, size_t end, struct tally *t, int *shown)
{
	struct buf before = { 0 }, after = { 0 };
	char why[96];
	size_t i;

	snapshot(dev, &before);
	if (!snap_state_is(&before, base))
		ksft_exit_fail_msg("%s is not %s before the round\n", dev, state_name(base));
	for (i = 0; i < end; i++) {
		int next;
		long want = model_state(&inputs[i], base, &next);
		long r = do_write(state_path, &inputs[i]);

		t->writes++;
		progress();
		log_write("state", &inputs[i], r);
		if (r != want) {
			t->wrong++;
			snprintf(why, sizeof(why), "returned %ld, C's rules give %ld", r, want);
			show(shown, "state", &inputs[i], why);
		}
		snapshot(dev, &after);
		if (next == base) {
			if (!snap_equal(&after, &before)) {
				t->changed++;
				snprintf(why, sizeof(why), "changed the device (returned %ld)", r);
				show(shown, "state", &inputs[i], why);
				snapshot(dev, &before);
			}
			continue;
		}
		t->transitions++;
		if (!snap_state_is(&after, next)) {
			t->changed++;
			snprintf(why, sizeof(why), "did not reach %s (returned %ld)", state_name(next), r);
			show(shown, "state", &inputs[i], why);
		}
		/* Undo it, then the device must be exactly as before. */
		write_str(state_path, state_name(base));
		snapshot(dev, &after);
		if (!snap_equal(&after, &before)) {
			t->changed++;
			show(shown, "state", &inputs[i], "undoing it did not give the same iomem and blocks");
			snapshot(dev, &before);
		}
	}
	free(before.p);
	free(after.p);
}

/* Every name input to one of the driver's attributes. */
static void attr_round(const char *attr, size_t from, struct tally *t, int *shown)
{
	struct buf before = { 0 }, after = { 0 };
	char path[256], fixup[256], why[96];
	size_t i;

	snprintf(path, sizeof(path), "%s/%s", drv_dir, attr);
	snapshot(dev, &before);
	for (i = from; i < ninputs; i++) {
		const char *s;
		size_t n = seen(&inputs[i], &s);
		long want, r;

		if (!strcmp(attr, "unbind") && streq(s, n, dev))
			continue;
		want = model_attr(attr, &inputs[i], dev);
		r = do_write(path, &inputs[i]);
		t->writes++;
		progress();
		log_write(attr, &inputs[i], r);
		if (r != want) {
			t->wrong++;
			snprintf(why, sizeof(why), "returned %ld, the C code gives %ld", r, want);
			show(shown, attr, &inputs[i], why);
		}
		/* Put the id list back: an id new_id added, or DEV's that remove_id took. */
		if (r > 0 && !strcmp(attr, "new_id") && !streq(s, n, dev)) {
			snprintf(fixup, sizeof(fixup), "%s/remove_id", drv_dir);
			if (write_str(fixup, inputs[i].p) < 0)
				t->changed++;
		}
		if (r > 0 && !strcmp(attr, "remove_id") && streq(s, n, dev)) {
			snprintf(fixup, sizeof(fixup), "%s/new_id", drv_dir);
			if (write_str(fixup, dev) < 0)
				t->changed++;
		}
		snapshot(dev, &after);
		if (!snap_equal(&after, &before)) {
			t->changed++;
			snprintf(why, sizeof(why), "changed the device (returned %ld)", r);
			show(shown, attr, &inputs[i], why);
			snapshot(dev, &before);
		}
	}
	free(before.p);
	free(after.p);
}

/* Lines of A and B that differ; the first few are shown. */
static int compare_logs(const char *a, const char *b)
{
	struct buf x = { 0 }, y = { 0 };
	char *p, *q, *ep, *eq;
	int diff = 0, line = 1;

	buf_file(&x, a);
	buf_file(&y, b);
	for (p = x.p, q = y.p; *p || *q; p = ep + !!*ep, q = eq + !!*eq, line++) {
		ep = strchrnul(p, '\n');
		eq = strchrnul(q, '\n');
		if (ep - p == eq - q && !memcmp(p, q, ep - p))
			continue;
		if (diff++ < MAX_SHOWN)
			ksft_print_msg("write %d: '%.*s' vs '%.*s'\n", line,
				       (int)(ep - p > 120 ? 120 : ep - p), p,
				       (int)(eq - q > 120 ? 120 : eq - q), q);
	}
	free(x.p);
	free(y.p);
	return diff;
}

int main(int argc, char **argv)
{
	static const char *const attrs[] = { "new_id", "remove_id", "bind", "unbind" };
	struct tally st[2] = { 0 }, at[4] = { 0 };
	size_t names_from;
	int shown = 0, total = 0, i;

	if (argc < 3)
		ksft_exit_fail_msg("usage: %s DEV LOG [OTHER_LOG]\n", argv[0]);
	dev = argv[1];
	snprintf(state_path, sizeof(state_path), "/sys/bus/dax/devices/%s/state", dev);
	logf = fopen(argv[2], "w");
	if (!logf)
		ksft_exit_fail_msg("%s: %s\n", argv[2], strerror(errno));
	setvbuf(stdout, NULL, _IOLBF, 0);

	ksft_print_header();
	ksft_set_plan(2 * 2 + 4 + 1 + (argc > 3));
	snap_init(dev);
	state_inputs();
	names_from = ninputs;
	name_inputs(dev);

	/* state: its inputs, from both sides. */
	state_round(ONLINE_MOVABLE, names_from, &st[0], &shown);
	if (write_str(state_path, "unplugged") < 0)
		ksft_exit_fail_msg("cannot unplug %s\n", dev);
	state_round(UNPLUGGED, names_from, &st[1], &shown);
	if (write_str(state_path, "online_movable") < 0)
		ksft_exit_fail_msg("cannot online %s\n", dev);
	for (i = 0; i < 2; i++) {
		const char *from = i ? "unplugged" : "online_movable";

		ksft_test_result(!st[i].wrong, "state from %s: %d writes, each returned what C's rules give (%d did not)\n",
				 from, st[i].writes, st[i].wrong);
		ksft_test_result(!st[i].changed, "state from %s: refused and no-op writes left state, iomem and blocks as they were; %d accepted transitions reached their state and were undone (%d problems)\n",
				 from, st[i].transitions, st[i].changed);
		total += st[i].writes;
	}

	/* The driver's attributes: the name inputs, and the last 20 others. */
	for (i = 0; i < 4; i++) {
		attr_round(attrs[i], names_from - 20, &at[i], &shown);
		ksft_test_result(!at[i].wrong && !at[i].changed,
				 "%s: %d writes, each returned what the C code gives (%d did not), none changed state, iomem or blocks (%d did)\n",
				 attrs[i], at[i].writes, at[i].wrong, at[i].changed);
		total += at[i].writes;
	}
	fclose(logf);
	ksft_test_result(total >= 1000, "%d writes in all\n", total);
	if (argc > 3) {
		int d = compare_logs(argv[3], argv[2]);

		ksft_test_result(!d, "every write gave the same result as with the other kmem in this boot (%d differ)\n", d);
	}
	ksft_finished();
}
