// SPDX-License-Identifier: MIT
/*
 * Slab-backed heap (see <ember/heap.h>).
 *
 * Layout. A slab is 2^order pages aligned to its size, so the slab header of
 * any block is found by rounding the block's address down. The slab header
 * holds the size class, a count of live blocks and a free list threaded
 * through free blocks. Slabs with free blocks sit on their class's partial
 * list; a slab that becomes empty is returned to the page allocator unless it
 * is the class's last partial slab (that keeps malloc/free loops from thrashing
 * the page allocator).
 *
 * Every block starts with struct block_hdr; the caller's memory follows it.
 * hdr.magic tells live small blocks, live large blocks, aligned-allocation
 * stubs and freed blocks apart: a second free() finds BLOCK_FREE.
 */
#include <ember/heap.h>
#include <ember/list.h>
#include <ember/page_alloc.h>
#include <ember/string.h>

#define BLOCK_LIVE    0x6c697665u /* "live" */
#define BLOCK_LARGE   0x6c617267u /* "larg" */
#define BLOCK_ALIGNED 0x616c676eu /* "algn" */
#define BLOCK_FREE    0x66726565u /* "free" */
#define SLAB_MAGIC    0x736c6162u /* "slab" */
#define REDZONE	      (CONFIG_DEBUG ? 16u : 0u)
#define REDZONE_BYTE  0xfd
#define POISON_BYTE   0xdd

struct block_hdr {
	uint32_t magic;
	uint32_t info; /* size class, large order, or offset of an aligned stub */
	uint64_t size; /* bytes the caller asked for */
};
_Static_assert(sizeof(struct block_hdr) == HEAP_ALIGN, "header keeps alignment");

struct slab {
	uint32_t magic;
	uint16_t cls;
	uint16_t live;
	struct list_node link; /* on the class's partial list */
	void *free;	       /* first free block */
	uint32_t capacity;
	uint32_t pad;
};
#define SLAB_HDR_SIZE ALIGN_UP(sizeof(struct slab), HEAP_ALIGN)

struct size_class {
	uint32_t block; /* block size including the header */
	uint8_t order;	/* slab size is PAGE_SIZE << order */
	struct list_node partial;
};

static struct size_class classes[] = {
	{ 32, 0, {} },	 { 48, 0, {} },	  { 64, 0, {} },   { 96, 0, {} },   { 128, 0, {} },
	{ 192, 0, {} },	 { 256, 0, {} },  { 384, 1, {} },  { 512, 1, {} },  { 768, 2, {} },
	{ 1024, 2, {} }, { 1536, 3, {} }, { 2048, 3, {} }, { 4096, 4, {} }, { 8192, 5, {} },
};
#define LARGEST_CLASS 8192u

#define HEAP_MAX_REQUEST ((size_t)1 << 40) /* larger requests fail, never wrap */

static struct heap_stats stats;

static struct block_hdr *hdr_of(const void *p)
{
	return (struct block_hdr *)p - 1;
}

static void report(const char *what, const void *p)
{
	stats.errors++;
	heap_corruption(what, p);
}

static int class_for(size_t need)
{
	for (unsigned i = 0; i < ARRAY_SIZE(classes); i++)
		if (need <= classes[i].block)
			return (int)i;
	return -1;
}

static struct slab *slab_create(unsigned cls)
{
	struct size_class *c = &classes[cls];
	struct slab *s = page_alloc(c->order);
	if (!s)
		return NULL;
	size_t bytes = PAGE_SIZE << c->order;
	*s = (struct slab){ .magic = SLAB_MAGIC, .cls = (uint16_t)cls };
	char *b = (char *)s + SLAB_HDR_SIZE;
	for (; b + c->block <= (char *)s + bytes; b += c->block, s->capacity++) {
		*(void **)(b + sizeof(struct block_hdr)) = s->free;
		s->free = b + sizeof(struct block_hdr);
	}
	if (!c->partial.next)
		list_init(&c->partial);
	list_push_back(&c->partial, &s->link);
	stats.slab_pages += 1ul << c->order;
	return s;
}

static void *slab_alloc(unsigned cls)
{
	struct size_class *c = &classes[cls];
	struct slab *s;
	if (!c->partial.next || list_empty(&c->partial))
		s = slab_create(cls);
	else
		s = list_entry(c->partial.next, struct slab, link);
	if (!s)
		return NULL;
	void *p = s->free;
	s->free = *(void **)p;
	if (++s->live == s->capacity)
		list_remove(&s->link);
	hdr_of(p)->info = cls;
	return p;
}

static void slab_release(void *p, unsigned cls)
{
	struct size_class *c = &classes[cls];
	struct slab *s = (struct slab *)ALIGN_DOWN((uintptr_t)p, PAGE_SIZE << c->order);
	if (s->live-- == s->capacity)
		list_push_back(&c->partial, &s->link);
	*(void **)p = s->free;
	s->free = p;
	if (s->live == 0 && c->partial.next != c->partial.prev) {
		list_remove(&s->link);
		s->magic = 0;
		page_free(s, c->order);
		stats.slab_pages -= 1ul << c->order;
	}
}

static void *large_alloc(size_t need)
{
	unsigned order = page_order_for(need);
	char *pages = page_alloc(order);
	if (!pages)
		return NULL;
	stats.large_pages += 1ul << order;
	void *p = pages + sizeof(struct block_hdr);
	hdr_of(p)->info = order;
	return p;
}

/* Capacity of the block at @p for the caller's data and the red zone. */
static size_t block_room(const struct block_hdr *h)
{
	if (h->magic == BLOCK_LARGE)
		return (PAGE_SIZE << h->info) - sizeof(*h);
	return classes[h->info].block - sizeof(*h);
}

static void redzone_fill(void *p, size_t size)
{
	if (REDZONE)
		memset((char *)p + size, REDZONE_BYTE, REDZONE);
}

static bool redzone_intact(const void *p, size_t size)
{
	const unsigned char *z = (const unsigned char *)p + size;
	const size_t redzone = REDZONE; /* a variable: 0 in release builds */
	for (size_t i = 0; i < redzone; i++)
		if (z[i] != REDZONE_BYTE)
			return false;
	return true;
}

void *malloc(size_t size)
{
	if (size > HEAP_MAX_REQUEST)
		return NULL;
	size_t need = ALIGN_UP(size + sizeof(struct block_hdr) + REDZONE, HEAP_ALIGN);
	int cls = class_for(need);
	void *p = cls >= 0 ? slab_alloc((unsigned)cls) : large_alloc(need);
	if (!p)
		return NULL;
	struct block_hdr *h = hdr_of(p);
	h->magic = cls >= 0 ? BLOCK_LIVE : BLOCK_LARGE;
	h->size = size;
	redzone_fill(p, size);
	stats.live_blocks++;
	stats.live_bytes += size;
	return p;
}

void *calloc(size_t nmemb, size_t size)
{
	size_t total;
	if (__builtin_mul_overflow(nmemb, size, &total))
		return NULL;
	void *p = malloc(total);
	if (p)
		memset(p, 0, total);
	return p;
}

/* Checks the header of a block being freed; false if it must be left alone. */
static bool block_valid(const void *p, const struct block_hdr *h)
{
	/* A freed large block's header now holds the page allocator's link. */
	if (h->magic == BLOCK_FREE ||
	    (h->magic != BLOCK_LIVE && IS_ALIGNED((uintptr_t)h, PAGE_SIZE) && page_is_free(h))) {
		report("double free", p);
		return false;
	}
	if ((h->magic != BLOCK_LIVE && h->magic != BLOCK_LARGE) ||
	    (h->magic == BLOCK_LIVE && h->info >= ARRAY_SIZE(classes))) {
		report("free of a pointer the heap never returned", p);
		return false;
	}
	if (!redzone_intact(p, h->size)) {
		report("overflow past end of block", p);
		return false;
	}
	return true;
}

void free(void *p)
{
	if (!p)
		return;
	if (!IS_ALIGNED((uintptr_t)p, HEAP_ALIGN)) {
		report("free of a misaligned pointer", p);
		return;
	}
	struct block_hdr *h = hdr_of(p);
	if (h->magic == BLOCK_ALIGNED) {
		char *raw = (char *)p - h->info;
		stats.live_bytes += hdr_of(raw)->size - h->size;
		free(raw);
		h->magic = BLOCK_FREE; /* after the poisoning: a 2nd free sees it */
		return;
	}
	if (!block_valid(p, h))
		return;
	stats.live_blocks--;
	stats.live_bytes -= h->size;
	if (CONFIG_DEBUG)
		memset(p, POISON_BYTE, h->size);
	if (h->magic == BLOCK_LARGE) {
		h->magic = BLOCK_FREE;
		stats.large_pages -= 1ul << h->info;
		page_free(h, h->info);
		return;
	}
	h->magic = BLOCK_FREE;
	slab_release(p, h->info);
}

size_t malloc_usable_size(void *p)
{
	if (!p)
		return 0;
	struct block_hdr *h = hdr_of(p);
	if (REDZONE || h->magic == BLOCK_ALIGNED)
		return h->size; /* the red zone / the raw block start right after */
	return block_room(h);
}

void *realloc(void *p, size_t size)
{
	if (!p)
		return malloc(size);
	if (size > HEAP_MAX_REQUEST)
		return NULL;
	struct block_hdr *h = hdr_of(p);
	if (h->magic == BLOCK_LIVE || h->magic == BLOCK_LARGE) {
		if (!block_valid(p, h))
			return NULL;
		if (size + REDZONE <= block_room(h)) {
			stats.live_bytes += size - h->size;
			h->size = size;
			redzone_fill(p, size);
			return p;
		}
	} else if (h->magic != BLOCK_ALIGNED) {
		block_valid(p, h);
		return NULL;
	}
	void *n = malloc(size);
	if (!n)
		return NULL;
	size_t old = h->size;
	memcpy(n, p, MIN(old, size));
	free(p);
	return n;
}

/*
 * An aligned block is a stub header (BLOCK_ALIGNED, offset to the raw block)
 * just before the aligned address, inside a larger raw allocation. The stub
 * sits at least 16 bytes into the raw block's data, clear of the first bytes
 * that a freed small block reuses for its free-list link, so it still says
 * BLOCK_FREE after a free and a second free is recognised.
 */
void *aligned_alloc(size_t align, size_t size)
{
	if (!align || (align & (align - 1)) || align > ((size_t)1 << 30) || size > HEAP_MAX_REQUEST)
		return NULL;
	if (align <= HEAP_ALIGN)
		return malloc(size);
	size_t raw_size = size + align + 2 * sizeof(struct block_hdr);
	char *raw = malloc(raw_size);
	if (!raw)
		return NULL;
	char *p = (char *)ALIGN_UP((uintptr_t)raw + 2 * sizeof(struct block_hdr), align);
	struct block_hdr *h = hdr_of(p);
	h->magic = BLOCK_ALIGNED;
	h->info = (uint32_t)(p - raw);
	h->size = size;
	stats.live_bytes -= raw_size - size; /* count what the caller asked for */
	return p;
}

int posix_memalign(void **out, size_t align, size_t size)
{
	if (align < sizeof(void *) || (align & (align - 1)))
		return 22; /* EINVAL, returned positive as POSIX says */
	void *p = aligned_alloc(align, size);
	if (!p)
		return 12; /* ENOMEM */
	*out = p;
	return 0;
}

void heap_get_stats(struct heap_stats *out)
{
	*out = stats;
}
