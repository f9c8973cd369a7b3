#ifndef RUNBOOK_REVENANT_CMALLOC_SHIM_H
#define RUNBOOK_REVENANT_CMALLOC_SHIM_H

// glibc's allocator controls (malloc_trim), which its Swift module does not import.
#if __has_include(<malloc.h>)
#include <malloc.h>
#endif

#endif
