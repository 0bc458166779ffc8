# Install rules and the exported CMake package: find_package(nanodecoh) then
# target_link_libraries(app PRIVATE nanodecoh::nanodecoh).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS nanodecoh EXPORT nanodecohTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS nanodecoh_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/nanodecoh DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_BINARY_DIR}/generated/nanodecoh/version.hpp
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/nanodecoh)
install(EXPORT nanodecohTargets NAMESPACE nanodecoh::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nanodecoh)
configure_package_config_file(cmake/nanodecohConfig.cmake.in
  ${PROJECT_BINARY_DIR}/nanodecohConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nanodecoh)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/nanodecohConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/nanodecohConfig.cmake
  ${PROJECT_BINARY_DIR}/nanodecohConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nanodecoh)
install(FILES scripts/plot_evolution.py scripts/plot_ftable.py scripts/plot_budget.py DESTINATION ${CMAKE_INSTALL_DATADIR}/nanodecoh/scripts)
