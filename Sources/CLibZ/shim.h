#ifndef RUNBOOK_REVENANT_CLIBZ_SHIM_H
#define RUNBOOK_REVENANT_CLIBZ_SHIM_H

/* The system's zlib, which libpq and libxlsxwriter already load: gzip input only. */
#include <zlib.h>

/* inflateInit2 is a macro (it passes the header's version and the struct's size), which
 * Swift cannot call: 15 + 16 is the largest window, gzip framing only. */
static inline int rr_inflate_init_gzip(z_stream *stream) { return inflateInit2(stream, 15 + 16); }

#endif
