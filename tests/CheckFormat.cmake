# Fails when any C++ file of the project differs from what clang-format makes of it.
find_program(CLANG_FORMAT NAMES clang-format clang-format-14 REQUIRED)
file(GLOB_RECURSE files
    ${SOURCE_DIR}/sdk/*.hpp ${SOURCE_DIR}/kernel/*.cpp ${SOURCE_DIR}/kernel/*.hpp
    ${SOURCE_DIR}/plugins/*.cpp ${SOURCE_DIR}/plugins/*.hpp
    ${SOURCE_DIR}/tests/*.cpp ${SOURCE_DIR}/tests/*.hpp
    ${SOURCE_DIR}/bench/*.cpp ${SOURCE_DIR}/bench/*.hpp)
execute_process(COMMAND ${CLANG_FORMAT} --dry-run --Werror ${files}
    RESULT_VARIABLE result ERROR_VARIABLE errors)
if(NOT result EQUAL 0)
    message(FATAL_ERROR "clang-format found unformatted files (run `make format`):\n${errors}")
endif()
