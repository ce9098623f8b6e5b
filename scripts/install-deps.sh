#!/usr/bin/env bash
# Installs everything EdgeVL needs to build, test and run, from Debian's packages and the npm registry.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
PKGS=(
  build-essential clang cmake ninja-build pkg-config ccache
  libopencv-dev libeigen3-dev libsentencepiece-dev libfmt-dev nlohmann-json3-dev libpcre2-dev libutf8proc-dev
  libcli11-dev libspdlog-dev libgtest-dev libgmock-dev libbenchmark-dev libhwy-dev
  python3 python3-numpy python3-pil python3-skimage
  openjdk-17-jdk-headless junit4
  nodejs npm
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# nodejs/npm may come from elsewhere on the machine; only install them if the commands are missing.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
filtered=()
for p in "${missing[@]}"; do [ -n "$p" ] && filtered+=("$p"); done
if [ ${#filtered[@]} -gt 0 ]; then
  echo "[install-deps] installing: ${filtered[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${filtered[@]}"
else
  echo "[install-deps] all Debian packages present"
fi
