#include <berth/error.hpp>

#include <berth/inet.hpp>
#include <berth/socket.hpp>
#include <berth/socket_pair.hpp>

#include "catch.hpp"
#include "sockets.hpp"
#include "support.hpp"

#include <cerrno>
#include <string>
#include <system_error>
#include <type_traits>

namespace bt = berth_test;

namespace {

static_assert(std::is_error_code_enum_v<berth::error>);
static_assert(!std::is_error_condition_enum_v<berth::error>);
static_assert(std::is_enum_v<berth::error>);
// Zero means success in an std::error_code: no berth condition may be zero.
static_assert(static_cast<int>(berth::error::eof) != 0);
static_assert(static_cast<int>(berth::error::truncated) != 0);
static_assert(berth::error::eof != berth::error::truncated);
static_assert(noexcept(berth::make_error_code(berth::error::eof)));
static_assert(noexcept(berth::error_category()));
static_assert(std::is_convertible_v<berth::error, std::error_code>);  // through is_error_code_enum

}  // namespace

TEST_CASE("berth::error codes live in the category named \"berth\"") {
  const std::error_code eof = berth::error::eof;
  const std::error_code truncated = make_error_code(berth::error::truncated);  // found by ADL
  CHECK(std::string(eof.category().name()) == "berth");
  CHECK(&eof.category() == &berth::error_category());
  CHECK(&truncated.category() == &berth::error_category());
  CHECK(&berth::error_category() == &berth::error_category());  // one object
  CHECK(eof.value() == static_cast<int>(berth::error::eof));
  CHECK(truncated.value() == static_cast<int>(berth::error::truncated));
  CHECK(eof);  // an error, not success
  CHECK(truncated);
}

TEST_CASE("berth::error codes compare with ==") {
  std::error_code ec = berth::error::eof;
  CHECK(ec == berth::error::eof);
  CHECK(berth::error::eof == ec);
  CHECK(ec != berth::error::truncated);
  ec = berth::error::truncated;
  CHECK(ec == berth::error::truncated);
  CHECK(ec == berth::make_error_code(berth::error::truncated));

  // The category is part of the identity: the errno with the same number is another error.
  const std::error_code same_number(static_cast<int>(berth::error::eof), std::system_category());
  CHECK(same_number != berth::error::eof);
  CHECK(std::error_code(berth::error::eof) != std::errc::operation_not_permitted);
  CHECK(std::error_code(berth::error::truncated) != std::errc::message_size);
  CHECK(std::error_code() != berth::error::eof);
}

TEST_CASE("berth::error messages say what happened") {
  const std::string eof = std::error_code(berth::error::eof).message();
  const std::string truncated = std::error_code(berth::error::truncated).message();
  CHECK(eof.find("end of stream") != std::string::npos);
  CHECK(truncated.find("truncated") != std::string::npos);
  CHECK(eof != truncated);
  CHECK_FALSE(berth::error_category().message(12345).empty());  // unknown values too
}

TEST_CASE("system errors keep errno in the system category and compare to std::errc") {
  const auto ep = bt::closed_port4();
  std::error_code ec;
  auto s = berth::connect(ep, ec);
  CHECK(&ec.category() == &std::system_category());
  CHECK(ec.value() == ECONNREFUSED);
  CHECK(ec == std::errc::connection_refused);
  CHECK(ec != berth::error::eof);

  auto pair = berth::socket_pair();
  pair.first.close();
  char buffer[4];
  pair.second.read(buffer, ec);
  CHECK(&ec.category() == &berth::error_category());
  CHECK(ec == berth::error::eof);
  CHECK(ec != std::errc::connection_reset);
}

TEST_CASE("thrown errors are std::system_error carrying the same codes") {
  auto pair = berth::socket_pair();
  pair.first.close();
  char buffer[4];
  bool caught = false;
  try {
    pair.second.read(buffer);
  } catch (const std::system_error& e) {
    caught = true;
    CHECK(e.code() == berth::error::eof);
    CHECK(std::string(e.code().category().name()) == "berth");
    CHECK(std::string(e.what()).find("berth") != std::string::npos);  // names the operation
  }
  CHECK(caught);

  const auto ep = bt::closed_port6();
  caught = false;
  try {
    (void)berth::connect(ep);
  } catch (const std::system_error& e) {
    caught = true;
    CHECK(e.code() == std::errc::connection_refused);
    CHECK(&e.code().category() == &std::system_category());
  }
  CHECK(caught);
}

TEST_CASE("detail: one int for success, errno, or a berth::error, turned into a code at the edge") {
  std::error_code ec = std::make_error_code(std::errc::io_error);
  berth::detail::assign(ec, 0);
  CHECK_FALSE(ec);
  berth::detail::assign(ec, EPIPE);
  CHECK(ec == std::errc::broken_pipe);
  CHECK(&ec.category() == &std::system_category());
  berth::detail::assign(ec, berth::detail::code_of(berth::error::truncated));
  CHECK(ec == berth::error::truncated);
  static_assert(berth::detail::code_of(berth::error::eof) > 4095);  // above every errno
  CHECK(bt::thrown_code([] { berth::detail::throw_error(ECONNRESET, "x"); }) == std::errc::connection_reset);
  CHECK(bt::thrown_code([] { berth::detail::throw_error(berth::detail::code_of(berth::error::eof), "x"); }) ==
        berth::error::eof);
}

TEST_CASE("detail::throw_parse_error names the refused text, cut after 64 characters") {
  std::string what;
  std::error_code code;
  const std::string long_text(100, 'z');
  try {
    berth::detail::throw_parse_error("berth: not an address:", long_text.data(), long_text.size());
  } catch (const std::system_error& e) {
    what = e.what();
    code = e.code();
  }
  CHECK(code == std::errc::invalid_argument);
  CHECK(what.find("berth: not an address: \"" + std::string(64, 'z') + "...\"") != std::string::npos);
  CHECK(what.find(std::string(65, 'z')) == std::string::npos);

  try {
    berth::detail::throw_parse_error("bad:", "1.2.3", 5);
  } catch (const std::system_error& e) {
    what = e.what();
  }
  CHECK(what.find("bad: \"1.2.3\"") != std::string::npos);
}
