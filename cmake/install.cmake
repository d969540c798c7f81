# `cmake --install`: libossvk.so and ossvk.h for engines (CMake package ossvk::ossvk and a
# pkg-config file), and the ossvk and ossvk-bench programs.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set_target_properties(libossvk PROPERTIES EXPORT_NAME ossvk)
install(TARGETS libossvk EXPORT ossvkTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_SOURCE_DIR}/backend/include/ossvk.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS ossvk_cli ossvk_bench RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

set(config_dir ${CMAKE_INSTALL_LIBDIR}/cmake/ossvk)
install(EXPORT ossvkTargets NAMESPACE ossvk:: DESTINATION ${config_dir})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/ossvkConfig.cmake.in
  ${CMAKE_BINARY_DIR}/ossvkConfig.cmake INSTALL_DESTINATION ${config_dir})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/ossvkConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/ossvkConfig.cmake ${CMAKE_BINARY_DIR}/ossvkConfigVersion.cmake
  DESTINATION ${config_dir})

# Relative to the .pc file, so the installed tree can move (cmake --install --prefix).
file(RELATIVE_PATH OSSVK_PC_TO_PREFIX /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
configure_file(${CMAKE_CURRENT_LIST_DIR}/ossvk.pc.in ${CMAKE_BINARY_DIR}/ossvk.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/ossvk.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
