# Runs `ntk-studio --screenshot OUT --network NET --panel kernel` under xvfb-run and checks that the PNG
# exists and is not trivially small (a blank 1400x820 PNG compresses to a few KiB).
file(REMOVE ${OUT})
execute_process(
  COMMAND ${XVFB_RUN} -a -s "-screen 0 1600x1000x24" ${NTK_STUDIO} --screenshot ${OUT} --network ${NET} --panel kernel
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 240)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ntk-studio --screenshot failed (${rc}): ${out} ${err}")
endif()
if(NOT EXISTS ${OUT})
  message(FATAL_ERROR "no screenshot written: ${out} ${err}")
endif()
file(SIZE ${OUT} size)
if(size LESS 40000)
  message(FATAL_ERROR "screenshot is only ${size} bytes: blank?")
endif()
message(STATUS "screenshot ${OUT}: ${size} bytes")

# A wrong panel name is refused with exit code 2.
execute_process(
  COMMAND ${XVFB_RUN} -a ${NTK_STUDIO} --screenshot ${OUT}.bad.png --panel no-such-panel
  RESULT_VARIABLE rc2 OUTPUT_VARIABLE out2 ERROR_VARIABLE err2 TIMEOUT 120)
if(NOT rc2 EQUAL 2 OR NOT err2 MATCHES "unknown panel")
  message(FATAL_ERROR "--panel no-such-panel: expected exit 2 and 'unknown panel', got ${rc2}: ${err2}")
endif()
