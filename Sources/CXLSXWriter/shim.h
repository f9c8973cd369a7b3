#ifndef RUNBOOK_REVENANT_CXLSXWRITER_SHIM_H
#define RUNBOOK_REVENANT_CXLSXWRITER_SHIM_H

#include <stdio.h>
#include <xlsxwriter.h>

/* libxlsxwriter's constant-memory mode is a workbook option, applied to every
 * worksheet; Excel tables and chart value caches need a sheet's cells held in
 * memory. This turns one freshly added worksheet back into the in-memory kind
 * (as if the workbook had no constant-memory option), before anything is
 * written to it: `optimize` is the flag every write path tests, and the row
 * file constant-memory mode opened for the sheet is closed unused. */
static inline void rr_worksheet_keep_rows_in_memory(lxw_worksheet *worksheet) {
  if (!worksheet->optimize) return;
  worksheet->optimize = 0;
  if (worksheet->optimize_tmpfile) fclose(worksheet->optimize_tmpfile);
  worksheet->optimize_tmpfile = NULL;
  worksheet->file = NULL;
}

#endif
