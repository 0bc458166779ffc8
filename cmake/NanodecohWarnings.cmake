# Warning and sanitizer flags, applied per target through nanodecoh_project_options.
add_library(nanodecoh_project_options INTERFACE)
target_compile_options(nanodecoh_project_options INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion>)
if(NANODECOH_SANITIZE)
  target_compile_options(nanodecoh_project_options INTERFACE
    $<$<COMPILE_LANGUAGE:CXX>:-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined>)
  target_link_options(nanodecoh_project_options INTERFACE -fsanitize=address,undefined)
endif()
if(NANODECOH_FUZZ)
  # Coverage feedback for libFuzzer and memory/UB checks in the library the harnesses call.
  target_compile_options(nanodecoh_project_options INTERFACE
    $<$<COMPILE_LANGUAGE:CXX>:-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
    -fno-sanitize-recover=undefined>)
  target_link_options(nanodecoh_project_options INTERFACE -fsanitize=address,undefined)
endif()
