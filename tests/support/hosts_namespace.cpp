#include "hosts_namespace.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace berth_test {
namespace {

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

bool write_file(const std::string& path, std::string_view text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  bool ok = true;
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      break;
    }
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return ::close(fd) == 0 && ok;
}

bool exists(const char* path) {
  struct stat st {};
  return ::stat(path, &st) == 0;
}

// uid_map and gid_map of this process after unshare(CLONE_NEWUSER): our ids become 0.
std::string map_to_root(uid_t uid, gid_t gid) {
  if (!write_file("/proc/self/setgroups", "deny"))
    return errno_text("writing /proc/self/setgroups");
  if (!write_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1\n"))
    return errno_text("writing /proc/self/uid_map");
  if (!write_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1\n"))
    return errno_text("writing /proc/self/gid_map");
  return "";
}

constexpr std::string_view nsswitch =
    "passwd: files\ngroup: files\nshadow: files\nhosts: files\nnetworks: files\n"
    "protocols: files\nservices: files\nethers: files\nrpc: files\nnetgroup: files\n";

}  // namespace

std::string read_file(const char* path) {
  std::string text;
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return text;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

std::string enter_hosts_namespace(std::string_view hosts) {
  // The files first, while this process may still write where it can outside.
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/berth-hosts-XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) return errno_text("mkdtemp " + dir);
  const std::string hosts_file = dir + "/hosts", nsswitch_file = dir + "/nsswitch.conf",
                    empty_file = dir + "/empty";
  const auto remove_files = [&] {
    ::unlink(hosts_file.c_str());
    ::unlink(nsswitch_file.c_str());
    ::unlink(empty_file.c_str());
    ::rmdir(dir.c_str());
  };
  if (!write_file(hosts_file, hosts) || !write_file(nsswitch_file, nsswitch) || !write_file(empty_file, "")) {
    const std::string why = errno_text("writing the files in " + dir);
    remove_files();
    return why;
  }
  // The directory must be readable by the user of the namespace (root in it is still us).
  ::chmod(dir.c_str(), 0755);

  const uid_t uid = ::getuid();
  const gid_t gid = ::getgid();
  std::string why;
  if (uid == 0 && ::unshare(CLONE_NEWNS) == 0) {
    // root with CAP_SYS_ADMIN: a mount namespace is enough
  } else if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0) {
    why = map_to_root(uid, gid);
  } else {
    why = errno_text("unshare(CLONE_NEWUSER | CLONE_NEWNS)");
  }
  if (why.empty() && ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    why = errno_text("making / private in the new mount namespace");
  if (why.empty() && ::mount(hosts_file.c_str(), "/etc/hosts", nullptr, MS_BIND, nullptr) != 0)
    why = errno_text("bind-mounting over /etc/hosts");
  if (why.empty() && ::mount(nsswitch_file.c_str(), "/etc/nsswitch.conf", nullptr, MS_BIND, nullptr) != 0)
    why = errno_text("bind-mounting over /etc/nsswitch.conf");
  if (why.empty() && exists("/etc/gai.conf") &&
      ::mount(empty_file.c_str(), "/etc/gai.conf", nullptr, MS_BIND, nullptr) != 0)
    why = errno_text("bind-mounting over /etc/gai.conf");
  for (const char* nscd : {"/run/nscd", "/var/run/nscd"}) {
    if (why.empty() && exists(nscd) && ::mount("tmpfs", nscd, "tmpfs", 0, "size=4k") != 0)
      why = errno_text(std::string("hiding ") + nscd);
  }
  remove_files();  // the mounts keep what they show
  if (!why.empty()) return why;
  // What getaddrinfo will read is what was written.
  if (read_file("/etc/hosts") != hosts || read_file("/etc/nsswitch.conf") != nsswitch)
    return "/etc/hosts or /etc/nsswitch.conf does not show the files mounted over it";
  return "";
}

void use_test_hosts() {
  static bool entered = false;
  if (entered) return;
  const std::string why = enter_hosts_namespace(test_hosts);
  if (!why.empty()) {
    std::printf("skipped: no private mount namespace for /etc/hosts (%s)\n", why.c_str());
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(77);
  }
  entered = true;
}

}  // namespace berth_test
