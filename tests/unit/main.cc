// The one Boost.Test module; every *_test.cc under tests/unit adds suites.
#define BOOST_TEST_MODULE tandem_unit_tests
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
