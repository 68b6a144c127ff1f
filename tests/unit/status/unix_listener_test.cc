#define BOOST_TEST_DYN_LINK
#include "daemon/status/unix_listener.h"

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/stat.h>

#include "tests/unit/status/test_support.h"

using tandem::status::UnixListener;
using tandem::status::testing::RawClient;
using tandem::status::testing::TempDir;

BOOST_AUTO_TEST_SUITE(unix_listener)

BOOST_AUTO_TEST_CASE(creates_parents_sets_mode_and_group_and_cleans_up) {
  TempDir dir;
  const std::string path = dir.path() + "/run/tandem/tandem.sock";
  {
    auto l = UnixListener::open(path, "daemon");  // gid 1 on Debian
    BOOST_REQUIRE_MESSAGE(l.ok(), (l.ok() ? "" : l.error().message));
    struct stat st;
    BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
    BOOST_TEST(S_ISSOCK(st.st_mode));
    BOOST_TEST((st.st_mode & 07777) == 0660u);
    BOOST_TEST(st.st_gid == 1u);
    BOOST_REQUIRE(::stat((dir.path() + "/run/tandem").c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 07777) == 0755u);
    RawClient c(path);
    BOOST_TEST(c.connected());
  }
  BOOST_TEST(::access(path.c_str(), F_OK) != 0);  // removed on destruction
}

BOOST_AUTO_TEST_CASE(replaces_a_stale_socket_but_not_a_live_one) {
  TempDir dir;
  const std::string path = dir.path() + "/s.sock";
  {
    // A socket file with nobody behind it, as a killed daemon leaves.
    tandem::base::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path.copy(addr.sun_path, sizeof addr.sun_path - 1);
    BOOST_REQUIRE(::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
  }
  auto first = UnixListener::open(path, "");
  BOOST_REQUIRE_MESSAGE(first.ok(), (first.ok() ? "" : first.error().message));
  auto second = UnixListener::open(path, "");
  BOOST_REQUIRE(!second.ok());
  BOOST_TEST(second.error().message.find("another process is answering") != std::string::npos);
  BOOST_TEST(second.error().message.find(path) != std::string::npos);
  RawClient c(path);
  BOOST_TEST(c.connected());  // the refused second one did not remove the first's file
}

BOOST_AUTO_TEST_CASE(refuses_paths_that_are_not_sockets) {
  TempDir dir;
  const std::string file = dir.path() + "/plain";
  ::close(::open(file.c_str(), O_CREAT | O_WRONLY, 0644));
  auto r = UnixListener::open(file, "");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().message.find("not a socket") != std::string::npos);
  BOOST_TEST(::access(file.c_str(), F_OK) == 0);  // untouched
  BOOST_TEST(UnixListener::open(dir.path(), "").error().message.find("not a socket") != std::string::npos);
  BOOST_TEST(UnixListener::open(dir.path() + "/x.sock", "no-such-group-here").error().message.find(
                 "no such group") != std::string::npos);
  BOOST_TEST(UnixListener::open(dir.path() + "/" + std::string(120, 'x'), "").error().message.find("longer") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(leaves_a_newer_daemons_socket_alone) {
  TempDir dir;
  const std::string path = dir.path() + "/s.sock";
  auto old_one = UnixListener::open(path, "");
  BOOST_REQUIRE(old_one.ok());
  ::unlink(path.c_str());  // someone replaced it...
  auto new_one = UnixListener::open(path, "");
  BOOST_REQUIRE(new_one.ok());
  { UnixListener gone = std::move(*old_one); }  // ...the old one goes away
  RawClient c(path);
  BOOST_TEST(c.connected());
}

BOOST_AUTO_TEST_SUITE_END()
