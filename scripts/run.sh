#!/usr/bin/env bash
# run.sh — install what is missing, build, and run NTK Studio: the window when a display is
# available, otherwise the headless demo (figures + report in ./ntk-demo-output, or $1).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ntk_install_packages
ntk_build
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec "$NTK_BUILD/app/studio/ntk-studio"
else
  out="${1:-$PWD/ntk-demo-output}"
  "$NTK_BUILD/app/studio/ntk-studio" --demo "$out"
  echo "== open $out/report.md and the PNG figures beside it"
fi
