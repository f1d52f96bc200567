// SPDX-License-Identifier: GPL-2.0
/*
 * zbench: time writing FILE to a block device, or reading it back, with
 * O_DIRECT in 1 MiB blocks; prints wall time, MB/s and the guest's busy
 * CPU time (all CPUs, from /proc/stat) over the run.
 *
 *   zbench write|read DEV FILE
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BLOCK (1 << 20)

static double busy_seconds(void)
{
	unsigned long long v[10] = { 0 }, busy = 0;
	FILE *f = fopen("/proc/stat", "r");
	int i;

	if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
			 &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			 &v[7]) != 8)
		exit(2);
	fclose(f);
	for (i = 0; i < 8; i++)
		if (i != 3 && i != 4)	/* idle, iowait */
			busy += v[i];
	return busy / (double)sysconf(_SC_CLK_TCK);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	int write_mode, dev, src;
	struct stat st;
	size_t done = 0;
	double t0, b0, t, b;
	char *buf;

	if (argc != 4)
		return 2;
	write_mode = !strcmp(argv[1], "write");
	src = open(argv[3], O_RDONLY);
	dev = open(argv[2], (write_mode ? O_WRONLY : O_RDONLY) | O_DIRECT);
	if (src < 0 || dev < 0 || fstat(src, &st) ||
	    posix_memalign((void **)&buf, 4096, BLOCK))
		return 2;
	/* Stage the data first: its reading is not what is measured. */
	char *all = malloc(st.st_size);
	if (!all || read(src, all, st.st_size) != st.st_size)
		return 2;
	b0 = busy_seconds();
	t0 = now();
	while (done < (size_t)st.st_size) {
		size_t n = st.st_size - done < BLOCK ? st.st_size - done : BLOCK;

		if (write_mode) {
			memcpy(buf, all + done, n);
			if (write(dev, buf, n) != (ssize_t)n)
				return 1;
		} else if (read(dev, buf, n) != (ssize_t)n) {
			return 1;
		}
		done += n;
	}
	if (write_mode)
		fsync(dev);
	t = now() - t0;
	b = busy_seconds() - b0;
	printf("ZBENCH %s bytes %zu wall_s %.4f mbps %.1f busy_s %.3f\n",
	       argv[1], done, t, done / t / 1e6, b);
	return 0;
}
