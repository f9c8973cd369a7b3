#ifndef RUNBOOK_REVENANT_CLIBPQ_SHIM_H
#define RUNBOOK_REVENANT_CLIBPQ_SHIM_H

#include <libpq-fe.h>

// Swift does not import libpq's character-literal macros: name the fields used.
static const int RR_PG_DIAG_SQLSTATE = PG_DIAG_SQLSTATE;
static const int RR_PG_DIAG_MESSAGE_PRIMARY = PG_DIAG_MESSAGE_PRIMARY;
static const int RR_PG_DIAG_MESSAGE_DETAIL = PG_DIAG_MESSAGE_DETAIL;
static const int RR_PG_DIAG_MESSAGE_HINT = PG_DIAG_MESSAGE_HINT;

#endif
