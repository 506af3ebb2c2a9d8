# common.sh — shared by run.sh and test.sh: install missing Debian packages, configure, build.
# Sourced, not executed. Uses sudo only when not root. Nothing is downloaded except Debian packages.
set -euo pipefail

NTK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NTK_BUILD="${NTK_BUILD_DIR:-$NTK_ROOT/build}"

NTK_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  qt6-base-dev qt6-base-dev-tools libqt6opengl6-dev qt6-svg-dev libgl-dev
  libvtk9-dev libeigen3-dev libtbb-dev nlohmann-json3-dev libcli11-dev libfftw3-dev libspectra-dev
  liblapacke-dev libopenblas-dev libpng-dev libsuitesparse-dev
  xvfb xauth xfonts-base fonts-dejavu-core libgl1-mesa-dri
)

ntk_install_packages() {
  local missing=()
  for p in "${NTK_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "== all ${#NTK_PACKAGES[@]} Debian packages present"
    return 0
  fi
  echo "== installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

ntk_build() {
  echo "== configuring and building in $NTK_BUILD"
  cmake -S "$NTK_ROOT" -B "$NTK_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
  cmake --build "$NTK_BUILD" --parallel "$(nproc)"
}
