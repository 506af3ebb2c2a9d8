# Runs every example command of README.md as written and fails on the first non-zero exit.
# The examples are the lines of the README's ```sh blocks (the two set-up commands are ```bash
# blocks and are not run: they would rebuild and retest everything). A line ending in "\" continues
# on the next; blank lines and "#" comments are skipped. Each command runs with `sh -c` in a fresh
# scratch directory WORK that links `resources` and `bench` to the source tree and `build` to the build
# tree, so `build/app/cli/ntk-cli … resources/…` works exactly as in a checkout, and outputs stay there.
# In: -DREADME=… -DSOURCE_DIR=… -DBINARY_DIR=… -DWORK=… Out: exit status (FATAL_ERROR on failure, and
# when no example was found).
foreach(var README SOURCE_DIR BINARY_DIR WORK)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_readme_examples.cmake needs -D${var}=…")
  endif()
endforeach()

file(READ "${README}" text)
# CMake lists split on ";", treat "[" "]" as grouping and "\;" as an escaped ";": protect all three,
# split on newlines, restore them before running a command.
string(REPLACE "\\" "@BACKSLASH@" text "${text}")
string(REPLACE ";" "@SEMICOLON@" text "${text}")
string(REPLACE "[" "@LBRACKET@" text "${text}")
string(REPLACE "]" "@RBRACKET@" text "${text}")
string(REPLACE "\n" ";" lines "${text}")

set(commands "")
set(in_block FALSE)
set(pending "")
foreach(line IN LISTS lines)
  if(NOT in_block)
    if(line MATCHES "^```sh[ \t]*$")
      set(in_block TRUE)
    endif()
    continue()
  endif()
  if(line MATCHES "^```")
    set(in_block FALSE)
    if(NOT pending STREQUAL "")
      message(FATAL_ERROR "README.md: a ```sh block ends inside a continued command: ${pending}")
    endif()
    continue()
  endif()
  if(pending STREQUAL "" AND (line MATCHES "^[ \t]*$" OR line MATCHES "^[ \t]*#"))
    continue()
  endif()
  if(line MATCHES "^(.*)@BACKSLASH@[ \t]*$")
    string(APPEND pending "${CMAKE_MATCH_1} ")
    continue()
  endif()
  string(APPEND pending "${line}")
  list(APPEND commands "${pending}")
  set(pending "")
endforeach()

list(LENGTH commands count)
if(count EQUAL 0)
  message(FATAL_ERROR "README.md has no ```sh example blocks: nothing was checked")
endif()

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
file(CREATE_LINK "${SOURCE_DIR}/resources" "${WORK}/resources" SYMBOLIC)
file(CREATE_LINK "${SOURCE_DIR}/bench" "${WORK}/bench" SYMBOLIC)
file(CREATE_LINK "${BINARY_DIR}" "${WORK}/build" SYMBOLIC)

set(index 0)
foreach(command IN LISTS commands)
  math(EXPR index "${index} + 1")
  string(REPLACE "@SEMICOLON@" ";" command "${command}")
  string(REPLACE "@LBRACKET@" "[" command "${command}")
  string(REPLACE "@RBRACKET@" "]" command "${command}")
  string(REPLACE "@BACKSLASH@" "\\" command "${command}")
  string(TIMESTAMP t0 "%s")
  execute_process(COMMAND sh -c "${command}"
                  WORKING_DIRECTORY "${WORK}"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
  string(TIMESTAMP t1 "%s")
  math(EXPR seconds "${t1} - ${t0}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "README example ${index} of ${count} failed (exit ${rc}):\n  ${command}\n${out}${err}")
  endif()
  message(STATUS "ok (${seconds} s): ${command}")
endforeach()
message(STATUS "all ${count} README examples ran")
