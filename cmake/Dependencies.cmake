# Every third-party dependency comes from Debian; scripts/install-deps.sh installs them.
# A missing one stops configuration with the package to install.
find_package(PkgConfig QUIET)

macro(edgevl_require_package name debian_pkg)
  find_package(${name} ${ARGN} QUIET)
  if(NOT ${name}_FOUND)
    message(FATAL_ERROR "EdgeVL needs ${name}: install the Debian package '${debian_pkg}' (or run scripts/install-deps.sh)")
  endif()
endmacro()

macro(edgevl_require_pkgconfig target module debian_pkg)
  if(NOT PKG_CONFIG_FOUND)
    message(FATAL_ERROR "EdgeVL needs pkg-config: install the Debian package 'pkg-config' (or run scripts/install-deps.sh)")
  endif()
  pkg_check_modules(${target} QUIET IMPORTED_TARGET ${module})
  if(NOT ${target}_FOUND)
    message(FATAL_ERROR "EdgeVL needs ${module}: install the Debian package '${debian_pkg}' (or run scripts/install-deps.sh)")
  endif()
endmacro()

edgevl_require_package(OpenCV libopencv-dev COMPONENTS core imgproc imgcodecs)
edgevl_require_package(Eigen3 libeigen3-dev)
edgevl_require_package(fmt libfmt-dev)
edgevl_require_package(nlohmann_json nlohmann-json3-dev)
edgevl_require_package(CLI11 libcli11-dev)
edgevl_require_package(Threads libc6-dev)
edgevl_require_package(hwy libhwy-dev)
edgevl_require_pkgconfig(SentencePiece sentencepiece libsentencepiece-dev)
edgevl_require_pkgconfig(PCRE2 libpcre2-8 libpcre2-dev)
edgevl_require_pkgconfig(Utf8proc libutf8proc libutf8proc-dev)
if(EDGEVL_BUILD_TESTS)
  edgevl_require_package(GTest libgtest-dev)
endif()
find_package(benchmark QUIET)  # optional: benchmarks are built only when Google Benchmark is present

# Python with NumPy and Pillow (Debian's python3-numpy, python3-pil) runs the reference scripts in tests.
find_program(EDGEVL_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT EDGEVL_PYTHON)
  find_program(EDGEVL_PYTHON NAMES python3)
endif()
