// Name resolution without the network: a private mount namespace in which /etc/hosts is a
// file the test wrote and /etc/nsswitch.conf says "hosts: files", so that getaddrinfo reads
// only that file, an unknown name fails at once with EAI_NONAME, and no query is ever sent.
// Root gets a mount namespace of its own; anyone else a user namespace (mapped to root in
// it) with a mount namespace, as `unshare -m` and `unshare -rm` make them.
#ifndef BERTH_TESTS_SUPPORT_HOSTS_NAMESPACE_HPP
#define BERTH_TESTS_SUPPORT_HOSTS_NAMESPACE_HPP

#include <string>
#include <string_view>

namespace berth_test {

/// The names the tests resolve (see use_test_hosts). Each *.test name is only here.
inline constexpr std::string_view test_hosts =
    "127.0.0.1 localhost\n"
    "::1 localhost\n"
    "127.0.0.1 v4.test\n"
    "::1 v6.test\n"
    "::1 both.test\n"
    "127.0.0.1 both.test\n"
    "127.0.0.1 dup.test\n"
    "::1 dup.test\n"
    "127.0.0.1 dup.test\n"
    "127.0.0.2 dup.test\n"
    "::1 dup.test\n"
    "224.0.0.1 multicast.test\n";

/// Puts this process, which must have one thread only, into a private mount namespace (and a
/// user namespace when it is not root, or when root may not make one alone) in which
/// /etc/hosts is `hosts`, /etc/nsswitch.conf says "files" for every database, /etc/gai.conf
/// (when there is one) is empty so that getaddrinfo sorts by RFC 6724's defaults, and
/// nscd's socket directory (when there is one) is empty. The mounts do not propagate
/// outside; the files behind them are removed at once. Returns "" on success, else why not.
std::string enter_hosts_namespace(std::string_view hosts);

/// The contents of the file at `path`; empty when it cannot be read.
std::string read_file(const char* path);

/// enter_hosts_namespace(test_hosts), once per process. When no namespace can be made, says
/// why on stdout and ends the process with status 77, which CTest counts as skipped.
void use_test_hosts();

}  // namespace berth_test

#endif
