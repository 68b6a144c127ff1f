#define BOOST_TEST_DYN_LINK
#include "conf/line_reader.h"

#include <ini.h>

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

namespace conf = tandem::conf;

namespace {

// Runs text through LineReader + inih and records everything, one string
// per event: "3 [name]", "4 key=value", "5 ! message".
struct Recorder final : conf::LineSink {
  std::vector<std::string> events;
  const conf::LineReader* reader = nullptr;
  bool stop_after_error = false;

  void on_section_header(int line, std::string_view name) override {
    events.push_back(std::to_string(line) + " [" + std::string(name) + "]");
  }
  void on_bad_header(int line, std::string message) override {
    events.push_back(std::to_string(line) + " ![ " + message);
  }
  void on_bad_line(int line, std::string message) override {
    events.push_back(std::to_string(line) + " ! " + message);
  }
  bool wants_more() const override {
    if (!stop_after_error) return true;
    for (const auto& e : events)
      if (e.find('!') != std::string::npos) return false;
    return true;
  }
  static int on_pair(void* self, const char*, const char* key, const char* value) {
    auto* r = static_cast<Recorder*>(self);
    r->events.push_back(std::to_string(r->reader->line()) + " " + key + "=" + value);
    return 1;
  }
};

std::vector<std::string> run(std::string_view text, int* rc = nullptr) {
  Recorder rec;
  conf::LineReader reader(text, rec);
  rec.reader = &reader;
  int r = ini_parse_stream(&conf::LineReader::read, &reader, &Recorder::on_pair, &rec);
  if (rc) *rc = r;
  return rec.events;
}

using Events = std::vector<std::string>;

}  // namespace

BOOST_AUTO_TEST_SUITE(line_reader)

BOOST_AUTO_TEST_CASE(counts_lines_and_reports_headers) {
  int rc = -1;
  auto e = run("; comment\n\n[global]\nnode = a ; inline\n# hash comment\n[pool:x] ; note\nk = v w\n", &rc);
  BOOST_TEST(rc == 0);
  BOOST_TEST(e == (Events{"3 [global]", "4 node=a", "6 [pool:x]", "7 k=v w"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(indented_lines_are_keys_not_continuations) {
  auto e = run("[a]\nx = 1\n   y = 2\n\t[b]\n\tz=3");
  BOOST_TEST(e == (Events{"1 [a]", "2 x=1", "3 y=2", "4 [b]", "5 z=3"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(crlf_and_bom_are_handled) {
  auto e = run("\xEF\xBB\xBF[a]\r\nx = 1\r\n\r\ny = 2 \r\n");
  BOOST_TEST(e == (Events{"1 [a]", "2 x=1", "4 y=2"}), boost::test_tools::per_element());
  // A BOM anywhere but the start is not skipped.
  auto late = run("[a]\n\xEF\xBB\xBFx = 1\n");
  BOOST_TEST(late.size() == 2u);
  BOOST_TEST(late[1] == "2 \xEF\xBB\xBFx=1");
}

BOOST_AUTO_TEST_CASE(over_long_line_is_an_error_not_a_split) {
  std::string longest = "k = " + std::string(conf::LineReader::kMaxLineBytes - 4, 'v');
  std::string too_long = "k = " + std::string(conf::LineReader::kMaxLineBytes - 3, 'v');
  std::string huge = "k = " + std::string(5000, 'v');
  int rc = -1;
  auto e = run("[a]\n" + longest + "\n" + too_long + "\nafter = 1\n" + huge + "\r\nlast = 2\n", &rc);
  BOOST_TEST(rc == 0);
  BOOST_REQUIRE(e.size() == 6u);
  BOOST_TEST(e[1] == "2 k=" + std::string(conf::LineReader::kMaxLineBytes - 4, 'v'));
  BOOST_TEST(e[2] == "3 ! line too long (199 bytes; at most 198)");
  BOOST_TEST(e[3] == "4 after=1");
  BOOST_TEST(e[4] == "5 ! line too long (5004 bytes; at most 198)");
  BOOST_TEST(e[5] == "6 last=2");
}

BOOST_AUTO_TEST_CASE(long_comment_lines_are_fine) {
  auto e = run("[a]\n; " + std::string(1000, 'c') + "\n   # " + std::string(300, 'c') + "\nx = 1\n");
  BOOST_TEST(e == (Events{"1 [a]", "4 x=1"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(malformed_lines_are_reported) {
  using namespace std::string_literals;
  int rc = -1;
  auto e = run("[a\n[b] junk\nno equals sign\nbind: 1.2.3.4:80\nx = a\0b\n[c]\n"s, &rc);
  BOOST_TEST(rc == 0);  // inih never sees a line it would reject
  BOOST_REQUIRE(e.size() == 6u);
  BOOST_TEST(e[0] == "1 ![ missing ']' in section header '[a'");
  BOOST_TEST(e[1] == "2 ![ unexpected text 'junk' after section header");
  BOOST_TEST(e[2] == "3 ! expected 'KEY = VALUE' or '[SECTION]', got 'no equals sign'");
  BOOST_TEST(e[3] == "4 ! expected 'KEY = VALUE' or '[SECTION]', got 'bind: 1.2.3.4:80'");
  BOOST_TEST(e[4] == "5 ! control character '\\x00' in line");
  BOOST_TEST(e[5] == "6 [c]");
}

BOOST_AUTO_TEST_CASE(sink_can_stop_the_reading) {
  Recorder rec;
  rec.stop_after_error = true;
  std::string text = "[a]\nbad\nx = 1\n";
  conf::LineReader reader(text, rec);
  rec.reader = &reader;
  BOOST_TEST(ini_parse_stream(&conf::LineReader::read, &reader, &Recorder::on_pair, &rec) == 0);
  BOOST_TEST(rec.events.size() == 2u);
  BOOST_TEST(reader.line() == 2);
}

BOOST_AUTO_TEST_SUITE_END()
