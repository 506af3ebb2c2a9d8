#!/usr/bin/env bash
# test.sh — install what is missing, build, and run the whole test suite (GUI tests under xvfb-run).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ntk_install_packages
ntk_build -DNTK_BUILD_TESTS=ON
cd "$NTK_BUILD"
ctest --output-on-failure --parallel "$(nproc)" --timeout 900
