#ifndef RUNBOOK_REVENANT_STANDARD_STREAMS_H
#define RUNBOOK_REVENANT_STANDARD_STREAMS_H

/// Which of descriptors 0, 1 and 2 were closed when the process started (bit n for descriptor n).
/// Each was then opened on /dev/null, before any other code could open a file and take its number.
int rr_standard_streams_closed_at_start(void);

#endif
