// Shared command-line plumbing: run a main body, report edgevl::Error (and anything else) on stderr with a non-zero
// exit code instead of crashing.
#pragma once

#include <functional>
#include <string>

namespace edgevl::apps {

/// Exit codes of the apps.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;  ///< an edgevl::Error or other failure (message on stderr)
inline constexpr int kExitUsage = 2;  ///< bad command line

/// Runs `body`; an exception is printed as "<program>: error: <message> [<code>]" and becomes kExitError.
int run_guarded(const std::string& program, const std::function<int()>& body);

/// Human-readable byte count ("12.3 MB").
std::string format_bytes(unsigned long long bytes);

}  // namespace edgevl::apps
