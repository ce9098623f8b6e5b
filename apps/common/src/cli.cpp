#include "edgevl_apps/cli.h"

#include <cstdio>
#include <exception>

#include "edgevl/edgevl.h"

namespace edgevl::apps {

int run_guarded(const std::string& program, const std::function<int()>& body) {
  try {
    return body();
  } catch (const edgevl::Error& e) {
    std::fprintf(stderr, "%s: error: %s [%s]\n", program.c_str(), e.what(), edgevl::error_code_name(e.code()));
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "%s: error: out of memory\n", program.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", program.c_str(), e.what());
  } catch (...) {
    std::fprintf(stderr, "%s: error: unknown failure\n", program.c_str());
  }
  return kExitError;
}

std::string format_bytes(unsigned long long bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

}  // namespace edgevl::apps
