/* ps-alloc-count.c — see ps-alloc-count.h (glibc only) */
#include "ps-alloc-count.h"

#include <errno.h>
#include <stddef.h>

extern void *__libc_malloc (size_t);
extern void *__libc_calloc (size_t, size_t);
extern void *__libc_realloc (void *, size_t);
extern void *__libc_memalign (size_t, size_t);
extern void  __libc_free (void *);

static uint64_t n_allocs;

uint64_t
ps_alloc_count (void)
{
  return __atomic_load_n (&n_allocs, __ATOMIC_RELAXED);
}

static inline void
count (void)
{
  __atomic_fetch_add (&n_allocs, 1, __ATOMIC_RELAXED);
}

void *malloc (size_t n);
void *calloc (size_t a, size_t b);
void *realloc (void *p, size_t n);
void  free (void *p);
void *memalign (size_t al, size_t n);
void *aligned_alloc (size_t al, size_t n);
int   posix_memalign (void **out, size_t al, size_t n);

void *
malloc (size_t n)
{
  count ();
  return __libc_malloc (n);
}

void *
calloc (size_t a, size_t b)
{
  count ();
  return __libc_calloc (a, b);
}

void *
realloc (void *p, size_t n)
{
  count ();
  return __libc_realloc (p, n);
}

void
free (void *p)
{
  __libc_free (p);
}

void *
memalign (size_t al, size_t n)
{
  count ();
  return __libc_memalign (al, n);
}

void *
aligned_alloc (size_t al, size_t n)
{
  count ();
  return __libc_memalign (al, n);
}

int
posix_memalign (void **out, size_t al, size_t n)
{
  void *p;
  if (al < sizeof (void *) || (al & (al - 1)) != 0)
    return EINVAL;
  count ();
  p = __libc_memalign (al, n);
  if (p == NULL)
    return ENOMEM;
  *out = p;
  return 0;
}
