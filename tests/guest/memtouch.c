// SPDX-License-Identifier: GPL-2.0
/*
 * memtouch: fill MiB of anonymous memory with corpus-like pages, each
 * stamped with its index, from THREADS threads, then verify every page,
 * PASSES times (default 2). Run inside a memory cgroup smaller than MiB,
 * the pages go to swap (zram, zswap) and come back: each pass reads every
 * page back in and pushes others out again. Exit 0 only if every byte is
 * right.
 *
 *   memtouch MiB THREADS [CORPUS [PASSES]]
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096

static uint8_t *mem, *corpus;
static size_t npages, ncorpus;
static int nthreads, npasses = 2;
static long bad;

static void fill(size_t i, uint8_t *p)
{
	memcpy(p, corpus + (i % ncorpus) * PAGE, PAGE);
	memcpy(p, &i, sizeof(i));
}

static void *work(void *arg)
{
	long t = (long)arg, mine = 0;
	uint8_t want[PAGE];

	for (size_t i = t; i < npages; i += nthreads)
		fill(i, mem + i * PAGE);
	for (int pass = 0; pass < npasses; pass++)
		for (size_t i = t; i < npages; i += nthreads) {
			fill(i, want);
			if (memcmp(want, mem + i * PAGE, PAGE))
				mine++;
		}
	__atomic_add_fetch(&bad, mine, __ATOMIC_RELAXED);
	return NULL;
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 64;
	pthread_t th[64];
	int fd;

	nthreads = argc > 2 ? atoi(argv[2]) : 1;
	if (nthreads < 1 || nthreads > 64)
		nthreads = 1;
	if (argc > 4)
		npasses = atoi(argv[4]);
	if (npasses < 1 || npasses > 16)
		npasses = 2;
	npages = mib * 256;
	ncorpus = 1024;
	corpus = malloc(ncorpus * PAGE);
	fd = argc > 3 ? open(argv[3], O_RDONLY) : -1;
	if (fd < 0 || read(fd, corpus, ncorpus * PAGE) != (ssize_t)(ncorpus * PAGE)) {
		for (size_t i = 0; i < ncorpus * PAGE; i++)
			corpus[i] = (i % 97 < 40) ? (uint8_t)(i / 512) : 0;
	}
	mem = mmap(NULL, npages * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	for (long t = 0; t < nthreads; t++)
		pthread_create(&th[t], NULL, work, (void *)t);
	for (long t = 0; t < nthreads; t++)
		pthread_join(th[t], NULL);
	printf("memtouch: %zu MiB, %d threads, %ld bad pages\n", mib, nthreads,
	       bad);
	return bad ? 1 : 0;
}
