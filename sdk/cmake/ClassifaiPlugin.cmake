# classifai_add_plugin(<name> SOURCES <files...> [LINK <targets...>])
#
# Builds a classifai plugin: a MODULE library named exactly <name>.so (the plugin id), with hidden
# visibility and --no-undefined, linked privately to the SDK. Used by classifai's own plugins and
# by third parties after find_package(ClassifaiSdk CONFIG).
include_guard(GLOBAL)

function(classifai_add_plugin name)
    cmake_parse_arguments(PLUGIN "" "OUTPUT_DIRECTORY" "SOURCES;LINK" ${ARGN})
    if(NOT PLUGIN_SOURCES)
        message(FATAL_ERROR "classifai_add_plugin(${name}): SOURCES is required")
    endif()
    add_library(${name} MODULE ${PLUGIN_SOURCES})
    set_target_properties(${name} PROPERTIES
        PREFIX ""
        CXX_VISIBILITY_PRESET hidden
        VISIBILITY_INLINES_HIDDEN ON)
    if(PLUGIN_OUTPUT_DIRECTORY)
        set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${PLUGIN_OUTPUT_DIRECTORY})
    elseif(DEFINED CLASSIFAI_PLUGIN_OUTPUT_DIR)
        set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${CLASSIFAI_PLUGIN_OUTPUT_DIR})
    endif()
    target_compile_features(${name} PRIVATE cxx_std_17)
    target_link_libraries(${name} PRIVATE classifai::sdk ${PLUGIN_LINK})
    if(NOT APPLE AND NOT WIN32)
        target_link_options(${name} PRIVATE LINKER:--no-undefined LINKER:--exclude-libs,ALL)
    endif()
endfunction()
