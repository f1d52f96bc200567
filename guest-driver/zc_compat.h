/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernel API generations zcomp_pci supports
 * (Debian's 6.1, 6.12 and 7.x lines), and the only LINUX_VERSION_CODE
 * tests of the driver. Checked against each kernel's own source.
 */
#ifndef ZC_COMPAT_H
#define ZC_COMPAT_H

#include <linux/timer.h>
#include <linux/version.h>
#include <linux/zstd.h>
#include <crypto/internal/acompress.h>

/*
 * The legacy compress API (crypto_register_alg with
 * CRYPTO_ALG_TYPE_COMPRESS), which zram up to 6.11 allocates, was
 * removed in 6.15. zram stopped using the crypto API in 6.12.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 15, 0)
#define ZC_HAVE_LEGACY_COMP	1
#else
#define ZC_HAVE_LEGACY_COMP	0
#endif

/*
 * A synchronous acomp twin ("<alg>-zcomp-sync", no CRYPTO_ALG_ASYNC) for
 * callers that cannot wait: 6.12 zram's acomp backend allocates with
 * CRYPTO_ALG_ASYNC in the mask. From 6.15 zram may sleep and the core
 * gives every async tfm a same-named synchronous fallback
 * (crypto_acomp_init_tfm) to which it sends non-DMA requests: a sync
 * twin without CRYPTO_ALG_REQ_VIRT would be picked as that fallback and
 * send such a request back to itself, so there is none.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 15, 0)
#define ZC_HAVE_SYNC_TWIN	1
#else
#define ZC_HAVE_SYNC_TWIN	0
#endif

/*
 * 6.16: acomp requests may carry virtual addresses (and say whether they
 * may be used for DMA), handed to a driver that declares
 * CRYPTO_ALG_REQ_VIRT as they are; to others the core hands them as
 * scatterlists, behind a completion of its own. Earlier: scatterlists.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
#define ZC_ACOMP_VIRT		CRYPTO_ALG_REQ_VIRT
static inline bool zc_src_virt(struct acomp_req *req)
{
	return acomp_request_src_isvirt(req);
}

static inline bool zc_dst_virt(struct acomp_req *req)
{
	return acomp_request_dst_isvirt(req);
}

static inline bool zc_nondma(struct acomp_req *req)
{
	return acomp_request_isnondma(req);
}

static inline const u8 *zc_svirt(struct acomp_req *req)
{
	return req->svirt;
}

static inline u8 *zc_dvirt(struct acomp_req *req)
{
	return req->dvirt;
}
#else
#define ZC_ACOMP_VIRT		0
static inline bool zc_src_virt(struct acomp_req *req) { return false; }
static inline bool zc_dst_virt(struct acomp_req *req) { return false; }
static inline bool zc_nondma(struct acomp_req *req) { return false; }
static inline const u8 *zc_svirt(struct acomp_req *req) { return NULL; }
static inline u8 *zc_dvirt(struct acomp_req *req) { return NULL; }
#endif

/*
 * 6.16 removed acomp_alg.reqsize: the request context size moved to
 * crypto_alg.cra_reqsize. Earlier kernels read only the former.
 */
static inline void zc_acomp_set_reqsize(struct acomp_alg *alg,
					unsigned int size)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
	alg->base.cra_reqsize = size;
#else
	alg->reqsize = size;
#endif
}

/* 6.16 renamed from_timer() to timer_container_of(). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
#define zc_timer_container_of(var, timer, field) \
	timer_container_of(var, timer, field)
#else
#define zc_timer_container_of(var, timer, field) \
	from_timer(var, timer, field)
#endif

/*
 * The compression half of zstd parameters (zstd_get_cparams() exists only
 * from 6.2); the field keeps upstream zstd's camel-case name.
 */
static inline const zstd_compression_parameters *
zc_zstd_cparams(const zstd_parameters *params)
{
	return &params->cParams;
}

#endif /* ZC_COMPAT_H */
