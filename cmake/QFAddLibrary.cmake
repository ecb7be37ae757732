# qf_add_library(name SOURCES... [DEPENDS targets...] [LINK libs...])
# qf_add_library(name INTERFACE LINK libs...)
#
# A static library of the project (or, with INTERFACE, an umbrella that only
# links others): its headers are installed under
# include/quantforge/<path relative to the repository root>, and it is
# exported as QuantForge::<name>. MLIR comes from libMLIR.so.
function(qf_add_library name)
  cmake_parse_arguments(ARG "INTERFACE" "" "SOURCES;DEPENDS;LINK" ${ARGN})
  if(ARG_INTERFACE)
    add_library(${name} INTERFACE)
    target_link_libraries(${name} INTERFACE ${ARG_LINK})
    install(TARGETS ${name} EXPORT QuantForgeTargets)
    return()
  endif()
  add_library(${name} STATIC ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  if(ARG_DEPENDS)
    add_dependencies(${name} ${ARG_DEPENDS})
  endif()
  target_link_libraries(${name} PUBLIC ${ARG_LINK})
  target_include_directories(${name} PUBLIC
    $<INSTALL_INTERFACE:include/quantforge>)
  install(TARGETS ${name} EXPORT QuantForgeTargets
          ARCHIVE DESTINATION lib LIBRARY DESTINATION lib)
  # Headers sit beside the sources, possibly in subfolders (Jit/CpuJit.cpp).
  set(dirs ${CMAKE_CURRENT_SOURCE_DIR})
  foreach(src ${ARG_SOURCES})
    get_filename_component(dir ${CMAKE_CURRENT_SOURCE_DIR}/${src} DIRECTORY)
    list(APPEND dirs ${dir})
  endforeach()
  list(REMOVE_DUPLICATES dirs)
  foreach(dir ${dirs})
    file(RELATIVE_PATH reldir ${PROJECT_SOURCE_DIR} ${dir})
    file(GLOB headers ${dir}/*.h)
    install(FILES ${headers} DESTINATION include/quantforge/${reldir})
  endforeach()
  file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
  install(DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/
          DESTINATION include/quantforge/${rel}
          FILES_MATCHING PATTERN "*.inc" PATTERN "CMakeFiles" EXCLUDE)
endfunction()
