#ifndef BERTH_ANCILLARY_HPP
#define BERTH_ANCILLARY_HPP

// What travels beside the bytes on local sockets (control messages): the results of
// receive_descriptors (SCM_RIGHTS) and the credentials of send_credentials and
// receive_credentials (SCM_CREDENTIALS).

#include <sys/types.h>

#include <cstddef>

namespace berth {

/// What one receive_descriptors call received: `bytes` of data and `descriptors`
/// descriptors (the first that many elements of its `out`).
struct received {
  /// Bytes of data received (0 at end of stream on a stream socket).
  std::size_t bytes = 0;
  /// Descriptors received and now owned by the first elements of `out`.
  std::size_t descriptors = 0;
};

/// Who sent a message on a local socket (SCM_CREDENTIALS): as the kernel vouches for it on
/// receive_credentials, or as claimed on send_credentials (a process may claim its own ids;
/// others need CAP_SYS_ADMIN, CAP_SETUID, CAP_SETGID). Default-constructed: pid 0 and ids
/// -1, which are nobody's.
struct credentials {
  /// The sender's process id; 0 for a message sent before pass_credentials was on.
  pid_t pid = 0;
  /// The sender's user id.
  uid_t uid = static_cast<uid_t>(-1);
  /// The sender's group id.
  gid_t gid = static_cast<gid_t>(-1);

  /// Equal when all three are.
  friend constexpr bool operator==(const credentials&, const credentials&) noexcept = default;
};

}  // namespace berth

#endif  // BERTH_ANCILLARY_HPP
