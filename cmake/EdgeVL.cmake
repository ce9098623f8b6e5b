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

# A GoogleTest executable registered with CTest: edgevl_gtest(NAME SOURCES... LIBS ... LABELS ... PROPERTIES ...)
# PROPERTIES are extra CTest properties of every discovered test (e.g. FIXTURES_REQUIRED name).
function(edgevl_gtest name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS;PROPERTIES" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main)
  edgevl_warnings(${name})
  include(GoogleTest)
  if(T_LABELS)
    gtest_discover_tests(${name} WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}
                         PROPERTIES LABELS "${T_LABELS}" ${T_PROPERTIES} DISCOVERY_TIMEOUT 60)
  elseif(T_PROPERTIES)
    gtest_discover_tests(${name} WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR} DISCOVERY_TIMEOUT 60
                         PROPERTIES ${T_PROPERTIES})
  else()
    gtest_discover_tests(${name} WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR} DISCOVERY_TIMEOUT 60)
  endif()
endfunction()
