# berth's own targets (tests, examples, benchmarks) link berth_dev: warnings as errors
# here, and never on a consumer's targets.
find_package(Threads REQUIRED)

add_library(berth_dev INTERFACE)
target_link_libraries(berth_dev INTERFACE berth::berth Threads::Threads)
target_compile_options(berth_dev INTERFACE
  -Wall -Wextra -Wpedantic -Werror -Wconversion -Wsign-conversion -Wshadow)
