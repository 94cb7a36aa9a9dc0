# Installation, the pkg-config file and the `maps` target.
# Included by the top-level CMakeLists.txt after the targets are defined.
#
#   cmake --install build --prefix P   installs
#     P/bin/steppe
#     P/lib/libsteppe.so.0.1.0 (SONAME libsteppe.so.0), libsteppe.so, libsteppe.a
#     P/include/steppe/*.h, P/lib/pkgconfig/steppe.pc
#     P/lib/cmake/steppe/steppe{Config,ConfigVersion,Targets*}.cmake
#                                         find_package(steppe): steppe::steppe
#                                         (shared), steppe::steppe_static
#     P/share/steppe/styles, P/share/steppe/shapes   (styles name ../shapes/...)
#     P/share/man/man1/steppe.1                      (when docs/steppe.1 exists)
#
# P is chosen at install time, after the configure step baked
# STEPPE_DATA_DIR=${CMAKE_INSTALL_FULL_DATADIR}/steppe into the binary, so the
# installed binary finds its data relative to itself first (src/ctx.c,
# steppe_ctx_data_dir: /proc/self/exe → BIN/<rel>). <rel> is derived here
# from GNUInstallDirs so that a changed CMAKE_INSTALL_BINDIR/DATADIR still
# matches what is installed.

file(RELATIVE_PATH STEPPE_DATA_DIR_FROM_BIN
  ${CMAKE_INSTALL_FULL_BINDIR} ${CMAKE_INSTALL_FULL_DATADIR}/steppe)
target_compile_definitions(steppe_objects PRIVATE
  STEPPE_DATA_DIR_FROM_BIN="${STEPPE_DATA_DIR_FROM_BIN}")

install(TARGETS steppe RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS steppe_shared steppe_lib EXPORT steppeTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} NAMELINK_COMPONENT dev
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

# CMake package: find_package(steppe [0.1]) gives steppe::steppe (the shared
# library) and steppe::steppe_static. The static library's own dependencies
# are found again by steppeConfig.cmake with pkg-config.
set(STEPPE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/steppe)
install(EXPORT steppeTargets NAMESPACE steppe:: DESTINATION ${STEPPE_CMAKE_DIR})
include(CMakePackageConfigHelpers)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/steppeConfig.cmake.in
  ${PROJECT_BINARY_DIR}/steppeConfig.cmake INSTALL_DESTINATION ${STEPPE_CMAKE_DIR})
# Before 1.0 a new minor version may change the API: only the same minor
# version is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/steppeConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/steppeConfig.cmake ${PROJECT_BINARY_DIR}/steppeConfigVersion.cmake
  DESTINATION ${STEPPE_CMAKE_DIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/steppe
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")

# Bundled data. The layout share/steppe/{styles,shapes} must stay as in the
# source tree: styles refer to their data as ../shapes/NAME.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/styles ${PROJECT_SOURCE_DIR}/shapes
  DESTINATION ${CMAKE_INSTALL_DATADIR}/steppe
  PATTERN ".*" EXCLUDE)

# The man page is written separately; OPTIONAL decides at install time, so a
# page added after the configure step is still installed.
install(FILES ${PROJECT_SOURCE_DIR}/docs/steppe.1
  DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 OPTIONAL)

# pkg-config: relocatable — prefix is computed from ${pcfiledir}.
set(STEPPE_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(IS_ABSOLUTE "${STEPPE_PC_DIR}")
  file(RELATIVE_PATH STEPPE_PC_PREFIX_FROM_PCDIR ${STEPPE_PC_DIR} ${CMAKE_INSTALL_PREFIX})
else()
  file(RELATIVE_PATH STEPPE_PC_PREFIX_FROM_PCDIR /root/${STEPPE_PC_DIR} /root)
endif()
string(REGEX REPLACE "/$" "" STEPPE_PC_PREFIX_FROM_PCDIR "${STEPPE_PC_PREFIX_FROM_PCDIR}")
set(STEPPE_PC_DL_LIBS "")
foreach(lib ${CMAKE_DL_LIBS})
  string(APPEND STEPPE_PC_DL_LIBS " -l${lib}")
endforeach()
string(STRIP "${STEPPE_PC_DL_LIBS}" STEPPE_PC_DL_LIBS)
list(JOIN STEPPE_PC_MODULES " " STEPPE_PC_REQUIRES_PRIVATE)
configure_file(${CMAKE_CURRENT_LIST_DIR}/steppe.pc.in ${PROJECT_BINARY_DIR}/steppe.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/steppe.pc DESTINATION ${STEPPE_PC_DIR})

# `cmake --build build --target maps`: every bundled style rendered to
# out/NAME.png, .svg and .pdf (one read of the data per style). Styles meant
# for the atlas (names with "atlas" or "partner-region") are pages of a larger
# document and are rendered by it, not here. The target always runs: a style
# may name any data file, so there is no complete dependency list to check.
file(GLOB STEPPE_STYLES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/styles/*.yaml)
list(SORT STEPPE_STYLES)
set(STEPPE_MAP_COMMANDS COMMAND ${CMAKE_COMMAND} -E make_directory out)
foreach(style ${STEPPE_STYLES})
  get_filename_component(name ${style} NAME_WE)
  if(name MATCHES "atlas|partner-region")
    continue()
  endif()
  list(APPEND STEPPE_MAP_COMMANDS
    COMMAND $<TARGET_FILE:steppe> render -q styles/${name}.yaml
            -o out/${name}.png -o out/${name}.svg -o out/${name}.pdf)
endforeach()
add_custom_target(maps
  ${STEPPE_MAP_COMMANDS}
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
  COMMENT "Rendering the bundled styles to out/*.png, *.svg, *.pdf"
  VERBATIM)
add_dependencies(maps steppe)
