# weir_library(NAME DEPS...) — one static library per src/ folder, made of every
# .cc file below it (subfolders included).
function(weir_library name)
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  if(srcs)
    add_library(weir_${name} STATIC ${srcs})
    target_include_directories(weir_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(weir_${name} PUBLIC ${ARGN})
  else()
    # header-only so far: an interface library keeps dependents linking
    add_library(weir_${name} INTERFACE)
    target_include_directories(weir_${name} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(weir_${name} INTERFACE ${ARGN})
  endif()
endfunction()

# weir_unit_tests(NAME DEPS...) — one GoogleTest binary per tests/unit/ folder,
# made of every *_test.cc in it, registered with CTest under the label "unit".
function(weir_unit_tests name)
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cc)
  if(NOT srcs)
    return()
  endif()
  add_executable(${name}_test ${srcs})
  target_link_libraries(${name}_test PRIVATE ${ARGN} GTest::gtest GTest::gmock GTest::gtest_main)
  target_include_directories(${name}_test PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  add_test(NAME unit_${name} COMMAND ${name}_test)
  set_tests_properties(unit_${name} PROPERTIES LABELS unit TIMEOUT 300)
endfunction()

# weir_fuzzer(NAME SOURCE DEPS...) — a libFuzzer target, built only with WEIR_FUZZ.
function(weir_fuzzer name source)
  if(NOT WEIR_FUZZ)
    return()
  endif()
  add_executable(fuzz_${name} ${source})
  target_link_libraries(fuzz_${name} PRIVATE ${ARGN})
  target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
  target_include_directories(fuzz_${name} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  # `ninja fuzzers` builds the fuzz targets and only what they link (make fuzz).
  if(NOT TARGET fuzzers)
    add_custom_target(fuzzers)
  endif()
  add_dependencies(fuzzers fuzz_${name})
endfunction()
