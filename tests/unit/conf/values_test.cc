#define BOOST_TEST_DYN_LINK
#include "conf/values.h"

#include <boost/test/unit_test.hpp>

#include "conf/keywords.h"

using namespace std::chrono_literals;
using tandem::conf::Millis;
namespace conf = tandem::conf;

namespace {

bool error_contains(const auto& result, std::string_view gist) {
  if (result.ok()) return false;
  return result.error().message.find(gist) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(values)

BOOST_AUTO_TEST_CASE(durations_take_every_unit) {
  BOOST_TEST(conf::parse_duration("100ms")->count() == 100);
  BOOST_TEST(conf::parse_duration("2s")->count() == 2000);
  BOOST_TEST(conf::parse_duration("5m")->count() == 300000);
  BOOST_TEST(conf::parse_duration("1h")->count() == 3600000);
  BOOST_TEST(conf::parse_duration("0s")->count() == 0);
  BOOST_TEST(conf::parse_duration("1.5s")->count() == 1500);
  BOOST_TEST(conf::parse_duration("0.25m")->count() == 15000);
  BOOST_TEST(conf::parse_duration("8760h")->count() == conf::kMaxDuration.count());
}

BOOST_AUTO_TEST_CASE(durations_reject_with_a_reason) {
  BOOST_TEST(error_contains(conf::parse_duration("30"), "needs a unit (ms, s, m, h)"));
  BOOST_TEST(error_contains(conf::parse_duration("1.5"), "needs a unit"));
  BOOST_TEST(error_contains(conf::parse_duration("5sec"), "unknown unit 'sec'"));
  BOOST_TEST(error_contains(conf::parse_duration("5S"), "unknown unit 'S'"));
  BOOST_TEST(error_contains(conf::parse_duration("5 s"), "unknown unit ' s'"));
  BOOST_TEST(error_contains(conf::parse_duration("s"), "bad duration"));
  BOOST_TEST(error_contains(conf::parse_duration("-1s"), "bad duration"));
  BOOST_TEST(error_contains(conf::parse_duration(".5s"), "bad duration"));
  BOOST_TEST(error_contains(conf::parse_duration("1.s"), "bad duration"));
  BOOST_TEST(error_contains(conf::parse_duration("1.2.3s"), "bad duration"));
  BOOST_TEST(error_contains(conf::parse_duration("0.5ms"), "whole number of milliseconds"));
  BOOST_TEST(error_contains(conf::parse_duration("8761h"), "too long"));
  BOOST_TEST(error_contains(conf::parse_duration("99999999999999999999s"), "too long"));
  BOOST_TEST(error_contains(conf::parse_duration("1.0000000001s"), "too many decimals"));
}

BOOST_AUTO_TEST_CASE(duration_ranges_are_named) {
  BOOST_TEST(conf::parse_duration_in("1s", Millis(1), Millis(3600000)).ok());
  BOOST_TEST(error_contains(conf::parse_duration_in("0s", Millis(1), Millis(3600000)), "out of range (1ms..1h)"));
  BOOST_TEST(error_contains(conf::parse_duration_in("2h", Millis(1), Millis(3600000)), "out of range (1ms..1h)"));
}

BOOST_AUTO_TEST_CASE(durations_print_as_written) {
  BOOST_TEST(conf::format_duration(30s) == "30s");
  BOOST_TEST(conf::format_duration(500ms) == "500ms");
  BOOST_TEST(conf::format_duration(1500ms) == "1500ms");
  BOOST_TEST(conf::format_duration(5min) == "5m");
  BOOST_TEST(conf::format_duration(2h) == "2h");
  BOOST_TEST(conf::format_duration(0ms) == "0ms");
}

BOOST_AUTO_TEST_CASE(counts_and_size_suffixes) {
  BOOST_TEST(*conf::parse_count("42", 0, 100) == 42);
  BOOST_TEST(*conf::parse_count("100k", 1, 100000000, true) == 100000);
  BOOST_TEST(*conf::parse_count("2M", 1, 100000000, true) == 2000000);
  BOOST_TEST(*conf::parse_count("0", 0, 10) == 0);
  BOOST_TEST(error_contains(conf::parse_count("100k", 1, 1000000), "plain integer (no k/m suffix)"));
  BOOST_TEST(error_contains(conf::parse_count("11", 0, 10), "'11' is out of range (0..10)"));
  BOOST_TEST(error_contains(conf::parse_count("200k", 1, 100000, true), "out of range (1..100000)"));
  BOOST_TEST(error_contains(conf::parse_count("-1", 0, 10), "bad number '-1'"));
  BOOST_TEST(error_contains(conf::parse_count("1x", 0, 10), "bad number '1x'"));
  BOOST_TEST(error_contains(conf::parse_count("k", 0, 10, true), "bad number 'k'"));
  BOOST_TEST(error_contains(conf::parse_count("1.5k", 0, 10000, true), "bad number"));
  BOOST_TEST(error_contains(conf::parse_count("999999999999999999999", 0, 10), "out of range"));
  BOOST_TEST(error_contains(conf::parse_count("999999999999m", 0, 10, true), "out of range"));
}

BOOST_AUTO_TEST_CASE(booleans_in_every_spelling) {
  for (auto yes : {"yes", "true", "on", "1", "YES", "True", "On"}) BOOST_TEST(*conf::parse_bool(yes) == true);
  for (auto no : {"no", "false", "off", "0", "NO", "False", "OFF"}) BOOST_TEST(*conf::parse_bool(no) == false);
  BOOST_TEST(error_contains(conf::parse_bool("yse"), "unknown value 'yse' (did you mean 'yes'?)"));
  BOOST_TEST(error_contains(conf::parse_bool("2"), "unknown value '2'"));
  BOOST_TEST(error_contains(conf::parse_bool("enabled"), "expected yes|no|true|false|on|off|1|0"));
}

BOOST_AUTO_TEST_CASE(keywords_ignore_case_and_suggest) {
  BOOST_TEST((*conf::parse_keyword("leastconn", conf::kBalances) == conf::Balance::LeastConn));
  BOOST_TEST((*conf::parse_keyword("HTTP", conf::kModes) == conf::Mode::Http));
  auto bad = conf::parse_keyword("round-robin", conf::kBalances);
  BOOST_TEST(error_contains(bad, "unknown value 'round-robin' (did you mean 'roundrobin'?)"));
  BOOST_TEST(error_contains(bad, "expected roundrobin|leastconn|random|source|hash"));
  BOOST_TEST(!error_contains(conf::parse_keyword("xyz", conf::kModes), "did you mean"));
}

BOOST_AUTO_TEST_CASE(names_and_tokens) {
  BOOST_TEST(conf::check_name("be-1.a_B", "server name").ok());
  BOOST_TEST(error_contains(conf::check_name("be 1", "server name"), "bad server name 'be 1'"));
  BOOST_TEST(error_contains(conf::check_name("", "pool name"), "empty pool name"));
  BOOST_TEST(error_contains(conf::check_name(std::string(65, 'a'), "node name"), "too long (at most 64"));
  BOOST_TEST(conf::check_name(std::string(64, 'a'), "node name").ok());
  BOOST_TEST(conf::check_token("X-Forwarded-For", "header name").ok());
  BOOST_TEST(error_contains(conf::check_token("a:b", "header name"), "bad header name"));
}

BOOST_AUTO_TEST_CASE(sizes_use_binary_suffixes) {
  BOOST_TEST(*conf::parse_size("300", 0, 1000) == 300u);
  BOOST_TEST(*conf::parse_size("16k", 0, 1u << 20) == 16384u);
  BOOST_TEST(*conf::parse_size("16K", 0, 1u << 20) == 16384u);
  BOOST_TEST(*conf::parse_size("1m", 0, 1u << 20) == 1048576u);
  BOOST_TEST(*conf::parse_size("100g", 0, 1ull << 40) == 100ull << 30);
  BOOST_TEST(*conf::parse_size("1T", 0, 1ull << 40) == 1ull << 40);
  BOOST_TEST(error_contains(conf::parse_size("1k", 0, 1000), "'1k' is out of range (0..1000)"));
  BOOST_TEST(error_contains(conf::parse_size("1", 1024, 2048), "'1' is out of range (1k..2k)"));
  for (auto bad : {"", "k", "1.5k", "1kb", "-1", "1 k", "0x10"})
    BOOST_TEST(error_contains(conf::parse_size(bad, 0, 1ull << 40), "bad size"), bad);
  // Huge numbers are out of range, never wrapped.
  BOOST_TEST(error_contains(conf::parse_size("999999999999999t", 0, 1ull << 40), "out of range"));
  BOOST_TEST(error_contains(conf::parse_size("9999999999999999", 0, 1ull << 40), "out of range"));
  BOOST_TEST(conf::format_size(0) == "0");
  BOOST_TEST(conf::format_size(300) == "300");
  BOOST_TEST(conf::format_size(1536) == "1536");
  BOOST_TEST(conf::format_size(16384) == "16k");
  BOOST_TEST(conf::format_size(1ull << 20) == "1m");
  BOOST_TEST(conf::format_size(3ull << 30) == "3g");
  BOOST_TEST(conf::format_size(1ull << 40) == "1t");
}

BOOST_AUTO_TEST_CASE(rates_are_per_second) {
  BOOST_TEST(*conf::parse_rate("20", 100) == 20.0);
  BOOST_TEST(*conf::parse_rate("20/s", 100) == 20.0);
  BOOST_TEST(*conf::parse_rate("0.5/s", 100) == 0.5);
  BOOST_TEST(*conf::parse_rate("0", 100) == 0.0);
  BOOST_TEST(*conf::parse_rate("100.000", 100) == 100.0);
  BOOST_TEST(error_contains(conf::parse_rate("100.001", 100), "'100.001' is out of range (0..100/s)"));
  BOOST_TEST(error_contains(conf::parse_rate("1/min", 100), "unknown unit '/min'"));
  BOOST_TEST(error_contains(conf::parse_rate("1.2345", 100), "too many decimals (at most 3)"));
  for (auto bad : {"", "/s", ".5", "5.", "1e3", "-1", "1,5", "20 /s", "x"})
    BOOST_TEST(error_contains(conf::parse_rate(bad, 100), "bad rate"), bad);
}

BOOST_AUTO_TEST_CASE(host_names) {
  BOOST_TEST(conf::check_host_name("example.com", "host name", false).ok());
  BOOST_TEST(conf::check_host_name("a-b_c.Example.COM", "host name", false).ok());
  BOOST_TEST(conf::check_host_name("localhost", "host name", false).ok());
  BOOST_TEST(conf::check_host_name("*.example.com", "host name", true).ok());
  BOOST_TEST(error_contains(conf::check_host_name("*.example.com", "SNI name", false), "no wildcard here"));
  BOOST_TEST(error_contains(conf::check_host_name("*", "host name", true), "'*' may only start the name"));
  BOOST_TEST(error_contains(conf::check_host_name("*.", "host name", true), "empty label"));
  BOOST_TEST(error_contains(conf::check_host_name(".a", "host name", true), "empty label"));
  BOOST_TEST(error_contains(conf::check_host_name("a.", "host name", true), "empty label"));
  BOOST_TEST(error_contains(conf::check_host_name("a:80", "host name", true), "has a port"));
  BOOST_TEST(error_contains(conf::check_host_name("a b", "host name", true), "bad host name 'a b'"));
  BOOST_TEST(conf::check_host_name(std::string(253, 'a'), "host name", false).ok());
  BOOST_TEST(error_contains(conf::check_host_name(std::string(254, 'a'), "host name", false), "too long"));
}

BOOST_AUTO_TEST_CASE(quote_cuts_and_escapes) {
  BOOST_TEST(conf::quote("abc") == "'abc'");
  BOOST_TEST(conf::quote(std::string_view("a\0b", 3)) == "'a\\x00b'");
  BOOST_TEST(conf::quote(std::string(100, 'x')) == "'" + std::string(60, 'x') + "...'");
}

BOOST_AUTO_TEST_CASE(split_words_drops_blanks) {
  auto w = conf::split_words("  a \t bb  c ");
  BOOST_TEST(w.size() == 3u);
  BOOST_TEST(w[0] == "a");
  BOOST_TEST(w[1] == "bb");
  BOOST_TEST(w[2] == "c");
  BOOST_TEST(conf::split_words("   ").empty());
}

BOOST_AUTO_TEST_SUITE_END()
