# ntk-studio's command line without a display (DISPLAY and WAYLAND_DISPLAY unset by the caller):
# --help and --version exit 0 (they used to abort in QApplication with code 134), --help lists the
# panels; --screenshot exits 2 with the xvfb-run hint, --size refuses malformed and too small sizes.
# Each run: exit code, a fragment stdout or stderr must contain.
if(DEFINED ENV{DISPLAY} OR DEFINED ENV{WAYLAND_DISPLAY})
  message(FATAL_ERROR "run this with DISPLAY and WAYLAND_DISPLAY unset (cmake -E env --unset=...)")
endif()

function(expect rc_wanted fragment)
  execute_process(COMMAND ${NTK_STUDIO} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 60)
  if(NOT rc STREQUAL "${rc_wanted}")
    message(FATAL_ERROR "ntk-studio ${ARGN}: exit ${rc}, expected ${rc_wanted}\nstdout: ${out}\nstderr: ${err}")
  endif()
  # Qt wraps --help's descriptions: compare with runs of white space as one space.
  string(REGEX REPLACE "[ \t\n]+" " " said "${out} ${err}")
  string(REGEX REPLACE "[ \t\n]+" " " wanted "${fragment}")
  string(FIND "${said}" "${wanted}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "ntk-studio ${ARGN}: '${fragment}' not in\nstdout: ${out}\nstderr: ${err}")
  endif()
  message(STATUS "ntk-studio ${ARGN}: exit ${rc}, says '${fragment}'")
endfunction()

expect(0 "--screenshot <FILE>" --help)
expect(0 "Show panel NAME: kernel, spectrum, eigenfunctions, dynamics, regimes, width, image, topopt" --help)
expect(0 "--size <WxH>" -h)
expect(0 "ntk-studio ${VERSION} " --version)
expect(2 "xvfb-run -a" --screenshot ${OUT_DIR}/nodisplay.png)
expect(2 "--screenshot needs a display" --screenshot ${OUT_DIR}/nodisplay.png --panel image --size 1024x700)
expect(2 "--size must look like WIDTHxHEIGHT" --screenshot ${OUT_DIR}/x.png --size 1024)
expect(2 "--size must look like WIDTHxHEIGHT" --screenshot ${OUT_DIR}/x.png --size 1024x700px)
expect(2 "smaller than 1024x700" --screenshot ${OUT_DIR}/x.png --size 1023x700)
expect(2 "--size applies to the window" --demo ${OUT_DIR}/demo --size 1024x700)
expect(2 "Unknown option" --bogus)
if(EXISTS ${OUT_DIR}/nodisplay.png OR EXISTS ${OUT_DIR}/x.png)
  message(FATAL_ERROR "a refused screenshot wrote a file")
endif()
