# Cross build for s390x (big-endian IBM Z) on an x86_64 Debian 12 host, with Debian's
# g++-s390x-linux-gnu and a sysroot made by tools/make-s390x-sysroot. Tests run under qemu-s390x.
#
#   cmake -S . -B build-s390x -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-s390x.cmake \
#         -DZONNX_S390X_SYSROOT=/var/cache/zonnx/s390x-sysroot-...
#
# (tools/test-s390x does all of it.) The sysroot may also come from the environment variable of the
# same name.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR s390x)

if(NOT ZONNX_S390X_SYSROOT AND DEFINED ENV{ZONNX_S390X_SYSROOT})
  set(ZONNX_S390X_SYSROOT "$ENV{ZONNX_S390X_SYSROOT}")
endif()
if(NOT ZONNX_S390X_SYSROOT OR NOT EXISTS "${ZONNX_S390X_SYSROOT}/usr/lib/s390x-linux-gnu")
  message(FATAL_ERROR "Set ZONNX_S390X_SYSROOT to an s390x sysroot (tools/make-s390x-sysroot prints one); "
                      "got '${ZONNX_S390X_SYSROOT}'")
endif()
# try_compile projects re-read this file; hand the sysroot on to them.
set(CMAKE_TRY_COMPILE_PLATFORM_VARIABLES ZONNX_S390X_SYSROOT)
set(ZONNX_S390X_SYSROOT "${ZONNX_S390X_SYSROOT}" CACHE PATH "s390x sysroot")

set(CMAKE_C_COMPILER s390x-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER s390x-linux-gnu-g++)
set(CMAKE_SYSROOT "${ZONNX_S390X_SYSROOT}")

# Libraries, headers and CMake package files come from the sysroot only; programs (protoc, if ever
# needed) from the host.
set(CMAKE_FIND_ROOT_PATH "${ZONNX_S390X_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# add_test and gtest_discover_tests run the s390x binaries through qemu; -L makes qemu load the
# dynamic loader and shared libraries from the sysroot. Paths outside the sysroot (the source tree,
# /work/shared, /usr/share/libonnx-testdata) are the host's files.
find_program(ZONNX_QEMU_S390X qemu-s390x qemu-s390x-static REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR "${ZONNX_QEMU_S390X};-L;${ZONNX_S390X_SYSROOT}")
