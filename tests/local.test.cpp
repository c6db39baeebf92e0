#include <berth/local.hpp>

#include "catch.hpp"
#include "support.hpp"

#include <berth/acceptor.hpp>
#include <berth/socket.hpp>
#include <berth/socket_pair.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <unordered_set>

using berth::local_endpoint;
using namespace std::string_view_literals;

namespace {

static_assert(std::is_same_v<local_endpoint::family, berth::local>);
static_assert(std::is_same_v<berth::local::endpoint, local_endpoint>);
static_assert(berth::local::domain == AF_UNIX);
static_assert(berth::endpoint<local_endpoint>);
static_assert(local_endpoint::max_path_size == 107 && local_endpoint::max_name_size == 107);
static_assert(local_endpoint::capacity() == sizeof(sockaddr_un));
// the path constructor is explicit: a string is not silently an endpoint
static_assert(!std::is_convertible_v<std::string_view, local_endpoint>);
static_assert(std::is_constructible_v<local_endpoint, std::string_view>);
static_assert(std::is_nothrow_constructible_v<local_endpoint, std::string_view, std::error_code&>);

constexpr socklen_t family_size = offsetof(sockaddr_un, sun_path);

/// Both forms refuse: the constructor (or abstract) throws std::system_error with `code`,
/// the error-code form sets it and leaves the endpoint unnamed.
void require_path_refused(std::string_view path, std::errc code) {
  CAPTURE(std::string(path), path.size());
  std::error_code ec = std::make_error_code(std::errc::timed_out);
  const local_endpoint e(path, ec);
  CHECK(ec == code);
  CHECK(e.is_unnamed());
  CHECK(e.size() == family_size);
  CHECK(e.path().empty());
  bool thrown = false;
  try {
    local_endpoint thrown_form(path);
  } catch (const std::system_error& error) {
    thrown = true;
    CHECK(error.code() == code);
  }
  CHECK(thrown);
}

void require_name_refused(std::string_view name, std::errc code) {
  CAPTURE(std::string(name), name.size());
  std::error_code ec = std::make_error_code(std::errc::timed_out);
  const local_endpoint e = local_endpoint::abstract(name, ec);
  CHECK(ec == code);
  CHECK(e.is_unnamed());
  CHECK_FALSE(e.is_abstract());
  bool thrown = false;
  try {
    (void)local_endpoint::abstract(name);
  } catch (const std::system_error& error) {
    thrown = true;
    CHECK(error.code() == code);
  }
  CHECK(thrown);
}

/// A directory of its own under /tmp, removed with what is in it by the destructor.
class temp_directory {
 public:
  temp_directory() {
    char name[] = "/tmp/berth-local-XXXXXX";
    REQUIRE(::mkdtemp(name) != nullptr);
    path_ = name;
  }
  ~temp_directory() { ::rmdir(path_.c_str()); }
  temp_directory(const temp_directory&) = delete;
  temp_directory& operator=(const temp_directory&) = delete;
  const std::string& str() const noexcept { return path_; }

 private:
  std::string path_;
};

/// Unlinks a file when it goes away (the socket file a bind created).
struct unlink_at_exit {
  std::string path;
  ~unlink_at_exit() { ::unlink(path.c_str()); }
};

}  // namespace

TEST_CASE("local_endpoint default is unnamed") {
  const local_endpoint e;
  CHECK(e.is_unnamed());
  CHECK_FALSE(e.is_abstract());
  CHECK(e.path().empty());
  CHECK(e.to_string().empty());
  CHECK(e.size() == family_size);
  CHECK(e.data()->sa_family == AF_UNIX);
  CHECK(e == local_endpoint{});
}

TEST_CASE("local_endpoint holds a path with its NUL") {
  const local_endpoint e("/run/app.sock"sv);
  CHECK_FALSE(e.is_unnamed());
  CHECK_FALSE(e.is_abstract());
  CHECK(e.path() == "/run/app.sock");
  CHECK(e.to_string() == "/run/app.sock");
  CHECK(e.size() == family_size + 13 + 1);
  sockaddr_un raw{};
  std::memcpy(&raw, e.data(), e.size());
  CHECK(raw.sun_family == AF_UNIX);
  CHECK(std::string_view(raw.sun_path) == "/run/app.sock");
  // relative paths and one-byte paths are paths too
  CHECK(local_endpoint("sock"sv).path() == "sock");
  CHECK(local_endpoint("."sv).path() == ".");
  CHECK(local_endpoint("/"sv).size() == family_size + 2);
  std::error_code ec = std::make_error_code(std::errc::timed_out);
  CHECK(local_endpoint("x"sv, ec).path() == "x");
  CHECK_FALSE(ec);
}

TEST_CASE("local_endpoint takes a path of 107 bytes and the kernel binds it") {
  temp_directory dir;
  std::string path = dir.str() + "/";
  path += std::string(local_endpoint::max_path_size - path.size(), 's');
  REQUIRE(path.size() == 107);
  const unlink_at_exit remove{path};
  const local_endpoint e(path);
  CHECK(e.path() == path);
  CHECK(e.size() == sizeof(sockaddr_un));
  std::error_code ec;
  CHECK(local_endpoint(path, ec) == e);
  CHECK_FALSE(ec);
  {
    auto s = berth::bind<berth::datagram>(e);
    const local_endpoint bound = s.local_endpoint();
    CHECK(bound == e);
    CHECK(bound.path() == path);
    CHECK(bound.to_string() == path);
  }
  CHECK(::access(path.c_str(), F_OK) == 0);  // the socket file has the whole name
}

TEST_CASE("local_endpoint refuses a path of 108 bytes or more as filename_too_long") {
  require_path_refused(std::string(108, 'p'), std::errc::filename_too_long);
  require_path_refused("/" + std::string(107, 'p'), std::errc::filename_too_long);
  require_path_refused(std::string(200, 'p'), std::errc::filename_too_long);
  require_path_refused(std::string(4096, 'p'), std::errc::filename_too_long);
}

TEST_CASE("local_endpoint refuses an empty path or one with a NUL as invalid_argument") {
  require_path_refused(""sv, std::errc::invalid_argument);
  require_path_refused("\0"sv, std::errc::invalid_argument);
  require_path_refused("/tmp/a\0b"sv, std::errc::invalid_argument);
  require_path_refused("/tmp/a\0"sv, std::errc::invalid_argument);
  require_path_refused("\0/tmp/a"sv, std::errc::invalid_argument);
  // a NUL in a path that is also too long: it can never be a path, whatever its length
  require_path_refused(std::string(150, 'p') + '\0', std::errc::invalid_argument);
}

TEST_CASE("local_endpoint abstract names: 1 to 107 bytes, NUL allowed") {
  const local_endpoint e = local_endpoint::abstract("berth-test"sv);
  CHECK(e.is_abstract());
  CHECK_FALSE(e.is_unnamed());
  CHECK(e.path() == "berth-test");  // without the leading NUL
  CHECK(e.to_string() == "@berth-test");
  CHECK(e.size() == family_size + 1 + 10);  // no trailing NUL: the length is the name's
  sockaddr_un raw{};
  std::memcpy(&raw, e.data(), e.size());
  CHECK(raw.sun_path[0] == '\0');
  CHECK(std::string_view(raw.sun_path + 1, 10) == "berth-test");

  const local_endpoint with_nul = local_endpoint::abstract("a\0b"sv);
  CHECK(with_nul.path() == "a\0b"sv);
  CHECK(with_nul.path().size() == 3);
  CHECK(with_nul.to_string() == "@a\0b"sv);
  CHECK(with_nul != local_endpoint::abstract("a"sv));

  CHECK(local_endpoint::abstract("\0"sv).path() == "\0"sv);
  const std::string longest(107, 'n');
  const local_endpoint max = local_endpoint::abstract(longest);
  CHECK(max.path() == longest);
  CHECK(max.size() == sizeof(sockaddr_un));
  std::error_code ec = std::make_error_code(std::errc::timed_out);
  CHECK(local_endpoint::abstract(longest, ec) == max);
  CHECK_FALSE(ec);
}

TEST_CASE("local_endpoint abstract refuses an empty name and one of 108 bytes or more") {
  require_name_refused(""sv, std::errc::invalid_argument);
  require_name_refused(std::string(108, 'n'), std::errc::filename_too_long);
  require_name_refused(std::string(108, '\0'), std::errc::filename_too_long);
  require_name_refused(std::string(1000, 'n'), std::errc::filename_too_long);
}

TEST_CASE("local_endpoint abstract names with a NUL reach the kernel whole") {
  const std::string name = berth_test::unique_abstract_name() + std::string("\0tail", 5);
  const local_endpoint e = local_endpoint::abstract(name);
  auto s = berth::bind<berth::datagram>(e);
  const local_endpoint bound = s.local_endpoint();
  CHECK(bound.is_abstract());
  CHECK(bound == e);
  CHECK(bound.path() == name);
  // a name that stops at the NUL is another name
  CHECK(bound != local_endpoint::abstract(name.substr(0, name.find('\0'))));
}

TEST_CASE("local_endpoint equality compares kind and name") {
  CHECK(local_endpoint("x"sv) == local_endpoint("x"sv));
  CHECK(local_endpoint("x"sv) != local_endpoint("y"sv));
  CHECK(local_endpoint("x"sv) != local_endpoint::abstract("x"sv));
  CHECK(local_endpoint::abstract("x"sv) == local_endpoint::abstract("x"sv));
  CHECK(local_endpoint::abstract("x"sv) != local_endpoint{});
  CHECK(local_endpoint("x"sv) != local_endpoint{});
  CHECK(local_endpoint("/a/b"sv) != local_endpoint("/a/b/"sv));
  // a path the kernel reports without its NUL equals the same path with it
  sockaddr_un raw{};
  raw.sun_family = AF_UNIX;
  std::memcpy(raw.sun_path, "/tmp/s", 6);
  const local_endpoint without_nul =
      local_endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&raw), family_size + 6);
  CHECK(without_nul.path() == "/tmp/s");
  CHECK(without_nul == local_endpoint("/tmp/s"sv));
  CHECK(std::hash<local_endpoint>{}(without_nul) == std::hash<local_endpoint>{}(local_endpoint("/tmp/s"sv)));
}

TEST_CASE("local_endpoint std::hash works in unordered containers and equal values hash equally") {
  std::unordered_set<local_endpoint> set;
  set.insert(local_endpoint("x"sv));
  set.insert(local_endpoint::abstract("x"sv));
  set.insert(local_endpoint{});
  set.insert(local_endpoint("x"sv));
  set.insert(local_endpoint::abstract("a\0b"sv));
  set.insert(local_endpoint::abstract("a"sv));
  CHECK(set.size() == 5);
  CHECK(set.count(local_endpoint::abstract("x"sv)) == 1);
  CHECK(set.count(local_endpoint("y"sv)) == 0);
  const std::hash<local_endpoint> hash;
  CHECK(hash(local_endpoint("/run/a"sv)) == hash(local_endpoint(std::string("/run/a"))));
  CHECK(hash(local_endpoint("x"sv)) != hash(local_endpoint::abstract("x"sv)));
}

TEST_CASE("local_endpoint operator<< writes what to_string returns") {
  const local_endpoint endpoints[] = {local_endpoint{}, local_endpoint("/tmp/sock"sv),
                                      local_endpoint::abstract("name"sv),
                                      local_endpoint::abstract("a\0b"sv)};
  for (const local_endpoint& e : endpoints) {
    std::ostringstream os;
    os << e;
    CHECK(os.str() == e.to_string());
  }
}

TEST_CASE("local_endpoint from_sockaddr checks family and length") {
  sockaddr_un raw{};
  raw.sun_family = AF_UNIX;
  std::memcpy(raw.sun_path, "/tmp/p", 7);
  std::error_code ec = std::make_error_code(std::errc::timed_out);
  const local_endpoint e =
      local_endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&raw), family_size + 7, ec);
  CHECK_FALSE(ec);
  CHECK(e == local_endpoint("/tmp/p"sv));

  SECTION("an abstract name") {
    sockaddr_un abstract{};
    abstract.sun_family = AF_UNIX;
    std::memcpy(abstract.sun_path, "\0abc", 4);
    CHECK(local_endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&abstract),
                                        family_size + 4) == local_endpoint::abstract("abc"sv));
  }
  SECTION("a whole sockaddr_in or sockaddr_in6 is address_family_not_supported") {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    const local_endpoint r =
        local_endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&in), sizeof in, ec);
    CHECK(ec == std::errc::address_family_not_supported);
    CHECK(r.is_unnamed());
    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    try {
      (void)local_endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&in6), sizeof in6);
      FAIL("no exception");
    } catch (const std::system_error& error) {
      CHECK(error.code() == std::errc::address_family_not_supported);
    }
  }
  SECTION("a length beyond sockaddr_un or inside the family is invalid_argument") {
    sockaddr_storage storage{};
    std::memcpy(&storage, &raw, sizeof raw);
    for (socklen_t length : {socklen_t{1}, socklen_t{sizeof(sockaddr_un) + 1},
                             socklen_t{sizeof(sockaddr_storage)}}) {
      CAPTURE(length);
      const local_endpoint r =
          local_endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&storage), length, ec);
      CHECK(ec == std::errc::invalid_argument);
      CHECK(r.is_unnamed());
      try {
        (void)local_endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&storage), length);
        FAIL("no exception");
      } catch (const std::system_error& error) {
        CHECK(error.code() == std::errc::invalid_argument);
      }
    }
    (void)local_endpoint::from_sockaddr(nullptr, family_size, ec);
    CHECK(ec == std::errc::invalid_argument);
  }
  SECTION("the family alone, or no bytes at all, is unnamed") {
    CHECK(local_endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&raw), family_size, ec)
              .is_unnamed());
    CHECK_FALSE(ec);
    CHECK(local_endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&raw), 0, ec).is_unnamed());
    CHECK_FALSE(ec);
  }
}

TEST_CASE("local_endpoint resize checks what the kernel wrote") {
  local_endpoint e("/tmp/before"sv);
  sockaddr_un raw{};
  raw.sun_family = AF_UNIX;
  std::memcpy(raw.sun_path, "/tmp/after", 11);
  std::memcpy(e.data(), &raw, sizeof raw);

  SECTION("a valid length") {
    std::error_code ec = std::make_error_code(std::errc::timed_out);
    e.resize(family_size + 11, ec);
    CHECK_FALSE(ec);
    CHECK(e.path() == "/tmp/after");
  }
  SECTION("0 is unnamed, as recvfrom reports an unnamed sender") {
    e.data()->sa_family = AF_INET;  // the kernel wrote nothing at all
    e.resize(0);
    CHECK(e.is_unnamed());
    CHECK(e.data()->sa_family == AF_UNIX);
    CHECK(e == local_endpoint{});
  }
  SECTION("another family is address_family_not_supported and leaves it unnamed") {
    e.data()->sa_family = AF_INET6;
    std::error_code ec;
    e.resize(family_size + 11, ec);
    CHECK(ec == std::errc::address_family_not_supported);
    CHECK(e.is_unnamed());
    CHECK(e.data()->sa_family == AF_UNIX);
  }
  SECTION("a length beyond sockaddr_un is invalid_argument and leaves it unnamed") {
    std::error_code ec;
    e.resize(sizeof(sockaddr_un) + 1, ec);
    CHECK(ec == std::errc::invalid_argument);
    CHECK(e.is_unnamed());
    try {
      e.resize(1);
      FAIL("no exception");
    } catch (const std::system_error& error) {
      CHECK(error.code() == std::errc::invalid_argument);
    }
  }
}

TEST_CASE("local_endpoint from the kernel: unnamed sockets and unnamed senders") {
  auto [a, b] = berth::socket_pair<berth::datagram>();
  CHECK(a.local_endpoint().is_unnamed());
  CHECK(a.remote_endpoint().is_unnamed());
  REQUIRE(a.send("hi") == 2);
  char buffer[8];
  local_endpoint from("/tmp/stale"sv);
  REQUIRE(b.receive_from(buffer, from) == 2);
  CHECK(from.is_unnamed());  // recvfrom reported a length of 0
  CHECK(from.to_string().empty());
}

TEST_CASE("local_endpoint a path endpoint binds, and getsockname gives it back") {
  berth_test::temp_socket_path path;
  const local_endpoint e(path.str());
  auto s = berth::bind<berth::datagram>(e);
  CHECK(s.local_endpoint() == e);
  CHECK(s.local_endpoint().to_string() == path.str());
}

namespace {

/// A path of exactly 108 bytes (all of sun_path, no room left for a NUL) under $TMPDIR (or
/// /tmp) that does not exist yet; removed when the object goes away.
class full_path {
 public:
  full_path() {
    const char* dir = std::getenv("TMPDIR");
    path_ = std::string(dir && *dir ? dir : "/tmp") + "/berth-full-" + std::to_string(::getpid()) +
            "-" + std::to_string(counter()++) + "-";
    if (path_.size() < sizeof(sockaddr_un::sun_path))
      path_.append(sizeof(sockaddr_un::sun_path) - path_.size(), 'x');
    ::unlink(path_.c_str());
  }
  ~full_path() { ::unlink(path_.c_str()); }
  full_path(const full_path&) = delete;
  full_path& operator=(const full_path&) = delete;
  const std::string& str() const noexcept { return path_; }
  bool fits() const noexcept { return path_.size() == sizeof(sockaddr_un::sun_path); }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::string path_;
};

/// A unix socket of `type` bound with a plain bind(2) to `path`, which fills sun_path: the
/// address length is sizeof(sockaddr_un), what a C program would pass. -1 on failure.
int bind_full(int type, const std::string& path) {
  const int fd = ::socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path, path.data(), sizeof a.sun_path);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

TEST_CASE("a unix peer bound to a full 108-byte path: accept(peer) and remote_endpoint fill its endpoint") {
  const full_path p;
  REQUIRE(p.fits());
  auto listener = berth::listen(local_endpoint::abstract(berth_test::unique_abstract_name()));
  const int client = bind_full(SOCK_STREAM, p.str());
  REQUIRE(client >= 0);
  const local_endpoint at = listener.local_endpoint();
  REQUIRE(::connect(client, at.data(), at.size()) == 0);

  local_endpoint peer;
  std::error_code ec;
  auto server = listener.accept(peer, ec);
  CHECK_FALSE(ec);
  REQUIRE(server.is_open());
  CHECK(peer.path() == p.str());
  CHECK(peer.path().size() == 108);
  CHECK_FALSE(peer.is_abstract());
  CHECK(peer.to_string() == p.str());
  CHECK(peer.size() == sizeof(sockaddr_un));
  CHECK(server.remote_endpoint().path() == p.str());
  CHECK(server.remote_endpoint() == peer);
  ::close(client);
}

TEST_CASE("a unix datagram sender bound to a full 108-byte path: receive_from keeps the datagram and fills its endpoint, send_to answers it") {
  const full_path p;
  REQUIRE(p.fits());
  auto server = berth::bind<berth::datagram>(local_endpoint::abstract(berth_test::unique_abstract_name()));
  const int client = bind_full(SOCK_DGRAM, p.str());
  REQUIRE(client >= 0);
  const local_endpoint at = server.local_endpoint();
  REQUIRE(::sendto(client, "ping", 4, 0, at.data(), at.size()) == 4);

  char buffer[16];
  local_endpoint from;
  std::error_code ec;
  CHECK(server.receive_from(buffer, from, ec) == 4);
  CHECK_FALSE(ec);
  CHECK(std::string_view(buffer, 4) == "ping");
  CHECK(from.path() == p.str());
  CHECK(server.send_to("pong", from) == 4);
  char reply[8];
  CHECK(::recv(client, reply, sizeof reply, 0) == 4);
  CHECK(std::string_view(reply, 4) == "pong");
  ::close(client);
}

TEST_CASE("local_endpoint from_sockaddr and resize take the length Linux reports for a full path (sizeof(sockaddr_un) + 1)") {
  sockaddr_un raw{};
  raw.sun_family = AF_UNIX;
  std::memset(raw.sun_path, 'p', sizeof raw.sun_path);
  sockaddr_storage storage{};
  std::memcpy(&storage, &raw, sizeof raw);
  std::error_code ec;
  const local_endpoint e = local_endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&storage),
                                                         sizeof(sockaddr_un) + 1, ec);
  CHECK_FALSE(ec);
  CHECK(e.path() == std::string(108, 'p'));
  local_endpoint r;
  std::memcpy(r.data(), &raw, sizeof raw);
  r.resize(sizeof(sockaddr_un) + 1, ec);
  CHECK_FALSE(ec);
  CHECK(r == e);
  // One more than that, or a path that does not fill sun_path, is still refused.
  r.resize(sizeof(sockaddr_un) + 2, ec);
  CHECK(ec == std::errc::invalid_argument);
}
