# ctest driver (cmake -P): installs the SDK component into a scratch prefix, builds
# tests/sdk-consumer against it as a third party would, and has the server load the result.
# Inputs: SOURCE_DIR, BINARY_DIR, WORK_DIR, SERVER_BINARY.
foreach(input SOURCE_DIR BINARY_DIR WORK_DIR SERVER_BINARY)
    if(NOT DEFINED ${input})
        message(FATAL_ERROR "RunSdkConsumerTest.cmake needs -D${input}=...")
    endif()
endforeach()

# Runs one step; stops the test with the step's output when it fails.
function(run_step name)
    execute_process(COMMAND ${ARGN}
        RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
    if(NOT result EQUAL 0)
        message(FATAL_ERROR "${name} failed (${result}):\n${ARGN}\n${output}")
    endif()
    message(STATUS "${name}: ok")
endfunction()

# A fresh prefix and build every run, so nothing from the source tree or an old run leaks in.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
set(build ${WORK_DIR}/build)
set(plugins ${WORK_DIR}/plugins)

run_step("install the SDK"
    ${CMAKE_COMMAND} --install ${BINARY_DIR} --component sdk --prefix ${prefix})
run_step("configure the third-party plugin"
    ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/sdk-consumer -B ${build}
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release)
run_step("build the third-party plugin" ${CMAKE_COMMAND} --build ${build})

set(library ${build}/exporter-ndjson.so)
if(NOT EXISTS ${library})
    message(FATAL_ERROR "the build produced no ${library}")
endif()

# The server's folder holds only this plugin, so its verdict is about this plugin alone.
file(MAKE_DIRECTORY ${plugins})
file(COPY ${library} DESTINATION ${plugins})
if(NOT EXISTS ${SERVER_BINARY})
    message(FATAL_ERROR "server binary ${SERVER_BINARY} does not exist")
endif()
execute_process(COMMAND ${SERVER_BINARY} --check-plugins --plugins-dir=${plugins}
    RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(NOT result EQUAL 0)
    message(FATAL_ERROR "the server refused the third-party plugin (${result}):\n${output}")
endif()
if(NOT output MATCHES "loaded exporter-ndjson [^\n]*exporter ndjson")
    message(FATAL_ERROR "the server did not report exporter ndjson as loaded:\n${output}")
endif()
message(STATUS "the server loaded exporter-ndjson:\n${output}")
