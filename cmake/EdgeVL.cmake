# Helpers shared by every folder.

# Add every immediate subdirectory of the current folder that has a CMakeLists.txt.
function(edgevl_add_subdirectories)
  file(GLOB children LIST_DIRECTORIES true RELATIVE ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/*)
  list(SORT children)
  foreach(child ${children})
    if(IS_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/${child} AND EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${child}/CMakeLists.txt)
      add_subdirectory(${child})
    endif()
  endforeach()
endfunction()

# Warnings for our own targets.
function(edgevl_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
endfunction()

# A GoogleTest executable registered with CTest as ONE test: edgevl_gtest(NAME SOURCES ... LIBS ... LABELS ...
# PROPERTIES ...). One CTest entry per binary (not per TEST) so an expensive suite fixture (a compiled bundle, a loaded
# vocabulary) is set up once per binary and never raced by parallel processes; gtest prints every case.
# PROPERTIES are extra CTest properties of the test (e.g. FIXTURES_REQUIRED name).
function(edgevl_gtest name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS;PROPERTIES" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main)
  edgevl_warnings(${name})
  add_test(NAME ${name} COMMAND ${name} WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR})
  set_tests_properties(${name} PROPERTIES TIMEOUT 900 ${T_PROPERTIES})
  if(T_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}")
  endif()
endfunction()
