// Happy Eyeballs' error paths that the kernel will not produce on demand, through the fault
// seam (support/fault.hpp): socket(2), connect(2), poll(2), getsockopt(SO_ERROR) and the
// winner's ioctl(FIONBIO) failing. Numeric addresses only: nothing is resolved here.
#include <berth/resolve.hpp>

#include "fault.hpp"
#include "sockets.hpp"
#include "support.hpp"

#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
#else
#include <catch2/catch.hpp>
#endif

#include <cerrno>
#include <chrono>
#include <system_error>
#include <vector>

namespace bt = berth_test;
using berth::ip_endpoint;
using berth_test::fault::call;
using berth_test::fault::injection;

namespace {

using clock_type = std::chrono::steady_clock;

/// A listener on 127.0.0.1 and the same address twice as a race's list.
struct two_ways_in {
  berth::acceptor<berth::inet> listener = berth::listen(bt::loopback4());
  std::vector<ip_endpoint> addresses{listener.local_endpoint(), listener.local_endpoint()};
};

TEST_CASE("an attempt whose socket(2) fails: the next starts at once and wins") {
  two_ways_in to;
  const int before = bt::open_descriptor_count();
  const auto start = clock_type::now();
  std::error_code ec;
  berth::socket<berth::ip, berth::stream> s;
  {
    const injection fail(call::socket, EMFILE);
    s = berth::connect(to.addresses, ec);
    CHECK(fail.calls() == 2);
  }
  CHECK(!ec);
  CHECK(clock_type::now() - start < std::chrono::milliseconds(200));
  CHECK(bt::open_descriptor_count() == before + 1);
  const auto server = to.listener.accept();
}

TEST_CASE("an attempt whose connect(2) fails at once: the next starts at once and wins") {
  two_ways_in to;
  std::error_code ec;
  const injection fail(call::connect, ENETUNREACH);
  const auto s = berth::connect(to.addresses, ec);
  CHECK(!ec);
  CHECK(s.is_open());
  CHECK(fail.calls() == 2);
  const auto server = to.listener.accept();
}

TEST_CASE("every attempt failing at once reports the last one's error, nothing left open") {
  two_ways_in to;
  const int before = bt::open_descriptor_count();
  std::error_code ec;
  {
    const injection fail(call::connect, EHOSTUNREACH, 1);     // the first attempt
    const injection then(call::socket, ENFILE, 1, 1);          // the second one's socket
    CHECK(!berth::connect(to.addresses, ec).is_open());
  }
  CHECK(ec == std::errc::too_many_files_open_in_system);
  CHECK(bt::open_descriptor_count() == before);
}

TEST_CASE("poll interrupted by a signal is made again, the race goes on") {
  two_ways_in to;
  std::error_code ec;
  const injection fail(call::poll, EINTR, 2);
  const auto s = berth::connect(std::vector<ip_endpoint>{to.addresses[0]}, std::chrono::seconds(5), ec);
  CHECK(!ec);
  CHECK(s.is_open());
  CHECK(fail.calls() == 3);  // two interrupted, one that saw the connection
  const auto server = to.listener.accept();
}

TEST_CASE("poll failing otherwise ends the race with its error, every attempt closed") {
  two_ways_in to;
  const int before = bt::open_descriptor_count();
  std::error_code ec;
  const injection fail(call::poll, ENOMEM);
  CHECK(!berth::connect(to.addresses, ec).is_open());
  CHECK(ec == std::errc::not_enough_memory);
  CHECK(bt::open_descriptor_count() == before);  // the attempt closed (its connection waits at the listener)
}

TEST_CASE("getsockopt(SO_ERROR) failing counts as that attempt's failure") {
  two_ways_in to;
  std::error_code ec;
  {
    const injection fail(call::getsockopt, ENOBUFS, 2);  // both attempts'
    CHECK(!berth::connect(to.addresses, ec).is_open());
    CHECK(fail.calls() == 2);
  }
  CHECK(ec == std::errc::no_buffer_space);
}

TEST_CASE("the winner that cannot be made blocking again is closed and reported") {
  two_ways_in to;
  const int before = bt::open_descriptor_count();
  std::error_code ec;
  {
    const injection fail(call::ioctl, EIO);
    CHECK(!berth::connect(to.addresses, ec).is_open());
  }
  CHECK(ec == std::errc::io_error);
  CHECK(bt::open_descriptor_count() == before);  // closed (its connection waits at the listener)
}

}  // namespace
