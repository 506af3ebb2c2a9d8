# `ntk-studio --screenshot OUT --size WxH` under xvfb-run writes a PNG of exactly W x H (read from the
# PNG's IHDR: width at byte 16, height at byte 20, big-endian), for each size in SIZES.
foreach(size IN LISTS SIZES)
  string(REPLACE "x" ";" wh ${size})
  list(GET wh 0 w)
  list(GET wh 1 h)
  set(png ${OUT_DIR}/screenshot_${size}.png)
  file(REMOVE ${png})
  execute_process(
    COMMAND ${XVFB_RUN} -a -s "-screen 0 2000x1200x24" ${NTK_STUDIO} --screenshot ${png} --panel ${PANEL} --size ${size}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 240)
  if(NOT rc EQUAL 0 OR NOT EXISTS ${png})
    message(FATAL_ERROR "--size ${size}: exit ${rc}\n${out}\n${err}")
  endif()
  file(READ ${png} ihdr OFFSET 16 LIMIT 8 HEX)
  string(SUBSTRING ${ihdr} 0 8 wHex)
  string(SUBSTRING ${ihdr} 8 8 hHex)
  math(EXPR gotW "0x${wHex}")
  math(EXPR gotH "0x${hHex}")
  if(NOT gotW EQUAL w OR NOT gotH EQUAL h)
    message(FATAL_ERROR "--size ${size}: the PNG is ${gotW}x${gotH}\n${out}\n${err}")
  endif()
  message(STATUS "--size ${size}: ${png} is ${gotW}x${gotH}")
endforeach()
