# Tandem — the one build entry (DESIGN.md). Sources are found by wildcard, so
# adding a file never needs a Makefile edit:
#   base/ conf/ http/ daemon/ vrrp/ sync/    -> libraries linked into tandemd
#   daemon/main.cc                           -> tandemd
#   ctl/*.cc                                 -> tandemctl
#   tests/unit/**/*.cc                       -> unit_tests (Boost.Test)
#   tests/tools/*.cc                         -> one test helper binary each
#   tests/fuzz/*_fuzz.cc                     -> one libFuzzer binary each (clang)

BUILD    ?= build
CXX      ?= g++
SANITIZE ?=
PREFIX   ?= /usr/local
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
DESTDIR  ?=

CPPFLAGS += -I. -I/usr/include/libnl3 -MMD -MP
CXXFLAGS ?= -O2 -g
CXXFLAGS += -std=c++20 -Wall -Wextra -Werror -pthread -fno-omit-frame-pointer
LDLIBS   += -lev -lnl-route-3 -lnl-3 -linih -lssl -lcrypto -pthread

ifeq ($(SANITIZE),1)
CXXFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=undefined -O1
LDFLAGS  += -fsanitize=address,undefined
endif

LIB_DIRS   := base conf http daemon vrrp sync
LIB_SRCS   := $(filter-out daemon/main.cc,$(shell find $(LIB_DIRS) -name '*.cc' 2>/dev/null | sort))
CTL_SRCS   := $(wildcard ctl/*.cc)
UNIT_SRCS  := $(shell find tests/unit -name '*.cc' 2>/dev/null | sort)
TOOL_SRCS  := $(wildcard tests/tools/*.cc)
FUZZ_SRCS  := $(wildcard tests/fuzz/*_fuzz.cc)

obj = $(patsubst %.cc,$(BUILD)/obj/%.o,$(1))
LIB_OBJS  := $(call obj,$(LIB_SRCS))
CTL_OBJS  := $(call obj,$(CTL_SRCS))
UNIT_OBJS := $(call obj,$(UNIT_SRCS))
TOOLS     := $(patsubst tests/tools/%.cc,$(BUILD)/tools/%,$(TOOL_SRCS))

.PHONY: all unit tools test demo bench fuzz install deps clean asan
all: $(BUILD)/tandemd $(BUILD)/tandemctl

# The unit tests' own files are compiled without optimisation: Boost.Test's
# assertion templates take 2.5 times longer to compile at -O2 (about 18 s a
# file here, against 7 s) for nothing the tests need; the code under test
# keeps its flags. This keeps `make test` (two trees) well inside CI's time.
$(UNIT_OBJS): TEST_OPT := -O0

$(BUILD)/obj/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) $(TEST_OPT) -c $< -o $@

$(BUILD)/libtandem.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/tandemd: $(call obj,daemon/main.cc) $(BUILD)/libtandem.a
	$(CXX) $(LDFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/tandemctl: $(CTL_OBJS) $(BUILD)/libtandem.a
	$(CXX) $(LDFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/unit_tests: $(UNIT_OBJS) $(BUILD)/libtandem.a
	$(CXX) $(LDFLAGS) $^ -o $@ $(LDLIBS) -lboost_unit_test_framework

$(BUILD)/tools/%: $(BUILD)/obj/tests/tools/%.o $(BUILD)/libtandem.a
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) $^ -o $@ $(LDLIBS)

unit: $(BUILD)/unit_tests
tools: $(TOOLS)

# The unit tests again, under AddressSanitizer + UndefinedBehaviorSanitizer,
# in a tree of their own.
asan:
	$(MAKE) BUILD=build-asan SANITIZE=1 build-asan/unit_tests

# libFuzzer targets, built with Debian's clang in a tree of their own.
FUZZ_CXXFLAGS := -std=c++20 -O1 -g -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I. -I/usr/include/libnl3
FUZZ_BINS := $(patsubst tests/fuzz/%.cc,build-fuzz/%,$(FUZZ_SRCS))
# What each fuzz target links besides itself: only the parser under test.
FUZZ_DEPS_config_fuzz := $(wildcard base/*.cc conf/*.cc)
FUZZ_DEPS_vrrp_packet_fuzz := vrrp/packet.cc
FUZZ_DEPS_http_parser_fuzz := $(wildcard http/*.cc)
# Any header of the parsers' directories rebuilds every fuzz target (coarse,
# but a stale target once hid a missing link dependency).
FUZZ_HEADERS := $(wildcard base/*.h conf/*.h http/*.h sync/*.h vrrp/*.h)
FUZZ_DEPS_sync_frame_fuzz := base/buffer_blocks.cc sync/byte_io.cc sync/frame_decoder.cc sync/frames.cc sync/records.cc sync/updates_writer.cc sync/wire_error.cc
.SECONDEXPANSION:
build-fuzz/%: tests/fuzz/%.cc $$(FUZZ_DEPS_$$*) $(FUZZ_HEADERS)
	@mkdir -p build-fuzz
	clang++ $(FUZZ_CXXFLAGS) $< $(FUZZ_DEPS_$*) -o $@ $(LDLIBS)
fuzz: $(FUZZ_BINS)
	tests/fuzz/run.sh $(or $(FUZZ_SECONDS),60)

# Everything, then every test; ends with the line "N passed, N failed".
test: deps
	$(MAKE) -j$(JOBS) all unit tools
	$(MAKE) -j$(JOBS) asan
	$(MAKE) -j$(JOBS) $(FUZZ_BINS)
	tests/run_all.sh

demo: deps
	$(MAKE) -j$(JOBS) all tools
	tests/e2e/demo.sh

bench: deps
	$(MAKE) deps BENCH=1
	$(MAKE) -j$(JOBS) all tools
	bench/run.sh

# Debian packages: installed only when missing. BENCH=1 adds the side-by-side
# competitors (they are never needed to build or test).
DEB_BUILD := g++ make pkg-config libev-dev libnl-3-dev libnl-route-3-dev libssl-dev \
             libinih-dev libboost-test-dev clang libclang-rt-14-dev
DEB_TEST  := iproute2 procps curl python3 socat openssl keepalived nftables
DEB_BENCH := haproxy nginx-light libnginx-mod-stream wrk linux-perf
DEB_PKGS  := $(DEB_BUILD) $(DEB_TEST) $(if $(BENCH),$(DEB_BENCH))
deps:
	@missing=$$(for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing || \
	  { $$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; }; \
	fi

install: all
	install -D -m 0755 $(BUILD)/tandemd $(DESTDIR)$(PREFIX)/sbin/tandemd
	install -D -m 0755 $(BUILD)/tandemctl $(DESTDIR)$(PREFIX)/bin/tandemctl
	install -D -m 0644 systemd/tandem.service $(DESTDIR)$(PREFIX)/lib/systemd/system/tandem.service
	sed -i 's|@SBINDIR@|$(PREFIX)/sbin|g; s|@DOCDIR@|$(PREFIX)/share/doc/tandem|g' \
	  $(DESTDIR)$(PREFIX)/lib/systemd/system/tandem.service
	for f in conf/examples/*.ini docs/*.md README.md; do \
	  install -D -m 0644 $$f $(DESTDIR)$(PREFIX)/share/doc/tandem/$$f; done
	[ -e $(DESTDIR)/etc/tandem/tandem.ini ] || \
	  install -D -m 0640 conf/examples/single-node.ini $(DESTDIR)/etc/tandem/tandem.ini

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
