#ifndef RUNBOOK_REVENANT_CLIBCRYPTO_SHIM_H
#define RUNBOOK_REVENANT_CLIBCRYPTO_SHIM_H

/* The system's libcrypto (OpenSSL), which libpq already loads: SHA-256 and MD5 only.
 * The one-struct digest functions are deprecated in OpenSSL 3 in favour of EVP, but
 * stay supported through 3.x; they need no allocation and no provider look-up per
 * digest, which the per-event shard hash would pay for with EVP. */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/md5.h>
#include <openssl/sha.h>

#endif
