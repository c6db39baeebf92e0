#ifndef BERTH_DETAIL_HAPPY_EYEBALLS_HPP
#define BERTH_DETAIL_HAPPY_EYEBALLS_HPP

// Happy Eyeballs (RFC 8305): TCP connection attempts to a host's addresses, raced.
//
// connect_race is the state machine and never waits: it says which attempt to start next
// and when, starts it (a non-blocking socket and one connect), and takes the outcome of an
// attempt whose descriptor became writable. Whoever drives it does the waiting:
// race_connect below with one poll over every pending attempt (the blocking policy), and
// an event loop with its own readiness (arm each new attempt's descriptor for writability,
// a timer at next_start(), attempt_ready(fd) when one fires) without another line of the
// algorithm.
//
// The algorithm, as RFC 8305 §4 and §5 give it:
//  - The addresses are taken in the order given (getaddrinfo's, which RFC 6724 sorted),
//    interleaved by family: the family of the first address first, then the other, one
//    address each in turn ("First Address Family Count" 1); when one family runs out, the
//    rest of the other follow.
//  - One attempt is started at a time. The next starts when the Connection Attempt Delay
//    (250 ms) has passed since the last one started and none has connected, or at once
//    when an attempt fails (a failed attempt loads the network no more, and waiting for
//    it to be late helps nobody). Earlier attempts go on meanwhile.
//  - The first attempt to connect wins; every other is closed. All failing, the error is
//    that of the last attempt to end.
//  - At most max_pending attempts are in flight; beyond that the next waits until one
//    ends (sixteen seconds of black-holed addresses at the usual delay).

#include <berth/detail/blocking.hpp>
#include <berth/detail/chrono.hpp>
#include <berth/detail/sys.hpp>
#include <berth/ip.hpp>

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstddef>
#include <span>
#include <type_traits>

namespace berth::detail {

/// RFC 8305's recommended Connection Attempt Delay.
inline constexpr std::chrono::milliseconds connection_attempt_delay{250};

// Compile time: connect_race and race_connect are templates over the endpoint type (always
// ip_endpoint), so that the span, the clock's arithmetic and the rest they use are compiled
// only in a translation unit that connects by name, not in every one that includes it.

/// The state of one race of connection attempts (see the top of this file), over addresses
/// of type Endpoint (ip_endpoint). Owns every descriptor it opened until the winner is
/// taken; the destructor closes the rest.
template <class Endpoint = ip_endpoint>
class connect_race {
 public:
  /// How many attempts may be in flight at once.
  static constexpr std::size_t max_pending = 64;

  /// One attempt in flight: its descriptor and the index of its address.
  struct attempt {
    int fd;
    std::size_t address;
  };

  /// A race over `addresses` (to which it refers: they must outlive it), of sockets of
  /// `type` (SOCK_STREAM), the next attempt started `delay` after the last.
  explicit connect_race(std::span<const std::type_identity_t<Endpoint>> addresses,
                        clock::duration delay = connection_attempt_delay, int type = SOCK_STREAM) noexcept
      : addresses_(addresses), delay_(delay), type_(type) {
    if (!addresses.empty()) turn_ = slot_of(addresses[0]);
    next_[0] = following(0, 0);
    next_[1] = following(0, 1);
  }
  connect_race(const connect_race&) = delete;
  connect_race& operator=(const connect_race&) = delete;
  /// Closes every attempt still open (the losers, and a winner not taken).
  ~connect_race() {
    close_pending();
    if (winner_ >= 0) sys::close_quietly(winner_);
  }

  /// Whether an attempt connected (take it with take_winner()).
  bool has_winner() const noexcept { return winner_ >= 0; }
  /// Whether the race is over without a winner: every address was tried and every attempt
  /// failed (or there was no address).
  bool exhausted() const noexcept { return winner_ < 0 && pending_ == 0 && !has_next(); }
  /// When the next attempt is due; time_point::max() when none can start (no address left,
  /// or max_pending in flight).
  clock::time_point next_start() const noexcept {
    return has_next() && pending_ < max_pending && winner_ < 0 ? next_start_ : clock::time_point::max();
  }
  /// Whether the next attempt is due at `now`.
  bool wants_start(clock::time_point now) const noexcept { return next_start() <= now; }
  /// The attempts in flight, whose descriptors wait to become writable.
  std::span<const attempt> pending() const noexcept { return {attempts_, pending_}; }
  /// The error of the last attempt to end (0 when none ended yet; EDESTADDRREQ, no
  /// destination, when there is no address at all), or what give_up set.
  int error() const noexcept { return error_ != 0 || !addresses_.empty() ? error_ : EDESTADDRREQ; }

  /// Starts the next attempt (call it when wants_start(now)): socket(SOCK_NONBLOCK) and
  /// connect(). It connects at once (a winner), goes on in the kernel (pending until its
  /// descriptor is writable), or fails at once (closed; the next is due now).
  void start_next(clock::time_point now) noexcept {
    const std::size_t index = take_next();
    const Endpoint& to = addresses_[index];
    const sys::result s = sys::socket(to.is_v4() ? AF_INET : AF_INET6, type_ | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s.err != 0) return failed(s.err, now);
    const int fd = static_cast<int>(s.value);
    const sys::result c = sys::connect(fd, to.data(), to.size());
    if (c.err == 0) {
      winner_ = fd;
    } else if (c.err == EINPROGRESS || c.err == EINTR) {  // a signal leaves the handshake going on
      attempts_[pending_++] = {fd, index};
      next_start_ = now + delay_;
    } else {
      sys::close_quietly(fd);
      failed(c.err, now);
    }
  }

  /// The attempt on `fd` became writable or reported an error (poll's POLLOUT, POLLERR or
  /// POLLHUP; an event loop's readiness): its outcome is read with getsockopt(SO_ERROR).
  /// Connected, it is the winner; failed, it is closed and the next attempt is due now.
  void attempt_ready(int fd, clock::time_point now) noexcept {
    std::size_t k = 0;
    while (k < pending_ && attempts_[k].fd != fd) ++k;
    if (k == pending_) return;  // not one of ours (any more)
    attempts_[k] = attempts_[--pending_];
    if (const int err = pending_error(fd); err != 0) {
      sys::close_quietly(fd);
      return failed(err, now);
    }
    winner_ = fd;
  }

  /// Ends the race without a winner: `err` (ETIMEDOUT when the time ran out, a poll error)
  /// is its error; every attempt in flight is closed.
  void give_up(int err) noexcept {
    error_ = err;
    close_pending();
  }

  /// The connected descriptor (non-blocking), now the caller's; -1 when there is none.
  int take_winner() noexcept {
    const int fd = winner_;
    winner_ = -1;
    return fd;
  }

  /// Closes every attempt still in flight (once there is a winner: the losers). An event
  /// loop cancels its waits on them first.
  void close_pending() noexcept {
    for (std::size_t k = 0; k < pending_; ++k) sys::close_quietly(attempts_[k].fd);
    pending_ = 0;
  }

 private:
  // Addresses are grouped by family in two slots, IPv4 (0) and IPv6 (1); next_[slot] is the
  // index of that family's next address not yet tried, addresses_.size() when none is left.
  static std::size_t slot_of(const Endpoint& e) noexcept { return e.is_v6() ? 1 : 0; }
  std::size_t following(std::size_t from, std::size_t slot) const noexcept {
    while (from < addresses_.size() && slot_of(addresses_[from]) != slot) ++from;
    return from;
  }
  bool has_next() const noexcept { return next_[0] < addresses_.size() || next_[1] < addresses_.size(); }
  // The address to try next: the family whose turn it is, or the other when it has none
  // left; the turn then passes to the other family.
  std::size_t take_next() noexcept {
    std::size_t slot = turn_;
    if (next_[slot] >= addresses_.size()) slot = 1 - slot;
    const std::size_t index = next_[slot];
    next_[slot] = following(index + 1, slot);
    turn_ = 1 - slot;
    return index;
  }
  void failed(int err, clock::time_point now) noexcept {
    error_ = err;
    next_start_ = now;
  }

  std::span<const Endpoint> addresses_;
  clock::duration delay_;
  int type_;
  std::size_t next_[2] = {0, 0};
  std::size_t turn_ = 0;
  clock::time_point next_start_{};  // the epoch: the first attempt is due at once
  attempt attempts_[max_pending];
  std::size_t pending_ = 0;
  int winner_ = -1;
  int error_ = 0;
};

/// Races connection attempts to `addresses` (see connect_race) until one connects, every
/// one failed, or `deadline` passed (time_point::max(): none; expiry is ETIMEDOUT). The
/// waiting is one poll over every pending attempt per wait, until the next attempt is due
/// (a signal: polled again with the time left); beyond the attempts' own calls (socket,
/// connect, getsockopt(SO_ERROR) for each that ends, close for each that loses) nothing
/// else is called. The winner is made blocking again (ioctl FIONBIO) and returned; -1 and
/// `err` when none won, nothing left open.
template <class Endpoint>
inline int race_connect(std::span<const Endpoint> addresses, clock::time_point deadline, int& err,
                 clock::duration delay = connection_attempt_delay) noexcept {
  using race_type = connect_race<Endpoint>;
  race_type race(addresses, delay);
  pollfd waiting[race_type::max_pending];
  for (;;) {
    clock::time_point now = clock::now();
    while (race.wants_start(now)) race.start_next(now);
    if (race.has_winner() || race.exhausted()) break;
    if (now >= deadline) {
      race.give_up(ETIMEDOUT);
      break;
    }
    const clock::time_point until = race.next_start() < deadline ? race.next_start() : deadline;
    const int timeout_ms = until == clock::time_point::max() ? -1 : milliseconds_until(until);
    const std::span<const typename race_type::attempt> pending = race.pending();
    for (std::size_t k = 0; k < pending.size(); ++k) waiting[k] = {pending[k].fd, POLLOUT, 0};
    const sys::result r = sys::poll(waiting, pending.size(), timeout_ms);
    if (r.err == EINTR) continue;  // the time left is worked out again above
    if (r.err != 0) {
      race.give_up(r.err);
      break;
    }
    now = clock::now();
    for (std::size_t k = 0; k < pending.size() && r.value > 0; ++k)
      if (waiting[k].revents != 0) race.attempt_ready(waiting[k].fd, now);
  }
  const int fd = race.take_winner();
  if (fd < 0) {
    err = race.error();
    return -1;
  }
  race.close_pending();  // the losers, before the winner is handed over
  if (const int e = sys::set_nonblocking(fd, false).err; e != 0) {
    sys::close_quietly(fd);
    err = e;
    return -1;
  }
  err = 0;
  return fd;
}

}  // namespace berth::detail

#endif  // BERTH_DETAIL_HAPPY_EYEBALLS_HPP
