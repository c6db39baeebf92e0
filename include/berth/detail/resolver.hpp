#ifndef BERTH_DETAIL_RESOLVER_HPP
#define BERTH_DETAIL_RESOLVER_HPP

// The resolver seam: getaddrinfo(3) and freeaddrinfo(3), once each, as detail/sys.hpp keeps
// the system calls. They are library calls, not system calls (getaddrinfo reads
// /etc/nsswitch.conf and /etc/hosts, asks nscd or the name servers, sorts by RFC 6724), but
// kept here, in one place, so that tests can interpose them at link time (count the calls,
// make them fail with a chosen EAI_* code) and berth never calls them anywhere else.
// Also here: what each EAI_* code becomes in berth's internal code (see error.hpp).

#include <berth/error.hpp>

#include <netdb.h>
#include <sys/socket.h>

#include <cerrno>

namespace berth::detail::resolver {

/// getaddrinfo(3), once: 0 and `*result` the list (for freeaddrinfo), or an EAI_* code.
[[gnu::always_inline]] inline int getaddrinfo(const char* node, const char* service, const addrinfo* hints,
                                              addrinfo** result) noexcept {
  return ::getaddrinfo(node, service, hints, result);
}

/// freeaddrinfo(3) of a list getaddrinfo returned.
[[gnu::always_inline]] inline void freeaddrinfo(addrinfo* list) noexcept { ::freeaddrinfo(list); }

}  // namespace berth::detail::resolver

namespace berth::detail {

/// The internal code of getaddrinfo's failure `eai`; `saved_errno` is errno as it was right
/// after the call (what EAI_SYSTEM means).
///  - The name's own outcomes are berth::resolve_error: EAI_NONAME host_not_found, EAI_AGAIN
///    try_again, EAI_SERVICE service_not_found, EAI_NODATA and EAI_ADDRFAMILY no_address,
///    EAI_FAIL failure.
///  - EAI_SYSTEM is its errno in the system category (failure if errno says nothing), and
///    EAI_MEMORY is ENOMEM, so `ec == std::errc::not_enough_memory` works as for any other
///    allocation that fails.
///  - EAI_FAMILY, EAI_SOCKTYPE and EAI_BADFLAGS say that getaddrinfo refused the hints, which
///    berth writes itself (AF_UNSPEC, SOCK_STREAM or SOCK_DGRAM, AI_NUMERICHOST and
///    AI_NUMERICSERV): nothing about the name, but a C library without that support. They
///    are the errno values of the same meaning, EAFNOSUPPORT, ESOCKTNOSUPPORT and EINVAL,
///    which name the cause where resolve_error::failure would hide it.
///  - Any other code (none that getaddrinfo documents) is failure.
inline int resolve_failure(int eai, int saved_errno) noexcept {
  switch (eai) {
    case EAI_NONAME: return code_of(resolve_error::host_not_found);
    case EAI_AGAIN: return code_of(resolve_error::try_again);
    case EAI_SERVICE: return code_of(resolve_error::service_not_found);
#if defined(EAI_NODATA)
    case EAI_NODATA: return code_of(resolve_error::no_address);
#endif
#if defined(EAI_ADDRFAMILY)
    case EAI_ADDRFAMILY: return code_of(resolve_error::no_address);
#endif
    case EAI_FAIL: return code_of(resolve_error::failure);
    case EAI_MEMORY: return ENOMEM;
    case EAI_SYSTEM:
      return saved_errno > 0 && saved_errno <= max_errno ? saved_errno : code_of(resolve_error::failure);
    case EAI_FAMILY: return EAFNOSUPPORT;
    case EAI_SOCKTYPE: return ESOCKTNOSUPPORT;
    case EAI_BADFLAGS: return EINVAL;
    default: return code_of(resolve_error::failure);
  }
}

}  // namespace berth::detail

#endif  // BERTH_DETAIL_RESOLVER_HPP
