// Facts about the machine a benchmark ran on: its load and the process's peak memory.
#pragma once

#include <string>

namespace edgevl::bench {

/// The 1, 5 and 15 minute load averages from /proc/loadavg ("0.61 0.15 0.05"), as `uptime` shows them; "" when the
/// file cannot be read (not Linux).
std::string load_average();

/// Peak resident set size of this process so far (getrusage RUSAGE_SELF ru_maxrss), MiB; 0 if unavailable.
double peak_rss_mib();

/// CPU threads the machine offers (std::thread::hardware_concurrency(), at least 1).
int hardware_threads();

}  // namespace edgevl::bench
