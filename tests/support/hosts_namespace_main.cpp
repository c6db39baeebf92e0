// berth_hosts_namespace HOSTS_FILE PROGRAM [ARGUMENT...]
//
// Runs PROGRAM in a private mount namespace in which /etc/hosts is HOSTS_FILE and
// /etc/nsswitch.conf says "hosts: files" (see hosts_namespace.hpp), so that whatever names
// it resolves come from that file and nothing is asked of a name server. It is exec'd: it
// keeps this process's id, its standard streams and its signals. For the example tests and
// the syscall audit, which run programs that resolve names.
//
// Exit status: PROGRAM's; 77 (with the reason on stderr) when no namespace can be made;
// 2 for bad usage; 127 when PROGRAM cannot be run.
#include "hosts_namespace.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: berth_hosts_namespace HOSTS_FILE PROGRAM [ARGUMENT...]\n");
    return 2;
  }
  if (::access(argv[1], R_OK) != 0) {  // read_file would not say why
    std::fprintf(stderr, "berth_hosts_namespace: %s: %s\n", argv[1], std::strerror(errno));
    return 2;
  }
  const std::string hosts = berth_test::read_file(argv[1]);
  const std::string why = berth_test::enter_hosts_namespace(hosts);
  if (!why.empty()) {
    std::fprintf(stderr, "berth_hosts_namespace: no private mount namespace for /etc/hosts: %s\n", why.c_str());
    return 77;
  }
  ::execvp(argv[2], argv + 2);
  std::fprintf(stderr, "berth_hosts_namespace: cannot run %s: %s\n", argv[2], std::strerror(errno));
  return 127;
}
