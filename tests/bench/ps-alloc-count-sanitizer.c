/* ps-alloc-count-sanitizer.c — ps_alloc_count() in a sanitizer build
 *
 * Under AddressSanitizer the allocator belongs to the sanitizer runtime, so
 * ps-alloc-count.c cannot interpose malloc.  The runtime offers a hook called
 * on every allocation (malloc, calloc, realloc, the aligned allocators) made
 * through it; counting there gives the same count, so the zero-allocation
 * test and `paramscope-bench step` keep their meaning in the sanitizer build
 * (meson -Db_sanitize=address,undefined, scripts/test-sanitize.sh).
 */
#include "ps-alloc-count.h"

#include <stddef.h>

/* <sanitizer/allocator_interface.h>, declared here to need no header path */
int __sanitizer_install_malloc_and_free_hooks (void (*malloc_hook) (const volatile void *, size_t),
                                               void (*free_hook) (const volatile void *));

static uint64_t n_allocs;

static void
on_malloc (const volatile void *p, size_t n)
{
  __atomic_fetch_add (&n_allocs, 1, __ATOMIC_RELAXED);
}

static void
on_free (const volatile void *p)
{
}

__attribute__ ((constructor)) static void
install_hooks (void)
{
  __sanitizer_install_malloc_and_free_hooks (on_malloc, on_free);
}

uint64_t
ps_alloc_count (void)
{
  return __atomic_load_n (&n_allocs, __ATOMIC_RELAXED);
}
