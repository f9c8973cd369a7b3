// Runs before the Swift runtime, libdispatch or Foundation open anything: a caller that closed
// stdout or stderr (`2>&-`) would otherwise hand their numbers to the first files opened, and
// reports or diagnostics would be written into them.
#include "standard_streams.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

static int closed_at_start = 0;

__attribute__((constructor(101))) static void rr_guard_standard_streams(void) {
  for (int descriptor = 0; descriptor <= 2; descriptor++) {
    if (fcntl(descriptor, F_GETFD) != -1 || errno != EBADF) continue;
    int opened = open("/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY);
    if (opened >= 0 && opened != descriptor) {
      dup2(opened, descriptor);
      close(opened);
    }
    closed_at_start |= 1 << descriptor;
  }
}

int rr_standard_streams_closed_at_start(void) { return closed_at_start; }
