# The installable package: find_package(QuantForge) gives QuantForge::*
# targets, and through them MLIR.
include(CMakePackageConfigHelpers)
set(QF_CMAKE_INSTALL_DIR lib/cmake/quantforge)
install(EXPORT QuantForgeTargets NAMESPACE QuantForge::
        DESTINATION ${QF_CMAKE_INSTALL_DIR})
configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/QuantForgeConfig.cmake.in
  ${PROJECT_BINARY_DIR}/QuantForgeConfig.cmake
  INSTALL_DESTINATION ${QF_CMAKE_INSTALL_DIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/QuantForgeConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/QuantForgeConfig.cmake
              ${PROJECT_BINARY_DIR}/QuantForgeConfigVersion.cmake
        DESTINATION ${QF_CMAKE_INSTALL_DIR})
