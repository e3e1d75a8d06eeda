# Tests that are programs rather than cmocka suites.
find_program(BASH bash REQUIRED)
# Debian's python3 (with python3-jsonschema from scripts/deps), not a user's pyenv shim
find_program(PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT PYTHON3)
  find_program(PYTHON3 python3)
endif()
add_test(NAME cli/contract COMMAND ${BASH} ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_cli.sh
         $<TARGET_FILE:refract> ${CMAKE_SOURCE_DIR})
if(PYTHON3)
  add_test(NAME schema/cases_and_outputs COMMAND ${PYTHON3}
           ${CMAKE_CURRENT_SOURCE_DIR}/schema/validate.py ${CMAKE_SOURCE_DIR})
  set_tests_properties(schema/cases_and_outputs PROPERTIES SKIP_RETURN_CODE 77)
  # the case writer keeps up with the reader (and the full case with the case format)
  add_test(NAME io/case_writer_complete COMMAND ${PYTHON3}
           ${CMAKE_CURRENT_SOURCE_DIR}/io/case_writer_complete.py $<TARGET_FILE:refract>
           ${CMAKE_SOURCE_DIR})
endif()
add_test(NAME style/banned_functions COMMAND ${BASH} ${CMAKE_CURRENT_SOURCE_DIR}/style/banned.sh
         ${CMAKE_SOURCE_DIR})
