/* ps-alloc-count.h — count heap allocations (malloc and friends) in this process
 *
 * Linking ps-alloc-count.c into an executable interposes malloc, calloc,
 * realloc and the aligned allocators, forwarding to glibc and counting calls,
 * so a benchmark or a test can prove that a steady-state step allocates nothing.
 */
#pragma once

#include <stdint.h>

uint64_t ps_alloc_count (void);
